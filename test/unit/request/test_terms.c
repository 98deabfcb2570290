/* Unit tests for an invoice's optional terms (amount, currency, due_date,
 * reference), the currency table and the date parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <apr_strings.h>

#include "core/request/terms.h"
#include "core/util/currency.h"
#include "core/util/date.h"
#include "core/util/json.h"

#include "../unit_pool.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define INTEGER "\"must be an integer\""
#define RANGE "\"must be between 1 and 1000000000000000\""
#define BLANK "\"can't be blank\""
#define A_STRING "\"must be a string\""
#define NOT_A_DATE "\"must be a date (YYYY-MM-DD)\""
#define DATE_RANGE "\"must be a date from 1900-01-01 to 9999-12-31\""
#define THREE_LETTERS "\"must be a three-letter ISO 4217 code, e.g. EUR\""
#define UNKNOWN_CODE "\"is not a current ISO 4217 currency code\""
#define UPPERCASE "\"must be in uppercase letters, e.g. EUR\""
#define CONTROL "\"must not contain control characters\""
#define ENDS "\"must not start or end with spaces\""
#define LENGTH "\"must be 1 to 64 characters\""
#define UTF8 "\"must be valid UTF-8\""

/* The messages recorded for one field, as JSON strings joined by ","
 * ("" when none). */
static const char *messages(const invoice_field_errors_t *errors,
                            const char *field)
{
    apr_size_t len;
    const char *json = invoice_problem_render(pool, 422, "", errors, &len);
    const char *key = apr_pstrcat(pool, "\"", field, "\":[", NULL);
    const char *at = strstr(json, key);

    if (at == NULL) {
        return "";
    }
    at += strlen(key);
    return apr_pstrmemdup(pool, at, (apr_size_t)(strchr(at, ']') - at));
}

/* obj, read by invoice_terms_from_json; the errors it found. */
static invoice_field_errors_t *from_json(const char *text, invoice_terms_t *t)
{
    invoice_field_errors_t *errors = invoice_field_errors_make(pool);
    json_object *obj = invoice_json_own(pool, json_tokener_parse(text));

    assert_non_null(obj);
    memset(t, 0, sizeof(*t));
    invoice_terms_from_json(pool, obj, t, errors);
    return errors;
}

/* One member of a JSON object, alone. */
static invoice_field_errors_t *json_member(const char *name, const char *value,
                                           invoice_terms_t *t)
{
    return from_json(apr_pstrcat(pool, "{\"", name, "\": ", value, "}", NULL), t);
}

static invoice_field_errors_t *from_text(invoice_term_t field, const char *s,
                                         size_t len, invoice_terms_t *t)
{
    invoice_field_errors_t *errors = invoice_field_errors_make(pool);

    memset(t, 0, sizeof(*t));
    invoice_terms_from_text(pool, field, s, len, t, errors);
    return errors;
}

static invoice_field_errors_t *text(invoice_term_t field, const char *s,
                                    invoice_terms_t *t)
{
    return from_text(field, s, strlen(s), t);
}

/* ---- JSON: the happy path, absence, null ---- */

static void json_all_four_valid(void **state)
{
    invoice_terms_t t;
    invoice_field_errors_t *errors = from_json(
        "{\"amount\": 123456, \"currency\": \"EUR\", \"due_date\": \"2024-02-29\","
        " \"reference\": \"INV 2024/17-\\u00e9\", \"receiver_id\": 2}", &t);

    invoice_terms_cross_check(&t, errors);
    assert_int_equal(invoice_field_errors_count(errors), 0);
    assert_true(t.has_amount);
    assert_true(t.amount == 123456);
    assert_string_equal(t.currency, "EUR");
    assert_string_equal(t.due_date, "2024-02-29");
    assert_string_equal(t.reference, "INV 2024/17-\xc3\xa9");
    assert_int_equal(t.given, INVOICE_TERM_AMOUNT | INVOICE_TERM_CURRENCY
                              | INVOICE_TERM_DUE_DATE | INVOICE_TERM_REFERENCE);
}

static void json_absent_and_null_are_not_given(void **state)
{
    static const char *docs[] = {
        "{}", "{\"receiver_id\": 2, \"content\": \"x\"}",
        "{\"amount\": null, \"currency\": null, \"due_date\": null,"
        " \"reference\": null}",
    };
    for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
        invoice_terms_t t;
        invoice_field_errors_t *errors = from_json(docs[i], &t);

        invoice_terms_cross_check(&t, errors);
        assert_int_equal(invoice_field_errors_count(errors), 0);
        assert_int_equal(t.given, 0);
        assert_false(t.has_amount);
        assert_null(t.currency);
        assert_null(t.due_date);
        assert_null(t.reference);
    }
}

/* ---- amount ---- */

static void json_amount_range(void **state)
{
    static const struct { const char *json; int64_t value; } good[] = {
        { "1", 1 }, { "1000000000000000", INT64_C(1000000000000000) },
        { "999999999999999", INT64_C(999999999999999) }, { "1050", 1050 },
    };
    static const char *bad[] = {
        "0", "-0", "-1", "1000000000000001", "9223372036854775807",
        "9223372036854775808",                  /* 2^63 */
        "18446744073709551616",                 /* 2^64 */
        "-9223372036854775808", "-9223372036854775809",
        "123456789012345678901234567890",
    };
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        invoice_terms_t t;
        invoice_field_errors_t *errors = json_member("amount", good[i].json, &t);

        assert_int_equal(invoice_field_errors_count(errors), 0);
        assert_true(t.has_amount);
        assert_true(t.amount == good[i].value);
    }
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        invoice_terms_t t;
        invoice_field_errors_t *errors = json_member("amount", bad[i], &t);

        assert_string_equal(messages(errors, "amount"), RANGE);
        assert_false(t.has_amount);
        assert_int_equal(t.given, INVOICE_TERM_AMOUNT);
    }
}

static void json_amount_must_be_an_integer(void **state)
{
    static const char *bad[] = {
        "\"1234\"", "\"\"", "12.5", "1e3", "1E3", "12.0", "1.0e2", "-1.5",
        "true", "false", "[1]", "{\"cents\": 1}",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        invoice_terms_t t;
        invoice_field_errors_t *errors = json_member("amount", bad[i], &t);

        assert_string_equal(messages(errors, "amount"), INTEGER);
        assert_int_equal(invoice_field_errors_count(errors), 1);
        assert_false(t.has_amount);
    }
}

static void text_amount_rules(void **state)
{
    static const struct { const char *text, *msg; } cases[] = {
        { "0", RANGE }, { "-0", RANGE }, { "-1", RANGE },
        { "1000000000000001", RANGE }, { "9223372036854775808", RANGE },
        { "18446744073709551616", RANGE },
        { "99999999999999999999999999999999999999", RANGE },
        { "-99999999999999999999", RANGE },
        { "", BLANK }, { "+1", INTEGER }, { "-", INTEGER }, { "--1", INTEGER },
        { " 1", INTEGER }, { "1 ", INTEGER }, { "1 000", INTEGER },
        { "1.0", INTEGER }, { "1,00", INTEGER }, { "1e3", INTEGER },
        { "0x10", INTEGER }, { "12a", INTEGER }, { "\xef\xbc\x91", INTEGER },
        { "01", "\"must be written without leading zeros\"" },
        { "00", "\"must be written without leading zeros\"" },
        { "-01", "\"must be written without leading zeros\"" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        invoice_terms_t t;
        invoice_field_errors_t *errors = text(INVOICE_TERM_AMOUNT,
                                              cases[i].text, &t);

        assert_string_equal(messages(errors, "amount"), cases[i].msg);
        assert_false(t.has_amount);
        assert_int_equal(t.given, INVOICE_TERM_AMOUNT);
    }
}

static void text_amount_valid_and_exact_length(void **state)
{
    invoice_terms_t t;
    invoice_field_errors_t *errors = text(INVOICE_TERM_AMOUNT, "1", &t);

    assert_int_equal(invoice_field_errors_count(errors), 0);
    assert_true(t.has_amount && t.amount == 1);
    errors = text(INVOICE_TERM_AMOUNT, "1000000000000000", &t);
    assert_int_equal(invoice_field_errors_count(errors), 0);
    assert_true(t.amount == INVOICE_AMOUNT_MAX);
    /* Only len bytes count: "12" of "1234", and a NUL inside is a byte. */
    errors = from_text(INVOICE_TERM_AMOUNT, "1234", 2, &t);
    assert_int_equal(invoice_field_errors_count(errors), 0);
    assert_true(t.amount == 12);
    errors = from_text(INVOICE_TERM_AMOUNT, "12\0" "3", 4, &t);
    assert_string_equal(messages(errors, "amount"), INTEGER);
}

/* ---- currency ---- */

static void currency_table_is_sorted_and_well_formed(void **state)
{
    size_t n = 0;

    for (const char *code; (code = invoice_currency_at(n)) != NULL; n++) {
        assert_int_equal(strlen(code), 3);
        for (int i = 0; i < 3; i++) {
            assert_true(code[i] >= 'A' && code[i] <= 'Z');
        }
        if (n > 0) {    /* binary search needs strictly ascending codes */
            assert_true(strcmp(invoice_currency_at(n - 1), code) < 0);
        }
        assert_true(invoice_currency_known(code, 3));
        assert_in_range(invoice_currency_minor_units(code, 3), 0, 4);
    }
    assert_int_equal(n, 165);
    assert_null(invoice_currency_at(n + 1000));
}

static void currency_members(void **state)
{
    static const char *current[] = {
        "EUR", "USD", "JPY", "GBP", "CHF", "AED", "ZWG", "XCG", "XAD", "SLE",
        "VED", "VES", "MRU", "STN", "BYN", "CUP", "CLF", "UYW", "USN", "XOF",
        "XAF", "XPF", "XCD", "CNY", "INR", "KWD", "ZMW",
    };
    for (size_t i = 0; i < ARRAY_LEN(current); i++) {
        invoice_terms_t t;
        invoice_field_errors_t *errors = text(INVOICE_TERM_CURRENCY,
                                              current[i], &t);

        assert_true(invoice_currency_known(current[i], 3));
        assert_int_equal(invoice_field_errors_count(errors), 0);
        assert_string_equal(t.currency, current[i]);
    }
    assert_int_equal(invoice_currency_minor_units("JPY", 3), 0);
    assert_int_equal(invoice_currency_minor_units("EUR", 3), 2);
    assert_int_equal(invoice_currency_minor_units("KWD", 3), 3);
    assert_int_equal(invoice_currency_minor_units("BHD", 3), 3);
    assert_int_equal(invoice_currency_minor_units("CLF", 3), 4);
    assert_int_equal(invoice_currency_minor_units("UYI", 3), 0);
    assert_int_equal(invoice_currency_minor_units("DEM", 3), -1);
    assert_int_equal(invoice_currency_minor_units("eur", 3), -1);
}

static void currency_non_members(void **state)
{
    static const struct { const char *text, *msg; } cases[] = {
        /* withdrawn: List Three */
        { "DEM", UNKNOWN_CODE }, { "FRF", UNKNOWN_CODE }, { "HRK", UNKNOWN_CODE },
        { "SLL", UNKNOWN_CODE }, { "CUC", UNKNOWN_CODE }, { "ZWL", UNKNOWN_CODE },
        { "ANG", UNKNOWN_CODE }, { "BGN", UNKNOWN_CODE }, { "VEF", UNKNOWN_CODE },
        { "LTL", UNKNOWN_CODE },
        /* List One, but no minor unit: not an invoice currency */
        { "XAU", UNKNOWN_CODE }, { "XAG", UNKNOWN_CODE }, { "XDR", UNKNOWN_CODE },
        { "XTS", UNKNOWN_CODE }, { "XXX", UNKNOWN_CODE }, { "XBA", UNKNOWN_CODE },
        { "XSU", UNKNOWN_CODE }, { "XUA", UNKNOWN_CODE },
        /* never codes */
        { "ABC", UNKNOWN_CODE }, { "AAA", UNKNOWN_CODE }, { "ZZZ", UNKNOWN_CODE },
        { "BTC", UNKNOWN_CODE }, { "abc", UNKNOWN_CODE },
        /* known, in the wrong case */
        { "eur", UPPERCASE }, { "Eur", UPPERCASE }, { "euR", UPPERCASE },
        { "usd", UPPERCASE },
        /* not three ASCII letters */
        { "", BLANK }, { "EU", THREE_LETTERS }, { "EURO", THREE_LETTERS },
        { "E", THREE_LETTERS }, { "EU1", THREE_LETTERS }, { "E R", THREE_LETTERS },
        { " EUR", THREE_LETTERS }, { "EUR ", THREE_LETTERS },
        { "E\xc3\x9cR", THREE_LETTERS },        /* EÜR */
        { "\xc3\x84UR", THREE_LETTERS },        /* ÄUR */
        { "\xe2\x82\xac", THREE_LETTERS },      /* € */
        { "EU@", THREE_LETTERS }, { "EU[", THREE_LETTERS }, { "EU`", THREE_LETTERS },
        { "EU{", THREE_LETTERS }, { "978", THREE_LETTERS },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        invoice_terms_t t;
        invoice_field_errors_t *errors = text(INVOICE_TERM_CURRENCY,
                                              cases[i].text, &t);

        assert_string_equal(messages(errors, "currency"), cases[i].msg);
        assert_null(t.currency);
        assert_false(invoice_currency_known(cases[i].text, strlen(cases[i].text)));
    }
}

static void currency_exact_bytes(void **state)
{
    invoice_terms_t t;

    assert_false(invoice_currency_known(NULL, 0));
    assert_false(invoice_currency_known("EUR", 0));
    assert_false(invoice_currency_known("EUR", 2));
    assert_false(invoice_currency_known("EUR\0", 4));
    assert_true(invoice_currency_known("EURO", 3));   /* len is the bound */
    assert_string_equal(messages(from_text(INVOICE_TERM_CURRENCY, "EU\0", 3, &t),
                                 "currency"), THREE_LETTERS);
    assert_string_equal(messages(from_text(INVOICE_TERM_CURRENCY, "EUR\0", 4, &t),
                                 "currency"), THREE_LETTERS);
    assert_string_equal(messages(json_member("currency", "\"EU\\u00d2\"", &t),
                                 "currency"), THREE_LETTERS);
}

/* ---- due_date ---- */

static void dates_that_exist(void **state)
{
    static const char *good[] = {
        "2024-02-29", "2000-02-29", "2400-02-29", "1904-02-29", "1900-01-01",
        "9999-12-31", "2024-12-31", "2023-01-31", "2023-04-30", "2025-03-31",
        "2023-02-28",
    };
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        invoice_terms_t t;
        invoice_field_errors_t *errors = text(INVOICE_TERM_DUE_DATE, good[i], &t);

        assert_int_equal(invoice_field_errors_count(errors), 0);
        assert_string_equal(t.due_date, good[i]);
    }
}

static void dates_that_do_not(void **state)
{
    static const struct { const char *text, *msg; } cases[] = {
        { "2023-02-29", NOT_A_DATE }, { "1900-02-29", NOT_A_DATE },
        { "2100-02-29", NOT_A_DATE }, { "2024-02-30", NOT_A_DATE },
        { "2024-13-01", NOT_A_DATE }, { "2024-00-10", NOT_A_DATE },
        { "2024-04-31", NOT_A_DATE }, { "2024-06-31", NOT_A_DATE },
        { "2024-09-31", NOT_A_DATE }, { "2024-11-31", NOT_A_DATE },
        { "2024-01-00", NOT_A_DATE }, { "2024-01-32", NOT_A_DATE },
        { "2024-99-99", NOT_A_DATE }, { "0000-00-00", NOT_A_DATE },
        { "2024-1-01", NOT_A_DATE }, { "2024-01-1", NOT_A_DATE },
        { "24-01-01", NOT_A_DATE }, { "02024-01-01", NOT_A_DATE },
        { "2024/01/01", NOT_A_DATE }, { "2024.01.01", NOT_A_DATE },
        { "20240101", NOT_A_DATE }, { "2024-0101", NOT_A_DATE },
        { " 2024-01-01", NOT_A_DATE }, { "2024-01-01 ", NOT_A_DATE },
        { "2024-01-01T00:00:00Z", NOT_A_DATE }, { "2024-01-01x", NOT_A_DATE },
        { "+024-01-01", NOT_A_DATE }, { "-024-01-01", NOT_A_DATE },
        { "2024-+1-01", NOT_A_DATE }, { "2024-0a-01", NOT_A_DATE },
        { "2024-01--1", NOT_A_DATE }, { "01-01-2024", NOT_A_DATE },
        { "2024-W01-1", NOT_A_DATE }, { "tomorrow", NOT_A_DATE },
        { "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94-01-01", NOT_A_DATE },
        { "", BLANK },
        { "0000-01-01", DATE_RANGE }, { "0000-02-29", DATE_RANGE },
        { "0001-01-01", DATE_RANGE }, { "1899-12-31", DATE_RANGE },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        invoice_terms_t t;
        invoice_field_errors_t *errors = text(INVOICE_TERM_DUE_DATE,
                                              cases[i].text, &t);

        assert_string_equal(messages(errors, "due_date"), cases[i].msg);
        assert_null(t.due_date);
    }
}

static void date_parser_fields_and_bytes(void **state)
{
    invoice_date_t d = { 0, 0, 0 };
    invoice_terms_t t;

    assert_int_equal(invoice_date_parse("2024-02-29", 10, &d), INVOICE_DATE_OK);
    assert_int_equal(d.year, 2024);
    assert_int_equal(d.month, 2);
    assert_int_equal(d.day, 29);
    assert_int_equal(invoice_date_parse("2024-02-29", 9, &d), INVOICE_DATE_MALFORMED);
    assert_int_equal(invoice_date_parse(NULL, 0, &d), INVOICE_DATE_MALFORMED);
    assert_int_equal(invoice_date_parse("2024-02-2\0", 10, &d),
                     INVOICE_DATE_MALFORMED);
    assert_int_equal(d.day, 29);        /* untouched on failure */
    assert_string_equal(messages(from_text(INVOICE_TERM_DUE_DATE,
                                           "2024-01-01\0", 11, &t), "due_date"),
                        NOT_A_DATE);
}

/* ---- reference ---- */

static const char *repeat(const char *s, int n)
{
    const char *out = "";

    while (n-- > 0) {
        out = apr_pstrcat(pool, out, s, NULL);
    }
    return out;
}

static void reference_lengths_count_code_points(void **state)
{
    static const char *one[] = {
        "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",   /* a é € 😀 */
    };
    for (size_t i = 0; i < ARRAY_LEN(one); i++) {
        invoice_terms_t t;
        const char *ok = repeat(one[i], 64), *long_one = repeat(one[i], 65);

        assert_int_equal(invoice_field_errors_count(
            text(INVOICE_TERM_REFERENCE, ok, &t)), 0);
        assert_string_equal(t.reference, ok);
        assert_string_equal(messages(text(INVOICE_TERM_REFERENCE, long_one, &t),
                                     "reference"), LENGTH);
        assert_null(t.reference);
    }
}

static void reference_combining_marks_are_characters(void **state)
{
    invoice_terms_t t;
    const char *e_acute = "e\xcc\x81";      /* e + U+0301: two code points */

    assert_int_equal(invoice_field_errors_count(
        text(INVOICE_TERM_REFERENCE, repeat(e_acute, 32), &t)), 0);
    assert_string_equal(messages(text(INVOICE_TERM_REFERENCE,
                                      apr_pstrcat(pool, repeat(e_acute, 32), "x",
                                                  NULL), &t), "reference"),
                        LENGTH);
    /* 63 ASCII and one two-byte letter: 64 characters in 65 bytes. */
    assert_int_equal(invoice_field_errors_count(text(INVOICE_TERM_REFERENCE,
        apr_pstrcat(pool, repeat("a", 63), "\xc3\xa9", NULL), &t)), 0);
}

static void reference_control_characters(void **state)
{
    static const char *bad[] = {
        "A\tB", "A\nB", "A\rB", "\x01" "AB", "AB\x1f", "A\x7f" "B",
        "A\xc2\x80" "B", "A\xc2\x85" "B", "A\xc2\x9f" "B",  /* C1: U+0080, NEL, U+009F */
        "A\xe2\x80\xa8" "B", "A\xe2\x80\xa9" "B",           /* U+2028, U+2029 */
        "A\xe2\x80\xae" "B", "A\xe2\x80\xaa" "B",           /* RLO, LRE */
        "A\xe2\x81\xa6" "B", "A\xe2\x81\xa9" "B",           /* LRI, PDI */
        "A\xe2\x80\x8e" "B", "A\xe2\x80\x8f" "B",           /* LRM, RLM */
        "A\xd8\x9c" "B",                                    /* ALM */
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        invoice_terms_t t;

        assert_string_equal(messages(text(INVOICE_TERM_REFERENCE, bad[i], &t),
                                     "reference"), CONTROL);
        assert_null(t.reference);
    }
    {
        invoice_terms_t t;      /* a NUL is C0 too */
        assert_string_equal(messages(from_text(INVOICE_TERM_REFERENCE, "A\0B", 3,
                                               &t), "reference"), CONTROL);
        assert_string_equal(messages(json_member("reference", "\"A\\u0000B\"", &t),
                                     "reference"), CONTROL);
    }
}

static void reference_spaces_at_the_ends(void **state)
{
    static const char *bad[] = {
        " ", "  ", " A", "A ", " A ", "\xc2\xa0" "A", "A\xc2\xa0",   /* NBSP */
        "A\xe3\x80\x80",                                /* ideographic space */
        "\xe2\x80\x83" "A", "\xe2\x80\xaf" "A", "\xe1\x9a\x80" "A",
        "\xef\xbb\xbf" "A",                             /* BOM */
        "A\xe2\x80\x8b", "\xe2\x81\xa0" "A",            /* ZWSP, WORD JOINER */
    };
    static const char *good[] = {
        "INV 2024 / 17", "A\xc2\xa0" "B", "A\xe3\x80\x80" "B", "2024-0001",
        "Rechnung Nr. 4711", "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8 42", "#",
        "\xf0\x9f\xa7\xbe", "a\xe2\x80\x8d" "b",        /* 🧾, ZWJ inside */
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        invoice_terms_t t;

        assert_string_equal(messages(text(INVOICE_TERM_REFERENCE, bad[i], &t),
                                     "reference"), ENDS);
        assert_null(t.reference);
    }
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        invoice_terms_t t;

        assert_int_equal(invoice_field_errors_count(
            text(INVOICE_TERM_REFERENCE, good[i], &t)), 0);
        assert_string_equal(t.reference, good[i]);
    }
}

static void reference_invalid_utf8(void **state)
{
    static const char *bad[] = {
        "\xff", "A\xfe", "\x80", "A\xc3", "\xc0\xaf",   /* overlong '/' */
        "\xe0\x80\xaf", "\xed\xa0\x80",                 /* overlong, surrogate */
        "\xf4\x90\x80\x80", "\xe2\x82", "\xf0\x9f\x98", /* > U+10FFFF, cut */
        " \xff", "\xff\x01",           /* nothing else is judged */
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        invoice_terms_t t;

        assert_string_equal(messages(text(INVOICE_TERM_REFERENCE, bad[i], &t),
                                     "reference"), UTF8);
        assert_null(t.reference);
    }
}

static void reference_every_problem_at_once(void **state)
{
    invoice_terms_t t;
    const char *all = apr_pstrcat(pool, " ", repeat("x", 70), "\x01", NULL);

    assert_string_equal(messages(text(INVOICE_TERM_REFERENCE, all, &t),
                                 "reference"), CONTROL "," ENDS "," LENGTH);
    assert_string_equal(messages(text(INVOICE_TERM_REFERENCE, "", &t),
                                 "reference"), BLANK);
    assert_int_equal(t.given, INVOICE_TERM_REFERENCE);
}

/* ---- JSON types of the string fields ---- */

static void json_string_fields_must_be_strings(void **state)
{
    static const char *names[] = { "currency", "due_date", "reference" };
    static const char *values[] = { "1", "978", "1.5", "true", "false", "[]",
                                    "[\"EUR\"]", "{}", "{\"code\": \"EUR\"}" };

    for (size_t n = 0; n < ARRAY_LEN(names); n++) {
        for (size_t v = 0; v < ARRAY_LEN(values); v++) {
            invoice_terms_t t;
            invoice_field_errors_t *errors = json_member(names[n], values[v], &t);

            assert_string_equal(messages(errors, names[n]), A_STRING);
            assert_int_equal(invoice_field_errors_count(errors), 1);
        }
    }
}

static void json_and_text_share_the_rules(void **state)
{
    invoice_terms_t t;

    assert_string_equal(messages(json_member("currency", "\"eur\"", &t),
                                 "currency"), UPPERCASE);
    assert_string_equal(messages(json_member("currency", "\"\"", &t),
                                 "currency"), BLANK);
    assert_string_equal(messages(json_member("due_date", "\"2023-02-29\"", &t),
                                 "due_date"), NOT_A_DATE);
    assert_string_equal(messages(json_member("reference", "\" A\"", &t),
                                 "reference"), ENDS);
    assert_string_equal(messages(json_member("reference", "\"\\u202eA\"", &t),
                                 "reference"), CONTROL);
    assert_string_equal(messages(json_member("reference",
        apr_pstrcat(pool, "\"", repeat("\\u20ac", 65), "\"", NULL), &t),
        "reference"), LENGTH);
    assert_int_equal(invoice_field_errors_count(
        json_member("reference", apr_pstrcat(pool, "\"", repeat("\\u20ac", 64),
                                             "\"", NULL), &t)), 0);
    assert_string_equal(t.reference, repeat("\xe2\x82\xac", 64));
}

/* ---- every bad field at once; the rule between fields ---- */

static void every_bad_field_is_listed_at_once(void **state)
{
    invoice_terms_t t;
    invoice_field_errors_t *errors = from_json(
        "{\"amount\": 0, \"currency\": \"eur\", \"due_date\": \"2024-13-01\","
        " \"reference\": \" \"}", &t);

    invoice_terms_cross_check(&t, errors);
    assert_int_equal(invoice_field_errors_count(errors), 4);
    assert_string_equal(messages(errors, "amount"), RANGE);
    assert_string_equal(messages(errors, "currency"), UPPERCASE);
    assert_string_equal(messages(errors, "due_date"), NOT_A_DATE);
    assert_string_equal(messages(errors, "reference"), ENDS);
    assert_false(t.has_amount);
    assert_null(t.currency);
    assert_null(t.due_date);
    assert_null(t.reference);
}

static void cross_check_on_what_was_given(void **state)
{
    static const struct { const char *json, *currency_msgs; } cases[] = {
        { "{\"currency\": \"EUR\"}", "\"can only be given with amount\"" },
        { "{\"amount\": 100}", "\"is required when amount is given\"" },
        { "{\"amount\": 100, \"currency\": null}",
          "\"is required when amount is given\"" },
        { "{\"amount\": null, \"currency\": \"USD\"}",
          "\"can only be given with amount\"" },
        /* a bad currency without amount: both problems */
        { "{\"currency\": \"eur\"}", UPPERCASE ",\"can only be given with amount\"" },
        /* a bad amount is still given: no rule broken */
        { "{\"amount\": \"100\", \"currency\": \"EUR\"}", "" },
        { "{\"amount\": 0, \"currency\": \"DEM\"}", UNKNOWN_CODE },
        { "{\"amount\": 100, \"currency\": \"JPY\"}", "" },
        { "{\"due_date\": \"2025-01-31\", \"reference\": \"R-1\"}", "" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        invoice_terms_t t;
        invoice_field_errors_t *errors = from_json(cases[i].json, &t);

        invoice_terms_cross_check(&t, errors);
        assert_string_equal(messages(errors, "currency"), cases[i].currency_msgs);
    }
}

/* ---- text entry: field names, repeats ---- */

static void field_names(void **state)
{
    assert_int_equal(invoice_terms_field("amount", 6), INVOICE_TERM_AMOUNT);
    assert_int_equal(invoice_terms_field("currency", 8), INVOICE_TERM_CURRENCY);
    assert_int_equal(invoice_terms_field("due_date", 8), INVOICE_TERM_DUE_DATE);
    assert_int_equal(invoice_terms_field("reference", 9), INVOICE_TERM_REFERENCE);
    assert_int_equal(invoice_terms_field("amount=5&x", 6), INVOICE_TERM_AMOUNT);
    assert_int_equal(invoice_terms_field("Amount", 6), INVOICE_TERM_NONE);
    assert_int_equal(invoice_terms_field("amount", 5), INVOICE_TERM_NONE);
    assert_int_equal(invoice_terms_field("amounts", 7), INVOICE_TERM_NONE);
    assert_int_equal(invoice_terms_field("due-date", 8), INVOICE_TERM_NONE);
    assert_int_equal(invoice_terms_field("receiver_id", 11), INVOICE_TERM_NONE);
    assert_int_equal(invoice_terms_field("", 0), INVOICE_TERM_NONE);
    assert_int_equal(invoice_terms_field(NULL, 0), INVOICE_TERM_NONE);
    {
        static const char *const allowed[] = { INVOICE_TERMS_FIELD_NAMES, NULL };
        size_t n = 0;
        while (allowed[n] != NULL) {
            assert_int_not_equal(invoice_terms_field(allowed[n], strlen(allowed[n])),
                                 INVOICE_TERM_NONE);
            n++;
        }
        assert_int_equal(n, 4);
    }
}

static void text_ignores_what_is_not_one_field(void **state)
{
    invoice_terms_t t;
    invoice_field_errors_t *errors = text(INVOICE_TERM_NONE, "1", &t);

    assert_int_equal(invoice_field_errors_count(errors), 0);
    errors = text((invoice_term_t)(INVOICE_TERM_AMOUNT | INVOICE_TERM_CURRENCY),
                  "1", &t);
    assert_int_equal(invoice_field_errors_count(errors), 0);
    assert_int_equal(t.given, 0);
}

static void a_field_given_twice_keeps_the_first(void **state)
{
    invoice_terms_t t;
    invoice_field_errors_t *errors = text(INVOICE_TERM_AMOUNT, "100", &t);

    invoice_terms_from_text(pool, INVOICE_TERM_AMOUNT, "200", 3, &t, errors);
    invoice_terms_from_text(pool, INVOICE_TERM_CURRENCY, "EUR", 3, &t, errors);
    invoice_terms_cross_check(&t, errors);
    assert_string_equal(messages(errors, "amount"), "\"is given more than once\"");
    assert_true(t.amount == 100);
    assert_string_equal(messages(errors, "currency"), "");
    /* JSON first, then a part of the same name. */
    errors = from_json("{\"reference\": \"R-1\"}", &t);
    invoice_terms_from_text(pool, INVOICE_TERM_REFERENCE, "R-2", 3, &t, errors);
    assert_string_equal(messages(errors, "reference"), "\"is given more than once\"");
    assert_string_equal(t.reference, "R-1");
}

static void text_values_are_copied(void **state)
{
    char buf[16];
    invoice_terms_t t;
    invoice_field_errors_t *errors;

    memcpy(buf, "2025-03-31", 10);      /* not NUL-terminated */
    errors = from_text(INVOICE_TERM_DUE_DATE, buf, 10, &t);
    memcpy(buf, "XXXXXXXXXX", 10);
    assert_int_equal(invoice_field_errors_count(errors), 0);
    assert_string_equal(t.due_date, "2025-03-31");
    memcpy(buf, "GBP!", 4);
    invoice_terms_from_text(pool, INVOICE_TERM_CURRENCY, buf, 3, &t, errors);
    buf[0] = 'X';
    assert_string_equal(t.currency, "GBP");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_all_four_valid),
        cmocka_unit_test(json_absent_and_null_are_not_given),
        cmocka_unit_test(json_amount_range),
        cmocka_unit_test(json_amount_must_be_an_integer),
        cmocka_unit_test(text_amount_rules),
        cmocka_unit_test(text_amount_valid_and_exact_length),
        cmocka_unit_test(currency_table_is_sorted_and_well_formed),
        cmocka_unit_test(currency_members),
        cmocka_unit_test(currency_non_members),
        cmocka_unit_test(currency_exact_bytes),
        cmocka_unit_test(dates_that_exist),
        cmocka_unit_test(dates_that_do_not),
        cmocka_unit_test(date_parser_fields_and_bytes),
        cmocka_unit_test(reference_lengths_count_code_points),
        cmocka_unit_test(reference_combining_marks_are_characters),
        cmocka_unit_test(reference_control_characters),
        cmocka_unit_test(reference_spaces_at_the_ends),
        cmocka_unit_test(reference_invalid_utf8),
        cmocka_unit_test(reference_every_problem_at_once),
        cmocka_unit_test(json_string_fields_must_be_strings),
        cmocka_unit_test(json_and_text_share_the_rules),
        cmocka_unit_test(every_bad_field_is_listed_at_once),
        cmocka_unit_test(cross_check_on_what_was_given),
        cmocka_unit_test(field_names),
        cmocka_unit_test(text_ignores_what_is_not_one_field),
        cmocka_unit_test(a_field_given_twice_keeps_the_first),
        cmocka_unit_test(text_values_are_copied),
    };
    return cmocka_run_group_tests_name("terms", tests, setup, teardown);
}
