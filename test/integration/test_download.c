/* GET/HEAD /api/consumer/invoices/{id}/file as a real HTTP resource: HEAD,
 * caching headers, Last-Modified and conditional requests, byte ranges
 * (single, suffix, open, multiple, unsatisfiable) and If-Range. */
#define _DEFAULT_SOURCE
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_CONTROL "private, max-age=31536000, immutable"

typedef struct {
    int s, rcv;
    char id[37];
    unsigned char *bytes;
    size_t len;
    char path[128];
    char last_modified[64];   /* from inserted_at */
} fixture_t;

/* inserted_at ("2026-11-24T11:14:21.132679Z") as an HTTP date. */
static void http_date_of(const char *rfc3339, char out[64])
{
    struct tm tm = {0};
    int y, mo, d, h, mi, sec;
    assert_int_equal(sscanf(rfc3339, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec), 6);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    struct tm g;
    gmtime_r(&t, &g);
    static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[g.tm_wday],
             g.tm_mday, months[g.tm_mon], g.tm_year + 1900, g.tm_hour,
             g.tm_min, g.tm_sec);
}

static void fixture(fixture_t *f, const char *data_file)
{
    memset(f, 0, sizeof *f);
    f->s = it_new_id();
    f->rcv = it_new_id();
    if (data_file) {
        f->bytes = it_read_data(data_file, &f->len);
        create_invoice(f->s, f->rcv, "application/pdf", f->bytes, f->len, f->id);
    } else {
        f->len = it_png_len;
        f->bytes = malloc(f->len);
        assert_non_null(f->bytes);
        memcpy(f->bytes, it_png, f->len);
        create_invoice(f->s, f->rcv, "image/png", f->bytes, f->len, f->id);
    }
    snprintf(f->path, sizeof f->path, "/api/consumer/invoices/%s/file", f->id);
    http_response_t *r = api_get(P("/api/consumer/invoices/%s", f->id), AC(f->rcv));
    json_object *data;
    json_object *root = assert_invoice_response(r, 200, &data);
    http_date_of(json_object_get_string(json_object_object_get(data, "inserted_at")),
                 f->last_modified);
    json_object_put(root);
    http_free(r);
}

static http_response_t *get_with(const fixture_t *f, const char *method,
                                 const char *h1, const char *h2)
{
    const char *hs[4] = {P("Authorization: %s", AC(f->rcv)), h1, h2, NULL};
    if (!h1)
        hs[1] = NULL;
    return http_request(method, f->path, hs, NULL, 0);
}

static void t_download_headers(void **state)
{
    (void)state;
    fixture_t f;
    fixture(&f, "helloworld.pdf");
    http_response_t *r = get_with(&f, "GET", NULL, NULL);
    assert_status(r, 200);
    assert_media_type(r, "application/pdf");
    assert_header(r, "Content-Length", P("%zu", f.len));
    assert_header(r, "Cache-Control", CACHE_CONTROL);
    assert_header(r, "Accept-Ranges", "bytes");
    assert_header(r, "Last-Modified", f.last_modified);
    assert_header(r, "X-Content-Type-Options", "nosniff");
    assert_header(r, "Content-Disposition",
                  P("attachment; filename=\"%s.pdf\"", f.id));
    char sha[65];
    it_sha256_hex(f.bytes, f.len, sha);
    assert_header(r, "ETag", P("\"%s\"", sha));
    assert_int_equal(r->body_len, f.len);
    assert_memory_equal(r->body, f.bytes, f.len);
    http_free(r);

    /* a PNG: its own type and extension */
    fixture_t g;
    fixture(&g, NULL);
    r = get_with(&g, "GET", NULL, NULL);
    assert_status(r, 200);
    assert_media_type(r, "image/png");
    assert_header(r, "Content-Disposition",
                  P("attachment; filename=\"%s.png\"", g.id));
    assert_header(r, "Cache-Control", CACHE_CONTROL);
    assert_header(r, "Last-Modified", g.last_modified);
    http_free(r);
    free(f.bytes);
    free(g.bytes);
}

static void t_download_head_matches_get(void **state)
{
    (void)state;
    fixture_t f;
    fixture(&f, "helloworld.pdf");
    http_response_t *g = get_with(&f, "GET", NULL, NULL);
    http_response_t *h = get_with(&f, "HEAD", NULL, NULL);
    assert_status(g, 200);
    assert_status(h, 200);
    assert_int_equal(h->body_len, 0);
    const char *names[] = {"Content-Length", "Content-Type", "ETag",
                           "Last-Modified", "Accept-Ranges", "Cache-Control",
                           "Content-Disposition", "X-Content-Type-Options"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *a = http_header(g, names[i]), *b = http_header(h, names[i]);
        it_check(a && b && strcmp(a, b) == 0, "%s: GET \"%s\", HEAD \"%s\"",
                 names[i], a ? a : "(none)", b ? b : "(none)");
    }
    assert_header(h, "Content-Length", P("%zu", f.len));
    http_free(g);
    http_free(h);
    /* HEAD is scoped like GET */
    const char *hs[] = {P("Authorization: %s", AC(f.s)), NULL};
    h = http_request("HEAD", f.path, hs, NULL, 0);
    assert_status(h, 404);
    assert_int_equal(h->body_len, 0);
    http_free(h);
    h = http_request("HEAD", f.path, NULL, NULL, 0);
    assert_status(h, 401);
    http_free(h);
    free(f.bytes);
}

static void t_download_conditional(void **state)
{
    (void)state;
    fixture_t f;
    fixture(&f, "helloworld.pdf");
    http_response_t *r = get_with(&f, "GET", NULL, NULL);
    assert_status(r, 200);
    char etag[80];
    snprintf(etag, sizeof etag, "%s", http_header(r, "ETag"));
    http_free(r);

    r = get_with(&f, "GET", P("If-Modified-Since: %s", f.last_modified), NULL);
    assert_status(r, 304);
    assert_int_equal(r->body_len, 0);
    assert_header(r, "ETag", etag);
    http_free(r);
    r = get_with(&f, "GET", P("If-None-Match: %s", etag), NULL);
    assert_status(r, 304);
    assert_int_equal(r->body_len, 0);
    http_free(r);
    r = get_with(&f, "HEAD", P("If-None-Match: %s", etag), NULL);
    assert_status(r, 304);
    http_free(r);
    r = get_with(&f, "GET", "If-None-Match: *", NULL);
    assert_status(r, 304);
    http_free(r);
    /* modified since long ago: the whole file */
    r = get_with(&f, "GET", "If-Modified-Since: Thu, 01 Jan 2015 00:00:00 GMT", NULL);
    assert_status(r, 200);
    assert_int_equal(r->body_len, f.len);
    http_free(r);
    /* another tag: the whole file (If-None-Match wins over If-Modified-Since) */
    r = get_with(&f, "GET", "If-None-Match: \"other\"",
                 P("If-Modified-Since: %s", f.last_modified));
    assert_status(r, 200);
    assert_int_equal(r->body_len, f.len);
    http_free(r);
    /* If-Match with another tag: 412 */
    r = get_with(&f, "GET", "If-Match: \"other\"", NULL);
    json_object *p = assert_problem(r, 412);
    json_object_put(p);
    http_free(r);
    r = get_with(&f, "GET", P("If-Match: %s", etag), NULL);
    assert_status(r, 200);
    http_free(r);
    free(f.bytes);
}

/* Content-Range "bytes a-b/size" and exactly those bytes. */
#define assert_range(r, f, a, b) it_assert_range((r), (f), (a), (b), __FILE__, __LINE__)
static void it_assert_range(const http_response_t *r, const fixture_t *f,
                            size_t a, size_t b, const char *file, int line)
{
    it_assert_status(r, 206, file, line);
    it_assert_header(r, "Content-Range", P("bytes %zu-%zu/%zu", a, b, f->len),
                     file, line);
    it_assert_header(r, "Content-Length", P("%zu", b - a + 1), file, line);
    it_assert_media_type(r, "application/pdf", file, line);
    if (r->body_len != b - a + 1 || memcmp(r->body, f->bytes + a, b - a + 1) != 0)
        it_fail(file, line, "%s: the %zu bytes received are not bytes %zu-%zu",
                r->what, r->body_len, a, b);
}

static void t_download_ranges(void **state)
{
    (void)state;
    fixture_t f;
    fixture(&f, "helloworld.pdf");
    size_t last = f.len - 1;
    assert_true(f.len > 1000);
    struct { const char *range; size_t a, b; } cases[] = {
        {"bytes=0-99", 0, 99},
        {"bytes=100-", 100, last},
        {"bytes=-500", f.len - 500, last},
        {"bytes=0-0", 0, 0},
        {"bytes=-1", last, last},
        {P("bytes=%zu-%zu", last, last), last, last},
        {"bytes=1000-99999999", 1000, last},      /* clamped to the end */
        {"bytes=-99999999", 0, last},              /* the whole file, as 206 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        http_response_t *r = get_with(&f, "GET", P("Range: %s", cases[i].range), NULL);
        assert_range(r, &f, cases[i].a, cases[i].b);
        http_free(r);
    }
    /* HEAD with a Range: the same status and headers, no body */
    http_response_t *r = get_with(&f, "HEAD", "Range: bytes=0-99", NULL);
    assert_status(r, 206);
    assert_header(r, "Content-Range", P("bytes 0-99/%zu", f.len));
    assert_int_equal(r->body_len, 0);
    http_free(r);
    /* a Range that is not "bytes" is ignored: the whole file */
    r = get_with(&f, "GET", "Range: pages=1-2", NULL);
    assert_status(r, 200);
    assert_int_equal(r->body_len, f.len);
    http_free(r);
    free(f.bytes);
}

static void t_download_range_unsatisfiable(void **state)
{
    (void)state;
    fixture_t f;
    fixture(&f, "helloworld.pdf");
    const char *ranges[] = {"bytes=999999-", P("bytes=%zu-", f.len),
                            P("bytes=%zu-%zu", f.len, f.len + 10)};
    for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
        http_response_t *r = get_with(&f, "GET", P("Range: %s", ranges[i]), NULL);
        if (r->status != 416)
            it_fail(__FILE__, __LINE__, "Range: %s: HTTP %ld, expected 416",
                    ranges[i], r->status);
        json_object *p = assert_problem(r, 416);
        json_object_put(p);
        assert_header(r, "Content-Range", P("bytes */%zu", f.len));
        http_free(r);
    }
    free(f.bytes);
}

static void t_download_if_range(void **state)
{
    (void)state;
    fixture_t f;
    fixture(&f, "helloworld.pdf");
    char sha[65];
    it_sha256_hex(f.bytes, f.len, sha);
    http_response_t *r = get_with(&f, "GET", "Range: bytes=0-99",
                                  P("If-Range: \"%s\"", sha));
    assert_range(r, &f, 0, 99);
    http_free(r);
    /* another validator: the whole file, 200 */
    r = get_with(&f, "GET", "Range: bytes=0-99", "If-Range: \"other\"");
    assert_status(r, 200);
    assert_int_equal(r->body_len, f.len);
    assert_memory_equal(r->body, f.bytes, f.len);
    assert_null(http_header(r, "Content-Range"));
    http_free(r);
    /* If-Range with a date in the past: the whole file */
    r = get_with(&f, "GET", "Range: bytes=0-99",
                 "If-Range: Thu, 01 Jan 2015 00:00:00 GMT");
    assert_status(r, 200);
    assert_int_equal(r->body_len, f.len);
    http_free(r);
    /* a mismatching If-Range turns an unsatisfiable range into the file too */
    r = get_with(&f, "GET", "Range: bytes=999999-", "If-Range: \"other\"");
    assert_status(r, 200);
    assert_int_equal(r->body_len, f.len);
    http_free(r);
    free(f.bytes);
}

static void t_download_multiple_ranges(void **state)
{
    (void)state;
    fixture_t f;
    fixture(&f, "helloworld.pdf");
    /* Several ranges are answered with the whole file (README). */
    http_response_t *r = get_with(&f, "GET", "Range: bytes=0-1,5-6", NULL);
    assert_status(r, 200);
    assert_null(http_header(r, "Content-Range"));
    assert_int_equal(r->body_len, f.len);
    assert_memory_equal(r->body, f.bytes, f.len);
    http_free(r);
    free(f.bytes);
}

const struct CMUnitTest it_tests_download[] = {
    cmocka_unit_test(t_download_headers),
    cmocka_unit_test(t_download_head_matches_get),
    cmocka_unit_test(t_download_conditional),
    cmocka_unit_test(t_download_ranges),
    cmocka_unit_test(t_download_range_unsatisfiable),
    cmocka_unit_test(t_download_if_range),
    cmocka_unit_test(t_download_multiple_ranges),
};
IT_DEFINE_COUNT(download);
