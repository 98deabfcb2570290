/* Lists: newest first, {"data": [...], "has_more": bool}, ?limit= and
 * ?starting_after= cursors, and who sees what. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ids[0..n) must equal want[n-1..0] (want in creation order). */
#define assert_newest_first(l, want, n) \
    it_assert_newest_first((l), (want), (n), __FILE__, __LINE__)
static void it_assert_newest_first(const it_list_t *l, char want[][37],
                                   size_t n, const char *file, int line)
{
    if (l->n != n)
        it_fail(file, line, "list has %zu items, expected %zu", l->n, n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(l->ids[i], want[n - 1 - i]) != 0)
            it_fail(file, line, "list item %zu is %s, expected %s (newest "
                    "first)", i, l->ids[i], want[n - 1 - i]);
}

static void t_list_empty(void **state)
{
    (void)state;
    int x = it_new_id();
    char as[32], ac[32], by[64];
    snprintf(as, sizeof as, "sender %d", x);
    snprintf(ac, sizeof ac, "consumer %d", x);
    snprintf(by, sizeof by, "/api/consumer/invoices/sender/%d", it_new_id());
    const char *paths[][2] = {
        {"/api/sender/invoices", as},
        {"/api/consumer/invoices", ac},
        {by, ac},
    };
    for (int i = 0; i < 3; i++) {
        it_list_t l;
        get_list(paths[i][0], paths[i][1], &l);
        assert_int_equal(l.n, 0);
        assert_false(l.has_more);
        it_list_free(&l);
    }
}

/* Page through `path` with limit 2; the pages must be 2,2,1 with has_more
 * true,true,false and add up to `want` newest first. */
static void page_through(const char *path_in, const char *auth_in,
                         char want[][37], size_t n)
{
    char path[256], auth[64];
    snprintf(path, sizeof path, "%s", path_in);
    snprintf(auth, sizeof auth, "%s", auth_in);
    assert_int_equal(n, 5);
    it_list_t full;
    get_list(path, auth, &full);
    assert_false(full.has_more);
    assert_newest_first(&full, want, n);

    const size_t sizes[] = {2, 2, 1};
    const int more[] = {1, 1, 0};
    char cursor[37] = "";
    size_t seen = 0;
    for (int p = 0; p < 3; p++) {
        const char *url = cursor[0]
            ? P("%s?limit=2&starting_after=%s", path, cursor)
            : P("%s?limit=2", path);
        it_list_t l;
        get_list(url, auth, &l);
        if (l.n != sizes[p] || l.has_more != more[p])
            it_fail(__FILE__, __LINE__, "page %d of %s: %zu items, has_more "
                    "%d; expected %zu, %d", p + 1, path, l.n, l.has_more,
                    sizes[p], more[p]);
        for (size_t i = 0; i < l.n; i++) {
            /* equal to the full list at the same position: same order, no
             * duplicates, nothing skipped */
            assert_string_equal(l.ids[i], full.ids[seen + i]);
        }
        seen += l.n;
        snprintf(cursor, sizeof cursor, "%s", l.ids[l.n - 1]);
        it_list_free(&l);
    }
    assert_int_equal(seen, n);
    /* after the last item: an empty page */
    it_list_t l;
    get_list(P("%s?limit=2&starting_after=%s", path, cursor), auth, &l);
    assert_int_equal(l.n, 0);
    assert_false(l.has_more);
    it_list_free(&l);
    /* a limit equal to what is left: has_more false; one less: true */
    get_list(P("%s?limit=5", path), auth, &l);
    assert_int_equal(l.n, 5);
    assert_false(l.has_more);
    it_list_free(&l);
    get_list(P("%s?limit=4", path), auth, &l);
    assert_int_equal(l.n, 4);
    assert_true(l.has_more);
    it_list_free(&l);
    get_list(P("%s?starting_after=%s&limit=1", path, full.ids[2]), auth, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.ids[0], full.ids[3]);
    assert_true(l.has_more);
    it_list_free(&l);
    it_list_free(&full);
}

static void t_list_sender_pagination(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char ids[5][37];
    for (int i = 0; i < 5; i++)
        create_tiny(s, rcv, ids[i]);
    page_through("/api/sender/invoices", AS(s), ids, 5);
}

static void t_list_consumer_pagination(void **state)
{
    (void)state;
    /* five invoices to one consumer from two senders, interleaved */
    int s1 = it_new_id(), s2 = it_new_id(), rcv = it_new_id();
    char ids[5][37];
    for (int i = 0; i < 5; i++)
        create_tiny(i % 2 ? s2 : s1, rcv, ids[i]);
    page_through("/api/consumer/invoices", AC(rcv), ids, 5);
    /* by sender: five from s3 to r3, among invoices from other senders to
     * r3 and from s3 to other consumers */
    char mixed[5][37];
    int s3 = it_new_id(), r3 = it_new_id();
    for (int i = 0; i < 5; i++) {
        char tmp[37];
        create_tiny(s3, r3, mixed[i]);
        create_tiny(it_new_id(), r3, tmp);
        create_tiny(s3, it_new_id(), tmp);
    }
    page_through(P("/api/consumer/invoices/sender/%d", s3), AC(r3), mixed, 5);
}

/* default limit 100, maximum 1000 */
static void t_list_default_and_max_limit(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    enum { N = 101 };
    static char ids[N][37];
    for (int i = 0; i < N; i++)
        create_tiny(s, rcv, ids[i]);

    it_list_t d, all, rest;
    get_list("/api/sender/invoices", AS(s), &d);
    assert_int_equal(d.n, 100);
    assert_true(d.has_more);
    get_list("/api/sender/invoices?limit=1000", AS(s), &all);
    assert_int_equal(all.n, N);
    assert_false(all.has_more);
    get_list(P("/api/sender/invoices?starting_after=%s", d.ids[99]), AS(s), &rest);
    assert_int_equal(rest.n, 1);
    assert_false(rest.has_more);
    for (size_t i = 0; i < 100; i++)
        assert_string_equal(d.ids[i], all.ids[i]);
    assert_string_equal(rest.ids[0], all.ids[100]);
    assert_newest_first(&all, ids, N);
    it_list_free(&d);
    it_list_free(&all);
    it_list_free(&rest);
}

static void t_list_limit_invalid_400(void **state)
{
    (void)state;
    int x = it_new_id();
    char as[32], ac[32];
    snprintf(as, sizeof as, "sender %d", x);
    snprintf(ac, sizeof ac, "consumer %d", x);
    const char *bases[][2] = {
        {"/api/sender/invoices", as},
        {"/api/consumer/invoices", ac},
        {"/api/consumer/invoices/sender/5", ac},
    };
    const char *const bad[] = {"0", "1001", "-1", "abc", "", "1.5", "1e2",
                               "99999999999", "10x", "%20"};
    for (int b = 0; b < 3; b++) {
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            http_response_t *r = api_get(P("%s?limit=%s", bases[b][0], bad[i]),
                                         bases[b][1]);
            json_object *p = assert_problem(r, 400);
            json_object_put(p);
            http_free(r);
        }
        /* the limits themselves are fine */
        const char *ok[] = {"1", "1000", "100"};
        for (int i = 0; i < 3; i++) {
            it_list_t l;
            get_list(P("%s?limit=%s", bases[b][0], ok[i]), bases[b][1], &l);
            it_list_free(&l);
        }
    }
}

static void t_list_cursor_invalid_400(void **state)
{
    (void)state;
    int a = it_new_id(), b = it_new_id(), ra = it_new_id(), rb = it_new_id();
    char ida[37], idb[37], unknown[37];
    create_tiny(a, ra, ida);
    create_tiny(b, rb, idb);
    it_random_uuid(unknown);
    char shortid[37], longid[38];
    snprintf(shortid, sizeof shortid, "%.35s", ida);
    snprintf(longid, sizeof longid, "%sx", ida);
    const char *malformed[] = {"not-a-uuid", "", "12345",
                               "00000000000000000000000000000000",
                               shortid, longid};
    char as_a[32], ac_ra[32], by_b[64];
    snprintf(as_a, sizeof as_a, "sender %d", a);
    snprintf(ac_ra, sizeof ac_ra, "consumer %d", ra);
    snprintf(by_b, sizeof by_b, "/api/consumer/invoices/sender/%d", b);
    struct { const char *path; const char *auth; const char *cant_see; } cases[] = {
        {"/api/sender/invoices", as_a, idb},           /* B's invoice */
        {"/api/consumer/invoices", ac_ra, idb},        /* sent to rb */
        {by_b, ac_ra, idb},                            /* from b, to rb */
    };
    for (int c = 0; c < 3; c++) {
        const char *cur[8];
        size_t n = 0;
        for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++)
            cur[n++] = malformed[i];
        cur[n++] = unknown;
        cur[n++] = cases[c].cant_see;
        for (size_t i = 0; i < n; i++) {
            http_response_t *r = api_get(P("%s?starting_after=%s", cases[c].path,
                                           cur[i]), cases[c].auth);
            if (r->status != 400)
                it_fail(__FILE__, __LINE__, "%s: HTTP %ld, expected 400",
                        r->what, r->status);
            json_object *p = assert_problem(r, 400);
            json_object_put(p);
            http_free(r);
        }
    }
    /* a cursor the caller can see works */
    it_list_t l;
    get_list(P("/api/sender/invoices?starting_after=%s", ida), AS(a), &l);
    assert_int_equal(l.n, 0);
    it_list_free(&l);
    get_list(P("/api/consumer/invoices?starting_after=%s", ida), AC(ra), &l);
    assert_int_equal(l.n, 0);
    it_list_free(&l);
}

static void t_list_sender_scope(void **state)
{
    (void)state;
    int a = it_new_id(), b = it_new_id(), rcv = it_new_id();
    char ia[2][37], ib[1][37];
    create_tiny(a, rcv, ia[0]);
    create_tiny(b, rcv, ib[0]);
    create_tiny(a, it_new_id(), ia[1]);
    it_list_t l;
    get_list("/api/sender/invoices", AS(a), &l);
    assert_newest_first(&l, ia, 2);
    it_list_free(&l);
    get_list("/api/sender/invoices", AS(b), &l);
    assert_newest_first(&l, ib, 1);
    it_list_free(&l);
}

static void t_list_consumer_scope(void **state)
{
    (void)state;
    int s1 = it_new_id(), s2 = it_new_id(), s3 = it_new_id();
    int r1 = it_new_id(), r2 = it_new_id();
    char to_r1[3][37], to_r2[1][37], s1_r1[2][37], s2_r1[1][37];
    create_tiny(s1, r1, to_r1[0]);
    create_tiny(s2, r1, to_r1[1]);
    create_tiny(s1, r2, to_r2[0]);
    create_tiny(s1, r1, to_r1[2]);
    memcpy(s1_r1[0], to_r1[0], 37);
    memcpy(s1_r1[1], to_r1[2], 37);
    memcpy(s2_r1[0], to_r1[1], 37);

    it_list_t l;
    get_list("/api/consumer/invoices", AC(r1), &l);
    assert_newest_first(&l, to_r1, 3);
    it_list_free(&l);
    get_list("/api/consumer/invoices", AC(r2), &l);
    assert_newest_first(&l, to_r2, 1);
    it_list_free(&l);
    /* by sender: only that sender's, only to this consumer */
    get_list(P("/api/consumer/invoices/sender/%d", s1), AC(r1), &l);
    assert_newest_first(&l, s1_r1, 2);
    it_list_free(&l);
    get_list(P("/api/consumer/invoices/sender/%d", s2), AC(r1), &l);
    assert_newest_first(&l, s2_r1, 1);
    it_list_free(&l);
    get_list(P("/api/consumer/invoices/sender/%d", s1), AC(r2), &l);
    assert_newest_first(&l, to_r2, 1);
    it_list_free(&l);
    get_list(P("/api/consumer/invoices/sender/%d", s2), AC(r2), &l);
    assert_int_equal(l.n, 0);
    it_list_free(&l);
    get_list(P("/api/consumer/invoices/sender/%d", s3), AC(r1), &l);
    assert_int_equal(l.n, 0);
    assert_false(l.has_more);
    it_list_free(&l);
}

const struct CMUnitTest it_tests_list[] = {
    cmocka_unit_test(t_list_empty),
    cmocka_unit_test(t_list_sender_pagination),
    cmocka_unit_test(t_list_consumer_pagination),
    cmocka_unit_test(t_list_default_and_max_limit),
    cmocka_unit_test(t_list_limit_invalid_400),
    cmocka_unit_test(t_list_cursor_invalid_400),
    cmocka_unit_test(t_list_sender_scope),
    cmocka_unit_test(t_list_consumer_scope),
};
IT_DEFINE_COUNT(list);
