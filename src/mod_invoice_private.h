/* Included by every glue file that logs, so that `LogLevel invoice:debug`
 * applies to all of them. */
#ifndef MOD_INVOICE_PRIVATE_H
#define MOD_INVOICE_PRIVATE_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

APLOG_USE_MODULE(invoice);

#endif
