/* The store of a request: mod_dbd lends a pooled connection for each
 * operation of the store (never while a client is slow), unless the
 * database's breaker says it is down; the store's deadlines are the
 * request's directory's; it logs through the request's error log.  Also
 * the registration of the store's statements with mod_dbd at startup. */
#ifndef MOD_INVOICE_HTTPD_DB_H
#define MOD_INVOICE_HTTPD_DB_H

#include <httpd.h>

#include "store/store.h"

/** post_config (before mod_dbd's): resolve mod_dbd's functions, register
 *  the store's statements with the pool of every server with a mount. */
void invoice_db_post_config(apr_pool_t *ptemp, server_rec *s);

/** The store for r: borrows a connection (and counts the acquire time)
 *  for each operation. */
invoice_store_t *invoice_db_store(request_rec *r);

/** Housekeeping for the database of server s, from a child's background
 *  thread: expired idempotency keys deleted in small batches (a pooled
 *  connection is borrowed and given back). */
void invoice_db_maintain(server_rec *s);

#endif
