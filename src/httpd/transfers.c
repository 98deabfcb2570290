/* The per-child bound on file transfers.  See transfers.h. */
#include "httpd/transfers.h"

#include <apr_atomic.h>

#include "httpd/body.h"
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/respond.h"

static volatile apr_uint32_t in_progress[2];

static apr_status_t give_back(void *slot)
{
    apr_atomic_dec32(slot);
    return APR_SUCCESS;
}

int invoice_transfer_admit(request_rec *r, invoice_transfer_t kind)
{
    volatile apr_uint32_t *slot = &in_progress[kind];
    int upload = kind == INVOICE_TRANSFER_UPLOAD;
    apr_uint32_t max = (apr_uint32_t)(upload ? invoice_config_max_uploads()
                                             : invoice_config_max_downloads());

    if (apr_atomic_inc32(slot) >= max) {        /* the value before */
        apr_atomic_dec32(slot);
        invoice_count(INVOICE_COUNT_TRANSFERS_REFUSED, 1);
        invoice_body_refuse(r);
        invoice_send_unavailable(r, upload
            ? "this server reads as many uploads as it may at once; retry"
            : "this server sends as many files as it may at once; retry",
            "busy");
        return 0;
    }
    /* r->pool goes when the response has been written, also when the MPM
     * finished writing it after the handler. */
    apr_pool_cleanup_register(r->pool, (void *)slot, give_back,
                              apr_pool_cleanup_null);
    return 1;
}
