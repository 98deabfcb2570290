/* PostgreSQL going away under a running Apache: a restart is invisible to
 * clients (the module reconnects and re-prepares), an outage answers 503
 * with Retry-After (never 500) and the API recovers by itself.
 * Runs last: it stops and restarts the database. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CONC = 16 };

static int pg_stopped;

/* n concurrent requests mixing every kind of call for (s, rcv); ids[0..nid)
 * are invoices from s to rcv (unpaid ones are not paid here).  Asserts that
 * every one succeeds. */
static void mixed_burst(int s, int rcv, char ids[][37], size_t nid, size_t n,
                        const char *create_body)
{
    it_req_t *qs = calloc(n, sizeof *qs);
    assert_non_null(qs);
    for (size_t i = 0; i < n; i++) {
        const char *id = ids[i % nid];
        switch (i % 6) {
        case 0: it_req(&qs[i], "GET", "/api/sender/invoices", AS(s), NULL, NULL, 0); break;
        case 1: it_req(&qs[i], "GET", P("/api/sender/invoices/%s", id), AS(s), NULL, NULL, 0); break;
        case 2: it_req(&qs[i], "GET", "/api/consumer/invoices", AC(rcv), NULL, NULL, 0); break;
        case 3: it_req(&qs[i], "GET", P("/api/consumer/invoices/%s/file", id), AC(rcv), NULL, NULL, 0); break;
        case 4: it_req(&qs[i], "GET", P("/api/consumer/invoices/sender/%d", s), AC(rcv), NULL, NULL, 0); break;
        default:
            it_req(&qs[i], "POST", "/api/sender/invoices", AS(s), "application/json",
                   create_body, strlen(create_body));
        }
    }
    http_response_t **rs = it_run_many(qs, n);
    for (size_t i = 0; i < n; i++)
        assert_status(rs[i], i % 6 == 5 ? 201 : 200);
    http_free_many(rs, n);
    free(qs);
}

static void restart_pg(void)
{
    pg_stopped = 1;     /* until the command has succeeded */
    run_cmd(it_env.pg_restart);
    pg_stopped = 0;
}

static void t_db_restart_is_transparent(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char *body = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
    char ids[4][37];
    for (int i = 0; i < 4; i++)
        create_tiny(s, rcv, ids[i]);
    /* fill the connection pools (every child, several connections each) */
    mixed_burst(s, rcv, ids, 4, CONC, body);
    mixed_burst(s, rcv, ids, 4, CONC, body);
    long rows = db_count_sender(s);

    restart_pg();

    /* the very next requests: create, list, pay, download */
    char nid[37];
    create_tiny(s, rcv, nid);
    rows++;
    it_list_t l;
    get_list("/api/sender/invoices?limit=1", AS(s), &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.ids[0], nid);
    it_list_free(&l);
    http_response_t *r = api("POST", P("/api/consumer/invoices/%s/pay", ids[0]),
                             AC(rcv), NULL, "", 0);
    json_object *d;
    json_object *root = assert_invoice_response(r, 200, &d);
    assert_false(json_object_get_boolean(json_object_object_get(d, "is_payable")));
    json_object_put(root);
    http_free(r);
    r = api_get(P("/api/consumer/invoices/%s/file", ids[1]), AC(rcv));
    assert_status(r, 200);
    assert_int_equal(r->body_len, it_pdf_len);
    assert_memory_equal(r->body, it_pdf, it_pdf_len);
    http_free(r);

    /* sequential requests, one after the other, each must succeed */
    for (int i = 0; i < 24; i++) {
        r = i % 3 == 0
            ? api_post_json("/api/sender/invoices", AS(s), body)
            : api_get(i % 3 == 1 ? "/api/consumer/invoices" : "/api/sender/invoices",
                      i % 3 == 1 ? AC(rcv) : AS(s));
        assert_status(r, i % 3 == 0 ? 201 : 200);
        if (i % 3 == 0)
            rows++;
        http_free(r);
    }
    /* and concurrently, to reach every pooled connection */
    for (int round = 0; round < 3; round++) {
        mixed_burst(s, rcv, ids + 1, 3, CONC, body);
        rows += (CONC + 0) / 6;   /* one create per six requests */
    }

    /* a second restart, this time followed straight by a burst */
    restart_pg();
    mixed_burst(s, rcv, ids + 1, 3, CONC, body);
    rows += CONC / 6;
    mixed_burst(s, rcv, ids + 1, 3, CONC, body);
    rows += CONC / 6;
    assert_int_equal(db_count_sender(s), rows);
    free(body);
}

/* 503 + Retry-After + problem+json */
#define assert_503(r) do { \
        json_object *p_ = assert_problem((r), 503); \
        json_object_put(p_); \
        const char *ra_ = http_header((r), "Retry-After"); \
        it_check(ra_ && *ra_, "%s: 503 without Retry-After", (r)->what); \
    } while (0)

static void t_db_down_503_then_recovers(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char *body = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
    char id[37];
    create_tiny(s, rcv, id);

    pg_stopped = 1;
    run_cmd(it_env.pg_stop);

    /* every database route, several times (different pooled connections) */
    for (int round = 0; round < 3; round++) {
        http_response_t *rs[8];
        rs[0] = api_post_json("/api/sender/invoices", AS(s), body);
        rs[1] = api_get("/api/sender/invoices", AS(s));
        rs[2] = api_get(P("/api/sender/invoices/%s", id), AS(s));
        rs[3] = api_get("/api/consumer/invoices", AC(rcv));
        rs[4] = api_get(P("/api/consumer/invoices/%s", id), AC(rcv));
        rs[5] = api_get(P("/api/consumer/invoices/sender/%d", s), AC(rcv));
        rs[6] = api("POST", P("/api/consumer/invoices/%s/pay", id), AC(rcv), NULL, "", 0);
        rs[7] = api_get(P("/api/consumer/invoices/%s/file", id), AC(rcv));
        for (int i = 0; i < 8; i++) {
            assert_503(rs[i]);
            http_free(rs[i]);
        }
    }
    /* concurrently too: never a 500 */
    it_req_t qs[CONC];
    for (int i = 0; i < CONC; i++) {
        if (i % 2)
            it_req(&qs[i], "GET", "/api/sender/invoices", AS(s), NULL, NULL, 0);
        else
            it_req(&qs[i], "POST", "/api/sender/invoices", AS(s),
                   "application/json", body, strlen(body));
    }
    http_response_t **many = it_run_many(qs, CONC);
    for (int i = 0; i < CONC; i++)
        assert_503(many[i]);
    http_free_many(many, CONC);

    /* what needs no database is still answered as usual */
    http_response_t *r = api_post_json("/api/sender/invoices", AS(s), "{\"invoice\": 5}");
    json_object *p = assert_problem(r, 400);
    json_object_put(p);
    http_free(r);
    r = api("POST", "/api/sender/invoices", AS(s), "text/plain", body, strlen(body));
    p = assert_problem(r, 415);
    json_object_put(p);
    http_free(r);
    r = api_post_json("/api/sender/invoices", AS(s),
                      "{\"invoice\": {\"receiver_id\": 0, \"file_type\": \"x\", \"content\": \"\"}}");
    assert_field_errors(r, "receiver_id", "file_type", "content");
    http_free(r);
    r = api_get("/api/sender/invoices", NULL);
    p = assert_problem(r, 401);
    json_object_put(p);
    http_free(r);
    r = api_get("/api/sender/invoices?limit=0", AS(s));
    p = assert_problem(r, 400);
    json_object_put(p);
    http_free(r);
    r = api_get("/api/nope", AS(s));
    p = assert_problem(r, 404);
    json_object_put(p);
    http_free(r);
    r = api_get("/api/sender/invoices/not-a-uuid", AS(s));
    p = assert_problem(r, 404);
    json_object_put(p);
    http_free(r);
    r = api("DELETE", "/api/sender/invoices", AS(s), NULL, NULL, 0);
    p = assert_problem(r, 405);
    json_object_put(p);
    http_free(r);

    run_cmd(it_env.pg_start);
    pg_stopped = 0;

    /* back within a few seconds, without touching Apache */
    long status = 0;
    for (int i = 0; i < 100; i++) {
        r = api_get("/api/sender/invoices", AS(s));
        status = r->status;
        it_check(status == 200 || status == 503, "%s while recovering: HTTP %ld: %s",
                 r->what, status, r->body);
        http_free(r);
        if (status == 200)
            break;
        it_sleep_ms(100);
    }
    assert_int_equal(status, 200);
    /* everything works again, on every pooled connection */
    char ids[1][37];
    memcpy(ids[0], id, 37);
    mixed_burst(s, rcv, ids, 1, CONC, body);
    mixed_burst(s, rcv, ids, 1, CONC, body);
    r = api("POST", P("/api/consumer/invoices/%s/pay", id), AC(rcv), NULL, "", 0);
    json_object *root = assert_invoice_response(r, 200, NULL);
    json_object_put(root);
    http_free(r);
    /* nothing was written during the outage: 1 + 2 bursts' creates */
    assert_int_equal(db_count_sender(s), 1 + 2 * (CONC / 6));
    free(body);
}

/* While PostgreSQL restarts, requests may get 503 but nothing else: no
 * 500, no dropped connection.  Afterwards everything works at once. */
static void t_db_restart_under_load_never_500(void **state)
{
    (void)state;
    enum { B = 8 };
    int s = it_new_id(), rcv = it_new_id();
    char *body = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
    char ids[1][37];
    create_tiny(s, rcv, ids[0]);

    fflush(stdout);
    fflush(stderr);
    pg_stopped = 1;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", it_env.pg_restart, (char *)NULL);
        _exit(127);
    }
    long ok = 0, unavailable = 0;
    int done = 0, wstatus = 0;
    /* bounded: the restart script itself gives up after a minute */
    for (int round = 0; round < 2000 && !done; round++) {
        it_req_t qs[B];
        for (int i = 0; i < B; i++) {
            switch (i % 4) {
            case 0: it_req(&qs[i], "GET", "/api/sender/invoices", AS(s), NULL, NULL, 0); break;
            case 1: it_req(&qs[i], "GET", P("/api/consumer/invoices/%s", ids[0]), AC(rcv), NULL, NULL, 0); break;
            case 2: it_req(&qs[i], "GET", P("/api/consumer/invoices/%s/file", ids[0]), AC(rcv), NULL, NULL, 0); break;
            default:
                it_req(&qs[i], "POST", "/api/sender/invoices", AS(s), "application/json",
                       body, strlen(body));
            }
        }
        http_response_t **rs = it_run_many(qs, B);
        for (int i = 0; i < B; i++) {
            long want = i % 4 == 3 ? 201 : 200;
            if (rs[i]->status == want) {
                ok++;
            } else if (rs[i]->status == 503) {
                json_object *p = assert_problem(rs[i], 503);
                json_object_put(p);
                it_check(http_header(rs[i], "Retry-After") != NULL,
                         "%s: 503 without Retry-After", rs[i]->what);
                unavailable++;
            } else {
                assert_status(rs[i], want);   /* fails with the details */
            }
        }
        http_free_many(rs, B);
        if (waitpid(pid, &wstatus, WNOHANG) == pid)
            done = 1;
    }
    if (!done)
        waitpid(pid, &wstatus, 0);
    it_check(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0,
             "%s failed (status %d)", it_env.pg_restart, wstatus);
    pg_stopped = 0;
    print_message("during the restart: %ld answered, %ld got 503\n", ok, unavailable);
    assert_true(ok + unavailable > 0);
    /* PostgreSQL is back: everything succeeds straight away */
    mixed_burst(s, rcv, ids, 1, CONC, body);
    mixed_burst(s, rcv, ids, 1, CONC, body);
    free(body);
}

/* Leave PostgreSQL running whatever happened in the test. */
static int pg_ensure_running(void **state)
{
    (void)state;
    if (pg_stopped) {
        fflush(stdout);
        if (system(it_env.pg_start) != 0)
            fprintf(stderr, "could not start PostgreSQL again: %s\n",
                    it_env.pg_start);
        pg_stopped = 0;
    }
    return 0;
}

const struct CMUnitTest it_tests_db[] = {
    cmocka_unit_test_teardown(t_db_restart_is_transparent, pg_ensure_running),
    cmocka_unit_test_teardown(t_db_restart_under_load_never_500, pg_ensure_running),
    cmocka_unit_test_teardown(t_db_down_503_then_recovers, pg_ensure_running),
};
IT_DEFINE_COUNT(db);
