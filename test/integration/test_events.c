/* The events (issue 15): each party's feed and an invoice's history.
 * Types per party (a consumer never sees invoice.downloaded), oldest
 * first, the invoice as it was right after each change, paging (limit
 * 1..1000, default 100, starting_after, has_more), bad and foreign cursors
 * (400), scoping (a foreign invoice's history is 404 like an unknown one),
 * and visibility within 1 s of the commit. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"
#include "lifecycle_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEEN_MS 1000L      /* the issue: visible within 1 s of its commit */
#define SETTLE_MS 10000L   /* waiting for events a test is not timing */

/* The data of an answer {"data": Invoice} (a new reference). */
static json_object *data_of(http_response_t *r, long st)
{
    json_object *d;
    json_object *root = assert_invoice_response(r, st, &d);
    json_object_get(d);
    json_object_put(root);
    http_free(r);
    return d;
}

static void expect_types(const char *path, const char *auth, const char *id,
                         const char *want)
{
    char got[256];
    lc_events_t e;
    lc_get_events(path, auth, &e);
    lc_types_of(&e, id, got, sizeof got);
    it_check(strcmp(got, want) == 0, "GET %s as %s: events of %s are \"%s\", "
             "expected \"%s\"", path, auth, id, got, want);
    lc_events_free(&e);
}

/* The whole story of two invoices, seen by both parties. */
static void t_events_feeds(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char a[37], b[37];
    lc_create(s, rcv, "\"amount\": 700, \"currency\": \"EUR\", \"reference\": \"EV-A\"", a);
    json_object *paid = data_of(lc_pay(rcv, a), 200);
    lc_create(s, rcv, "", b);
    json_object *voided = data_of(lc_void(s, b), 200);
    http_free(api_get(P("/api/consumer/invoices/%s/file", a), AC(rcv)));
    json_object *a_now = data_of(api_get(P("/api/sender/invoices/%s", a), AS(s)), 200);

    it_check(lc_wait_event("/api/sender/events", AS(s), a, "invoice.downloaded",
                           SETTLE_MS), "the download's event never showed");
    lc_events_t e;
    lc_get_events("/api/sender/events", AS(s), &e);
    static const struct { const char *type; int inv_a; } want[] = {
        {"invoice.created", 1}, {"invoice.paid", 1}, {"invoice.created", 0},
        {"invoice.voided", 0}, {"invoice.downloaded", 1}};
    assert_int_equal(e.n, 5);
    assert_false(e.has_more);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(e.types[i], want[i].type);
        assert_string_equal(e.invoices[i], want[i].inv_a ? a : b);
    }
    /* the invoice right after each change */
    json_object *created = e.data[0];
    assert_string_equal(lc_str(created, "status"), "open");
    assert_true(lc_is_null(created, "paid_at"));
    assert_true(lc_is_null(created, "first_downloaded_at"));
    assert_string_equal(lc_str(created, "reference"), "EV-A");
    assert_int_equal(json_object_get_int64(json_object_object_get(created, "amount")), 700);
    assert_string_equal(lc_str(created, "inserted_at"), lc_str(a_now, "inserted_at"));
    it_check(json_object_equal(e.data[1], paid), "paid event %s != pay answer %s",
             json_object_to_json_string(e.data[1]), json_object_to_json_string(paid));
    it_check(json_object_equal(e.data[3], voided), "voided event %s != void answer %s",
             json_object_to_json_string(e.data[3]), json_object_to_json_string(voided));
    it_check(json_object_equal(e.data[4], a_now), "downloaded event %s != invoice %s",
             json_object_to_json_string(e.data[4]), json_object_to_json_string(a_now));
    assert_true(lc_is_null(e.data[1], "first_downloaded_at"));
    /* an event's time is its change's */
    json_object *ev = json_object_array_get_idx(json_object_object_get(e.root, "data"), 1);
    assert_string_equal(lc_str(ev, "created_at"), lc_str(paid, "paid_at"));
    ev = json_object_array_get_idx(json_object_object_get(e.root, "data"), 3);
    assert_string_equal(lc_str(ev, "created_at"), lc_str(voided, "voided_at"));
    ev = json_object_array_get_idx(json_object_object_get(e.root, "data"), 4);
    assert_string_equal(lc_str(ev, "created_at"), lc_str(a_now, "first_downloaded_at"));
    ev = json_object_array_get_idx(json_object_object_get(e.root, "data"), 0);
    assert_string_equal(lc_str(ev, "created_at"), lc_str(a_now, "inserted_at"));
    char ids[5][24];
    for (size_t i = 0; i < 5; i++)
        snprintf(ids[i], sizeof ids[i], "%s", e.ids[i]);
    lc_events_free(&e);

    /* the consumer: the same events but the download, same ids */
    lc_get_events("/api/consumer/events", AC(rcv), &e);
    assert_int_equal(e.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(e.types[i], want[i].type);
        assert_string_equal(e.ids[i], ids[i]);
        it_check(strcmp(e.types[i], "invoice.downloaded") != 0,
                 "a consumer saw a download");
    }
    it_check(json_object_equal(e.data[1], paid), "consumer's paid event differs");
    lc_events_free(&e);

    /* histories */
    expect_types(P("/api/sender/invoices/%s/events", a), AS(s), a, "created,paid,downloaded");
    expect_types(P("/api/consumer/invoices/%s/events", a), AC(rcv), a, "created,paid");
    expect_types(P("/api/sender/invoices/%s/events", b), AS(s), b, "created,voided");
    expect_types(P("/api/consumer/invoices/%s/events", b), AC(rcv), b, "created,voided");
    lc_get_events(P("/api/sender/invoices/%s/events", a), AS(s), &e);
    assert_int_equal(e.n, 3);
    for (size_t i = 0; i < e.n; i++)
        assert_string_equal(e.invoices[i], a);
    assert_string_equal(e.ids[0], ids[0]);
    assert_string_equal(e.ids[2], ids[4]);
    lc_events_free(&e);
    json_object_put(paid);
    json_object_put(voided);
    json_object_put(a_now);
}

/* Scoped: others see nothing of it; a foreign history is 404 like an
 * unknown invoice's. */
static void t_events_scoping(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id(), x = it_new_id(), y = it_new_id();
    char a[37], unknown[37], xs[37];
    lc_create(s, rcv, "", a);
    lc_create(x, y, "", xs);   /* so x and y have feeds of their own */
    http_free(lc_pay(rcv, a));
    it_check(lc_wait_event("/api/consumer/events", AC(rcv), a, "invoice.paid",
                           SETTLE_MS), "the pay's event never showed");
    it_check(lc_wait_event("/api/sender/events", AS(x), xs, NULL, SETTLE_MS),
             "x's own event never showed");
    const char *feeds[][2] = {
        {"/api/sender/events", AS(x)}, {"/api/consumer/events", AC(y)},
        {"/api/sender/events", AS(rcv)},   /* the receiver as a sender */
        {"/api/consumer/events", AC(s)},   /* the sender as a consumer */
    };
    for (size_t i = 0; i < 4; i++) {
        lc_events_t e;
        lc_get_events(feeds[i][0], feeds[i][1], &e);
        for (size_t k = 0; k < e.n; k++)
            it_check(strcmp(e.invoices[k], a) != 0, "%s as %s sees %s",
                     feeds[i][0], feeds[i][1], a);
        lc_events_free(&e);
    }
    it_random_uuid(unknown);
    const char *none[][2] = {
        {P("/api/sender/invoices/%s/events", a), AS(x)},
        {P("/api/sender/invoices/%s/events", a), AS(rcv)},
        {P("/api/consumer/invoices/%s/events", a), AC(y)},
        {P("/api/consumer/invoices/%s/events", a), AC(s)},
        {P("/api/sender/invoices/%s/events", unknown), AS(s)},
        {P("/api/consumer/invoices/%s/events", unknown), AC(rcv)},
        {"/api/sender/invoices/not-a-uuid/events", AS(s)},
    };
    for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
        http_response_t *r = api_get(none[i][0], none[i][1]);
        json_object *p = assert_problem(r, 404);
        json_object_put(p);
        http_free(r);
    }
    /* the 404 of a foreign invoice is the 404 of an unknown one, byte for byte
     * but for the id */
    http_response_t *r1 = api_get(P("/api/sender/invoices/%s/events", a), AS(x));
    http_response_t *r2 = api_get(P("/api/sender/invoices/%s/events", unknown), AS(x));
    assert_int_equal(r1->body_len, r2->body_len);
    http_free(r1);
    http_free(r2);
    /* methods */
    http_response_t *r = api("POST", "/api/sender/events", AS(s), NULL, NULL, 0);
    json_object_put(assert_problem(r, 405));
    http_free(r);
    r = api("HEAD", "/api/consumer/events", AC(rcv), NULL, NULL, 0);
    assert_status(r, 200);
    http_free(r);
}

/* n invoices from s to rcv, created 20 at a time */
static void create_many(int s, int rcv, int n)
{
    enum { BATCH = 20 };
    char *body = lc_create_body(rcv, "");
    for (int done = 0; done < n;) {
        int k = n - done < BATCH ? n - done : BATCH;
        it_req_t qs[BATCH];
        for (int i = 0; i < k; i++)
            it_req(&qs[i], "POST", "/api/sender/invoices", AS(s), "application/json",
                   body, strlen(body));
        http_response_t **rs = it_run_many(qs, (size_t)k);
        for (int i = 0; i < k; i++)
            assert_status(rs[i], 201);
        http_free_many(rs, (size_t)k);
        done += k;
    }
    free(body);
}

/* limit (default 100, 1..1000), has_more, starting_after walks every event
 * once, in the order of the whole feed. */
static void t_events_paging(void **state)
{
    (void)state;
    enum { N = 103 };
    int s = it_new_id(), rcv = it_new_id();
    create_many(s, rcv, N);
    long end = lc_now_ms() + SETTLE_MS;
    lc_events_t all;
    for (;;) {
        lc_get_events("/api/sender/events?limit=1000", AS(s), &all);
        if (all.n >= N || lc_now_ms() > end)
            break;
        lc_events_free(&all);
        it_sleep_ms(50);
    }
    assert_int_equal(all.n, N);
    assert_false(all.has_more);

    lc_events_t e;
    lc_get_events("/api/sender/events", AS(s), &e);
    assert_int_equal(e.n, 100);
    assert_true(e.has_more);
    for (size_t i = 0; i < e.n; i++)
        assert_string_equal(e.ids[i], all.ids[i]);
    lc_events_free(&e);
    lc_get_events("/api/sender/events?limit=1", AS(s), &e);
    assert_int_equal(e.n, 1);
    assert_true(e.has_more);
    lc_events_free(&e);

    /* walk in pages of 10 (and 1 at the end) */
    size_t k = 0;
    char after[24] = "";
    int pages = 0, more = 1;
    while (more) {
        lc_get_events(*after ? P("/api/sender/events?limit=10&starting_after=%s", after)
                             : "/api/sender/events?limit=10", AS(s), &e);
        pages++;
        for (size_t i = 0; i < e.n; i++, k++) {
            it_check(k < all.n, "more events walked than in the feed");
            assert_string_equal(e.ids[i], all.ids[k]);
        }
        more = e.has_more;
        it_check(more == (k < all.n), "has_more %d after %zu of %zu", more, k, all.n);
        if (e.n)
            snprintf(after, sizeof after, "%s", e.ids[e.n - 1]);
        lc_events_free(&e);
        it_check(pages < 100, "paging does not end");
    }
    assert_int_equal(k, N);
    assert_int_equal(pages, 11);
    /* after the last one: an empty page, no more */
    lc_get_events(P("/api/sender/events?starting_after=%s", all.ids[N - 1]), AS(s), &e);
    assert_int_equal(e.n, 0);
    assert_false(e.has_more);
    lc_events_free(&e);
    /* exactly limit left: has_more false */
    lc_get_events(P("/api/sender/events?limit=3&starting_after=%s", all.ids[N - 4]),
                  AS(s), &e);
    assert_int_equal(e.n, 3);
    assert_false(e.has_more);
    lc_events_free(&e);
    /* the consumer's feed pages the same */
    lc_get_events("/api/consumer/events?limit=1000", AC(rcv), &e);
    assert_int_equal(e.n, N);
    for (size_t i = 0; i < e.n; i++)
        assert_string_equal(e.ids[i], all.ids[i]);
    lc_events_free(&e);
    lc_get_events(P("/api/consumer/events?limit=2&starting_after=%s", all.ids[50]),
                  AC(rcv), &e);
    assert_int_equal(e.n, 2);
    assert_string_equal(e.ids[0], all.ids[51]);
    assert_true(e.has_more);
    lc_events_free(&e);
    lc_events_free(&all);
}

/* bad limits and cursors: 400 problem; foreign or unknown cursors too */
static void t_events_bad_parameters(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id(), x = it_new_id();
    char a[37], xa[37], b[37];
    lc_create(s, rcv, "", a);
    lc_create(s, rcv, "", b);
    lc_create(x, it_new_id(), "", xa);
    http_free(api_get(P("/api/consumer/invoices/%s/file", a), AC(rcv)));
    it_check(lc_wait_event("/api/sender/events", AS(s), a, "invoice.downloaded",
                           SETTLE_MS), "events never showed");
    it_check(lc_wait_event("/api/sender/events", AS(x), xa, NULL, SETTLE_MS),
             "events never showed");
    lc_events_t e;
    lc_get_events("/api/sender/events", AS(x), &e);
    char foreign[24], downloaded[24], b_created[24];
    snprintf(foreign, sizeof foreign, "%s", e.ids[0]);
    lc_events_free(&e);
    lc_get_events("/api/sender/events", AS(s), &e);
    assert_int_equal(e.n, 3);
    assert_string_equal(e.types[2], "invoice.downloaded");
    snprintf(downloaded, sizeof downloaded, "%s", e.ids[2]);
    snprintf(b_created, sizeof b_created, "%s", e.ids[1]);
    lc_events_free(&e);

    /* (P's and AS's buffers rotate: keep copies) */
    char paths[4][2][128], c_foreign[64], c_invoice[64];
    snprintf(paths[0][0], 128, "/api/sender/events");
    snprintf(paths[1][0], 128, "/api/consumer/events");
    snprintf(paths[2][0], 128, "/api/sender/invoices/%s/events", a);
    snprintf(paths[3][0], 128, "/api/consumer/invoices/%s/events", a);
    snprintf(paths[0][1], 128, "%s", AS(s));
    snprintf(paths[1][1], 128, "%s", AC(rcv));
    snprintf(paths[2][1], 128, "%s", AS(s));
    snprintf(paths[3][1], 128, "%s", AC(rcv));
    snprintf(c_foreign, sizeof c_foreign, "starting_after=%s", foreign);
    snprintf(c_invoice, sizeof c_invoice, "starting_after=%s", a);
    const char *bad[] = {"limit=0", "limit=1001", "limit=-1", "limit=abc",
                         "limit=", "limit=1.5", "limit=01", "limit=1&limit=2",
                         "limit=99999999999999999999",
                         "starting_after=", "starting_after=abc",
                         "starting_after=-1", "starting_after=0",
                         "starting_after=01", "starting_after=1.0",
                         "starting_after=9223372036854775808",
                         "starting_after=99999999999999999999999",
                         "starting_after=1&starting_after=2",
                         "starting_after=%ZZ",
                         "starting_after=9223372036854775807",   /* no such event */
                         c_foreign,                              /* another's */
                         c_invoice};                             /* an invoice id */
    for (size_t p = 0; p < 4; p++)
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            http_response_t *r = api_get(P("%s?%s", paths[p][0], bad[i]), paths[p][1]);
            it_check(r->status == 400, "%s?%s: HTTP %ld, expected 400: %.200s",
                     paths[p][0], bad[i], r->status, r->body);
            json_object_put(assert_problem(r, 400));
            http_free(r);
        }
    /* the consumer's feed has no downloads: that id is not in it */
    http_response_t *r = api_get(P("/api/consumer/events?starting_after=%s", downloaded),
                                 AC(rcv));
    json_object_put(assert_problem(r, 400));
    http_free(r);
    /* the sender's may continue from it */
    lc_get_events(P("/api/sender/events?starting_after=%s", downloaded), AS(s), &e);
    assert_int_equal(e.n, 0);
    lc_events_free(&e);
    /* a history with the cursor of another invoice's event */
    r = api_get(P("/api/sender/invoices/%s/events?starting_after=%s", b, downloaded),
                AS(s));
    json_object_put(assert_problem(r, 400));
    http_free(r);
    r = api_get(P("/api/sender/invoices/%s/events?starting_after=%s", a, b_created),
                AS(s));
    json_object_put(assert_problem(r, 400));
    http_free(r);
    /* limits at the bounds and unknown parameters */
    const char *ok[] = {"limit=1", "limit=1000", "status=paid", "foo=bar", "limit=100&x"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        lc_get_events(P("/api/sender/events?%s", ok[i]), AS(s), &e);
        lc_events_free(&e);
    }
}

/* An event shows in the feeds within 1 s of its commit (the answer came
 * after the commit: the deadline runs from the answer). */
static void t_events_visible_within_1s(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    for (int i = 0; i < 3; i++) {
        lc_create(s, rcv, "", id);
        it_check(lc_wait_event("/api/sender/events", AS(s), id, "invoice.created",
                               SEEN_MS), "invoice.created not seen within 1 s");
        it_check(lc_wait_event("/api/consumer/events", AC(rcv), id, "invoice.created",
                               SEEN_MS), "invoice.created not seen by the consumer within 1 s");
        http_free(lc_pay(rcv, id));
        it_check(lc_wait_event("/api/consumer/events", AC(rcv), id, "invoice.paid",
                               SEEN_MS), "invoice.paid not seen within 1 s");
        it_check(lc_wait_event(P("/api/sender/invoices/%s/events", id), AS(s), id,
                               "invoice.paid", SEEN_MS),
                 "invoice.paid not in the history within 1 s");
    }
}

/* The rows: one event per change, in the change's transaction (a refused
 * change writes none). */
static void t_events_rows(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    lc_create(s, rcv, "", id);
    http_free(lc_pay(rcv, id));
    http_free(lc_pay(rcv, id));      /* 409 */
    http_free(lc_void(s, id));       /* 409 */
    http_free(api_get(P("/api/consumer/invoices/%s/file", id), AC(rcv)));
    http_free(api_get(P("/api/consumer/invoices/%s/file", id), AC(rcv)));
    /* the row is its created event (its tx set, no invoice_events row) */
    assert_string_equal(lc_db_value("SELECT tx IS NOT NULL FROM invoices "
                                    "WHERE id = $1::uuid", id), "t");
    assert_string_equal(lc_db_value("SELECT string_agg(type::text, ',' ORDER BY tx, seq) "
                                    "FROM invoice_events WHERE invoice_id = $1::uuid", id),
                        "2,4");
    /* each in the change's transaction: the row version's xmin is the
     * event's tx for the last change */
    assert_string_equal(lc_db_value("SELECT (SELECT xmin::text FROM invoices WHERE "
                                    "id = $1::uuid) = (SELECT (tx::text::int8 % 4294967296)::text "
                                    "FROM invoice_events WHERE invoice_id = $1::uuid "
                                    "ORDER BY seq DESC LIMIT 1)", id), "t");
}

const struct CMUnitTest it_tests_events[] = {
    cmocka_unit_test(t_events_feeds),
    cmocka_unit_test(t_events_scoping),
    cmocka_unit_test(t_events_paging),
    cmocka_unit_test(t_events_bad_parameters),
    cmocka_unit_test(t_events_visible_within_1s),
    cmocka_unit_test(t_events_rows),
};
IT_DEFINE_COUNT(events);
