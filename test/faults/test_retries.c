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

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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
    char (*to_pay)[37]; /* payers: the invoices addressed to them */
    int npay;
    pthread_t thread;
} client_t;

static client_t clients[CREATORS + 1 + PAYERS];
#define NCLIENTS (CREATORS + 1 + PAYERS)

typedef struct {
    char *body;
    size_t len;
    int replayed;
    long retry_after;
} resp_t;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    resp_t *r = ud;
    size_t k = sz * n;
    char *nb = realloc(r->body, r->len + k + 1);
    if (!nb)
        return 0;
    r->body = nb;
    memcpy(r->body + r->len, p, k);
    r->len += k;
    r->body[r->len] = '\0';
    return k;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    resp_t *r = ud;
    size_t k = sz * n;
    if (k >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        r->replayed = 0;
        r->retry_after = 0;
    }
    else if (k > 20 && strncasecmp(p, "Idempotent-Replayed: true", 25) == 0)
        r->replayed = 1;
    else if (k > 12 && strncasecmp(p, "Retry-After:", 12) == 0)
        r->retry_after = atol(p + 12);
    return k;
}

/* One attempt of an intent's request. */
static long attempt(CURL *c, const client_t *cl, const intent_t *in, resp_t *r,
                    int *curl_code)
{
    char url[512], auth[64], key[128];
    struct curl_slist *h = NULL;
    long status = 0;

    if (cl->kind == PAYER) {
        snprintf(url, sizeof url, "%s/api/consumer/invoices/%s/pay", env.base_url, in->id);
        snprintf(auth, sizeof auth, "Authorization: consumer %d", cl->party);
    }
    else {
        snprintf(url, sizeof url, cl->kind == CREATOR ? "%s/api/sender/invoices"
                 : "%s/api/sender/uploads?receiver_id=7", env.base_url);
        snprintf(auth, sizeof auth, "Authorization: sender %d", cl->party);
        h = curl_slist_append(h, cl->kind == CREATOR ? "Content-Type: application/json"
                                                     : "Content-Type: application/pdf");
    }
    snprintf(key, sizeof key, "Idempotency-Key: %s", in->key);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, key);
    h = curl_slist_append(h, "Expect:");
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    if (cl->kind == CREATOR) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, seed_body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)seed_body_len);
    }
    else if (cl->kind == LARGE_CREATOR) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, large);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)LARGE_BYTES);
    }
    else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, CLIENT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    *curl_code = (int)curl_easy_perform(c);
    if (*curl_code == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return status;
}

/* The id (and a pay's paid_at) of a 2xx body. */
static void read_answer(const char *body, char id[37], char paid_at[40])
{
    json_object *root = json_tokener_parse(body), *data, *v;

    if (root && json_object_object_get_ex(root, "data", &data)) {
        if (json_object_object_get_ex(data, "id", &v))
            snprintf(id, 37, "%s", json_object_get_string(v));
        if (paid_at && json_object_object_get_ex(data, "paid_at", &v))
            snprintf(paid_at, 40, "%s", json_object_get_string(v));
    }
    json_object_put(root);
}

/* Try until the intent holds a 2xx (or its deadline passes, or an answer
 * that retrying cannot change comes). */
static void carry_out(CURL *c, client_t *cl, intent_t *in)
{
    double deadline = now_s() + INTENT_DEADLINE_S;

    while (in->status == 0 && now_s() < deadline) {
        resp_t r = { 0 };
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
    resp_t r = { 0 };
    int code;
    long st = attempt(c, cl, in, &r, &code);
    char id[37] = "", paid[40] = "";

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
    PGconn *c = PQconnectdb(env.pg_dsn);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("database: %s", PQerrorMessage(c));
    return c;
}

/* Invoices for the payers to pay, straight into the database. */
static void make_invoices_to_pay(client_t *cl)
{
    PGconn *c = db();
    char sql[512];
    PGresult *res;

    snprintf(sql, sizeof sql,
             "WITH inv AS (INSERT INTO invoices (id, sender_id, receiver_id, file_type, "
             "file_size, file_sha256) SELECT gen_random_uuid(), 1, %d, 'application/pdf', "
             "5, sha256('%%PDF-') FROM generate_series(1, %d) RETURNING id), "
             "f AS (INSERT INTO invoice_files SELECT id, '%%PDF-' FROM inv) "
             "SELECT id FROM inv", cl->party, INVOICES_PER_PAYER);
    res = PQexec(c, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("invoices to pay: %s", PQerrorMessage(c));
    cl->npay = PQntuples(res);
    cl->to_pay = calloc((size_t)cl->npay, sizeof *cl->to_pay);
    for (int i = 0; i < cl->npay; i++)
        snprintf(cl->to_pay[i], 37, "%s", PQgetvalue(res, i, 0));
    PQclear(res);
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
    char pidfile[1024];
    long child;
    const char *colon = strrchr(env.base_url, ':');

    snprintf(pidfile, sizeof pidfile, "%s/httpd.pid", env.httpd_dir);
    int conns = busiest_child(read_pid(pidfile), colon ? atoi(colon + 1) : 0, &child);
    if (child <= 0 || kill((pid_t)child, SIGKILL) != 0)
        fail_msg("could not kill an Apache child");
    fprintf(stderr, "retries: SIGKILLed Apache child %ld (%d client connections)\n",
            child, conns);
    wait_progress("an Apache child was killed", 30);
}

/* A control command to the proxy; its one-line answer. */
static long proxy(const char *command)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)env.control_port) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char answer[64] = "";

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0
        || write(fd, command, strlen(command)) < 0 || read(fd, answer, sizeof answer - 1) < 0)
        fail_msg("pgproxy control: %s", strerror(errno));
    close(fd);
    return strtol(answer, NULL, 10);
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

static const char *need(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "test_retries: %s is not set (run through test/faults/retries.sh)\n",
                name);
        exit(2);
    }
    return v;
}

int main(void)
{
    char path[1024];
    size_t n;

    env.base_url = need("RETRIES_BASE_URL");
    env.pg_dsn = need("RETRIES_PG_DSN");
    env.pg_dir = need("RETRIES_PG_DIR");
    env.httpd_dir = need("RETRIES_HTTPD_DIR");
    env.pg_start = need("RETRIES_PG_START");
    env.data_dir = need("RETRIES_DATA_DIR");
    env.control_port = atoi(need("RETRIES_PROXY_CONTROL"));
    snprintf(path, sizeof path, "%s/ab_sample.txt", env.data_dir);
    seed_body = read_file(path, &seed_body_len);
    large = calloc(1, LARGE_BYTES);
    if (!seed_body || !large)
        return 2;
    memcpy(large, "%PDF-1.4\n", 9);
    for (size_t i = 9; i < LARGE_BYTES; i++)
        large[i] = (unsigned char)('a' + i % 26);
    srand((unsigned)time(NULL) ^ ((unsigned)getpid() << 16));
    run_base = 1000000 + rand() % 1000000000;
    curl_global_init(CURL_GLOBAL_ALL);
    signal(SIGPIPE, SIG_IGN);

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
    if (failed < 0 || (size_t)failed > n)
        failed = (int)n;
    printf("%zu passed, %d failed\n", n - (size_t)failed, failed);
    return failed ? 1 : 0;
}
