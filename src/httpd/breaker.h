/* A circuit breaker per database, shared by all children of a node.
 * While the database does not answer (calls miss their deadline, no
 * connection can be made), requests that need it get their 503 at once
 * instead of each waiting out a deadline or queueing on mod_dbd's pool
 * lock; one request at a time probes it, at most twice a second, and the
 * first answer closes the breaker again. */
#ifndef MOD_INVOICE_HTTPD_BREAKER_H
#define MOD_INVOICE_HTTPD_BREAKER_H

#include <httpd.h>

/** post_config: the node-wide state (shared memory). */
void invoice_breaker_post_config(server_rec *s);

/** May a request of server s use its database now?  0: no; 1: yes; 2:
 *  yes, as the probe of an open breaker (tell invoice_breaker_probed when
 *  done, whatever happened). */
int invoice_breaker_admit(server_rec *s);

/** The probe is over: unless an answer closed the breaker, the next
 *  request may probe again soon. */
void invoice_breaker_probed(server_rec *s);

/** What a call to s's database found: it answered, or it did not. */
void invoice_breaker_answered(server_rec *s);
void invoice_breaker_down(server_rec *s);

#endif
