/* POST /api/sender/uploads: multipart/form-data and raw bodies, their
 * validation, the 415 with Accept-Post, the route's own 32 MiB body limit,
 * and 32 MiB round trips (upload, download, database). */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"
#include "wire.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UPLOADS "/api/sender/uploads"
#define ACCEPT_POST "multipart/form-data, application/pdf, image/png"
#define MIB32 33554432u

static http_response_t *post_mp(int sender, const buf_t *b)
{
    return api("POST", UPLOADS, AS(sender), MP_CTYPE, b->data, b->len);
}

static http_response_t *post_raw(int sender, const char *query,
                                 const char *ctype, const void *bytes,
                                 size_t len)
{
    return api("POST", P(UPLOADS "%s", query), AS(sender), ctype, bytes, len);
}

/* A 201 exactly like the JSON create's; the invoice is then visible to
 * the sender, stored as sent, and downloads byte for byte.  id receives
 * its id. */
#define assert_uploaded(r, s, rcv, ftype, bytes, len, id) \
    it_assert_uploaded((r), (s), (rcv), (ftype), (bytes), (len), (id), \
                       __FILE__, __LINE__)
static void it_assert_uploaded(http_response_t *r, int sender, int receiver,
                               const char *ftype, const unsigned char *bytes,
                               size_t len, char id[37], const char *file,
                               int line)
{
    json_object *data;
    json_object *root = it_assert_invoice_response(r, 201, &data, file, line);
    snprintf(id, 37, "%s", json_object_get_string(json_object_object_get(data, "id")));
    if (json_object_get_int64(json_object_object_get(data, "sender_id")) != sender ||
        json_object_get_int64(json_object_object_get(data, "receiver_id")) != receiver ||
        json_object_get_int64(json_object_object_get(data, "file_size")) != (int64_t)len ||
        strcmp(json_object_get_string(json_object_object_get(data, "file_type")), ftype) != 0 ||
        !json_object_get_boolean(json_object_object_get(data, "is_payable")))
        it_fail(file, line, "%s: uploaded invoice does not match: %s", r->what,
                json_object_to_json_string(data));
    const char *loc = http_header(r, "Location");
    if (!loc || strcmp(loc, P("/api/sender/invoices/%s", id)) != 0)
        it_fail(file, line, "%s: Location \"%s\", expected /api/sender/invoices/%s",
                r->what, loc ? loc : "(none)", id);
    json_object_put(root);

    http_response_t *g = api_get(P("/api/sender/invoices/%s", id), AS(sender));
    it_assert_status(g, 200, file, line);
    http_free(g);
    it_db_assert_invoice(id, sender, receiver, ftype, bytes, len, file, line);
    g = api_get(P("/api/consumer/invoices/%s/file", id), AC(receiver));
    it_assert_status(g, 200, file, line);
    it_assert_media_type(g, ftype, file, line);
    if (g->body_len != len || memcmp(g->body, bytes, len) != 0)
        it_fail(file, line, "download of %s: %zu bytes, differs from the %zu "
                "uploaded", id, g->body_len, len);
    http_free(g);
}

/* n bytes: the signature of the type, then pseudo-random bytes. */
static unsigned char *big_file(size_t n, int png, unsigned seed)
{
    unsigned char *b = malloc(n);
    if (!b)
        abort();
    uint64_t x = 0x9e3779b97f4a7c15ull ^ seed;
    for (size_t i = 0; i < n; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t k = n - i < 8 ? n - i : 8;
        memcpy(b + i, &x, k);
    }
    if (png)
        memcpy(b, it_png, 8);
    else
        memcpy(b, "%PDF-1.7\n", 9);
    return b;
}

static void t_upload_multipart_receiver_part(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    size_t pdf_len;
    unsigned char *pdf = it_read_data("helloworld.pdf", &pdf_len);
    char id[37];

    buf_t b = {0};
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "application/pdf", pdf, pdf_len);
    mp_close(&b);
    http_response_t *r = post_mp(s, &b);
    assert_uploaded(r, s, rcv, "application/pdf", pdf, pdf_len, id);
    http_free(r);
    buf_free(&b);

    /* file first, PNG, media type in another case and with a parameter */
    mp_part(&b, "file", "Image/PNG; x=y", it_png, it_png_len);
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_close(&b);
    r = post_mp(s, &b);
    assert_uploaded(r, s, rcv, "image/png", it_png, it_png_len, id);
    http_free(r);
    buf_free(&b);

    /* both appear in the sender's list, newest first */
    it_list_t l;
    get_list("/api/sender/invoices", AS(s), &l);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.ids[0], id);
    it_list_free(&l);
    free(pdf);
}

/* The form curl -F builds (libcurl's own mime encoder). */
static void t_upload_curl_mime(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    size_t pdf_len;
    unsigned char *pdf = it_read_data("helloworld.pdf", &pdf_len);

    CURL *e = curl_easy_init();
    assert_non_null(e);
    curl_mime *mime = curl_mime_init(e);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "receiver_id");
    curl_mime_data(part, P("%d", rcv), CURL_ZERO_TERMINATED);
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "file");
    curl_mime_filename(part, "helloworld.pdf");
    curl_mime_type(part, "application/pdf");
    curl_mime_data(part, (const char *)pdf, pdf_len);
    struct curl_slist *hs = curl_slist_append(NULL, P("Authorization: %s", AS(s)));
    hs = curl_slist_append(hs, "Expect:");
    char url[512];
    snprintf(url, sizeof url, "%s" UPLOADS, http_base_url());
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(e, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, (curl_write_callback)NULL);
    FILE *sink = fmemopen(NULL, 65536, "w+");
    assert_non_null(sink);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, sink);
    CURLcode rc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    rewind(sink);
    char out[4096] = "";
    size_t got = fread(out, 1, sizeof out - 1, sink);
    out[got] = '\0';
    fclose(sink);
    curl_slist_free_all(hs);
    curl_mime_free(mime);
    curl_easy_cleanup(e);
    it_check(rc == CURLE_OK && status == 201, "curl mime upload: %s, HTTP %ld: %s",
             curl_easy_strerror(rc), status, out);
    json_object *o = json_tokener_parse(out);
    assert_non_null(o);
    const char *id = json_object_get_string(json_object_object_get(
        json_object_object_get(o, "data"), "id"));
    assert_non_null(id);
    db_assert_invoice(id, s, rcv, "application/pdf", pdf, pdf_len);
    json_object_put(o);
    free(pdf);
}

static void t_upload_invoice_json_part(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    buf_t b = {0};

    /* {"receiver_id"} only: the type comes from the file part */
    mp_part(&b, "invoice", "application/json", P("{\"receiver_id\": %d}", rcv),
            strlen(P("{\"receiver_id\": %d}", rcv)));
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    http_response_t *r = post_mp(s, &b);
    assert_uploaded(r, s, rcv, "application/pdf", it_pdf, it_pdf_len, id);
    http_free(r);
    buf_free(&b);

    /* file_type given and matching */
    mp_field(&b, "invoice", P("{\"receiver_id\": %d, \"file_type\": \"image/png\"}", rcv));
    mp_part(&b, "file", "image/png", it_png, it_png_len);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_uploaded(r, s, rcv, "image/png", it_png, it_png_len, id);
    http_free(r);
    buf_free(&b);

    /* file part without Content-Type: file_type from the JSON */
    mp_field(&b, "invoice", P("{\"receiver_id\": %d, \"file_type\": \"image/png\"}", rcv));
    mp_part(&b, "file", NULL, it_png, it_png_len);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_uploaded(r, s, rcv, "image/png", it_png, it_png_len, id);
    http_free(r);
    buf_free(&b);

    /* file_type not matching the part's Content-Type */
    mp_field(&b, "invoice", P("{\"receiver_id\": %d, \"file_type\": \"image/png\"}", rcv));
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "file_type");
    http_free(r);
    buf_free(&b);

    /* neither a part Content-Type nor a file_type */
    mp_field(&b, "invoice", P("{\"receiver_id\": %d}", rcv));
    mp_part(&b, "file", NULL, it_pdf, it_pdf_len);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "file_type");
    assert_error_msg(r, "file_type", "is required");
    http_free(r);
    buf_free(&b);

    /* receiver_id both as a part and in the JSON */
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_field(&b, "invoice", P("{\"receiver_id\": %d}", rcv));
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "receiver_id");
    http_free(r);
    buf_free(&b);

    /* the JSON's own rules: receiver_id must be a JSON integer */
    mp_field(&b, "invoice", "{\"receiver_id\": \"12\"}");
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_error_msg(r, "receiver_id", "must be an integer");
    http_free(r);
    buf_free(&b);

    assert_int_equal(db_count_sender(s), 3);
}

static void t_upload_part_errors_422(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    size_t n = 0;
    buf_t b = {0};
    http_response_t *r;

    /* unknown part: the part's name is the key */
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_field(&b, "comment", "hello");
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "comment");
    assert_error_msg(r, "comment", "is not allowed");
    http_free(r); buf_free(&b); n++;

    /* a part given twice */
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "receiver_id");
    assert_error_msg(r, "receiver_id", "is given more than once");
    http_free(r); buf_free(&b); n++;

    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "file");
    assert_error_msg(r, "file", "is given more than once");
    http_free(r); buf_free(&b); n++;

    /* no file part */
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "file");
    assert_error_msg(r, "file", "is required");
    http_free(r); buf_free(&b); n++;

    /* no receiver_id */
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "receiver_id");
    assert_error_msg(r, "receiver_id", "is required");
    http_free(r); buf_free(&b); n++;

    /* empty file */
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "application/pdf", "", 0);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "file");
    http_free(r); buf_free(&b); n++;

    /* bytes that are not the declared type, both ways */
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "application/pdf", it_png, it_png_len);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "file");
    http_free(r); buf_free(&b); n++;
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "image/png", it_pdf, it_pdf_len);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "file");
    http_free(r); buf_free(&b); n++;

    /* a type outside the allowlist */
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "text/plain", "%PDF-1.4\n", 9);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "file_type");
    http_free(r); buf_free(&b); n++;

    /* several at once */
    mp_field(&b, "receiver_id", "0");
    mp_part(&b, "file", "application/pdf", it_png, it_png_len);
    mp_field(&b, "x", "1");
    mp_close(&b);
    r = post_mp(s, &b);
    assert_field_errors(r, "receiver_id", "file", "x");
    http_free(r); buf_free(&b); n++;

    assert_int_equal(n, 10);
    assert_int_equal(db_count_sender(s), 0);
}

/* The receiver_id rules, as a multipart part and as the raw query. */
static void t_upload_receiver_id_values(void **state)
{
    (void)state;
    int s = it_new_id();
    static const struct { const char *v; const char *msg; } bad[] = {
        {"", "must be an integer"}, {"abc", "must be an integer"},
        {"1.5", "must be an integer"}, {"1e3", "must be an integer"},
        {"0x10", "must be an integer"}, {"+5", "must be an integer"},
        {"0", "must be greater than 0"}, {"-1", "must be greater than 0"},
        {"2147483648", "must be less than or equal to 2147483647"},
        {"99999999999999999999", "must be less than or equal to 2147483647"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        buf_t b = {0};
        mp_field(&b, "receiver_id", bad[i].v);
        mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
        mp_close(&b);
        http_response_t *r = post_mp(s, &b);
        if (r->status != 422)
            it_fail(__FILE__, __LINE__, "receiver_id part \"%s\": HTTP %ld: %s",
                    bad[i].v, r->status, r->body);
        assert_field_errors(r, "receiver_id");
        /* "" may reasonably be "is required" as well */
        if (*bad[i].v)
            assert_error_msg(r, "receiver_id", bad[i].msg);
        http_free(r);
        buf_free(&b);

        r = post_raw(s, P("?receiver_id=%s", bad[i].v), "application/pdf",
                     it_pdf, it_pdf_len);
        if (r->status != 422)
            it_fail(__FILE__, __LINE__, "?receiver_id=%s: HTTP %ld: %s",
                    bad[i].v, r->status, r->body);
        assert_field_errors(r, "receiver_id");
        if (*bad[i].v)
            assert_error_msg(r, "receiver_id", bad[i].msg);
        http_free(r);
    }
    /* absent from the query */
    http_response_t *r = post_raw(s, "", "application/pdf", it_pdf, it_pdf_len);
    assert_field_errors(r, "receiver_id");
    assert_error_msg(r, "receiver_id", "is required");
    http_free(r);
    r = post_raw(s, "?receiver=5", "application/pdf", it_pdf, it_pdf_len);
    assert_error_msg(r, "receiver_id", "is required");
    http_free(r);
    assert_int_equal(db_count_sender(s), 0);

    /* the bounds themselves are fine */
    char id[37];
    const int ok[] = {1, 2147483647};
    for (int i = 0; i < 2; i++) {
        buf_t b = {0};
        mp_field(&b, "receiver_id", P("%d", ok[i]));
        mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
        mp_close(&b);
        r = post_mp(s, &b);
        assert_uploaded(r, s, ok[i], "application/pdf", it_pdf, it_pdf_len, id);
        http_free(r);
        buf_free(&b);
        r = post_raw(s, P("?receiver_id=%d", ok[i]), "application/pdf",
                     it_pdf, it_pdf_len);
        assert_uploaded(r, s, ok[i], "application/pdf", it_pdf, it_pdf_len, id);
        http_free(r);
    }
}

static void t_upload_malformed_multipart_400(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    buf_t cases[8] = {{0}};
    const char *labels[8];
    size_t n = 0;

    /* no closing boundary */
    labels[n] = "no closing boundary";
    mp_field(&cases[n], "receiver_id", P("%d", rcv));
    mp_part(&cases[n], "file", "application/pdf", it_pdf, it_pdf_len);
    n++;
    /* a garbage boundary line */
    labels[n] = "garbage boundary line";
    mp_field(&cases[n], "receiver_id", P("%d", rcv));
    buf_adds(&cases[n], "--" MP_BOUNDARY "garbage\r\n");
    mp_part(&cases[n], "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&cases[n]);
    n++;
    /* no boundary at all */
    labels[n] = "body without any boundary";
    buf_adds(&cases[n], "receiver_id=5&file=%PDF-");
    n++;
    /* 17 parts */
    labels[n] = "17 parts";
    for (int i = 0; i < 17; i++)
        mp_field(&cases[n], P("p%d", i), "x");
    mp_close(&cases[n]);
    n++;
    /* part headers over 8 KB */
    labels[n] = "part headers over 8 KB";
    buf_adds(&cases[n], "--" MP_BOUNDARY "\r\n"
             "Content-Disposition: form-data; name=\"receiver_id\"\r\n");
    for (int i = 0; i < 90; i++)
        buf_addf(&cases[n], "X-Padding-%02d: %090d\r\n", i, 0);
    buf_addf(&cases[n], "\r\n%d\r\n", rcv);
    mp_part(&cases[n], "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&cases[n]);
    n++;
    /* a part without a name */
    labels[n] = "part without a name";
    mp_field(&cases[n], "receiver_id", P("%d", rcv));
    mp_part(&cases[n], NULL, "application/pdf", it_pdf, it_pdf_len);
    mp_close(&cases[n]);
    n++;
    /* a part without Content-Disposition */
    labels[n] = "part without Content-Disposition";
    mp_field(&cases[n], "receiver_id", P("%d", rcv));
    buf_adds(&cases[n], "--" MP_BOUNDARY "\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n");
    mp_close(&cases[n]);
    n++;
    /* a header line without a colon */
    labels[n] = "part header line without a colon";
    buf_adds(&cases[n], "--" MP_BOUNDARY "\r\nContent-Disposition form-data\r\n\r\n1\r\n");
    mp_close(&cases[n]);
    n++;

    for (size_t i = 0; i < n; i++) {
        http_response_t *r = post_mp(s, &cases[i]);
        if (r->status != 400)
            it_fail(__FILE__, __LINE__, "%s: HTTP %ld, expected 400: %.300s",
                    labels[i], r->status, r->body);
        json_object *p = assert_problem(r, 400);
        json_object_put(p);
        http_free(r);
        buf_free(&cases[i]);
    }
    assert_int_equal(db_count_sender(s), 0);
    /* and the route still works */
    buf_t b = {0};
    char id[37];
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    http_response_t *r = post_mp(s, &b);
    assert_uploaded(r, s, rcv, "application/pdf", it_pdf, it_pdf_len, id);
    http_free(r);
    buf_free(&b);
}

static void t_upload_raw(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    size_t pdf_len;
    unsigned char *pdf = it_read_data("helloworld.pdf", &pdf_len);
    char id[37];
    http_response_t *r;

    r = post_raw(s, P("?receiver_id=%d", rcv), "application/pdf", pdf, pdf_len);
    assert_uploaded(r, s, rcv, "application/pdf", pdf, pdf_len, id);
    http_free(r);
    r = post_raw(s, P("?receiver_id=%d", rcv), "image/png", it_png, it_png_len);
    assert_uploaded(r, s, rcv, "image/png", it_png, it_png_len, id);
    http_free(r);
    /* case-insensitive, parameters allowed; other query parameters ignored */
    r = post_raw(s, P("?x=1&receiver_id=%d", rcv), "Application/PDF; name=\"a.pdf\"",
                 pdf, pdf_len);
    assert_uploaded(r, s, rcv, "application/pdf", pdf, pdf_len, id);
    http_free(r);
    r = post_raw(s, P("?receiver_id=%d", rcv), "IMAGE/PNG;q=1", it_png, it_png_len);
    assert_uploaded(r, s, rcv, "image/png", it_png, it_png_len, id);
    http_free(r);
    /* chunked */
    http_request_t req = {0};
    const char *hs[] = {P("Authorization: %s", AS(s)), "Content-Type: application/pdf", NULL};
    req.method = "POST";
    req.path = P(UPLOADS "?receiver_id=%d", rcv);
    req.headers = hs;
    req.body = pdf;
    req.body_len = pdf_len;
    req.chunked = 1;
    r = http_do(&req);
    assert_uploaded(r, s, rcv, "application/pdf", pdf, pdf_len, id);
    http_free(r);

    /* the bytes must be what the Content-Type says, and not empty */
    r = post_raw(s, P("?receiver_id=%d", rcv), "application/pdf", it_png, it_png_len);
    assert_field_errors(r, "file");
    http_free(r);
    r = post_raw(s, P("?receiver_id=%d", rcv), "image/png", pdf, pdf_len);
    assert_field_errors(r, "file");
    http_free(r);
    r = post_raw(s, P("?receiver_id=%d", rcv), "application/pdf", "", 0);
    assert_field_errors(r, "file");
    http_free(r);
    r = post_raw(s, P("?receiver_id=%d", rcv), "image/png", "\x89PNG", 4);
    assert_field_errors(r, "file");
    http_free(r);
    assert_int_equal(db_count_sender(s), 5);
    free(pdf);
}

static void t_upload_unsupported_415(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    const char *types[] = {
        NULL, "text/plain", "application/json", "multipart/form-data",
        "multipart/form-data; charset=utf-8", "multipart/mixed; boundary=" MP_BOUNDARY,
        "application/x-www-form-urlencoded", "application/pdfx",
        "image/png2", "image/jpeg", "application/octet-stream", "",
    };
    buf_t b = {0};
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        http_response_t *r;
        if (types[i] && !*types[i]) {
            const char *hs[] = {P("Authorization: %s", AS(s)), "Content-Type;", NULL};
            r = http_request("POST", P(UPLOADS "?receiver_id=%d", rcv), hs,
                             b.data, b.len);
        } else {
            r = api("POST", P(UPLOADS "?receiver_id=%d", rcv), AS(s), types[i],
                    b.data, b.len);
        }
        if (r->status != 415)
            it_fail(__FILE__, __LINE__, "Content-Type \"%s\": HTTP %ld: %.300s",
                    types[i] ? types[i] : "(none)", r->status, r->body);
        json_object *p = assert_problem(r, 415);
        json_object_put(p);
        assert_header(r, "Accept-Post", ACCEPT_POST);
        http_free(r);
    }
    /* the JSON body on the upload route is refused too */
    char *json = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
    http_response_t *r = api_post_json(UPLOADS, AS(s), json);
    assert_problem(r, 415);
    assert_header(r, "Accept-Post", ACCEPT_POST);
    http_free(r);
    free(json);
    /* 401 comes before 415 */
    r = api("POST", UPLOADS, NULL, "text/plain", "x", 1);
    json_object *p = assert_problem(r, 401);
    json_object_put(p);
    http_free(r);
    buf_free(&b);
    assert_int_equal(db_count_sender(s), 0);
}

/* 3 MB: over the API's 2 MiB, under the upload route's 32 MiB. */
static void t_upload_limits(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    const size_t three_mb = 3000000;
    unsigned char *f = big_file(three_mb, 0, 1);
    char id[37];

    http_response_t *r = post_raw(s, P("?receiver_id=%d", rcv), "application/pdf",
                                  f, three_mb);
    assert_uploaded(r, s, rcv, "application/pdf", f, three_mb, id);
    http_free(r);
    buf_t b = {0};
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "application/pdf", f, three_mb);
    mp_close(&b);
    r = post_mp(s, &b);
    assert_uploaded(r, s, rcv, "application/pdf", f, three_mb, id);
    http_free(r);
    buf_free(&b);

    /* the same file through the JSON create: 413 */
    char *json = it_create_body(rcv, "application/pdf", f, three_mb);
    r = api_post_json("/api/sender/invoices", AS(s), json);
    json_object *p = assert_problem(r, 413);
    json_object_put(p);
    http_free(r);
    free(json);
    free(f);

    /* one byte over 32 MiB: by Content-Length, and chunked */
    size_t over = MIB32 + 1;
    f = big_file(over, 0, 2);
    r = post_raw(s, P("?receiver_id=%d", rcv), "application/pdf", f, over);
    p = assert_problem(r, 413);
    json_object_put(p);
    http_free(r);
    http_request_t req = {0};
    const char *hs[] = {P("Authorization: %s", AS(s)), "Content-Type: application/pdf", NULL};
    req.method = "POST";
    req.path = P(UPLOADS "?receiver_id=%d", rcv);
    req.headers = hs;
    req.body = f;
    req.body_len = over;
    req.chunked = 1;
    r = http_do(&req);
    p = assert_problem(r, 413);
    json_object_put(p);
    http_free(r);
    free(f);
    assert_int_equal(db_count_sender(s), 2);

    /* the route works right after */
    r = post_raw(s, P("?receiver_id=%d", rcv), "image/png", it_png, it_png_len);
    assert_uploaded(r, s, rcv, "image/png", it_png, it_png_len, id);
    http_free(r);
}

/* Download a big file and compare length and SHA-256 with what was sent;
 * the database row too. */
static void check_big_roundtrip(const char *id, int s, int rcv,
                                const unsigned char *f, size_t len)
{
    char want[65];
    it_sha256_hex(f, len, want);   /* once: the bytes are compared directly */
    http_response_t *g = api_get(P("/api/consumer/invoices/%s/file", id), AC(rcv));
    assert_status(g, 200);
    assert_media_type(g, "application/pdf");
    assert_header(g, "Content-Length", P("%zu", len));
    assert_int_equal(g->body_len, len);
    it_check(memcmp(g->body, f, len) == 0, "download of %s differs from the upload", id);
    assert_header(g, "ETag", P("\"%s\"", want));   /* the module's SHA-256 */
    http_free(g);
    db_invoice_t row;
    db_get_invoice(id, &row);
    assert_true(row.found);
    assert_int_equal(row.file_size, (long)len);
    assert_string_equal(row.sha256_hex, want);
    assert_string_equal(row.file_type, "application/pdf");
    assert_int_equal(row.sender_id, s);
    assert_int_equal(row.receiver_id, rcv);
    size_t stored_len;
    unsigned char *stored = db_get_file(id, &stored_len);
    assert_non_null(stored);
    assert_int_equal(stored_len, len);
    it_check(memcmp(stored, f, len) == 0, "invoice_files.content of %s differs", id);
    free(stored);
}

static const char *created_id(http_response_t *r, char id[37])
{
    json_object *data;
    json_object *root = assert_invoice_response(r, 201, &data);
    snprintf(id, 37, "%s", json_object_get_string(json_object_object_get(data, "id")));
    json_object_put(root);
    return id;
}

/* Exactly 32 MiB as a raw body: the limit is inclusive. */
static void t_upload_32mib_raw_roundtrip(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    unsigned char *f = big_file(MIB32, 0, 3);
    char id[37];
    http_response_t *r = post_raw(s, P("?receiver_id=%d", rcv), "application/pdf",
                                  f, MIB32);
    created_id(r, id);
    http_free(r);
    check_big_roundtrip(id, s, rcv, f, MIB32);
    free(f);
}

/* A multipart body just under 32 MiB, sent chunked (no size hint: the
 * module grows its buffer as the file comes in). */
static void t_upload_32mib_multipart_chunked_roundtrip(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    size_t len = MIB32 - 1024;
    unsigned char *f = big_file(len, 0, 4);
    char id[37];
    buf_t b = {0};
    mp_field(&b, "receiver_id", P("%d", rcv));
    mp_part(&b, "file", "application/pdf", f, len);
    mp_close(&b);
    assert_true(b.len <= MIB32);
    http_request_t req = {0};
    const char *hs[] = {P("Authorization: %s", AS(s)), "Content-Type: " MP_CTYPE, NULL};
    req.method = "POST";
    req.path = UPLOADS;
    req.headers = hs;
    req.body = b.data;
    req.body_len = b.len;
    req.chunked = 1;
    http_response_t *r = http_do(&req);
    created_id(r, id);
    http_free(r);
    buf_free(&b);
    check_big_roundtrip(id, s, rcv, f, len);
    free(f);
}

const struct CMUnitTest it_tests_upload[] = {
    cmocka_unit_test(t_upload_multipart_receiver_part),
    cmocka_unit_test(t_upload_curl_mime),
    cmocka_unit_test(t_upload_invoice_json_part),
    cmocka_unit_test(t_upload_part_errors_422),
    cmocka_unit_test(t_upload_receiver_id_values),
    cmocka_unit_test(t_upload_malformed_multipart_400),
    cmocka_unit_test(t_upload_raw),
    cmocka_unit_test(t_upload_unsupported_415),
    cmocka_unit_test(t_upload_limits),
    cmocka_unit_test(t_upload_32mib_raw_roundtrip),
    cmocka_unit_test(t_upload_32mib_multipart_chunked_roundtrip),
};
IT_DEFINE_COUNT(upload);
