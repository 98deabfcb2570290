/* The events feeds never skip an event and never show one twice, whatever
 * order transactions commit in (issue 15): run through test/faults/run.sh,
 * which starts PostgreSQL and Apache and sets the FAULTS_* variables.
 *
 * For EVENTS_ORDER_SECONDS (30) seconds, 8 writer threads create invoices
 * from sender S to consumer R and pay (as R) or void (as S) open ones,
 * through the API on keep-alive connections; one more thread writes like a
 * slow node would (libpq: a pay and its event, then 0-150 ms before its
 * COMMIT), so that transactions commit in another order than they took
 * their event ids, as they do under load (EVENTS_ORDER_SLOW_WRITER=0: the
 * API writers alone).  Meanwhile 2 pollers per party
 * (sender S, consumer R) read their feed with ?starting_after=<the last id
 * they saw> and record every event.
 *
 * At the end, once writers stopped, the pollers drain their feed; then the
 * events committed (read from the database directly: all of S's, R's but
 * the downloads) must each have been seen by every poller of the party
 * exactly once, both pollers of a party in the same order, and that order
 * the feed's: (transaction id, event id).
 *
 * A feed ordered by the event id alone fails this: a poller past event 42
 * never sees event 41 when 41 commits after 42 was read. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "proc.h"

#define WRITERS 8
#define POLLERS_PER_PARTY 2
#define DRAIN_S 15.0          /* the feeds must catch up within this */

static struct {
    const char *base_url, *pg_dsn;
    int seconds;
    int slow;          /* the slow-commit writer runs */
} env;

static int sender_id, receiver_id;
static char *create_body;
static volatile int stop_writers, stop_pollers;

/* ------------------------------------------------------------- writers */

typedef struct {
    int n;
    long created, paid, voided, conflicts, other;
    char detail[200];
} writer_t;

static writer_t writers[WRITERS + 1];

/* invoices open so far, shared by the writers: pay or void one of them */
static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;
static invoice_id_t *open_ids;
static size_t open_n, open_cap;

static void open_add(const char *id)
{
    pthread_mutex_lock(&open_mu);
    if (open_n == open_cap) {
        open_cap = open_cap ? 2 * open_cap : 1024;
        open_ids = realloc(open_ids, open_cap * sizeof *open_ids);
        if (!open_ids)
            abort();
    }
    snprintf(open_ids[open_n++], sizeof(invoice_id_t), "%s", id);
    pthread_mutex_unlock(&open_mu);
}

/* one open id taken out at random; 0 when there is none */
static int open_take(char out[37], unsigned *seed)
{
    int got = 0;
    pthread_mutex_lock(&open_mu);
    if (open_n > 0) {
        size_t k = (size_t)rand_r(seed) % open_n;
        snprintf(out, 37, "%s", open_ids[k]);
        memcpy(open_ids[k], open_ids[--open_n], sizeof(invoice_id_t));
        got = 1;
    }
    pthread_mutex_unlock(&open_mu);
    return got;
}

static void *writer_main(void *arg)
{
    writer_t *w = arg;
    unsigned seed = (unsigned)(w->n * 7919 + getpid());
    CURL *c = curl_easy_init();
    char url[256], auth_s[64], auth_r[64];
    snprintf(auth_s, sizeof auth_s, "sender %d", sender_id);
    snprintf(auth_r, sizeof auth_r, "consumer %d", receiver_id);
    struct curl_slist *hs_create = http_headers(auth_s, NULL, "application/json");
    struct curl_slist *hs_s = http_headers(auth_s, NULL, NULL);
    struct curl_slist *hs_r = http_headers(auth_r, NULL, NULL);

    while (!stop_writers) {
        int dice = rand_r(&seed) % 4;   /* 2 creates : 1 pay : 1 void */
        char id[37];
        http_resp_t r;
        int cc;
        long st;
        if (dice >= 2 && open_take(id, &seed)) {
            int pay = dice == 2;
            snprintf(url, sizeof url, pay ? "%s/api/consumer/invoices/%s/pay"
                                          : "%s/api/sender/invoices/%s/void",
                     env.base_url, id);
            http_req_t q = { .url = url, .headers = pay ? hs_r : hs_s,
                             .body = "", .len = 0, .timeout_s = 30,
                             .keep_alive = 1 };
            st = http_perform(c, &q, &r, &cc);
            if (st == 200)
                pay ? w->paid++ : w->voided++;
            else if (st == 409)
                w->conflicts++;
            else if (!w->other++)
                snprintf(w->detail, sizeof w->detail, "%s: HTTP %ld %.120s",
                         pay ? "pay" : "void", st, r.body ? r.body : "");
        } else {
            snprintf(url, sizeof url, "%s/api/sender/invoices", env.base_url);
            http_req_t q = { .url = url, .headers = hs_create, .body = create_body,
                             .len = strlen(create_body), .timeout_s = 30,
                             .keep_alive = 1 };
            st = http_perform(c, &q, &r, &cc);
            if (st == 201 && data_string(r.body, "id", id, sizeof id) == 36) {
                w->created++;
                open_add(id);
            } else if (!w->other++) {
                snprintf(w->detail, sizeof w->detail, "create: HTTP %ld %.120s", st,
                         r.body ? r.body : "");
            }
        }
        free(r.body);
    }
    curl_slist_free_all(hs_create);
    curl_slist_free_all(hs_s);
    curl_slist_free_all(hs_r);
    curl_easy_cleanup(c);
    return NULL;
}

/* A node whose transactions are slow to commit: a pay of an open invoice
 * and its event (as the module writes them), then a pause before COMMIT. */
static void *slow_writer_main(void *arg)
{
    writer_t *w = arg;
    unsigned seed = (unsigned)getpid();
    PGconn *c = PQconnectdb(env.pg_dsn);
    if (PQstatus(c) != CONNECTION_OK) {
        snprintf(w->detail, sizeof w->detail, "slow writer: %s", PQerrorMessage(c));
        w->other++;
        PQfinish(c);
        return NULL;
    }
    while (!stop_writers) {
        char id[37], pause[16];
        if (!open_take(id, &seed)) {
            usleep(10000);
            continue;
        }
        snprintf(pause, sizeof pause, "%.3f", (rand_r(&seed) % 150) / 1000.0);
        const char *params[2] = { id, pause };
        PGresult *res = PQexec(c, "BEGIN");
        PQclear(res);
        res = PQexecParams(c,
            "WITH upd AS (UPDATE invoices SET status = 2, is_payable = false, "
            "paid_at = clock_timestamp(), updated_at = clock_timestamp() "
            "WHERE id = $1::uuid AND status = 1 RETURNING *) "
            "INSERT INTO invoice_events (type, invoice_id, sender_id, receiver_id, "
            "created_at, status, paid_at, voided_at, first_downloaded_at, updated_at) "
            "SELECT 2, id, sender_id, receiver_id, paid_at, status, paid_at, "
            "voided_at, first_downloaded_at, updated_at FROM upd "
            "RETURNING (SELECT pg_sleep($2::float8)) IS NULL",
            2, NULL, params, NULL, NULL, 0);
        int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok && !w->other++)
            snprintf(w->detail, sizeof w->detail, "slow writer: %s",
                     PQerrorMessage(c));
        if (ok && PQntuples(res) == 1)
            w->paid++;
        PQclear(res);
        res = PQexec(c, ok ? "COMMIT" : "ROLLBACK");
        PQclear(res);
    }
    PQfinish(c);
    return NULL;
}

/* ------------------------------------------------------------- pollers */

typedef struct {
    long long id;
    int type;          /* 1 created, 2 paid, 3 voided, 4 downloaded */
} seen_t;

typedef struct {
    int consumer;      /* the party's role */
    int n;
    records_t seen;    /* seen_t, in the order received */
    long polls, errors;
    char detail[200];
    char after[24];
} poller_t;

static poller_t pollers[2 * POLLERS_PER_PARTY];

static int type_code(const char *t)
{
    static const char *names[] = { "invoice.created", "invoice.paid",
                                   "invoice.voided", "invoice.downloaded" };
    for (int i = 0; i < 4; i++)
        if (strcmp(t, names[i]) == 0)
            return i + 1;
    return 0;
}

/* One page: its events recorded; 1 when it was full (more to read), 0
 * when not, -1 on an error. */
static int poll_once(poller_t *p, CURL *c, struct curl_slist *hs)
{
    char url[256];
    snprintf(url, sizeof url, "%s/api/%s/events?limit=100%s%s", env.base_url,
             p->consumer ? "consumer" : "sender", *p->after ? "&starting_after=" : "",
             p->after);
    http_req_t q = { .url = url, .headers = hs, .timeout_s = 30, .keep_alive = 1 };
    http_resp_t r;
    int cc;
    long st = http_perform(c, &q, &r, &cc);
    int more = -1;
    p->polls++;
    json_object *o = st == 200 && r.body ? json_tokener_parse(r.body) : NULL;
    json_object *data = o ? json_object_object_get(o, "data") : NULL;
    if (!data || !json_object_is_type(data, json_type_array)) {
        if (!p->errors++)
            snprintf(p->detail, sizeof p->detail, "poll: HTTP %ld %.120s", st,
                     r.body ? r.body : "");
    } else {
        size_t n = json_object_array_length(data);
        for (size_t i = 0; i < n; i++) {
            json_object *ev = json_object_array_get_idx(data, i);
            seen_t s = { atoll(json_object_get_string(json_object_object_get(ev, "id"))),
                         type_code(json_object_get_string(json_object_object_get(ev, "type"))) };
            records_add(&p->seen, &s);
            snprintf(p->after, sizeof p->after, "%lld", s.id);
        }
        more = json_object_get_boolean(json_object_object_get(o, "has_more"));
    }
    json_object_put(o);
    free(r.body);
    return more;
}

static void *poller_main(void *arg)
{
    poller_t *p = arg;
    CURL *c = curl_easy_init();
    char auth[64];
    snprintf(auth, sizeof auth, "%s %d", p->consumer ? "consumer" : "sender",
             p->consumer ? receiver_id : sender_id);
    struct curl_slist *hs = http_headers(auth, NULL, NULL);
    while (!stop_pollers) {
        if (poll_once(p, c, hs) != 1)
            usleep(2000 + (useconds_t)(p->n * 1500));
    }
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    return NULL;
}

/* ------------------------------------------------------------- checks */

/* The events committed for a party, in the feed's order (tx, seq). */
static seen_t *committed(int consumer, size_t *n)
{
    PGconn *c = db_connect(env.pg_dsn, "reading invoice_events");
    char param[16];
    snprintf(param, sizeof param, "%d", consumer ? receiver_id : sender_id);
    const char *params[1] = { param };
    /* sql/006_created_events.sql: a created event is its invoice's row
     * (id 2^62 + tx, position (tx, 0)), the others rows of invoice_events
     * (id seq, position (tx, seq)) */
    PGresult *res = PQexecParams(c, consumer
        ? "SELECT id, type FROM (SELECT seq AS id, type, tx, seq AS pos "
          "FROM invoice_events WHERE receiver_id = $1::int4 AND type <> 4 "
          "UNION ALL SELECT 4611686018427387904 + tx::text::int8, 1, tx, 0 "
          "FROM invoices WHERE receiver_id = $1::int4 AND tx IS NOT NULL) e "
          "ORDER BY tx, pos"
        : "SELECT id, type FROM (SELECT seq AS id, type, tx, seq AS pos "
          "FROM invoice_events WHERE sender_id = $1::int4 "
          "UNION ALL SELECT 4611686018427387904 + tx::text::int8, 1, tx, 0 "
          "FROM invoices WHERE sender_id = $1::int4 AND tx IS NOT NULL) e "
          "ORDER BY tx, pos", 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        db_fail(c, res, "reading invoice_events");
    *n = (size_t)PQntuples(res);
    seen_t *out = calloc(*n + 1, sizeof *out);
    for (size_t i = 0; i < *n; i++) {
        out[i].id = atoll(PQgetvalue(res, (int)i, 0));
        out[i].type = atoi(PQgetvalue(res, (int)i, 1));
    }
    PQclear(res);
    PQfinish(c);
    return out;
}

static int cmp_id(const void *a, const void *b)
{
    long long x = ((const seen_t *)a)->id, y = ((const seen_t *)b)->id;
    return x < y ? -1 : x > y;
}

/* What poller p saw against the committed events: missing, twice, not
 * committed, out of the feed's order. */
static int check_poller(poller_t *p, const seen_t *db, size_t dbn)
{
    seen_t *got = p->seen.at;
    size_t n = p->seen.n;
    seen_t *a = malloc((dbn + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
    memcpy(a, db, dbn * sizeof *a);
    memcpy(b, got, n * sizeof *b);
    qsort(a, dbn, sizeof *a, cmp_id);
    qsort(b, n, sizeof *b, cmp_id);
    size_t i = 0, k = 0, missing = 0, twice = 0, unknown = 0, misordered = 0;
    long long first_missing = 0;
    while (i < dbn || k < n) {
        if (k < n && k > 0 && b[k].id == b[k - 1].id) {
            twice++;
            k++;
        } else if (k >= n || (i < dbn && a[i].id < b[k].id)) {
            if (!missing++)
                first_missing = a[i].id;
            i++;
        } else if (i >= dbn || b[k].id < a[i].id) {
            unknown++;
            k++;
        } else {
            i++;
            k++;
        }
    }
    if (missing == 0 && twice == 0 && unknown == 0)
        for (size_t j = 0; j < n; j++)
            misordered += got[j].id != db[j].id;
    char first[48] = "";
    if (missing)
        snprintf(first, sizeof first, " (the first: event %lld)", first_missing);
    printf("  poller %d (%s): %zu events seen in %ld polls; %zu missing%s, "
           "%zu twice, %zu never committed, %zu out of the feed's order\n", p->n,
           p->consumer ? "consumer" : "sender", n, p->polls, missing, first,
           twice, unknown, misordered);
    free(a);
    free(b);
    return missing == 0 && twice == 0 && unknown == 0 && misordered == 0
           && p->errors == 0;
}

/* -------------------------------------------------------------- the test */

static void t_events_order(void **state)
{
    (void)state;
    pthread_t wt[WRITERS + 1], pt[2 * POLLERS_PER_PARTY];
    for (int i = 0; i < 2 * POLLERS_PER_PARTY; i++) {
        pollers[i].consumer = i >= POLLERS_PER_PARTY;
        pollers[i].n = i;
        pollers[i].seen = (records_t)RECORDS_OF(seen_t);
        pthread_create(&pt[i], NULL, poller_main, &pollers[i]);
    }
    for (int i = 0; i < WRITERS; i++) {
        writers[i].n = i;
        pthread_create(&wt[i], NULL, writer_main, &writers[i]);
    }
    if (env.slow)
        pthread_create(&wt[WRITERS], NULL, slow_writer_main, &writers[WRITERS]);
    double t0 = now_s();
    while (now_s() - t0 < env.seconds)
        usleep(100000);
    stop_writers = 1;
    for (int i = 0; i < WRITERS + env.slow; i++)
        pthread_join(wt[i], NULL);

    /* the feeds catch up with what was committed */
    size_t dbn[2];
    seen_t *db[2] = { committed(0, &dbn[0]), committed(1, &dbn[1]) };
    double t1 = now_s();
    for (;;) {
        int behind = 0;
        for (int i = 0; i < 2 * POLLERS_PER_PARTY; i++)
            behind += records_count(&pollers[i].seen) < dbn[pollers[i].consumer];
        if (!behind || now_s() - t1 > DRAIN_S)
            break;
        usleep(50000);
    }
    /* a little longer: whatever would come twice or late comes now */
    usleep(500000);
    stop_pollers = 1;
    for (int i = 0; i < 2 * POLLERS_PER_PARTY; i++)
        pthread_join(pt[i], NULL);

    long created = 0, paid = 0, voided = 0, conflicts = 0, other = 0;
    for (int i = 0; i <= WRITERS; i++) {
        created += writers[i].created;
        paid += writers[i].paid;
        voided += writers[i].voided;
        conflicts += writers[i].conflicts;
        other += writers[i].other;
        if (writers[i].other)
            printf("  writer %d: %ld unexpected answers, first: %s\n", i,
                   writers[i].other, writers[i].detail);
    }
    printf("events order: %d s, %d API writers + %d slow-commit writer: %ld created, "
           "%ld paid (%ld of them by the slow writer), %ld voided, %ld 409s; "
           "committed events: %zu sender's, %zu consumer's\n", env.seconds, WRITERS,
           env.slow, created, paid, writers[WRITERS].paid, voided, conflicts, dbn[0], dbn[1]);
    int ok = 1;
    for (int i = 0; i < 2 * POLLERS_PER_PARTY; i++) {
        ok &= check_poller(&pollers[i], db[pollers[i].consumer],
                           dbn[pollers[i].consumer]);
        if (pollers[i].errors)
            printf("  poller %d: %ld failed polls, first: %s\n", i, pollers[i].errors,
                   pollers[i].detail);
    }
    /* the two pollers of a party agree, event for event */
    for (int party = 0; party < 2; party++) {
        poller_t *a = &pollers[party * POLLERS_PER_PARTY];
        for (int k = 1; k < POLLERS_PER_PARTY; k++) {
            poller_t *b = &pollers[party * POLLERS_PER_PARTY + k];
            size_t same = a->seen.n == b->seen.n;
            for (size_t j = 0; same && j < a->seen.n; j++)
                same = ((seen_t *)a->seen.at)[j].id == ((seen_t *)b->seen.at)[j].id;
            if (!same)
                printf("  the %s's pollers %d and %d saw different sequences\n",
                       party ? "consumer" : "sender", a->n, b->n);
            ok &= (int)same;
        }
    }
    free(db[0]);
    free(db[1]);
    for (int i = 0; i < 2 * POLLERS_PER_PARTY; i++)
        records_free(&pollers[i].seen);
    assert_true(other == 0);
    assert_true(created > 100 && paid > 10 && voided > 10);
    assert_true(ok);
}

int main(void)
{
    env.base_url = need_env("FAULTS_BASE_URL", "test/faults/run.sh");
    env.pg_dsn = need_env("FAULTS_PG_DSN", "test/faults/run.sh");
    env.seconds = env_int("EVENTS_ORDER_SECONDS", 30, 1, 3600);
    env.slow = env_int("EVENTS_ORDER_SLOW_WRITER", 1, 0, 1);
    client_start();
    sender_id = random_party();
    receiver_id = random_party();
    /* a create of the tiny PDF for R */
    static const char pdf_b64[] = "JVBERi0xLjQKJSBldmVudHMgb3JkZXIgdGVzdAo=";
    create_body = malloc(256);
    snprintf(create_body, 256, "{\"invoice\": {\"receiver_id\": %d, \"file_type\": "
             "\"application/pdf\", \"content\": \"%s\"}}", receiver_id, pdf_b64);
    const struct CMUnitTest tests[] = { cmocka_unit_test(t_events_order) };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(create_body);
    return report_run(failed, 1);
}
