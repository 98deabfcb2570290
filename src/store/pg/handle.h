/* The PostgreSQL store's per-request handle, shared by the files of
 * store/pg/ that implement store.h. */
#ifndef MOD_INVOICE_STORE_PG_HANDLE_H
#define MOD_INVOICE_STORE_PG_HANDLE_H

#include "store/pg/conn.h"

struct invoice_store_t {
    invoice_store_ctx_t ctx;
    invoice_pg_t db;
};

/** The handle's connection, connected on first use; NULL (with *status
 *  UNAVAILABLE) when there is none. */
invoice_pg_t *invoice_pg_open(invoice_store_t *st,
                              invoice_store_status_t *status);

/** $1 the invoice id and $2 the caller who must see it: how every lookup
 *  of one invoice starts, so that none can forget the scope. */
void invoice_pg_param_scope(invoice_pg_params_t *ps, apr_pool_t *p,
                            const char *id, int caller);

/** After COPY ... FROM STDIN began: the one row (id, content) of a large
 *  file in COPY's binary format, sent in chunks (files.c). */
invoice_store_status_t invoice_pg_copy_file(invoice_pg_t *db, const char *id,
                                            const unsigned char *data,
                                            apr_size_t len);

/* Idempotency keys (keys.c). */

/** $1 role, $2 caller, $3 key: how every statement on a key starts. */
void invoice_pg_key_params(invoice_pg_params_t *ps, apr_pool_t *p,
                           const invoice_idem_t *idem);

/** The reply stored under the key (REPLAY), KEY_MISMATCH when the key came
 *  with another request, KEY_BUSY when it is not (or no longer) there. */
invoice_store_status_t invoice_pg_key_replay(invoice_pg_t *db,
                                             const invoice_idem_t *idem,
                                             invoice_reply_t *stored);

/** BEGIN, then the key claimed with reply (OK, the transaction open), or,
 *  when it is taken, the transaction rolled back and what
 *  invoice_pg_key_replay says. */
invoice_store_status_t invoice_pg_key_claim(invoice_pg_t *db,
                                            const invoice_idem_t *idem,
                                            const invoice_reply_t *reply,
                                            invoice_reply_t *stored);

/** The final reply of a key claimed in this transaction. */
invoice_store_status_t invoice_pg_key_remember(invoice_pg_t *db,
                                               const invoice_idem_t *idem,
                                               const invoice_reply_t *reply);

#endif
