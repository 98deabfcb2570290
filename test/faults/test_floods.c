/* Slow-client floods: run through test/faults/floods.sh, which starts
 * PostgreSQL and Apache and sets the FLOODS_* variables.
 *
 * Setup: a ~4 MiB PDF uploaded raw (POST /api/sender/uploads?receiver_id=R)
 * by sender S for consumer R, downloaded once to check it, and a few small
 * invoices created from test/data/ab_sample.txt (its receiver rewritten to
 * R) for the probes.
 *
 * Flood (one thread, poll()): FLOODS_UPLOADERS "slow uploaders" each POST
 * an upload declaring Content-Length 1048576 and send its body at ~1 KB/s
 * (100 bytes every 100 ms, starting with "%PDF-"), and FLOODS_NONREADERS
 * "non-readers" each GET the big file with SO_RCVBUF 4096 (set before
 * connect) and never read it (the status line is only peeked at, which
 * leaves the receive window closed).  Whenever the server answers or closes
 * one of them, the status is recorded and the client reconnects after
 * FLOODS_RECONNECT_MS, so that the pressure lasts the whole flood.
 *
 * Probes: from 3 s into the flood, for 25 s, six client threads (half on
 * fresh connections, half on keep-alive connections) cycle through
 * GET /healthz, GET /readyz, GET /api/sender/invoices (list),
 * GET /api/consumer/invoices/{id} (show), POST /api/sender/invoices
 * (create) and POST /api/consumer/invoices/{id}/pay (of the invoice just
 * created), each starting at another kind, each probe with a 10 s client
 * timeout.
 *
 * Asserted: the attackers ran (at least 80 upload and 80 download
 * connections open at once); every probe got its status (200, 201 for the
 * create) and none hit its client timeout; p99 latency of each kind under
 * 1 s; at least one slow upload was cut with 408, and the access log has a
 * 408 line with "method":"POST" and the route label a normal upload logs;
 * every 503 (attacker or probe) carried Retry-After; after the flood (all
 * attacker sockets closed) the big file downloads whole (SHA-256) within
 * the client timeout.  floods.sh checks the error log for crashes. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "client.h"
#include "proc.h"

/* ------------------------------------------------------------ settings */

#define BIG_SIZE (4L * 1024 * 1024)   /* the big invoice's file */
#define SMALL_POOL 16                 /* small invoices created in setup */
#define UPLOAD_DECLARED 1048576L      /* Content-Length a slow uploader claims */
#define SLOW_CHUNK 100                /* bytes ... */
#define SLOW_EVERY_MS 100             /* ... every this: ~1 KB/s */
#define NONREADER_RCVBUF 4096
#define FLOOD_WARMUP_S 3.0            /* flood alone before the probes start */
#define PROBE_WINDOW_S 25.0           /* probes run this long */
#define FLOOD_MIN_S 32.0              /* the flood lasts at least this */
#define PROBE_TIMEOUT_S 10L           /* client timeout of every probe */
#define PROBE_PAUSE_MS 100            /* between two probes of one thread */
#define PROBE_THREADS NPROBE        /* one starting at each kind */
#define P99_LIMIT_S 1.0
#define MIN_OPEN_ATTACKERS 80         /* of each kind, open at once */
#define AFTER_TIMEOUT_S 10L           /* the download after the flood */

static struct {
    const char *base_url, *pg_dsn, *httpd_dir, *access_log, *data_dir;
    char host[256];
    int port;
    int uploaders, nonreaders, reconnect_ms;
} env;

static int sender_id, receiver_id;
static unsigned char *big;                 /* the big PDF */
static char big_sha[65];                   /* its SHA-256, in hex */
static char big_id[64];
static char *small_body;                   /* ab_sample.txt for receiver R */
static size_t small_body_len;
static char small_ids[SMALL_POOL][64];
static int nsmall;
static int next_unpaid = 1;                /* small_ids[0] is the one shown */
static char upload_route[128];             /* the label a 201 upload logs */

/* ------------------------------------------------------------- libcurl */

typedef struct {
    long status;
    int curl_code;
    int retry_after;
    double secs;
    char *body;                /* malloc'd, may be NULL */
    size_t len;
} call_t;

/* One request.  body NULL: GET (or POST with an empty body when post). */
static call_t http_call(CURL *c, const char *method, const char *path,
                        const char *auth, const char *ctype,
                        const void *body, size_t blen, long timeout_s,
                        int fresh, EVP_MD_CTX *md)
{
    call_t out = { 0 };
    http_resp_t r;
    char url[1024];
    int post = strcmp(method, "POST") == 0;
    http_req_t q = { .url = url, .headers = http_headers(auth, NULL, ctype),
                     .body = post ? (body ? body : "") : NULL, .len = post && body ? blen : 0,
                     .timeout_s = timeout_s, .keep_alive = !fresh, .hash_body = md };

    snprintf(url, sizeof url, "%s%s", env.base_url, path);
    double t0 = now_s();
    out.status = http_perform(c, &q, &r, &out.curl_code);
    out.secs = now_s() - t0;
    out.retry_after = r.retry_after >= 0;
    out.body = r.body;
    out.len = r.len;
    curl_slist_free_all(q.headers);
    return out;
}

/* ------------------------------------------------------------- attackers */

enum { UP, DL, NKIND };
static const char *const kind_names[NKIND] = { "slow uploaders", "non-readers" };

enum cstate { C_WAIT, C_CONNECTING, C_ACTIVE, C_HELD };

typedef struct {
    int kind;
    int fd;
    enum cstate st;
    double next_at;            /* C_WAIT: reconnect; C_ACTIVE (UP): next chunk */
    double t_attempt;          /* connect() of this attempt */
    char req[512];
    size_t req_len, req_off;   /* request head (+ first body bytes) */
    long body_sent;
    char rbuf[4096];
    size_t rlen;
    double peek_after;         /* DL: next peek at the head */
} conn_t;

#define MAX_STATUS 600
typedef struct {
    long attempts, connect_fail, no_answer, answered, held_then_closed;
    long status[MAX_STATUS];
    long s503, s503_no_retry_after;
    int open, peak_open;
    double peak_at;
    long n408;
    double t408_min, t408_max, t408_sum;
    long send_blocked;         /* UP: a chunk the socket would not take */
    long bytes_sent;
} kstats_t;

static kstats_t kst[NKIND];
static conn_t *conns;
static int nconns;
static volatile int flood_stop;
static double t_flood0;
static struct sockaddr_storage srv_addr;
static socklen_t srv_addrlen;

static int resolve_server(void)
{
    struct addrinfo hints = { 0 }, *ai = NULL;
    char port[16];
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof port, "%d", env.port);
    if (getaddrinfo(env.host, port, &hints, &ai) != 0 || !ai)
        return -1;
    memcpy(&srv_addr, ai->ai_addr, ai->ai_addrlen);
    srv_addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

/* Status code and Retry-After of a response head in buf; 1 once the head
 * is complete (or buf is full), 0 before. */
static int parse_head(const char *buf, size_t len, size_t cap, int *status,
                      int *retry_after)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end && len < cap)
        return 0;
    size_t hl = end ? (size_t)(end - buf) : len;
    *status = 0;
    *retry_after = 0;
    if (hl >= 12 && memcmp(buf, "HTTP/1.", 7) == 0) {
        int s = atoi(buf + 9);
        *status = s > 0 && s < MAX_STATUS ? s : 0;
    }
    for (size_t i = 0; i + 14 <= hl; i++)
        if (buf[i] == '\n' && strncasecmp(buf + i + 1, "Retry-After:", 12) == 0) {
            *retry_after = 1;
            break;
        }
    return 1;
}

static void set_open(kstats_t *k, int delta)
{
    k->open += delta;
    if (k->open > k->peak_open) {
        k->peak_open = k->open;
        k->peak_at = now_s() - t_flood0;
    }
}

/* The end of an attempt: close, and reconnect later. */
static void end_attempt(conn_t *c, int was_open)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (was_open)
        set_open(&kst[c->kind], -1);
    c->st = C_WAIT;
    c->next_at = now_s() + env.reconnect_ms / 1000.0;
}

static void record_answer(conn_t *c, int status, int retry_after)
{
    kstats_t *k = &kst[c->kind];
    k->answered++;
    k->status[status]++;
    if (status == 503) {
        k->s503++;
        if (!retry_after)
            k->s503_no_retry_after++;
    }
    if (status == 408) {
        double d = now_s() - c->t_attempt;
        if (k->n408 == 0 || d < k->t408_min)
            k->t408_min = d;
        if (d > k->t408_max)
            k->t408_max = d;
        k->t408_sum += d;
        k->n408++;
    }
}

static void start_attempt(conn_t *c)
{
    kstats_t *k = &kst[c->kind];
    int fd = socket(srv_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    k->attempts++;
    c->rlen = 0;
    c->req_off = 0;
    c->body_sent = 0;
    c->peek_after = 0;
    c->t_attempt = now_s();
    if (fd < 0) {
        k->connect_fail++;
        end_attempt(c, 0);
        return;
    }
    if (c->kind == DL) {
        int rcv = NONREADER_RCVBUF;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    if (connect(fd, (struct sockaddr *)&srv_addr, srv_addrlen) != 0 && errno != EINPROGRESS) {
        k->connect_fail++;
        end_attempt(c, 0);
        return;
    }
    c->st = C_CONNECTING;
}

static void build_request(conn_t *c)
{
    if (c->kind == UP) {
        int n = snprintf(c->req, sizeof c->req,
            "POST /api/sender/uploads?receiver_id=%d HTTP/1.1\r\n"
            "Host: %s:%d\r\n"
            "Authorization: sender %d\r\n"
            "Content-Type: application/pdf\r\n"
            "Content-Length: %ld\r\n"
            "\r\n", receiver_id, env.host, env.port, sender_id, UPLOAD_DECLARED);
        /* The first chunk of the body goes with the head: a PDF's start. */
        char chunk[SLOW_CHUNK];
        memset(chunk, 'x', sizeof chunk);
        memcpy(chunk, "%PDF-1.7\n%", 10);
        chunk[SLOW_CHUNK - 1] = '\n';
        memcpy(c->req + n, chunk, SLOW_CHUNK);
        c->req_len = (size_t)n + SLOW_CHUNK;
        c->body_sent = SLOW_CHUNK;
    } else {
        c->req_len = (size_t)snprintf(c->req, sizeof c->req,
            "GET /api/consumer/invoices/%s/file HTTP/1.1\r\n"
            "Host: %s:%d\r\n"
            "Authorization: consumer %d\r\n"
            "\r\n", big_id, env.host, env.port, receiver_id);
    }
}

/* Push what is left of the request head; -1 on a dead socket. */
static int push_request(conn_t *c)
{
    while (c->req_off < c->req_len) {
        ssize_t n = send(c->fd, c->req + c->req_off, c->req_len - c->req_off,
                         MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        c->req_off += (size_t)n;
        kst[c->kind].bytes_sent += n;
    }
    return 0;
}

static void on_connected(conn_t *c)
{
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
        kst[c->kind].connect_fail++;
        end_attempt(c, 0);
        return;
    }
    c->st = C_ACTIVE;
    set_open(&kst[c->kind], +1);
    build_request(c);
    c->next_at = now_s() + SLOW_EVERY_MS / 1000.0;
    if (push_request(c) < 0) {
        kst[c->kind].no_answer++;
        end_attempt(c, 1);
    }
}

/* UP: the answer (or the close) of the server. */
static void up_readable(conn_t *c)
{
    for (;;) {
        if (c->rlen == sizeof c->rbuf)
            break;
        ssize_t n = recv(c->fd, c->rbuf + c->rlen, sizeof c->rbuf - c->rlen, 0);
        if (n > 0) {
            c->rlen += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        /* EOF or reset: whatever head arrived is the answer. */
        int status, ra;
        if (c->rlen > 0 && parse_head(c->rbuf, c->rlen, c->rlen, &status, &ra) && status)
            record_answer(c, status, ra);
        else
            kst[UP].no_answer++;
        end_attempt(c, 1);
        return;
    }
    int status, ra;
    if (parse_head(c->rbuf, c->rlen, sizeof c->rbuf, &status, &ra)) {
        if (status)
            record_answer(c, status, ra);
        else
            kst[UP].no_answer++;
        end_attempt(c, 1);
    }
}

/* DL: peek at the head without reading it (the window stays closed). */
static void dl_readable(conn_t *c)
{
    char buf[4096];
    ssize_t n = recv(c->fd, buf, sizeof buf, MSG_PEEK);
    int status, ra;
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        kst[DL].no_answer++;
        end_attempt(c, 1);
        return;
    }
    if (!parse_head(buf, (size_t)n, sizeof buf, &status, &ra)) {
        c->peek_after = now_s() + 0.02;    /* the rest of the head later */
        return;
    }
    if (!status) {
        kst[DL].no_answer++;
        end_attempt(c, 1);
        return;
    }
    record_answer(c, status, ra);
    if (status == 200) {
        c->st = C_HELD;          /* the file streams: hold it, unread */
        return;
    }
    end_attempt(c, 1);
}

static void up_tick(conn_t *c, double t)
{
    if (c->req_off < c->req_len) {
        if (push_request(c) < 0) {
            /* The server is gone; an answer may still be readable. */
            up_readable(c);
            if (c->st == C_ACTIVE) {
                kst[UP].no_answer++;
                end_attempt(c, 1);
            }
        }
        return;
    }
    if (t < c->next_at || c->body_sent >= UPLOAD_DECLARED)
        return;
    char chunk[SLOW_CHUNK];
    memset(chunk, 'x', sizeof chunk);
    chunk[SLOW_CHUNK - 1] = '\n';
    ssize_t n = send(c->fd, chunk, sizeof chunk, MSG_NOSIGNAL);
    c->next_at += SLOW_EVERY_MS / 1000.0;
    if (c->next_at < t)
        c->next_at = t + SLOW_EVERY_MS / 1000.0;
    if (n > 0) {
        c->body_sent += n;
        kst[UP].bytes_sent += n;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        kst[UP].send_blocked++;
    } else {
        up_readable(c);
        if (c->st == C_ACTIVE) {
            kst[UP].no_answer++;
            end_attempt(c, 1);
        }
    }
}

static void *flood_main(void *arg)
{
    (void)arg;
    struct pollfd *pfd = calloc((size_t)nconns, sizeof *pfd);
    int *who = calloc((size_t)nconns, sizeof *who);
    if (!pfd || !who)
        abort();
    for (int i = 0; i < nconns; i++)
        start_attempt(&conns[i]);
    while (!flood_stop) {
        double t = now_s();
        int np = 0;
        for (int i = 0; i < nconns; i++) {
            conn_t *c = &conns[i];
            if (c->st == C_WAIT) {
                if (t >= c->next_at)
                    start_attempt(c);
                if (c->st == C_WAIT)
                    continue;
            }
            short ev = 0;
            switch (c->st) {
            case C_CONNECTING:
                ev = POLLOUT;
                break;
            case C_ACTIVE:
                if (c->kind == UP) {
                    ev = POLLIN | POLLRDHUP;
                    if (c->req_off < c->req_len)
                        ev |= POLLOUT;
                } else {
                    ev = POLLRDHUP;
                    if (t >= c->peek_after)
                        ev |= POLLIN;
                    if (c->req_off < c->req_len)
                        ev |= POLLOUT;
                }
                break;
            case C_HELD:
                ev = POLLRDHUP;  /* only the server's close, never the data */
                break;
            default:
                break;
            }
            pfd[np].fd = c->fd;
            pfd[np].events = ev;
            pfd[np].revents = 0;
            who[np++] = i;
        }
        int rc = poll(pfd, (nfds_t)np, 10);
        if (rc < 0 && errno != EINTR)
            break;
        t = now_s();
        for (int j = 0; j < np; j++) {
            conn_t *c = &conns[who[j]];
            short re = pfd[j].revents;
            if (c->st == C_CONNECTING) {
                if (re)
                    on_connected(c);
                continue;
            }
            if (c->kind == UP && c->st == C_ACTIVE) {
                if (re & (POLLIN | POLLRDHUP | POLLHUP | POLLERR))
                    up_readable(c);
                if (c->st == C_ACTIVE)
                    up_tick(c, t);
                continue;
            }
            if (c->kind == DL && c->st == C_ACTIVE) {
                if ((re & POLLOUT) && push_request(c) < 0) {
                    kst[DL].no_answer++;
                    end_attempt(c, 1);
                    continue;
                }
                if (re & (POLLIN | POLLRDHUP | POLLHUP | POLLERR))
                    dl_readable(c);
                continue;
            }
            if (c->st == C_HELD && (re & (POLLRDHUP | POLLHUP | POLLERR))) {
                kst[DL].held_then_closed++;
                end_attempt(c, 1);
            }
        }
    }
    /* The flood ends: every attacker socket closed. */
    for (int i = 0; i < nconns; i++) {
        if (conns[i].fd >= 0) {
            close(conns[i].fd);
            conns[i].fd = -1;
        }
    }
    free(pfd);
    free(who);
    return NULL;
}

/* --------------------------------------------------------------- probes */

enum { P_HEALTHZ, P_READYZ, P_LIST, P_SHOW, P_CREATE, P_PAY, NPROBE };
static const char *const probe_names[NPROBE] = {
    "GET /healthz", "GET /readyz", "list", "show", "create", "pay",
};
static const long probe_expect[NPROBE] = { 200, 200, 200, 200, 201, 200 };

typedef struct {
    int kind;
    long status;
    int curl_code;
    int retry_after;
    int ran;                   /* 0: a pay with nothing to pay */
    double t0, secs;
    char detail[100];
} sample_t;

static records_t samples = RECORDS_OF(sample_t);
static pthread_mutex_t unpaid_mu = PTHREAD_MUTEX_INITIALIZER;
static double probe_end;

/* An unpaid small invoice from setup, for a pay whose create failed. */
static const char *spare_unpaid(void)
{
    const char *id = NULL;
    pthread_mutex_lock(&unpaid_mu);
    if (next_unpaid < nsmall)
        id = small_ids[next_unpaid++];
    pthread_mutex_unlock(&unpaid_mu);
    return id;
}

static void probe(CURL *c, int kind, int fresh, char *created, size_t cap)
{
    char path[256], auth[64];
    const char *method = "GET", *ctype = NULL;
    const void *body = NULL;
    size_t blen = 0;
    sample_t s = { 0 };

    s.kind = kind;
    switch (kind) {
    case P_HEALTHZ:
        snprintf(path, sizeof path, "/healthz");
        auth[0] = '\0';
        break;
    case P_READYZ:
        snprintf(path, sizeof path, "/readyz");
        auth[0] = '\0';
        break;
    case P_LIST:
        snprintf(path, sizeof path, "/api/sender/invoices?limit=20");
        snprintf(auth, sizeof auth, "sender %d", sender_id);
        break;
    case P_SHOW:
        snprintf(path, sizeof path, "/api/consumer/invoices/%s", small_ids[0]);
        snprintf(auth, sizeof auth, "consumer %d", receiver_id);
        break;
    case P_CREATE:
        snprintf(path, sizeof path, "/api/sender/invoices");
        snprintf(auth, sizeof auth, "sender %d", sender_id);
        method = "POST";
        ctype = "application/json";
        body = small_body;
        blen = small_body_len;
        break;
    case P_PAY: {
        char mine[64];
        snprintf(mine, sizeof mine, "%s", created);
        created[0] = '\0';
        const char *id = mine[0] ? mine : spare_unpaid();
        if (!id) {
            s.t0 = now_s();
            snprintf(s.detail, sizeof s.detail, "no unpaid invoice left to pay");
            records_add(&samples, &s);
            return;
        }
        snprintf(path, sizeof path, "/api/consumer/invoices/%s/pay", id);
        snprintf(auth, sizeof auth, "consumer %d", receiver_id);
        method = "POST";
        break;
    }
    }
    s.t0 = now_s();
    s.ran = 1;
    call_t r = http_call(c, method, path, auth[0] ? auth : NULL, ctype, body, blen,
                         PROBE_TIMEOUT_S, fresh, NULL);
    s.status = r.status;
    s.curl_code = r.curl_code;
    s.retry_after = r.retry_after;
    s.secs = r.secs;
    if (r.curl_code != CURLE_OK)
        snprintf(s.detail, sizeof s.detail, "%s", curl_easy_strerror((CURLcode)r.curl_code));
    else if (r.status != probe_expect[kind] && r.body)
        snprintf(s.detail, sizeof s.detail, "%.99s", r.body);
    if (kind == P_CREATE)
        data_string(r.status == 201 ? r.body : NULL, "id", created, cap);
    free(r.body);
    records_add(&samples, &s);
}

/* Probe thread i: the kinds in turn, starting at kind i % NPROBE (so that
 * every kind is probed from the start, even when each probe takes its
 * whole timeout); even threads on fresh connections, odd ones on
 * keep-alive connections.  A pay pays the invoice of the thread's last
 * create, or a spare one. */
static void *probe_main(void *arg)
{
    int i = (int)(intptr_t)arg, fresh = i % 2 == 0;
    CURL *c = curl_easy_init();
    char created[64] = "";
    for (int k = i % NPROBE; c && now_s() < probe_end; k = (k + 1) % NPROBE) {
        probe(c, k, fresh, created, sizeof created);
        sleep_ms(PROBE_PAUSE_MS);
    }
    curl_easy_cleanup(c);
    return NULL;
}

/* ------------------------------------------------------------ the tests */

static long httpd_children(void)
{
    long kids[64];
    long parent = httpd_pid(env.httpd_dir);
    return parent > 0 ? children_of(parent, kids, 64) : -1;
}

/* The access log as JSON objects, one per line (NULL for a bad line). */
static json_object **read_access_log(size_t *n)
{
    size_t len;
    char *text = read_file(env.access_log, &len);
    *n = 0;
    if (!text)
        return NULL;
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    json_object **out = calloc(lines, sizeof *out);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); out && line;
         line = strtok_r(NULL, "\n", &save))
        out[(*n)++] = json_tokener_parse(line);
    free(text);
    return out;
}

static void free_log(json_object **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_object_put(lines[i]);
    free(lines);
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static int jint(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) : -1;
}

/* Download the big file: 1 when all its bytes came back (SHA-256). */
static int download_big(CURL *c, long timeout_s, call_t *r, size_t *got)
{
    char path[256], auth[64];
    unsigned char md[32];
    unsigned int mdn = 32;
    char got_sha[65];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    snprintf(path, sizeof path, "/api/consumer/invoices/%s/file", big_id);
    snprintf(auth, sizeof auth, "consumer %d", receiver_id);
    *r = http_call(c, "GET", path, auth, NULL, NULL, 0, timeout_s, 1, ctx);
    curl_off_t dl = 0;
    curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &dl);
    *got = (size_t)dl;
    EVP_DigestFinal_ex(ctx, md, &mdn);
    EVP_MD_CTX_free(ctx);
    digest_hex(md, got_sha);
    return r->curl_code == CURLE_OK && r->status == 200 && *got == (size_t)BIG_SIZE
           && strcmp(got_sha, big_sha) == 0;
}

static void t_setup_invoices(void **state)
{
    (void)state;
    CURL *c = curl_easy_init();
    char path[256], auth[64];
    assert_non_null(c);

    /* The big PDF, raw. */
    uint64_t x = 0x9e3779b97f4a7c15ULL ^ (uint64_t)sender_id;
    big = malloc((size_t)BIG_SIZE);
    assert_non_null(big);
    for (long i = 0; i < BIG_SIZE; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        big[i] = (unsigned char)(x >> 24);
    }
    memcpy(big, "%PDF-1.7\n%", 10);
    sha256_hex(big, (size_t)BIG_SIZE, big_sha);
    snprintf(path, sizeof path, "/api/sender/uploads?receiver_id=%d", receiver_id);
    snprintf(auth, sizeof auth, "sender %d", sender_id);
    call_t r = http_call(c, "POST", path, auth, "application/pdf", big, (size_t)BIG_SIZE,
                         60, 1, NULL);
    if (r.status != 201)
        fail_msg("upload of the big PDF: status %ld, curl %d: %.300s", r.status,
                 r.curl_code, r.body ? r.body : "");
    data_string(r.body, "id", big_id, sizeof big_id);
    free(r.body);
    assert_true(big_id[0] != '\0');
    fprintf(stderr, "floods: big invoice %s (%ld bytes, sha256 %.16s...) uploaded in %.2f s\n",
            big_id, BIG_SIZE, big_sha, r.secs);

    /* Stored whole (libpq), and it downloads whole before the flood. */
    PGconn *pg = db_connect(env.pg_dsn, "cannot connect to PostgreSQL");
    const char *params[1] = { big_id };
    PGresult *res = PQexecParams(pg,
        "SELECT length(content), encode(sha256(content), 'hex') FROM invoice_files "
        "WHERE invoice_id = $1::uuid", 1, NULL, params, NULL, NULL, 0);
    int stored_ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
                    && atol(PQgetvalue(res, 0, 0)) == BIG_SIZE
                    && strcmp(PQgetvalue(res, 0, 1), big_sha) == 0;
    if (!stored_ok)
        fprintf(stderr, "floods: big file in the database: %s\n",
                PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
                    ? PQgetvalue(res, 0, 0) : PQerrorMessage(pg));
    PQclear(res);
    PQfinish(pg);
    assert_true(stored_ok);
    size_t got;
    call_t d;
    if (!download_big(c, 30, &d, &got))
        fail_msg("download of the big file before the flood: status %ld, curl %d, %zu bytes",
                 d.status, d.curl_code, got);
    fprintf(stderr, "floods: big file downloads whole before the flood (%.2f s)\n", d.secs);

    /* Small invoices for the probes: [0] is shown, the others are spare
     * invoices to pay. */
    for (int i = 0; i < SMALL_POOL; i++) {
        r = http_call(c, "POST", "/api/sender/invoices", auth, "application/json",
                      small_body, small_body_len, 30, 0, NULL);
        if (r.status != 201)
            fail_msg("small create: status %ld, curl %d: %.300s", r.status, r.curl_code,
                     r.body ? r.body : "");
        data_string(r.body, "id", small_ids[i], sizeof small_ids[i]);
        free(r.body);
        assert_true(small_ids[i][0] != '\0');
        nsmall++;
    }

    /* The route label the access log shows for a normal upload. */
    double deadline = now_s() + 5;
    do {
        size_t n;
        json_object **lines = read_access_log(&n);
        for (size_t i = 0; i < n; i++) {
            const char *id = jstr(lines[i], "invoice_id"), *route = jstr(lines[i], "route");
            if (id && route && strcmp(id, big_id) == 0 && jint(lines[i], "status") == 201)
                snprintf(upload_route, sizeof upload_route, "%s", route);
        }
        free_log(lines, n);
        if (!upload_route[0])
            sleep_ms(200);
    } while (!upload_route[0] && now_s() < deadline);
    if (!upload_route[0])
        fail_msg("no access log line (%s) with status 201 for the upload of %s",
                 env.access_log, big_id);
    fprintf(stderr, "floods: %d small invoices; a 201 upload logs route \"%s\"; "
            "%ld Apache children\n", nsmall, upload_route, httpd_children());
    curl_easy_cleanup(c);
}

static double t_flood_end, t_probes0;
static long children_during;

static void t_flood_with_probes(void **state)
{
    (void)state;
    assert_true(big_id[0] && nsmall > 0);
    nconns = env.uploaders + env.nonreaders;
    conns = calloc((size_t)nconns, sizeof *conns);
    assert_non_null(conns);
    for (int i = 0; i < nconns; i++) {
        conns[i].kind = i < env.uploaders ? UP : DL;
        conns[i].fd = -1;
        conns[i].st = C_WAIT;
    }
    pthread_t flood, probes[PROBE_THREADS];
    t_flood0 = now_s();
    if (pthread_create(&flood, NULL, flood_main, NULL) != 0)
        fail_msg("pthread_create");
    sleep_ms((long)(FLOOD_WARMUP_S * 1000));
    fprintf(stderr, "floods: +%.1f s: %d upload and %d download connections open; "
            "probes start\n", now_s() - t_flood0, kst[UP].open, kst[DL].open);
    t_probes0 = now_s();
    probe_end = t_probes0 + PROBE_WINDOW_S;
    for (int i = 0; i < PROBE_THREADS; i++)
        if (pthread_create(&probes[i], NULL, probe_main, (void *)(intptr_t)i) != 0)
            fail_msg("pthread_create");
    /* A progress line every 5 s (figures read racily: only a report). */
    for (int tick = 1; now_s() < probe_end; tick++) {
        sleep_ms(1000);
        if (tick % 5 == 0) {
            children_during = httpd_children();
            size_t ns = records_count(&samples);
            fprintf(stderr, "floods: +%.0f s: open %d uploads / %d downloads, "
                    "answers %ld / %ld, %zu probes done, %ld Apache children\n",
                    now_s() - t_flood0, kst[UP].open, kst[DL].open, kst[UP].answered,
                    kst[DL].answered, ns, children_during);
        }
    }
    for (int i = 0; i < PROBE_THREADS; i++)
        pthread_join(probes[i], NULL);
    while (now_s() - t_flood0 < FLOOD_MIN_S)
        sleep_ms(100);
    flood_stop = 1;
    pthread_join(flood, NULL);
    t_flood_end = now_s();
    fprintf(stderr, "floods: flood of %.1f s over; every attacker socket closed\n",
            t_flood_end - t_flood0);

    for (int k = 0; k < NKIND; k++) {
        kstats_t *s = &kst[k];
        char st[512];
        size_t o = 0;
        st[0] = '\0';
        for (int code = 0; code < MAX_STATUS; code++)
            if (s->status[code] && o < sizeof st - 32)
                o += (size_t)snprintf(st + o, sizeof st - o, " %ld x %d,", s->status[code], code);
        fprintf(stderr, "floods: %-14s %ld connections (%ld connect failures), peak %d open "
                "at once (+%.1f s); answers:%s %ld closed without an answer; "
                "%ld x 503 (%ld without Retry-After)\n",
                kind_names[k], s->attempts, s->connect_fail, s->peak_open, s->peak_at,
                o ? st : " none,", s->no_answer, s->s503, s->s503_no_retry_after);
    }
    fprintf(stderr, "floods: slow uploaders sent %ld body bytes (%ld chunks refused by a full "
            "socket); 408 after %.1f..%.1f s (mean %.1f s); non-readers: %ld held 200s "
            "closed by the server\n", kst[UP].bytes_sent, kst[UP].send_blocked,
            kst[UP].n408 ? kst[UP].t408_min : 0.0, kst[UP].t408_max,
            kst[UP].n408 ? kst[UP].t408_sum / (double)kst[UP].n408 : 0.0,
            kst[DL].held_then_closed);

    if (kst[UP].peak_open < MIN_OPEN_ATTACKERS || kst[DL].peak_open < MIN_OPEN_ATTACKERS)
        fail_msg("the flood did not run: at most %d uploads and %d downloads open at once "
                 "(need %d of each)", kst[UP].peak_open, kst[DL].peak_open,
                 MIN_OPEN_ATTACKERS);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p * (double)n + 0.999999);
    i = i == 0 ? 0 : i - 1;
    return sorted[i < n ? i : n - 1];
}

static int probes_failed_status, probes_timed_out;

static void t_probes_all_answered(void **state)
{
    (void)state;
    size_t count[NPROBE] = { 0 }, ok[NPROBE] = { 0 };
    int shown = 0;
    const sample_t *all = samples.at;
    for (size_t i = 0; i < samples.n; i++) {
        const sample_t *s = &all[i];
        count[s->kind]++;
        if (s->curl_code == CURLE_OPERATION_TIMEDOUT)
            probes_timed_out++;
        if (s->status == probe_expect[s->kind] && s->curl_code == CURLE_OK) {
            ok[s->kind]++;
            continue;
        }
        probes_failed_status++;
        if (shown++ < 15)
            fprintf(stderr, "floods: probe %s at +%.1f s: status %ld after %.2f s "
                    "(curl %d) %s\n", probe_names[s->kind], s->t0 - t_flood0, s->status,
                    s->secs, s->curl_code, s->detail);
    }
    int missing = 0;
    for (int k = 0; k < NPROBE; k++) {
        fprintf(stderr, "floods: probe %-12s %3zu of %3zu answered %ld\n", probe_names[k],
                ok[k], count[k], probe_expect[k]);
        missing += count[k] == 0;
    }
    if (missing)
        fail_msg("%d probe kinds never ran", missing);
    if (probes_timed_out)
        fail_msg("%d probes hit the %ld s client timeout", probes_timed_out, PROBE_TIMEOUT_S);
    if (probes_failed_status)
        fail_msg("%d probes did not get their status (see above)", probes_failed_status);
}

static void t_probes_p99_under_1s(void **state)
{
    (void)state;
    int slow = 0;
    const sample_t *all = samples.at;
    for (int k = 0; k < NPROBE; k++) {
        double *lat = malloc((samples.n + 1) * sizeof *lat);
        size_t n = 0;
        assert_non_null(lat);
        for (size_t i = 0; i < samples.n; i++)
            if (all[i].kind == k && all[i].ran)
                lat[n++] = all[i].secs;
        qsort(lat, n, sizeof *lat, cmp_double);
        double p50 = pct(lat, n, 0.50), p99 = pct(lat, n, 0.99), max = n ? lat[n - 1] : 0;
        fprintf(stderr, "floods: latency %-12s n=%3zu  p50 %6.3f s  p99 %6.3f s  max %6.3f s%s\n",
                probe_names[k], n, p50, p99, max, p99 >= P99_LIMIT_S ? "  <- over 1 s" : "");
        slow += n == 0 || p99 >= P99_LIMIT_S;
        free(lat);
    }
    if (slow)
        fail_msg("%d probe kinds with p99 latency >= %.1f s during the flood", slow, P99_LIMIT_S);
}

static void t_slow_upload_408_logged(void **state)
{
    (void)state;
    size_t n408 = 0, n408_post = 0, n408_match = 0;
    char sample[400] = "";
    double deadline = now_s() + 5;
    do {
        size_t n;
        json_object **lines = read_access_log(&n);
        n408 = n408_post = n408_match = 0;
        for (size_t i = 0; i < n; i++) {
            if (jint(lines[i], "status") != 408)
                continue;
            n408++;
            const char *m = jstr(lines[i], "method"), *route = jstr(lines[i], "route");
            int post = m && strcmp(m, "POST") == 0;
            n408_post += post;
            n408_match += post && route && strcmp(route, upload_route) == 0;
            if (!sample[0] || (post && route && strcmp(route, upload_route) == 0))
                snprintf(sample, sizeof sample, "%s",
                         json_object_to_json_string_ext(lines[i], JSON_C_TO_STRING_PLAIN));
        }
        free_log(lines, n);
        if (n408_match == 0 && kst[UP].n408 > 0)
            sleep_ms(250);       /* the log line follows the answer */
    } while (n408_match == 0 && kst[UP].n408 > 0 && now_s() < deadline);
    fprintf(stderr, "floods: slow uploaders got %ld x 408; access log: %zu lines with status "
            "408, %zu of them \"method\":\"POST\", %zu also \"route\":\"%s\"\n",
            kst[UP].n408, n408, n408_post, n408_match, upload_route);
    if (sample[0])
        fprintf(stderr, "floods: e.g. %s\n", sample);
    if (kst[UP].n408 == 0)
        fail_msg("no slow upload (1 KB/s) was cut with 408 during a %.0f s flood",
                 t_flood_end - t_flood0);
    if (n408_match == 0)
        fail_msg("no access log line with status 408, \"method\":\"POST\" and "
                 "\"route\":\"%s\"", upload_route);
}

static void t_every_503_has_retry_after(void **state)
{
    (void)state;
    long probe503 = 0, probe503_bad = 0;
    const sample_t *all = samples.at;
    for (size_t i = 0; i < samples.n; i++)
        if (all[i].status == 503) {
            probe503++;
            probe503_bad += !all[i].retry_after;
        }
    fprintf(stderr, "floods: 503 (the per-child bound): %ld to slow uploaders, %ld to "
            "non-readers, %ld to probes; without Retry-After: %ld, %ld, %ld\n",
            kst[UP].s503, kst[DL].s503, probe503, kst[UP].s503_no_retry_after,
            kst[DL].s503_no_retry_after, probe503_bad);
    if (kst[UP].s503_no_retry_after + kst[DL].s503_no_retry_after + probe503_bad)
        fail_msg("503 answers without Retry-After");
}

static void t_big_download_after_flood(void **state)
{
    (void)state;
    assert_true(t_flood_end > 0);
    CURL *c = curl_easy_init();
    call_t r;
    size_t got;
    double since = now_s() - t_flood_end;
    int ok = download_big(c, AFTER_TIMEOUT_S, &r, &got);
    double done = now_s() - t_flood_end;
    fprintf(stderr, "floods: download of the big file started %.2f s after the flood: "
            "status %ld, curl %d, %zu of %ld bytes in %.2f s, sha256 %s\n", since, r.status,
            r.curl_code, got, BIG_SIZE, r.secs, ok ? "matches" : "DIFFERS/incomplete");
    curl_easy_cleanup(c);
    if (!ok || done > (double)AFTER_TIMEOUT_S)
        fail_msg("the big file did not download whole within %ld s after the flood",
                 AFTER_TIMEOUT_S);
}

/* ---------------------------------------------------------------- main */

#define RUN_BY "test/faults/floods.sh"

int main(void)
{
    env.base_url = need_env("FLOODS_BASE_URL", RUN_BY);
    env.pg_dsn = need_env("FLOODS_PG_DSN", RUN_BY);
    env.httpd_dir = need_env("FLOODS_HTTPD_DIR", RUN_BY);
    env.access_log = need_env("FLOODS_ACCESS_LOG", RUN_BY);
    env.data_dir = need_env("FLOODS_DATA_DIR", RUN_BY);
    env.uploaders = env_int("FLOODS_UPLOADERS", 100, 1, 400);
    env.nonreaders = env_int("FLOODS_NONREADERS", 100, 1, 400);
    env.reconnect_ms = env_int("FLOODS_RECONNECT_MS", 500, 0, 10000);
    if (sscanf(env.base_url, "http://%255[^:/]:%d", env.host, &env.port) != 2
        || resolve_server() != 0) {
        fprintf(stderr, "test_floods: cannot use FLOODS_BASE_URL %s\n", env.base_url);
        return 2;
    }

    client_start();
    sender_id = random_party();
    receiver_id = random_party();

    /* ab_sample.txt, addressed to receiver R. */
    size_t len;
    char *sample = read_seed(env.data_dir, "ab_sample.txt", &len);
    const char *key = "\"receiver_id\": 2,";
    char *at = sample ? strstr(sample, key) : NULL;
    if (!at) {
        fprintf(stderr, "test_floods: %s/ab_sample.txt missing or without %s\n",
                env.data_dir, key);
        return 2;
    }
    small_body = malloc(len + 32);
    int pre = (int)(at - sample);
    small_body_len = (size_t)sprintf(small_body, "%.*s\"receiver_id\": %d,%s", pre, sample,
                                     receiver_id, at + strlen(key));
    free(sample);


    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_setup_invoices),
        cmocka_unit_test(t_flood_with_probes),
        cmocka_unit_test(t_big_download_after_flood),
        cmocka_unit_test(t_probes_all_answered),
        cmocka_unit_test(t_probes_p99_under_1s),
        cmocka_unit_test(t_slow_upload_408_logged),
        cmocka_unit_test(t_every_503_has_retry_after),
    };
    size_t total = sizeof tests / sizeof *tests;
    fprintf(stderr, "floods: %d slow uploaders (%d B every %d ms), %d non-readers "
            "(SO_RCVBUF %d), reconnect after %d ms; %d probe threads from +%.0f s for "
            "%.0f s, client timeout %ld s; sender %d, receiver %d\n",
            env.uploaders, SLOW_CHUNK, SLOW_EVERY_MS, env.nonreaders, NONREADER_RCVBUF,
            env.reconnect_ms, PROBE_THREADS, FLOOD_WARMUP_S, PROBE_WINDOW_S,
            PROBE_TIMEOUT_S, sender_id, receiver_id);
    double t0 = now_s();
    int failed = cmocka_run_group_tests_name("mod_invoice_floods", tests, NULL, NULL);
    curl_global_cleanup();
    fprintf(stderr, "floods: %.1f s in all\n", now_s() - t0);
    records_free(&samples);
    free(conns);
    free(big);
    free(small_body);
    return report_run(failed, total);
}
