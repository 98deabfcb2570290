/* Fault injection under load: run through test/faults/run.sh, which starts
 * PostgreSQL and Apache and sets the FAULTS_* variables.
 *
 * FAULTS_THREADS client threads keep POSTing the seed invoice
 * (test/data/ab_sample.txt) on fresh connections, each request bounded by a
 * client timeout, and record (status, id, Retry-After, start, end).  Meanwhile
 * the tests, in order:
 *   1. kill PostgreSQL's postmaster with SIGKILL, keep it down for a while,
 *      wait for its orphaned backends to exit, restart it with pg.sh start,
 *      and expect a 201 again without touching Apache;
 *   2. send Apache a graceful restart (SIGUSR1 to the parent);
 *   3. SIGKILL one Apache child.
 * Then: every answer is 201 or 503 + Retry-After (never another status),
 * nothing hit the client timeout, a connection reset or empty reply only for
 * requests in flight when the child was killed, and every invoice that got
 * a 201 is in the database with the exact seed bytes.  run.sh checks the
 * Apache error log afterwards (no crash other than the child we killed). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* ------------------------------------------------------------ settings */

#define CLIENT_TIMEOUT_S 15L       /* no request may take longer */
#define PAUSE_MS 20                /* between two requests of one thread */
#define PG_DOWN_MS 2500            /* PostgreSQL stays down at least this */
#define RECOVER_S 15               /* a 201 must come back within this */
#define SETTLE_MS 3000             /* load kept after each Apache fault */

static struct {
    const char *base_url, *pg_dsn, *pg_dir, *httpd_dir, *pg_start, *data_dir;
    int threads;
} env;

static unsigned char *seed_pdf;    /* test/data/helloworld.pdf */
static size_t seed_pdf_len;
static char *seed_body;            /* test/data/ab_sample.txt */
static size_t seed_body_len;
static int sender_id;

#include "client.h"
#include "proc.h"

/* ----------------------------------------------------------------- load */

/* A request's phase is the one it started in. */
enum phase { PH_WARMUP, PH_PG_DOWN, PH_PG_STARTING, PH_PG_BACK, PH_GRACEFUL,
             PH_CHILD_KILL, PH_N };
static const char *const phase_names[PH_N] = {
    "warm-up", "postgres-killed", "pg.sh-start", "postgres-back", "graceful",
    "child-kill",
};

typedef struct {
    double t0, t1;          /* monotonic start/end */
    long status;            /* 0: no HTTP answer */
    int curl_code;
    int retry_after;        /* header present */
    int phase;
    char id[37];            /* from a 201 body */
    char detail[120];       /* curl error or start of an unexpected body */
} result_t;

static records_t results = RECORDS_OF(result_t);
static volatile int stop_load;
static volatile int cur_phase;
static pthread_t *load_threads;

/* One create of the seed on a fresh connection (a reset then means
 * exactly that this request was cut), recorded. */
static void one_create(CURL *c, const http_req_t *q)
{
    result_t res;
    http_resp_t r;
    memset(&res, 0, sizeof res);

    res.phase = cur_phase;
    res.t0 = now_s();
    res.status = http_perform(c, q, &r, &res.curl_code);
    res.t1 = now_s();
    if (res.curl_code == CURLE_OK)
        res.retry_after = r.retry_after >= 0;
    else
        snprintf(res.detail, sizeof res.detail, "%s",
                 curl_easy_strerror((CURLcode)res.curl_code));
    if (res.status == 201 && r.body)
        data_string(r.body, "id", res.id, sizeof res.id);
    if (res.status != 201 && res.status != 503 && res.status != 0 && r.body)
        snprintf(res.detail, sizeof res.detail, "%.119s", r.body);
    free(r.body);
    records_add(&results, &res);
}

static void *load_main(void *arg)
{
    (void)arg;
    char url[512], auth[64];
    snprintf(url, sizeof url, "%s/api/sender/invoices", env.base_url);
    snprintf(auth, sizeof auth, "sender %d", sender_id);
    struct curl_slist *hdrs = http_headers(auth, NULL, "application/json");
    const http_req_t q = { .url = url, .headers = hdrs, .body = seed_body,
                           .len = seed_body_len, .timeout_s = CLIENT_TIMEOUT_S };
    CURL *c = curl_easy_init();
    while (c && !stop_load) {
        one_create(c, &q);
        sleep_ms(PAUSE_MS);
    }
    curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    return NULL;
}

/* Is there a 201 for a request started at or after t?  Poll up to secs. */
static int wait_201_after(double t, double secs, double *when)
{
    double deadline = now_s() + secs;
    do {
        size_t n;
        result_t *s = records_copy(&results, &n);
        for (size_t i = 0; s && i < n; i++) {
            if (s[i].status == 201 && s[i].t0 >= t) {
                *when = s[i].t1;
                free(s);
                return 1;
            }
        }
        free(s);
        sleep_ms(100);
    } while (now_s() < deadline);
    return 0;
}

static void stop_the_load(void)
{
    if (!load_threads)
        return;
    stop_load = 1;
    for (int i = 0; i < env.threads; i++)
        pthread_join(load_threads[i], NULL);
    free(load_threads);
    load_threads = NULL;
}

/* -------------------------------------------------------------- faults */

static double t_start, t_pg_kill, t_pg_start_begin, t_pg_back, t_graceful,
              t_child_kill0, t_child_kill1;
static long killed_child;

static int group_setup(void **state)
{
    (void)state;
    t_start = now_s();
    load_threads = calloc((size_t)env.threads, sizeof *load_threads);
    if (!load_threads)
        return -1;
    for (int i = 0; i < env.threads; i++)
        if (pthread_create(&load_threads[i], NULL, load_main, NULL) != 0)
            return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    stop_the_load();
    return 0;
}

static void t_warmup_creates_succeed(void **state)
{
    (void)state;
    double when;
    sleep_ms(1500);
    assert_true(wait_201_after(t_start, 10, &when));
}

static void t_postgres_sigkill_then_back_without_apache_restart(void **state)
{
    (void)state;
    cur_phase = PH_PG_DOWN;
    t_pg_kill = now_s();
    if (kill_postgres(env.pg_dir, PG_DOWN_MS) != 0)
        fail_msg("could not kill PostgreSQL (%s)", env.pg_dir);

    t_pg_start_begin = now_s();
    cur_phase = PH_PG_STARTING;
    int rc = system(env.pg_start);
    if (rc != 0)
        fail_msg("'%s' failed (%d)", env.pg_start, rc);
    t_pg_back = now_s();
    cur_phase = PH_PG_BACK;
    fprintf(stderr, "faults: PostgreSQL down %.1f s, restarted in %.1f s\n",
            t_pg_back - t_pg_kill, t_pg_back - t_pg_start_begin);

    /* Creates succeed again by themselves: no Apache restart. */
    double when;
    if (!wait_201_after(t_pg_back, RECOVER_S, &when))
        fail_msg("no 201 within %d s after PostgreSQL came back", RECOVER_S);
    fprintf(stderr, "faults: first 201 %.2f s after PostgreSQL was back\n",
            when - t_pg_back);

    /* While it was down (a margin after the kill for requests racing with
     * it, until the restart began): 503 with Retry-After, every one. */
    size_t n, down = 0;
    result_t *s = records_copy(&results, &n);
    assert_non_null(s);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].t0 >= t_pg_kill + 0.5 && s[i].t1 <= t_pg_start_begin) {
            down++;
            if (s[i].status != 503 || !s[i].retry_after) {
                if (bad++ < 10)
                    fprintf(stderr, "faults: while PostgreSQL was down: status %ld "
                            "(curl %d %s), Retry-After %s\n", s[i].status,
                            s[i].curl_code, s[i].detail,
                            s[i].retry_after ? "present" : "missing");
            }
        }
    }
    free(s);
    fprintf(stderr, "faults: %zu requests entirely within the outage\n", down);
    if (down == 0)
        fail_msg("no request ran entirely while PostgreSQL was down");
    if (bad)
        fail_msg("%d answers other than 503 + Retry-After while PostgreSQL was down", bad);
}

static long httpd_parent(void)
{
    long p = httpd_pid(env.httpd_dir);
    if (p <= 0 || !alive(p))
        fail_msg("no running Apache parent in %s/httpd.pid", env.httpd_dir);
    return p;
}

static void t_apache_graceful_restart(void **state)
{
    (void)state;
    long parent = httpd_parent(), old[64];
    int nold = children_of(parent, old, 64);

    cur_phase = PH_GRACEFUL;
    t_graceful = now_s();
    if (kill((pid_t)parent, SIGUSR1) != 0)
        fail_msg("SIGUSR1 to %ld: %s", parent, strerror(errno));
    /* The new generation is up once the parent has a child that is not
     * one of the old ones; then the old ones drain. */
    double deadline = now_s() + 15;
    int fresh = 0, lingering = nold;
    while (now_s() < deadline) {
        long cur[64];
        int ncur = children_of(parent, cur, 64);
        fresh = 0;
        lingering = 0;
        for (int i = 0; i < ncur; i++) {
            int is_old = 0;
            for (int j = 0; j < nold; j++)
                is_old |= cur[i] == old[j];
            if (is_old)
                lingering++;
            else
                fresh++;
        }
        if (fresh > 0 && lingering == 0)
            break;
        sleep_ms(100);
    }
    fprintf(stderr, "faults: graceful restart: %d old children, %d new, %d old still there "
            "after %.1f s\n", nold, fresh, lingering, now_s() - t_graceful);
    if (fresh == 0)
        fail_msg("no new Apache child within 15 s of the graceful restart");
    sleep_ms(SETTLE_MS);
    double when;
    if (!wait_201_after(t_graceful + 0.5, 10, &when))
        fail_msg("no 201 after the graceful restart");
}

static void t_apache_child_sigkill(void **state)
{
    (void)state;
    long parent = httpd_parent(), kids[64];
    int n = children_of(parent, kids, 64);
    if (n == 0)
        fail_msg("Apache parent %ld has no children", parent);
    int conns = busiest_child(parent, url_port(env.base_url), &killed_child);

    cur_phase = PH_CHILD_KILL;
    t_child_kill0 = now_s();
    if (kill((pid_t)killed_child, SIGKILL) != 0)
        fail_msg("kill -9 child %ld: %s", killed_child, strerror(errno));
    t_child_kill1 = now_s();
    fprintf(stderr, "faults: SIGKILLed Apache child %ld (one of %d; %d client connections)\n",
            killed_child, n, conns);
    for (int i = 0; i < 50 && alive(killed_child); i++)
        sleep_ms(100);
    if (alive(killed_child))
        fail_msg("Apache child %ld still alive 5 s after SIGKILL", killed_child);
    sleep_ms(SETTLE_MS);
    long now_kids[64];
    fprintf(stderr, "faults: %d Apache children %.1f s after the kill\n",
            children_of(parent, now_kids, 64), now_s() - t_child_kill1);
    double when;
    if (!wait_201_after(t_child_kill1 + 0.5, 10, &when))
        fail_msg("no 201 after an Apache child was killed");
}

static int is_reset(int code)
{
    return code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR
        || code == CURLE_SEND_ERROR || code == CURLE_PARTIAL_FILE;
}

/* Stop the load; judge every answer. */
static size_t n201, n503, nreset, nother;

static void t_every_answer_201_or_503_retry_after(void **state)
{
    (void)state;
    stop_the_load();
    size_t per[PH_N][4] = { { 0 } };   /* 201, 503, reset, other */
    double longest[PH_N] = { 0 };
    int bad = 0;
    const result_t *all = results.at;
    for (size_t i = 0; i < results.n; i++) {
        const result_t *r = &all[i];
        int k;
        if (r->status == 201) {
            k = 0;
            n201++;
            if (!r->id[0]) {
                bad++;
                fprintf(stderr, "faults: a 201 without data.id in its body\n");
            }
        } else if (r->status == 503) {
            k = 1;
            n503++;
            if (!r->retry_after && bad++ < 20)
                fprintf(stderr, "faults: 503 without Retry-After (%s phase)\n",
                        phase_names[r->phase]);
        } else if (r->status == 0 && is_reset(r->curl_code)
                   && r->t0 <= t_child_kill1 && r->t1 >= t_child_kill0) {
            k = 2;                 /* in flight on the killed child */
            nreset++;
        } else {
            k = 3;
            nother++;
            if (bad++ < 20)
                fprintf(stderr, "faults: %s phase, +%.2f s, %.2f s long: status %ld, curl %d (%s)\n",
                        phase_names[r->phase], r->t0 - t_start, r->t1 - r->t0,
                        r->status, r->curl_code, r->detail);
        }
        per[r->phase][k]++;
        if (r->t1 - r->t0 > longest[r->phase])
            longest[r->phase] = r->t1 - r->t0;
    }
    for (int p = 0; p < PH_N; p++)
        fprintf(stderr, "faults:   %-15s %5zu x 201, %5zu x 503, %3zu resets, %3zu other; "
                "longest %.2f s\n", phase_names[p], per[p][0], per[p][1], per[p][2],
                per[p][3], longest[p]);
    fprintf(stderr, "faults: (a request counts in the phase it started in; resets are the "
            "requests in flight when the child was killed)\n");
    fprintf(stderr, "faults: %zu creates, %zu 201, %zu 503, %zu resets, %zu other\n",
           results.n, n201, n503, nreset, nother);
    if (bad)
        fail_msg("%d bad answers (see above)", bad);
}

typedef struct {
    const char *id;
    int row;
} id_row_t;

static int cmp_id_row(const void *a, const void *b)
{
    return strcmp(((const id_row_t *)a)->id, ((const id_row_t *)b)->id);
}

/* Row `row` of the query below has the seed's bytes: in invoice_files, or
 * in the file store its row names. */
static int row_file_intact(PGresult *res, int row)
{
    uint32_t fs_n;
    size_t len = 0;
    unsigned char *stored;
    int ok;

    memcpy(&fs_n, PQgetvalue(res, row, 1), 4);
    if ((long)ntohl(fs_n) != (long)seed_pdf_len)
        return 0;
    if (PQgetvalue(res, row, 3)[0] == 0)        /* an invoice_files row */
        return PQgetlength(res, row, 2) == (int)seed_pdf_len
               && memcmp(PQgetvalue(res, row, 2), seed_pdf, seed_pdf_len) == 0;
    if (PQgetisnull(res, row, 4))
        return 0;
    stored = store_file_read(PQgetvalue(res, row, 4), PQgetvalue(res, row, 0), &len);
    ok = stored && len == seed_pdf_len && memcmp(stored, seed_pdf, len) == 0;
    free(stored);
    return ok;
}

static void t_every_201_stored_intact(void **state)
{
    (void)state;
    stop_the_load();
    PGconn *c = db_connect(env.pg_dsn, "cannot connect to PostgreSQL");
    char sid[16];
    snprintf(sid, sizeof sid, "%d", sender_id);
    const char *params[1] = { sid };
    /* Binary results: id::text is its bytes, int4 network order, bytea raw. */
    PGresult *res = PQexecParams(c,
        "SELECT i.id::text, i.file_size, f.content, f.invoice_id IS NULL, "
        "i.file_store FROM invoices i "
        "LEFT JOIN invoice_files f ON f.invoice_id = i.id "
        "WHERE i.sender_id = $1::int4", 1, NULL, params, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        db_fail(c, res, "query failed");
    int rows = PQntuples(res);
    id_row_t *ids = calloc((size_t)rows + 1, sizeof *ids);
    assert_non_null(ids);
    for (int i = 0; i < rows; i++) {
        ids[i].id = PQgetvalue(res, i, 0);
        ids[i].row = i;
    }
    qsort(ids, (size_t)rows, sizeof *ids, cmp_id_row);

    size_t missing = 0, damaged = 0, matched = 0;
    const result_t *all = results.at;
    for (size_t i = 0; i < results.n; i++) {
        const result_t *r = &all[i];
        if (r->status != 201 || !r->id[0])
            continue;
        id_row_t key = { r->id, 0 };
        id_row_t *hit = bsearch(&key, ids, (size_t)rows, sizeof *ids, cmp_id_row);
        if (!hit) {
            if (missing++ < 10)
                fprintf(stderr, "faults: 201 for %s but no such invoice\n", r->id);
            continue;
        }
        int row = hit->row;
        uint32_t fs_n;
        memcpy(&fs_n, PQgetvalue(res, row, 1), 4);
        long fsize = (long)ntohl(fs_n);
        if (!row_file_intact(res, row)) {
            int nofile = PQgetvalue(res, row, 3)[0] != 0;
            int clen = PQgetlength(res, row, 2);
            if (damaged++ < 10)
                fprintf(stderr, "faults: %s stored wrong: file_size %ld, content %d bytes%s\n",
                        r->id, fsize, nofile ? -1 : clen, nofile ? " (no file row)" : "");
            continue;
        }
        matched++;
    }
    /* No row without its file, ever: the rows no client heard of too. */
    for (int row = 0; row < rows; row++) {
        if (!row_file_intact(res, row) && damaged++ < 10)
            fprintf(stderr, "faults: row %s has no intact file\n",
                    PQgetvalue(res, row, 0));
    }
    long extra = (long)rows - (long)matched;
    printf("faults: %zu of %zu 201s stored intact; %ld stored rows without a 201 "
           "(answer lost or 503 after commit)\n", matched, n201 ? n201 : matched, extra);
    free(ids);
    PQclear(res);
    PQfinish(c);
    if (missing || damaged)
        fail_msg("%zu 201s missing from the database, %zu stored with wrong bytes",
                 missing, damaged);
    printf("faults: %zu creates, %zu 201, %zu 503, %zu resets; all 201s stored intact\n",
           results.n, matched, n503, nreset);
}

/* ---------------------------------------------------------------- main */

#define RUN_BY "test/faults/run.sh"

int main(void)
{
    env.base_url = need_env("FAULTS_BASE_URL", RUN_BY);
    env.pg_dsn = need_env("FAULTS_PG_DSN", RUN_BY);
    env.pg_dir = need_env("FAULTS_PG_DIR", RUN_BY);
    env.httpd_dir = need_env("FAULTS_HTTPD_DIR", RUN_BY);
    env.pg_start = need_env("FAULTS_PG_START", RUN_BY);
    env.data_dir = need_env("FAULTS_DATA_DIR", RUN_BY);
    env.threads = env_int("FAULTS_THREADS", 8, 1, 64);

    seed_pdf = read_seed(env.data_dir, "helloworld.pdf", &seed_pdf_len);
    seed_body = read_seed(env.data_dir, "ab_sample.txt", &seed_body_len);
    if (!seed_pdf || !seed_body) {
        fprintf(stderr, "test_faults: cannot read the seed files in %s\n", env.data_dir);
        return 2;
    }
    client_start();
    sender_id = random_party();

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_warmup_creates_succeed),
        cmocka_unit_test(t_postgres_sigkill_then_back_without_apache_restart),
        cmocka_unit_test(t_apache_graceful_restart),
        cmocka_unit_test(t_apache_child_sigkill),
        cmocka_unit_test(t_every_answer_201_or_503_retry_after),
        cmocka_unit_test(t_every_201_stored_intact),
    };
    size_t total = sizeof tests / sizeof *tests;
    fprintf(stderr, "faults: %d client threads, sender %d, client timeout %ld s\n",
            env.threads, sender_id, CLIENT_TIMEOUT_S);
    int failed = cmocka_run_group_tests_name("mod_invoice_faults", tests,
                                             group_setup, group_teardown);
    curl_global_cleanup();
    records_free(&results);
    free(seed_pdf);
    free(seed_body);
    return report_run(failed, total);
}
