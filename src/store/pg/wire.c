/* One exchange with PostgreSQL under a deadline.  See wire.h. */
#include "store/pg/wire.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

/* Wait for the socket to allow `events` (POLLIN, POLLOUT): ANSWERED when it
 * does, TIMEOUT, or BROKEN. */
static invoice_pg_wait_t wait_socket(PGconn *c, short events, apr_time_t at)
{
    for (;;) {
        struct pollfd p = { PQsocket(c), events, 0 };
        apr_interval_time_t left = at - apr_time_now();
        int n;

        if (p.fd < 0) {
            return INVOICE_PG_BROKEN;
        }
        if (left <= 0) {
            return INVOICE_PG_TIMEOUT;
        }
        n = poll(&p, 1, (int)((left + 999) / 1000));
        if (n > 0) {
            return INVOICE_PG_ANSWERED;
        }
        if (n < 0 && errno != EINTR) {
            return INVOICE_PG_BROKEN;
        }
    }
}

/* The socket moved bytes: a transfer's deadline moves on. */
static void progressed(invoice_pg_deadline_t *dl)
{
    if (dl->progress > 0) {
        dl->at = apr_time_now() + dl->progress;
    }
}

static int send_call(PGconn *c, const invoice_pg_call_t *call)
{
    const invoice_pg_params_t *ps = call->ps;

    switch (call->kind) {
    case INVOICE_PG_CALL_PREPARED:
        return PQsendQueryPrepared(c, call->name, ps->n, ps->values,
                                   ps->lengths, ps->formats, call->binary);
    case INVOICE_PG_CALL_PREPARE:
        return PQsendPrepare(c, call->name, call->sql, 0, NULL);
    default:
        return PQsendQuery(c, call->sql);
    }
}

invoice_pg_wait_t invoice_pg_flush(PGconn *c, invoice_pg_deadline_t *dl)
{
    for (;;) {
        int pending = PQflush(c);
        invoice_pg_wait_t w;

        if (pending == 0) {
            return INVOICE_PG_ANSWERED;
        }
        if (pending < 0) {
            return INVOICE_PG_BROKEN;
        }
        w = wait_socket(c, POLLIN | POLLOUT, dl->at);
        if (w != INVOICE_PG_ANSWERED) {
            return w;
        }
        /* libpq's advice: read while writing, or a server that is
         * itself blocked writing to us would never read. */
        if (!PQconsumeInput(c)) {
            return INVOICE_PG_BROKEN;
        }
        progressed(dl);
    }
}

/* The results available without waiting: the last kept in *last.  1 when
 * the call is complete, 0 when more must be read. */
static int take_results(PGconn *c, PGresult **last)
{
    while (!PQisBusy(c)) {
        PGresult *res = PQgetResult(c);
        ExecStatusType rs;

        if (res == NULL) {
            return 1;
        }
        rs = PQresultStatus(res);
        PQclear(*last);
        *last = res;
        if (rs == PGRES_COPY_IN || rs == PGRES_COPY_OUT) {
            return 1;       /* every later call would return it again */
        }
    }
    return 0;
}

invoice_pg_wait_t invoice_pg_collect(PGconn *c, invoice_pg_deadline_t *dl,
                                     PGresult **out)
{
    PGresult *last = NULL;

    for (;;) {
        invoice_pg_wait_t w;

        if (take_results(c, &last)) {
            *out = last;
            return last != NULL || PQstatus(c) == CONNECTION_OK
                       ? INVOICE_PG_ANSWERED : INVOICE_PG_BROKEN;
        }
        w = wait_socket(c, POLLIN, dl->at);
        if (w == INVOICE_PG_ANSWERED && !PQconsumeInput(c)) {
            w = INVOICE_PG_BROKEN;
        }
        if (w != INVOICE_PG_ANSWERED) {
            PQclear(last);
            *out = NULL;
            return w;
        }
        progressed(dl);
    }
}

invoice_pg_wait_t invoice_pg_exchange(PGconn *c, const invoice_pg_call_t *call,
                                      invoice_pg_deadline_t *dl,
                                      PGresult **out)
{
    invoice_pg_wait_t w;

    *out = NULL;
    if (!send_call(c, call)) {
        /* libpq's reason is in PQerrorMessage; a result says it too. */
        *out = PQmakeEmptyPGresult(c, PGRES_FATAL_ERROR);
        return PQstatus(c) == CONNECTION_OK ? INVOICE_PG_ANSWERED
                                            : INVOICE_PG_BROKEN;
    }
    w = invoice_pg_flush(c, dl);
    return w == INVOICE_PG_ANSWERED ? invoice_pg_collect(c, dl, out) : w;
}

int invoice_pg_reconnect(PGconn *c, apr_time_t deadline)
{
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;

    if (!PQresetStart(c)) {
        return 0;
    }
    while (st != PGRES_POLLING_OK) {
        if (st == PGRES_POLLING_FAILED
            || wait_socket(c, st == PGRES_POLLING_READING ? POLLIN : POLLOUT,
                           deadline) != INVOICE_PG_ANSWERED) {
            invoice_pg_kill(c);     /* half-open: whoever is next redoes it */
            return 0;
        }
        st = PQresetPoll(c);
    }
    return PQsetnonblocking(c, 1) == 0;
}

int invoice_pg_drain(PGconn *c)
{
    if (!PQconsumeInput(c)) {
        return -1;
    }
    while (!PQisBusy(c)) {
        PGresult *res = PQgetResult(c);
        ExecStatusType rs;

        if (res == NULL) {
            return 1;
        }
        rs = PQresultStatus(res);
        PQclear(res);
        if (rs == PGRES_COPY_IN || rs == PGRES_COPY_OUT) {
            return -1;      /* a COPY cannot be finished from here */
        }
    }
    return 0;
}

void invoice_pg_kill(PGconn *c)
{
    int fd = PQsocket(c);

    if (fd >= 0) {
        shutdown(fd, SHUT_RDWR);
        (void)PQconsumeInput(c);    /* reads the end: CONNECTION_BAD */
    }
}
