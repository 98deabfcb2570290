/* Exactly once under retries: run through test/faults/retries.sh, which
 * starts PostgreSQL, a pgproxy in front of it, and Apache talking to
 * PostgreSQL through the proxy, and sets the RETRIES_* variables.
 *
 * Clients that mean to do something keep trying, with one Idempotency-Key
 * per intent, until they hold a 2xx for it: they retry on a 503, a 409
 * "still being processed", a connection reset and a timeout:
 *   8 creators (the seed JSON create), 1 large creator (a 1.5 MiB raw
 *   upload: the COPY path), 4 payers (each paying invoices addressed to
 *   it, made beforehand).
 * Meanwhile, in order: PostgreSQL SIGKILLed and restarted; an Apache child
 * SIGKILLed; the proxy letting a commit through and swallowing its reply,
 * the connection cut and new ones refused for a while (a small create, a
 * large create, a pay).  Then: every intent holds a 2xx, every intended
 * invoice is stored exactly once with the exact bytes, every intended pay
 * is recorded once, and every repeat of a key answered the same. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "proc.h"

#define CREATORS 8
#define PAYERS 4
#define INVOICES_PER_PAYER 1000
#define LARGE_BYTES (1536 * 1024)
#define CLIENT_TIMEOUT_S 10L
#define INTENT_DEADLINE_S 90.0  /* an intent gives up (and fails) after this */
#define DROP_WAIT_S 30.0        /* for the proxy to find a commit to cut */

static struct {
    const char *base_url, *pg_dsn, *pg_dir, *httpd_dir, *pg_start, *data_dir;
    int control_port;
} env;

static char *seed_body;         /* test/data/ab_sample.txt */
static size_t seed_body_len;
static unsigned char *large;    /* a 1.5 MiB PDF */
static int run_base;            /* party ids of this run start here */
static volatile int stop_load;

/* ------------------------------------------------------------- intents */

/* One thing a client means to do, and what became of it. */
typedef struct {
    char key[64];
    long status;        /* the 2xx it holds, 0 if it never got one */
    char id[37];        /* the invoice it created or paid */
    char paid_at[40];   /* a pay's paid_at, as first answered */
    int attempts;
    int replays;        /* answers marked Idempotent-Replayed */
    int mismatched;     /* a repeat answered differently (must stay 0) */
    char unexpected[160];
} intent_t;

typedef struct {
    int party;          /* sender, or consumer for payers */
    enum { CREATOR, LARGE_CREATOR, PAYER } kind;
    intent_t *intents;
    int n, cap;
    invoice_id_t *to_pay;   /* payers: the invoices addressed to them */
    int npay;
    pthread_t thread;
} client_t;

static client_t clients[CREATORS + 1 + PAYERS];
#define NCLIENTS (CREATORS + 1 + PAYERS)

/* One attempt of an intent's request, on a fresh connection. */
static long attempt(CURL *c, const client_t *cl, const intent_t *in, http_resp_t *r,
                    int *curl_code)
{
    char url[512], auth[64];
    http_req_t q = { .url = url, .timeout_s = CLIENT_TIMEOUT_S };

    if (cl->kind == PAYER) {
        snprintf(url, sizeof url, "%s/api/consumer/invoices/%s/pay", env.base_url, in->id);
        snprintf(auth, sizeof auth, "consumer %d", cl->party);
        q.headers = http_headers(auth, in->key, NULL);
        q.body = "";
    }
    else {
        snprintf(url, sizeof url, cl->kind == CREATOR ? "%s/api/sender/invoices"
                 : "%s/api/sender/uploads?receiver_id=7", env.base_url);
        snprintf(auth, sizeof auth, "sender %d", cl->party);
        q.headers = http_headers(auth, in->key, cl->kind == CREATOR ? "application/json"
                                                                   : "application/pdf");
        q.body = cl->kind == CREATOR ? (const void *)seed_body : large;
        q.len = cl->kind == CREATOR ? seed_body_len : LARGE_BYTES;
    }
    long status = http_perform(c, &q, r, curl_code);
    curl_slist_free_all(q.headers);
    return status;
}

/* The id and a pay's paid_at of a 2xx body. */
static void read_answer(const char *body, char id[37], char paid_at[40])
{
    data_string(body, "id", id, 37);
    data_string(body, "paid_at", paid_at, 40);
}

/* Try until the intent holds a 2xx (or its deadline passes, or an answer
 * that retrying cannot change comes). */
static void carry_out(CURL *c, client_t *cl, intent_t *in)
{
    double deadline = now_s() + INTENT_DEADLINE_S;

    while (in->status == 0 && now_s() < deadline) {
        http_resp_t r;
        int code;
        long st = attempt(c, cl, in, &r, &code);

        in->attempts++;
        if (st == 200 || st == 201) {
            char id[37] = "";
            read_answer(r.body ? r.body : "", id, in->paid_at);
            in->replays += r.replayed;
            in->status = st;
            if (cl->kind != PAYER)
                snprintf(in->id, sizeof in->id, "%s", id);
        }
        else if (st != 503 && st != 409 && st != 0) {
            snprintf(in->unexpected, sizeof in->unexpected, "HTTP %ld: %.120s",
                     st, r.body ? r.body : "");
            deadline = 0;
        }
        else {
            sleep_ms(r.retry_after > 0 ? 200 * r.retry_after : 100);
        }
        free(r.body);
    }
}

/* After the faults: one more repeat of the key answers the same. */
static void repeat_once(CURL *c, client_t *cl, intent_t *in)
{
    http_resp_t r;
    int code;
    long st = attempt(c, cl, in, &r, &code);
    char id[37] = "", paid[40] = "";

    /* A 503 is no answer yet (a pooled connection still coming back after
     * the faults): as every client here, try again a while. */
    for (int tries = 0; st == 503 && tries < 50; tries++) {
        free(r.body);
        sleep_ms(100);
        st = attempt(c, cl, in, &r, &code);
    }

    read_answer(r.body ? r.body : "", id, paid);
    if (st != in->status || !r.replayed || strcmp(id, in->id) != 0
        || (cl->kind == PAYER && strcmp(paid, in->paid_at) != 0)) {
        in->mismatched = 1;
        snprintf(in->unexpected, sizeof in->unexpected,
                 "HTTP %ld (first %ld), replayed %d: %.100s", st, in->status,
                 r.replayed, r.body ? r.body : "");
    }
    free(r.body);
}

static intent_t *new_intent(client_t *cl, int i)
{
    intent_t *in;

    if (cl->n == cl->cap) {
        cl->cap = cl->cap ? cl->cap * 2 : 256;
        cl->intents = realloc(cl->intents, (size_t)cl->cap * sizeof *cl->intents);
        if (!cl->intents)
            abort();
    }
    in = &cl->intents[cl->n++];
    memset(in, 0, sizeof *in);
    snprintf(in->key, sizeof in->key, "r%d-p%d-%d", run_base, cl->party, i);
    if (cl->kind == PAYER)
        snprintf(in->id, sizeof in->id, "%s", cl->to_pay[i]);
    return in;
}

static void *client_main(void *arg)
{
    client_t *cl = arg;
    CURL *c = curl_easy_init();

    for (int i = 0; c && !stop_load && (cl->kind != PAYER || i < cl->npay); i++) {
        carry_out(c, cl, new_intent(cl, i));
        sleep_ms(cl->kind == CREATOR ? 20 : 50);
    }
    curl_easy_cleanup(c);
    return NULL;
}

/* ---------------------------------------------------------- set-up */

static PGconn *db(void)
{
    return db_connect(env.pg_dsn, "database");
}

/* Invoices for the payers to pay, straight into the database. */
static void make_invoices_to_pay(client_t *cl)
{
    PGconn *c = db();

    cl->to_pay = insert_unpaid_invoices(c, cl->party, INVOICES_PER_PAYER, &cl->npay);
    if (!cl->to_pay)
        fail_msg("invoices to pay: %s", PQerrorMessage(c));
    PQfinish(c);
}

static int group_setup(void **state)
{
    (void)state;
    for (int i = 0; i < NCLIENTS; i++) {
        client_t *cl = &clients[i];
        cl->party = run_base + i;
        cl->kind = i < CREATORS ? CREATOR : i == CREATORS ? LARGE_CREATOR : PAYER;
        if (cl->kind == PAYER)
            make_invoices_to_pay(cl);
    }
    for (int i = 0; i < NCLIENTS; i++)
        if (pthread_create(&clients[i].thread, NULL, client_main, &clients[i]) != 0)
            return -1;
    return 0;
}

static void stop_clients(void)
{
    if (stop_load)
        return;
    stop_load = 1;
    for (int i = 0; i < NCLIENTS; i++)
        pthread_join(clients[i].thread, NULL);
}

static int group_teardown(void **state)
{
    (void)state;
    stop_clients();
    return 0;
}

/* How many 2xx intents so far (a racy read: only for progress). */
static int done_so_far(void)
{
    int n = 0;
    for (int i = 0; i < NCLIENTS; i++)
        for (int j = 0; j < clients[i].n; j++)
            n += clients[i].intents[j].status != 0;
    return n;
}

static void wait_progress(const char *after, double secs)
{
    int before = done_so_far();
    double until = now_s() + secs;

    while (done_so_far() < before + 10 && now_s() < until)
        sleep_ms(100);
    if (done_so_far() < before + 10)
        fail_msg("no progress within %.0f s after %s", secs, after);
}

/* -------------------------------------------------------------- faults */

static void t_warmup(void **state)
{
    (void)state;
    wait_progress("the start", 20);
}

static void t_postgres_killed_and_back(void **state)
{
    (void)state;
    if (kill_postgres(env.pg_dir, 2000) != 0)
        fail_msg("could not kill PostgreSQL in %s", env.pg_dir);
    if (system(env.pg_start) != 0)
        fail_msg("'%s' failed", env.pg_start);
    wait_progress("PostgreSQL came back", 30);
}

static void t_apache_child_killed(void **state)
{
    (void)state;
    long child;
    int conns = busiest_child(httpd_pid(env.httpd_dir), url_port(env.base_url), &child);
    if (child <= 0 || kill((pid_t)child, SIGKILL) != 0)
        fail_msg("could not kill an Apache child");
    fprintf(stderr, "retries: SIGKILLed Apache child %ld (%d client connections)\n",
            child, conns);
    wait_progress("an Apache child was killed", 30);
}

/* A control command to the proxy; its one-line answer. */
static long proxy(const char *command)
{
    long answer = pgproxy_command(env.control_port, command);
    if (answer < 0)
        fail_msg("pgproxy control: %s", strerror(errno));
    return answer;
}

/* Swallow the reply to the next commit that ran statement, and refuse
 * connections 1.5 s: the module cannot know, the client gets a 503 (or a
 * reset) and retries under its key. */
static void drop_commit_of(const char *statement)
{
    char cmd[160];
    long before = proxy("dropped\n");
    double until = now_s() + DROP_WAIT_S;

    snprintf(cmd, sizeof cmd, "drop %s 1500\n", statement);
    proxy(cmd);
    while (proxy("dropped\n") == before && now_s() < until)
        sleep_ms(50);
    if (proxy("dropped\n") == before)
        fail_msg("no commit after %s within %.0f s", statement, DROP_WAIT_S);
    fprintf(stderr, "retries: the reply to a commit after %s was lost\n", statement);
    wait_progress(statement, 30);
}

static void t_commit_reply_lost_small_create(void **state)
{
    (void)state;
    drop_commit_of("invoice_insert_once");
}

static void t_commit_reply_lost_large_create(void **state)
{
    (void)state;
    drop_commit_of("invoice_insert_meta");
}

static void t_commit_reply_lost_pay(void **state)
{
    (void)state;
    drop_commit_of("invoice_pay");
}

/* ---------------------------------------------------------- the proof */

static void t_every_intent_holds_a_2xx(void **state)
{
    (void)state;
    int intents = 0, failed = 0, attempts = 0, replays = 0;

    stop_clients();
    for (int i = 0; i < NCLIENTS; i++) {
        client_t *cl = &clients[i];
        for (int j = 0; j < cl->n; j++) {
            intent_t *in = &cl->intents[j];
            intents++;
            attempts += in->attempts;
            replays += in->replays;
            if (in->status == 0 || in->unexpected[0]) {
                if (failed++ < 10)
                    fprintf(stderr, "retries: %s: %s (after %d attempts)\n", in->key,
                            in->unexpected[0] ? in->unexpected : "no 2xx", in->attempts);
            }
        }
    }
    fprintf(stderr, "retries: %d intents, %d attempts, %d answers were replays\n",
            intents, attempts, replays);
    if (failed)
        fail_msg("%d intents without their 2xx", failed);
    if (replays == 0)
        fail_msg("no retry was ever answered by a replay: the faults missed");
}

static long count(PGconn *c, const char *sql, int party)
{
    char p[16];
    const char *params[1] = { p };
    snprintf(p, sizeof p, "%d", party);
    PGresult *res = PQexecParams(c, sql, 1, NULL, params, NULL, NULL, 0);
    long n = PQresultStatus(res) == PGRES_TUPLES_OK ? atol(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    return n;
}

/* Each creator: as many invoices as intents, the ids its 2xx named, each
 * with the bytes sent (the stored hash matches the stored bytes, and the
 * bytes are the seed's). */
static void t_every_invoice_stored_once(void **state)
{
    (void)state;
    PGconn *c = db();
    int bad = 0;

    for (int i = 0; i < CREATORS + 1; i++) {
        client_t *cl = &clients[i];
        long rows = count(c, "SELECT count(*) FROM invoices WHERE sender_id = $1::int", cl->party);
        long intact = count(c, "SELECT count(*) FROM invoices i JOIN invoice_files f "
                               "ON f.invoice_id = i.id WHERE i.sender_id = $1::int "
                               "AND sha256(f.content) = i.file_sha256", cl->party);
        long distinct_ids = 0;
        for (int j = 0; j < cl->n; j++) {
            int dup = 0;
            for (int k = 0; k < j; k++)
                dup |= strcmp(cl->intents[k].id, cl->intents[j].id) == 0;
            distinct_ids += !dup;
        }
        if (rows != cl->n || intact != cl->n || distinct_ids != cl->n) {
            bad++;
            fprintf(stderr, "retries: sender %d: %d intents, %ld rows, %ld intact, "
                    "%ld distinct ids\n", cl->party, cl->n, rows, intact, distinct_ids);
        }
    }
    long seed = count(c, "SELECT count(*) FROM invoices WHERE sender_id BETWEEN $1::int "
                         "AND $1::int + 7 AND file_size <> 6718", run_base);
    PQfinish(c);
    if (bad || seed != 0)
        fail_msg("invoices stored other than once (%d senders), %ld not the seed", bad, seed);
}

/* Each payer: every invoice it meant to pay is paid, and its key holds the
 * 200 it answered. */
static void t_every_pay_recorded_once(void **state)
{
    (void)state;
    PGconn *c = db();
    int bad = 0;

    for (int i = CREATORS + 1; i < NCLIENTS; i++) {
        client_t *cl = &clients[i];
        long paid = count(c, "SELECT count(*) FROM invoices WHERE receiver_id = $1::int "
                             "AND paid_at IS NOT NULL", cl->party);
        long keys = count(c, "SELECT count(*) FROM idempotency_keys WHERE role = 2 "
                             "AND caller = $1::int AND status = 200", cl->party);
        if (paid != cl->n || keys != cl->n) {
            bad++;
            fprintf(stderr, "retries: payer %d: %d intents, %ld paid, %ld keys\n",
                    cl->party, cl->n, paid, keys);
        }
    }
    PQfinish(c);
    if (bad)
        fail_msg("%d payers with pays not recorded once", bad);
}

/* Now that all is calm: a repeat of some keys of every client answers as
 * the first 2xx did, marked as a replay. */
static void t_repeats_answer_the_same(void **state)
{
    (void)state;
    CURL *c = curl_easy_init();
    int checked = 0, bad = 0;

    /* The last lost commit refused new connections for 1.5 s; that
     * outage is over for the repeats. */
    proxy("refuse 0\n");
    for (int i = 0; i < NCLIENTS; i++) {
        client_t *cl = &clients[i];
        for (int j = 0; j < cl->n; j += cl->n / 10 + 1) {
            repeat_once(c, cl, &cl->intents[j]);
            checked++;
            if (cl->intents[j].mismatched && bad++ < 5)
                fprintf(stderr, "retries: %s answered differently: %s\n",
                        cl->intents[j].key, cl->intents[j].unexpected);
        }
    }
    curl_easy_cleanup(c);
    if (bad)
        fail_msg("%d of %d repeats answered differently", bad, checked);
    fprintf(stderr, "retries: %d repeats answered the same\n", checked);
}

/* ---------------------------------------------------------------- main */

#define RUN_BY "test/faults/retries.sh"

int main(void)
{
    size_t n;

    env.base_url = need_env("RETRIES_BASE_URL", RUN_BY);
    env.pg_dsn = need_env("RETRIES_PG_DSN", RUN_BY);
    env.pg_dir = need_env("RETRIES_PG_DIR", RUN_BY);
    env.httpd_dir = need_env("RETRIES_HTTPD_DIR", RUN_BY);
    env.pg_start = need_env("RETRIES_PG_START", RUN_BY);
    env.data_dir = need_env("RETRIES_DATA_DIR", RUN_BY);
    env.control_port = atoi(need_env("RETRIES_PROXY_CONTROL", RUN_BY));
    seed_body = read_seed(env.data_dir, "ab_sample.txt", &seed_body_len);
    large = calloc(1, LARGE_BYTES);
    if (!seed_body || !large)
        return 2;
    memcpy(large, "%PDF-1.4\n", 9);
    for (size_t i = 9; i < LARGE_BYTES; i++)
        large[i] = (unsigned char)('a' + i % 26);
    client_start();
    run_base = random_party();

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_warmup),
        cmocka_unit_test(t_postgres_killed_and_back),
        cmocka_unit_test(t_apache_child_killed),
        cmocka_unit_test(t_commit_reply_lost_small_create),
        cmocka_unit_test(t_commit_reply_lost_large_create),
        cmocka_unit_test(t_commit_reply_lost_pay),
        cmocka_unit_test(t_every_intent_holds_a_2xx),
        cmocka_unit_test(t_every_invoice_stored_once),
        cmocka_unit_test(t_every_pay_recorded_once),
        cmocka_unit_test(t_repeats_answer_the_same),
    };
    n = sizeof tests / sizeof *tests;
    fprintf(stderr, "retries: %d creators, 1 large creator, %d payers, parties from %d\n",
            CREATORS, PAYERS, run_base);
    int failed = cmocka_run_group_tests_name("mod_invoice_retries", tests, group_setup,
                                             group_teardown);
    curl_global_cleanup();
    return report_run(failed, n);
}
