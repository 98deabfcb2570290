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
 * must not contain the invoice. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NONE, WRONG_ROLE, OTHER_CONSUMER, OTHER_SENDER, RIGHT, NCALLERS };
static const char *const caller_names[NCALLERS] = {
    "no header", "wrong role", "other consumer", "other sender", "right caller"};

#define IN 2001    /* 200, a list holding the invoice */
#define OUT 2000   /* 200, a list without it */

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

static int list_has(const http_response_t *r, const char *id)
{
    json_object *o = json_tokener_parse(r->body);
    int found = 0;
    json_object *data = o ? json_object_object_get(o, "data") : NULL;
    for (size_t i = 0; data && i < json_object_array_length(data); i++) {
        const char *x = json_object_get_string(json_object_object_get(
            json_object_array_get_idx(data, i), "id"));
        if (x && strcmp(x, id) == 0)
            found = 1;
    }
    json_object_put(o);
    return found;
}

static void t_authz_matrix(void **state)
{
    (void)state;
    int checked = 0;
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        const route_row_t *row = &routes[i];
        int s = it_new_id(), rcv = it_new_id();
        int x = it_new_id(), y = it_new_id();
        char id[37];
        create_tiny(s, rcv, id);
        char path[256];
        fill(path, sizeof path, row->path, id, s, rcv);

        char auth[NCALLERS][64];
        auth[NONE][0] = '\0';
        snprintf(auth[WRONG_ROLE], 64, row->consumer ? "sender %d" : "consumer %d",
                 row->consumer ? rcv : s);
        snprintf(auth[OTHER_CONSUMER], 64, "consumer %d", y);
        snprintf(auth[OTHER_SENDER], 64, "sender %d", x);
        snprintf(auth[RIGHT], 64, row->consumer ? "consumer %d" : "sender %d",
                 row->consumer ? rcv : s);

        /* the request body, addressed to R */
        buf_t body = {0};
        const char *ctype = NULL;
        if (row->body == B_JSON) {
            char *j = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
            buf_adds(&body, j);
            free(j);
            ctype = "application/json";
        } else if (row->body == B_MULTIPART) {
            mp_field(&body, "receiver_id", P("%d", rcv));
            mp_part(&body, "file", "application/pdf", it_pdf, it_pdf_len);
            mp_close(&body);
            ctype = MP_CTYPE;
        } else if (row->body == B_RAW) {
            buf_add(&body, it_pdf, it_pdf_len);
            ctype = "application/pdf";
        }

        for (int c = 0; c < NCALLERS; c++) {
            int want = row->expect[c];
            const char *a = c == NONE ? NULL : auth[c];
            long before = row->body ? db_count_sender(c == OTHER_SENDER ? x : s) : 0;
            http_response_t *r = api(row->method, path, a, ctype,
                                     row->body ? body.data : NULL, body.len);
            long status = want == IN || want == OUT ? 200 : want;
            if (r->status != status)
                it_fail(__FILE__, __LINE__, "%s %s as %s (%s): HTTP %ld, "
                        "expected %ld: %.300s", row->method, row->path,
                        caller_names[c], a ? a : "-", r->status, status, r->body);
            int head = strcmp(row->method, "HEAD") == 0;
            if (status >= 400 && !head) {
                json_object *p = assert_problem(r, status);
                json_object_put(p);
            }
            if (status == 401) {
                it_check(http_header(r, "WWW-Authenticate") != NULL,
                         "%s %s as %s: 401 without WWW-Authenticate",
                         row->method, row->path, caller_names[c]);
                assert_header(r, "WWW-Authenticate",
                              row->consumer ? "consumer realm=\"mod_invoice\""
                                            : "sender realm=\"mod_invoice\"");
            }
            if (want == IN || want == OUT) {
                int has = list_has(r, id);
                it_check(has == (want == IN), "%s %s as %s: the list %s the "
                         "invoice", row->method, row->path, caller_names[c],
                         has ? "holds" : "lacks");
            }
            if (status == 201) {
                /* created for the caller, not for anyone else */
                json_object *data;
                json_object *root = assert_invoice_response(r, 201, &data);
                assert_int_equal(json_object_get_int64(json_object_object_get(data, "sender_id")),
                                 c == OTHER_SENDER ? x : s);
                json_object_put(root);
            }
            /* a refused create stores nothing */
            if (row->body && status != 201)
                assert_int_equal(db_count_sender(c == OTHER_SENDER ? x : s), before);
            http_free(r);
            checked++;
        }
        buf_free(&body);
        /* nobody but the right caller paid it */
        if (strstr(row->path, "/pay")) {
            db_invoice_t inv;
            db_get_invoice(id, &inv);
            assert_true(inv.paid);
        }
    }
    print_message("%d route x caller combinations checked\n", checked);
}

const struct CMUnitTest it_tests_authz[] = {
    cmocka_unit_test(t_authz_matrix),
};
IT_DEFINE_COUNT(authz);
