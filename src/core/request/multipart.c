/* Streaming multipart/form-data parser.  See multipart.h.
 *
 * The body is scanned for the delimiter "\r\n--boundary".  The parser acts
 * as if the body began with "\r\n", so the first boundary line needs no
 * special case.  Because boundaries never contain CR, a partial delimiter
 * match that fails can only restart at the current byte; the matched
 * prefix is then ordinary part data. */
#include "core/request/multipart.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "core/http/media_type.h"

typedef enum {
    S_PREAMBLE,     /* before the first delimiter: ignored */
    S_AFTER_DELIM,  /* delimiter matched: "--" (end) or LWSP* CRLF follow */
    S_AFTER_DASH,   /* one '-' after a delimiter */
    S_LINE_END,     /* transport padding, waiting for LF after CR */
    S_HEADERS,      /* collecting a part's header lines */
    S_BODY,         /* part data */
    S_EPILOGUE,     /* after the closing delimiter: ignored */
    S_FAILED,
} state_t;

struct invoice_multipart_t {
    apr_pool_t *pool;
    const invoice_mp_handler_t *handler;
    void *ctx;
    char delim[INVOICE_MP_MAX_BOUNDARY + 4];    /* "\r\n--" boundary */
    size_t delim_len;
    size_t matched;                             /* delimiter bytes matched */
    state_t state;
    char headers[INVOICE_MP_MAX_HEADER_BYTES];
    size_t headers_len;
    int parts;
    const char *error;
};

static int is_bchar(char c)
{
    return apr_isalnum(c) || (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

static int valid_boundary(const char *b, size_t len)
{
    if (len < 1 || len > INVOICE_MP_MAX_BOUNDARY || b[len - 1] == ' ') {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_bchar(b[i])) {
            return 0;
        }
    }
    return 1;
}

/* The next ';' at or after s that is not inside a quoted string, or NULL.
 * (Quoted-pairs are not supported: browsers percent-encode '"' in names.) */
static const char *next_param(const char *s)
{
    int quoted = 0;

    for (; *s != '\0'; s++) {
        if (*s == '"') {
            quoted = !quoted;
        }
        else if (*s == ';' && !quoted) {
            return s;
        }
    }
    return NULL;
}

/* Value of parameter `name` in a header's "; a=b; c="d"" tail, or NULL.
 * A ';' or "name=" inside a quoted value belongs to that value. */
static const char *header_param(apr_pool_t *p, const char *params,
                                const char *name)
{
    size_t nlen = strlen(name);
    const char *s = params;

    while ((s = next_param(s)) != NULL) {
        s++;
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        if (strncasecmp(s, name, nlen) != 0 || s[nlen] != '=') {
            continue;
        }
        s += nlen + 1;
        if (*s == '"') {
            const char *end = strchr(s + 1, '"');
            return end ? apr_pstrmemdup(p, s + 1, (apr_size_t)(end - s - 1)) : NULL;
        }
        return apr_pstrmemdup(p, s, strcspn(s, "; \t"));
    }
    return NULL;
}

const char *invoice_multipart_boundary(apr_pool_t *p, const char *content_type)
{
    const char *params = invoice_media_type_match(content_type,
                                                  "multipart/form-data");
    const char *b;

    if (params == NULL || *params != ';') {
        return NULL;
    }
    b = header_param(p, params, "boundary");
    return b && valid_boundary(b, strlen(b)) ? b : NULL;
}

invoice_multipart_t *invoice_multipart_make(apr_pool_t *p, const char *boundary,
                                            const invoice_mp_handler_t *handler,
                                            void *ctx)
{
    invoice_multipart_t *mp = apr_pcalloc(p, sizeof(*mp));
    size_t blen = strlen(boundary);

    mp->pool = p;
    mp->handler = handler;
    mp->ctx = ctx;
    mp->state = S_PREAMBLE;
    if (!valid_boundary(boundary, blen)) {
        mp->state = S_FAILED;
        mp->error = "invalid multipart boundary";
        return mp;
    }
    memcpy(mp->delim, "\r\n--", 4);
    memcpy(mp->delim + 4, boundary, blen);
    mp->delim_len = blen + 4;
    mp->matched = 2;    /* the virtual CRLF before the first boundary */
    return mp;
}

static const char *fail(invoice_multipart_t *mp, const char *why)
{
    mp->state = S_FAILED;
    mp->error = why;
    return why;
}

/* One header line (without CRLF) of the current part. */
static const char *parse_header_line(invoice_multipart_t *mp, char *line,
                                     invoice_mp_part_t *part)
{
    char *colon = strchr(line, ':');
    char *value;

    if (colon == NULL || colon == line) {
        return "malformed part header";
    }
    *colon = '\0';
    value = colon + 1;
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    if (strcasecmp(line, "Content-Disposition") == 0) {
        if (invoice_media_type_match(value, "form-data") == NULL) {
            return "part Content-Disposition must be form-data";
        }
        part->name = header_param(mp->pool, value, "name");
        part->filename = header_param(mp->pool, value, "filename");
    }
    else if (strcasecmp(line, "Content-Type") == 0) {
        part->content_type = apr_pstrdup(mp->pool, value);
    }
    return NULL;    /* other headers (Content-Transfer-Encoding...) ignored */
}

/* The blank line after a part's headers was seen: announce the part. */
static const char *headers_done(invoice_multipart_t *mp)
{
    invoice_mp_part_t part = { NULL, NULL, NULL };
    char *line, *last;
    const char *err;

    if (++mp->parts > INVOICE_MP_MAX_PARTS) {
        return "too many parts";
    }
    mp->headers[mp->headers_len - 4] = '\0';    /* drop the final CRLFCRLF */
    for (line = apr_strtok(mp->headers, "\r\n", &last); line;
         line = apr_strtok(NULL, "\r\n", &last)) {
        if ((err = parse_header_line(mp, line, &part)) != NULL) {
            return err;
        }
    }
    if (part.name == NULL) {
        return "every part needs a Content-Disposition with a name";
    }
    return mp->handler->part_begin(mp->ctx, &part);
}

static const char *header_byte(invoice_multipart_t *mp, char c)
{
    if (mp->headers_len >= sizeof(mp->headers) - 1) {
        return "part headers too large";
    }
    mp->headers[mp->headers_len++] = c;
    /* An empty header block is just "\r\n" after the boundary line. */
    if (mp->headers_len == 2 && memcmp(mp->headers, "\r\n", 2) == 0) {
        memcpy(mp->headers, "\r\n\r\n", 4);
        mp->headers_len = 4;
    }
    if (mp->headers_len >= 4
        && memcmp(mp->headers + mp->headers_len - 4, "\r\n\r\n", 4) == 0) {
        mp->state = S_BODY;
        mp->matched = 0;
        return headers_done(mp);
    }
    return NULL;
}

static const char *emit(invoice_multipart_t *mp, const char *data, size_t len)
{
    if (mp->state != S_BODY || len == 0) {
        return NULL;    /* the preamble is ignored */
    }
    return mp->handler->part_data(mp->ctx, data, len);
}

/* Scan data[0..len) for the delimiter, handing the bytes before it to the
 * part.  `matched` delimiter bytes may be held over from earlier pieces;
 * they are data after all if the match fails.  Returns the bytes consumed:
 * through the end of a delimiter, or all of them. */
static size_t body_bytes(invoice_multipart_t *mp, const char *data, size_t len,
                         const char **err)
{
    size_t i = 0;

    while (i < len) {
        if (data[i] == mp->delim[mp->matched]) {
            mp->matched++;
            i++;
            if (mp->matched == mp->delim_len) {
                /* Data before the delimiter, if any lies in this piece. */
                if (i > mp->delim_len) {
                    *err = emit(mp, data, i - mp->delim_len);
                }
                if (*err == NULL && mp->state == S_BODY) {
                    *err = mp->handler->part_end(mp->ctx);
                }
                mp->matched = 0;
                mp->state = S_AFTER_DELIM;
                return i;
            }
        }
        else if (mp->matched > 0) {
            /* False start.  Matched bytes from earlier pieces precede all
             * of this piece's data, so they go out first; those in this
             * piece go out with the rest of it.  The current byte is
             * re-examined: CR, the only possible restart, occurs nowhere
             * in the delimiter but at its start. */
            size_t carried = mp->matched > i ? mp->matched - i : 0;
            if (carried > 0 && (*err = emit(mp, mp->delim, carried)) != NULL) {
                return i;
            }
            mp->matched = 0;
        }
        else {
            i++;
        }
    }
    /* Hold back a partial match at the end: it may become a delimiter. */
    if (mp->matched < len) {
        *err = emit(mp, data, len - mp->matched);
    }
    return len;
}

static const char *after_delimiter(invoice_multipart_t *mp, char c)
{
    switch (mp->state) {
    case S_AFTER_DELIM:
        if (c == '-') {
            mp->state = S_AFTER_DASH;
        }
        else if (c == '\r') {
            mp->state = S_LINE_END;
        }
        else if (c != ' ' && c != '\t') {
            return "malformed boundary line";
        }
        return NULL;
    case S_AFTER_DASH:
        if (c != '-') {
            return "malformed closing boundary";
        }
        mp->state = S_EPILOGUE;
        return NULL;
    default: /* S_LINE_END */
        if (c != '\n') {
            return "malformed boundary line";
        }
        mp->state = S_HEADERS;
        mp->headers_len = 0;
        return NULL;
    }
}

const char *invoice_multipart_feed(invoice_multipart_t *mp, const char *data,
                                   size_t len)
{
    size_t i = 0;
    const char *err = NULL;

    while (i < len && err == NULL) {
        switch (mp->state) {
        case S_FAILED:
            return mp->error;
        case S_EPILOGUE:
            return NULL;
        case S_PREAMBLE:
        case S_BODY:
            i += body_bytes(mp, data + i, len - i, &err);
            break;
        case S_HEADERS:
            err = header_byte(mp, data[i++]);
            break;
        default:
            err = after_delimiter(mp, data[i++]);
            break;
        }
    }
    return err ? fail(mp, err) : (mp->state == S_FAILED ? mp->error : NULL);
}

const char *invoice_multipart_finish(invoice_multipart_t *mp)
{
    if (mp->state == S_FAILED) {
        return mp->error;
    }
    if (mp->state != S_EPILOGUE) {
        return fail(mp, "multipart body ends before its closing boundary");
    }
    return NULL;
}
