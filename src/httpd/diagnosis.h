/* The database as each child sees it: diagnosed when the child starts and
 * again while something is wrong (in a thread of the child, never in a
 * request), so that /readyz and the 503 answers can say why, and the error
 * log says it once a minute for the whole node while it lasts.  The same
 * thread does the housekeeping of a database that works (every 10 s:
 * expired idempotency keys). */
#ifndef MOD_INVOICE_HTTPD_DIAGNOSIS_H
#define MOD_INVOICE_HTTPD_DIAGNOSIS_H

#include <httpd.h>

#include "store/diagnose.h"

/** post_config: the node-wide memory that keeps the log to one line a
 *  minute across children. */
void invoice_diagnosis_post_config(server_rec *s);

/** child_init: diagnose every mount's database now and while it fails. */
void invoice_diagnosis_child_init(apr_pool_t *pchild, server_rec *s);

/** Which of the node's databases s uses (0, 1 ... in the same order in
 *  every child), or -1 when no server has a mount. */
int invoice_diagnosis_index(server_rec *s);

/** The last diagnosis of r's database (FINE also while none was made). */
invoice_db_diagnosis_t invoice_diagnosis_of(request_rec *r);

/** Something failed on r's database: diagnose it again soon. */
void invoice_diagnosis_suspect(request_rec *r);

/** 503 for a request that found r's database unusable: says whether an
 *  operator must fix a misconfiguration (the reason is in the error log
 *  and /readyz, not told to clients) or the client should retry; returns
 *  DONE. */
int invoice_diagnosis_send_unavailable(request_rec *r);

#endif
