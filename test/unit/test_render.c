/* Unit tests for invoice JSON rendering and problem details. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <apr_general.h>
#include <json-c/json.h>

#include "core/render.h"
#include "core/http/problem.h"

#include "unit_pool.h"

static const invoice_t sample = {
    .id = "0190f3a2-0000-7000-8000-000000000001", .sender_id = 1,
    .receiver_id = 2, .file_type = "application/pdf", .file_size = 6718,
    .status = INVOICE_STATUS_OPEN, .is_payable = 1,
    .inserted_at = "2026-11-24T10:00:00.000001Z",
    .updated_at = "2026-11-24T10:00:00.000001Z",
};

static json_object *parse_json(const char *s, apr_size_t len)
{
    json_object *o = json_tokener_parse(s);
    assert_non_null(o);
    assert_int_equal(strlen(s), len);
    return o;
}

static void one_invoice_has_every_key(void **state)
{
    apr_size_t len;
    const char *s = invoice_render_one(pool, &sample, &len);
    json_object *doc = parse_json(s, len), *data, *v;

    assert_true(json_object_object_get_ex(doc, "data", &data));
    assert_int_equal(json_object_object_length(data), 16);
    assert_true(json_object_object_get_ex(data, "status", &v));
    assert_string_equal(json_object_get_string(v), "open");
    assert_true(json_object_object_get_ex(data, "amount", &v));
    assert_null(v);
    assert_true(json_object_object_get_ex(data, "reference", &v));
    assert_null(v);
    assert_true(json_object_object_get_ex(data, "id", &v));
    assert_string_equal(json_object_get_string(v), sample.id);
    assert_true(json_object_object_get_ex(data, "file_size", &v));
    assert_int_equal(json_object_get_int(v), 6718);
    assert_true(json_object_object_get_ex(data, "is_payable", &v));
    assert_true(json_object_is_type(v, json_type_boolean));
    assert_true(json_object_object_get_ex(data, "paid_at", &v));
    assert_null(v);     /* JSON null */
    json_object_put(doc);
}

static void paid_invoice_has_paid_at(void **state)
{
    invoice_t paid = sample;
    apr_size_t len;
    json_object *doc, *data, *v;

    paid.is_payable = 0;
    paid.status = INVOICE_STATUS_PAID;
    paid.paid_at = "2026-11-24T11:00:00.000000Z";
    const char *s = invoice_render_one(pool, &paid, &len);
    doc = parse_json(s, len);
    assert_true(json_object_object_get_ex(doc, "data", &data));
    assert_true(json_object_object_get_ex(data, "paid_at", &v));
    assert_string_equal(json_object_get_string(v), paid.paid_at);
    assert_true(json_object_object_get_ex(data, "is_payable", &v));
    assert_false(json_object_get_boolean(v));
    json_object_put(doc);
}

/* The terms as given; the reference, the one text from outside, escaped. */
static void terms_and_an_escaped_reference(void **state)
{
    invoice_t inv = sample;
    apr_size_t len;
    json_object *doc, *data, *v;

    inv.has_amount = 1;
    inv.amount = 1000000000000000LL;
    inv.currency = "EUR";
    inv.due_date = "2026-12-31";
    inv.reference = "INV \"7\" \\ \x01 \xc3\xa9";
    const char *s = invoice_render_one(pool, &inv, &len);
    doc = parse_json(s, len);
    assert_true(json_object_object_get_ex(doc, "data", &data));
    assert_true(json_object_object_get_ex(data, "amount", &v));
    assert_true(json_object_get_int64(v) == 1000000000000000LL);
    assert_true(json_object_object_get_ex(data, "currency", &v));
    assert_string_equal(json_object_get_string(v), "EUR");
    assert_true(json_object_object_get_ex(data, "due_date", &v));
    assert_string_equal(json_object_get_string(v), "2026-12-31");
    assert_true(json_object_object_get_ex(data, "reference", &v));
    assert_string_equal(json_object_get_string(v), inv.reference);
    json_object_put(doc);
}

static void events_render_type_and_invoice(void **state)
{
    apr_array_header_t *events = apr_array_make(pool, 1, sizeof(invoice_event_t));
    invoice_event_t *ev = apr_array_push(events);
    apr_size_t len;
    json_object *doc, *data, *first, *v;

    ev->id = "42";
    ev->type = INVOICE_EVENT_VOIDED;
    ev->created_at = "2026-11-24T12:00:00.000000Z";
    ev->invoice = sample;
    ev->invoice.status = INVOICE_STATUS_VOID;
    ev->invoice.is_payable = 0;
    ev->invoice.voided_at = ev->created_at;
    const char *s = invoice_render_events(pool, events, 0, &len);
    doc = parse_json(s, len);
    assert_true(json_object_object_get_ex(doc, "data", &data));
    first = json_object_array_get_idx(data, 0);
    assert_true(json_object_object_get_ex(first, "type", &v));
    assert_string_equal(json_object_get_string(v), "invoice.voided");
    assert_true(json_object_object_get_ex(first, "invoice_id", &v));
    assert_string_equal(json_object_get_string(v), sample.id);
    assert_true(json_object_object_get_ex(first, "data", &v));
    assert_true(json_object_object_get_ex(v, "status", &v));
    assert_string_equal(json_object_get_string(v), "void");
    json_object_put(doc);
}

static void list_renders_items_and_has_more(void **state)
{
    apr_array_header_t *items = apr_array_make(pool, 2, sizeof(invoice_t));
    apr_size_t len;
    json_object *doc, *data, *more;

    *(invoice_t *)apr_array_push(items) = sample;
    *(invoice_t *)apr_array_push(items) = sample;
    const char *s = invoice_render_list(pool, items, 1, &len);
    doc = parse_json(s, len);
    assert_true(json_object_object_get_ex(doc, "data", &data));
    assert_int_equal(json_object_array_length(data), 2);
    assert_true(json_object_object_get_ex(doc, "has_more", &more));
    assert_true(json_object_get_boolean(more));
    json_object_put(doc);
}

static void empty_list(void **state)
{
    apr_array_header_t *items = apr_array_make(pool, 1, sizeof(invoice_t));
    apr_size_t len;
    const char *s = invoice_render_list(pool, items, 0, &len);

    assert_string_equal(s, "{\"data\":[],\"has_more\":false}");
}

static void problem_has_rfc9457_members(void **state)
{
    apr_size_t len;
    const char *s = invoice_problem_render(pool, 404, "no such invoice", NULL, &len);
    json_object *doc = parse_json(s, len), *v;

    assert_int_equal(json_object_object_length(doc), 4);
    assert_true(json_object_object_get_ex(doc, "type", &v));
    assert_string_equal(json_object_get_string(v), "about:blank");
    assert_true(json_object_object_get_ex(doc, "title", &v));
    assert_string_equal(json_object_get_string(v), "Not Found");
    assert_true(json_object_object_get_ex(doc, "status", &v));
    assert_int_equal(json_object_get_int(v), 404);
    assert_true(json_object_object_get_ex(doc, "detail", &v));
    assert_string_equal(json_object_get_string(v), "no such invoice");
    json_object_put(doc);
}

static void problem_lists_field_errors_in_order(void **state)
{
    invoice_field_errors_t *e = invoice_field_errors_make(pool);
    apr_size_t len;
    const char *s;

    invoice_field_errors_add(e, "receiver_id", "must be greater than 0");
    invoice_field_errors_add(e, "content", "is required");
    invoice_field_errors_add(e, "receiver_id", "second message");
    assert_int_equal(invoice_field_errors_count(e), 2);
    s = invoice_problem_render(pool, 422, "invalid", e, &len);
    assert_non_null(strstr(s, "\"errors\":{\"receiver_id\":[\"must be greater than 0\","
                              "\"second message\"],\"content\":[\"is required\"]}"));
    assert_non_null(strstr(s, "\"title\":\"Unprocessable Content\""));
}

static void times_are_rfc3339_utc_with_microseconds(void **state)
{
    /* 2026-11-24T10:00:00.000001Z is 1795514400 s after the epoch. */
    assert_string_equal(invoice_render_time(pool, APR_INT64_C(1795514400000001)),
                        "2026-11-24T10:00:00.000001Z");
    assert_string_equal(invoice_render_time(pool, 0), "1970-01-01T00:00:00.000000Z");
    /* 2000-01-01, PostgreSQL's epoch, and a leap day. */
    assert_string_equal(invoice_render_time(pool, APR_INT64_C(946684800000000)),
                        "2000-01-01T00:00:00.000000Z");
    assert_string_equal(invoice_render_time(pool, APR_INT64_C(1709208000123456)),
                        "2024-02-29T12:00:00.123456Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_invoice_has_every_key),
        cmocka_unit_test(paid_invoice_has_paid_at),
        cmocka_unit_test(list_renders_items_and_has_more),
        cmocka_unit_test(terms_and_an_escaped_reference),
        cmocka_unit_test(events_render_type_and_invoice),
        cmocka_unit_test(empty_list),
        cmocka_unit_test(problem_has_rfc9457_members),
        cmocka_unit_test(problem_lists_field_errors_in_order),
        cmocka_unit_test(times_are_rfc3339_utc_with_microseconds),
    };
    return cmocka_run_group_tests_name("render", tests, setup, teardown);
}
