/* The module's version: the number in the file VERSION at the top of the
 * source tree (its one home), given to the compiler by the Makefile as
 * INVOICE_VERSION_NUMBER. */
#ifndef MOD_INVOICE_HTTPD_VERSION_H
#define MOD_INVOICE_HTTPD_VERSION_H

#ifndef INVOICE_VERSION_NUMBER
#error "build with -DINVOICE_VERSION_NUMBER=$(cat VERSION), as the Makefile does"
#endif

#define INVOICE_STRINGIFY_(x) #x
#define INVOICE_STRINGIFY(x) INVOICE_STRINGIFY_(x)
#define INVOICE_VERSION INVOICE_STRINGIFY(INVOICE_VERSION_NUMBER)

#endif
