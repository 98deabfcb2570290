/* libFuzzer target: the streaming multipart parser must give the same
 * parts, data and error whatever the chunking.  The first input byte picks
 * how the rest (a body with the fixed boundary below) is cut into pieces;
 * the result is compared with a single whole-buffer feed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "core/request/multipart.h"
#include "fuzz_check.h"

#define BOUNDARY "fuzzB0undary"

typedef struct {
    char *name, *filename, *content_type;
    unsigned char *data;
    size_t len;
    int ended;
} part_t;

typedef struct {
    part_t parts[INVOICE_MP_MAX_PARTS + 1];
    int n;
    const char *err;
} result_t;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static const char *on_begin(void *ctx, const invoice_mp_part_t *part)
{
    result_t *r = ctx;

    FUZZ_CHECK(part->name != NULL);
    FUZZ_CHECK(r->n < INVOICE_MP_MAX_PARTS);
    FUZZ_CHECK(r->n == 0 || r->parts[r->n - 1].ended);
    r->parts[r->n].name = dup_or_null(part->name);
    r->parts[r->n].filename = dup_or_null(part->filename);
    r->parts[r->n].content_type = dup_or_null(part->content_type);
    r->n++;
    /* A part named "stop" refuses: callback errors must be handled too. */
    return strcmp(part->name, "stop") == 0 ? "stopped by callback" : NULL;
}

static const char *on_data(void *ctx, const char *data, size_t len)
{
    result_t *r = ctx;
    part_t *p;

    FUZZ_CHECK(r->n > 0 && len > 0);
    p = &r->parts[r->n - 1];
    FUZZ_CHECK(!p->ended);
    p->data = realloc(p->data, p->len + len);
    FUZZ_CHECK(p->data != NULL);
    memcpy(p->data + p->len, data, len);
    p->len += len;
    return NULL;
}

static const char *on_end(void *ctx)
{
    result_t *r = ctx;

    FUZZ_CHECK(r->n > 0 && !r->parts[r->n - 1].ended);
    r->parts[r->n - 1].ended = 1;
    return NULL;
}

static const invoice_mp_handler_t handler = { on_begin, on_data, on_end };

static void result_free(result_t *r)
{
    for (int i = 0; i < r->n; i++) {
        free(r->parts[i].name);
        free(r->parts[i].filename);
        free(r->parts[i].content_type);
        free(r->parts[i].data);
    }
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Size of the next piece, 0..left, for split pattern `mode`. */
static size_t next_piece(uint8_t mode, uint32_t *rng, int pieces, size_t done,
                         size_t len)
{
    size_t left = len - done;

    switch (mode & 3) {
    case 0:                                         /* byte by byte */
        return left ? 1 : 0;
    case 1:                                         /* fixed size 1..64 */
        return (size_t)(mode >> 2) + 1;
    case 2:                                         /* pseudo-random 0..31 */
        *rng = *rng * 1103515245u + 12345u;
        return (*rng >> 16) % 32;
    default:                                        /* two pieces */
        return pieces == 0 ? len * (mode >> 2) / 63 : left;
    }
}

static void parse(apr_pool_t *p, const char *body, size_t len, int split,
                  uint8_t mode, result_t *r)
{
    invoice_multipart_t *mp = invoice_multipart_make(p, BOUNDARY, &handler, r);
    uint32_t rng = mode;
    size_t done = 0;
    int pieces = 0;

    memset(r, 0, sizeof(*r));
    if (!split) {
        r->err = invoice_multipart_feed(mp, body, len);
    }
    else {
        while (done < len || pieces == 0) {
            size_t n = next_piece(mode, &rng, pieces, done, len);
            const char *e;

            n = n > len - done ? len - done : n;
            /* An exactly-sized copy so any overread of a piece is seen. */
            char *piece = malloc(n ? n : 1);
            FUZZ_CHECK(piece != NULL);
            memcpy(piece, body + done, n);
            e = invoice_multipart_feed(mp, piece, n);
            free(piece);
            FUZZ_CHECK(r->err == NULL || e == r->err);      /* sticky */
            r->err = r->err ? r->err : e;
            done += n;
            pieces++;
        }
    }
    if (r->err == NULL) {
        r->err = invoice_multipart_finish(mp);
    }
    FUZZ_CHECK(same_str(invoice_multipart_finish(mp), r->err));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return apr_initialize() == APR_SUCCESS ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    result_t whole, split;

    if (size < 1 || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return 0;
    }
    parse(p, (const char *)data + 1, size - 1, 0, data[0], &whole);
    parse(p, (const char *)data + 1, size - 1, 1, data[0], &split);
    FUZZ_CHECK(same_str(whole.err, split.err));
    FUZZ_CHECK(whole.n == split.n);
    for (int i = 0; i < whole.n; i++) {
        part_t *a = &whole.parts[i], *b = &split.parts[i];

        FUZZ_CHECK(same_str(a->name, b->name));
        FUZZ_CHECK(same_str(a->filename, b->filename));
        FUZZ_CHECK(same_str(a->content_type, b->content_type));
        FUZZ_CHECK(a->ended == b->ended);
        FUZZ_CHECK(a->len == b->len);
        FUZZ_CHECK(a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
    }
    result_free(&whole);
    result_free(&split);

    /* The first line, as a Content-Type, exercises boundary extraction. */
    {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t n = nl ? (size_t)(nl - data) : size;
        char *ct = malloc(n + 1);
        const char *b;

        FUZZ_CHECK(ct != NULL);
        memcpy(ct, data, n);
        ct[n] = '\0';
        b = invoice_multipart_boundary(p, ct);
        if (b != NULL) {
            FUZZ_CHECK(strlen(b) >= 1 && strlen(b) <= INVOICE_MP_MAX_BOUNDARY);
            result_t r;
            memset(&r, 0, sizeof(r));
            invoice_multipart_t *mp = invoice_multipart_make(p, b, &handler, &r);
            /* A boundary it extracts is one the parser accepts. */
            FUZZ_CHECK(invoice_multipart_feed(mp, "", 0) == NULL);
        }
        free(ct);
    }
    apr_pool_destroy(p);
    return 0;
}
