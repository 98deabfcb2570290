/* Unit tests for src/json_strict.c: strict RFC 8259 validation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/request/json_strict.h"

#define E_DUP "duplicate key in object"
#define E_DEEP "nesting too deep"
#define E_UTF8 "invalid UTF-8 in string"
#define E_MANY "too many members in object"
#define E_NUL "NUL byte in document"
#define E_EMPTY "empty document"
#define E_TRAIL "unexpected data after the JSON value"
#define E_SURR "lone UTF-16 surrogate escape in string"
#define E_CTRL "unescaped control character in string"
#define E_ZERO "leading zero in number"
#define E_LIT "invalid literal (only true, false and null exist)"
#define E_CHAR "unexpected character (not a JSON value)"
#define E_U0 "NUL character (\\u0000) in string"

typedef struct {
    const char *doc;
    size_t len;             /* 0: strlen(doc) */
    int ok;
    const char *err;        /* expected message, NULL: any */
} json_case;

/* Validate an exactly-sized heap copy so that ASan/valgrind catch any
 * read past len (the input is never NUL-terminated here). */
static int check(const char *doc, size_t len, int depth, const char **err)
{
    char *copy = malloc(len ? len : 1);
    int ok;

    assert_non_null(copy);
    memcpy(copy, doc, len);
    ok = invoice_json_check(copy, len, depth, err);
    free(copy);
    return ok;
}

static void run_cases(const json_case *cases, size_t n, int depth)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const json_case *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->doc);
        const char *err = NULL;
        int ok = check(c->doc, len, depth, &err);

        if (ok != c->ok) {
            fail_msg("case %zu '%.*s': got %d (%s)", i, (int)len, c->doc, ok,
                     err ? err : "no error");
        }
        if (!ok) {
            assert_non_null(err);
            if (c->err != NULL && strcmp(err, c->err) != 0) {
                fail_msg("case %zu '%.*s': error \"%s\", want \"%s\"", i,
                         (int)len, c->doc, err, c->err);
            }
        }
        else {
            assert_null(err);       /* untouched on success */
        }
    }
}

#define RUN(cases, depth) run_cases(cases, sizeof(cases) / sizeof(cases[0]), \
                                    depth)

static void test_valid(void **state)
{
    static const json_case cases[] = {
        { "{}", 0, 1, NULL },
        { "[]", 0, 1, NULL },
        { "0", 0, 1, NULL },
        { "-0", 0, 1, NULL },
        { "7", 0, 1, NULL },
        { "-12.5e+10", 0, 1, NULL },
        { "1E-2", 0, 1, NULL },
        { "1e5", 0, 1, NULL },
        { "0.0", 0, 1, NULL },
        { "0e0", 0, 1, NULL },
        { "-0.25E2", 0, 1, NULL },
        { "123456789012345678901234567890", 0, 1, NULL },
        { "1e400", 0, 1, NULL },        /* grammar only, no range check */
        { "\"\"", 0, 1, NULL },
        { "\"s\"", 0, 1, NULL },
        { "true", 0, 1, NULL },
        { "false", 0, 1, NULL },
        { "null", 0, 1, NULL },
        { " \t\r\n{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }\n\r\t ", 0, 1, NULL },
        { "{\"a\":1,\"b\":\"x\",\"c\":null,\"d\":true,\"e\":false,"
          "\"f\":[],\"g\":{},\"h\":-1.5}", 0, 1, NULL },
        { "[1,\"a\",null,true,false,[],{},[[]],{\"a\":[]}]", 0, 1, NULL },
        { "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\"", 0, 1, NULL },
        { "\"\\ud83d\\ude00\"", 0, 1, NULL },
        { "\"\\uD83D\\uDE00\"", 0, 1, NULL },
        { "\"\\udbff\\udfff\"", 0, 1, NULL },
        { "\"\\u0001\\u001f\\uffff\\ufffe\"", 0, 1, NULL },
        { "\"\x7f\"", 0, 1, NULL },                     /* DEL is allowed */
        { "\"\xc3\xa9\"", 0, 1, NULL },                 /* U+00E9 */
        { "\"\xc2\x80\xdf\xbf\"", 0, 1, NULL },         /* U+0080, U+07FF */
        { "\"\xe0\xa0\x80\xe2\x82\xac\"", 0, 1, NULL }, /* U+0800, U+20AC */
        { "\"\xed\x9f\xbf\xee\x80\x80\"", 0, 1, NULL }, /* U+D7FF, U+E000 */
        { "\"\xef\xbf\xbf\"", 0, 1, NULL },             /* U+FFFF */
        { "\"\xf0\x90\x80\x80\"", 0, 1, NULL },         /* U+10000 */
        { "\"\xf0\x9f\x98\x80\"", 0, 1, NULL },         /* U+1F600 */
        { "\"\xf4\x8f\xbf\xbf\"", 0, 1, NULL },         /* U+10FFFF */
        { "{\"\xc3\xa9\":1,\"e\":2}", 0, 1, NULL },
        /* keys that only look alike are different keys */
        { "{\"a\":1,\"A\":2}", 0, 1, NULL },
        { "{\"a\":1,\"a \":2}", 0, 1, NULL },
        { "{\"ab\":1,\"a\":2}", 0, 1, NULL },
        { "{\"a\":1,\"ab\":2}", 0, 1, NULL },
        { "{\"\":1,\"a\":2}", 0, 1, NULL },
        { "{\"a\":1,\"\\u0062\":2}", 0, 1, NULL },
        { "{\"\\u00e9\":1,\"e\":2}", 0, 1, NULL },
        { "{\"\\u00e9\":1,\"\\u00e8\":2}", 0, 1, NULL },
        { "{\"\\ud83d\\ude00\":1,\"\\ud83d\\ude01\":2}", 0, 1, NULL },
        { "{\"\\n\":1,\"n\":2}", 0, 1, NULL },
        { "{\"\\/\":1,\"\\\\\":2}", 0, 1, NULL },
        { "{\"a\\u0062\":1,\"ab \":2,\"a\":3}", 0, 1, NULL },
        /* the same key in different objects is fine */
        { "{\"a\":{\"a\":1}}", 0, 1, NULL },
        { "[{\"a\":1},{\"a\":1}]", 0, 1, NULL },
        { "{\"a\":{\"b\":1},\"b\":2}", 0, 1, NULL },
        { "{\"x\":{\"a\":1,\"b\":2},\"y\":{\"a\":1,\"b\":2}}", 0, 1, NULL },
    };

    (void)state;
    RUN(cases, INVOICE_JSON_MAX_DEPTH);
}

static void test_invalid_structure(void **state)
{
    static const json_case cases[] = {
        { "", 0, 0, E_EMPTY },
        { " ", 0, 0, E_EMPTY },
        { " \t\r\n ", 0, 0, E_EMPTY },
        { "\f", 0, 0, E_CHAR },                     /* not JSON whitespace */
        { "\xc2\xa0{}", 0, 0, E_CHAR },             /* U+00A0 */
        { "\xef\xbb\xbf{}", 0, 0, E_CHAR },         /* BOM */
        { "{}x", 0, 0, E_TRAIL },
        { "{} {}", 0, 0, E_TRAIL },
        { "{}{}", 0, 0, E_TRAIL },
        { "[][]", 0, 0, E_TRAIL },
        { "1 2", 0, 0, E_TRAIL },
        { "\"a\"\"b\"", 0, 0, E_TRAIL },
        { "[]]", 0, 0, E_TRAIL },
        { "{}}", 0, 0, E_TRAIL },
        { "{},", 0, 0, E_TRAIL },
        { "truex", 0, 0, E_TRAIL },
        { "nullnull", 0, 0, E_TRAIL },
        { "{\"a\":1}/*c*/", 0, 0, E_TRAIL },
        { "{\"a\":1}//", 0, 0, E_TRAIL },
        { "{\"a\"}", 0, 0, NULL },
        { "{\"a\":}", 0, 0, E_CHAR },
        { "{\"a\":1,}", 0, 0, NULL },
        { "{\"a\" 1}", 0, 0, NULL },
        { "{\"a\":1 \"b\":2}", 0, 0, NULL },
        { "{\"a\":1;\"b\":2}", 0, 0, NULL },
        { "{\"a\"=1}", 0, 0, NULL },
        { "{,}", 0, 0, NULL },
        { "{1:2}", 0, 0, NULL },
        { "{a:1}", 0, 0, NULL },
        { "{'a':1}", 0, 0, NULL },
        { "{null:1}", 0, 0, NULL },
        { "['a']", 0, 0, E_CHAR },
        { "'a'", 0, 0, E_CHAR },
        { "[1,]", 0, 0, E_CHAR },
        { "[,1]", 0, 0, E_CHAR },
        { "[1,,2]", 0, 0, E_CHAR },
        { "[1 2]", 0, 0, NULL },
        { "[1:2]", 0, 0, NULL },
        { "[}", 0, 0, NULL },
        { "{]", 0, 0, NULL },
        { "[1}", 0, 0, NULL },
        { "{\"a\":1]", 0, 0, NULL },
        { "{", 0, 0, NULL },
        { "[", 0, 0, NULL },
        { "{\"a\"", 0, 0, NULL },
        { "{\"a\":", 0, 0, NULL },
        { "{\"a\":1", 0, 0, NULL },
        { "{\"a\":1,", 0, 0, NULL },
        { "[1", 0, 0, NULL },
        { "[1,", 0, 0, NULL },
        { "]", 0, 0, E_CHAR },
        { "}", 0, 0, E_CHAR },
        { ":", 0, 0, E_CHAR },
        { ",", 0, 0, E_CHAR },
        { "undefined", 0, 0, E_CHAR },
        { "<xml/>", 0, 0, E_CHAR },
    };

    (void)state;
    RUN(cases, INVOICE_JSON_MAX_DEPTH);
}

static void test_invalid_literals_and_numbers(void **state)
{
    static const json_case cases[] = {
        { "NaN", 0, 0, E_CHAR },
        { "nan", 0, 0, E_LIT },
        { "Infinity", 0, 0, E_CHAR },
        { "-Infinity", 0, 0, "invalid number" },
        { "[NaN]", 0, 0, E_CHAR },
        { "{\"a\":Infinity}", 0, 0, E_CHAR },
        { "True", 0, 0, E_CHAR },
        { "tru", 0, 0, E_LIT },
        { "nul", 0, 0, E_LIT },
        { "fals", 0, 0, E_LIT },
        { "t", 0, 0, E_LIT },
        { "nulL", 0, 0, E_LIT },
        { "01", 0, 0, E_ZERO },
        { "-01", 0, 0, E_ZERO },
        { "00", 0, 0, E_ZERO },
        { "[007]", 0, 0, E_ZERO },
        { "1.", 0, 0, "digit expected after decimal point" },
        { "[1.]", 0, 0, "digit expected after decimal point" },
        { "1.e5", 0, 0, "digit expected after decimal point" },
        { ".5", 0, 0, E_CHAR },
        { "+1", 0, 0, E_CHAR },
        { "[+1]", 0, 0, E_CHAR },
        { "-", 0, 0, "invalid number" },
        { "-.5", 0, 0, "invalid number" },
        { "--1", 0, 0, "invalid number" },
        { "- 1", 0, 0, "invalid number" },
        { "1e", 0, 0, "digit expected in exponent" },
        { "1e+", 0, 0, "digit expected in exponent" },
        { "1E-", 0, 0, "digit expected in exponent" },
        { "1e+-1", 0, 0, "digit expected in exponent" },
        { "1.5.5", 0, 0, E_TRAIL },
        { "0x10", 0, 0, E_TRAIL },
        { "1_000", 0, 0, E_TRAIL },
        { "1e5.5", 0, 0, E_TRAIL },
        { "1 000", 0, 0, E_TRAIL },
    };

    (void)state;
    RUN(cases, INVOICE_JSON_MAX_DEPTH);
}

static void test_invalid_strings(void **state)
{
    static const json_case cases[] = {
        { "\"abc", 0, 0, "unterminated string" },
        { "\"", 0, 0, "unterminated string" },
        { "\"\\", 0, 0, "unterminated string" },
        { "[\"a]", 0, 0, "unterminated string" },
        { "\"\\x41\"", 0, 0, "invalid escape in string" },
        { "\"\\U0041\"", 0, 0, "invalid escape in string" },
        { "\"\\a\"", 0, 0, "invalid escape in string" },
        { "\"\\'\"", 0, 0, "invalid escape in string" },
        { "\"\\ \"", 0, 0, "invalid escape in string" },
        { "\"\\u12\"", 0, 0, "invalid \\u escape in string" },
        { "\"\\u12", 0, 0, "invalid \\u escape in string" },
        { "\"\\u12G4\"", 0, 0, "invalid \\u escape in string" },
        { "\"\\u-123\"", 0, 0, "invalid \\u escape in string" },
        { "\"\\u 123\"", 0, 0, "invalid \\u escape in string" },
        /* control characters must be escaped */
        { "\"a\tb\"", 0, 0, E_CTRL },
        { "\"a\nb\"", 0, 0, E_CTRL },
        { "\"a\rb\"", 0, 0, E_CTRL },
        { "\"\x01\"", 0, 0, E_CTRL },
        { "\"\x1f\"", 0, 0, E_CTRL },
        { "{\"a\nb\":1}", 0, 0, E_CTRL },
        /* NUL anywhere, raw or escaped */
        { "{\"a\":1}\0", 8, 0, E_NUL },
        { "{\"a\":1}\0zz", 10, 0, E_NUL },
        { "\0{}", 3, 0, E_NUL },
        { "{\"a\0\":1}", 8, 0, E_NUL },
        { "\"a\0b\"", 5, 0, E_NUL },
        { " \0", 2, 0, E_NUL },
        { "\0", 1, 0, E_NUL },
        { "\"\\u0000\"", 0, 0, E_U0 },
        { "{\"a\\u0000b\":1}", 0, 0, E_U0 },
        { "{\"a\":1,\"a\\u0000b\":2}", 0, 0, E_U0 },
        /* lone surrogates */
        { "\"\\ud800\"", 0, 0, E_SURR },
        { "\"\\uDBFF\"", 0, 0, E_SURR },
        { "\"\\ud800x\"", 0, 0, E_SURR },
        { "\"\\ud800\\u0041\"", 0, 0, E_SURR },
        { "\"\\ud800\\ud800\"", 0, 0, E_SURR },
        { "\"\\ud800\\n\"", 0, 0, E_SURR },
        { "\"\\ud800\\\"", 0, 0, E_SURR },
        { "\"\\ud800\\udc0", 0, 0, E_SURR },
        { "\"\\ud800\\uzc00\"", 0, 0, E_SURR },
        { "\"\\udc00\"", 0, 0, E_SURR },
        { "\"\\uDFFF\"", 0, 0, E_SURR },
        { "\"\\udc00\\ud800\"", 0, 0, E_SURR },
        { "\"\\ud83d\"", 0, 0, E_SURR },
        { "\"\\ude00\\ud83d\"", 0, 0, E_SURR },
        /* invalid UTF-8 */
        { "\"\x80\"", 0, 0, E_UTF8 },               /* lone continuation */
        { "\"\xbf\"", 0, 0, E_UTF8 },
        { "\"\xc0\x80\"", 0, 0, E_UTF8 },           /* overlong NUL */
        { "\"\xc1\xbf\"", 0, 0, E_UTF8 },           /* overlong */
        { "\"\xe0\x80\x80\"", 0, 0, E_UTF8 },       /* overlong */
        { "\"\xe0\x9f\xbf\"", 0, 0, E_UTF8 },       /* overlong U+07FF */
        { "\"\xf0\x80\x80\x80\"", 0, 0, E_UTF8 },   /* overlong */
        { "\"\xf0\x8f\xbf\xbf\"", 0, 0, E_UTF8 },   /* overlong U+FFFF */
        { "\"\xed\xa0\x80\"", 0, 0, E_UTF8 },       /* U+D800 */
        { "\"\xed\xbf\xbf\"", 0, 0, E_UTF8 },       /* U+DFFF */
        { "\"\xed\xa0\xbd\xed\xb8\x80\"", 0, 0, E_UTF8 },  /* CESU-8 */
        { "\"\xf4\x90\x80\x80\"", 0, 0, E_UTF8 },   /* U+110000 */
        { "\"\xf5\x80\x80\x80\"", 0, 0, E_UTF8 },
        { "\"\xf7\xbf\xbf\xbf\"", 0, 0, E_UTF8 },
        { "\"\xf8\x88\x80\x80\x80\"", 0, 0, E_UTF8 },
        { "\"\xfe\"", 0, 0, E_UTF8 },
        { "\"\xff\"", 0, 0, E_UTF8 },
        { "\"\xc3\"", 0, 0, E_UTF8 },               /* truncated */
        { "\"\xc3", 0, 0, E_UTF8 },                 /* truncated at end */
        { "\"\xe2\x82\"", 0, 0, E_UTF8 },
        { "\"\xe2\x82", 0, 0, E_UTF8 },
        { "\"\xf0\x9f\x98\"", 0, 0, E_UTF8 },
        { "\"\xf0\x9f\x98", 0, 0, E_UTF8 },
        { "\"\xc3\x28\"", 0, 0, E_UTF8 },
        { "\"\xe2\x28\xa1\"", 0, 0, E_UTF8 },
        { "\"\xe2\x82\x28\"", 0, 0, E_UTF8 },
        { "\"\xf0\x9f\x98\x28\"", 0, 0, E_UTF8 },
        { "{\"\xff\":1}", 0, 0, E_UTF8 },
        { "\xc3\xa9", 0, 0, E_CHAR },               /* outside a string */
    };

    (void)state;
    RUN(cases, INVOICE_JSON_MAX_DEPTH);
}

static void test_duplicate_keys(void **state)
{
    static const json_case cases[] = {
        { "{\"a\":1,\"a\":2}", 0, 0, E_DUP },
        { "{\"a\":1,\"a\":1}", 0, 0, E_DUP },
        { "{\"\":1,\"\":2}", 0, 0, E_DUP },
        { "{\"a\":1,\"b\":2,\"a\":3}", 0, 0, E_DUP },
        { "{\"a\":1,\"\\u0061\":2}", 0, 0, E_DUP },
        { "{\"\\u0061\":1,\"a\":2}", 0, 0, E_DUP },
        { "{\"\\u0061\":1,\"\\u0041\":2}", 0, 1, NULL },   /* a vs A */
        { "{\"ab\":1,\"a\\u0062\":2}", 0, 0, E_DUP },
        { "{\"\xc3\xa9\":1,\"\\u00e9\":2}", 0, 0, E_DUP },
        { "{\"\\u00E9\":1,\"\\u00e9\":2}", 0, 0, E_DUP },
        { "{\"\xe2\x82\xac\":1,\"\\u20ac\":2}", 0, 0, E_DUP },
        { "{\"\xf0\x9f\x98\x80\":1,\"\\ud83d\\ude00\":2}", 0, 0, E_DUP },
        { "{\"\\ud83d\\ude00\":1,\"\\uD83D\\uDE00\":2}", 0, 0, E_DUP },
        { "{\"/\":1,\"\\/\":2}", 0, 0, E_DUP },
        { "{\"\\n\":1,\"\\u000a\":2}", 0, 0, E_DUP },
        { "{\"\\b\\f\\n\\r\\t\":1,\"\\u0008\\u000c\\u000a\\u000d\\u0009\":2}",
          0, 0, E_DUP },
        { "{\"\\\"\":1,\"\\u0022\":2}", 0, 0, E_DUP },
        { "{\"\\\\\":1,\"\\u005c\":2}", 0, 0, E_DUP },
        { "{\"x\":{\"a\":1,\"a\":2}}", 0, 0, E_DUP },
        { "[{\"a\":1,\"a\":2}]", 0, 0, E_DUP },
        { "{\"a\":{\"b\":1},\"b\":2,\"a\":3}", 0, 0, E_DUP },
        { "{\"a\":[{\"a\":1}],\"a\":2}", 0, 0, E_DUP },
        { "{\"amount\":1, \"amount\":9999999}", 0, 0, E_DUP },
    };

    (void)state;
    RUN(cases, INVOICE_JSON_MAX_DEPTH);
}

/* An object with n members "k0".."k<n-1>". */
static size_t object_with(char *buf, int n)
{
    size_t o = 0;
    int i;

    buf[o++] = '{';
    for (i = 0; i < n; i++) {
        o += (size_t)sprintf(buf + o, "%s\"k%d\":%d", i ? "," : "", i, i);
    }
    buf[o++] = '}';
    return o;
}

static void test_member_limit(void **state)
{
    char buf[2048];
    const char *err = NULL;
    size_t len;

    (void)state;
    len = object_with(buf, INVOICE_JSON_MAX_MEMBERS);
    assert_true(check(buf, len, INVOICE_JSON_MAX_DEPTH, &err));
    len = object_with(buf, INVOICE_JSON_MAX_MEMBERS + 1);
    assert_false(check(buf, len, INVOICE_JSON_MAX_DEPTH, &err));
    assert_string_equal(err, E_MANY);
    /* Arrays have no member limit. */
    memset(buf, 0, sizeof(buf));
    buf[0] = '[';
    for (len = 1; len < 1001; len += 2) {
        buf[len] = '0';
        buf[len + 1] = ',';
    }
    buf[len - 1] = ']';
    assert_true(check(buf, len, INVOICE_JSON_MAX_DEPTH, &err));
    /* A duplicate of the very first key is found among the last. */
    len = object_with(buf, INVOICE_JSON_MAX_MEMBERS - 1);
    memcpy(buf + len - 1, ",\"k0\":1}", 8);
    assert_false(check(buf, len + 7, INVOICE_JSON_MAX_DEPTH, &err));
    assert_string_equal(err, E_DUP);
}

/* depth levels of arrays or {"k": objects around a 1 (or nothing). */
static size_t nested(char *buf, int depth, int objects, int empty)
{
    size_t o = 0;
    int i;

    for (i = 0; i < depth; i++) {
        if (objects) {
            memcpy(buf + o, "{\"k\":", 5);
            o += 5;
        }
        else {
            buf[o++] = '[';
        }
    }
    if (!empty) {
        buf[o++] = '1';
    }
    for (i = 0; i < depth; i++) {
        buf[o++] = objects ? '}' : ']';
    }
    return o;
}

static void test_depth(void **state)
{
    char buf[512];
    const char *err = NULL;
    size_t len;
    int d, objects;

    (void)state;
    for (objects = 0; objects <= 1; objects++) {
        for (d = 1; d <= INVOICE_JSON_MAX_DEPTH; d++) {
            /* the 1 sits at depth d */
            len = nested(buf, d, objects, 0);
            assert_true(check(buf, len, d, &err));
            assert_true(check(buf, len, INVOICE_JSON_MAX_DEPTH, &err));
            assert_false(check(buf, len, d - 1, &err));
            assert_string_equal(err, E_DEEP);
        }
        /* beyond the cap, even when the caller asks for more */
        len = nested(buf, INVOICE_JSON_MAX_DEPTH + 1, objects, 0);
        err = NULL;
        assert_false(check(buf, len, 1000, &err));
        assert_string_equal(err, E_DEEP);
    }
    /* an empty container adds no value below it */
    len = nested(buf, 3, 0, 1);
    assert_int_equal(len, 6);
    assert_true(check(buf, len, 2, &err));
    assert_false(check(buf, len, 1, &err));
    assert_true(check("{\"a\":{}}", 8, 1, &err));
    assert_true(check("{\"a\":1}", 7, 1, &err));
    assert_false(check("{\"a\":{\"b\":1}}", 13, 1, &err));
    assert_true(check("{}", 2, 0, &err));
    assert_true(check("1", 1, 0, &err));
    assert_false(check("[1]", 3, 0, &err));
    /* a nonsensical negative depth refuses everything */
    assert_false(check("1", 1, -5, &err));
    assert_false(check("[]", 2, -1, &err));
}

static void test_very_deep(void **state)
{
    size_t n = 100000, len;
    char *buf = malloc(2 * n * 5 + 1);
    const char *err = NULL;

    (void)state;
    assert_non_null(buf);
    /* unbalanced, balanced, objects and a mix: all fail fast */
    memset(buf, '[', n);
    assert_false(check(buf, n, INVOICE_JSON_MAX_DEPTH, &err));
    assert_string_equal(err, E_DEEP);
    memset(buf + n, ']', n);
    assert_false(check(buf, 2 * n, INVOICE_JSON_MAX_DEPTH, &err));
    assert_string_equal(err, E_DEEP);
    len = nested(buf, (int)n, 1, 0);
    assert_false(check(buf, len, INVOICE_JSON_MAX_DEPTH, &err));
    assert_string_equal(err, E_DEEP);
    for (len = 0; len + 5 <= n; len += 5) {
        memcpy(buf + len, "{\"\":[", 5);
    }
    err = NULL;
    assert_false(check(buf, len, INVOICE_JSON_MAX_DEPTH, &err));
    assert_string_equal(err, E_DEEP);
    free(buf);
}

static void test_respects_len(void **state)
{
    const char *err = NULL;

    (void)state;
    assert_true(check("{}garbage", 2, 16, &err));
    assert_true(check("123", 2, 16, &err));
    assert_true(check("\"ab\"\0", 4, 16, &err));
    assert_false(check("{\"a\":1}", 6, 16, &err));
    assert_false(check("true", 3, 16, &err));
    assert_false(check("\"\\u0041\"", 6, 16, &err));
    assert_false(check("\"\\ud83d\\ude00\"", 13, 16, &err));
    assert_false(check("\"\xf0\x9f\x98\x80\"", 4, 16, &err));
    assert_false(invoice_json_check(NULL, 0, 16, &err));
    assert_false(invoice_json_check(NULL, 10, 16, &err));
    assert_string_equal(err, E_EMPTY);
    /* err may be NULL */
    assert_false(invoice_json_check("[", 1, 16, NULL));
    assert_true(invoice_json_check("[]", 2, 16, NULL));
}

/* Every proper prefix of an object is invalid; no prefix reads past len. */
static void test_every_prefix(void **state)
{
    static const char doc[] =
        "{\"a\":[1,-2.5e+3,\"x\\u00e9\\ud83d\\ude00\xc3\xa9\"],"
        "\"b\":{\"c\":null,\"d\":true,\"e\":false}}";
    const char *err;
    size_t len;

    (void)state;
    assert_true(check(doc, sizeof(doc) - 1, 16, &err));
    for (len = 0; len < sizeof(doc) - 1; len++) {
        err = NULL;
        assert_false(check(doc, len, 16, &err));
        assert_non_null(err);
    }
}

/* Every byte at every position: no crash, no read past len, a message
 * whenever the answer is no. */
static void test_every_mutation(void **state)
{
    static const char doc[] =
        "{\"k\":[0,-1.5e+3,\"s\\n\\u00e9\\ud83d\\ude00\xe2\x82\xac\"],"
        "\"t\":true,\"f\":false,\"n\":null,\"o\":{}}";
    char buf[sizeof(doc)];
    size_t pos;
    int b;

    (void)state;
    for (pos = 0; pos < sizeof(doc) - 1; pos++) {
        for (b = 0; b < 256; b++) {
            const char *err = NULL;

            memcpy(buf, doc, sizeof(doc) - 1);
            buf[pos] = (char)b;
            if (!check(buf, sizeof(doc) - 1, 16, &err)) {
                assert_non_null(err);
            }
            else {
                assert_null(err);
            }
        }
    }
}

/* The shape of a real create-invoice request body. */
static void test_invoice_request(void **state)
{
    static const char doc[] =
        "{\n"
        "  \"consumer_id\": 2,\n"
        "  \"amount\": 12345,\n"
        "  \"currency\": \"EUR\",\n"
        "  \"due_date\": \"2025-01-31\",\n"
        "  \"description\": \"Consulting \\u2014 January\",\n"
        "  \"file\": {\n"
        "    \"media_type\": \"application/pdf\",\n"
        "    \"data\": \"JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4K\"\n"
        "  }\n"
        "}\n";
    const char *err = NULL;

    (void)state;
    assert_true(check(doc, sizeof(doc) - 1, 4, &err));
    assert_null(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid_structure),
        cmocka_unit_test(test_invalid_literals_and_numbers),
        cmocka_unit_test(test_invalid_strings),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_member_limit),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_very_deep),
        cmocka_unit_test(test_respects_len),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_every_mutation),
        cmocka_unit_test(test_invoice_request),
    };

    return cmocka_run_group_tests_name("json_strict", tests, NULL, NULL);
}
