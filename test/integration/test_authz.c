/* The authorization matrix: every route x every kind of caller, with the
 * status each must get.  A new route is one more row of `routes`.
 *
 * For each row a fresh invoice is created by sender S for receiver R; the
 * callers are, in this order (the right one last, so that a pay by anyone
 * else would turn the right caller's 200 into a 409):
 *   none          no Authorization header
 *   wrong role    the right id with the other role ("consumer S" on a
 *                 sender route, "sender R" on a consumer route)
 *   other cons.   "consumer Y", Y a fresh id
 *   other sender  "sender X", X a fresh id
 *   right         "sender S" on sender routes, "consumer R" on consumer ones
 * Expected values: an HTTP status, or IN / OUT for a 200 list that must /
 * must not contain the invoice, EV_IN / EV_OUT for a 200 events feed that
 * must / must not hold an event of it.
 *
 * The table is written for the `header` identity source; the same matrix
 * runs against a mount of every other source (test/apache/run.sh sets
 * INVOICE_IT_IDENTITY and INVOICE_IT_MOUNT), with the statuses that follow
 * from how each names a caller (expected_in_mode):
 *   basic  (remote-user, user name N): a party acts in the route's role, so
 *          "wrong role" is the right caller again (skipped) and the other
 *          consumer Y on a sender route is simply another sender;
 *   dbd, cert  (expr=, values sender:N / consumer:N): a value of the other
 *          role is refused with 403.
 * Without credentials Apache's auth modules answer 401 (dbd, basic), or the
 * module does (cert: no certificate, an empty identity). */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"
#include "identity.h"
#include "lifecycle_util.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NONE, WRONG_ROLE, OTHER_CONSUMER, OTHER_SENDER, RIGHT, NCALLERS };
static const char *const caller_names[NCALLERS] = {
    "no header", "wrong role", "other consumer", "other sender", "right caller"};

#define IN 2001    /* 200, a list holding the invoice */
#define OUT 2000   /* 200, a list without it */
#define EV_IN 2003  /* 200, an events feed with an event of the invoice */
#define EV_OUT 2002 /* 200, an events feed without any */
#define IS_PAGE(w) ((w) == IN || (w) == OUT || (w) == EV_IN || (w) == EV_OUT)
#define SKIP 0     /* not a distinct caller in this mode */

typedef enum { B_NONE, B_JSON, B_MULTIPART, B_RAW } body_kind_t;

typedef struct {
    const char *method;
    const char *path;      /* {id} and {sender} are filled in */
    int consumer;          /* the route's role */
    body_kind_t body;
    int expect[NCALLERS];
} route_row_t;

static const route_row_t routes[] = {
    /* method  path                                    cons body          none wrong oth.c oth.s right */
    {"POST", "/api/sender/invoices",                     0, B_JSON,      {401, 401, 401, 201, 201}},
    {"POST", "/api/sender/uploads",                      0, B_MULTIPART, {401, 401, 401, 201, 201}},
    {"POST", "/api/sender/uploads?receiver_id={rcv}",    0, B_RAW,       {401, 401, 401, 201, 201}},
    {"GET",  "/api/sender/invoices",                     0, B_NONE,      {401, 401, 401, OUT, IN}},
    {"HEAD", "/api/sender/invoices",                     0, B_NONE,      {401, 401, 401, 200, 200}},
    {"GET",  "/api/sender/invoices/{id}",                0, B_NONE,      {401, 401, 401, 404, 200}},
    {"HEAD", "/api/sender/invoices/{id}",                0, B_NONE,      {401, 401, 401, 404, 200}},
    {"GET",  "/api/consumer/invoices",                   1, B_NONE,      {401, 401, OUT, 401, IN}},
    {"GET",  "/api/consumer/invoices/{id}",              1, B_NONE,      {401, 401, 404, 401, 200}},
    {"GET",  "/api/consumer/invoices/sender/{sender}",   1, B_NONE,      {401, 401, OUT, 401, IN}},
    {"GET",  "/api/consumer/invoices/{id}/file",         1, B_NONE,      {401, 401, 404, 401, 200}},
    {"HEAD", "/api/consumer/invoices/{id}/file",         1, B_NONE,      {401, 401, 404, 401, 200}},
    {"POST", "/api/consumer/invoices/{id}/pay",          1, B_NONE,      {401, 401, 404, 401, 200}},
    {"POST", "/api/sender/invoices/{id}/void",           0, B_NONE,      {401, 401, 401, 404, 200}},
    {"GET",  "/api/sender/events",                       0, B_NONE,      {401, 401, 401, EV_OUT, EV_IN}},
    {"HEAD", "/api/sender/events",                       0, B_NONE,      {401, 401, 401, 200, 200}},
    {"GET",  "/api/consumer/events",                     1, B_NONE,      {401, 401, EV_OUT, 401, EV_IN}},
    {"GET",  "/api/sender/invoices/{id}/events",         0, B_NONE,      {401, 401, 401, 404, EV_IN}},
    {"GET",  "/api/consumer/invoices/{id}/events",       1, B_NONE,      {401, 401, 404, 401, EV_IN}},
};

/* path with {id}, {sender} and {rcv} replaced */
static void fill(char *out, size_t cap, const char *tmpl, const char *id,
                 int sender, int rcv)
{
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 1 < cap;) {
        if (strncmp(p, "{id}", 4) == 0) {
            o += (size_t)snprintf(out + o, cap - o, "%s", id);
            p += 4;
        } else if (strncmp(p, "{sender}", 8) == 0) {
            o += (size_t)snprintf(out + o, cap - o, "%d", sender);
            p += 8;
        } else if (strncmp(p, "{rcv}", 5) == 0) {
            o += (size_t)snprintf(out + o, cap - o, "%d", rcv);
            p += 5;
        } else {
            out[o++] = *p++;
        }
    }
    out[o < cap ? o : cap - 1] = '\0';
}

/* Does the page hold the invoice (key "id" of a list, "invoice_id" of an
 * events feed)? */
static int list_has(const http_response_t *r, const char *id, const char *key)
{
    json_object *o = json_tokener_parse(r->body);
    int found = 0;
    json_object *data = o ? json_object_object_get(o, "data") : NULL;
    for (size_t i = 0; data && i < json_object_array_length(data); i++) {
        const char *x = json_object_get_string(json_object_object_get(
            json_object_array_get_idx(data, i), key));
        if (x && strcmp(x, id) == 0)
            found = 1;
    }
    json_object_put(o);
    return found;
}

/* What caller c must get on row in the current identity mode. */
static int expected_in_mode(const route_row_t *row, int c)
{
    it_identity_t mode = it_identity_mode();
    /* the other party whose role is not the route's */
    int other_role = row->consumer ? OTHER_SENDER : OTHER_CONSUMER;

    if (mode == IT_ID_HEADER || c == RIGHT)
        return row->expect[c];
    if (c == NONE)
        return 401;
    if (mode == IT_ID_BASIC) {
        if (c == WRONG_ROLE)
            return SKIP;
        /* either other party acts in the route's role */
        return row->expect[row->consumer ? OTHER_CONSUMER : OTHER_SENDER];
    }
    return c == WRONG_ROLE || c == other_role ? 403 : row->expect[c];
}

/* The WWW-Authenticate a 401 of this mode carries (NULL: none). */
static const char *challenge_of(const route_row_t *row)
{
    switch (it_identity_mode()) {
    case IT_ID_HEADER:
        return row->consumer ? "consumer realm=\"mod_invoice\""
                             : "sender realm=\"mod_invoice\"";
    case IT_ID_CERT:
        return NULL;
    default:
        return "Basic realm=";  /* the AuthName of the test's mounts */
    }
}

static void check_401(const http_response_t *r, const route_row_t *row,
                      int c)
{
    const char *want = challenge_of(row);
    const char *got = http_header(r, "WWW-Authenticate");

    if (want == NULL)
        return;
    it_check(got != NULL && strncmp(got, want, strlen(want)) == 0,
             "%s %s as %s: 401 with WWW-Authenticate \"%s\", want \"%s...\"",
             row->method, row->path, caller_names[c], got ? got : "(none)", want);
}

/* The request body of a row, addressed to rcv. */
static const char *row_body(const route_row_t *row, int rcv, buf_t *body)
{
    if (row->body == B_JSON) {
        char *j = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
        buf_adds(body, j);
        free(j);
        return "application/json";
    }
    if (row->body == B_MULTIPART) {
        mp_field(body, "receiver_id", P("%d", rcv));
        mp_part(body, "file", "application/pdf", it_pdf, it_pdf_len);
        mp_close(body);
        return MP_CTYPE;
    }
    if (row->body == B_RAW) {
        buf_add(body, it_pdf, it_pdf_len);
        return "application/pdf";
    }
    return NULL;
}

typedef struct {
    const route_row_t *row;
    const char *path, *id, *ctype;
    const buf_t *body;
    int party[NCALLERS];        /* the id each caller acts with */
    int as_consumer[NCALLERS];  /* and in which role it names itself */
} row_run_t;

static void check_caller(const row_run_t *run, int c)
{
    const route_row_t *row = run->row;
    int want = expected_in_mode(row, c);
    long status = IS_PAGE(want) ? 200 : want;
    it_cred_t cred;
    int acting = run->party[c];
    long before = row->body ? db_count_sender(acting) : 0;
    http_response_t *r;

    it_credentials(run->as_consumer[c], c == NONE ? 0 : run->party[c], &cred);
    r = it_api_as(row->method, run->path, &cred, run->ctype,
                  row->body ? run->body->data : NULL, run->body->len);
    if (r->status != status)
        it_fail(__FILE__, __LINE__, "%s %s as %s: HTTP %ld, expected %ld: "
                "%.300s", row->method, run->path, caller_names[c], r->status,
                status, r->body);
    if (status >= 400 && strcmp(row->method, "HEAD") != 0)
        json_object_put(assert_problem(r, status));
    if (status == 401)
        check_401(r, row, c);
    if (IS_PAGE(want)) {
        int ev = want == EV_IN || want == EV_OUT;
        int has = list_has(r, run->id, ev ? "invoice_id" : "id");
        it_check(has == (want == IN || want == EV_IN),
                 "%s %s as %s: the %s %s the invoice",
                 row->method, row->path, caller_names[c],
                 ev ? "events page" : "list", has ? "holds" : "lacks");
    }
    if (status == 201) {
        /* created for the caller, not for anyone else */
        json_object *data;
        json_object *root = assert_invoice_response(r, 201, &data);
        assert_int_equal(json_object_get_int64(json_object_object_get(data, "sender_id")),
                         acting);
        json_object_put(root);
    }
    /* a refused create stores nothing */
    if (row->body && status != 201)
        assert_int_equal(db_count_sender(acting), before);
    http_free(r);
}

static void t_authz_matrix(void **state)
{
    (void)state;
    const char *mount = it_identity_mount();
    int checked = 0;
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        const route_row_t *row = &routes[i];
        int s = it_new_id(), rcv = it_new_id();
        int x = it_new_id(), y = it_new_id();
        char id[37], path[256];
        buf_t body = {0};
        create_tiny(s, rcv, id);    /* through the header mount, /api */
        /* its invoice.created event shows within 1 s of the commit; waited
         * for (up to 10 s: not what is tested here) */
        if (strstr(row->path, "events"))
            it_check(lc_wait_event("/api/sender/events", AS(s), id, NULL, 10000),
                     "the created event of %s never showed", id);
        fill(path, sizeof path, row->path, id, s, rcv);
        /* the checks go to the mount under test */
        memmove(path + strlen(mount), path + 4, strlen(path + 4) + 1);
        memcpy(path, mount, strlen(mount));

        row_run_t run = { row, path, id, NULL, &body,
            /* none, wrong role, other consumer, other sender, right */
            { 0, row->consumer ? rcv : s, y, x, row->consumer ? rcv : s },
            { 0, !row->consumer, 1, 0, row->consumer } };
        run.ctype = row_body(row, rcv, &body);
        for (int c = 0; c < NCALLERS; c++) {
            if (expected_in_mode(row, c) == SKIP)
                continue;
            check_caller(&run, c);
            checked++;
        }
        buf_free(&body);
        /* nobody but the right caller paid it */
        if (strstr(row->path, "/pay")) {
            db_invoice_t inv;
            db_get_invoice(id, &inv);
            assert_true(inv.paid);
        }
        /* nobody but the right caller voided it */
        if (strstr(row->path, "/void")) {
            lc_row_t lr;
            lc_db_row(id, &lr);
            assert_int_equal(lr.status, 3);
        }
    }
    print_message("%d route x caller combinations checked (%s at %s)\n",
                  checked, getenv("INVOICE_IT_IDENTITY") ? getenv("INVOICE_IT_IDENTITY")
                                                         : "header", mount);
}

const struct CMUnitTest it_tests_authz[] = {
    cmocka_unit_test(t_authz_matrix),
};
IT_DEFINE_COUNT(authz);
