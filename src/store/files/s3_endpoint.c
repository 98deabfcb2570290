/* The endpoint, bucket and prefix of an S3 store.  See s3_endpoint.h. */
#include "store/files/s3_endpoint.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>

#define MAX_OBJECT_KEY 1024     /* bytes: S3's limit */
#define MAX_PREFIX 512

static const char upper_digits[] = "0123456789ABCDEF";

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~';
}

char *invoice_s3_uri_encode(apr_pool_t *p, const char *s, int keep_slash)
{
    char *out = apr_palloc(p, 3 * strlen(s) + 1), *o = out;

    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (is_unreserved(*c) || (keep_slash && *c == '/')) {
            *o++ = (char)*c;
        } else {
            *o++ = '%';
            *o++ = upper_digits[*c >> 4];
            *o++ = upper_digits[*c & 0x0f];
        }
    }
    *o = '\0';
    return out;
}

static const char *bad(apr_pool_t *p, const char *where, const char *fmt, ...)
{
    va_list ap;
    const char *what;

    va_start(ap, fmt);
    what = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    return apr_psprintf(p, "S3 store '%s': %s", where, what);
}

/* A "." or ".." segment, or an empty one when empty_too. */
static int has_dot_segment(const char *path, int empty_too)
{
    const char *seg = path;

    for (;;) {
        size_t n = strcspn(seg, "/");

        if ((n == 0 && empty_too) || (n == 1 && seg[0] == '.')
            || (n == 2 && seg[0] == '.' && seg[1] == '.')) {
            return 1;
        }
        if (seg[n] == '\0') {
            return 0;
        }
        seg += n + 1;
    }
}

/* 3 to 63 lowercase letters, digits, '.' and '-', a letter or digit at
 * either end: S3's rule for bucket names. */
static int bucket_name_ok(const char *b)
{
    size_t n = strlen(b);

    if (n < 3 || n > 63 || !apr_isalnum(b[0]) || !apr_isalnum(b[n - 1])) {
        return 0;
    }
    return strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n;
}

static int prefix_ok(const char *prefix)
{
    size_t n = strlen(prefix);

    if (n == 0) {
        return 1;
    }
    if (n > MAX_PREFIX || has_dot_segment(prefix, 1)) {
        return 0;
    }
    for (const char *c = prefix; *c; c++) {
        if (!is_unreserved((unsigned char)*c) && *c != '/') {
            return 0;
        }
    }
    return 1;
}

/* The port after the host: empty (the scheme's), or 1 to 65535. */
static int port_of(const char *text, int scheme_port)
{
    char *end;
    long port;

    if (*text == '\0') {
        return scheme_port;
    }
    if (*text != ':' || !apr_isdigit(text[1])) {
        return -1;
    }
    port = strtol(text + 1, &end, 10);
    return *end == '\0' && port >= 1 && port <= 65535 ? (int)port : -1;
}

/* host[:port] or [v6]:port into out->authority (lowercase host, port kept
 * only when it is not the scheme's); the host alone into *host. */
static const char *parse_authority(apr_pool_t *p, const char *where,
                                   const char *text, int scheme_port,
                                   invoice_s3_endpoint_t *out,
                                   const char **host)
{
    const char *end = text[0] == '[' ? strchr(text, ']') : NULL;
    size_t n = end != NULL ? (size_t)(end - text) + 1 : strcspn(text, ":");
    char *h = apr_pstrmemdup(p, text, n);
    int port = port_of(text + n, scheme_port);
    const char *allowed = end != NULL ? "[]:.0123456789abcdef"
                          : "abcdefghijklmnopqrstuvwxyz0123456789.-_";

    for (char *c = h; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    if (n == 0 || h[0] == '.' || h[0] == '-' || strspn(h, allowed) != n) {
        return bad(p, where, "'%s' is not a host name", h);
    }
    if (port < 0) {
        return bad(p, where, "'%s' is not a port", text + n);
    }
    out->authority = port == scheme_port ? h : apr_psprintf(p, "%s:%d", h,
                                                              port);
    *host = h;
    return NULL;
}

/* Virtual-host style: the bucket is the name before ".s3." or ".s3-"
 * (AWS), else the first label.  Not an IP address, nor AWS's service
 * name itself (s3.REGION.amazonaws.com has no bucket in it). */
static const char *bucket_of_host(apr_pool_t *p, const char *where,
                                  const char *host, const char **bucket)
{
    const char *s3 = strstr(host, ".s3.");
    const char *s3_dash = strstr(host, ".s3-");
    const char *end = s3 != NULL ? s3 : s3_dash != NULL ? s3_dash
                                                        : strchr(host, '.');

    if (host[0] == '[' || end == NULL || strncmp(host, "s3.", 3) == 0
        || strncmp(host, "s3-", 3) == 0
        || strspn(host, "0123456789.") == strlen(host)) {
        return bad(p, where, "no bucket: name it in the path "
                   "(http(s)://HOST[:PORT]/BUCKET) or in the host name "
                   "(https://BUCKET.s3.REGION.amazonaws.com)");
    }
    *bucket = apr_pstrmemdup(p, host, (apr_size_t)(end - host));
    return NULL;
}

/* /BUCKET[/PREFIX][/] into out->bucket and out->prefix. */
static const char *parse_path(apr_pool_t *p, const char *where,
                              const char *path, invoice_s3_endpoint_t *out)
{
    size_t n = strcspn(path + 1, "/");
    char *prefix = apr_pstrdup(p, path[1 + n] == '/' ? path + 2 + n : "");
    size_t len = strlen(prefix);

    out->bucket = apr_pstrmemdup(p, path + 1, n);
    if (!bucket_name_ok(out->bucket)) {
        return bad(p, where, "'%s' is not an S3 bucket name (3 to 63 "
                   "lowercase letters, digits, '.' and '-')", out->bucket);
    }
    while (len > 0 && prefix[len - 1] == '/') {
        prefix[--len] = '\0';
    }
    if (!prefix_ok(prefix)) {
        return bad(p, where, "the prefix '%s' may hold letters, digits, "
                   "'-', '.', '_', '~' and '/' only, between segments that "
                   "are neither empty, '.' nor '..'", prefix);
    }
    out->prefix = prefix;
    return NULL;
}

const char *invoice_s3_endpoint_parse(apr_pool_t *p, const char *where,
                                      invoice_s3_endpoint_t *out)
{
    int https = strncasecmp(where, "https://", 8) == 0;
    const char *rest, *host = NULL, *err;
    size_t n;

    memset(out, 0, sizeof(*out));
    if (strchr(where, '@') != NULL) {
        return "an S3 store's URL may not hold credentials (user:password@):"
               " give them in a credentials file or the environment";
    }
    if (!https && strncasecmp(where, "http://", 7) != 0) {
        return bad(p, where, "needs http(s)://HOST[:PORT]/BUCKET[/PREFIX] "
                   "or https://BUCKET.HOST");
    }
    if (strpbrk(where, "?#") != NULL) {
        return bad(p, where, "no query string or fragment, please");
    }
    rest = where + (https ? 8 : 7);
    n = strcspn(rest, "/");
    out->scheme = https ? "https" : "http";
    err = parse_authority(p, where, apr_pstrmemdup(p, rest, n),
                          https ? 443 : 80, out, &host);
    if (err != NULL) {
        return err;
    }
    out->origin = apr_pstrcat(p, out->scheme, "://", out->authority, NULL);
    if (rest[n] == '\0' || strcmp(rest + n, "/") == 0) {
        out->virtual_host = 1;
        out->prefix = "";
        return bucket_of_host(p, where, host, &out->bucket);
    }
    return parse_path(p, where, rest + n, out);
}

const char *invoice_s3_key_problem(apr_pool_t *p,
                                   const invoice_s3_endpoint_t *ep,
                                   const char *key)
{
    size_t n = strlen(ep->prefix) + 1 + strlen(key);

    if (key[0] == '\0' || n > MAX_OBJECT_KEY || has_dot_segment(key, 0)) {
        return apr_psprintf(p, "not an S3 key: '%s' (empty, over %d bytes "
                            "with the prefix, or with a '.' or '..' segment)",
                            key, MAX_OBJECT_KEY);
    }
    return NULL;
}

const char *invoice_s3_object_key(apr_pool_t *p,
                                  const invoice_s3_endpoint_t *ep,
                                  const char *key)
{
    return ep->prefix[0] ? apr_pstrcat(p, ep->prefix, "/", key, NULL) : key;
}

const char *invoice_s3_object_path(apr_pool_t *p,
                                   const invoice_s3_endpoint_t *ep,
                                   const char *key)
{
    const char *object = invoice_s3_uri_encode(
        p, invoice_s3_object_key(p, ep, key), 1);

    return ep->virtual_host ? apr_pstrcat(p, "/", object, NULL)
                            : apr_pstrcat(p, "/", ep->bucket, "/", object,
                                          NULL);
}

const char *invoice_s3_bucket_path(apr_pool_t *p,
                                   const invoice_s3_endpoint_t *ep)
{
    return ep->virtual_host ? "/" : apr_pstrcat(p, "/", ep->bucket, NULL);
}
