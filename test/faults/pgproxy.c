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
 *   delay MS            hold every message MS milliseconds each way
 *   dropped             how many replies were swallowed so far
 * A commit is a Sync outside an explicit transaction block (the implicit
 * transaction of one extended-protocol statement) or a simple COMMIT. */
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
#define BUF (1 << 20)

typedef struct {
    unsigned char *data;
    size_t len;
} buf_t;

typedef struct {
    int c, s;               /* client and server sockets, -1 when closed */
    buf_t from_c, from_s;   /* bytes not yet forwarded */
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

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void append(buf_t *b, const unsigned char *d, size_t n)
{
    b->data = realloc(b->data, b->len + n);
    memcpy(b->data + b->len, d, n);
    b->len += n;
}

static void consume(buf_t *b, size_t n)
{
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

static void close_conn(conn_t *k)
{
    if (k->c >= 0) close(k->c);
    if (k->s >= 0) close(k->s);
    free(k->from_c.data);
    free(k->from_s.data);
    memset(k, 0, sizeof *k);
    k->c = k->s = -1;
}

static int write_all(int fd, const unsigned char *d, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, d, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        d += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A client message (type t, body of n bytes): does it commit? */
static int is_commit(conn_t *k, char t, const unsigned char *body, size_t n)
{
    if (t == 'S')
        return k->status == 'I';
    return t == 'Q' && n >= 6 && strncasecmp((const char *)body, "COMMIT", 6) == 0;
}

/* Forward whole client messages; watch for the armed statement and the
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
        if (delay_ms)
            usleep((useconds_t)delay_ms * 1000);
        if (write_all(k->s, p, need) != 0)
            return -1;
        consume(&k->from_c, need);
    }
    return 0;
}

/* Forward whole server messages, noting the transaction status; swallow
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
        if (delay_ms)
            usleep((useconds_t)delay_ms * 1000);
        if (write_all(k->c, p, need) != 0)
            return -1;
        consume(&k->from_s, need);
    }
    return 0;
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
    else if (sscanf(line, "delay %ld", &ms) == 1)
        delay_ms = ms;
    else if (strncmp(line, "dropped", 7) == 0)
        snprintf(reply, sizeof reply, "%ld\n", dropped);
    else
        strcpy(reply, "?\n");
    write_all(fd, (const unsigned char *)reply, strlen(reply));
    close(fd);
}

static void accept_client(int lfd, int pg_port)
{
    int c = accept(lfd, NULL, NULL), s;

    if (c < 0)
        return;
    if (now() < refuse_until || (s = connect_to(pg_port)) < 0) {
        close(c);               /* the network is down */
        return;
    }
    for (int i = 0; i < MAXCONN; i++) {
        if (conns[i].c < 0) {
            conns[i].c = c;
            conns[i].s = s;
            conns[i].status = 'I';
            return;
        }
    }
    close(c);
    close(s);
}

/* Read what a side has and forward it; close the pair on EOF or error. */
static void serve(conn_t *k, int from_client)
{
    unsigned char tmp[65536];
    ssize_t n = read(from_client ? k->c : k->s, tmp, sizeof tmp);

    if (n <= 0) {
        close_conn(k);
        return;
    }
    append(from_client ? &k->from_c : &k->from_s, tmp, (size_t)n);
    if ((from_client ? pump_client(k) : pump_server(k)) != 0)
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
        int map[2 * MAXCONN], n = 0;

        fds[n++] = (struct pollfd){ lfd, POLLIN, 0 };
        fds[n++] = (struct pollfd){ cfd, POLLIN, 0 };
        for (int i = 0; i < MAXCONN; i++) {
            if (conns[i].c < 0)
                continue;
            map[n - 2] = i;
            fds[n++] = (struct pollfd){ conns[i].c, POLLIN, 0 };
            map[n - 2] = i + MAXCONN;
            fds[n++] = (struct pollfd){ conns[i].s, POLLIN, 0 };
        }
        if (poll(fds, (nfds_t)n, 1000) < 0 && errno != EINTR)
            return 1;
        if (fds[0].revents)
            accept_client(lfd, pg);
        if (fds[1].revents) {
            int c = accept(cfd, NULL, NULL);
            if (c >= 0)
                control(c);
        }
        for (int j = 2; j < n; j++) {
            int i = map[j - 2] % MAXCONN;
            if (fds[j].revents && conns[i].c >= 0)
                serve(&conns[i], map[j - 2] < MAXCONN);
        }
    }
}
