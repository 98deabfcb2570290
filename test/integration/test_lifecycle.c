/* The lifecycle of an invoice (issue 15): open -> paid | void.  Void by
 * the sender (200, then 409 on a paid or void invoice), pay of a void
 * invoice (409 saying it was voided), concurrent void/pay races (exactly
 * one wins), the first download's receipt (later downloads write nothing),
 * and ?status= on the three list shapes. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"
#include "lifecycle_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An Invoice answer's status and one of its members */
static void expect_invoice(http_response_t *r, long st, const char *status,
                           json_object **copy)
{
    json_object *d;
    json_object *root = assert_invoice_response(r, st, &d);
    assert_string_equal(lc_str(d, "status"), status);
    if (copy)
        *copy = json_object_get(d);
    json_object_put(root);
}

static void expect_conflict(http_response_t *r, const char *needle)
{
    json_object *p = assert_problem(r, 409);
    it_check(strstr(lc_str(p, "detail"), needle) != NULL,
             "%s: the 409 detail \"%s\" does not say \"%s\"", r->what,
             lc_str(p, "detail"), needle);
    json_object_put(p);
}

static void t_void_then_conflicts(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    lc_create(s, rcv, "\"amount\": 100, \"currency\": \"EUR\"", id);

    http_response_t *r = lc_void(s, id);
    json_object *d;
    expect_invoice(r, 200, "void", &d);
    assert_false(json_object_get_boolean(json_object_object_get(d, "is_payable")));
    assert_true(it_is_rfc3339_utc(lc_str(d, "voided_at")));
    assert_true(lc_is_null(d, "paid_at"));
    assert_int_equal(json_object_get_int64(json_object_object_get(d, "amount")), 100);
    char voided_at[64];
    snprintf(voided_at, sizeof voided_at, "%s", lc_str(d, "voided_at"));
    json_object_put(d);
    http_free(r);

    /* again: 409, and voided_at does not move */
    r = lc_void(s, id);
    expect_conflict(r, "voided");
    http_free(r);
    /* pay of a void invoice: 409 saying it was voided */
    r = lc_pay(rcv, id);
    expect_conflict(r, "voided");
    http_free(r);
    /* both parties see it void */
    r = api_get(P("/api/consumer/invoices/%s", id), AC(rcv));
    expect_invoice(r, 200, "void", &d);
    assert_string_equal(lc_str(d, "voided_at"), voided_at);
    json_object_put(d);
    http_free(r);
    db_invoice_t row;
    db_get_invoice(id, &row);
    assert_false(row.paid);
    assert_false(row.is_payable);
}

static void t_void_of_paid(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    lc_create(s, rcv, "", id);
    http_response_t *r = lc_pay(rcv, id);
    json_object *d;
    expect_invoice(r, 200, "paid", &d);
    assert_false(json_object_get_boolean(json_object_object_get(d, "is_payable")));
    assert_true(lc_is_null(d, "voided_at"));
    json_object_put(d);
    http_free(r);
    r = lc_void(s, id);
    expect_conflict(r, "paid");
    http_free(r);
    r = api_get(P("/api/sender/invoices/%s", id), AS(s));
    expect_invoice(r, 200, "paid", NULL);
    http_free(r);
}

/* scoped like every lookup: another sender's, the receiver, unknown: 404 */
static void t_void_scoping(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37], unknown[37];
    lc_create(s, rcv, "", id);
    http_response_t *r = lc_void(it_new_id(), id);
    json_object_put(assert_problem(r, 404));
    http_free(r);
    it_random_uuid(unknown);
    r = lc_void(s, unknown);
    json_object_put(assert_problem(r, 404));
    http_free(r);
    r = api("POST", P("/api/sender/invoices/%s/void", id), AC(rcv), NULL, NULL, 0);
    json_object_put(assert_problem(r, 401));
    http_free(r);
    r = api("POST", P("/api/consumer/invoices/%s/void", id), AC(rcv), NULL, NULL, 0);
    assert_4xx_problem(r);
    it_check(r->status == 404 || r->status == 405, "consumer void: HTTP %ld", r->status);
    http_free(r);
    r = api("GET", P("/api/sender/invoices/%s/void", id), AS(s), NULL, NULL, 0);
    json_object_put(assert_problem(r, 405));
    it_check(it_allow_has(http_header(r, "Allow") ? http_header(r, "Allow") : "", "POST"),
             "405 without Allow: POST");
    http_free(r);
    r = api_get(P("/api/sender/invoices/%s", id), AS(s));
    expect_invoice(r, 200, "open", NULL);
    http_free(r);
}

/* 20 races of a pay against a void: exactly one wins, the loser gets 409,
 * and the row agrees with the winner. */
static void t_void_pay_race(void **state)
{
    (void)state;
    enum { RACES = 20 };
    int s = it_new_id(), rcv = it_new_id();
    int paid_wins = 0, void_wins = 0;
    for (int k = 0; k < RACES; k++) {
        char id[37];
        lc_create(s, rcv, "", id);
        it_req_t qs[2];
        /* alternate who is sent first */
        int pay = k % 2, vd = 1 - pay;
        it_req(&qs[pay], "POST", P("/api/consumer/invoices/%s/pay", id), AC(rcv),
               NULL, NULL, 0);
        it_req(&qs[vd], "POST", P("/api/sender/invoices/%s/void", id), AS(s),
               NULL, NULL, 0);
        http_response_t **rs = it_run_many(qs, 2);
        long ps = rs[pay]->status, vs = rs[vd]->status;
        it_check((ps == 200 && vs == 409) || (ps == 409 && vs == 200),
                 "race %d: pay HTTP %ld, void HTTP %ld (%.200s / %.200s)", k, ps,
                 vs, rs[pay]->body, rs[vd]->body);
        const char *want = ps == 200 ? "paid" : "void";
        expect_invoice(rs[ps == 200 ? pay : vd], 200, want, NULL);
        expect_conflict(rs[ps == 200 ? vd : pay], ps == 200 ? "paid" : "voided");
        lc_row_t row;
        lc_db_row(id, &row);
        assert_int_equal(row.status, ps == 200 ? 2 : 3);
        /* one event for the winner, none for the loser */
        const char *n = lc_db_value("SELECT count(*) FROM invoice_events WHERE "
                                    "invoice_id = $1::uuid AND type IN (2, 3)", id);
        assert_string_equal(n, "1");
        paid_wins += ps == 200;
        void_wins += vs == 200;
        http_free_many(rs, 2);
    }
    print_message("void/pay races: %d won by pay, %d by void\n", paid_wins, void_wins);
}

/* concurrent voids: one 200, the others 409 */
static void t_void_concurrent_voids(void **state)
{
    (void)state;
    enum { N = 6 };
    int s = it_new_id();
    char id[37];
    lc_create(s, it_new_id(), "", id);
    it_req_t qs[N];
    for (int i = 0; i < N; i++)
        it_req(&qs[i], "POST", P("/api/sender/invoices/%s/void", id), AS(s),
               NULL, NULL, 0);
    http_response_t **rs = it_run_many(qs, N);
    int ok = 0;
    for (int i = 0; i < N; i++) {
        if (rs[i]->status == 200)
            ok++;
        else
            expect_conflict(rs[i], "voided");
    }
    http_free_many(rs, N);
    assert_int_equal(ok, 1);
    assert_string_equal(lc_db_value("SELECT count(*) FROM invoice_events WHERE "
                                    "invoice_id = $1::uuid AND type = 3", id), "1");
}

static http_response_t *download(int rcv, const char *id, const char *method,
                                 const char *range)
{
    char ah[64], rh[64];
    const char *hs[3] = {ah, NULL, NULL};
    snprintf(ah, sizeof ah, "Authorization: %s", AC(rcv));
    if (range) {
        snprintf(rh, sizeof rh, "Range: %s", range);
        hs[1] = rh;
    }
    return http_request(method, P("/api/consumer/invoices/%s/file", id), hs,
                         NULL, 0);
}

static const char *first_download_of(const char *id, int s)
{
    static char at[64];
    http_response_t *r = api_get(P("/api/sender/invoices/%s", id), AS(s));
    json_object *d;
    json_object *root = assert_invoice_response(r, 200, &d);
    snprintf(at, sizeof at, "%s", lc_str(d, "first_downloaded_at"));
    json_object_put(root);
    http_free(r);
    return at;
}

/* The first download sets first_downloaded_at; later ones (and HEAD
 * before) do not write to the database at all. */
static void t_first_download_receipt(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    lc_create(s, rcv, "", id);
    lc_row_t before, after, later;
    lc_db_row(id, &before);

    /* HEAD moves no bytes: no receipt, no write */
    http_response_t *r = download(rcv, id, "HEAD", NULL);
    assert_status(r, 200);
    http_free(r);
    lc_db_row(id, &after);
    assert_string_equal(after.xmin, before.xmin);
    assert_string_equal(first_download_of(id, s), "");
    /* neither does another consumer's try (404) */
    r = download(it_new_id(), id, "GET", NULL);
    json_object_put(assert_problem(r, 404));
    http_free(r);
    assert_string_equal(first_download_of(id, s), "");

    r = download(rcv, id, "GET", NULL);
    assert_status(r, 200);
    assert_int_equal(r->body_len, it_pdf_len);
    http_free(r);
    char first[64];
    snprintf(first, sizeof first, "%s", first_download_of(id, s));
    assert_true(it_is_rfc3339_utc(first));
    lc_db_row(id, &after);
    assert_string_not_equal(after.xmin, before.xmin);
    assert_string_equal(after.status == 1 ? "open" : "?", "open");

    /* later: whole, ranged, HEAD, conditional; nothing written */
    const char *ranges[] = {NULL, "bytes=0-3", NULL};
    for (int i = 0; i < 3; i++) {
        r = download(rcv, id, "GET", ranges[i]);
        it_check(r->status == 200 || r->status == 206, "download %d: HTTP %ld",
                 i, r->status);
        http_free(r);
    }
    r = download(rcv, id, "HEAD", NULL);
    http_free(r);
    lc_db_row(id, &later);
    assert_string_equal(later.xmin, after.xmin);
    assert_string_equal(later.ctid, after.ctid);
    assert_string_equal(later.updated_at, after.updated_at);
    assert_string_equal(later.first_downloaded_at, after.first_downloaded_at);
    assert_string_equal(first_download_of(id, s), first);
    /* one downloaded event only */
    assert_string_equal(lc_db_value("SELECT count(*) FROM invoice_events WHERE "
                                    "invoice_id = $1::uuid AND type = 4", id), "1");
    /* the consumer's view carries it too */
    r = api_get(P("/api/consumer/invoices/%s", id), AC(rcv));
    json_object *d;
    json_object *root = assert_invoice_response(r, 200, &d);
    assert_string_equal(lc_str(d, "first_downloaded_at"), first);
    json_object_put(root);
    http_free(r);
}

/* a first range download counts; concurrent first downloads write one
 * receipt and one event */
static void t_first_download_concurrent(void **state)
{
    (void)state;
    enum { N = 6 };
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    lc_create(s, rcv, "", id);
    it_req_t qs[N];
    for (int i = 0; i < N; i++)
        it_req(&qs[i], "GET", P("/api/consumer/invoices/%s/file", id), AC(rcv),
               NULL, NULL, 0);
    http_response_t **rs = it_run_many(qs, N);
    for (int i = 0; i < N; i++)
        assert_status(rs[i], 200);
    http_free_many(rs, N);
    assert_true(it_is_rfc3339_utc(first_download_of(id, s)));
    assert_string_equal(lc_db_value("SELECT count(*) FROM invoice_events WHERE "
                                    "invoice_id = $1::uuid AND type = 4", id), "1");

    char id2[37];
    lc_create(s, rcv, "", id2);
    http_response_t *r = download(rcv, id2, "GET", "bytes=1-2");
    assert_status(r, 206);
    http_free(r);
    assert_true(it_is_rfc3339_utc(first_download_of(id2, s)));
}

/* ?status= on the three list shapes */
static void check_status_lists(const char *base, const char *auth,
                               const char *open_id, const char *paid_id,
                               const char *void_id)
{
    const char *sep = strchr(base, '?') ? "&" : "?";
    struct { const char *st, *id; } want[] = {
        {"open", open_id}, {"paid", paid_id}, {"void", void_id}};
    for (int i = 0; i < 3; i++) {
        it_list_t l;
        get_list(P("%s%sstatus=%s", base, sep, want[i].st), auth, &l);
        it_check(l.n == 1 && strcmp(l.ids[0], want[i].id) == 0,
                 "%s?status=%s: %zu invoices", base, want[i].st, l.n);
        json_object *d = json_object_array_get_idx(json_object_object_get(l.root, "data"), 0);
        assert_string_equal(lc_str(d, "status"), want[i].st);
        it_list_free(&l);
    }
    it_list_t all;
    get_list(base, auth, &all);
    assert_int_equal(all.n, 3);
    it_list_free(&all);
    /* bad values */
    const char *bad[] = {"status=OPEN", "status=", "status=closed",
                         "status=open&status=paid", "status=open%00",
                         "status=paid,void", "status=%ZZ"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        http_response_t *r = api_get(P("%s%s%s", base, sep, bad[i]), auth);
        json_object_put(assert_problem(r, 400));
        http_free(r);
    }
}

static void t_list_status_filter(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char o[37], p[37], v[37], other[37];
    lc_create(s, rcv, "", p);
    lc_create(s, rcv, "", v);
    lc_create(s, rcv, "", o);
    /* noise: another receiver of s, another sender of rcv */
    lc_create(s, it_new_id(), "", other);
    http_free(lc_pay(rcv, p));
    http_free(lc_void(s, v));
    int s2 = it_new_id();
    lc_create(s2, rcv, "", other);

    /* the sender's list holds the noise invoice too: filter per receiver */
    it_list_t l;
    get_list("/api/sender/invoices?status=open", AS(s), &l);
    assert_int_equal(l.n, 2);
    it_list_free(&l);
    get_list("/api/sender/invoices?status=void", AS(s), &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.ids[0], v);
    it_list_free(&l);
    check_status_lists(P("/api/consumer/invoices/sender/%d", s), AC(rcv), o, p, v);

    /* the consumer's list: s2's open one too */
    get_list("/api/consumer/invoices?status=open", AC(rcv), &l);
    assert_int_equal(l.n, 2);
    it_list_free(&l);
    get_list("/api/consumer/invoices?status=paid", AC(rcv), &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.ids[0], p);
    it_list_free(&l);

    /* pages of a filtered list */
    char o2[37];
    lc_create(s, rcv, "", o2);
    get_list(P("/api/consumer/invoices/sender/%d?status=open&limit=1", s), AC(rcv), &l);
    assert_int_equal(l.n, 1);
    assert_true(l.has_more);
    assert_string_equal(l.ids[0], o2);
    it_list_free(&l);
    get_list(P("/api/consumer/invoices/sender/%d?status=open&limit=1&starting_after=%s",
               s, o2), AC(rcv), &l);
    assert_int_equal(l.n, 1);
    assert_false(l.has_more);
    assert_string_equal(l.ids[0], o);
    it_list_free(&l);
    /* bad values on the other two shapes */
    const char *bases[][2] = {{"/api/sender/invoices", AS(s)},
                              {"/api/consumer/invoices", AC(rcv)}};
    for (int i = 0; i < 2; i++) {
        http_response_t *r = api_get(P("%s?status=unknown", bases[i][0]), bases[i][1]);
        json_object_put(assert_problem(r, 400));
        http_free(r);
        r = api_get(P("%s?status=open&status=open", bases[i][0]), bases[i][1]);
        json_object_put(assert_problem(r, 400));
        http_free(r);
    }
}

/* Every Invoice in every answer has the lifecycle fields (the shape check
 * of util.c demands them); here: their values along a life. */
static void t_invoice_fields_along_life(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    lc_create(s, rcv, "\"due_date\": \"2031-07-01\"", id);
    http_response_t *r = lc_pay(rcv, id);
    json_object *d;
    expect_invoice(r, 200, "paid", &d);
    assert_true(it_is_rfc3339_utc(lc_str(d, "paid_at")));
    assert_true(lc_is_null(d, "voided_at"));
    assert_true(lc_is_null(d, "first_downloaded_at"));
    assert_string_equal(lc_str(d, "due_date"), "2031-07-01");
    json_object_put(d);
    http_free(r);
    r = lc_pay(rcv, id);
    expect_conflict(r, "paid");
    http_free(r);
}

const struct CMUnitTest it_tests_lifecycle[] = {
    cmocka_unit_test(t_void_then_conflicts),
    cmocka_unit_test(t_void_of_paid),
    cmocka_unit_test(t_void_scoping),
    cmocka_unit_test(t_void_pay_race),
    cmocka_unit_test(t_void_concurrent_voids),
    cmocka_unit_test(t_first_download_receipt),
    cmocka_unit_test(t_first_download_concurrent),
    cmocka_unit_test(t_list_status_filter),
    cmocka_unit_test(t_invoice_fields_along_life),
};
IT_DEFINE_COUNT(lifecycle);
