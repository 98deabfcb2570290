/* Hostile input: malformed JSON and values, Authorization headers, paths,
 * query limits, chunked bodies and short bodies (raw sockets), and every
 * method the API does not serve.  Each malformed request must get a 4xx
 * answered as application/problem+json; after each group a valid create
 * must still work (the server is not wedged by what came before).
 *
 * Where Apache answers itself before the module (a %00 or %2F in the
 * path: AllowEncodedSlashes and the NUL check run before any handler) the
 * shipped ErrorDocument lines still render the answer as problem+json. */
#define _GNU_SOURCE
#include "tests.h"
#include "db.h"
#include "lifecycle_util.h"
#include "wire.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_hostile;   /* malformed requests checked so far */

/* A 4xx problem (want 0: any 4xx, else exactly want); key: the 422's
 * errors must name it.  Counts the request. */
#define expect(r, want, key) it_expect((r), (want), (key), __FILE__, __LINE__)
static void it_expect(http_response_t *r, long want, const char *key,
                      const char *file, int line)
{
    if (want)
        it_assert_status(r, want, file, line);
    json_object *p = it_assert_4xx_problem(r, file, line);
    if (key) {
        json_object *errs = json_object_object_get(p, "errors");
        if (!errs || !json_object_object_get(errs, key))
            it_fail(file, line, "%s: errors lacks \"%s\": %s", r->what, key,
                    r->body);
    }
    json_object_put(p);
    g_hostile++;
}

/* A valid create (and read back) still works. */
#define still_works() it_still_works(__FILE__, __LINE__)
static void it_still_works(const char *file, int line)
{
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    it_create_invoice(s, rcv, "application/pdf", it_pdf, it_pdf_len, id, file, line);
    http_response_t *r = api_get(P("/api/consumer/invoices/%s/file", id), AC(rcv));
    it_assert_status(r, 200, file, line);
    http_free(r);
}

static http_response_t *post_json_bytes(const char *body, size_t len)
{
    return api("POST", "/api/sender/invoices", AS(it_new_id()),
               "application/json", body, len);
}

static char *repeat(const char *unit, size_t times, const char *prefix,
                    const char *middle, const char *suffix_unit,
                    const char *suffix)
{
    buf_t b = {0};
    buf_adds(&b, prefix);
    for (size_t i = 0; i < times; i++)
        buf_adds(&b, unit);
    buf_adds(&b, middle);
    for (size_t i = 0; i < times; i++)
        buf_adds(&b, suffix_unit);
    buf_adds(&b, suffix);
    return (char *)b.data;
}

/* ---- JSON syntax --------------------------------------------------------- */

#define INV(x) "{\"invoice\": {" x "}}"
#define OKF "\"file_type\": \"application/pdf\", \"content\": \"JVBERi0xLjQK\""

static void t_hostile_json_syntax(void **state)
{
    (void)state;
    /* nested 100,000 deep, as arrays and as objects */
    char *deep = repeat("[", 100000, "", "", "]", "");
    http_response_t *r = post_json_bytes(deep, strlen(deep));
    expect(r, 400, NULL);
    http_free(r);
    free(deep);
    deep = repeat("{\"a\":", 100000, "{\"invoice\":", "1", "}", "}");
    r = post_json_bytes(deep, strlen(deep));
    expect(r, 400, NULL);
    http_free(r);
    free(deep);
    deep = repeat("[", 100000, INV("\"receiver_id\": "), "1", "]", "}}");
    r = post_json_bytes(deep, strlen(deep));
    expect(r, 400, NULL);
    http_free(r);
    free(deep);

    static const struct { const char *label; const char *body; size_t len; } cases[] = {
#define C(label, lit) { label, lit, sizeof(lit) - 1 }
        C("raw NUL in a string", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\0\", \"content\": \"JVBERi0xLjQK\"")),
        C("raw NUL between tokens", INV("\"receiver_id\": 1,\0 " OKF)),
        C("escaped NUL in a string", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\\u0000\", \"content\": \"JVBERi0xLjQK\"")),
        C("NUL in a key", "{\"invoice\\u0000\": {\"receiver_id\": 1, " OKF "}}"),
        C("invalid UTF-8 byte", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\xff\", \"content\": \"JVBERi0xLjQK\"")),
        C("overlong UTF-8", INV("\"receiver_id\": 1, \"file_type\": \"\xc0\xaf\", \"content\": \"JVBERi0xLjQK\"")),
        C("truncated UTF-8", INV("\"receiver_id\": 1, \"file_type\": \"\xe2\x82\", \"content\": \"JVBERi0xLjQK\"")),
        C("UTF-8 surrogate", INV("\"receiver_id\": 1, \"file_type\": \"\xed\xa0\x80\", \"content\": \"JVBERi0xLjQK\"")),
        C("invalid UTF-8 in a key", "{\"invoice\": {\"receiver_id\": 1, \"\xfe\": 1, " OKF "}}"),
        C("trailing garbage", INV("\"receiver_id\": 1, " OKF) " x"),
        C("two documents", INV("\"receiver_id\": 1, " OKF) INV("\"receiver_id\": 1, " OKF)),
        C("duplicate top-level key", "{\"invoice\": {}, \"invoice\": {\"receiver_id\": 1, " OKF "}}"),
        C("duplicate inner key", INV("\"receiver_id\": 1, \"receiver_id\": 2, " OKF)),
        C("duplicate key by escape", INV("\"receiver_id\": 1, \"receiver\\u005fid\": 2, " OKF)),
        C("NaN", INV("\"receiver_id\": NaN, " OKF)),
        C("Infinity", INV("\"receiver_id\": Infinity, " OKF)),
        C("hex number", INV("\"receiver_id\": 0x10, " OKF)),
        C("leading zero", INV("\"receiver_id\": 012, " OKF)),
        C("plus sign", INV("\"receiver_id\": +1, " OKF)),
        C("single quotes", "{'invoice': {'receiver_id': 1}}"),
        C("trailing comma", INV("\"receiver_id\": 1, " OKF ",")),
        C("comment", INV("\"receiver_id\": 1, /* c */ " OKF)),
        C("unterminated string", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf")),
        C("unterminated object", "{\"invoice\": {\"receiver_id\": 1"),
        C("bad escape", INV("\"receiver_id\": 1, \"file_type\": \"\\x41\", \"content\": \"\"")),
        C("empty body", ""),
        C("only whitespace", " \r\n\t "),
        C("BOM", "\xef\xbb\xbf" INV("\"receiver_id\": 1, " OKF)),
        C("top-level array", "[" INV("\"receiver_id\": 1, " OKF) "]"),
        C("top-level string", "\"invoice\""),
        C("invoice is null", "{\"invoice\": null}"),
        C("invoice is an array", "{\"invoice\": [1]}"),
        C("invoice is a string", "{\"invoice\": \"x\"}"),
#undef C
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        r = post_json_bytes(cases[i].body, cases[i].len);
        if (r->status != 400)
            it_fail(__FILE__, __LINE__, "%s: HTTP %ld, expected 400: %s",
                    cases[i].label, r->status, r->body);
        expect(r, 400, NULL);
        http_free(r);
    }
    still_works();
}

/* ---- JSON values --------------------------------------------------------- */

static void t_hostile_json_values(void **state)
{
    (void)state;
    size_t pdf_len;
    unsigned char *pdf = it_read_data("helloworld.pdf", &pdf_len);
    char *png64 = it_base64(it_png, it_png_len);
    static const struct { const char *label, *body, *key; } cases[] = {
        {"1e3", INV("\"receiver_id\": 1e3, " OKF), "receiver_id"},
        {"1E3", INV("\"receiver_id\": 1E3, " OKF), "receiver_id"},
        {"-0", INV("\"receiver_id\": -0, " OKF), "receiver_id"},
        {"2.5", INV("\"receiver_id\": 2.5, " OKF), "receiver_id"},
        {"1.0", INV("\"receiver_id\": 1.0, " OKF), "receiver_id"},
        {"10^30", INV("\"receiver_id\": 1000000000000000000000000000000, " OKF), "receiver_id"},
        {"-10^30", INV("\"receiver_id\": -1000000000000000000000000000000, " OKF), "receiver_id"},
        {"2^31", INV("\"receiver_id\": 2147483648, " OKF), "receiver_id"},
        {"2^64+1", INV("\"receiver_id\": 18446744073709551617, " OKF), "receiver_id"},
        {"receiver_id as string", INV("\"receiver_id\": \"12\", " OKF), "receiver_id"},
        {"receiver_id true", INV("\"receiver_id\": true, " OKF), "receiver_id"},
        {"receiver_id array", INV("\"receiver_id\": [1], " OKF), "receiver_id"},
        {"receiver_id object", INV("\"receiver_id\": {\"id\": 1}, " OKF), "receiver_id"},
        {"file_type number", INV("\"receiver_id\": 1, \"file_type\": 1, \"content\": \"JVBERi0xLjQK\""), "file_type"},
        {"file_type array", INV("\"receiver_id\": 1, \"file_type\": [\"application/pdf\"], \"content\": \"JVBERi0xLjQK\""), "file_type"},
        {"content number", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\", \"content\": 12345"), "content"},
        {"content object", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\", \"content\": {}"), "content"},
        {"base64 missing padding", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\", \"content\": \"JVBERi0xLjQ\""), "content"},
        {"base64 extra padding", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\", \"content\": \"JVBERi0xLjQK=\""), "content"},
        {"base64 padding inside", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\", \"content\": \"JVBE=i0xLjQK\""), "content"},
        {"base64 foreign character", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\", \"content\": \"JVBE*i0xLjQK\""), "content"},
        {"base64url alphabet", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\", \"content\": \"JVBERi0x-_QK\""), "content"},
        {"base64 with a line break", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\", \"content\": \"JVBERi0x\\nLjQK\""), "content"},
        {"base64 non-ASCII", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\", \"content\": \"JVBERi0x\xc3\xa9jQK\""), "content"},
        {"content of one byte", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\", \"content\": \"JQ==\""), "content"},
        {"empty content", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\", \"content\": \"\""), "content"},
        {"CR/LF in file_type", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\\r\\nX-Injected: 1\", \"content\": \"JVBERi0xLjQK\""), "file_type"},
        {"LF in file_type", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf\\nX-Injected: 1\", \"content\": \"JVBERi0xLjQK\""), "file_type"},
        {"file_type with parameters", INV("\"receiver_id\": 1, \"file_type\": \"application/pdf; x=y\", \"content\": \"JVBERi0xLjQK\""), "file_type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        http_response_t *r = post_json_bytes(cases[i].body, strlen(cases[i].body));
        if (r->status != 422)
            it_fail(__FILE__, __LINE__, "%s: HTTP %ld, expected 422: %s",
                    cases[i].label, r->status, r->body);
        expect(r, 422, cases[i].key);
        it_check(http_header(r, "X-Injected") == NULL, "%s: header injected",
                 cases[i].label);
        http_free(r);
    }
    /* a declared type that does not match the bytes, both ways */
    char *body = it_create_body(1, "application/pdf", it_png, it_png_len);
    http_response_t *r = post_json_bytes(body, strlen(body));
    expect(r, 422, "content");
    http_free(r);
    free(body);
    body = it_create_body(1, "image/png", pdf, pdf_len);
    r = post_json_bytes(body, strlen(body));
    expect(r, 422, "content");
    http_free(r);
    free(body);
    /* a PNG signature cut short */
    body = it_create_body(1, "image/png", it_png, 6);
    r = post_json_bytes(body, strlen(body));
    expect(r, 422, "content");
    http_free(r);
    free(body);
    free(png64);
    free(pdf);
    still_works();
}

/* ---- Authorization ------------------------------------------------------- */

static void t_hostile_authorization(void **state)
{
    (void)state;
    int s = it_new_id();
    char id[37];
    create_tiny(s, s, id);
    static const char *const bad[] = {
        "sender\t1", "sender \t1", "sender +1", "sender 0x1", "sender 1e0",
        "sender 1.0", "sender \xd9\xa1" /* ARABIC-INDIC DIGIT ONE */,
        "sender \xef\xbc\x91" /* FULLWIDTH DIGIT ONE */, "sender \xc2\xb9",
        "sender -1", "sender 0", "sender 01", "sender 2147483648",
        "sender 99999999999999999999999999", "sender", "sender ",
        "sender  1", "sender 1 2", "sender 1,sender 2", "Bearer 1",
        "consumer 1x", "sender \xff",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *hs[] = {P("Authorization: %s", bad[i]), NULL};
        http_response_t *r = http_request("GET", "/api/sender/invoices", hs, NULL, 0);
        if (r->status != 401)
            it_fail(__FILE__, __LINE__, "Authorization \"%s\": HTTP %ld: %s",
                    bad[i], r->status, r->body);
        expect(r, 401, NULL);
        assert_header(r, "WWW-Authenticate", "sender realm=\"mod_invoice\"");
        http_free(r);
    }

    /* 8 KiB: over LimitRequestFieldSize (8190), refused by httpd itself */
    buf_t big = {0};
    buf_adds(&big, "Authorization: sender ");
    while (big.len < 8192 + 15)
        buf_adds(&big, "1");
    const char *hs[] = {(const char *)big.data, NULL};
    http_response_t *r = http_request("GET", "/api/sender/invoices", hs, NULL, 0);
    expect(r, 400, NULL);
    http_free(r);
    /* just under the limit: the module's 401 */
    big.len = 8000;
    big.data[big.len] = '\0';
    r = http_request("GET", "/api/sender/invoices", hs, NULL, 0);
    expect(r, 401, NULL);
    http_free(r);
    /* 7,000 spaces between the scheme and the id: still not "sender N"
     * (trailing whitespace would be trimmed by httpd, inner is not) */
    buf_free(&big);
    buf_adds(&big, "Authorization: sender");
    while (big.len < 7000)
        buf_adds(&big, " ");
    buf_addf(&big, "%d", s);
    hs[0] = (const char *)big.data;
    r = http_request("GET", "/api/sender/invoices", hs, NULL, 0);
    expect(r, 401, NULL);
    http_free(r);
    buf_free(&big);

    /* NULs, through a raw socket (libcurl would cut the header there) */
    static const struct { const char *label; const char *req; size_t len; } raw[] = {
#define R(label, lit) { label, lit, sizeof(lit) - 1 }
        R("NUL after the id", "GET /api/sender/invoices HTTP/1.1\r\nHost: x\r\n"
          "Authorization: sender 1\0\r\nConnection: close\r\n\r\n"),
        R("NUL inside the id", "GET /api/sender/invoices HTTP/1.1\r\nHost: x\r\n"
          "Authorization: sender 1\0002\r\nConnection: close\r\n\r\n"),
        R("NUL before the id", "GET /api/sender/invoices HTTP/1.1\r\nHost: x\r\n"
          "Authorization: sender \0001\r\nConnection: close\r\n\r\n"),
        R("bare CR in the value", "GET /api/sender/invoices HTTP/1.1\r\nHost: x\r\n"
          "Authorization: sender 1\rX: y\r\nConnection: close\r\n\r\n"),
        R("control character after the id", "GET /api/sender/invoices HTTP/1.1\r\nHost: x\r\n"
          "Authorization: sender 1\x01\r\nConnection: close\r\n\r\n"),
        R("header name with a space", "GET /api/sender/invoices HTTP/1.1\r\nHost: x\r\n"
          "Authorization : sender 1\r\nConnection: close\r\n\r\n"),
        R("header line without a colon", "GET /api/sender/invoices HTTP/1.1\r\nHost: x\r\n"
          "Authorization sender 1\r\nConnection: close\r\n\r\n"),
#undef R
    };
    for (size_t i = 0; i < sizeof raw / sizeof *raw; i++) {
        raw_resp_t *rr = raw_exchange(raw[i].req, raw[i].len, 0, 10000);
        r = raw_as_response(rr);
        if (r->status != 400 && r->status != 401)
            it_fail(__FILE__, __LINE__, "%s: HTTP %d, expected 400 or 401: %s",
                    raw[i].label, rr->status, rr->head);
        expect(r, 0, NULL);
        http_free(r);
        raw_free(rr);
    }
    still_works();
}

/* ---- paths ---------------------------------------------------------------- */

/* What each path means after httpd has decoded and normalised it (the
 * module routes r->uri): a dot-segment path is the route it resolves to,
 * with that route's own rules; one climbing above the root is a 400. */
static void t_hostile_paths(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    create_tiny(s, rcv, id);

    /* dot segments that resolve to a route: that route answers */
    const char *to_list[] = {
        "/api/sender/invoices/../invoices", "/api/sender/invoices/%2e%2e/invoices",
        "/api/sender/invoices/%2E%2E/invoices", "/api/./sender/invoices",
        "/api/sender/uploads/../invoices", "/api/x/y/../../sender/./invoices",
    };
    for (size_t i = 0; i < sizeof to_list / sizeof *to_list; i++) {
        it_list_t l;
        get_list(to_list[i], AS(s), &l);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.ids[0], id);
        it_list_free(&l);
    }
    http_response_t *r = api_get(P("/api/consumer/invoices/../../sender/invoices/%s", id), AS(s));
    assert_status(r, 200);
    http_free(r);
    /* ... including the route's own scoping: a consumer walking over to a
     * sender route is refused (401), a sender reaching a consumer's file 401 */
    r = api_get(P("/api/consumer/invoices/%s/../../../sender/invoices", id), AC(rcv));
    expect(r, 401, NULL);
    http_free(r);
    r = api_get(P("/api/sender/invoices/../../consumer/invoices/%s/file", id), AS(s));
    expect(r, 401, NULL);
    http_free(r);

    struct { const char *path; long want; int module; } cases[] = {
        {"/../api/sender/invoices", 400, 1},
        {"/api/../../api/sender/invoices", 400, 1},
        {"/api/sender/invoices/./", 404, 1},
        {"/api/sender/invoices/..", 404, 1},        /* = /api/sender/ */
        {"/api/sender/invoices%00", 404, 0},
        {P("/api/sender/invoices/%s%%00", id), 404, 0},
        /* dot segments go before decoding: = /api/sender/invoices/invoices */
        {"/api/sender/invoices/%00/../invoices", 404, 1},
        {"/api/sender%2Finvoices", 404, 0},
        {P("/api/sender/invoices/{%s}", id), 404, 1},
        {P("/api/sender/invoices/%%7B%s%%7D", id), 404, 1},
        {"/api/sender/invoices/{}", 404, 1},
        {"/api/sender/invoices/%ZZ", 400, 1},
        {"/api/sender/invoices/%", 400, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        r = api_get(cases[i].path, AS(s));
        if (r->status != cases[i].want)
            it_fail(__FILE__, __LINE__, "GET %s: HTTP %ld, expected %ld: %.200s",
                    cases[i].path, r->status, cases[i].want, r->body);
        /* module: 1 when the module answers, 0 when httpd does (its
         * answer rendered as problem+json through the ErrorDocument) */
        expect(r, cases[i].want, NULL);
        http_free(r);
    }

    /* a 6,000-character id, and one past the request line limit */
    buf_t b = {0};
    buf_adds(&b, "/api/sender/invoices/");
    for (int i = 0; i < 6000; i++)
        buf_adds(&b, "a");
    r = api_get((const char *)b.data, AS(s));
    /* The module keeps httpd from mapping /api paths onto DocumentRoot
     * (which fails past PATH_MAX with a 403 of its own): a plain 404. */
    expect(r, 404, NULL);
    http_free(r);
    buf_free(&b);
    /* 4,000 characters still reach the module */
    buf_adds(&b, "/api/sender/invoices/");
    for (int i = 0; i < 4000; i++)
        buf_adds(&b, "a");
    r = api_get((const char *)b.data, AS(s));
    expect(r, 404, NULL);
    http_free(r);
    buf_free(&b);
    buf_adds(&b, "/api/consumer/invoices/");
    for (int i = 0; i < 9000; i++)
        buf_adds(&b, "1");
    r = api_get((const char *)b.data, AC(rcv));
    expect(r, 414, NULL);
    http_free(r);
    buf_free(&b);

    /* path sender ids that overflow */
    const char *senders[] = {"2147483648", "4294967296", "4294967297",
                             "9223372036854775808", "18446744073709551617",
                             "99999999999999999999999999999999", "-2147483648",
                             "0x7fffffff", "2147483647.0", "%32%31%34%37%34%38%33%36%34%38"};
    for (size_t i = 0; i < sizeof senders / sizeof *senders; i++) {
        r = api_get(P("/api/consumer/invoices/sender/%s", senders[i]), AC(rcv));
        expect(r, 404, NULL);
        http_free(r);
    }
    still_works();
}

/* ---- list query ----------------------------------------------------------- */

static void t_hostile_list_query(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37], other[37];
    create_tiny(s, rcv, id);
    it_random_uuid(other);
    char q_other[96], q_nul[96];
    snprintf(q_other, sizeof q_other, "starting_after=%s", other);
    snprintf(q_nul, sizeof q_nul, "starting_after=%s%%00", id);
    const char *queries[] = {
        "limit=-1", "limit=-0", "limit=0", "limit=1001", "limit=2147483648",
        "limit=99999999999999999999999", "limit=abc", "limit=", "limit=1e2",
        "limit=0x10", "limit=1.5", "limit=%205", "limit=5%00", "limit=%00",
        "limit=+5", "limit=-2147483649",
        "starting_after=not-a-uuid", "starting_after=", "starting_after=%00",
        q_other, q_nul, "starting_after={}",
    };
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        for (int k = 0; k < 3; k++) {
            char path[256];
            if (k == 0)
                snprintf(path, sizeof path, "/api/sender/invoices?%s", queries[i]);
            else if (k == 1)
                snprintf(path, sizeof path, "/api/consumer/invoices?%s", queries[i]);
            else
                snprintf(path, sizeof path, "/api/consumer/invoices/sender/%d?%s",
                         s, queries[i]);
            http_response_t *r = api_get(path, k ? AC(rcv) : AS(s));
            if (r->status != 400)
                it_fail(__FILE__, __LINE__, "GET %s: HTTP %ld, expected 400: %s",
                        path, r->status, r->body);
            expect(r, 400, NULL);
            http_free(r);
        }
    }
    still_works();
}

/* ---- chunked bodies and short bodies (raw sockets) ----------------------- */

static char *raw_post(const char *path, const char *auth, const char *ctype,
                      const char *framing, const void *body, size_t len,
                      size_t *out_len)
{
    buf_t b = {0};
    buf_addf(&b, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\n"
             "Content-Type: %s\r\n%s\r\nConnection: close\r\n\r\n",
             path, auth, ctype, framing);
    buf_add(&b, body, len);
    *out_len = b.len;
    return (char *)b.data;
}

static void t_hostile_chunked(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char *json = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
    struct { const char *label; char body[512]; size_t len; } cases[8];
    size_t n = 0;
#define CASE(lbl, ...) do { cases[n].label = (lbl); \
        cases[n].len = (size_t)snprintf(cases[n].body, sizeof cases[n].body, __VA_ARGS__); n++; } while (0)
    CASE("chunk size not hex", "zz\r\n%.20s\r\n0\r\n\r\n", json);
    CASE("negative chunk size", "-14\r\n%.20s\r\n0\r\n\r\n", json);
    CASE("chunk size overflows", "ffffffffffffffffffffffff\r\n%.20s\r\n0\r\n\r\n", json);
    CASE("chunk longer than its size", "4\r\n%.20s\r\n0\r\n\r\n", json);
    CASE("no CRLF after the chunk", "14\r\n%.20sXX0\r\n\r\n", json);
    CASE("chunk size line with garbage", "14 zz\r\n%.20s\r\n0\r\n\r\n", json);
    CASE("empty chunk size line", "\r\n%.20s\r\n0\r\n\r\n", json);
#undef CASE
    const char *routes[] = {"/api/sender/invoices", "/api/sender/uploads"};
    const char *types[] = {"application/json", "application/pdf"};
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++) {
            size_t len;
            char *req = raw_post(routes[k], AS(s), types[k],
                                 "Transfer-Encoding: chunked", cases[i].body,
                                 cases[i].len, &len);
            raw_resp_t *rr = raw_exchange(req, len, 0, 15000);
            http_response_t *r = raw_as_response(rr);
            if (r->status < 400 || r->status > 499)
                it_fail(__FILE__, __LINE__, "%s to %s: HTTP %d after %ld ms "
                        "(%s), expected a 4xx: %s", cases[i].label, routes[k],
                        rr->status, rr->elapsed_ms,
                        rr->timed_out ? "timed out" : rr->closed ? "closed" : "-",
                        rr->head);
            expect(r, 0, NULL);
            http_free(r);
            raw_free(rr);
            free(req);
        }
    }
    /* a chunk, then the client closes its side without the final chunk:
     * nothing is stored; any answer is a 4xx problem */
    for (int k = 0; k < 2; k++) {
        char first[64];
        int fl = snprintf(first, sizeof first, "14\r\n%.20s\r\n", json);
        size_t len;
        char *req = raw_post(routes[k], AS(s), types[k],
                             "Transfer-Encoding: chunked", first, (size_t)fl, &len);
        raw_resp_t *rr = raw_exchange(req, len, 1, 15000);
        it_check(!rr->timed_out, "%s: no answer nor close after a truncated "
                 "chunked body (%ld ms)", routes[k], rr->elapsed_ms);
        if (rr->status) {
            http_response_t *r = raw_as_response(rr);
            expect(r, 0, NULL);
            http_free(r);
        }
        raw_free(rr);
        free(req);
    }
    http_response_t *r = api_get("/api/sender/invoices", AS(s));
    it_list_t l;
    assert_list(r, &l);
    assert_int_equal(l.n, 0);
    it_list_free(&l);
    http_free(r);
    free(json);
    still_works();
}

/* A Content-Length larger than the body: the server waits for the rest
 * (mod_reqtimeout's body timeout, 20 s by default), then answers 408/400
 * or closes.  Bounded at 25 s.  The request runs in a thread started when
 * the suite starts (it_short_body_start, from test_main.c), so its wait
 * overlaps the other tests; t_hostile_short_body collects it. */
static struct {
    pthread_t thread;
    int started;
    int sender;
    char *req;
    size_t len;
    raw_resp_t *resp;
} g_short;

static void *short_body_run(void *arg)
{
    (void)arg;
    g_short.resp = raw_exchange(g_short.req, g_short.len, 0, 25000);
    return NULL;
}

void it_short_body_start(void)
{
    if (g_short.started)
        return;
    g_short.sender = it_new_id();
    char *json = it_create_body(it_new_id(), "application/pdf", it_pdf, it_pdf_len);
    char cl[64];
    snprintf(cl, sizeof cl, "Content-Length: %zu", strlen(json) + 100);
    char auth[64];
    snprintf(auth, sizeof auth, "sender %d", g_short.sender);
    g_short.req = raw_post("/api/sender/invoices", auth, "application/json", cl,
                           json, strlen(json), &g_short.len);
    free(json);
    if (pthread_create(&g_short.thread, NULL, short_body_run, NULL) == 0)
        g_short.started = 1;
}

static void t_hostile_short_body(void **state)
{
    (void)state;
    it_short_body_start();   /* when the suite was filtered */
    assert_true(g_short.started);
    pthread_join(g_short.thread, NULL);
    g_short.started = 0;
    raw_resp_t *rr = g_short.resp;
    print_message("Content-Length 100 bytes over the body: HTTP %d after %ld ms%s\n",
                  rr->status, rr->elapsed_ms, rr->closed ? " (closed)" : "");
    it_check(!rr->timed_out, "no answer nor close within 25 s");
    if (rr->status) {
        http_response_t *r = raw_as_response(rr);
        it_check(r->status == 408 || r->status == 400, "HTTP %ld, expected 408 "
                 "or 400", r->status);
        expect(r, 0, NULL);
        http_free(r);
    }
    raw_free(rr);
    free(g_short.req);
    assert_int_equal(db_count_sender(g_short.sender), 0);
    still_works();
}

/* ---- methods -------------------------------------------------------------- */

static void t_hostile_methods_405(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    create_tiny(s, rcv, id);
    struct { const char *path; int consumer; const char *allow; } routes[] = {
        {"/api/sender/invoices", 0, "GET, HEAD, POST"},
        {"/api/sender/uploads", 0, "POST"},
        {P("/api/sender/invoices/%s", id), 0, "GET, HEAD"},
        {"/api/consumer/invoices", 1, "GET, HEAD"},
        {P("/api/consumer/invoices/%s", id), 1, "GET, HEAD"},
        {P("/api/consumer/invoices/sender/%d", s), 1, "GET, HEAD"},
        {P("/api/consumer/invoices/%s/pay", id), 1, "POST"},
        {P("/api/consumer/invoices/%s/file", id), 1, "GET, HEAD"},
        {P("/api/sender/invoices/%s/void", id), 0, "POST"},
        {"/api/sender/events", 0, "GET, HEAD"},
        {"/api/consumer/events", 1, "GET, HEAD"},
        {P("/api/sender/invoices/%s/events", id), 0, "GET, HEAD"},
        {P("/api/consumer/invoices/%s/events", id), 1, "GET, HEAD"},
    };
    const char *methods[] = {"TRACE", "PATCH", "DELETE", "PUT", "OPTIONS"};
    /* P's buffers rotate (64 of them): keep the paths */
    char paths[sizeof routes / sizeof *routes][160];
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        snprintf(paths[i], sizeof paths[i], "%s", routes[i].path);
        routes[i].path = paths[i];
    }
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        for (size_t m = 0; m < sizeof methods / sizeof *methods; m++) {
            const char *auth = routes[i].consumer ? AC(rcv) : AS(s);
            int body = strcmp(methods[m], "PATCH") == 0 || strcmp(methods[m], "PUT") == 0;
            http_response_t *r = api(methods[m], routes[i].path, auth,
                                     body ? "application/json" : NULL,
                                     body ? "{}" : NULL, body ? 2 : 0);
            if (r->status != 405)
                it_fail(__FILE__, __LINE__, "%s: HTTP %ld, expected 405", r->what,
                        r->status);
            expect(r, 405, NULL);
            it_check(strstr(r->body, "Authorization") == NULL,
                     "%s echoed the request", r->what);
            const char *allow = http_header(r, "Allow");
            if (strcmp(methods[m], "TRACE") == 0) {
                /* refused by httpd (TraceEnable off) before the module routes */
                it_check(allow != NULL, "%s: 405 without Allow", r->what);
                if (allow)
                    it_check(!it_allow_has(allow, "TRACE"), "%s: Allow \"%s\"",
                             r->what, allow);
            } else {
                it_check(allow != NULL, "%s: 405 without Allow", r->what);
                assert_string_equal(allow, routes[i].allow);
            }
            http_free(r);
        }
    }
    /* nothing was changed: the invoice is still payable */
    http_response_t *r = api_get(P("/api/consumer/invoices/%s", id), AC(rcv));
    json_object *data;
    json_object *root = assert_invoice_response(r, 200, &data);
    assert_true(json_object_get_boolean(json_object_object_get(data, "is_payable")));
    json_object_put(root);
    http_free(r);
    still_works();
}

/* ---- the terms, ?status= and the events' parameters (issue 15) ----------- */

static void t_hostile_terms_json(void **state)
{
    (void)state;
    /* valid JSON, bad values: 422 naming the field */
    static const struct { const char *terms, *key; } bad[] = {
        {"\"amount\": 1e400, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": -0, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": 1E3, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": 1.5e2, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": 0.0, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": -1, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": -9223372036854775809, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": 9223372036854775808, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": 18446744073709551616, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": 1000000000000000000000000000000, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": \"100\", \"currency\": \"EUR\"", "amount"},
        {"\"amount\": \"1e3\", \"currency\": \"EUR\"", "amount"},
        {"\"amount\": {}, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": [], \"currency\": \"EUR\"", "amount"},
        {"\"amount\": false, \"currency\": \"EUR\"", "amount"},
        {"\"amount\": 5, \"currency\": \"eur\"", "currency"},
        {"\"amount\": 5, \"currency\": \"EURO\"", "currency"},
        {"\"amount\": 5, \"currency\": \"QQQ\"", "currency"},
        {"\"amount\": 5, \"currency\": \"E\"", "currency"},
        {"\"amount\": 5, \"currency\": \"\\u20ac\"", "currency"},
        {"\"amount\": 5, \"currency\": \"EU\\u0001\"", "currency"},
        {"\"amount\": 5, \"currency\": 978", "currency"},
        {"\"amount\": 5, \"currency\": [\"EUR\"]", "currency"},
        {"\"due_date\": \"2024-02-29T00:00:00Z\"", "due_date"},
        {"\"due_date\": \"2024-02-29 10:00\"", "due_date"},
        {"\"due_date\": \"2024-02-29\\n\"", "due_date"},
        {"\"due_date\": \"+2024-02-29\"", "due_date"},
        {"\"due_date\": \"-2024-02-29\"", "due_date"},
        {"\"due_date\": \"99999-01-01\"", "due_date"},
        {"\"due_date\": \"0000-01-01\"", "due_date"},
        {"\"due_date\": \"2024-W09-4\"", "due_date"},
        {"\"due_date\": \"2024-02-2\\u0039\"", NULL},   /* = 2024-02-29: fine */
        {"\"due_date\": \"\\uff12\\uff10\\uff12\\uff14-02-29\"", "due_date"},
        {"\"due_date\": 20240229", "due_date"},
        {"\"due_date\": {\"y\": 2024}", "due_date"},
        {"\"reference\": \"\\u0007bell\"", "reference"},
        {"\"reference\": \"a\\u001bb\"", "reference"},
        {"\"reference\": \"a\\u0085b\"", "reference"},
        {"\"reference\": \"\\ud800\"", NULL},            /* lone surrogate: any 4xx */
        {"\"reference\": \"\\t\"", "reference"},
        {"\"reference\": [\"a\"]", "reference"},
        {"\"reference\": 1.5", "reference"},
    };
    int s = it_new_id();
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        http_response_t *r = lc_create_r(s, it_new_id(), bad[i].terms);
        if (bad[i].key == NULL && r->status == 201) {
            http_free(r);
            continue;
        }
        it_check(r->status >= 400 && r->status < 500, "terms %s: HTTP %ld: %.200s",
                 bad[i].terms, r->status, r->body);
        if (bad[i].key)
            it_check(r->status == 422, "terms %s: HTTP %ld, expected 422",
                     bad[i].terms, r->status);
        expect(r, 0, bad[i].key);
        http_free(r);
    }
    /* not JSON at all: 400 */
    const char *syntax[] = {"\"amount\": NaN, \"currency\": \"EUR\"",
                            "\"amount\": Infinity, \"currency\": \"EUR\"",
                            "\"amount\": 0x10, \"currency\": \"EUR\"",
                            "\"amount\": 01, \"currency\": \"EUR\"",
                            "\"amount\": 1., \"currency\": \"EUR\"",
                            "\"reference\": \"a\xff\xfe\"",
                            "\"reference\": \"\xc3\"",
                            "\"reference\": \"a\tb\"",
                            "\"reference\": \"R\", \"reference\": \"S\""};
    for (size_t i = 0; i < sizeof syntax / sizeof *syntax; i++) {
        http_response_t *r = lc_create_r(s, it_new_id(), syntax[i]);
        expect(r, 400, NULL);
        http_free(r);
    }
    /* a very long reference, in bytes and in characters */
    buf_t b = {0};
    buf_adds(&b, "\"reference\": \"");
    for (int i = 0; i < 100000; i++)
        buf_adds(&b, "\xe2\x82\xac");   /* EUR sign, 3 bytes */
    buf_adds(&b, "\"");
    http_response_t *r = lc_create_r(s, it_new_id(), (const char *)b.data);
    expect(r, 0, NULL);
    http_free(r);
    buf_free(&b);
    still_works();
}

static http_response_t *upload_parts(int s, const char *name, const void *v,
                                     size_t len)
{
    buf_t b = {0};
    mp_field(&b, "receiver_id", P("%d", it_new_id()));
    if (strcmp(name, "amount") == 0)
        mp_part(&b, "currency", NULL, "EUR", 3);
    mp_part(&b, name, NULL, v, len);
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    http_response_t *r = api("POST", "/api/sender/uploads", AS(s), MP_CTYPE,
                             b.data, b.len);
    buf_free(&b);
    return r;
}

static void t_hostile_terms_upload(void **state)
{
    (void)state;
    int s = it_new_id();
    static const struct { const char *name; const char *v; size_t len; } parts[] = {
        {"amount", "12\0", 3}, {"amount", "\0", 1}, {"amount", "\xef\xbc\x91\xef\xbc\x92", 6},
        {"amount", "1e3", 3}, {"amount", "-5", 2}, {"amount", "5.00", 4},
        {"amount", "99999999999999999999999999", 26}, {"amount", "\xff", 1},
        {"amount", "5\r\n", 3},
        {"currency", "EU\0", 3}, {"currency", "eur", 3}, {"currency", "\xff\xfe\xfd", 3},
        {"due_date", "2024-02-29T00:00:00Z", 20}, {"due_date", "2024-02-29\0", 11},
        {"due_date", "2023-02-29", 10}, {"due_date", "\xff", 1},
        {"reference", "a\0b", 3}, {"reference", "\xff\xfe", 2}, {"reference", "\xc3", 1},
        {"reference", "\xed\xa0\x80", 3},   /* an encoded surrogate */
        {"reference", "\xc0\xaf", 2},       /* overlong */
        {"reference", "a\x1b", 2}, {"reference", "", 0}, {"reference", " ", 1},
    };
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        http_response_t *r = upload_parts(s, parts[i].name, parts[i].v, parts[i].len);
        it_check(r->status == 422, "part %s #%zu: HTTP %ld, expected 422: %.200s",
                 parts[i].name, i, r->status, r->body);
        expect(r, 422, parts[i].name);
        http_free(r);
    }
    /* a reference part of 1 MiB */
    size_t big = 1 << 20;
    char *v = malloc(big);
    memset(v, 'R', big);
    http_response_t *r = upload_parts(s, "reference", v, big);
    expect(r, 0, NULL);
    http_free(r);
    free(v);
    /* query parameters of a raw upload */
    const char *queries[] = {
        "amount=%00&currency=EUR", "amount=1%00&currency=EUR", "amount=1e3&currency=EUR",
        "amount=-1&currency=EUR", "amount=%2B1&currency=EUR", "amount=1.0&currency=EUR",
        "amount=99999999999999999999999&currency=EUR", "amount=5&currency=eur",
        "amount=5&currency=%00", "amount=5&currency=EURO", "amount=5&currency=%E2%82%AC",
        "due_date=2024-02-29T00:00", "due_date=2024-02-29%00", "due_date=%FF",
        "reference=%00", "reference=%FF", "reference=a%0Ab", "reference=%20a",
        "reference=%C0%AF", "reference=%ED%A0%80", "amount=5", "currency=EUR",
        "amount=%ZZ&currency=EUR", "reference=%",
    };
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        r = api("POST", P("/api/sender/uploads?receiver_id=%d&%s", it_new_id(), queries[i]),
                AS(s), "application/pdf", it_pdf, it_pdf_len);
        it_check(r->status == 422 || r->status == 400, "?%s: HTTP %ld: %.200s",
                 queries[i], r->status, r->body);
        expect(r, 0, NULL);
        http_free(r);
    }
    buf_t q = {0};
    buf_addf(&q, "/api/sender/uploads?receiver_id=%d&reference=", it_new_id());
    /* 700 characters in 6,300 bytes of query: under LimitRequestLine, so
     * the module answers (422), not Apache (414) */
    for (int i = 0; i < 700; i++)
        buf_adds(&q, "%E2%82%AC");
    r = api("POST", (const char *)q.data, AS(s), "application/pdf", it_pdf, it_pdf_len);
    expect(r, 422, "reference");
    http_free(r);
    buf_free(&q);
    assert_int_equal(db_count_sender(s), 0);
    still_works();
}

static void t_hostile_status_and_events_query(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    create_tiny(s, rcv, id);
    const char *status_q[] = {"status=", "status=open&status=open", "status=open&status=paid",
                              "status=OPEN", "status=%00", "status=open%00", "status=void%20",
                              "status=1", "status=all", "status=%ZZ", "status=open,paid",
                              "status[]=open&status=x"};   /* status[]: another name */
    for (size_t i = 0; i < sizeof status_q / sizeof *status_q; i++)
        for (int k = 0; k < 3; k++) {
            const char *base = k == 0 ? "/api/sender/invoices"
                             : k == 1 ? "/api/consumer/invoices"
                                      : P("/api/consumer/invoices/sender/%d", s);
            http_response_t *r = api_get(P("%s?%s", base, status_q[i]), k ? AC(rcv) : AS(s));
            it_check(r->status == 400, "%s: HTTP %ld, expected 400: %.200s", r->what,
                     r->status, r->body);
            expect(r, 400, NULL);
            http_free(r);
        }
    const char *ev_q[] = {
        "limit=0", "limit=1001", "limit=-1", "limit=abc", "limit=", "limit=1e2",
        "limit=%00", "limit=5%00", "limit=99999999999999999999", "limit=2147483648",
        "limit=1&limit=1",
        "starting_after=", "starting_after=garbage", "starting_after=-5",
        "starting_after=0", "starting_after=%00", "starting_after=1%00",
        "starting_after=9223372036854775807", "starting_after=9223372036854775808",
        "starting_after=184467440737095516160000", "starting_after=1e3",
        "starting_after=0x10", "starting_after=%2B5", "starting_after=5&starting_after=6",
        NULL, "starting_after={}",
    };
    char q_id[64];
    snprintf(q_id, sizeof q_id, "starting_after=%s", id);
    ev_q[24] = q_id;
    for (size_t i = 0; i < sizeof ev_q / sizeof *ev_q; i++)
        for (int k = 0; k < 4; k++) {
            char path[256];
            if (k == 0)
                snprintf(path, sizeof path, "/api/sender/events?%s", ev_q[i]);
            else if (k == 1)
                snprintf(path, sizeof path, "/api/consumer/events?%s", ev_q[i]);
            else if (k == 2)
                snprintf(path, sizeof path, "/api/sender/invoices/%s/events?%s", id, ev_q[i]);
            else
                snprintf(path, sizeof path, "/api/consumer/invoices/%s/events?%s", id, ev_q[i]);
            http_response_t *r = api_get(path, k % 2 ? AC(rcv) : AS(s));
            it_check(r->status == 400, "GET %s: HTTP %ld, expected 400: %.200s", path,
                     r->status, r->body);
            expect(r, 400, NULL);
            http_free(r);
        }
    /* void with a body, a query, or a foreign id shape */
    http_response_t *r = api("POST", "/api/sender/invoices/not-a-uuid/void", AS(s),
                             NULL, NULL, 0);
    expect(r, 404, NULL);
    http_free(r);
    r = api("POST", P("/api/sender/invoices/%s/void", "00000000-0000-0000-0000-000000000000"),
            AS(s), NULL, NULL, 0);
    expect(r, 404, NULL);
    http_free(r);
    r = api("POST", P("/api/sender/invoices/%s/void?force=1", id), AS(s),
            "application/json", "{\"status\": \"paid\"}", 18);
    assert_status(r, 200);   /* the body and query are ignored: it is void */
    http_free(r);
    r = api("POST", P("/api/sender/invoices/%s/void", id), AS(s), NULL, NULL, 0);
    expect(r, 409, NULL);
    http_free(r);
    still_works();
}

static void t_hostile_count(void **state)
{
    (void)state;
    print_message("%d malformed requests checked\n", g_hostile);
    /* only meaningful when the whole group ran */
    const char *f = getenv("INVOICE_TEST_FILTER");
    if (!f || !*f)
        assert_true(g_hostile >= 60);
}

const struct CMUnitTest it_tests_hostile[] = {
    cmocka_unit_test(t_hostile_json_syntax),
    cmocka_unit_test(t_hostile_json_values),
    cmocka_unit_test(t_hostile_authorization),
    cmocka_unit_test(t_hostile_paths),
    cmocka_unit_test(t_hostile_list_query),
    cmocka_unit_test(t_hostile_chunked),
    cmocka_unit_test(t_hostile_methods_405),
    cmocka_unit_test(t_hostile_short_body),
    cmocka_unit_test(t_hostile_terms_json),
    cmocka_unit_test(t_hostile_terms_upload),
    cmocka_unit_test(t_hostile_status_and_events_query),
    cmocka_unit_test(t_hostile_count),
};
IT_DEFINE_COUNT(hostile);
