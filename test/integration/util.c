#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

it_env_t it_env;

static const char *need_env(const char *name, int *ok)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "integration tests: environment variable %s is not set "
                        "(run them through test/integration/run.sh)\n", name);
        *ok = 0;
        return "";
    }
    return v;
}

int it_env_load(void)
{
    int ok = 1;
    it_env.base_url = need_env("INVOICE_BASE_URL", &ok);
    it_env.pg_dsn = need_env("INVOICE_PG_DSN", &ok);
    it_env.pg_restart = need_env("INVOICE_PG_RESTART", &ok);
    it_env.pg_stop = need_env("INVOICE_PG_STOP", &ok);
    it_env.pg_start = need_env("INVOICE_PG_START", &ok);
    it_env.data_dir = need_env("INVOICE_DATA_DIR", &ok);
    return ok;
}

/* ---- ids and strings -------------------------------------------------- */

#define ID_SPACE 2147483647u   /* ids are 1..ID_SPACE */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
    if (!rng_state) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        rng_state = ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec)
                    ^ ((uint64_t)getpid() << 32) ^ 0x5eed;
    }
    return splitmix(&rng_state);
}

int it_new_id(void)
{
    /* base + k * step (mod 2^31-1 - 1) visits distinct values for
     * k < 2147483646 because step is coprime with 2147483646. */
    static uint32_t base, counter;
    static int seeded;
    const uint64_t modulus = ID_SPACE - 1u;   /* 2147483646 */
    const uint64_t step = 7919u;               /* prime, coprime with it */
    if (!seeded) {
        base = (uint32_t)(rnd() % modulus);
        seeded = 1;
    }
    uint64_t v = (base + (uint64_t)counter++ * step) % modulus;
    return (int)(v + 1);   /* 1..2147483646 */
}

void it_random_uuid(char out[37])
{
    unsigned char b[16];
    uint64_t a = rnd(), c = rnd();
    memcpy(b, &a, 8);
    memcpy(b + 8, &c, 8);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

#define NBUF 64
static char bufs[NBUF][1024];
static unsigned bufi;

const char *P(const char *fmt, ...)
{
    char *b = bufs[bufi++ % NBUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    return b;
}

const char *AS(int id) { return P("sender %d", id); }
const char *AC(int id) { return P("consumer %d", id); }

/* ---- API shortcuts ---------------------------------------------------- */

http_response_t *api(const char *method, const char *path, const char *auth,
                     const char *ctype, const void *body, size_t len)
{
    char ah[256], ch[256];
    const char *hs[3];
    int n = 0;
    if (auth) {
        snprintf(ah, sizeof ah, "Authorization: %s", auth);
        hs[n++] = ah;
    }
    if (ctype) {
        snprintf(ch, sizeof ch, "Content-Type: %s", ctype);
        hs[n++] = ch;
    }
    hs[n] = NULL;
    return http_request(method, path, hs, body, len);
}

char *it_create_body(int receiver, const char *file_type,
                     const unsigned char *bytes, size_t len)
{
    char *b64 = it_base64(bytes, len);
    size_t n = strlen(b64) + strlen(file_type) + 128;
    char *body = malloc(n);
    if (!body)
        abort();
    snprintf(body, n,
             "{\"invoice\": {\"receiver_id\": %d, \"file_type\": \"%s\", "
             "\"content\": \"%s\"}}", receiver, file_type, b64);
    free(b64);
    return body;
}

void it_create_invoice(int sender, int receiver, const char *ftype,
                       const unsigned char *bytes, size_t len, char id[37],
                       const char *file, int line)
{
    char *body = it_create_body(receiver, ftype, bytes, len);
    http_response_t *r = api_post_json("/api/sender/invoices", AS(sender), body);
    free(body);
    json_object *data;
    json_object *root = it_assert_invoice_response(r, 201, &data, file, line);
    const char *got = json_object_get_string(json_object_object_get(data, "id"));
    snprintf(id, 37, "%s", got);
    if (json_object_get_int64(json_object_object_get(data, "sender_id")) != sender ||
        json_object_get_int64(json_object_object_get(data, "receiver_id")) != receiver ||
        json_object_get_int64(json_object_object_get(data, "file_size")) != (int64_t)len ||
        strcmp(json_object_get_string(json_object_object_get(data, "file_type")), ftype) != 0)
        it_fail(file, line, "created invoice does not match the request: %s",
                json_object_to_json_string(data));
    const char *loc = http_header(r, "Location");
    if (!loc || strcmp(loc, P("/api/sender/invoices/%s", id)) != 0)
        it_fail(file, line, "Location is \"%s\", expected /api/sender/invoices/%s",
                loc ? loc : "(none)", id);
    json_object_put(root);
    http_free(r);
}

/* ---- assertions ------------------------------------------------------- */

void it_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint_error(fmt, ap);
    va_end(ap);
    print_error("\n");
    _fail(file, line);
    abort(); /* not reached: _fail longjmps out of the test */
}

static const char *snippet(const http_response_t *r)
{
    static char s[420];
    size_t n = r->body_len < 400 ? r->body_len : 400;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)r->body[i];
        s[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
    }
    s[o] = '\0';
    if (r->body_len > n)
        snprintf(s + o, sizeof s - o, "...");
    return s;
}

void it_assert_status(const http_response_t *r, long status,
                      const char *file, int line)
{
    if (r->status != status) {
        if (r->curl_code)
            it_fail(file, line, "%s: transfer failed (%s), expected HTTP %ld",
                    r->what, r->error, status);
        it_fail(file, line, "%s: HTTP %ld, expected %ld; body: %s", r->what,
                r->status, status, snippet(r));
    }
}

void it_assert_media_type(const http_response_t *r, const char *media,
                          const char *file, int line)
{
    const char *ct = http_header(r, "Content-Type");
    if (!ct)
        it_fail(file, line, "%s: no Content-Type, expected %s", r->what, media);
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n != strlen(media) || strncasecmp(ct, media, n) != 0)
        it_fail(file, line, "%s: Content-Type \"%s\", expected %s", r->what,
                ct, media);
}

void it_assert_header(const http_response_t *r, const char *name,
                      const char *val, const char *file, int line)
{
    const char *v = http_header(r, name);
    if (!v)
        it_fail(file, line, "%s: no %s header, expected \"%s\"", r->what,
                name, val);
    if (strcmp(v, val) != 0)
        it_fail(file, line, "%s: %s is \"%s\", expected \"%s\"", r->what,
                name, v, val);
}

json_object *it_parse_body(const http_response_t *r, const char *file, int line)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, r->body, (int)r->body_len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!o || err != json_tokener_success)
        it_fail(file, line, "%s: body is not JSON (%s): %s", r->what,
                json_tokener_error_desc(err), snippet(r));
    return o;
}

static int is_str(json_object *o) { return o && json_object_is_type(o, json_type_string); }
static int is_int(json_object *o) { return o && json_object_is_type(o, json_type_int); }

json_object *it_assert_problem(const http_response_t *r, long status,
                               const char *file, int line)
{
    it_assert_status(r, status, file, line);
    it_assert_media_type(r, "application/problem+json", file, line);
    json_object *o = it_parse_body(r, file, line);
    if (!json_object_is_type(o, json_type_object))
        it_fail(file, line, "%s: problem body is not an object", r->what);
    json_object *st = json_object_object_get(o, "status");
    if (!is_str(json_object_object_get(o, "type")) ||
        !is_str(json_object_object_get(o, "title")) ||
        !is_str(json_object_object_get(o, "detail")) || !is_int(st))
        it_fail(file, line, "%s: problem body lacks type/title/detail strings "
                "or integer status: %s", r->what, snippet(r));
    if (json_object_get_int64(st) != status)
        it_fail(file, line, "%s: problem status %lld, HTTP status %ld", r->what,
                (long long)json_object_get_int64(st), status);
    return o;
}

json_object *it_assert_4xx_problem(const http_response_t *r, const char *file,
                                   int line)
{
    if (r->status < 400 || r->status > 499) {
        if (r->status == 0)
            it_fail(file, line, "%s: no answer (%s), expected a 4xx", r->what,
                    r->error);
        it_fail(file, line, "%s: HTTP %ld, expected a 4xx; body: %s", r->what,
                r->status, snippet(r));
    }
    return it_assert_problem(r, r->status, file, line);
}

void it_known_bug(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    const char *strict = getenv("INVOICE_IT_STRICT");
    if (strict && strcmp(strict, "1") == 0) {
        va_start(ap, fmt);
        vprint_error(fmt, ap);
        va_end(ap);
        print_error("\n");
        _fail(file, line);
    }
    char msg[1024];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    print_message("KNOWN BUG (%s:%d): %s\n", file, line, msg);
}

void it_assert_field_errors(const http_response_t *r, const char *file,
                            int line, ...)
{
    json_object *o = it_assert_problem(r, 422, file, line);
    json_object *errs = json_object_object_get(o, "errors");
    if (!errs || !json_object_is_type(errs, json_type_object))
        it_fail(file, line, "%s: 422 without an errors object: %s", r->what,
                snippet(r));
    int expected = 0;
    va_list ap;
    va_start(ap, line);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL) {
        expected++;
        if (!json_object_object_get(errs, k))
            it_fail(file, line, "%s: errors lacks \"%s\": %s", r->what, k,
                    snippet(r));
    }
    va_end(ap);
    json_object_object_foreach(errs, key, val) {
        if (!json_object_is_type(val, json_type_array) ||
            json_object_array_length(val) == 0)
            it_fail(file, line, "%s: errors.%s is not a non-empty array",
                    r->what, key);
        for (size_t i = 0; i < json_object_array_length(val); i++)
            if (!is_str(json_object_array_get_idx(val, i)))
                it_fail(file, line, "%s: errors.%s holds a non-string",
                        r->what, key);
    }
    if (json_object_object_length(errs) != expected)
        it_fail(file, line, "%s: errors has %d keys, expected %d: %s", r->what,
                json_object_object_length(errs), expected, snippet(r));
    json_object_put(o);
}

void it_assert_error_msg(const http_response_t *r, const char *key,
                         const char *msg, const char *file, int line)
{
    json_object *o = it_assert_problem(r, 422, file, line);
    json_object *errs = json_object_object_get(o, "errors");
    json_object *arr = errs ? json_object_object_get(errs, key) : NULL;
    int found = 0;
    for (size_t i = 0; arr && json_object_is_type(arr, json_type_array) &&
                       i < json_object_array_length(arr); i++) {
        const char *m = json_object_get_string(json_object_array_get_idx(arr, i));
        if (m && strcmp(m, msg) == 0)
            found = 1;
    }
    if (!found)
        it_fail(file, line, "%s: errors.%s lacks \"%s\": %s", r->what, key,
                msg, snippet(r));
    json_object_put(o);
}

int it_is_uuid_lower(const char *s)
{
    if (strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

int it_is_rfc3339_utc(const char *s)
{
    /* YYYY-MM-DDTHH:MM:SS[.fraction]Z */
    static const char pat[] = "dddd-dd-ddTdd:dd:dd";
    size_t n = strlen(s);
    if (n < 20)
        return 0;
    for (size_t i = 0; i < 19; i++) {
        if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i])
            return 0;
    }
    size_t i = 19;
    if (s[i] == '.') {
        i++;
        size_t d = i;
        while (isdigit((unsigned char)s[i]))
            i++;
        if (i == d)
            return 0;
    }
    return s[i] == 'Z' && s[i + 1] == '\0';
}

void it_assert_invoice_shape(json_object *o, const char *file, int line)
{
    static const char *keys[] = {"id", "sender_id", "receiver_id", "file_type",
                                 "file_size", "status", "amount", "currency",
                                 "due_date", "reference", "is_payable",
                                 "paid_at", "voided_at", "first_downloaded_at",
                                 "inserted_at", "updated_at"};
    const char *js = json_object_to_json_string(o);
    if (!json_object_is_type(o, json_type_object))
        it_fail(file, line, "invoice is not an object: %s", js);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!json_object_object_get_ex(o, keys[i], NULL))
            it_fail(file, line, "invoice lacks \"%s\": %s", keys[i], js);
    if (json_object_object_length(o) != (int)(sizeof keys / sizeof *keys))
        it_fail(file, line, "invoice has extra keys: %s", js);
    json_object *v = json_object_object_get(o, "id");
    if (!is_str(v) || !it_is_uuid_lower(json_object_get_string(v)))
        it_fail(file, line, "invoice id is not a lowercase UUID: %s", js);
    const char *ints[] = {"sender_id", "receiver_id", "file_size"};
    for (int i = 0; i < 3; i++) {
        v = json_object_object_get(o, ints[i]);
        if (!is_int(v) || json_object_get_int64(v) < 1 ||
            json_object_get_int64(v) > 2147483647)
            it_fail(file, line, "invoice %s is not a positive integer: %s",
                    ints[i], js);
    }
    v = json_object_object_get(o, "file_type");
    if (!is_str(v) || (strcmp(json_object_get_string(v), "application/pdf") != 0 &&
                       strcmp(json_object_get_string(v), "image/png") != 0))
        it_fail(file, line, "invoice file_type is wrong: %s", js);
    if (!json_object_is_type(json_object_object_get(o, "is_payable"), json_type_boolean))
        it_fail(file, line, "invoice is_payable is not a boolean: %s", js);
    const char *maybe_ts[] = {"paid_at", "voided_at", "first_downloaded_at"};
    for (int i = 0; i < 3; i++) {
        v = json_object_object_get(o, maybe_ts[i]);
        if (v && !(is_str(v) && it_is_rfc3339_utc(json_object_get_string(v))))
            it_fail(file, line, "invoice %s is neither null nor an RFC 3339 "
                    "UTC time: %s", maybe_ts[i], js);
    }
    v = json_object_object_get(o, "status");
    const char *status = is_str(v) ? json_object_get_string(v) : "";
    if (strcmp(status, "open") != 0 && strcmp(status, "paid") != 0
        && strcmp(status, "void") != 0)
        it_fail(file, line, "invoice status is not open, paid or void: %s", js);
    /* the lifecycle's fields agree with the status */
    if ((strcmp(status, "paid") == 0) != (json_object_object_get(o, "paid_at") != NULL)
        || (strcmp(status, "void") == 0) != (json_object_object_get(o, "voided_at") != NULL))
        it_fail(file, line, "invoice status and paid_at/voided_at disagree: %s", js);
    v = json_object_object_get(o, "amount");
    if ((v == NULL) != (json_object_object_get(o, "currency") == NULL)
        || (v && !is_int(v)))
        it_fail(file, line, "invoice amount and currency disagree: %s", js);
    const char *ts[] = {"inserted_at", "updated_at"};
    for (int i = 0; i < 2; i++) {
        v = json_object_object_get(o, ts[i]);
        if (!is_str(v) || !it_is_rfc3339_utc(json_object_get_string(v)))
            it_fail(file, line, "invoice %s is not an RFC 3339 UTC time: %s",
                    ts[i], js);
    }
    /* payable exactly while open */
    int payable = json_object_get_boolean(json_object_object_get(o, "is_payable"));
    if (payable != (strcmp(status, "open") == 0))
        it_fail(file, line, "invoice is_payable and status disagree: %s", js);
}

json_object *it_assert_invoice_response(const http_response_t *r, long status,
                                        json_object **data,
                                        const char *file, int line)
{
    it_assert_status(r, status, file, line);
    it_assert_media_type(r, "application/json", file, line);
    json_object *o = it_parse_body(r, file, line);
    json_object *d = NULL;
    if (!json_object_is_type(o, json_type_object) ||
        json_object_object_length(o) != 1 ||
        !json_object_object_get_ex(o, "data", &d))
        it_fail(file, line, "%s: body is not {\"data\": ...}: %s", r->what,
                snippet(r));
    it_assert_invoice_shape(d, file, line);
    if (data)
        *data = d;
    return o;
}

json_object *it_assert_page(const http_response_t *r, json_object **data,
                           int *has_more, const char *file, int line)
{
    it_assert_status(r, 200, file, line);
    it_assert_media_type(r, "application/json", file, line);
    json_object *o = it_parse_body(r, file, line);
    json_object *d = NULL, *hm = NULL;
    if (!json_object_is_type(o, json_type_object) ||
        json_object_object_length(o) != 2 ||
        !json_object_object_get_ex(o, "data", &d) ||
        !json_object_object_get_ex(o, "has_more", &hm) ||
        !json_object_is_type(d, json_type_array) ||
        !json_object_is_type(hm, json_type_boolean))
        it_fail(file, line, "%s: body is not {\"data\": [...], \"has_more\": "
                "bool}: %s", r->what, snippet(r));
    *data = d;
    *has_more = json_object_get_boolean(hm);
    return o;
}

void it_assert_list(const http_response_t *r, it_list_t *out,
                    const char *file, int line)
{
    json_object *d = NULL;
    int has_more = 0;
    json_object *o = it_assert_page(r, &d, &has_more, file, line);
    out->n = json_object_array_length(d);
    out->ids = calloc(out->n + 1, sizeof *out->ids);
    for (size_t i = 0; i < out->n; i++) {
        json_object *inv = json_object_array_get_idx(d, i);
        it_assert_invoice_shape(inv, file, line);
        out->ids[i] = strdup(json_object_get_string(json_object_object_get(inv, "id")));
    }
    out->has_more = has_more;
    out->root = o;
}

void it_list_free(it_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->ids[i]);
    free(l->ids);
    json_object_put(l->root);
    memset(l, 0, sizeof *l);
}

void it_get_list(const char *path, const char *auth, it_list_t *out,
                 const char *file, int line)
{
    http_response_t *r = api("GET", path, auth, NULL, NULL, 0);
    it_assert_list(r, out, file, line);
    http_free(r);
}

void it_req(it_req_t *q, const char *method, const char *path,
            const char *auth, const char *ctype, const void *body, size_t len)
{
    memset(q, 0, sizeof *q);
    snprintf(q->path, sizeof q->path, "%s", path);
    int n = 0;
    if (auth) {
        snprintf(q->auth, sizeof q->auth, "Authorization: %s", auth);
        q->hs[n++] = q->auth;
    }
    if (ctype) {
        snprintf(q->ctype, sizeof q->ctype, "Content-Type: %s", ctype);
        q->hs[n++] = q->ctype;
    }
    q->hs[n] = NULL;
    q->req.method = method;
    q->req.path = q->path;
    q->req.headers = q->hs;
    q->req.body = body;
    q->req.body_len = len;
}

http_response_t **it_run_many(it_req_t *qs, size_t n)
{
    http_request_t *reqs = calloc(n, sizeof *reqs);
    if (!reqs)
        abort();
    for (size_t i = 0; i < n; i++)
        reqs[i] = qs[i].req;
    http_response_t **rs = http_do_many(reqs, n);
    free(reqs);
    return rs;
}

void it_run_cmd(const char *cmd, const char *file, int line)
{
    fflush(stdout);
    fflush(stderr);
    int rc = system(cmd);
    if (rc != 0)
        it_fail(file, line, "command failed (status %d): %s", rc, cmd);
}

void it_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Does the Allow header list method m (tokens separated by commas)? */
int it_allow_has(const char *allow, const char *m)
{
    size_t ml = strlen(m);
    const char *p = allow;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == ml && strncmp(p, m, n) == 0)
            return 1;
        p += n;
    }
    return 0;
}
