/* Unit tests for the create-request parser and validator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "core/request/create.h"

/* "%PDF-1.3\n" and the PNG signature plus a byte, base64-encoded. */
#define PDF_B64 "JVBERi0xLjMK"
#define PNG_B64 "iVBORw0KGgoA"

#include "../unit_pool.h"

static invoice_create_result_t parse(const char *body, invoice_create_t *out)
{
    return invoice_create_parse(pool, body, strlen(body), out);
}

/* The messages recorded for one field, joined by "|" ("" when none). */
static const char *field_messages(const invoice_create_result_t *res,
                                  const char *field)
{
    apr_size_t len;
    const char *json = invoice_problem_render(pool, 422, "", res->errors, &len);
    const char *key = apr_pstrcat(pool, "\"", field, "\":[", NULL);
    const char *at = strstr(json, key);
    const char *end;

    if (at == NULL) {
        return "";
    }
    at += strlen(key);
    end = strchr(at, ']');
    return apr_pstrmemdup(pool, at, (apr_size_t)(end - at));
}

static void valid_pdf_is_decoded(void **state)
{
    invoice_create_t in;
    invoice_create_result_t res = parse(
        "{\"invoice\": {\"receiver_id\": 2, \"file_type\": \"application/pdf\", "
        "\"content\": \"" PDF_B64 "\"}}", &in);

    assert_int_equal(res.status, 0);
    assert_int_equal(in.receiver_id, 2);
    assert_int_equal(in.file_type, INVOICE_FILETYPE_PDF);
    assert_int_equal(in.content_len, 9);
    assert_memory_equal(in.content, "%PDF-1.3\n", 9);
    {
        unsigned char expected[INVOICE_SHA256_LEN];
        invoice_sha256((const unsigned char *)"%PDF-1.3\n", 9, expected);
        assert_memory_equal(in.sha256, expected, INVOICE_SHA256_LEN);
    }
}

static void valid_png_is_decoded(void **state)
{
    invoice_create_t in;
    invoice_create_result_t res = parse(
        "{\"invoice\": {\"content\": \"" PNG_B64 "\", \"file_type\": \"image/png\", "
        "\"receiver_id\": 2147483647}}", &in);

    assert_int_equal(res.status, 0);
    assert_int_equal(in.receiver_id, 2147483647);
    assert_int_equal(in.file_type, INVOICE_FILETYPE_PNG);
    assert_int_equal(in.content_len, 9);
}

static void not_json_is_400(void **state)
{
    static const char *bodies[] = {
        "", "   ", "not json", "{\"invoice\": {}", "{\"invoice\": {}} trailing",
        "{\"invoice\": {}}{\"invoice\": {}}", "{\"invoice\": NaN}",
        "{\"invoice\": {\"receiver_id\": 1, \"receiver_id\": 2}}",
        "{'invoice': {}}", "{\"invoice\": {\"a\": \"\xff\"}}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        invoice_create_t in;
        invoice_create_result_t res = parse(bodies[i], &in);
        assert_int_equal(res.status, 400);
        assert_non_null(res.detail);
    }
}

static void embedded_nul_is_400(void **state)
{
    static const char body[] = "{\"invoice\": {}}\0zz";
    invoice_create_t in;
    invoice_create_result_t res = invoice_create_parse(pool, body,
                                                       sizeof(body) - 1, &in);
    assert_int_equal(res.status, 400);
}

static void wrong_shape_is_400(void **state)
{
    static const char *bodies[] = {
        "[]", "42", "\"invoice\"", "null", "{}", "{\"invoice\": []}",
        "{\"invoice\": \"x\"}", "{\"invoice\": null}", "{\"Invoice\": {}}",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        invoice_create_t in;
        assert_int_equal(parse(bodies[i], &in).status, 400);
    }
}

/* Found by fuzzing: json-c cannot finish a bare literal at the end of its
 * input, which made valid JSON look invalid. */
static void bare_literal_is_not_an_object(void **state)
{
    static const char *bodies[] = { "42", "2147483647", "true", "null", "-1",
                                     " 7 ", "\"s\"", "[]" };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        invoice_create_t in;
        invoice_create_result_t res = parse(bodies[i], &in);
        assert_int_equal(res.status, 400);
        assert_string_equal(res.detail, "request body must be a JSON object");
    }
}

typedef struct {
    const char *receiver_id;    /* JSON text of the value */
    const char *message;
} receiver_case;

static void bad_receiver_id_is_422(void **state)
{
    static const receiver_case cases[] = {
        { "0", "\"must be greater than 0\"" },
        { "-1", "\"must be greater than 0\"" },
        { "-0", "\"must be greater than 0\"" },
        { "2147483648", "\"must be less than or equal to 2147483647\"" },
        { "99999999999999999999", "\"must be less than or equal to 2147483647\"" },
        { "\"2\"", "\"must be an integer\"" },
        { "2.5", "\"must be an integer\"" },
        { "1e3", "\"must be an integer\"" },
        { "true", "\"must be an integer\"" },
        { "null", "\"is required\"" },
        { "[2]", "\"must be an integer\"" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        invoice_create_t in;
        const char *body = apr_pstrcat(pool, "{\"invoice\": {\"receiver_id\": ",
            cases[i].receiver_id, ", \"file_type\": \"application/pdf\", "
            "\"content\": \"" PDF_B64 "\"}}", NULL);
        invoice_create_result_t res = parse(body, &in);
        assert_int_equal(res.status, 422);
        assert_int_equal(invoice_field_errors_count(res.errors), 1);
        assert_string_equal(field_messages(&res, "receiver_id"), cases[i].message);
    }
}

static void every_bad_field_is_reported_at_once(void **state)
{
    invoice_create_t in;
    invoice_create_result_t res = parse(
        "{\"invoice\": {\"receiver_id\": 0, \"file_type\": \"text/plain\", "
        "\"content\": \"not base64!\", \"color\": 5}}", &in);

    assert_int_equal(res.status, 422);
    assert_int_equal(invoice_field_errors_count(res.errors), 4);
    assert_string_not_equal(field_messages(&res, "receiver_id"), "");
    assert_string_not_equal(field_messages(&res, "file_type"), "");
    assert_string_not_equal(field_messages(&res, "content"), "");
    assert_string_equal(field_messages(&res, "color"), "\"is not allowed\"");
}

static void missing_fields_are_required(void **state)
{
    invoice_create_t in;
    invoice_create_result_t res = parse("{\"invoice\": {}}", &in);

    assert_int_equal(res.status, 422);
    assert_string_equal(field_messages(&res, "receiver_id"), "\"is required\"");
    assert_string_equal(field_messages(&res, "file_type"), "\"is required\"");
    assert_string_equal(field_messages(&res, "content"), "\"is required\"");
}

static void content_rules(void **state)
{
    static const char *contents[] = {
        "\"\"",                     /* blank */
        "\"JVBERi0xLjMK\\n\"",      /* escaped newline: not strict base64 */
        "\"JVBERi0xLjM\"",          /* missing padding / bad length */
        "\"JVBE$i0xLjMK\"",         /* foreign character */
        "\"JVBERi0xLjMK====\"",     /* padding where data belongs */
        "\"iVBORw0KGgoA\"",         /* PNG bytes declared as PDF */
        "\"AA==\"",                 /* one byte: no signature */
        "42",                       /* not a string */
    };
    for (size_t i = 0; i < sizeof(contents) / sizeof(contents[0]); i++) {
        invoice_create_t in;
        const char *body = apr_pstrcat(pool, "{\"invoice\": {\"receiver_id\": 2, "
            "\"file_type\": \"application/pdf\", \"content\": ", contents[i],
            "}}", NULL);
        invoice_create_result_t res = parse(body, &in);
        assert_int_equal(res.status, 422);
        assert_int_equal(invoice_field_errors_count(res.errors), 1);
        assert_string_not_equal(field_messages(&res, "content"), "");
    }
}

static void file_type_rules(void **state)
{
    static const char *types[] = {
        "\"application/PDF\"", "\"application/pdf; x=y\"", "\"image/jpeg\"",
        "\"application/pdf\\r\\n\"", "\"\"", "1", "null",
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        invoice_create_t in;
        const char *body = apr_pstrcat(pool, "{\"invoice\": {\"receiver_id\": 2, "
            "\"file_type\": ", types[i], ", \"content\": \"" PDF_B64 "\"}}", NULL);
        invoice_create_result_t res = parse(body, &in);
        assert_int_equal(res.status, 422);
        assert_string_not_equal(field_messages(&res, "file_type"), "");
        /* With no valid type, content is not judged against a signature. */
        assert_string_equal(field_messages(&res, "content"), "");
    }
}

static void unknown_field_name_is_escaped(void **state)
{
    invoice_create_t in;
    apr_size_t len;
    invoice_create_result_t res = parse(
        "{\"invoice\": {\"receiver_id\": 2, \"file_type\": \"application/pdf\", "
        "\"content\": \"" PDF_B64 "\", \"a\\\"b</\": 1}}", &in);
    const char *json;

    assert_int_equal(res.status, 422);
    json = invoice_problem_render(pool, 422, res.detail, res.errors, &len);
    assert_non_null(strstr(json, "\"a\\\"b</\":[\"is not allowed\"]"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_pdf_is_decoded),
        cmocka_unit_test(valid_png_is_decoded),
        cmocka_unit_test(not_json_is_400),
        cmocka_unit_test(embedded_nul_is_400),
        cmocka_unit_test(wrong_shape_is_400),
        cmocka_unit_test(bare_literal_is_not_an_object),
        cmocka_unit_test(bad_receiver_id_is_422),
        cmocka_unit_test(every_bad_field_is_reported_at_once),
        cmocka_unit_test(missing_fields_are_required),
        cmocka_unit_test(content_rules),
        cmocka_unit_test(file_type_rules),
        cmocka_unit_test(unknown_field_name_is_escaped),
    };
    return cmocka_run_group_tests_name("create_request", tests, setup, teardown);
}
