/* Included by every file of the httpd ring: the module record (for
 * per-request and per-directory config) and its logging, so that
 * `LogLevel invoice:debug` applies to all of them and every line carries
 * an id (INVLOGNO, core/log.h). */
#ifndef MOD_INVOICE_HTTPD_PRIVATE_H
#define MOD_INVOICE_HTTPD_PRIVATE_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "core/log.h"

APLOG_USE_MODULE(invoice);

#endif
