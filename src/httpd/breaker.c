/* The database circuit breaker.  See breaker.h. */
#include "httpd/breaker.h"

#include <apr_atomic.h>
#include <apr_shm.h>
#include <apr_time.h>

#include "httpd/diagnosis.h"
#include "httpd/private.h"

#define SHM_KEY "mod_invoice.breaker"
#define DATABASES 32                    /* more share the last state */
#define TRIP_AFTER 3                    /* calls found it down in a row */
#define PROBE_EVERY apr_time_from_msec(500)
#define PROBE_LEASE apr_time_from_sec(10)   /* a probe that never reports */

typedef struct {
    apr_uint32_t down_in_a_row;
    apr_uint32_t open;
    apr_uint64_t next_probe;    /* apr_time_t: when a request may probe */
} state_t;

static state_t *states;

void invoice_breaker_post_config(server_rec *s)
{
    void *base = NULL;
    apr_shm_t *shm;
    apr_size_t size = sizeof(state_t) * DATABASES;

    apr_pool_userdata_get(&base, SHM_KEY, s->process->pool);
    if (base == NULL
        && apr_shm_create(&shm, size, NULL, s->process->pool) == APR_SUCCESS) {
        base = apr_shm_baseaddr_get(shm);
        memset(base, 0, size);
        apr_pool_userdata_set(base, SHM_KEY, apr_pool_cleanup_null,
                              s->process->pool);
    }
    states = base;      /* NULL: no breaker, every request tries */
}

static state_t *state_of(server_rec *s)
{
    int index = invoice_diagnosis_index(s);

    if (states == NULL || index < 0) {
        return NULL;
    }
    return &states[index < DATABASES ? index : DATABASES - 1];
}

int invoice_breaker_admit(server_rec *s)
{
    state_t *b = state_of(s);
    apr_uint64_t next, now;

    if (b == NULL || !apr_atomic_read32(&b->open)) {
        return 1;
    }
    now = (apr_uint64_t)apr_time_now();
    next = apr_atomic_read64(&b->next_probe);
    /* The probe takes a lease, so that probes never pile up. */
    return now >= next
           && apr_atomic_cas64(&b->next_probe, now + PROBE_LEASE, next) == next
               ? 2 : 0;
}

void invoice_breaker_probed(server_rec *s)
{
    state_t *b = state_of(s);

    if (b != NULL && apr_atomic_read32(&b->open)) {
        apr_atomic_set64(&b->next_probe,
                         (apr_uint64_t)(apr_time_now() + PROBE_EVERY));
    }
}

void invoice_breaker_answered(server_rec *s)
{
    state_t *b = state_of(s);

    if (b == NULL) {
        return;
    }
    if (apr_atomic_read32(&b->down_in_a_row) != 0) {
        apr_atomic_set32(&b->down_in_a_row, 0);
    }
    if (apr_atomic_read32(&b->open) && apr_atomic_xchg32(&b->open, 0)) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, INVLOGNO(00416)
                     "the database answers again: requests use it again");
    }
}

void invoice_breaker_down(server_rec *s)
{
    state_t *b = state_of(s);

    if (b == NULL || apr_atomic_inc32(&b->down_in_a_row) + 1 < TRIP_AFTER) {
        return;
    }
    apr_atomic_set64(&b->next_probe,
                     (apr_uint64_t)(apr_time_now() + PROBE_EVERY));
    if (!apr_atomic_xchg32(&b->open, 1)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, INVLOGNO(00415)
                     "the database does not answer: requests get 503 at once "
                     "while one of them probes it every %d ms",
                     (int)apr_time_as_msec(PROBE_EVERY));
    }
}
