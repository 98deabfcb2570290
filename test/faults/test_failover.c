/* Failover to a streaming-replication standby: run through
 * test/faults/failover.sh, which starts a primary, a synchronous standby
 * (pg_basebackup -R), an Apache whose DBDParams name only the standby
 * ("ro") and one naming both with target_session_attrs=read-write ("rw"),
 * and sets the FAILOVER_* variables.
 *
 * Phase 1, a read-only database (what a client sees after a failover to a
 * standby that is not promoted yet), through Apache "ro":
 *   creates and pays answer 503 + Retry-After with a problem+json body,
 *   never 500, and store nothing; /readyz answers 503; lists answer 200
 *   (or 503).  Apache "ro" is stopped afterwards.
 * Phase 2, a failover under load, through Apache "rw":
 *   4 creators and 4 payers (each paying the invoices one creator had
 *   acknowledged), every create and pay with its own Idempotency-Key,
 *   retried under that key until it holds its 2xx (after 200 ms per second
 *   of Retry-After, or 200 ms: Retry-After scaled down, as in
 *   test_retries.c, so that the 1 s outage is sampled by several requests
 *   of each client rather than one).  After 3 s of load the primary's
 *   postmaster and all its processes are SIGKILLed, 1 s later the standby
 *   is promoted (pg_ctl promote -w), and the load goes on 8 s more.  Then:
 *   no 500, no answer but 201/200/503 + Retry-After/409 + Retry-After; a
 *   201 within 10 s of the promotion; every acknowledged invoice on the
 *   new primary exactly once with the seed's bytes; every acknowledged pay
 *   recorded there with the paid_at it answered; /readyz 200 again.
 *   FAILOVER_RESPONSES, when set, names a CSV of every response. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <libpq-fe.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "proc.h"

/* ------------------------------------------------------------ settings */

#define CREATORS 4
#define PAYERS 4
#define NCLIENTS (CREATORS + PAYERS)
#define CLIENT_TIMEOUT_S 10L       /* no request may take longer */
#define PAUSE_MS 20                /* between two intents of one client */
#define LOAD_BEFORE_KILL_MS 3000
#define DOWN_BEFORE_PROMOTE_MS 1000
#define LOAD_AFTER_PROMOTE_MS 8000
#define RECOVER_S 10.0             /* a 201 within this of the promotion */
#define RETRY_AFTER_UNIT_MS 200    /* back-off per second of Retry-After */
#define INTENT_DEADLINE_S 25.0     /* an intent gives up (and fails) after this */
#define READY_AGAIN_S 10.0         /* /readyz 200 again within this, at the end */
#define RO_CREATES 4

static struct {
    const char *ro_url, *url, *primary_dsn, *standby_dsn, *primary_data,
               *ro_stop, *promote, *data_dir, *responses;
} env;

static unsigned char *seed_pdf;    /* test/data/helloworld.pdf */
static size_t seed_pdf_len;
static char *seed_body;            /* test/data/ab_sample.txt */
static int run_base;               /* party ids of this run start here */

/* ---------------------------------------------------------------- HTTP */

/* One request on a fresh connection (a request is never stuck behind a
 * stale pooled one): POST when body is not NULL, GET otherwise.  The
 * status, 0 when there was no HTTP answer (*curl_code says why). */
static long http(CURL *c, const char *url, struct curl_slist *h, const char *body,
                 http_resp_t *r, int *curl_code)
{
    const http_req_t q = { .url = url, .headers = h, .body = body,
                           .len = body ? strlen(body) : 0, .timeout_s = CLIENT_TIMEOUT_S };
    return http_perform(c, &q, r, curl_code);
}

/* headers: Authorization ("<role> <party>"), an optional Idempotency-Key,
 * and for a create the JSON Content-Type. */
static struct curl_slist *headers(const char *role, int party, const char *key, int json)
{
    char auth[64];
    snprintf(auth, sizeof auth, "%s %d", role, party);
    return http_headers(auth, key, json ? "application/json" : NULL);
}

/* The seed's create body, addressed to receiver. */
static char *create_body(int receiver)
{
    json_object *root = json_tokener_parse(seed_body), *inv;
    char *out = NULL;

    if (root && json_object_object_get_ex(root, "invoice", &inv)) {
        json_object_object_add(inv, "receiver_id", json_object_new_int(receiver));
        out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN
                                                    | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
    json_object_put(root);
    if (!out) {
        fprintf(stderr, "failover: cannot build a create body from the seed\n");
        abort();
    }
    return out;
}

/* ------------------------------------------------------------ database */

static PGconn *db(const char *dsn)
{
    char what[1024];
    snprintf(what, sizeof what, "cannot connect (%s)", dsn);
    return db_connect(dsn, what);
}

/* The first value of a one-parameter query (malloc'd), or NULL. */
static char *one(PGconn *c, const char *sql, const char *param)
{
    const char *params[1] = { param };
    PGresult *res = PQexecParams(c, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
    char *v = NULL;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
        v = strdup(PQgetvalue(res, 0, 0));
    else if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fprintf(stderr, "failover: %s: %s", sql, PQerrorMessage(c));
    PQclear(res);
    return v;
}

static int one_is(PGconn *c, const char *sql, const char *param, const char *want)
{
    char *v = one(c, sql, param);
    int same = v && strcmp(v, want) == 0;
    if (!same)
        fprintf(stderr, "failover: %s -> %s (want %s)\n", sql, v ? v : "(nothing)", want);
    free(v);
    return same;
}

/* ------------------------------------------------------- 0: the set-up */

static void t_replication_is_synchronous(void **state)
{
    (void)state;
    PGconn *p = db(env.primary_dsn), *s = db(env.standby_dsn);
    int ok = one_is(p, "SHOW wal_level", NULL, "replica")
        & one_is(p, "SHOW synchronous_commit", NULL, "on")
        & one_is(p, "SHOW synchronous_standby_names", NULL, "*")
        & one_is(p, "SELECT state || '/' || sync_state FROM pg_stat_replication", NULL,
                 "streaming/sync")
        & one_is(p, "SELECT pg_is_in_recovery()", NULL, "f")
        & one_is(s, "SELECT pg_is_in_recovery()", NULL, "t");
    PQfinish(p);
    PQfinish(s);
    if (!ok)
        fail_msg("the primary and the standby are not set up as this test needs");
}

/* ------------------------------------------------- 1: a read-only database */

typedef struct {
    const char *what;
    long status;
    long retry_after;
    int problem;
    int curl_code;
} seen_t;

/* One request to Apache "ro"; prints what it answered. */
static seen_t ro_call(const char *what, const char *path, const char *role, int party,
                      const char *key, const char *body)
{
    char url[512];
    http_resp_t r;
    seen_t s = { what, 0, -1, 0, 0 };
    CURL *c = curl_easy_init();
    struct curl_slist *h = headers(role, party, key, body && *body);

    snprintf(url, sizeof url, "%s%s", env.ro_url, path);
    s.status = http(c, url, h, body, &r, &s.curl_code);
    s.retry_after = r.retry_after;
    s.problem = r.problem;
    fprintf(stderr, "failover: read-only: %-26s -> %ld%s%s, Retry-After %s%s%.100s\n", what,
            s.status, s.status ? "" : " (no answer: ", s.status ? "" : curl_easy_strerror(s.curl_code),
            r.retry_after >= 0 ? "present" : "absent", r.problem ? ", problem+json: " : ", body: ",
            r.body ? r.body : "");
    free(r.body);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return s;
}

static int is_503_problem(const seen_t *s)
{
    return s->status == 503 && s->retry_after >= 0 && s->problem;
}

static void t_readonly_creates_answer_503(void **state)
{
    (void)state;
    int sender = run_base + 200, bad = 0, n500 = 0;
    char *body = create_body(run_base + 201), key[64], sid[16];

    for (int i = 0; i < RO_CREATES; i++) {
        /* Half with an Idempotency-Key (the key is written first), half without. */
        snprintf(key, sizeof key, "ro-create-%d-%d", run_base, i);
        seen_t s = ro_call(i % 2 ? "create" : "create, Idempotency-Key", "/api/sender/invoices",
                           "sender", sender, i % 2 ? NULL : key, body);
        bad += !is_503_problem(&s);
        n500 += s.status == 500;
    }
    free(body);
    /* And nothing was stored (on the primary, where a write would be). */
    PGconn *p = db(env.primary_dsn);
    snprintf(sid, sizeof sid, "%d", sender);
    char *rows = one(p, "SELECT count(*) FROM invoices WHERE sender_id = $1::int", sid);
    PQfinish(p);
    fprintf(stderr, "failover: read-only: %d of %d creates not 503 + Retry-After + problem+json "
            "(%d x 500); %s rows stored\n", bad, RO_CREATES, n500, rows ? rows : "?");
    if (bad)
        fail_msg("%d of %d creates on a read-only database did not answer 503 + Retry-After "
                 "+ problem+json (%d x 500)", bad, RO_CREATES, n500);
    if (!rows || strcmp(rows, "0") != 0)
        fail_msg("a create on a read-only database stored %s rows", rows ? rows : "?");
    free(rows);
}

static char ro_invoice[37];        /* made on the primary, replicated */

/* An invoice to pay, written on the primary: replicated synchronously, it
 * is flushed on the standby at commit and visible once replayed. */
static void make_ro_invoice(void)
{
    char sender[16], receiver[16];
    const char *params[2] = { sender, receiver };
    PGconn *p = db(env.primary_dsn), *s = db(env.standby_dsn);

    snprintf(sender, sizeof sender, "%d", run_base + 200);
    snprintf(receiver, sizeof receiver, "%d", run_base + 202);
    PGresult *res = PQexecParams(p,
        "WITH inv AS (INSERT INTO invoices (id, sender_id, receiver_id, file_type, file_size, "
        "file_sha256) VALUES (gen_random_uuid(), $1::int, $2::int, 'application/pdf', 5, "
        "sha256('%PDF-')) RETURNING id), f AS (INSERT INTO invoice_files SELECT id, '%PDF-' "
        "FROM inv) SELECT id::text FROM inv", 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("an invoice to pay: %s", PQerrorMessage(p));
    snprintf(ro_invoice, sizeof ro_invoice, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    double until = now_s() + 10;
    char *v = NULL;
    while (!(v = one(s, "SELECT 1 FROM invoices WHERE id = $1::uuid", ro_invoice)) && now_s() < until)
        sleep_ms(50);
    PQfinish(p);
    PQfinish(s);
    if (!v)
        fail_msg("invoice %s did not reach the standby within 10 s", ro_invoice);
    free(v);
}

static void t_readonly_pay_answers_503(void **state)
{
    (void)state;
    char path[256], key[64];
    int bad = 0, n500 = 0;

    make_ro_invoice();
    snprintf(path, sizeof path, "/api/consumer/invoices/%s/pay", ro_invoice);
    snprintf(key, sizeof key, "ro-pay-%d", run_base);
    seen_t a = ro_call("pay, Idempotency-Key", path, "consumer", run_base + 202, key, "");
    seen_t b = ro_call("pay", path, "consumer", run_base + 202, NULL, "");
    bad = !is_503_problem(&a) + !is_503_problem(&b);
    n500 = (a.status == 500) + (b.status == 500);

    PGconn *p = db(env.primary_dsn);
    int unpaid = one_is(p, "SELECT is_payable AND paid_at IS NULL FROM invoices WHERE id = $1::uuid",
                        ro_invoice, "t");
    PQfinish(p);
    if (bad)
        fail_msg("%d of 2 pays on a read-only database did not answer 503 + Retry-After + "
                 "problem+json (%d x 500)", bad, n500);
    if (!unpaid)
        fail_msg("invoice %s is paid after pays that failed", ro_invoice);
}

static void t_readonly_readyz_503(void **state)
{
    (void)state;
    int not503 = 0;

    /* Several: each may land on another child and pooled connection. */
    for (int i = 0; i < 4; i++) {
        seen_t s = ro_call("GET /readyz", "/readyz", "sender", 1, NULL, NULL);
        not503 += s.status != 503;
    }
    if (not503)
        fail_msg("/readyz answered other than 503 %d of 4 times while the only database is "
                 "read-only", not503);
}

static void t_readonly_reads_answer(void **state)
{
    (void)state;
    seen_t s = ro_call("GET /api/sender/invoices", "/api/sender/invoices?limit=5", "sender",
                       run_base + 200, NULL, NULL);
    /* Reading a standby is fine; a 503 would be too (not ready).  Never 500. */
    if (s.status != 200 && !is_503_problem(&s))
        fail_msg("a list on a read-only database answered %ld", s.status);
}

/* --------------------------------------------- 2: failover under load */

enum { CREATE, PAY };
enum { BEFORE_KILL, OUTAGE, AFTER_PROMOTE, NPERIODS };
static const char *const period_names[NPERIODS] = {
    "before the kill", "kill..promoted", "after promotion"
};

typedef struct {
    double t0, t1;
    int kind;
    long status;
    int curl_code;
    long retry_after;
    int problem, replayed;
    char detail[120];
} result_t;

static records_t results = RECORDS_OF(result_t);

/* One thing a client means to do, and what became of it. */
typedef struct {
    char key[64];
    long status;        /* the 2xx it holds, 0 if none */
    char id[37];        /* the invoice created, or paid */
    char paid_at[40];   /* a pay's paid_at, as answered */
    int attempts;
    char unexpected[200];
} intent_t;

typedef struct {
    int kind, party, receiver;
    char *body;                    /* creators */
    intent_t *intents;             /* only this client's thread writes */
    int n, cap;
    pthread_t thread;
} client_t;

static client_t clients[NCLIENTS];
static volatile int stop_load;
static int load_running;             /* client threads started */
static int acked_creates, acked_pays;      /* __atomic */

/* Invoices acknowledged, waiting for their payer (one queue per consumer). */
static struct {
    char (*ids)[37];
    int head, tail, cap;
} queue[PAYERS];
static pthread_mutex_t qmu = PTHREAD_MUTEX_INITIALIZER;

static void push(int payer, const char *id)
{
    pthread_mutex_lock(&qmu);
    if (queue[payer].tail == queue[payer].cap) {
        queue[payer].cap = queue[payer].cap ? queue[payer].cap * 2 : 1024;
        queue[payer].ids = realloc(queue[payer].ids, (size_t)queue[payer].cap * 37);
        if (!queue[payer].ids)
            abort();
    }
    snprintf(queue[payer].ids[queue[payer].tail++], 37, "%s", id);
    pthread_mutex_unlock(&qmu);
}

static int pop(int payer, char id[37])
{
    int got = 0;
    pthread_mutex_lock(&qmu);
    if (queue[payer].head < queue[payer].tail) {
        snprintf(id, 37, "%s", queue[payer].ids[queue[payer].head++]);
        got = 1;
    }
    pthread_mutex_unlock(&qmu);
    return got;
}

static long attempt(CURL *c, const client_t *cl, const intent_t *in, http_resp_t *r)
{
    char url[512];
    result_t res;
    struct curl_slist *h;

    memset(&res, 0, sizeof res);
    res.kind = cl->kind;
    if (cl->kind == PAY) {
        snprintf(url, sizeof url, "%s/api/consumer/invoices/%s/pay", env.url, in->id);
        h = headers("consumer", cl->party, in->key, 0);
    }
    else {
        snprintf(url, sizeof url, "%s/api/sender/invoices", env.url);
        h = headers("sender", cl->party, in->key, 1);
    }
    res.t0 = now_s();
    res.status = http(c, url, h, cl->kind == PAY ? "" : cl->body, r, &res.curl_code);
    res.t1 = now_s();
    res.retry_after = r->retry_after;
    res.problem = r->problem;
    res.replayed = r->replayed;
    if (res.status == 0)
        snprintf(res.detail, sizeof res.detail, "%s", curl_easy_strerror((CURLcode)res.curl_code));
    else if (res.status != 200 && res.status != 201 && r->body)
        snprintf(res.detail, sizeof res.detail, "%.119s", r->body);
    records_add(&results, &res);
    curl_slist_free_all(h);
    return res.status;
}

/* Try under one key until the intent holds its 2xx: a 503, a 409 with
 * Retry-After (the key still held), a 5xx and no answer are retried; a 4xx
 * cannot change by retrying. */
static void carry_out(CURL *c, client_t *cl, intent_t *in)
{
    double deadline = now_s() + INTENT_DEADLINE_S;
    long want = cl->kind == PAY ? 200 : 201;

    while (in->status == 0 && now_s() < deadline) {
        http_resp_t r;
        long st = attempt(c, cl, in, &r);

        in->attempts++;
        if (st == want) {
            if (cl->kind == PAY)
                data_string(r.body, "paid_at", in->paid_at, sizeof in->paid_at);
            else
                data_string(r.body, "id", in->id, sizeof in->id);
            in->status = st;
        }
        else if (st == 0 || st >= 500 || (st == 409 && r.retry_after >= 0)) {
            long ms = r.retry_after > 0 ? r.retry_after * RETRY_AFTER_UNIT_MS : 200;
            sleep_ms(ms > 2000 ? 2000 : ms);
        }
        else {
            snprintf(in->unexpected, sizeof in->unexpected, "HTTP %ld: %.150s", st,
                     r.body ? r.body : "");
            deadline = 0;
        }
        free(r.body);
    }
}

static intent_t *new_intent(client_t *cl)
{
    if (cl->n == cl->cap) {
        cl->cap = cl->cap ? cl->cap * 2 : 256;
        cl->intents = realloc(cl->intents, (size_t)cl->cap * sizeof *cl->intents);
        if (!cl->intents)
            abort();
    }
    intent_t *in = &cl->intents[cl->n];
    memset(in, 0, sizeof *in);
    snprintf(in->key, sizeof in->key, "fo%d-%d-%d", run_base, cl->party, cl->n);
    cl->n++;
    return in;
}

/* A client runs until told to stop, and finishes the intent it is on:
 * every intent ends with its 2xx or its deadline. */
static void *client_main(void *arg)
{
    client_t *cl = arg;
    CURL *c = curl_easy_init();

    while (c && !stop_load) {
        if (cl->kind == PAY) {
            char id[37];
            if (!pop(cl->party - (run_base + 100), id)) {
                sleep_ms(PAUSE_MS);
                continue;
            }
            intent_t *in = new_intent(cl);
            snprintf(in->id, sizeof in->id, "%s", id);
            carry_out(c, cl, in);
            if (in->status)
                __atomic_add_fetch(&acked_pays, 1, __ATOMIC_RELAXED);
        }
        else {
            intent_t *in = new_intent(cl);
            carry_out(c, cl, in);
            if (in->status && in->id[0]) {
                __atomic_add_fetch(&acked_creates, 1, __ATOMIC_RELAXED);
                push(cl->receiver - (run_base + 100), in->id);
            }
        }
        sleep_ms(PAUSE_MS);
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void start_clients(void)
{
    for (int i = 0; i < NCLIENTS; i++) {
        client_t *cl = &clients[i];
        cl->kind = i < CREATORS ? CREATE : PAY;
        if (cl->kind == CREATE) {
            cl->party = run_base + i;
            cl->receiver = run_base + 100 + i % PAYERS;
            cl->body = create_body(cl->receiver);
        }
        else {
            cl->party = run_base + 100 + (i - CREATORS);
        }
    }
    for (int i = 0; i < NCLIENTS; i++) {
        if (pthread_create(&clients[i].thread, NULL, client_main, &clients[i]) != 0)
            fail_msg("pthread_create failed");
        load_running++;
    }
}

static void stop_clients(void)
{
    stop_load = 1;
    for (int i = 0; i < load_running; i++)
        pthread_join(clients[i].thread, NULL);
    load_running = 0;
}

/* /readyz of Apache "rw", sampled while the load runs. */
typedef struct { double t; long status; } ready_t;
static ready_t readyz[1024];
static int nreadyz;

static long get_readyz(CURL *c)
{
    char url[512];
    http_resp_t r;
    int code;
    snprintf(url, sizeof url, "%s/readyz", env.url);
    long st = http(c, url, NULL, NULL, &r, &code);
    free(r.body);
    return st;
}

/* Wait ms, sampling /readyz every 100 ms. */
static void watch(CURL *c, long ms)
{
    double until = now_s() + ms / 1000.0;
    while (now_s() < until) {
        double t = now_s();
        long st = get_readyz(c);
        if (nreadyz < (int)(sizeof readyz / sizeof *readyz))
            readyz[nreadyz++] = (ready_t){ t, st };
        double left = until - now_s();
        sleep_ms(left <= 0 ? 0 : left < 0.1 ? (long)(left * 1000) : 100);
    }
}

static int pid_in_dir(long pid, const char *dir)
{
    char path[64], cwd[PATH_MAX];
    snprintf(path, sizeof path, "/proc/%ld/cwd", pid);
    ssize_t n = readlink(path, cwd, sizeof cwd - 1);
    if (n <= 0)
        return 0;
    cwd[n] = '\0';
    return strcmp(cwd, dir) == 0;
}

/* Every process working in dir (the postmaster, its backends, walsenders,
 * checkpointer ...: all keep the data directory as their cwd, also as
 * orphans): SIGKILLed, but pm, when not 0.  How many. */
static int kill_in_dir(const char *dir, long pm)
{
    int n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        long pid = strtol(e->d_name, NULL, 10);
        if (pid > 0 && pid != pm && alive(pid) && pid_in_dir(pid, dir)
            && kill((pid_t)pid, SIGKILL) == 0)
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

/* The primary dies at once, as a crashed host would: the postmaster is
 * stopped first (it can neither fork nor react to its children's death),
 * every other process of the cluster is SIGKILLed, then the postmaster.
 * (SIGKILLing the postmaster alone lets its backends notice and exit by
 * themselves, telling their clients "terminating connection due to
 * unexpected postmaster exit": a gentler fault.)  How many processes. */
static int kill_primary(void)
{
    char pidfile[PATH_MAX + 32], dir[PATH_MAX];

    if (!realpath(env.primary_data, dir))
        fail_msg("%s: %s", env.primary_data, strerror(errno));
    snprintf(pidfile, sizeof pidfile, "%s/postmaster.pid", dir);
    long pm = read_pid(pidfile);
    if (pm <= 0 || !pid_in_dir(pm, dir))
        fail_msg("no primary postmaster in %s", dir);
    if (kill((pid_t)pm, SIGSTOP) != 0)
        fail_msg("kill -STOP %ld: %s", pm, strerror(errno));
    int killed = kill_in_dir(dir, pm);
    if (kill((pid_t)pm, SIGKILL) != 0)
        fail_msg("kill -9 %ld: %s", pm, strerror(errno));
    killed++;
    double until = now_s() + 10;
    int left;
    while ((left = kill_in_dir(dir, 0)) > 0 && now_s() < until) {
        killed += left;
        sleep_ms(20);
    }
    if (left)
        fail_msg("processes of the primary outlived SIGKILL by 10 s");
    return killed;
}

static double t_load0, t_kill, t_promote0, t_promote1, t_stop;

/* Every response of phase 2, one line each, times relative to the kill. */
static void write_responses(void)
{
    FILE *f = env.responses ? fopen(env.responses, "w") : NULL;
    if (!f)
        return;
    fprintf(f, "start_s,end_s,kind,status,retry_after,problem_json,replayed,curl_code,detail\n");
    const result_t *all = results.at;
    for (size_t i = 0; i < results.n; i++) {
        const result_t *r = &all[i];
        char detail[120];
        snprintf(detail, sizeof detail, "%s", r->detail);
        for (char *q = detail; *q; q++)
            if (*q == ',' || *q == '\n' || *q == '"')
                *q = ' ';
        fprintf(f, "%.3f,%.3f,%s,%ld,%ld,%d,%d,%d,%s\n", r->t0 - t_kill, r->t1 - t_kill,
                r->kind == PAY ? "pay" : "create", r->status, r->retry_after, r->problem,
                r->replayed, r->curl_code, detail);
    }
    fclose(f);
    fprintf(stderr, "failover: every response in %s\n", env.responses);
}

static void t_failover_under_load(void **state)
{
    (void)state;
    CURL *c = curl_easy_init();

    if (system(env.ro_stop) != 0)
        fail_msg("'%s' failed", env.ro_stop);
    start_clients();
    t_load0 = now_s();
    watch(c, LOAD_BEFORE_KILL_MS);
    int creates = __atomic_load_n(&acked_creates, __ATOMIC_RELAXED);
    int pays = __atomic_load_n(&acked_pays, __ATOMIC_RELAXED);
    fprintf(stderr, "failover: %.1f s of load on the primary: %d creates and %d pays acknowledged\n",
            now_s() - t_load0, creates, pays);
    if (creates == 0 || pays == 0)
        fail_msg("no load before the failover (%d creates, %d pays)", creates, pays);

    t_kill = now_s();
    int killed = kill_primary();
    fprintf(stderr, "failover: SIGKILLed the primary: %d processes, all gone in %.2f s\n",
            killed, now_s() - t_kill);
    watch(c, DOWN_BEFORE_PROMOTE_MS - (long)((now_s() - t_kill) * 1000));

    t_promote0 = now_s();
    int rc = system(env.promote);
    t_promote1 = now_s();
    if (rc != 0)
        fail_msg("'%s' failed (%d)", env.promote, rc);
    fprintf(stderr, "failover: standby promoted %.2f s after the kill (pg_ctl promote -w took %.2f s)\n",
            t_promote0 - t_kill, t_promote1 - t_promote0);
    watch(c, LOAD_AFTER_PROMOTE_MS);
    stop_clients();
    t_stop = now_s();
    curl_easy_cleanup(c);
    write_responses();
    fprintf(stderr, "failover: load stopped %.1f s after the promotion (current intents "
            "finished in %.1f s); %zu requests, %d creates and %d pays acknowledged\n",
            t_stop - t_promote1, t_stop - t_promote1 - LOAD_AFTER_PROMOTE_MS / 1000.0,
            results.n, acked_creates, acked_pays);
}

static int period_of(double t0)
{
    return t0 < t_kill ? BEFORE_KILL : t0 < t_promote1 ? OUTAGE : AFTER_PROMOTE;
}

/* Statuses per kind and period, printed as "201 x 120, 503 x 4". */
static void print_statuses(void)
{
    for (int k = CREATE; k <= PAY; k++) {
        for (int p = 0; p < NPERIODS; p++) {
            long seen[16] = { 0 };
            size_t count[16] = { 0 }, total = 0, replays = 0;
            int nseen = 0;
            char line[512];
            size_t off = 0;
            const result_t *all = results.at;
            for (size_t i = 0; i < results.n; i++) {
                const result_t *r = &all[i];
                if (r->kind != k || period_of(r->t0) != p)
                    continue;
                total++;
                replays += r->replayed;
                int j = 0;
                while (j < nseen && seen[j] != r->status)
                    j++;
                if (j == nseen && nseen < 16)
                    seen[nseen++] = r->status;
                if (j < 16)
                    count[j]++;
            }
            line[0] = '\0';
            for (int j = 0; j < nseen && off < sizeof line; j++)
                off += (size_t)snprintf(line + off, sizeof line - off, "%s%ld x %zu",
                                        j ? ", " : "", seen[j], count[j]);
            fprintf(stderr, "failover:   %-6s %-16s %5zu requests: %s%s (%zu replays)\n",
                    k == CREATE ? "create" : "pay", period_names[p], total,
                    total ? line : "-", "", replays);
        }
    }
    fprintf(stderr, "failover: (by the period a request started in; status 0 = no HTTP answer)\n");
}

static void t_no_500_only_documented_statuses(void **state)
{
    (void)state;
    size_t n500 = 0, bad = 0;

    /* What each answer may be.  201 (create) and 200 (pay), also replayed
     * under their key; 503 with Retry-After while no primary is reachable;
     * 409 with Retry-After when a repeat finds its key still held.  Nothing
     * else is legitimate here: a pay that committed stored its 200 with its
     * key in the same transaction, and that transaction is on the new
     * primary (synchronous replication), so its repeat replays the 200 -
     * never 409 "already paid" nor 404; every pay is of an invoice whose
     * 201 was acknowledged, so it exists there too (no 404); and a key is
     * never reused for another request (no 422). */
    stop_clients();
    print_statuses();
    const result_t *all = results.at;
    for (size_t i = 0; i < results.n; i++) {
        const result_t *r = &all[i];
        long want = r->kind == PAY ? 200 : 201;
        int ok = r->status == want
            || (r->status == 503 && r->retry_after >= 0 && r->problem)
            || (r->status == 409 && r->retry_after >= 0 && r->problem);   /* key still held */
        n500 += r->status == 500;
        if (!ok && bad++ < 15)
            fprintf(stderr, "failover: %s, %s +%.2f s after the kill, %.2f s long: status %ld, "
                    "Retry-After %s, %s: %s\n", r->kind == PAY ? "pay" : "create",
                    period_names[period_of(r->t0)], r->t0 - t_kill, r->t1 - r->t0, r->status,
                    r->retry_after >= 0 ? "present" : "absent",
                    r->problem ? "problem+json" : "not problem+json", r->detail);
    }
    size_t intents = 0, failed = 0;
    for (int i = 0; i < NCLIENTS; i++) {
        for (int j = 0; j < clients[i].n; j++) {
            intent_t *in = &clients[i].intents[j];
            intents++;
            if (in->status == 0 && failed++ < 10)
                fprintf(stderr, "failover: intent %s (%s %s): %s after %d attempts\n", in->key,
                        clients[i].kind == PAY ? "pay" : "create", in->id,
                        in->unexpected[0] ? in->unexpected : "no 2xx", in->attempts);
        }
    }
    fprintf(stderr, "failover: %zu requests for %zu intents: %zu x 500, %zu answers outside "
            "201/200/503+Retry-After/409+Retry-After; %zu intents without their 2xx\n",
            results.n, intents, n500, bad, failed);
    if (n500 || bad)
        fail_msg("%zu x 500, %zu undocumented answers during the failover", n500, bad);
    if (failed)
        fail_msg("%zu intents did not get their 2xx", failed);
}

static void t_recovers_by_itself(void **state)
{
    (void)state;
    double first201 = 0, first200 = 0, last2xx_before = 0;

    stop_clients();
    const result_t *all = results.at;
    for (size_t i = 0; i < results.n; i++) {
        const result_t *r = &all[i];
        if (r->t0 >= t_promote0 && r->status == 201 && (!first201 || r->t1 < first201))
            first201 = r->t1;
        if (r->t0 >= t_promote0 && r->kind == PAY && r->status == 200 && (!first200 || r->t1 < first200))
            first200 = r->t1;
        if (r->t1 <= t_promote0 && (r->status == 200 || r->status == 201) && r->t1 > last2xx_before)
            last2xx_before = r->t1;
    }
    /* /readyz: the first non-200 after the kill, the first 200 after the promotion. */
    double ready_lost = 0, ready_back = 0;
    for (int i = 0; i < nreadyz; i++) {
        if (!ready_lost && readyz[i].t >= t_kill && readyz[i].status != 200)
            ready_lost = readyz[i].t;
        if (!ready_back && readyz[i].t >= t_promote0 && readyz[i].status == 200)
            ready_back = readyz[i].t;
    }
    fprintf(stderr, "failover: last 2xx %.2f s before the promotion (%.2f s after the kill)\n",
            t_promote0 - last2xx_before, last2xx_before - t_kill);
    fprintf(stderr, "failover: /readyz: not ready %s%.2f s after the kill, ready again %s%.2f s "
            "after the promotion began\n", ready_lost ? "" : "(never) ",
            ready_lost ? ready_lost - t_kill : 0, ready_back ? "" : "(never) ",
            ready_back ? ready_back - t_promote0 : 0);
    if (!first201)
        fail_msg("no 201 after the promotion (%zu requests)", results.n);
    fprintf(stderr, "failover: first 201 %.2f s after the promotion began (%.2f s after "
            "pg_ctl promote returned; a client waits %d ms per second of Retry-After), first "
            "pay 200 %.2f s\n", first201 - t_promote0, first201 - t_promote1, RETRY_AFTER_UNIT_MS,
            first200 ? first200 - t_promote0 : -1.0);
    if (first201 - t_promote0 > RECOVER_S)
        fail_msg("the first 201 came %.1f s after the promotion (more than %.0f s)",
                 first201 - t_promote0, RECOVER_S);
}

/* Each creator: exactly its intents' invoices on the new primary, the ids
 * it was answered, each with the seed's bytes and their hash, and the key
 * of each. */
static void t_every_acknowledged_invoice_on_new_primary(void **state)
{
    (void)state;
    stop_clients();
    PGconn *c = db(env.standby_dsn);
    size_t acked = 0, found = 0, missing = 0, damaged = 0, extra = 0;
    int not_promoted = !one_is(c, "SELECT pg_is_in_recovery()", NULL, "f");

    for (int i = 0; i < CREATORS; i++) {
        client_t *cl = &clients[i];
        char sid[16], size[16];
        snprintf(sid, sizeof sid, "%d", cl->party);
        snprintf(size, sizeof size, "%zu", seed_pdf_len);
        /* The seed PDF as a binary parameter: compared byte for byte. */
        const char *params[3] = { sid, (const char *)seed_pdf, size };
        int lens[3] = { 0, (int)seed_pdf_len, 0 }, fmts[3] = { 0, 1, 0 };
        PGresult *res = PQexecParams(c,
            "SELECT i.id::text, f.invoice_id IS NOT NULL AND i.file_size = $3::int "
            "AND f.content = $2::bytea AND sha256(f.content) = i.file_sha256 "
            "FROM invoices i LEFT JOIN invoice_files f ON f.invoice_id = i.id "
            "WHERE i.sender_id = $1::int",
            3, NULL, params, lens, fmts, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            db_fail(c, res, "query on the new primary");
        int rows = PQntuples(res), matched = 0;
        for (int j = 0; j < cl->n; j++) {
            intent_t *in = &cl->intents[j];
            if (in->status != 201)
                continue;
            acked++;
            int row = -1;
            for (int k = 0; k < rows && row < 0; k++)
                if (strcmp(PQgetvalue(res, k, 0), in->id) == 0)
                    row = k;
            if (row < 0) {
                if (missing++ < 10)
                    fprintf(stderr, "failover: 201 for %s (sender %d, key %s) but not on the "
                            "new primary\n", in->id, cl->party, in->key);
                continue;
            }
            matched++;
            if (strcmp(PQgetvalue(res, row, 1), "t") != 0) {
                if (damaged++ < 10)
                    fprintf(stderr, "failover: %s is on the new primary with other bytes\n", in->id);
                continue;
            }
            found++;
        }
        /* Exactly once: no row but the acknowledged ones (every intent
         * finished, so every row should have its 201). */
        if (rows != matched) {
            extra += (size_t)(rows - matched);
            fprintf(stderr, "failover: sender %d: %d rows on the new primary, %d acknowledged "
                    "(%d intents)\n", cl->party, rows, matched, cl->n);
        }
        PQclear(res);
        char *keys = one(c, "SELECT count(*) FROM idempotency_keys WHERE role = 1 AND "
                            "caller = $1::int AND status = 201", sid);
        if (!keys || atoi(keys) != matched)
            fprintf(stderr, "failover: sender %d: %s keys for %d acknowledged creates\n",
                    cl->party, keys ? keys : "?", matched), extra++;
        free(keys);
    }
    PQfinish(c);
    fprintf(stderr, "failover: %zu of %zu acknowledged invoices on the new primary with the seed's "
            "bytes; %zu missing, %zu damaged, %zu extra rows/keys\n", found, acked, missing,
            damaged, extra);
    if (not_promoted)
        fail_msg("the standby is still in recovery");
    if (missing || damaged || extra)
        fail_msg("acknowledged invoices: %zu missing, %zu with other bytes, %zu extra rows or keys "
                 "on the new primary", missing, damaged, extra);
    if (acked == 0)
        fail_msg("no invoice was acknowledged");
}

/* Each payer: every invoice whose pay answered 200 is paid on the new
 * primary, at the paid_at it was answered; nothing else of it is paid. */
static void t_every_acknowledged_pay_on_new_primary(void **state)
{
    (void)state;
    stop_clients();
    PGconn *c = db(env.standby_dsn);
    size_t acked = 0, ok = 0, missing = 0, extra = 0;

    for (int i = CREATORS; i < NCLIENTS; i++) {
        client_t *cl = &clients[i];
        char cid[16];
        snprintf(cid, sizeof cid, "%d", cl->party);
        const char *params[1] = { cid };
        PGresult *res = PQexecParams(c,
            "SELECT id::text, NOT is_payable AND paid_at IS NOT NULL, "
            "coalesce(to_char(paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '') "
            "FROM invoices WHERE receiver_id = $1::int", 1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            db_fail(c, res, "query on the new primary");
        int rows = PQntuples(res), paid_rows = 0, mine = 0;
        for (int k = 0; k < rows; k++)
            paid_rows += strcmp(PQgetvalue(res, k, 1), "t") == 0;
        for (int j = 0; j < cl->n; j++) {
            intent_t *in = &cl->intents[j];
            if (in->status != 200)
                continue;
            acked++;
            mine++;
            int row = -1;
            for (int k = 0; k < rows && row < 0; k++)
                if (strcmp(PQgetvalue(res, k, 0), in->id) == 0)
                    row = k;
            if (row < 0 || strcmp(PQgetvalue(res, row, 1), "t") != 0
                || strcmp(PQgetvalue(res, row, 2), in->paid_at) != 0) {
                if (missing++ < 10)
                    fprintf(stderr, "failover: pay of %s answered 200 (paid_at %s) but the new "
                            "primary has %s\n", in->id, in->paid_at,
                            row < 0 ? "no such invoice" : PQgetvalue(res, row, 2)[0]
                            ? PQgetvalue(res, row, 2) : "it unpaid");
                continue;
            }
            ok++;
        }
        if (paid_rows != mine) {
            extra += (size_t)abs(paid_rows - mine);
            fprintf(stderr, "failover: consumer %d: %d invoices paid on the new primary, %d pays "
                    "acknowledged\n", cl->party, paid_rows, mine);
        }
        PQclear(res);
    }
    PQfinish(c);
    fprintf(stderr, "failover: %zu of %zu acknowledged pays recorded on the new primary with "
            "their paid_at\n", ok, acked);
    if (missing || extra)
        fail_msg("acknowledged pays: %zu not recorded as answered, %zu paid without a 200",
                 missing, extra);
    if (acked == 0)
        fail_msg("no pay was acknowledged");
}

static void t_readyz_ready_again(void **state)
{
    (void)state;
    CURL *c = curl_easy_init();
    double t0 = now_s();
    long st = 0;
    int good = 0;

    stop_clients();
    while ((st = get_readyz(c)) != 200 && now_s() - t0 < READY_AGAIN_S)
        sleep_ms(100);
    double first = now_s() - t0;
    /* Then steadily: each request on a fresh connection, any child. */
    for (int i = 0; i < 10; i++)
        good += get_readyz(c) == 200;
    curl_easy_cleanup(c);
    fprintf(stderr, "failover: /readyz at the end: %ld after %.2f s, then %d of 10 x 200\n",
            st, first, good);
    if (st != 200 || good != 10)
        fail_msg("/readyz is not steadily 200 after the failover (%d of 10)", good);
}

/* ---------------------------------------------------------------- main */

static int group_teardown(void **state)
{
    (void)state;
    stop_clients();
    return 0;
}

#define RUN_BY "test/faults/failover.sh"

int main(void)
{
    size_t len;

    env.ro_url = need_env("FAILOVER_RO_URL", RUN_BY);
    env.url = need_env("FAILOVER_URL", RUN_BY);
    env.primary_dsn = need_env("FAILOVER_PRIMARY_DSN", RUN_BY);
    env.standby_dsn = need_env("FAILOVER_STANDBY_DSN", RUN_BY);
    env.primary_data = need_env("FAILOVER_PRIMARY_DATA", RUN_BY);
    env.ro_stop = need_env("FAILOVER_RO_STOP", RUN_BY);
    env.promote = need_env("FAILOVER_PROMOTE", RUN_BY);
    env.data_dir = need_env("FAILOVER_DATA_DIR", RUN_BY);
    env.responses = getenv("FAILOVER_RESPONSES");     /* optional: a CSV */
    seed_pdf = read_seed(env.data_dir, "helloworld.pdf", &seed_pdf_len);
    seed_body = read_seed(env.data_dir, "ab_sample.txt", &len);
    if (!seed_pdf || !seed_body) {
        fprintf(stderr, "test_failover: cannot read the seed files in %s\n", env.data_dir);
        return 2;
    }
    client_start();
    run_base = random_party();

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_replication_is_synchronous),
        cmocka_unit_test(t_readonly_creates_answer_503),
        cmocka_unit_test(t_readonly_pay_answers_503),
        cmocka_unit_test(t_readonly_readyz_503),
        cmocka_unit_test(t_readonly_reads_answer),
        cmocka_unit_test(t_failover_under_load),
        cmocka_unit_test(t_no_500_only_documented_statuses),
        cmocka_unit_test(t_recovers_by_itself),
        cmocka_unit_test(t_every_acknowledged_invoice_on_new_primary),
        cmocka_unit_test(t_every_acknowledged_pay_on_new_primary),
        cmocka_unit_test(t_readyz_ready_again),
    };
    size_t total = sizeof tests / sizeof *tests;
    fprintf(stderr, "failover: %d creators, %d payers, parties from %d, client timeout %ld s\n",
            CREATORS, PAYERS, run_base, CLIENT_TIMEOUT_S);
    int failed = cmocka_run_group_tests_name("mod_invoice_failover", tests, NULL, group_teardown);
    curl_global_cleanup();
    records_free(&results);
    free(seed_pdf);
    free(seed_body);
    return report_run(failed, total);
}
