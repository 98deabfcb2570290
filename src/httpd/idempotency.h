/* Idempotency-Key on the routes that change something (create, upload,
 * pay): the header read and checked, the request's fingerprint, the
 * replies sent (new or replayed), and the answers to a key that cannot be
 * used (422 another request, 409 still running). */
#ifndef MOD_INVOICE_HTTPD_IDEMPOTENCY_H
#define MOD_INVOICE_HTTPD_IDEMPOTENCY_H

#include "httpd/handlers.h"

#define INVOICE_IDEM_HEADER "Idempotency-Key"

/* A call's key, with room for its fingerprint. */
typedef struct {
    invoice_idem_t idem;
    unsigned char fingerprint[32];
} invoice_call_key_t;

/**
 * Read the call's Idempotency-Key.  Returns 0 when there is none, 1 when
 * key->idem is set (all but the fingerprint), or -1 after answering 400
 * for a malformed key (the handler returns DONE then).
 */
int invoice_idem_read(invoice_call_t *call, invoice_call_key_t *key);

/** Fingerprint the call's request from its route and parts. */
void invoice_idem_fingerprint_call(invoice_call_t *call, invoice_call_key_t *key,
                                   const char *const *parts, size_t nparts);

/** Send a reply (Location, type, body); replayed adds
 *  "Idempotent-Replayed: true".  Returns DONE. */
int invoice_idem_send(request_rec *r, const invoice_reply_t *reply,
                      int replayed);

/** The answer to REPLAY (the stored reply), KEY_MISMATCH (422) or
 *  KEY_BUSY (409 + Retry-After), counted in the metrics; other statuses
 *  go to invoice_h_store_failure.  Returns DONE. */
int invoice_idem_answer(invoice_call_t *call, invoice_store_status_t status,
                        const invoice_reply_t *stored);

#endif
