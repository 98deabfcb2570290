/* A stalled or flaky database must not hang requests: run through
 * test/faults/resilience.sh, which starts PostgreSQL, a pgproxy in front of
 * it and Apache talking to PostgreSQL through the proxy, and sets the
 * RESIL_* variables.  One Apache and one PostgreSQL for all, in order:
 *
 *   1. warm-up: creates, lists, shows, pays, /readyz, /healthz succeed;
 *   2. PostgreSQL frozen (SIGSTOP to the postmaster and every child) for
 *      FREEZE_S under a mix of requests (create, list, show, pay, /readyz)
 *      from MIX_THREADS threads, plus /healthz every 100 ms: every request
 *      started during the freeze ends within DEADLINE_S (the module's 5 s
 *      database budget + slack) as 2xx, 409 (pay) or 503 + Retry-After,
 *      never a client timeout; /healthz answers 200 fast throughout;
 *      /readyz says 503; after SIGCONT a create succeeds within
 *      RECOVER_S and everything within BACK_S;
 *   3. a slow link: the proxy holds every message SLOW_MS each way for
 *      SLOW_S under the same mix: the same bounds, and since no database
 *      reply comes sooner than a round trip (2 x SLOW_MS = 5 s), a 2xx
 *      that started and ended on the slow link and took longer than the
 *      2 s statement deadline + slack means a statement ran past its
 *      deadline; after `delay 0` a create succeeds within RECOVER_S of the
 *      moment the last held message was due;
 *   4. connections reset: every backend of the API's user terminated
 *      (directly, not through the proxy), then at once a create over 1 MiB
 *      (the transaction + COPY path), RESETS times as a raw upload and
 *      RESETS times as a JSON create: every one 201 (the database is up: a
 *      503 is as wrong as a 500), and the bytes stored are the bytes sent.
 *      Every other time, a few requests first find the dead connections
 *      while the proxy refuses new ones (503 + Retry-After is right then):
 *      the module cannot repair them and hands them back broken, and
 *      mod_dbd resets them on their next acquire - behind the module's
 *      back, without its prepared statements.
 * Every request is recorded (kind, status, Retry-After, start, end) and
 * the figures are printed. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "proc.h"

/* ------------------------------------------------------------ settings */

#define MIX_THREADS 16
#define CLIENT_TIMEOUT_S 15L    /* no request may take this long */
#define PAUSE_MS 20             /* between two requests of one mix thread */
#define HEALTHZ_EVERY_MS 100
#define FREEZE_S 20.0
#define SLOW_MS 2500L           /* the slow link: each message, each way */
#define SLOW_S 8.0
#define STATEMENT_S 2.0         /* the module's deadline per statement */
#define DEADLINE_S 6.5          /* its 5 s per request + scheduling slack */
#define SLACK_S 1.5             /* on top of a deadline, for a loaded box */
#define HEALTHZ_MAX_S 1.0
#define RECOVER_S 2.0           /* first 2xx create after the fault ends */
#define BACK_S 10.0             /* everything (/readyz 200 ...) back */
#define PROBE_EVERY_MS 50
#define RESETS 10
#define UPLOAD_BYTES (1536 * 1024)      /* raw upload, over 1 MiB */
#define JSON_FILE_BYTES (1229 * 1024)   /* ~1.6 MiB of JSON, under 2 MiB */
#define PAY_STOCK 6000
#define SHOWN_RECEIVER 2        /* the seed body's receiver_id */

static struct {
    const char *base_url, *pg_dsn, *pg_dir, *data_dir;
    int control_port;
} env;

static char *seed_body;         /* test/data/ab_sample.txt */
static size_t seed_body_len;
static unsigned char *seed_pdf; /* test/data/helloworld.pdf */
static size_t seed_pdf_len;
static int run_base;            /* party ids of this run start here */
static int payer;               /* the consumer of the pay stock */

/* Invoices to show (created in the warm-up, addressed to receiver 2) and
 * unpaid invoices of the payer, each paid at most once (fresh). */
static char show_ids[16][37];
static int nshow;
static invoice_id_t *pay_ids;
static int npay;
static int pay_next;
static pthread_mutex_t pay_mu = PTHREAD_MUTEX_INITIALIZER;

/* ------------------------------------------------- PostgreSQL, frozen */

static long frozen[1024];
static volatile int nfrozen;

/* SIGCONT to everything we stopped (also from a signal handler). */
static void thaw_postgres(void)
{
    for (int i = 0; i < nfrozen; i++)
        kill((pid_t)frozen[i], SIGCONT);
    nfrozen = 0;
}

static int stopped(long pid)
{
    char path[64], line[256];
    int st = 0;
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;       /* gone: nothing left to stop */
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "State:", 6) == 0) {
            st = strchr(line, 'T') != NULL;
            break;
        }
    fclose(f);
    return st;
}

static int is_frozen(long pid)
{
    for (int i = 0; i < nfrozen; i++)
        if (frozen[i] == pid)
            return 1;
    return 0;
}

/* The postmaster first (it forks no backend once stopped), then its
 * children, again until a round finds none new: -1 when there is no
 * postmaster. */
static int freeze_postgres(void)
{
    char pidfile[1024];
    long pm, kids[512];
    int quiet_rounds = 0;

    snprintf(pidfile, sizeof pidfile, "%s/data/postmaster.pid", env.pg_dir);
    pm = read_pid(pidfile);
    if (pm <= 0 || !alive(pm))
        return -1;
    frozen[nfrozen++] = pm;
    kill((pid_t)pm, SIGSTOP);
    while (quiet_rounds < 2) {
        int n = children_of(pm, kids, 512), fresh = 0;
        for (int i = 0; i < n && nfrozen < 1024; i++) {
            if (!is_frozen(kids[i])) {
                frozen[nfrozen++] = kids[i];
                kill((pid_t)kids[i], SIGSTOP);
                fresh++;
            }
        }
        quiet_rounds = fresh ? 0 : quiet_rounds + 1;
        sleep_ms(20);
    }
    /* A process stops when it next runs in user space: one in a disk
     * wait (the checkpointer's fsync) takes a moment. */
    int not_stopped;
    double until = now_s() + 3;
    do {
        not_stopped = 0;
        for (int i = 0; i < nfrozen; i++)
            not_stopped += !stopped(frozen[i]);
        if (not_stopped)
            sleep_ms(20);
    } while (not_stopped && now_s() < until);
    fprintf(stderr, "resilience: SIGSTOPped the postmaster %ld and %d children "
            "(%d not stopped yet)\n", pm, nfrozen - 1, not_stopped);
    return stopped(pm) ? 0 : -1;
}

static void on_fatal_signal(int sig)
{
    thaw_postgres();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* ------------------------------------------------------------ requests */

enum kind { K_CREATE, K_LIST, K_SHOW, K_PAY, K_READYZ, K_HEALTHZ, K_UPLOAD, K_N };
static const char *const kind_names[K_N] = {
    "create", "list", "show", "pay", "readyz", "healthz", "upload",
};
/* Kinds that need the database. */
#define USES_DB(k) ((k) != K_HEALTHZ)

enum scen { S_WARMUP, S_FREEZE, S_SLOW, S_RESET, S_N };

typedef struct {
    int kind, scen;
    double t0, t1;
    long status;            /* 0: no HTTP answer */
    int curl_code;
    int retry_after;        /* header present */
    char detail[120];       /* curl error, or the start of an odd body */
} rec_t;

typedef struct {
    int kind;
    char url[512];
    char auth[64];          /* the Authorization, or "" */
    int post;
    const char *ctype;      /* the Content-Type, or NULL */
    const void *body;
    size_t len;
} req_t;

static records_t recs = RECORDS_OF(rec_t);
static volatile int cur_scen;

/* The next fresh invoice to pay (the stock wraps: a repeat is a 409). */
static const char *next_to_pay(void)
{
    pthread_mutex_lock(&pay_mu);
    const char *id = pay_ids[pay_next++ % npay];
    pthread_mutex_unlock(&pay_mu);
    return id;
}

static void make_req(req_t *q, int kind, int sender)
{
    memset(q, 0, sizeof *q);
    q->kind = kind;
    switch (kind) {
    case K_CREATE:
        snprintf(q->url, sizeof q->url, "%s/api/sender/invoices", env.base_url);
        snprintf(q->auth, sizeof q->auth, "sender %d", sender);
        q->post = 1;
        q->ctype = "application/json";
        q->body = seed_body;
        q->len = seed_body_len;
        break;
    case K_LIST:
        snprintf(q->url, sizeof q->url, "%s/api/sender/invoices?limit=20", env.base_url);
        snprintf(q->auth, sizeof q->auth, "sender %d", sender);
        break;
    case K_SHOW:
        snprintf(q->url, sizeof q->url, "%s/api/consumer/invoices/%s", env.base_url,
                 show_ids[(unsigned)rand() % (unsigned)(nshow ? nshow : 1)]);
        snprintf(q->auth, sizeof q->auth, "consumer %d", SHOWN_RECEIVER);
        break;
    case K_PAY:
        snprintf(q->url, sizeof q->url, "%s/api/consumer/invoices/%s/pay", env.base_url,
                 next_to_pay());
        snprintf(q->auth, sizeof q->auth, "consumer %d", payer);
        q->post = 1;
        q->body = "";
        break;
    case K_READYZ:
        snprintf(q->url, sizeof q->url, "%s/readyz", env.base_url);
        break;
    case K_HEALTHZ:
        snprintf(q->url, sizeof q->url, "%s/healthz", env.base_url);
        break;
    default:
        abort();
    }
}

/* An easy handle set up for q (a fresh connection: a request's time is
 * its own), answers into r; *h to free afterwards. */
static void setup(CURL *c, const req_t *q, http_resp_t *r, struct curl_slist **h)
{
    *h = http_headers(q->auth[0] ? q->auth : NULL, NULL, q->ctype);
    http_prepare(c, &(http_req_t){ .url = q->url, .headers = *h,
                                   .body = q->post ? q->body : NULL, .len = q->len,
                                   .timeout_s = CLIENT_TIMEOUT_S }, r);
}

/* Fill in how a request ended. */
static void finish(CURL *c, CURLcode rc, const http_resp_t *r, rec_t *rec)
{
    rec->t1 = now_s();
    rec->curl_code = (int)rc;
    if (rc == CURLE_OK) {
        rec->status = http_status(c, rc);
        rec->retry_after = r->retry_after >= 0;
        if ((rec->status < 200 || rec->status > 299) && r->body)
            snprintf(rec->detail, sizeof rec->detail, "%.119s", r->body);
    }
    else {
        snprintf(rec->detail, sizeof rec->detail, "%s", curl_easy_strerror(rc));
    }
}

/* One request, recorded; the answer's body in *body when wanted. */
static rec_t perform(CURL *c, const req_t *q, char **body)
{
    rec_t rec = { .kind = q->kind, .scen = cur_scen };
    http_resp_t r;
    struct curl_slist *h;

    setup(c, q, &r, &h);
    rec.t0 = now_s();
    finish(c, curl_easy_perform(c), &r, &rec);
    curl_slist_free_all(h);
    records_add(&recs, &rec);
    if (body)
        *body = r.body;
    else
        free(r.body);
    return rec;
}

/* The id of a {"data": {"id": ...}} body: a uuid? */
static int id_of(const char *body, char id[37])
{
    return data_string(body, "id", id, 37) == 36;
}

/* ---------------------------------------------------------------- load */

static volatile int stop_load;
static pthread_t mix_threads[MIX_THREADS], healthz_thread;
static int load_running;

static const int mix_kinds[] = { K_CREATE, K_LIST, K_SHOW, K_PAY, K_READYZ };
#define NMIX ((int)(sizeof mix_kinds / sizeof *mix_kinds))

static void *mix_main(void *arg)
{
    int idx = (int)(intptr_t)arg;
    CURL *c = curl_easy_init();

    for (int n = idx; c && !stop_load; n++) {
        req_t q;
        make_req(&q, mix_kinds[n % NMIX], run_base + idx);
        perform(c, &q, NULL);
        sleep_ms(PAUSE_MS);
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void *healthz_main(void *arg)
{
    (void)arg;
    CURL *c = curl_easy_init();

    while (c && !stop_load) {
        req_t q;
        make_req(&q, K_HEALTHZ, 0);
        perform(c, &q, NULL);
        sleep_ms(HEALTHZ_EVERY_MS);
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void start_load(void)
{
    stop_load = 0;
    for (int i = 0; i < MIX_THREADS; i++)
        if (pthread_create(&mix_threads[i], NULL, mix_main, (void *)(intptr_t)i) != 0)
            abort();
    if (pthread_create(&healthz_thread, NULL, healthz_main, NULL) != 0)
        abort();
    load_running = 1;
}

/* No new request; those in flight end (each bounded by the client
 * timeout). */
static void stop_the_load(void)
{
    if (!load_running)
        return;
    stop_load = 1;
    for (int i = 0; i < MIX_THREADS; i++)
        pthread_join(mix_threads[i], NULL);
    pthread_join(healthz_thread, NULL);
    load_running = 0;
}

/* ---------------------------------------------------------------- probes */

#define MAX_PROBES 400
#define MAX_IN_FLIGHT 32

typedef struct {
    CURL *e;
    req_t q;
    http_resp_t r;
    rec_t rec;
    struct curl_slist *h;
} probe_t;

/* Requests of kind started every PROBE_EVERY_MS (at most MAX_IN_FLIGHT at
 * once) until one answers 2xx or until the monotonic time `until`; all
 * recorded.  The end time of the first 2xx, or -1.  Those still in flight
 * when it comes are waited for (and recorded) too. */
static double probe_until_2xx(int kind, double until)
{
    CURLM *m = curl_multi_init();
    probe_t *p = calloc(MAX_PROBES, sizeof *p);
    int n = 0, in_flight = 0;
    double next = now_s(), first = -1;

    if (!m || !p)
        abort();
    for (;;) {
        double t = now_s();
        if ((first >= 0 || t >= until || n == MAX_PROBES) && in_flight == 0)
            break;
        if (first < 0 && t >= next && t < until && n < MAX_PROBES
            && in_flight < MAX_IN_FLIGHT) {
            probe_t *pr = &p[n];
            pr->e = curl_easy_init();
            make_req(&pr->q, kind, run_base + 900);
            setup(pr->e, &pr->q, &pr->r, &pr->h);
            curl_easy_setopt(pr->e, CURLOPT_PRIVATE, (char *)pr);
            pr->rec = (rec_t){ .kind = kind, .scen = cur_scen, .t0 = t };
            curl_multi_add_handle(m, pr->e);
            n++;
            in_flight++;
            next = t + PROBE_EVERY_MS / 1000.0;
        }
        int running;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            probe_t *pr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&pr);
            finish(pr->e, msg->data.result, &pr->r, &pr->rec);
            records_add(&recs, &pr->rec);
            if (first < 0 && pr->rec.status >= 200 && pr->rec.status <= 299)
                first = pr->rec.t1;
            curl_multi_remove_handle(m, pr->e);
            in_flight--;
        }
        curl_multi_poll(m, NULL, 0, 5, NULL);
    }
    for (int i = 0; i < n; i++) {
        curl_easy_cleanup(p[i].e);
        curl_slist_free_all(p[i].h);
        free(p[i].r.body);
    }
    free(p);
    curl_multi_cleanup(m);
    return first;
}

/* ---------------------------------------------------------- the figures */

typedef struct {
    double from, to;        /* requests started in [from, to) are judged */
    int slow_link;          /* a 2xx over the slow link (started and ended
                             * in the window) must not outlast a statement
                             * deadline: its reply took a 5 s round trip */
    const char *name;
} window_t;

/* The ways a request can break the rules. */
enum { V_TIMEOUT, V_NO_ANSWER, V_HEALTHZ, V_TOO_SLOW, V_STATUS, V_PAST_DEADLINE, V_N };
static const char *const v_names[V_N] = {
    "client timeouts", "no answer", "slow or failed /healthz", "over the deadline",
    "wrong statuses", "2xx past a statement deadline",
};

/* How rec breaks the rules of a fault window (its V_ category, the
 * details in buf), or -1 when it does not. */
static int violation(const rec_t *r, const window_t *w, char *buf, size_t n)
{
    double took = r->t1 - r->t0;
    int ok2xx = r->status >= 200 && r->status <= 299;

    if (r->curl_code == CURLE_OPERATION_TIMEDOUT) {
        snprintf(buf, n, "hit the %ld s client timeout", CLIENT_TIMEOUT_S);
        return V_TIMEOUT;
    }
    if (r->status == 0) {
        snprintf(buf, n, "no HTTP answer (%s)", r->detail);
        return V_NO_ANSWER;
    }
    if (r->kind == K_HEALTHZ && (r->status != 200 || took >= HEALTHZ_MAX_S)) {
        snprintf(buf, n, "healthz %ld in %.2f s (200 in under %.1f s expected)",
                 r->status, took, HEALTHZ_MAX_S);
        return V_HEALTHZ;
    }
    if (took > DEADLINE_S) {
        snprintf(buf, n, "%ld after %.2f s (at most %.1f s)", r->status, took, DEADLINE_S);
        return V_TOO_SLOW;
    }
    if (!ok2xx && !(r->status == 409 && r->kind == K_PAY)
        && !(r->status == 503 && r->retry_after)) {
        snprintf(buf, n, "status %ld%s: %.80s", r->status,
                 r->status == 503 ? " without Retry-After" : "", r->detail);
        return V_STATUS;
    }
    if (w->slow_link && ok2xx && USES_DB(r->kind) && r->t1 <= w->to
        && took > STATEMENT_S + SLACK_S) {
        snprintf(buf, n, "%ld after %.2f s: a database reply needs a %.1f s round trip, "
                 "so a statement ran past its %.0f s deadline", r->status, took,
                 2 * SLOW_MS / 1000.0, STATEMENT_S);
        return V_PAST_DEADLINE;
    }
    return -1;
}

/* "N client timeouts, M over the deadline" of per-category counts. */
static const char *summary(const int cats[V_N], char *buf, size_t n)
{
    buf[0] = '\0';
    for (int i = 0; i < V_N; i++)
        if (cats[i])
            snprintf(buf + strlen(buf), n - strlen(buf), "%s%d %s",
                     buf[0] ? ", " : "", cats[i], v_names[i]);
    return buf;
}

/* Print the figures of the requests started in the window, per kind;
 * return how many broke the rules (the first few printed), counted per
 * category into cats. */
static int judge(const window_t *w, int cats[V_N])
{
    size_t n;
    rec_t *s = records_copy(&recs, &n);
    struct { int n, ok, conflict, unavailable, no_ra, other, none; double max; } k[K_N];
    int bad = 0;
    char why[256];

    memset(k, 0, sizeof k);
    for (size_t i = 0; i < n; i++) {
        const rec_t *r = &s[i];
        if (r->t0 < w->from || r->t0 >= w->to)
            continue;
        double took = r->t1 - r->t0;
        k[r->kind].n++;
        if (took > k[r->kind].max)
            k[r->kind].max = took;
        if (r->status >= 200 && r->status <= 299)
            k[r->kind].ok++;
        else if (r->status == 409)
            k[r->kind].conflict++;
        else if (r->status == 503)
            r->retry_after ? k[r->kind].unavailable++ : k[r->kind].no_ra++;
        else if (r->status == 0)
            k[r->kind].none++;
        else
            k[r->kind].other++;
        int v = violation(r, w, why, sizeof why);
        if (v >= 0) {
            cats[v]++;
            if (bad++ < 12)
                fprintf(stderr, "resilience: %s: %s started at +%.2f s: %s\n", w->name,
                        kind_names[r->kind], r->t0 - w->from, why);
        }
    }
    fprintf(stderr, "resilience: %s, requests started in its %.1f s, per kind:\n"
            "  %-8s %5s %5s %5s %9s %8s %5s %7s %8s\n", w->name, w->to - w->from,
            "kind", "n", "2xx", "409", "503+R-A", "503-R-A", "other", "no-ans", "max s");
    for (int i = 0; i < K_N; i++)
        if (k[i].n)
            fprintf(stderr, "  %-8s %5d %5d %5d %9d %8d %5d %7d %8.2f\n", kind_names[i],
                    k[i].n, k[i].ok, k[i].conflict, k[i].unavailable, k[i].no_ra,
                    k[i].other, k[i].none, k[i].max);
    if (bad)
        fprintf(stderr, "resilience: %s: %d requests broke the rules\n", w->name, bad);
    free(s);
    return bad;
}

/* Requests of scenario scen started outside [from, to) (before the fault,
 * or after it ended: the recovery probes): the same rules, but for the
 * slow-link one; how many broke them (the first few printed). */
static int judge_around(int scen, double from, double to, const char *name, int cats[V_N])
{
    window_t around = { from, to, 0, name };
    size_t n;
    rec_t *s = records_copy(&recs, &n);
    int bad = 0, count = 0;
    char why[256];

    for (size_t i = 0; i < n; i++) {
        if (s[i].scen != scen || (s[i].t0 >= from && s[i].t0 < to))
            continue;
        count++;
        int v = violation(&s[i], &around, why, sizeof why);
        if (v >= 0)
            cats[v]++;
        if (v >= 0 && bad++ < 8)
            fprintf(stderr, "resilience: %s: %s started %+.2f s from its start: %s\n",
                    name, kind_names[s[i].kind], s[i].t0 - from, why);
    }
    free(s);
    fprintf(stderr, "resilience: %s: %d requests before or after it, %d broke the rules\n",
            name, count, bad);
    return bad;
}

/* /readyz answers started at or after from and ended by to: how many, and
 * how many were not 503. */
static void readyz_between(double from, double to, int *n, int *not503)
{
    size_t cnt;
    rec_t *s = records_copy(&recs, &cnt);
    *n = *not503 = 0;
    for (size_t i = 0; i < cnt; i++)
        if (s[i].kind == K_READYZ && s[i].t0 >= from && s[i].t1 <= to) {
            (*n)++;
            *not503 += s[i].status != 503;
        }
    free(s);
}

/* Each kind answers 2xx again (probing each in turn) by `until`: the
 * kinds that did not, as a string ("" when all did). */
static const char *all_back_by(double until, double since, char *buf, size_t len)
{
    static const int kinds[] = { K_READYZ, K_CREATE, K_LIST, K_SHOW, K_PAY };
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        double t = probe_until_2xx(kinds[i], until);
        if (t < 0)
            snprintf(buf + strlen(buf), len - strlen(buf), " %s", kind_names[kinds[i]]);
        else
            fprintf(stderr, "resilience:   %s 2xx again %.2f s after\n",
                    kind_names[kinds[i]], t - since);
    }
    return buf;
}

/* ------------------------------------------------------------ pgproxy */

/* A control command to the proxy: its one-line answer, or -1. */
static long proxy(const char *command)
{
    long answer = pgproxy_command(env.control_port, command);
    if (answer < 0)
        fprintf(stderr, "resilience: pgproxy control: %s\n", strerror(errno));
    return answer;
}

/* ------------------------------------------------------------ database */

static PGconn *db(void)
{
    return db_connect(env.pg_dsn, "database");
}

/* Unpaid invoices for the payer, straight into the database (in the group
 * setup: -1 on failure, not a failed test). */
static int make_pay_stock(void)
{
    PGconn *c = PQconnectdb(env.pg_dsn);

    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "resilience: database: %s", PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }
    pay_ids = insert_unpaid_invoices(c, payer, PAY_STOCK, &npay);
    if (!pay_ids)
        fprintf(stderr, "resilience: pay stock: %s", PQerrorMessage(c));
    PQfinish(c);
    return pay_ids && npay ? 0 : -1;
}

/* Terminate every backend of the API's user (but ours), waiting for each
 * to be gone: how many. */
static long terminate_api_backends(PGconn *c)
{
    PGresult *res = PQexec(c, "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) "
                              "FROM pg_stat_activity WHERE usename = 'invoice' "
                              "AND pid <> pg_backend_pid()");
    long n = PQresultStatus(res) == PGRES_TUPLES_OK ? atol(PQgetvalue(res, 0, 0)) : -1;
    if (n < 0)
        fprintf(stderr, "resilience: terminating: %s", PQerrorMessage(c));
    PQclear(res);
    return n;
}

/* The stored file of invoice id: its length and sha256 match? */
static int stored_intact(PGconn *c, const char *id, size_t len, const char *sha)
{
    const char *params[1] = { id };
    PGresult *res = PQexecParams(c, "SELECT i.file_size, octet_length(f.content), "
                                    "encode(sha256(f.content), 'hex'), "
                                    "encode(i.file_sha256, 'hex') FROM invoices i "
                                    "JOIN invoice_files f ON f.invoice_id = i.id "
                                    "WHERE i.id = $1::uuid", 1, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
             && (size_t)atol(PQgetvalue(res, 0, 0)) == len
             && (size_t)atol(PQgetvalue(res, 0, 1)) == len
             && strcmp(PQgetvalue(res, 0, 2), sha) == 0
             && strcmp(PQgetvalue(res, 0, 3), sha) == 0;
    if (!ok)
        fprintf(stderr, "resilience: invoice %s: stored %s bytes (sha256 %s), sent %zu (%s)\n",
                id, PQntuples(res) ? PQgetvalue(res, 0, 1) : "no",
                PQntuples(res) ? PQgetvalue(res, 0, 2) : "-", len, sha);
    PQclear(res);
    return ok;
}

/* A PDF of size bytes: the seed, then comment lines after its %%EOF
 * (unique to this run and attempt, so every file is another). */
static unsigned char *padded_pdf(size_t size, int attempt)
{
    unsigned char *f = malloc(size);
    size_t off = seed_pdf_len;
    if (!f || size < seed_pdf_len + 100)
        abort();
    memcpy(f, seed_pdf, seed_pdf_len);
    off += (size_t)snprintf((char *)f + off, size - off, "\n%% resilience run %d attempt %d\n",
                            run_base, attempt);
    while (off < size) {
        size_t line = size - off < 78 ? size - off : 78;
        f[off] = '%';
        for (size_t i = 1; i + 1 < line; i++)
            f[off + i] = (unsigned char)('a' + (off + i + (size_t)attempt) % 26);
        f[off + line - 1] = '\n';
        off += line;
    }
    return f;
}

/* ----------------------------------------------------------- scenarios */

static void t_warmup(void **state)
{
    (void)state;
    CURL *c = curl_easy_init();
    int bad = 0;
    req_t q;
    rec_t r;

    cur_scen = S_WARMUP;
    for (int i = 0; i < 5; i++) {
        char *body = NULL;
        make_req(&q, K_CREATE, run_base + i);
        r = perform(c, &q, &body);
        if (r.status == 201 && id_of(body, show_ids[nshow]))
            nshow++;
        else if (bad++ < 5)
            fprintf(stderr, "resilience: warm-up create: %ld %s\n", r.status, r.detail);
        free(body);
    }
    static const int kinds[] = { K_LIST, K_LIST, K_SHOW, K_SHOW, K_SHOW, K_PAY, K_PAY,
                                 K_PAY, K_READYZ, K_HEALTHZ };
    for (size_t i = 0; nshow && i < sizeof kinds / sizeof *kinds; i++) {
        make_req(&q, kinds[i], run_base);
        r = perform(c, &q, NULL);
        if ((r.status < 200 || r.status > 299) && bad++ < 5)
            fprintf(stderr, "resilience: warm-up %s: %ld %s\n", kind_names[kinds[i]],
                    r.status, r.detail);
    }
    curl_easy_cleanup(c);
    fprintf(stderr, "resilience: warm-up: 5 creates, 2 lists, 3 shows, 3 pays, /readyz, "
            "/healthz: %d not 2xx\n", bad);
    if (bad || nshow == 0)
        fail_msg("the warm-up failed (%d requests not 2xx)", bad);
}

static void t_postgres_frozen(void **state)
{
    (void)state;
    char why[768] = "", back[128], sum[256];

    cur_scen = S_FREEZE;
    start_load();
    sleep_ms(1000);
    double t_freeze = now_s();
    int rc = freeze_postgres();
    double t_frozen = now_s();      /* every process stopped by now */
    if (rc == 0)
        sleep_ms((long)(FREEZE_S * 1000) - (long)((now_s() - t_freeze) * 1000));
    double t_cont = now_s();
    thaw_postgres();
    stop_load = 1;          /* the mix threads finish what they started */
    if (rc != 0) {
        stop_the_load();
        fail_msg("could not freeze PostgreSQL (%s)", env.pg_dir);
    }
    fprintf(stderr, "resilience: PostgreSQL frozen %.1f s, SIGCONT sent\n", t_cont - t_freeze);

    double first = probe_until_2xx(K_CREATE, t_cont + BACK_S);
    if (first >= 0)
        fprintf(stderr, "resilience: first 2xx create %.2f s after SIGCONT "
                "(probing every %d ms)\n", first - t_cont, PROBE_EVERY_MS);
    all_back_by(t_cont + BACK_S, t_cont, back, sizeof back);
    stop_the_load();

    window_t w = { t_freeze, t_cont, 0, "freeze" };
    int cats[V_N] = { 0 }, cats_around[V_N] = { 0 };
    int bad = judge(&w, cats);
    int bad_around = judge_around(S_FREEZE, t_freeze, t_cont, "freeze", cats_around);
    /* Started once every process was stopped (one started just before
     * could still get its SELECT 1 through), answered before SIGCONT. */
    int ready, ready_not503;
    readyz_between(t_frozen, t_cont, &ready, &ready_not503);
    fprintf(stderr, "resilience: /readyz answered during the freeze: %d, not 503: %d\n",
            ready, ready_not503);

    if (bad)
        snprintf(why, sizeof why, "%d requests started during the freeze broke the rules "
                 "(%s); ", bad, summary(cats, sum, sizeof sum));
    if (bad_around)
        snprintf(why + strlen(why), sizeof why - strlen(why),
                 "%d requests around it did (%s); ", bad_around,
                 summary(cats_around, sum, sizeof sum));
    if (ready == 0 || ready_not503)
        snprintf(why + strlen(why), sizeof why - strlen(why),
                 "/readyz during the freeze: %d answers, %d not 503; ", ready, ready_not503);
    if (first < 0 || first - t_cont > RECOVER_S)
        snprintf(why + strlen(why), sizeof why - strlen(why),
                 "first 2xx create %s%.2f s after SIGCONT (at most %.1f); ",
                 first < 0 ? "not within " : "", first < 0 ? BACK_S : first - t_cont,
                 RECOVER_S);
    if (back[0])
        snprintf(why + strlen(why), sizeof why - strlen(why),
                 "not back %.0f s after SIGCONT:%s", BACK_S, back);
    if (why[0])
        fail_msg("%s", why);
}

static void t_slow_link(void **state)
{
    (void)state;
    char why[768] = "", delay_cmd[32], sum[256];

    cur_scen = S_SLOW;
    start_load();
    sleep_ms(500);
    snprintf(delay_cmd, sizeof delay_cmd, "delay %ld\n", SLOW_MS);
    double t_delay = now_s();
    if (proxy(delay_cmd) < 0) {
        stop_the_load();
        fail_msg("pgproxy did not take '%s'", "delay");
    }
    sleep_ms((long)(SLOW_S * 1000));
    double t_lift = now_s();
    long lifted = proxy("delay 0\n");
    stop_load = 1;
    /* What the proxy held when the delay was lifted is released by then. */
    double t_release = t_lift + SLOW_MS / 1000.0;
    fprintf(stderr, "resilience: slow link (%ld ms each way) for %.1f s, lifted; "
            "%ld messages held then\n", SLOW_MS, t_lift - t_delay, proxy("held\n"));

    double first = probe_until_2xx(K_CREATE, t_release + BACK_S);
    double drained = -1;
    for (double until = now_s() + 5; now_s() < until; sleep_ms(50))
        if (proxy("held\n") == 0) {
            drained = now_s();
            break;
        }
    if (first >= 0)
        fprintf(stderr, "resilience: first 2xx create %.2f s after the delay was lifted, "
                "%.2f s after the last held message was due (proxy empty %.2f s after "
                "the lift)\n", first - t_lift, first - t_release,
                drained < 0 ? -1.0 : drained - t_lift);
    stop_the_load();

    window_t w = { t_delay, t_lift, 1, "slow link" };
    int cats[V_N] = { 0 }, cats_around[V_N] = { 0 };
    int bad = judge(&w, cats);
    int bad_around = judge_around(S_SLOW, t_delay, t_lift, "slow link", cats_around);
    if (lifted < 0)
        snprintf(why, sizeof why, "pgproxy did not take 'delay 0'; ");
    if (bad)
        snprintf(why + strlen(why), sizeof why - strlen(why),
                 "%d requests started on the slow link broke the rules (%s); ", bad,
                 summary(cats, sum, sizeof sum));
    if (bad_around)
        snprintf(why + strlen(why), sizeof why - strlen(why),
                 "%d requests around it did (%s); ", bad_around,
                 summary(cats_around, sum, sizeof sum));
    if (first < 0 || first - t_release > RECOVER_S)
        snprintf(why + strlen(why), sizeof why - strlen(why),
                 "first 2xx create %s%.2f s after the last held message was due "
                 "(at most %.1f)", first < 0 ? "not within " : "",
                 first < 0 ? BACK_S : first - t_release, RECOVER_S);
    if (why[0])
        fail_msg("%s", why);
}

/* While the proxy refuses new connections (the database unreachable for a
 * moment), requests find the terminated connections: the module cannot
 * repair them and hands them back to mod_dbd broken, which resets them on
 * their next acquire - after the refusal ends, behind the module's back,
 * without the module's prepared statements.  Answers here: 2xx or 503 +
 * Retry-After.  How many were something else. */
static int unreachable_for_a_moment(CURL *c)
{
    int bad = 0, n503 = 0;
    char why[256];
    window_t w = { 0, 1e12, 0, "unreachable" };

    for (int i = 0; i < 8; i++) {
        req_t q;
        make_req(&q, i % 4 == 3 ? K_READYZ : K_LIST, run_base + 950);
        rec_t r = perform(c, &q, NULL);
        n503 += r.status == 503;
        if (violation(&r, &w, why, sizeof why) >= 0 && bad++ < 3)
            fprintf(stderr, "resilience:   while unreachable: %s %s\n",
                    kind_names[r.kind], why);
    }
    fprintf(stderr, "resilience:   8 requests while new connections were refused: %d 503\n",
            n503);
    return bad;
}

/* A large create: the raw upload or the JSON create of a padded PDF. */
static void large_create(req_t *q, int json, const unsigned char *file, size_t size,
                         char **body)
{
    memset(q, 0, sizeof *q);
    q->kind = json ? K_CREATE : K_UPLOAD;
    q->post = 1;
    snprintf(q->auth, sizeof q->auth, "sender %d", run_base + 950);
    if (json) {
        size_t b64 = 4 * ((size + 2) / 3);
        char *b = malloc(b64 + 200);
        if (!b)
            abort();
        int k = snprintf(b, 200, "{\"invoice\": {\"receiver_id\": %d, \"file_type\": "
                         "\"application/pdf\", \"content\": \"", run_base + 951);
        k += EVP_EncodeBlock((unsigned char *)b + k, file, (int)size);
        k += snprintf(b + k, 8, "\"}}");
        snprintf(q->url, sizeof q->url, "%s/api/sender/invoices", env.base_url);
        q->ctype = "application/json";
        q->body = *body = b;
        q->len = (size_t)k;
    }
    else {
        snprintf(q->url, sizeof q->url, "%s/api/sender/uploads?receiver_id=%d",
                 env.base_url, run_base + 951);
        q->ctype = "application/pdf";
        q->body = file;
        q->len = size;
        *body = NULL;
    }
}

/* RESETS times: every backend of the API terminated, then at once a
 * create over 1 MiB (raw upload or JSON), which must answer 201 with the
 * bytes stored.  Every other time, the terminated connections are first
 * found while the database is unreachable for a moment, so that mod_dbd
 * resets them itself. */
static void reset_then_create(int json)
{
    PGconn *pg = db();
    CURL *c = curl_easy_init();
    int bad = 0, stored_bad = 0, bad_between = 0;
    size_t size = json ? JSON_FILE_BYTES : UPLOAD_BYTES;
    const char *what = json ? "JSON create" : "upload";

    cur_scen = S_RESET;
    for (int i = 0; i < RESETS; i++) {
        int refused = i % 2 == 1;
        unsigned char *file = padded_pdf(size, i + (json ? 100 : 0));
        char sha[65], *body, *answer = NULL, id[37] = "";
        req_t q;

        sha256_hex(file, size, sha);
        large_create(&q, json, file, size, &body);
        if (refused && proxy("refuse 60000\n") < 0)
            fail_msg("pgproxy did not take 'refuse'");
        long killed = terminate_api_backends(pg);
        if (refused) {
            bad_between += unreachable_for_a_moment(c);
            proxy("refuse 0\n");
        }
        rec_t r = perform(c, &q, &answer);
        int created = r.status == 201 && id_of(answer, id);
        fprintf(stderr, "resilience: %s %d: %ld backends terminated%s, then %ld in %.2f s "
                "(%zu bytes%s)\n", what, i + 1, killed,
                refused ? " (found while unreachable)" : "", r.status, r.t1 - r.t0, q.len,
                json ? " of JSON" : "");
        if (!created) {
            if (bad++ < 5)
                fprintf(stderr, "resilience:   answer: %ld %s\n", r.status,
                        r.status ? r.detail : curl_easy_strerror((CURLcode)r.curl_code));
        }
        else if (!stored_intact(pg, id, size, sha))
            stored_bad++;
        free(answer);
        free(body);
        free(file);
    }
    curl_easy_cleanup(c);
    PQfinish(pg);
    if (bad || stored_bad || bad_between)
        fail_msg("%d of %d %ss over 1 MiB after the backends were terminated were not 201; "
                 "%d stored other bytes; %d answers while unreachable were not 2xx or "
                 "503 + Retry-After", bad, RESETS, what, stored_bad, bad_between);
}

static void t_reset_then_upload(void **state)
{
    (void)state;
    reset_then_create(0);
}

static void t_reset_then_json_create(void **state)
{
    (void)state;
    reset_then_create(1);
}

/* ---------------------------------------------------------------- main */

static int group_setup(void **state)
{
    (void)state;
    return make_pay_stock();
}

static int group_teardown(void **state)
{
    (void)state;
    thaw_postgres();
    stop_the_load();
    proxy("delay 0\n");
    return 0;
}

#define RUN_BY "test/faults/resilience.sh"

int main(void)
{
    double t_start = now_s();

    env.base_url = need_env("RESIL_BASE_URL", RUN_BY);
    env.pg_dsn = need_env("RESIL_PG_DSN", RUN_BY);
    env.pg_dir = need_env("RESIL_PG_DIR", RUN_BY);
    env.data_dir = need_env("RESIL_DATA_DIR", RUN_BY);
    env.control_port = atoi(need_env("RESIL_PROXY_CONTROL", RUN_BY));
    seed_body = read_seed(env.data_dir, "ab_sample.txt", &seed_body_len);
    seed_pdf = read_seed(env.data_dir, "helloworld.pdf", &seed_pdf_len);
    if (!seed_body || !seed_pdf) {
        fprintf(stderr, "test_resilience: the seed files in %s are missing\n", env.data_dir);
        return 2;
    }
    client_start();
    run_base = random_party();
    payer = run_base + 500;
    /* Never leave PostgreSQL stopped behind us. */
    atexit(thaw_postgres);
    signal(SIGTERM, on_fatal_signal);
    signal(SIGINT, on_fatal_signal);
    signal(SIGABRT, on_fatal_signal);
    signal(SIGSEGV, on_fatal_signal);

    const struct CMUnitTest all[] = {
        cmocka_unit_test(t_warmup),
        cmocka_unit_test(t_postgres_frozen),
        cmocka_unit_test(t_slow_link),
        cmocka_unit_test(t_reset_then_upload),
        cmocka_unit_test(t_reset_then_json_create),
    };
    /* RESIL_TESTS=t_warmup,t_postgres_frozen runs only those (for work on
     * one scenario; the load scenarios need t_warmup). */
    struct CMUnitTest tests[sizeof all / sizeof *all];
    const char *only = getenv("RESIL_TESTS");
    size_t n = 0;
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        const char *at = only ? strstr(only, all[i].name) : NULL;
        size_t len = strlen(all[i].name);
        if (!only || !*only
            || (at && (at == only || at[-1] == ',') && (at[len] == ',' || at[len] == '\0')))
            tests[n++] = all[i];
    }
    fprintf(stderr, "resilience: %d mix threads + /healthz, parties from %d\n",
            MIX_THREADS, run_base);
    int failed = _cmocka_run_group_tests("mod_invoice_resilience", tests, n, group_setup,
                                         group_teardown);
    curl_global_cleanup();
    fprintf(stderr, "resilience: %zu requests in %.1f s\n", records_count(&recs),
            now_s() - t_start);
    return report_run(failed, n);
}
