/* pgproxy: a TCP proxy between Apache and PostgreSQL that understands just
 * enough of the wire protocol (v3) to play a bad network on command.
 *
 *   pgproxy LISTEN_PORT PG_PORT CONTROL_PORT
 *
 * Commands on the control port, one line each, answered "ok" (or a
 * number):
 *   drop STATEMENT MS   the next time a connection commits a transaction
 *                       in which it executed the prepared statement
 *                       STATEMENT (Bind), let the commit reach PostgreSQL,
 *                       swallow its reply, close the connection, and
 *                       refuse new connections for MS milliseconds: the
 *                       client cannot know whether it committed
 *   delay MS            hold every message MS milliseconds each way (a
 *                       slow link): each connection on its own, messages
 *                       keep their order, other connections and the proxy
 *                       itself are not slowed; messages already held when
 *                       the delay changes keep their release time
 *   refuse MS           refuse new connections for MS milliseconds from
 *                       now (closed as soon as accepted: the database is
 *                       unreachable); refuse 0 accepts them again
 *   held                how many messages are held right now
 *   dropped             how many replies were swallowed so far
 * A commit is a Sync outside an explicit transaction block (the implicit
 * transaction of one extended-protocol statement) or a simple COMMIT.
 *
 * One thread, one poll loop, non-blocking sockets: a message is queued with
 * its release time and written once due and once its socket takes it, so
 * neither a held message nor a peer that stopped reading (a PostgreSQL
 * under SIGSTOP) blocks any other connection. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXCONN 256
/* Stop reading a side while this much of it waits to be written to the
 * other (a peer that does not read must not make the proxy grow). */
#define BACKLOG_BYTES (8u << 20)

typedef struct {
    unsigned char *data;
    size_t len;
} buf_t;

/* A message (or, with no delay, consecutive messages) on its way. */
typedef struct seg {
    struct seg *next;
    double at;              /* monotonic release time */
    size_t len, cap;
    unsigned char *data;
} seg_t;

/* What one direction still has to write, in order; off bytes of the head
 * are already written. */
typedef struct {
    seg_t *head, *tail;
    size_t off, bytes;
} queue_t;

typedef struct {
    int c, s;               /* client and server sockets, -1 when closed */
    int connecting;         /* the connect to PostgreSQL is in progress */
    int c_eof, s_eof;       /* that side closed: flush toward the other, close */
    buf_t from_c, from_s;   /* bytes read, not yet whole messages */
    queue_t to_s, to_c;     /* messages held or waiting to be written */
    int started;            /* client sent its startup message */
    int ssl_byte;           /* server owes the one-byte SSL answer */
    char status;            /* last ReadyForQuery: I, T or E */
    int marked;             /* executed the armed statement in this tx */
    int swallow;            /* the commit was sent: drop the reply, close */
} conn_t;

static conn_t conns[MAXCONN];
static char armed[128];
static long refuse_ms, delay_ms, dropped;
static double refuse_until;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void nonblocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 128) != 0) {
        perror("pgproxy: listen");
        exit(1);
    }
    return fd;
}

/* A non-blocking connect: -1, or the socket (*pending while in progress). */
static int connect_to(int port, int *pending)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    nonblocking(fd);
    *pending = 0;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    if (errno == EINPROGRESS) {
        *pending = 1;
        return fd;
    }
    close(fd);
    return -1;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void append(buf_t *b, const unsigned char *d, size_t n)
{
    b->data = realloc(b->data, b->len + n);
    if (!b->data)
        abort();
    memcpy(b->data + b->len, d, n);
    b->len += n;
}

static void consume(buf_t *b, size_t n)
{
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

/* Queue n bytes for release delay_ms from now (with no delay, joined to a
 * segment already due: no allocation per small message). */
static void enqueue(queue_t *q, const unsigned char *d, size_t n)
{
    double at = now() + delay_ms / 1000.0;
    seg_t *t = q->tail;

    q->bytes += n;
    if (delay_ms == 0 && t && t->at <= at && t->len + n <= (1u << 20)) {
        if (t->len + n > t->cap) {
            t->cap = t->len + n < 65536 ? 65536 : 2 * (t->len + n);
            t->data = realloc(t->data, t->cap);
            if (!t->data)
                abort();
        }
        memcpy(t->data + t->len, d, n);
        t->len += n;
        return;
    }
    seg_t *s = calloc(1, sizeof *s);
    if (!s || !(s->data = malloc(n)))
        abort();
    memcpy(s->data, d, n);
    s->len = s->cap = n;
    s->at = at;
    if (t)
        t->next = s;
    else
        q->head = s;
    q->tail = s;
}

static void queue_free(queue_t *q)
{
    while (q->head) {
        seg_t *s = q->head;
        q->head = s->next;
        free(s->data);
        free(s);
    }
    memset(q, 0, sizeof *q);
}

/* Messages not yet written (a joined segment counts as one). */
static long queue_held(const queue_t *q)
{
    long n = 0;
    for (const seg_t *s = q->head; s; s = s->next)
        n++;
    return n;
}

/* Write what is due; 0, or -1 when the socket failed. */
static int flush(queue_t *q, int fd)
{
    double t = now();

    while (q->head && q->head->at <= t) {
        seg_t *s = q->head;
        ssize_t w = write(fd, s->data + q->off, s->len - q->off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (w <= 0)
            return -1;
        q->off += (size_t)w;
        q->bytes -= (size_t)w;
        if (q->off == s->len) {
            q->head = s->next;
            if (!q->head)
                q->tail = NULL;
            q->off = 0;
            free(s->data);
            free(s);
        }
    }
    return 0;
}

/* Is the head of q due and waiting to be written? */
static int due(const queue_t *q, double t)
{
    return q->head && q->head->at <= t;
}

static void close_conn(conn_t *k)
{
    if (k->c >= 0) close(k->c);
    if (k->s >= 0) close(k->s);
    free(k->from_c.data);
    free(k->from_s.data);
    queue_free(&k->to_s);
    queue_free(&k->to_c);
    memset(k, 0, sizeof *k);
    k->c = k->s = -1;
}

/* A client message (type t, body of n bytes): does it commit? */
static int is_commit(conn_t *k, char t, const unsigned char *body, size_t n)
{
    if (t == 'S')
        return k->status == 'I';
    return t == 'Q' && n >= 6 && strncasecmp((const char *)body, "COMMIT", 6) == 0;
}

/* Queue whole client messages; watch for the armed statement and the
 * commit after it. */
static int pump_client(conn_t *k)
{
    while (k->from_c.len > 0) {
        unsigned char *p = k->from_c.data;
        size_t need;

        if (!k->started) {              /* untyped: length, code */
            if (k->from_c.len < 8 || k->from_c.len < be32(p))
                return 0;
            need = be32(p);
            if (be32(p + 4) == 80877103 || be32(p + 4) == 80877104)
                k->ssl_byte = 1;        /* SSL/GSS request: 'N' comes back */
            else
                k->started = 1;
        }
        else {
            if (k->from_c.len < 5 || k->from_c.len < 1 + be32(p + 1))
                return 0;
            need = 1 + be32(p + 1);
            if (armed[0] && p[0] == 'B') {      /* portal \0 statement \0 */
                const char *portal = (const char *)p + 5;
                const char *stmt = portal + strlen(portal) + 1;
                k->marked |= strcmp(stmt, armed) == 0;
            }
            if (k->marked && is_commit(k, (char)p[0], p + 5, need - 5)) {
                k->swallow = 1;
                armed[0] = '\0';
            }
        }
        enqueue(&k->to_s, p, need);
        consume(&k->from_c, need);
    }
    return 0;
}

/* Queue whole server messages, noting the transaction status; swallow
 * everything once a marked commit was sent. */
static int pump_server(conn_t *k)
{
    while (k->from_s.len > 0) {
        unsigned char *p = k->from_s.data;
        size_t need;

        if (k->ssl_byte) {
            need = 1;
            k->ssl_byte = 0;
        }
        else {
            if (k->from_s.len < 5 || k->from_s.len < 1 + be32(p + 1))
                return 0;
            need = 1 + be32(p + 1);
            if (p[0] == 'Z')
                k->status = (char)p[5];
        }
        if (k->swallow) {       /* the commit's reply: the client never knows */
            dropped++;
            refuse_until = now() + refuse_ms / 1000.0;
            return -1;
        }
        enqueue(&k->to_c, p, need);
        consume(&k->from_s, need);
    }
    return 0;
}

static long held_now(void)
{
    long n = 0;
    for (int i = 0; i < MAXCONN; i++)
        if (conns[i].c >= 0)
            n += queue_held(&conns[i].to_s) + queue_held(&conns[i].to_c);
    return n;
}

static void control(int fd)
{
    char line[256], name[128], reply[64];
    long ms;
    ssize_t n = read(fd, line, sizeof line - 1);

    if (n <= 0) {
        close(fd);
        return;
    }
    line[n] = '\0';
    strcpy(reply, "ok\n");
    if (sscanf(line, "drop %127s %ld", name, &ms) == 2) {
        snprintf(armed, sizeof armed, "%s", name);
        refuse_ms = ms;
    }
    else if (sscanf(line, "delay %ld", &ms) == 1 && ms >= 0)
        delay_ms = ms;
    else if (sscanf(line, "refuse %ld", &ms) == 1 && ms >= 0)
        refuse_until = now() + ms / 1000.0;
    else if (strncmp(line, "dropped", 7) == 0)
        snprintf(reply, sizeof reply, "%ld\n", dropped);
    else if (strncmp(line, "held", 4) == 0)
        snprintf(reply, sizeof reply, "%ld\n", held_now());
    else
        strcpy(reply, "?\n");
    if (write(fd, reply, strlen(reply)) < 0)
        perror("pgproxy: control");
    close(fd);
}

static void accept_client(int lfd, int pg_port)
{
    int c = accept(lfd, NULL, NULL), s, pending;

    if (c < 0)
        return;
    if (now() < refuse_until || (s = connect_to(pg_port, &pending)) < 0) {
        close(c);               /* the network is down */
        return;
    }
    nonblocking(c);
    for (int i = 0; i < MAXCONN; i++) {
        if (conns[i].c < 0) {
            conns[i].c = c;
            conns[i].s = s;
            conns[i].connecting = pending;
            conns[i].status = 'I';
            return;
        }
    }
    close(c);
    close(s);
}

/* Read what a side has and queue it; on EOF that side is done: what it
 * sent is still delivered (a backend's FATAL, a client's Terminate). */
static int serve_read(conn_t *k, int from_client)
{
    unsigned char tmp[65536];
    ssize_t n = read(from_client ? k->c : k->s, tmp, sizeof tmp);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0) {
        if (n < 0)
            return -1;
        *(from_client ? &k->c_eof : &k->s_eof) = 1;
        return 0;
    }
    append(from_client ? &k->from_c : &k->from_s, tmp, (size_t)n);
    return from_client ? pump_client(k) : pump_server(k);
}

/* The events a connection's sockets wait for, and the poll timeout its
 * held messages need (ms, or -1). */
static void wanted(const conn_t *k, double t, short *ce, short *se, long *wait_ms)
{
    const queue_t *qs[2] = { &k->to_s, &k->to_c };

    *ce = (short)((!k->c_eof && k->to_s.bytes < BACKLOG_BYTES ? POLLIN : 0)
                  | (due(&k->to_c, t) ? POLLOUT : 0));
    *se = (short)(k->connecting ? POLLOUT
                  : ((!k->s_eof && k->to_c.bytes < BACKLOG_BYTES ? POLLIN : 0)
                     | (due(&k->to_s, t) ? POLLOUT : 0)));
    for (int i = 0; i < 2; i++) {
        if (qs[i]->head && qs[i]->head->at > t) {
            long ms = (long)((qs[i]->head->at - t) * 1000.0) + 1;
            if (*wait_ms < 0 || ms < *wait_ms)
                *wait_ms = ms;
        }
    }
}

/* One connection after poll: connect completion, reads, due writes, and
 * the close once a side ended and what it sent was delivered. */
static void serve(conn_t *k, short crev, short srev)
{
    if (k->connecting && srev) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(k->s, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            close_conn(k);
            return;
        }
        k->connecting = 0;
        srev = 0;
    }
    if ((crev & (POLLIN | POLLHUP | POLLERR)) && !k->c_eof && serve_read(k, 1) != 0) {
        close_conn(k);
        return;
    }
    if (!k->connecting && (srev & (POLLIN | POLLHUP | POLLERR)) && !k->s_eof
        && serve_read(k, 0) != 0) {
        close_conn(k);
        return;
    }
    if (flush(&k->to_c, k->c) != 0 || (!k->connecting && flush(&k->to_s, k->s) != 0)) {
        close_conn(k);
        return;
    }
    if ((k->c_eof && !k->to_s.head) || (k->s_eof && !k->to_c.head))
        close_conn(k);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pgproxy LISTEN_PORT PG_PORT CONTROL_PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = listen_on(atoi(argv[1])), pg = atoi(argv[2]);
    int cfd = listen_on(atoi(argv[3]));
    for (int i = 0; i < MAXCONN; i++)
        conns[i].c = conns[i].s = -1;
    for (;;) {
        struct pollfd fds[2 + 2 * MAXCONN];
        int map[MAXCONN], n = 2, m = 0;
        long wait_ms = -1;
        double t = now();

        fds[0] = (struct pollfd){ lfd, POLLIN, 0 };
        fds[1] = (struct pollfd){ cfd, POLLIN, 0 };
        for (int i = 0; i < MAXCONN; i++) {
            short ce, se;
            if (conns[i].c < 0)
                continue;
            wanted(&conns[i], t, &ce, &se, &wait_ms);
            map[m++] = i;
            /* A side that ended and is owed nothing: not polled at all
             * (its POLLHUP would wake the loop until the rest is out). */
            fds[n++] = (struct pollfd){ conns[i].c_eof && !ce ? -1 : conns[i].c, ce, 0 };
            fds[n++] = (struct pollfd){ conns[i].s_eof && !se ? -1 : conns[i].s, se, 0 };
        }
        if (wait_ms < 0 || wait_ms > 1000)
            wait_ms = 1000;
        if (poll(fds, (nfds_t)n, (int)wait_ms) < 0 && errno != EINTR)
            return 1;
        /* Every connection is served after a poll: held messages fall due
         * with no event on their sockets. */
        for (int j = 0; j < m; j++) {
            conn_t *k = &conns[map[j]];
            if (k->c >= 0)
                serve(k, fds[2 + 2 * j].revents, fds[3 + 2 * j].revents);
        }
        if (fds[0].revents)
            accept_client(lfd, pg);
        if (fds[1].revents) {
            int c = accept(cfd, NULL, NULL);
            if (c >= 0)
                control(c);
        }
    }
}
