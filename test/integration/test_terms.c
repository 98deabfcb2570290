/* The terms of an invoice (issue 15): amount, currency, due_date and
 * reference on the JSON create and on uploads (multipart parts, the
 * "invoice" part, query parameters of a raw upload), every bad field listed
 * at once in one 422, and the reference unique per sender (409 naming the
 * invoice that has it). */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"
#include "lifecycle_util.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A create with terms answers 201 with them, and so does the show. */
static void t_terms_json_roundtrip(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37], ref[40];
    snprintf(ref, sizeof ref, "INV-%d/2024 #7", s);
    http_response_t *r = lc_create_r(s, rcv, P(
        "\"amount\": 123456, \"currency\": \"JPY\", \"due_date\": \"2024-02-29\", "
        "\"reference\": \"%s\"", ref));
    json_object *d;
    json_object *root = assert_invoice_response(r, 201, &d);
    snprintf(id, sizeof id, "%s", lc_str(d, "id"));
    assert_int_equal(json_object_get_int64(json_object_object_get(d, "amount")), 123456);
    assert_string_equal(lc_str(d, "currency"), "JPY");
    assert_string_equal(lc_str(d, "due_date"), "2024-02-29");
    assert_string_equal(lc_str(d, "reference"), ref);
    assert_string_equal(lc_str(d, "status"), "open");
    assert_true(json_object_get_boolean(json_object_object_get(d, "is_payable")));
    assert_true(lc_is_null(d, "voided_at") && lc_is_null(d, "first_downloaded_at")
                && lc_is_null(d, "paid_at"));
    json_object_put(root);
    http_free(r);

    /* the show and both lists say the same */
    const char *paths[][2] = {
        {P("/api/sender/invoices/%s", id), AS(s)},
        {P("/api/consumer/invoices/%s", id), AC(rcv)},
    };
    for (size_t i = 0; i < 2; i++) {
        r = api_get(paths[i][0], paths[i][1]);
        root = assert_invoice_response(r, 200, &d);
        assert_int_equal(json_object_get_int64(json_object_object_get(d, "amount")), 123456);
        assert_string_equal(lc_str(d, "currency"), "JPY");
        assert_string_equal(lc_str(d, "due_date"), "2024-02-29");
        assert_string_equal(lc_str(d, "reference"), ref);
        json_object_put(root);
        http_free(r);
    }
    it_list_t l;
    get_list("/api/sender/invoices", AS(s), &l);
    assert_int_equal(l.n, 1);
    d = json_object_array_get_idx(json_object_object_get(l.root, "data"), 0);
    assert_string_equal(lc_str(d, "reference"), ref);
    it_list_free(&l);
}

/* No terms: all four null; existing clients keep working. */
static void t_terms_absent_are_null(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    http_response_t *r = lc_create_r(s, rcv, "");
    json_object *d;
    json_object *root = assert_invoice_response(r, 201, &d);
    const char *keys[] = {"amount", "currency", "due_date", "reference",
                          "voided_at", "first_downloaded_at", "paid_at"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_object *v;
        it_check(json_object_object_get_ex(d, keys[i], &v) && v == NULL,
                 "%s is not null: %s", keys[i], json_object_to_json_string(d));
    }
    json_object_put(root);
    http_free(r);
    /* explicit nulls are the same as absent */
    r = lc_create_r(s, rcv, "\"amount\": null, \"currency\": null, "
                    "\"due_date\": null, \"reference\": null");
    if (r->status == 201) {
        root = assert_invoice_response(r, 201, &d);
        assert_true(lc_is_null(d, "amount") && lc_is_null(d, "reference"));
        json_object_put(root);
    } else {
        /* refused is acceptable too, as long as it is a 422 */
        json_object_put(assert_problem(r, 422));
    }
    http_free(r);
}

/* One 422 names every bad field, the existing ones too; nothing stored. */
static void t_terms_all_errors_at_once(void **state)
{
    (void)state;
    int s = it_new_id();
    http_response_t *r = api_post_json("/api/sender/invoices", AS(s),
        "{\"invoice\": {\"receiver_id\": 0, \"file_type\": \"application/pdf\", "
        "\"content\": \"JVBERi0=\", \"amount\": 0, \"currency\": \"XYZ\", "
        "\"due_date\": \"2023-02-29\", \"reference\": \"\"}}");
    assert_field_errors(r, "receiver_id", "amount", "currency", "due_date",
                        "reference");
    http_free(r);

    /* the terms alone, with a good invoice otherwise */
    r = lc_create_r(s, it_new_id(), "\"amount\": 1000000000000001, "
                    "\"currency\": \"eur\", \"due_date\": \"2024-13-01\", "
                    "\"reference\": \" padded\"");
    assert_field_errors(r, "amount", "currency", "due_date", "reference");
    assert_error_msg(r, "amount", "must be between 1 and 1000000000000000");
    assert_error_msg(r, "currency", "must be in uppercase letters, e.g. EUR");
    assert_error_msg(r, "reference", "must not start or end with spaces");
    http_free(r);
    assert_int_equal(db_count_sender(s), 0);
}

static void expect_amount(int s, const char *amount, int ok)
{
    http_response_t *r = lc_create_r(s, it_new_id(),
                                     P("\"amount\": %s, \"currency\": \"EUR\"", amount));
    if (ok) {
        json_object *d;
        json_object *root = assert_invoice_response(r, 201, &d);
        it_check(strcmp(json_object_to_json_string(json_object_object_get(d, "amount")),
                        amount) == 0, "amount %s came back as %s", amount,
                 json_object_to_json_string(json_object_object_get(d, "amount")));
        json_object_put(root);
    } else {
        it_check(r->status == 422, "amount %s: HTTP %ld, expected 422: %.200s",
                 amount, r->status, r->body);
        assert_field_errors(r, "amount");
    }
    http_free(r);
}

static void t_terms_amount_bounds(void **state)
{
    (void)state;
    int s = it_new_id();
    expect_amount(s, "1", 1);
    expect_amount(s, "1000000000000000", 1);
    expect_amount(s, "0", 0);
    expect_amount(s, "-1", 0);
    expect_amount(s, "1000000000000001", 0);
    expect_amount(s, "9223372036854775807", 0);
    expect_amount(s, "9223372036854775808", 0);
    expect_amount(s, "12.5", 0);
    expect_amount(s, "1.0", 0);
    expect_amount(s, "1e3", 0);
    expect_amount(s, "\"100\"", 0);
    expect_amount(s, "true", 0);
    expect_amount(s, "[1]", 0);
    assert_int_equal(db_count_sender(s), 2);
}

/* currency exactly with amount */
static void t_terms_currency_with_amount(void **state)
{
    (void)state;
    int s = it_new_id();
    http_response_t *r = lc_create_r(s, it_new_id(), "\"amount\": 100");
    assert_field_errors(r, "currency");
    assert_error_msg(r, "currency", "is required when amount is given");
    http_free(r);
    r = lc_create_r(s, it_new_id(), "\"currency\": \"EUR\"");
    assert_field_errors(r, "currency");
    assert_error_msg(r, "currency", "can only be given with amount");
    http_free(r);
    assert_int_equal(db_count_sender(s), 0);
}

static void expect_currency(int s, const char *cur, int ok)
{
    http_response_t *r = lc_create_r(s, it_new_id(),
                                     P("\"amount\": 5, \"currency\": %s", cur));
    if (ok) {
        json_object *root = assert_invoice_response(r, 201, NULL);
        json_object_put(root);
    } else {
        it_check(r->status == 422, "currency %s: HTTP %ld, expected 422: %.200s",
                 cur, r->status, r->body);
        assert_field_errors(r, "currency");
    }
    http_free(r);
}

/* the current ISO 4217 list only, in uppercase */
static void t_terms_currency_codes(void **state)
{
    (void)state;
    int s = it_new_id();
    const char *good[] = {"\"EUR\"", "\"USD\"", "\"JPY\"", "\"CHF\"", "\"GBP\"",
                          "\"SLE\"", "\"XOF\""};
    const char *bad[] = {"\"eur\"", "\"Eur\"", "\"XYZ\"", "\"EURO\"", "\"EU\"",
                         "\"\"", "\"DEM\"", "\"FRF\"", "\" EUR\"", "\"E1R\"",
                         "978", "null"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        expect_currency(s, good[i], 1);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_currency(s, bad[i], 0);
}

static void expect_date(int s, const char *date, int ok)
{
    http_response_t *r = lc_create_r(s, it_new_id(), P("\"due_date\": %s", date));
    if (ok) {
        json_object *d;
        json_object *root = assert_invoice_response(r, 201, &d);
        it_check(strcmp(P("\"%s\"", lc_str(d, "due_date")), date) == 0,
                 "due_date %s came back as %s", date, lc_str(d, "due_date"));
        json_object_put(root);
    } else {
        it_check(r->status == 422, "due_date %s: HTTP %ld, expected 422: %.200s",
                 date, r->status, r->body);
        assert_field_errors(r, "due_date");
    }
    http_free(r);
}

static void t_terms_due_dates(void **state)
{
    (void)state;
    int s = it_new_id();
    const char *good[] = {"\"2024-02-29\"", "\"2000-02-29\"", "\"2025-12-31\"",
                          "\"2025-01-01\""};
    const char *bad[] = {"\"2023-02-29\"", "\"1900-02-29\"", "\"2024-04-31\"",
                         "\"2024-13-01\"", "\"2024-00-10\"", "\"2024-01-00\"",
                         "\"2024-2-29\"", "\"24-02-29\"", "\"2024/02/29\"",
                         "\"2024-02-29T00:00:00Z\"", "\"2024-02-29 \"",
                         "\"20240229\"", "\"\"", "20240229", "\"tomorrow\""};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        expect_date(s, good[i], 1);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_date(s, bad[i], 0);
}

static void expect_reference(int s, const char *ref_json, int ok)
{
    http_response_t *r = lc_create_r(s, it_new_id(), P("\"reference\": %s", ref_json));
    if (ok) {
        json_object *root = assert_invoice_response(r, 201, NULL);
        json_object_put(root);
    } else {
        it_check(r->status == 422, "reference %.80s: HTTP %ld, expected 422: %.200s",
                 ref_json, r->status, r->body);
        assert_field_errors(r, "reference");
    }
    http_free(r);
}

/* 1 to 64 visible characters (characters, not bytes) */
static void t_terms_reference_rules(void **state)
{
    (void)state;
    int s = it_new_id();
    char r64[70], r65[70], e64[200], e65[260];
    memset(r64, 'R', 64);
    r64[64] = '\0';
    memset(r65, 'S', 65);
    r65[65] = '\0';
    e64[0] = e65[0] = '\0';
    for (int i = 0; i < 64; i++)
        strcat(e64, "\xc3\xa9");      /* é: 2 bytes, 1 character */
    snprintf(e65, sizeof e65, "%sx", e64);
    expect_reference(s, "\"A\"", 1);
    expect_reference(s, P("\"%s\"", r64), 1);
    expect_reference(s, P("\"%s\"", e64), 1);
    expect_reference(s, "\"2024 / 17-b\"", 1);
    expect_reference(s, P("\"%s\"", r65), 0);
    expect_reference(s, P("\"%s\"", e65), 0);
    expect_reference(s, "\"\"", 0);
    expect_reference(s, "\" \"", 0);
    expect_reference(s, "\"a \"", 0);
    expect_reference(s, "\"a\\tb\"", 0);
    expect_reference(s, "\"a\\nb\"", 0);
    /* a NUL is refused by the JSON reader itself (400) */
    http_response_t *r = lc_create_r(s, it_new_id(), "\"reference\": \"a\\u0000b\"");
    json_object_put(assert_4xx_problem(r));
    http_free(r);
    expect_reference(s, "\"a\\u007fb\"", 0);
    expect_reference(s, "17", 0);
    assert_int_equal(db_count_sender(s), 4);
}

/* unique per sender: 409 naming the existing invoice; others may reuse it */
static void t_terms_reference_unique(void **state)
{
    (void)state;
    int s = it_new_id(), s2 = it_new_id();
    char id[37], id2[37];
    lc_create(s, it_new_id(), "\"reference\": \"R-1\"", id);
    /* again, even for another receiver and with other terms */
    http_response_t *r = lc_create_r(s, it_new_id(),
        "\"reference\": \"R-1\", \"amount\": 5, \"currency\": \"EUR\"");
    json_object *p = assert_problem(r, 409);
    assert_string_equal(lc_str(p, "invoice_id"), id);
    it_check(strstr(lc_str(p, "detail"), id) != NULL,
             "the 409 detail does not name %s: %s", id, lc_str(p, "detail"));
    json_object_put(p);
    http_free(r);
    assert_int_equal(db_count_sender(s), 1);
    /* through an upload too */
    buf_t b = {0};
    mp_field(&b, "receiver_id", P("%d", it_new_id()));
    mp_field(&b, "reference", "R-1");
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    r = api("POST", "/api/sender/uploads", AS(s), MP_CTYPE, b.data, b.len);
    p = assert_problem(r, 409);
    assert_string_equal(lc_str(p, "invoice_id"), id);
    json_object_put(p);
    http_free(r);
    buf_free(&b);
    /* another sender may use it */
    lc_create(s2, it_new_id(), "\"reference\": \"R-1\"", id2);
    assert_string_not_equal(id, id2);
    /* case matters: another reference */
    lc_create(s, it_new_id(), "\"reference\": \"r-1\"", id2);
    assert_int_equal(db_count_sender(s), 2);
}

/* concurrent creates with one reference: one 201, the rest 409 */
static void t_terms_reference_race(void **state)
{
    (void)state;
    enum { N = 8 };
    int s = it_new_id();
    it_req_t qs[N];
    char *bodies[N];
    for (int i = 0; i < N; i++) {
        bodies[i] = lc_create_body(it_new_id(), "\"reference\": \"RACE\"");
        it_req(&qs[i], "POST", "/api/sender/invoices", AS(s), "application/json",
               bodies[i], strlen(bodies[i]));
    }
    http_response_t **rs = it_run_many(qs, N);
    int created = 0, conflicts = 0;
    for (int i = 0; i < N; i++) {
        if (rs[i]->status == 201)
            created++;
        else if (rs[i]->status == 409)
            conflicts++, json_object_put(assert_problem(rs[i], 409));
        else
            it_fail(__FILE__, __LINE__, "race: HTTP %ld: %.200s", rs[i]->status,
                    rs[i]->body);
        free(bodies[i]);
    }
    http_free_many(rs, N);
    assert_int_equal(created, 1);
    assert_int_equal(conflicts, N - 1);
    assert_int_equal(db_count_sender(s), 1);
}

/* ---- uploads ---------------------------------------------------------- */

static http_response_t *upload_mp(int s, const char *const *fields)
{
    buf_t b = {0};
    for (size_t i = 0; fields[i]; i += 2)
        mp_field(&b, fields[i], fields[i + 1]);
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    http_response_t *r = api("POST", "/api/sender/uploads", AS(s), MP_CTYPE,
                             b.data, b.len);
    buf_free(&b);
    return r;
}

static void assert_terms(json_object *d, long long amount, const char *cur,
                         const char *due, const char *ref)
{
    assert_int_equal(json_object_get_int64(json_object_object_get(d, "amount")), amount);
    assert_string_equal(lc_str(d, "currency"), cur);
    assert_string_equal(lc_str(d, "due_date"), due);
    assert_string_equal(lc_str(d, "reference"), ref);
}

static void t_terms_upload_multipart(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    const char *ok[] = {"receiver_id", P("%d", rcv), "amount", "1000000000000000",
                        "currency", "USD", "due_date", "2024-02-29",
                        "reference", "MP-1", NULL};
    http_response_t *r = upload_mp(s, ok);
    json_object *d;
    json_object *root = assert_invoice_response(r, 201, &d);
    assert_terms(d, 1000000000000000LL, "USD", "2024-02-29", "MP-1");
    json_object_put(root);
    http_free(r);

    /* every bad part at once, with a bad receiver_id */
    const char *bad[] = {"receiver_id", "0", "amount", "1.5", "currency", "usd",
                         "due_date", "2023-02-29", "reference", " x", NULL};
    r = upload_mp(s, bad);
    assert_field_errors(r, "receiver_id", "amount", "currency", "due_date",
                        "reference");
    http_free(r);
    /* amount without currency, currency without amount, a repeated term */
    const char *nocur[] = {"receiver_id", P("%d", rcv), "amount", "10", NULL};
    r = upload_mp(s, nocur);
    assert_field_errors(r, "currency");
    http_free(r);
    const char *noamt[] = {"receiver_id", P("%d", rcv), "currency", "EUR", NULL};
    r = upload_mp(s, noamt);
    assert_field_errors(r, "currency");
    http_free(r);
    const char *twice[] = {"receiver_id", P("%d", rcv), "reference", "A",
                           "reference", "B", NULL};
    r = upload_mp(s, twice);
    assert_field_errors(r, "reference");
    http_free(r);
    const char *amounts[] = {"-5", "+5", "05", " 5", "5 ", "", "1e3", "0x10",
                             "1000000000000001", NULL};
    for (size_t i = 0; amounts[i]; i++) {
        const char *f[] = {"receiver_id", P("%d", rcv), "amount", amounts[i],
                           "currency", "EUR", NULL};
        r = upload_mp(s, f);
        it_check(r->status == 422, "multipart amount \"%s\": HTTP %ld", amounts[i],
                 r->status);
        assert_field_errors(r, "amount");
        http_free(r);
    }
    assert_int_equal(db_count_sender(s), 1);
}

/* the "invoice" JSON part carries terms like the JSON create */
static void t_terms_upload_invoice_part(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    const char *f[] = {"invoice", P("{\"receiver_id\": %d, \"amount\": 42, "
                       "\"currency\": \"EUR\", \"due_date\": \"2030-01-31\", "
                       "\"reference\": \"IP-1\"}", rcv), NULL};
    http_response_t *r = upload_mp(s, f);
    json_object *d;
    json_object *root = assert_invoice_response(r, 201, &d);
    assert_terms(d, 42, "EUR", "2030-01-31", "IP-1");
    json_object_put(root);
    http_free(r);
    const char *bad[] = {"invoice", P("{\"receiver_id\": %d, \"amount\": \"42\", "
                         "\"currency\": \"EUR\", \"due_date\": \"2030-02-30\", "
                         "\"reference\": \"\"}", rcv), NULL};
    r = upload_mp(s, bad);
    assert_field_errors(r, "amount", "due_date", "reference");
    http_free(r);
}

static void t_terms_upload_raw_query(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    http_response_t *r = api("POST", P("/api/sender/uploads?receiver_id=%d&amount=999"
                             "&currency=EUR&due_date=2024-02-29&reference=Q%%2F1%%20a", rcv),
                             AS(s), "application/pdf", it_pdf, it_pdf_len);
    json_object *d;
    json_object *root = assert_invoice_response(r, 201, &d);
    assert_terms(d, 999, "EUR", "2024-02-29", "Q/1 a");
    json_object_put(root);
    http_free(r);

    r = api("POST", "/api/sender/uploads?receiver_id=-1&amount=0&currency=EURO"
            "&due_date=2023-02-29&reference=%09x", AS(s), "application/pdf",
            it_pdf, it_pdf_len);
    assert_field_errors(r, "receiver_id", "amount", "currency", "due_date",
                        "reference");
    http_free(r);
    r = api("POST", P("/api/sender/uploads?receiver_id=%d&amount=5", rcv), AS(s),
            "application/pdf", it_pdf, it_pdf_len);
    assert_field_errors(r, "currency");
    http_free(r);
    r = api("POST", P("/api/sender/uploads?receiver_id=%d&reference=A&reference=B", rcv),
            AS(s), "application/pdf", it_pdf, it_pdf_len);
    assert_4xx_problem(r);
    it_check(r->status == 422 || r->status == 400,
             "a repeated query term: HTTP %ld", r->status);
    http_free(r);
    /* the reference is unique across JSON creates and uploads alike */
    r = api("POST", P("/api/sender/uploads?receiver_id=%d&reference=Q%%2F1%%20a", rcv),
            AS(s), "application/pdf", it_pdf, it_pdf_len);
    json_object_put(assert_problem(r, 409));
    http_free(r);
    assert_int_equal(db_count_sender(s), 1);
}

const struct CMUnitTest it_tests_terms[] = {
    cmocka_unit_test(t_terms_json_roundtrip),
    cmocka_unit_test(t_terms_absent_are_null),
    cmocka_unit_test(t_terms_all_errors_at_once),
    cmocka_unit_test(t_terms_amount_bounds),
    cmocka_unit_test(t_terms_currency_with_amount),
    cmocka_unit_test(t_terms_currency_codes),
    cmocka_unit_test(t_terms_due_dates),
    cmocka_unit_test(t_terms_reference_rules),
    cmocka_unit_test(t_terms_reference_unique),
    cmocka_unit_test(t_terms_reference_race),
    cmocka_unit_test(t_terms_upload_multipart),
    cmocka_unit_test(t_terms_upload_invoice_part),
    cmocka_unit_test(t_terms_upload_raw_query),
};
IT_DEFINE_COUNT(terms);
