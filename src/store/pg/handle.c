/* The PostgreSQL store's per-request handle.  See handle.h. */
#include "store/pg/handle.h"

invoice_store_t *invoice_store_make(const invoice_store_ctx_t *ctx)
{
    invoice_store_t *st = apr_pcalloc(ctx->pool, sizeof(*st));

    st->ctx = *ctx;
    st->db.ctx = &st->ctx;
    return st;
}

invoice_pg_t *invoice_pg_open(invoice_store_t *st,
                              invoice_store_status_t *status)
{
    *status = invoice_pg_connect(&st->db);
    return *status == INVOICE_STORE_OK ? &st->db : NULL;
}

void invoice_pg_param_scope(invoice_pg_params_t *ps, apr_pool_t *p,
                            const char *id, int caller)
{
    invoice_pg_text(ps, id);
    invoice_pg_int(ps, p, caller);
}
