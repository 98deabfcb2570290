/* Unit tests for src/multipart.c: boundary extraction and the streaming
 * multipart/form-data parser.  The core property: whatever the chunking of
 * a body, the parser gives exactly the same parts, data and error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "core/request/multipart.h"

#define MAX_REC_PARTS 40

static const char CB_ERROR[] = "callback says no";

/* What the callbacks saw of one part. */
typedef struct {
    char *name;
    char *filename;             /* NULL when absent */
    char *content_type;         /* NULL when absent */
    unsigned char *data;
    size_t len;
    int ended;
} rec_part;

typedef struct {
    rec_part parts[MAX_REC_PARTS];
    int nparts;
    int calls_after_error;      /* callbacks after one returned an error */
    int failed;
    /* Error injection: the index of the part whose callback fails, or -1. */
    int fail_begin, fail_data, fail_end;
} recorder;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void rec_init(recorder *r)
{
    memset(r, 0, sizeof(*r));
    r->fail_begin = r->fail_data = r->fail_end = -1;
}

static void rec_free(recorder *r)
{
    for (int i = 0; i < r->nparts; i++) {
        free(r->parts[i].name);
        free(r->parts[i].filename);
        free(r->parts[i].content_type);
        free(r->parts[i].data);
    }
    r->nparts = 0;
}

static const char *on_begin(void *ctx, const invoice_mp_part_t *part)
{
    recorder *r = ctx;
    rec_part *rp;

    r->calls_after_error += r->failed;
    assert_non_null(part->name);
    assert_true(r->nparts < MAX_REC_PARTS);
    /* The previous part was ended before this one begins. */
    assert_true(r->nparts == 0 || r->parts[r->nparts - 1].ended);
    if (r->fail_begin == r->nparts) {
        r->failed = 1;
        return CB_ERROR;
    }
    rp = &r->parts[r->nparts++];
    rp->name = strdup(part->name);
    rp->filename = dup_or_null(part->filename);
    rp->content_type = dup_or_null(part->content_type);
    assert_non_null(rp->name);
    return NULL;
}

static const char *on_data(void *ctx, const char *data, size_t len)
{
    recorder *r = ctx;
    rec_part *rp;

    r->calls_after_error += r->failed;
    assert_true(r->nparts > 0);
    assert_true(len > 0);                   /* no empty deliveries */
    rp = &r->parts[r->nparts - 1];
    assert_false(rp->ended);
    if (r->fail_data == r->nparts - 1) {
        r->failed = 1;
        return CB_ERROR;
    }
    rp->data = realloc(rp->data, rp->len + len);
    assert_non_null(rp->data);
    memcpy(rp->data + rp->len, data, len);
    rp->len += len;
    return NULL;
}

static const char *on_end(void *ctx)
{
    recorder *r = ctx;

    r->calls_after_error += r->failed;
    assert_true(r->nparts > 0);
    assert_false(r->parts[r->nparts - 1].ended);
    if (r->fail_end == r->nparts - 1) {
        r->failed = 1;
        return CB_ERROR;
    }
    r->parts[r->nparts - 1].ended = 1;
    return NULL;
}

static const invoice_mp_handler_t handler = { on_begin, on_data, on_end };

/* Parse body[0..len) cut at cuts[0..ncuts) (increasing offsets), each
 * piece fed from an exactly-sized heap copy so ASan sees any overread.
 * Once a feed fails, the later feeds and finish must return the same
 * error (sticky).  Returns the first error, or NULL. */
static const char *parse_cuts(const char *boundary, const char *body, size_t len,
                              const size_t *cuts, size_t ncuts, recorder *r)
{
    apr_pool_t *p;
    invoice_multipart_t *mp;
    const char *err = NULL, *e;
    size_t start = 0;

    assert_int_equal(apr_pool_create(&p, NULL), APR_SUCCESS);
    mp = invoice_multipart_make(p, boundary, &handler, r);
    assert_non_null(mp);
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        char *piece = malloc(end - start ? end - start : 1);

        assert_non_null(piece);
        memcpy(piece, body + start, end - start);
        e = invoice_multipart_feed(mp, piece, end - start);
        free(piece);
        if (err != NULL) {
            assert_ptr_equal(e, err);       /* sticky */
        }
        else {
            err = e;
        }
        start = end;
    }
    e = invoice_multipart_finish(mp);
    if (err != NULL) {
        assert_ptr_equal(e, err);
    }
    else {
        err = e;
    }
    /* finish is idempotent */
    assert_ptr_equal(invoice_multipart_finish(mp), err);
    assert_int_equal(r->calls_after_error, 0);
    apr_pool_destroy(p);
    return err;
}

static int str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void assert_same(const recorder *a, const char *ea,
                        const recorder *b, const char *eb, const char *how)
{
    if (!str_eq(ea, eb) || a->nparts != b->nparts) {
        fail_msg("%s: error \"%s\" vs \"%s\", %d vs %d parts", how,
                 ea ? ea : "(none)", eb ? eb : "(none)", a->nparts, b->nparts);
    }
    for (int i = 0; i < a->nparts; i++) {
        const rec_part *x = &a->parts[i], *y = &b->parts[i];

        if (!str_eq(x->name, y->name) || !str_eq(x->filename, y->filename)
            || !str_eq(x->content_type, y->content_type) || x->ended != y->ended
            || x->len != y->len || (x->len && memcmp(x->data, y->data, x->len))) {
            fail_msg("%s: part %d differs (%zu vs %zu data bytes)", how, i,
                     x->len, y->len);
        }
    }
}

typedef struct {
    const char *name;
    const char *filename;
    const char *content_type;
    const char *data;
    size_t len;                 /* (size_t)-1: strlen(data) */
    int ended;
} exp_part;

#define SZ ((size_t)-1)

static void assert_expected(const recorder *r, const char *err,
                            const char *exp_err, const exp_part *exp,
                            int nexp)
{
    if (exp_err == NULL) {
        if (err != NULL) {
            fail_msg("unexpected error \"%s\"", err);
        }
    }
    else {
        if (err == NULL || strstr(err, exp_err) == NULL) {
            fail_msg("expected error \"%s\", got \"%s\"", exp_err,
                     err ? err : "(none)");
        }
    }
    assert_int_equal(r->nparts, nexp);
    for (int i = 0; i < nexp; i++) {
        const rec_part *x = &r->parts[i];
        size_t len = exp[i].len == SZ ? strlen(exp[i].data) : exp[i].len;

        assert_string_equal(x->name, exp[i].name);
        if (exp[i].filename) {
            assert_non_null(x->filename);
            assert_string_equal(x->filename, exp[i].filename);
        }
        else {
            assert_null(x->filename);
        }
        if (exp[i].content_type) {
            assert_non_null(x->content_type);
            assert_string_equal(x->content_type, exp[i].content_type);
        }
        else {
            assert_null(x->content_type);
        }
        assert_int_equal(x->len, len);
        if (len) {
            assert_memory_equal(x->data, exp[i].data, len);
        }
        assert_int_equal(x->ended, exp[i].ended);
    }
}

/* Injected failures for check_body. */
typedef struct {
    int fail_begin, fail_data, fail_end;
} inject;

static const inject NO_FAIL = { -1, -1, -1 };

/*
 * Parse the body whole, then in every split into two pieces, in every
 * split into three pieces when it is short, byte by byte and in pieces of
 * 2..7 bytes: every run must match the whole-buffer run, which must match
 * the expectation.
 */
static void check_body_inj(const char *boundary, const char *body, size_t len,
                           inject inj, const char *exp_err,
                           const exp_part *exp, int nexp)
{
    recorder whole, r;
    const char *ew, *e;
    size_t *cuts = malloc((len + 1) * sizeof(*cuts));
    char how[64];

    assert_non_null(cuts);
    rec_init(&whole);
    whole.fail_begin = inj.fail_begin;
    whole.fail_data = inj.fail_data;
    whole.fail_end = inj.fail_end;
    ew = parse_cuts(boundary, body, len, NULL, 0, &whole);
    assert_expected(&whole, ew, exp_err, exp, nexp);

#define RUN(CUTS, N, ...) do {                                  \
        rec_init(&r);                                           \
        r.fail_begin = inj.fail_begin;                          \
        r.fail_data = inj.fail_data;                            \
        r.fail_end = inj.fail_end;                              \
        e = parse_cuts(boundary, body, len, CUTS, N, &r);       \
        snprintf(how, sizeof(how), __VA_ARGS__);                \
        assert_same(&whole, ew, &r, e, how);                    \
        rec_free(&r);                                           \
    } while (0)

    for (size_t i = 0; i <= len; i++) {
        cuts[0] = i;
        RUN(cuts, 1, "split at %zu", i);
    }
    if (len <= 128) {
        for (size_t i = 1; i < len; i++) {
            for (size_t j = i + 1; j < len; j++) {
                cuts[0] = i;
                cuts[1] = j;
                RUN(cuts, 2, "split at %zu and %zu", i, j);
            }
        }
    }
    for (size_t step = 1; step <= 7; step++) {
        size_t n = 0;

        for (size_t i = step; i < len; i += step) {
            cuts[n++] = i;
        }
        RUN(cuts, n, "pieces of %zu bytes", step);
    }
    /* Empty pieces interleaved: feeding 0 bytes changes nothing. */
    {
        size_t n = 0;
        size_t *zc = malloc((2 * len + 2) * sizeof(*zc));

        assert_non_null(zc);
        for (size_t i = 0; i <= len; i += 3) {
            zc[n++] = i;
            zc[n++] = i;
        }
        RUN(zc, n, "with empty pieces");
        free(zc);
    }
#undef RUN
    rec_free(&whole);
    free(cuts);
}

static void check_body(const char *boundary, const char *body, size_t len,
                       const char *exp_err, const exp_part *exp, int nexp)
{
    check_body_inj(boundary, body, len, NO_FAIL, exp_err, exp, nexp);
}

#define CHECK(B, BODY, ERR, ...) do {                                      \
        static const exp_part exp_[] = { __VA_ARGS__ };                    \
        check_body(B, BODY, sizeof(BODY) - 1, ERR, exp_,                   \
                   (int)(sizeof(exp_) / sizeof(exp_[0])) - 1);             \
    } while (0)
/* A sentinel last element keeps the array non-empty. */
#define END_PARTS { "", NULL, NULL, "", 0, 0 }

/* ---------------------------------------------------------------------- */

typedef struct {
    const char *content_type;
    const char *boundary;       /* NULL: refused */
} boundary_case;

#define B70 "0123456789012345678901234567890123456789012345678901234567890123456789"

static const boundary_case boundary_cases[] = {
    { "multipart/form-data; boundary=abc", "abc" },
    { "multipart/form-data;boundary=abc", "abc" },
    { "multipart/form-data ; boundary=abc", "abc" },
    { "multipart/form-data;\tboundary=abc", "abc" },
    { "multipart/form-data; boundary=\"abc\"", "abc" },
    { "multipart/form-data; boundary=\"a b:c\"", "a b:c" },
    { "multipart/form-data; boundary=\"'()+_,-./:=?\"", "'()+_,-./:=?" },
    { "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
      "----WebKitFormBoundary7MA4YWxkTrZu0gW" },
    { "Multipart/Form-Data; boundary=x", "x" },
    { "MULTIPART/FORM-DATA; boundary=x", "x" },
    { "multipart/form-data; BOUNDARY=x", "x" },
    { "multipart/form-data; charset=utf-8; boundary=x", "x" },
    { "multipart/form-data; boundary=x; charset=utf-8", "x" },
    { "multipart/form-data; boundary=x;charset=utf-8", "x" },
    { "multipart/form-data; xboundary=y; boundary=x", "x" },
    /* a ';' inside a quoted value does not start a parameter */
    { "multipart/form-data; a=\"; boundary=evil\"; boundary=good", "good" },
    { "multipart/form-data; a=\"x; boundary=inner\"", NULL },
    { "multipart/form-data; boundary=" B70, B70 },
    { "multipart/form-data; boundary=\"" B70 "\"", B70 },
    /* too long: 71 characters */
    { "multipart/form-data; boundary=" B70 "x", NULL },
    { "multipart/form-data; boundary=\"" B70 "x\"", NULL },
    /* empty, unterminated */
    { "multipart/form-data; boundary=", NULL },
    { "multipart/form-data; boundary=\"\"", NULL },
    { "multipart/form-data; boundary=\"abc", NULL },
    { "multipart/form-data; boundary", NULL },
    /* characters outside RFC 2046 bchars, or a trailing space */
    { "multipart/form-data; boundary=a@b", NULL },
    { "multipart/form-data; boundary=\"a;b\"", NULL },
    { "multipart/form-data; boundary=\"a\tb\"", NULL },
    { "multipart/form-data; boundary=\"abc \"", NULL },
    { "multipart/form-data; boundary=\"a\\\"b\"", NULL },
    { "multipart/form-data; boundary=a\xc3\xa9", NULL },
    { "multipart/form-data; boundary=a\x7f", NULL },
    { "multipart/form-data; boundary=a[b]", NULL },
    /* missing */
    { "multipart/form-data", NULL },
    { "multipart/form-data;", NULL },
    { "multipart/form-data; charset=utf-8", NULL },
    { "multipart/form-data; xboundary=abc", NULL },
    /* other media types */
    { "multipart/mixed; boundary=abc", NULL },
    { "multipart/form-dataX; boundary=abc", NULL },
    { "multipart/form; boundary=abc", NULL },
    { "application/json; boundary=abc", NULL },
    { "application/pdf", NULL },
    { "text/plain; boundary=abc", NULL },
    { " multipart/form-data; boundary=abc", NULL },
    { "", NULL },
};

static void test_boundary(void **state)
{
    apr_pool_t *p;

    (void)state;
    assert_int_equal(apr_pool_create(&p, NULL), APR_SUCCESS);
    for (size_t i = 0; i < sizeof(boundary_cases) / sizeof(boundary_cases[0]); i++) {
        const boundary_case *c = &boundary_cases[i];
        const char *b = invoice_multipart_boundary(p, c->content_type);

        if (c->boundary == NULL) {
            if (b != NULL) {
                fail_msg("case %zu \"%s\": expected NULL, got \"%s\"", i,
                         c->content_type, b);
            }
        }
        else {
            if (b == NULL || strcmp(b, c->boundary) != 0) {
                fail_msg("case %zu \"%s\": expected \"%s\", got \"%s\"", i,
                         c->content_type, c->boundary, b ? b : "(NULL)");
            }
        }
    }
    assert_null(invoice_multipart_boundary(p, NULL));
    apr_pool_destroy(p);
}

/* An invalid boundary makes a parser that refuses everything. */
static void test_make_invalid_boundary(void **state)
{
    static const char *bad[] = { "", B70 "x", "a@b", "abc ", "a\r\nb" };
    apr_pool_t *p;
    recorder r;

    (void)state;
    assert_int_equal(apr_pool_create(&p, NULL), APR_SUCCESS);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        invoice_multipart_t *mp;
        const char *e;

        rec_init(&r);
        mp = invoice_multipart_make(p, bad[i], &handler, &r);
        assert_non_null(mp);
        e = invoice_multipart_feed(mp, "--x\r\n\r\n", 7);
        assert_non_null(e);
        assert_ptr_equal(invoice_multipart_feed(mp, "", 0), e);
        assert_ptr_equal(invoice_multipart_finish(mp), e);
        assert_int_equal(r.nparts, 0);
    }
    apr_pool_destroy(p);
}

#define WELL_FORMED \
    "--XyZ\r\n" \
    "Content-Disposition: form-data; name=\"receiver_id\"\r\n" \
    "\r\n" \
    "42\r\n" \
    "--XyZ\r\n" \
    "Content-Disposition: form-data; name=\"file\"; filename=\"invoice 1.pdf\"\r\n" \
    "Content-Type: application/pdf\r\n" \
    "\r\n" \
    "%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\nbody\r\n" \
    "--XyZ\r\n" \
    "content-disposition: form-data; name=note\r\n" \
    "X-Whatever: ignored\r\n" \
    "CONTENT-TYPE:text/plain; charset=utf-8\r\n" \
    "\r\n" \
    "line one\nline two\r\n" \
    "\r\n" \
    "--XyZ--\r\n"

static void test_well_formed(void **state)
{
    (void)state;
    CHECK("XyZ", WELL_FORMED, NULL,
          { "receiver_id", NULL, NULL, "42", SZ, 1 },
          { "file", "invoice 1.pdf", "application/pdf",
            "%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\nbody", SZ, 1 },
          { "note", NULL, "text/plain; charset=utf-8",
            "line one\nline two\r\n", SZ, 1 },
          END_PARTS);
}

/* Data that starts a delimiter and then breaks off, at every length. */
static void test_false_starts(void **state)
{
    (void)state;
    CHECK("boundary42",
          "--boundary42\r\n"
          "Content-Disposition: form-data; name=\"a\"\r\n"
          "\r\n"
          "\r\n-x\r\n--x\r\n--b\r\n--boun\r\n--boundary4"
          "\r\r\n--boundar\n\r\n\r\n\r--boundary42--boundary42"
          "\r\n\r\n-\r\n--\r\n--boundary4"
          "\r\n--boundary42\r\n"
          "Content-Disposition: form-data; name=\"b\"\r\n"
          "\r\n"
          "\r\n--boundary4\r\n--boundary42--",
          NULL,
          { "a", NULL, NULL,
            "\r\n-x\r\n--x\r\n--b\r\n--boun\r\n--boundary4"
            "\r\r\n--boundar\n\r\n\r\n\r--boundary42--boundary42"
            "\r\n\r\n-\r\n--\r\n--boundary4", SZ, 1 },
          { "b", NULL, NULL, "\r\n--boundary4", SZ, 1 },
          END_PARTS);
    /* A boundary made of dashes: "\r\n----" + "--" ... */
    CHECK("--b--",
          "----b--\r\n"
          "Content-Disposition: form-data; name=\"d\"\r\n"
          "\r\n"
          "---\r\n---\r\n----\r\n-----\r\n----b-\r\n---b--"
          "\r\n----b--\r\n"
          "Content-Disposition: form-data; name=\"e\"\r\n"
          "\r\n"
          "\r\n----b-"
          "\r\n----b----",
          NULL,
          { "d", NULL, NULL,
            "---\r\n---\r\n----\r\n-----\r\n----b-\r\n---b--", SZ, 1 },
          { "e", NULL, NULL, "\r\n----b-", SZ, 1 },
          END_PARTS);
}

/* Every byte value, NULs included, passes through untouched. */
static void test_binary_data(void **state)
{
    static const char head[] =
        "--bin\r\n"
        "Content-Disposition: form-data; name=\"f\"; filename=\"x.png\"\r\n"
        "Content-Type: image/png\r\n\r\n";
    static const char tail[] = "\r\n--bin--\r\n";
    char body[sizeof(head) - 1 + 2 * 256 + 4 + sizeof(tail) - 1];
    char data[2 * 256 + 4];
    size_t n = 0, d = 0;
    exp_part exp[1] = { { "f", "x.png", "image/png", data, 0, 1 } };

    (void)state;
    for (int i = 0; i < 256; i++) {
        data[d++] = (char)i;
    }
    for (int i = 255; i >= 0; i--) {
        data[d++] = (char)i;
    }
    memcpy(data + d, "\0\0\r\n", 4);
    d += 4;
    exp[0].len = d;
    memcpy(body + n, head, sizeof(head) - 1);
    n += sizeof(head) - 1;
    memcpy(body + n, data, d);
    n += d;
    memcpy(body + n, tail, sizeof(tail) - 1);
    n += sizeof(tail) - 1;
    check_body("bin", body, n, NULL, exp, 1);
}

static void test_preamble_epilogue(void **state)
{
    (void)state;
    /* The body may start with the delimiter's CRLF (an empty preamble). */
    CHECK("b",
          "\r\n--b\r\n"
          "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
          "1\r\n--b--",
          NULL, { "a", NULL, NULL, "1", SZ, 1 }, END_PARTS);
    CHECK("bnd",
          "This is the preamble. --bnd is not at a line start\r\n"
          "-\r\n--\r\n--bn\r\n\r\n"
          "--bnd\r\n"
          "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
          "1\r\n"
          "--bnd--\r\n"
          "This is the epilogue.\r\n"
          "--bnd\r\n"
          "Content-Disposition: form-data; name=\"ignored\"\r\n\r\n"
          "2\r\n--bnd--\r\n\x01\x02",
          NULL, { "a", NULL, NULL, "1", SZ, 1 }, END_PARTS);
    /* Transport padding after a boundary. */
    CHECK("bnd",
          "--bnd \t \r\n"
          "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
          "1\r\n--bnd\t\r\n"
          "Content-Disposition: form-data; name=\"b\"\r\n\r\n"
          "2\r\n--bnd--",
          NULL,
          { "a", NULL, NULL, "1", SZ, 1 },
          { "b", NULL, NULL, "2", SZ, 1 }, END_PARTS);
    /* A boundary inside the preamble that does not start a line is text:
     * no delimiter ever comes. */
    CHECK("bnd",
          "x--bnd\r\n"
          "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
          "1\r\nx--bnd--",
          "closing boundary", END_PARTS);
}

static void test_missing_closing(void **state)
{
    (void)state;
    CHECK("b", "", "closing boundary", END_PARTS);
    CHECK("b", "preamble only", "closing boundary", END_PARTS);
    CHECK("b", "--b", "closing boundary", END_PARTS);
    CHECK("b", "--b\r\n", "closing boundary", END_PARTS);
    CHECK("b", "--b\r\nContent-Disposition: form-data; name=a\r\n",
          "closing boundary", END_PARTS);
    CHECK("b",
          "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n"
          "data",
          "closing boundary", { "a", NULL, NULL, "data", SZ, 0 }, END_PARTS);
    /* A held-back partial delimiter is not delivered as data. */
    CHECK("b",
          "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n"
          "data\r\n--",
          "closing boundary", { "a", NULL, NULL, "data", SZ, 0 }, END_PARTS);
    CHECK("b",
          "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n"
          "data\r\n--b",
          "closing boundary", { "a", NULL, NULL, "data", SZ, 1 }, END_PARTS);
    CHECK("b",
          "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n"
          "data\r\n--b-",
          "closing boundary", { "a", NULL, NULL, "data", SZ, 1 }, END_PARTS);
    CHECK("b",
          "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n"
          "data\r\n--b\r\n",
          "closing boundary", { "a", NULL, NULL, "data", SZ, 1 }, END_PARTS);
}

static void test_malformed_boundary_line(void **state)
{
    (void)state;
    CHECK("b", "--bX\r\n", "malformed boundary line", END_PARTS);
    CHECK("b", "--b\n", "malformed boundary line", END_PARTS);
    CHECK("b", "--b\rX", "malformed boundary line", END_PARTS);
    CHECK("b", "--b \r \n", "malformed boundary line", END_PARTS);
    CHECK("b", "--b-X", "malformed closing boundary", END_PARTS);
    CHECK("b", "--b- -", "malformed closing boundary", END_PARTS);
    /* Data continuing the boundary after a full delimiter. */
    CHECK("b",
          "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n"
          "1\r\n--bb\r\n\r\n--b--",
          "malformed boundary line", { "a", NULL, NULL, "1", SZ, 1 },
          END_PARTS);
}

static char *many_parts(int n, size_t *len)
{
    char *body = malloc((size_t)n * 80 + 16);
    size_t o = 0;

    assert_non_null(body);
    for (int i = 0; i < n; i++) {
        o += (size_t)sprintf(body + o,
                             "--mp\r\nContent-Disposition: form-data; name=\"p%d\"\r\n\r\n%d\r\n",
                             i, i);
    }
    o += (size_t)sprintf(body + o, "--mp--\r\n");
    *len = o;
    return body;
}

static void test_too_many_parts(void **state)
{
    exp_part exp[INVOICE_MP_MAX_PARTS];
    char names[INVOICE_MP_MAX_PARTS][16], values[INVOICE_MP_MAX_PARTS][16];
    size_t len;
    char *body;

    (void)state;
    for (int i = 0; i < INVOICE_MP_MAX_PARTS; i++) {
        snprintf(names[i], sizeof(names[i]), "p%u", (unsigned)i % 100u);
        snprintf(values[i], sizeof(values[i]), "%u", (unsigned)i % 100u);
        exp[i] = (exp_part){ names[i], NULL, NULL, values[i], SZ, 1 };
    }
    body = many_parts(INVOICE_MP_MAX_PARTS, &len);
    check_body("mp", body, len, NULL, exp, INVOICE_MP_MAX_PARTS);
    free(body);
    body = many_parts(INVOICE_MP_MAX_PARTS + 1, &len);
    check_body("mp", body, len, "too many parts", exp, INVOICE_MP_MAX_PARTS);
    free(body);
}

static void test_headers_too_large(void **state)
{
    static const char head[] = "--h\r\nContent-Disposition: form-data; name=a\r\nX-Pad: ";
    static const char tail[] = "\r\n\r\nv\r\n--h--";
    size_t pads[] = { 100, INVOICE_MP_MAX_HEADER_BYTES - 256,
                      INVOICE_MP_MAX_HEADER_BYTES, 4 * INVOICE_MP_MAX_HEADER_BYTES };
    static const exp_part exp[] = { { "a", NULL, NULL, "v", SZ, 1 } };

    (void)state;
    for (size_t k = 0; k < sizeof(pads) / sizeof(pads[0]); k++) {
        size_t len = sizeof(head) - 1 + pads[k] + sizeof(tail) - 1;
        char *body = malloc(len);
        recorder r;
        size_t cuts[4] = { 1, 60, len / 2, len - 3 };
        const char *e;

        assert_non_null(body);
        memcpy(body, head, sizeof(head) - 1);
        memset(body + sizeof(head) - 1, 'x', pads[k]);
        memcpy(body + sizeof(head) - 1 + pads[k], tail, sizeof(tail) - 1);
        for (int mode = 0; mode < 3; mode++) {
            rec_init(&r);
            if (mode == 0) {
                e = parse_cuts("h", body, len, NULL, 0, &r);
            }
            else if (mode == 1) {
                e = parse_cuts("h", body, len, cuts, 4, &r);
            }
            else {
                size_t *all = malloc(len * sizeof(*all));

                assert_non_null(all);
                for (size_t i = 0; i + 1 < len; i++) {
                    all[i] = i + 1;
                }
                e = parse_cuts("h", body, len, all, len - 1, &r);
                free(all);
            }
            if (pads[k] < INVOICE_MP_MAX_HEADER_BYTES - 128) {
                assert_expected(&r, e, NULL, exp, 1);
            }
            else {
                assert_expected(&r, e, "part headers too large", exp, 0);
            }
            rec_free(&r);
        }
        free(body);
    }
}

static void test_part_headers(void **state)
{
    (void)state;
    /* No name */
    CHECK("b", "--b\r\nContent-Disposition: form-data\r\n\r\n1\r\n--b--",
          "needs a Content-Disposition with a name", END_PARTS);
    CHECK("b", "--b\r\nContent-Disposition: form-data; filename=\"f.pdf\"\r\n\r\n1\r\n--b--",
          "needs a Content-Disposition with a name", END_PARTS);
    CHECK("b", "--b\r\nContent-Type: text/plain\r\n\r\n1\r\n--b--",
          "needs a Content-Disposition with a name", END_PARTS);
    CHECK("b", "--b\r\n\r\n1\r\n--b--",
          "needs a Content-Disposition with a name", END_PARTS);
    CHECK("b", "--b\r\nContent-Disposition: form-data; name=\"unterminated\r\n\r\n1\r\n--b--",
          "needs a Content-Disposition with a name", END_PARTS);
    /* Not form-data */
    CHECK("b", "--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--b--",
          "must be form-data", END_PARTS);
    CHECK("b", "--b\r\nContent-Disposition: form-datax; name=\"a\"\r\n\r\n1\r\n--b--",
          "must be form-data", END_PARTS);
    CHECK("b", "--b\r\nContent-Disposition: inline\r\n\r\n1\r\n--b--",
          "must be form-data", END_PARTS);
    /* Not a header line */
    CHECK("b", "--b\r\nContent-Disposition: form-data; name=a\r\nno colon\r\n\r\n1\r\n--b--",
          "malformed part header", END_PARTS);
    CHECK("b", "--b\r\n: value\r\n\r\n1\r\n--b--", "malformed part header",
          END_PARTS);
    /* Accepted spellings */
    CHECK("b",
          "--b\r\nCONTENT-DISPOSITION:FORM-DATA;NAME=a;FILENAME=\"\"\r\n\r\n1\r\n"
          "--b\r\nContent-Disposition: form-data ; name=\"with space; and semicolon\"\r\n\r\n2\r\n"
          "--b\r\nContent-Disposition: form-data;\tfilename=f.pdf; name=\"b\"\r\n"
          "Content-Transfer-Encoding: binary\r\n\r\n3\r\n"
          "--b--",
          NULL,
          { "a", "", NULL, "1", SZ, 1 },
          { "with space; and semicolon", NULL, NULL, "2", SZ, 1 },
          { "b", "f.pdf", NULL, "3", SZ, 1 },
          END_PARTS);
}

/* A ';' or "name=" inside a quoted value is part of that value. */
static void test_quoted_params(void **state)
{
    (void)state;
    CHECK("b",
          "--b\r\nContent-Disposition: form-data; name=\"a; filename=evil.pdf\"\r\n\r\n1\r\n"
          "--b\r\nContent-Disposition: form-data; filename=\"x; name=evil\"; name=\"b\"\r\n\r\n2\r\n"
          "--b--",
          NULL,
          { "a; filename=evil.pdf", NULL, NULL, "1", SZ, 1 },
          { "b", "x; name=evil", NULL, "2", SZ, 1 },
          END_PARTS);
}

static void test_empty_parts(void **state)
{
    (void)state;
    CHECK("b",
          "--b\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n"
          "\r\n--b\r\nContent-Disposition: form-data; name=\"crlf\"\r\n\r\n"
          "\r\n"
          "\r\n--b\r\nContent-Disposition: form-data; name=\"last\"\r\n\r\n"
          "\r\n--b--",
          NULL,
          { "empty", NULL, NULL, "", 0, 1 },
          { "crlf", NULL, NULL, "\r\n", 2, 1 },
          { "last", NULL, NULL, "", 0, 1 },
          END_PARTS);
    /* No parts at all: just the closing boundary. */
    CHECK("b", "--b--", NULL, END_PARTS);
    CHECK("b", "--b--\r\n", NULL, END_PARTS);
}

#define TWO_PARTS \
    "--cb\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" \
    "first\r\n" \
    "--cb\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n" \
    "second\r\n" \
    "--cb--\r\n"

/* A callback's error stops the parse; no callback runs after it. */
static void test_callback_error(void **state)
{
    static const exp_part none[] = { END_PARTS };
    static const exp_part a_only[] = { { "a", NULL, NULL, "first", SZ, 1 } };
    static const exp_part a_open[] = { { "a", NULL, NULL, "", 0, 0 } };
    static const exp_part a_b_open[] = { { "a", NULL, NULL, "first", SZ, 1 },
                                         { "b", NULL, NULL, "", 0, 0 } };
    static const exp_part a_unended[] = { { "a", NULL, NULL, "first", SZ, 0 } };
    static const exp_part a_b_unended[] = { { "a", NULL, NULL, "first", SZ, 1 },
                                            { "b", NULL, NULL, "second", SZ, 0 } };
    size_t len = sizeof(TWO_PARTS) - 1;

    (void)state;
    check_body_inj("cb", TWO_PARTS, len, (inject){ 0, -1, -1 }, CB_ERROR, none, 0);
    check_body_inj("cb", TWO_PARTS, len, (inject){ 1, -1, -1 }, CB_ERROR, a_only, 1);
    check_body_inj("cb", TWO_PARTS, len, (inject){ -1, 0, -1 }, CB_ERROR, a_open, 1);
    check_body_inj("cb", TWO_PARTS, len, (inject){ -1, 1, -1 }, CB_ERROR, a_b_open, 2);
    check_body_inj("cb", TWO_PARTS, len, (inject){ -1, -1, 0 }, CB_ERROR, a_unended, 1);
    check_body_inj("cb", TWO_PARTS, len, (inject){ -1, -1, 1 }, CB_ERROR, a_b_unended, 2);
}

/* The error pointer itself comes back, then sticks. */
static void test_sticky_error(void **state)
{
    static const char bad[] = "--s\r\nContent-Disposition: attachment\r\n\r\n";
    static const char good[] =
        "--s\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--s--";
    apr_pool_t *p;
    invoice_multipart_t *mp;
    recorder r;
    const char *e;

    (void)state;
    assert_int_equal(apr_pool_create(&p, NULL), APR_SUCCESS);
    rec_init(&r);
    r.fail_begin = 0;
    mp = invoice_multipart_make(p, "s", &handler, &r);
    e = invoice_multipart_feed(mp, good, sizeof(good) - 1);
    assert_ptr_equal(e, CB_ERROR);
    assert_ptr_equal(invoice_multipart_feed(mp, good, sizeof(good) - 1), CB_ERROR);
    assert_ptr_equal(invoice_multipart_feed(mp, "", 0), CB_ERROR);
    assert_ptr_equal(invoice_multipart_finish(mp), CB_ERROR);
    assert_int_equal(r.calls_after_error, 0);

    rec_init(&r);
    mp = invoice_multipart_make(p, "s", &handler, &r);
    e = invoice_multipart_feed(mp, bad, sizeof(bad) - 1);
    assert_non_null(e);
    assert_ptr_equal(invoice_multipart_feed(mp, good, sizeof(good) - 1), e);
    assert_ptr_equal(invoice_multipart_finish(mp), e);
    assert_int_equal(r.nparts, 0);

    /* After the closing boundary everything is ignored, even NULs. */
    rec_init(&r);
    mp = invoice_multipart_make(p, "s", &handler, &r);
    assert_null(invoice_multipart_feed(mp, good, sizeof(good) - 1));
    assert_null(invoice_multipart_feed(mp, "\0\0--s\r\n", 7));
    assert_null(invoice_multipart_finish(mp));
    assert_int_equal(r.nparts, 1);
    rec_free(&r);
    apr_pool_destroy(p);
}

/* A large file part in uneven pieces arrives intact and is not copied
 * into the header buffer. */
static void test_large_part(void **state)
{
    static const char head[] =
        "--big\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.bin\"\r\n\r\n";
    static const char tail[] = "\r\n--big--\r\n";
    size_t n = 1 << 18, len = sizeof(head) - 1 + n + sizeof(tail) - 1;
    char *body = malloc(len), *data = body + sizeof(head) - 1;
    size_t ncuts = 0, *cuts = malloc(len * sizeof(*cuts));
    recorder r;
    const char *e;

    (void)state;
    assert_non_null(body);
    assert_non_null(cuts);
    memcpy(body, head, sizeof(head) - 1);
    for (size_t i = 0; i < n; i++) {
        /* Dense in CR, LF and '-' so false starts are frequent. */
        static const char alpha[] = "\r\n--bi\r\n-\0x";
        data[i] = alpha[((i * 2654435761u) >> 7) % (sizeof(alpha) - 1)];
    }
    memcpy(data + n, tail, sizeof(tail) - 1);
    for (size_t at = 0, step = 1; at + step < len; at += step, step = step * 7 % 1013 + 1) {
        cuts[ncuts++] = at + step;
    }
    rec_init(&r);
    e = parse_cuts("big", body, len, cuts, ncuts, &r);
    assert_null(e);
    assert_int_equal(r.nparts, 1);
    assert_int_equal(r.parts[0].len, n);
    assert_memory_equal(r.parts[0].data, data, n);
    assert_int_equal(r.parts[0].ended, 1);
    rec_free(&r);
    free(cuts);
    free(body);
}

static int setup(void **state)
{
    (void)state;
    return apr_initialize() == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_terminate();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_make_invalid_boundary),
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_false_starts),
        cmocka_unit_test(test_binary_data),
        cmocka_unit_test(test_preamble_epilogue),
        cmocka_unit_test(test_missing_closing),
        cmocka_unit_test(test_malformed_boundary_line),
        cmocka_unit_test(test_too_many_parts),
        cmocka_unit_test(test_headers_too_large),
        cmocka_unit_test(test_part_headers),
        cmocka_unit_test(test_quoted_params),
        cmocka_unit_test(test_empty_parts),
        cmocka_unit_test(test_callback_error),
        cmocka_unit_test(test_sticky_error),
        cmocka_unit_test(test_large_part),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
