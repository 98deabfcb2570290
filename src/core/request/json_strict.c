/* Strict RFC 8259 validation.  A recursive-descent parser that builds
 * nothing: recursion is bounded because max_depth is capped at
 * INVOICE_JSON_MAX_DEPTH, and the depth test comes before any descent, so
 * "[[[[..." of any length fails after at most that many frames. */
#include "core/request/json_strict.h"

#include <stdint.h>
#include <string.h>
#include "core/util/utf8.h"

typedef struct {
    const unsigned char *s;
    size_t len, pos;
    int max_depth;
    const char *err;
} parser;

/* A key of the object being parsed: s[off..off+len) between the quotes. */
typedef struct {
    size_t off, len;
    uint64_t hash;              /* of the decoded code points */
} span;

static int parse_value(parser *p, int depth);

static int fail(parser *p, const char *msg)
{
    p->err = msg;
    return 0;
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len && memchr(" \t\n\r", p->s[p->pos], 4) != NULL) {
        p->pos++;
    }
}

/* Consume c if it comes next. */
static int eat(parser *p, unsigned char c)
{
    if (p->pos == p->len || p->s[p->pos] != c) {
        return 0;
    }
    p->pos++;
    return 1;
}

/* Four hex digits at s (the caller checked that they are there). */
static int hex4(const unsigned char *s, unsigned *v)
{
    static const char digits[] = "0123456789abcdef";
    int i;

    for (*v = 0, i = 0; i < 4; i++) {
        int c = s[i] >= 'A' && s[i] <= 'F' ? s[i] + ('a' - 'A') : s[i];
        const char *d = c != 0 ? memchr(digits, c, 16) : NULL;

        if (d == NULL) {
            return 0;
        }
        *v = *v << 4 | (unsigned)(d - digits);
    }
    return 1;
}

#define IS_HIGH_SURROGATE(v) ((v) >= 0xd800 && (v) <= 0xdbff)
#define IS_LOW_SURROGATE(v) ((v) >= 0xdc00 && (v) <= 0xdfff)

/* The one-character escapes and what they stand for. */
static const char esc_in[] = "\"\\/bfnrt";
static const char esc_out[] = "\"\\/\b\f\n\r\t";

/* An escape, with p->pos just after the backslash.  \u0000 is refused:
 * json-c cuts keys at a NUL, so {"a":1,"a\u0000b":2} would silently become
 * {"a":2}, and C-string consumers would truncate values the same way. */
static int parse_escape(parser *p)
{
    const unsigned char *s = p->s;
    /* 0 stands for the end of input: NUL bytes were refused up front. */
    unsigned char c = p->pos < p->len ? s[p->pos++] : 0;
    unsigned v, lo;

    if (c != 'u') {
        if (c == 0 || memchr(esc_in, c, sizeof(esc_in) - 1) == NULL) {
            return fail(p, c ? "invalid escape in string"
                             : "unterminated string");
        }
        return 1;
    }
    if (p->len - p->pos < 4 || !hex4(s + p->pos, &v)) {
        return fail(p, "invalid \\u escape in string");
    }
    p->pos += 4;
    if (v == 0) {
        return fail(p, "NUL character (\\u0000) in string");
    }
    /* A high surrogate must be followed at once by an escaped low one. */
    if (IS_HIGH_SURROGATE(v) && p->len - p->pos >= 6 && s[p->pos] == '\\'
        && s[p->pos + 1] == 'u' && hex4(s + p->pos + 2, &lo)
        && IS_LOW_SURROGATE(lo)) {
        p->pos += 6;
    }
    else if (IS_HIGH_SURROGATE(v) || IS_LOW_SURROGATE(v)) {
        return fail(p, "lone UTF-16 surrogate escape in string");
    }
    return 1;
}

/* A string, with p->pos on the opening quote; sp gets its body. */
static int parse_string(parser *p, span *sp)
{
    size_t start = ++p->pos;

    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        size_t n;

        if (c == '"') {
            sp->off = start;
            sp->len = p->pos++ - start;
            return 1;
        }
        if (c == '\\') {
            p->pos++;
            if (!parse_escape(p)) {
                return 0;
            }
        }
        else if (c < 0x20) {
            return fail(p, "unescaped control character in string");
        }
        else if (c < 0x80) {
            p->pos++;
        }
        else if ((n = invoice_utf8_sequence(p->s + p->pos, p->len - p->pos)) != 0) {
            p->pos += n;
        }
        else {
            return fail(p, "invalid UTF-8 in string");
        }
    }
    return fail(p, "unterminated string");
}

/* Skip digits; whether there was one at least. */
static int skip_digits(parser *p)
{
    size_t start = p->pos;

    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        p->pos++;
    }
    return p->pos > start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  Only the grammar is
 * checked: the value's range is the caller's business. */
static int parse_number(parser *p)
{
    eat(p, '-');
    if (eat(p, '0')) {
        if (skip_digits(p)) {
            return fail(p, "leading zero in number");
        }
    }
    else if (!skip_digits(p)) {
        return fail(p, "invalid number");
    }
    if (eat(p, '.') && !skip_digits(p)) {
        return fail(p, "digit expected after decimal point");
    }
    if (eat(p, 'e') || eat(p, 'E')) {
        (void)(eat(p, '+') || eat(p, '-'));
        if (!skip_digits(p)) {
            return fail(p, "digit expected in exponent");
        }
    }
    return 1;
}

static int parse_literal(parser *p, const char *word)
{
    size_t n = strlen(word);

    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) {
        return fail(p, "invalid literal (only true, false and null exist)");
    }
    p->pos += n;
    return 1;
}

/* Next code point of a key body already validated by parse_string. */
static uint32_t next_code_point(const unsigned char *s, size_t *i)
{
    unsigned char b = s[*i];
    unsigned hi, lo;
    uint32_t cp;
    size_t n, k;

    if (b == '\\') {
        b = s[*i + 1];
        *i += 2;
        if (b != 'u') {
            return (unsigned char)esc_out[strchr(esc_in, b) - esc_in];
        }
        hex4(s + *i, &hi);
        *i += 4;
        if (!IS_HIGH_SURROGATE(hi)) {
            return hi;
        }
        hex4(s + *i + 2, &lo);
        *i += 6;
        return 0x10000 + ((uint32_t)(hi - 0xd800) << 10) + (lo - 0xdc00);
    }
    if (b < 0x80) {
        (*i)++;
        return b;
    }
    n = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    cp = b & (0xffu >> (n + 1));
    for (k = 1; k < n; k++) {
        cp = cp << 6 | (s[*i + k] & 0x3f);
    }
    *i += n;
    return cp;
}

/* Whether two keys are equal once their escapes are decoded. */
static int same_key(const unsigned char *s, const span *a, const span *b)
{
    size_t i = a->off, j = b->off;
    size_t aend = a->off + a->len, bend = b->off + b->len;

    while (i < aend && j < bend) {
        if (next_code_point(s, &i) != next_code_point(s, &j)) {
            return 0;
        }
    }
    return i == aend && j == bend;
}

/* FNV-1a over the decoded code points.  Only keys with equal hashes are
 * compared in full: otherwise 64 long keys sharing a long prefix would
 * cost 2016 full walks (about 1 s for a 10 MB body). */
static uint64_t key_hash(const unsigned char *s, const span *k)
{
    uint64_t h = 0xcbf29ce484222325u;
    size_t i = k->off, end = k->off + k->len;

    while (i < end) {
        h = (h ^ next_code_point(s, &i)) * 0x100000001b3u;
    }
    return h;
}

/* A member name and its ':'; keys[0..n) are the earlier names. */
static int parse_key(parser *p, span *keys, int n)
{
    int i;

    skip_ws(p);
    if (p->pos == p->len || p->s[p->pos] != '"') {
        return fail(p, "expected a string key in object");
    }
    if (n == INVOICE_JSON_MAX_MEMBERS) {
        return fail(p, "too many members in object");
    }
    if (!parse_string(p, &keys[n])) {
        return 0;
    }
    keys[n].hash = key_hash(p->s, &keys[n]);
    for (i = 0; i < n; i++) {
        if (keys[i].hash == keys[n].hash
            && same_key(p->s, &keys[i], &keys[n])) {
            return fail(p, "duplicate key in object");
        }
    }
    skip_ws(p);
    if (!eat(p, ':')) {
        return fail(p, "expected ':' after object key");
    }
    return 1;
}

/* An object or array at depth, with p->pos on its '{' or '['. */
static int parse_container(parser *p, int depth)
{
    int is_object = p->s[p->pos] == '{';
    unsigned char close = is_object ? '}' : ']';
    span keys[INVOICE_JSON_MAX_MEMBERS];
    int n = 0;

    p->pos++;
    skip_ws(p);
    if (eat(p, close)) {
        return 1;
    }
    for (;;) {
        if (is_object && !parse_key(p, keys, n++)) {
            return 0;
        }
        if (!parse_value(p, depth + 1)) {
            return 0;
        }
        skip_ws(p);
        if (eat(p, close)) {
            return 1;
        }
        if (!eat(p, ',')) {
            return fail(p, is_object ? "expected ',' or '}' in object"
                                     : "expected ',' or ']' in array");
        }
    }
}

static int parse_value(parser *p, int depth)
{
    span ignored;
    unsigned char c;

    if (depth > p->max_depth) {
        return fail(p, "nesting too deep");
    }
    skip_ws(p);
    if (p->pos == p->len) {
        return fail(p, "unexpected end of input");
    }
    switch (c = p->s[p->pos]) {
    case '{': case '[':
        return parse_container(p, depth);
    case '"':
        return parse_string(p, &ignored);
    case 't': case 'f': case 'n':
        return parse_literal(p, c == 't' ? "true"
                                : c == 'f' ? "false" : "null");
    case '-': case '0': case '1': case '2': case '3': case '4': case '5':
    case '6': case '7': case '8': case '9':
        return parse_number(p);
    }
    return fail(p, "unexpected character (not a JSON value)");
}

int invoice_json_check(const char *buf, size_t len, int max_depth,
                       const char **err)
{
    /* The cap is what bounds the recursion (and the keys[] frames). */
    parser p = { (const unsigned char *)buf, buf != NULL ? len : 0, 0,
                 max_depth > INVOICE_JSON_MAX_DEPTH ? INVOICE_JSON_MAX_DEPTH
                 : max_depth, NULL };

    skip_ws(&p);
    if (p.pos == p.len) {
        fail(&p, "empty document");
    }
    else if (memchr(p.s, 0, p.len) != NULL) {
        fail(&p, "NUL byte in document");
    }
    else if (parse_value(&p, 0)) {
        skip_ws(&p);
        if (p.pos != p.len) {
            fail(&p, "unexpected data after the JSON value");
        }
    }
    if (p.err != NULL && err != NULL) {
        *err = p.err;
    }
    return p.err == NULL;
}
