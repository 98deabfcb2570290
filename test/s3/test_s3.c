/* The s3: file store (src/store/files/s3*.c) against s3rver behind the
 * verifying SigV4 proxy (test/s3/sigv4-proxy.js, started by s3.sh): every
 * request it lets through was signed as AWS would sign it, and every body
 * matched its SHA-256.
 *
 * Environment (test/s3/s3.mk sets it):
 *   S3_TEST_PORT    the proxy's port on 127.0.0.1 (bucket "invoices")
 *   S3_TEST_TOKEN   the one session token the proxy accepts
 *   S3_TEST_DIR     a scratch directory (the spool directory is made in it)
 *   S3_TEST_VERBOSE set: libcurl's trace of every request, on stderr
 *
 * Virtual-host buckets need a host name that reaches 127.0.0.1: calls of
 * curl_easy_perform are wrapped (-Wl,--wrap=curl_easy_perform) to add a
 * CURLOPT_RESOLVE entry, so that the code under test stays as it ships. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_file_info.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <curl/curl.h>

#include "core/util/sha256.h"
#include "store/files.h"
#include "store/files/s3_store.h"

#define BIG (20 * 1024 * 1024)
#define OK INVOICE_FILES_OK

static const invoice_files_ops_t *const s3 = &invoice_files_s3;
static apr_pool_t *root;
static int port;
static const char *token;
static const char *spool_dir;
static struct curl_slist *pinned;   /* CURLOPT_RESOLVE while set */
static long connections;            /* opened by the requests so far */

/* ---- the seam: every curl_easy_perform of this program ---- */

CURLcode __real_curl_easy_perform(CURL *h);
CURLcode __wrap_curl_easy_perform(CURL *h);

CURLcode __wrap_curl_easy_perform(CURL *h)
{
    CURLcode rc;
    long opened = 0;

    if (pinned != NULL) {
        curl_easy_setopt(h, CURLOPT_RESOLVE, pinned);
    }
    if (getenv("S3_TEST_VERBOSE") != NULL) {
        curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    }
    rc = __real_curl_easy_perform(h);
    if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK) {
        __atomic_add_fetch(&connections, opened, __ATOMIC_RELAXED);
    }
    return rc;
}

/* ---- helpers ---- */

static void set_env(const char *name, const char *value)
{
    if (value != NULL) {
        setenv(name, value, 1);
    } else {
        unsetenv(name);
    }
}

static void use_env_credentials(const char *key_id, const char *secret,
                                const char *session_token)
{
    set_env("AWS_ACCESS_KEY_ID", key_id);
    set_env("AWS_SECRET_ACCESS_KEY", secret);
    set_env("AWS_SESSION_TOKEN", session_token);
}

static const char *local_where(apr_pool_t *p, int at_port, const char *path)
{
    return apr_psprintf(p, "http://127.0.0.1:%d%s", at_port, path);
}

/* An instance ready for requests (configure, then child_init in p). */
static void *store_at(apr_pool_t *p, const char *where,
                      const invoice_files_settings_t *settings)
{
    invoice_files_settings_t none = { 0 };
    void *state = NULL;
    const char *err = s3->configure(p, where, settings ? settings : &none,
                                    &state);

    if (err != NULL) {
        fail_msg("configure %s: %s", where, err);
    }
    s3->child_init(state, p);
    return state;
}

static void *default_store(apr_pool_t *p)
{
    use_env_credentials("S3RVER", "S3RVER", NULL);
    return store_at(p, local_where(p, port, "/invoices/t"), NULL);
}

static unsigned char *random_bytes(apr_pool_t *p, apr_size_t n,
                                   uint32_t seed)
{
    unsigned char *b = apr_palloc(p, n);

    for (apr_size_t i = 0; i < n; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        b[i] = (unsigned char)seed;
    }
    return b;
}

static invoice_files_status_t write_file(void *state, apr_pool_t *p,
                                         const char *key,
                                         const unsigned char *data,
                                         apr_size_t len, apr_size_t chunk,
                                         const char **why)
{
    unsigned char digest[INVOICE_SHA256_LEN];
    void *w;
    invoice_files_status_t st = s3->begin(state, p, key, &w, why);

    for (apr_size_t off = 0; st == OK && off < len; off += chunk) {
        st = s3->put(w, (const char *)data + off,
                     len - off < chunk ? len - off : chunk, why);
    }
    if (st != OK) {
        s3->abort(w);
        return st;
    }
    invoice_sha256(data, len, digest);
    return s3->commit(w, digest, (apr_off_t)len, why);
}

typedef struct {
    unsigned char *data;
    apr_size_t len, cap;
    int calls_left;                 /* refuse after so many calls; -1 never */
} sink_buf_t;

static int to_buffer(void *ctx, const char *data, apr_size_t len)
{
    sink_buf_t *b = ctx;

    if (b->calls_left == 0 || b->len + len > b->cap) {
        return 0;
    }
    if (b->calls_left > 0) {
        b->calls_left--;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 1;
}

static invoice_files_status_t read_into(void *state, apr_pool_t *p,
                                        const char *key, apr_off_t start,
                                        apr_off_t len, sink_buf_t *b,
                                        const char **why)
{
    b->cap = (apr_size_t)len + 1;
    b->data = apr_palloc(p, b->cap);
    b->len = 0;
    if (b->calls_left == 0) {
        b->calls_left = -1;
    }
    return s3->read(state, p, key, start, len, to_buffer, b, why);
}

static void assert_read_equals(void *state, apr_pool_t *p, const char *key,
                               apr_off_t start, apr_off_t len,
                               const unsigned char *expected)
{
    sink_buf_t b = { 0 };
    const char *why = NULL;
    invoice_files_status_t st = read_into(state, p, key, start, len, &b,
                                          &why);

    if (st != OK) {
        fail_msg("read %s: %d %s", key, st, why ? why : "");
    }
    assert_int_equal(b.len, (apr_size_t)len);
    assert_memory_equal(b.data, expected, (size_t)len);
}

typedef struct {
    const char *body;
    size_t len;
    long status;
} fetched_t;

static size_t keep_fetched(char *data, size_t size, size_t n, void *ctx)
{
    fetched_t *f = ctx;
    char *more = realloc((char *)f->body, f->len + size * n + 1);

    if (more == NULL) {
        return 0;
    }
    memcpy(more + f->len, data, size * n);
    f->len += size * n;
    more[f->len] = '\0';
    f->body = more;
    return size * n;
}

/* A plain GET, as a browser given a presigned URL would send it. */
static fetched_t fetch(const char *url, const char *range)
{
    fetched_t f = { NULL, 0, 0 };
    CURL *h = curl_easy_init();

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_fetched);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (range != NULL) {
        curl_easy_setopt(h, CURLOPT_RANGE, range);
    }
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &f.status);
    curl_easy_cleanup(h);
    return f;
}

static int spool_files(void)
{
    apr_pool_t *p;
    apr_dir_t *dir;
    apr_finfo_t fi;
    int n = 0;

    apr_pool_create(&p, root);
    assert_int_equal(apr_dir_open(&dir, spool_dir, p), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME, dir) == APR_SUCCESS) {
        n += strcmp(fi.name, ".") != 0 && strcmp(fi.name, "..") != 0;
    }
    apr_dir_close(dir);
    apr_pool_destroy(p);
    return n;
}

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *keys;
    int stop_after;                 /* 0: never */
} listed_t;

static int collect_key(void *ctx, const char *key)
{
    listed_t *l = ctx;

    APR_ARRAY_PUSH(l->keys, const char *) = apr_pstrdup(l->p, key);
    return l->stop_after == 0 || l->keys->nelts < l->stop_after;
}

static int listed(listed_t *l, const char *key)
{
    for (int i = 0; i < l->keys->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(l->keys, i, const char *), key) == 0) {
            return 1;
        }
    }
    return 0;
}

static int setup(void **state)
{
    apr_pool_t *p;

    apr_pool_create(&p, root);
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    pinned = NULL;
    apr_pool_destroy(*state);
    return 0;
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* A status, and the why of the one that was not expected. */
#define assert_status(call, expected)                                      \
    do {                                                                   \
        invoice_files_status_t got_ = (call);                              \
        if (got_ != (expected)) {                                          \
            fail_msg("%s: status %d, not %d: %s", #call, (int)got_,        \
                     (int)(expected), why ? why : "(no why)");             \
        }                                                                  \
    } while (0)

/* ---- configuration: no network ---- */

static void test_where(void **state)
{
    apr_pool_t *p = *state;
    invoice_s3_store_t *st;
    void *none = NULL;
    invoice_files_settings_t settings = { 0 };
    const char *err;

    use_env_credentials("AK", "SK", NULL);
    st = store_at(p, "HTTPS://S3.Example.COM:443/invoices/a/b/", NULL);
    assert_string_equal(st->endpoint.origin, "https://s3.example.com");
    assert_string_equal(st->endpoint.bucket, "invoices");
    assert_string_equal(st->endpoint.prefix, "a/b");
    assert_false(st->endpoint.virtual_host);
    st = store_at(p, "http://minio:9000/bucket-1", NULL);
    assert_string_equal(st->endpoint.authority, "minio:9000");
    assert_string_equal(st->endpoint.prefix, "");
    st = store_at(p, "https://invoices.s3.eu-west-1.amazonaws.com", NULL);
    assert_true(st->endpoint.virtual_host);
    assert_string_equal(st->endpoint.bucket, "invoices");
    assert_string_equal(st->endpoint.authority,
                        "invoices.s3.eu-west-1.amazonaws.com");
    st = store_at(p, "http://[::1]:9000/b12", NULL);
    assert_string_equal(st->endpoint.origin, "http://[::1]:9000");
    err = s3->configure(p, "https://AKID:secret@host/b12", &settings, &none);
    assert_non_null(err);
    assert_null(strstr(err, "secret"));
    assert_non_null(s3->configure(p, "ftp://host/b12", &settings, &none));
    assert_non_null(s3->configure(p, "http://127.0.0.1:9000", &settings,
                                  &none));
    assert_non_null(s3->configure(p, "http://localhost/", &settings, &none));
    assert_non_null(s3->configure(p, "https://s3.eu-west-1.amazonaws.com",
                                  &settings, &none));
    assert_non_null(s3->configure(p, "http://h/Bad_Bucket", &settings, &none));
    assert_non_null(s3->configure(p, "http://h/b12/a/../c", &settings, &none));
    assert_non_null(s3->configure(p, "http://h/b12?x=1", &settings, &none));
    assert_non_null(s3->configure(p, "http://h:70000/b12", &settings, &none));
    settings.s3_region = "eu:west";
    assert_non_null(s3->configure(p, "http://h/b12", &settings, &none));
    assert_null(none);
}

static const char *write_credentials(apr_pool_t *p, const char *text,
                                     mode_t mode)
{
    const char *path = apr_pstrcat(p, getenv("S3_TEST_DIR"), "/credentials",
                                   NULL);
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
    return path;
}

static void test_credentials_file(void **state)
{
    apr_pool_t *p = *state;
    invoice_files_settings_t settings = { 0 };
    invoice_s3_store_t *st;
    void *none = NULL;
    const char *err;

    use_env_credentials("ENVKEY", "ENVSECRET", NULL);
    settings.s3_credentials_file = write_credentials(p,
        "# comment\n[default]\naws_access_key_id = DEFKEY\n"
        "aws_secret_access_key=DEF/SECRET+x=\n\n[ci]\n"
        "AWS_ACCESS_KEY_ID = CIKEY\r\naws_secret_access_key = CISECRET\r\n"
        "aws_session_token = CITOKEN\r\n", 0600);
    st = store_at(p, "http://h/b12", &settings);
    assert_string_equal(st->client.creds.access_key_id, "DEFKEY");
    assert_string_equal(st->client.creds.secret_access_key, "DEF/SECRET+x=");
    assert_null(st->client.creds.session_token);
    setenv("AWS_PROFILE", "ci", 1);
    st = store_at(p, "http://h/b12", &settings);
    assert_string_equal(st->client.creds.access_key_id, "CIKEY");
    assert_string_equal(st->client.creds.session_token, "CITOKEN");
    settings.s3_profile = "nope";
    err = s3->configure(p, "http://h/b12", &settings, &none);
    assert_non_null(strstr(err, "[nope]"));
    unsetenv("AWS_PROFILE");
    settings.s3_profile = NULL;
    chmod(settings.s3_credentials_file, 0640);
    err = s3->configure(p, "http://h/b12", &settings, &none);
    assert_non_null(strstr(err, settings.s3_credentials_file));
    assert_non_null(strstr(err, "chmod 600"));
    assert_null(strstr(err, "SECRET"));
    write_credentials(p, "[default]\naws_access_key_id = K\n"
                      "aws_secret_access_key =\n", 0600);
    err = s3->configure(p, "http://h/b12", &settings, &none);
    assert_non_null(strstr(err, "aws_secret_access_key"));
    write_credentials(p, "[default]\naws_access_key_id = K\n"
                      "aws_secret_access_key = a b\n", 0600);
    err = s3->configure(p, "http://h/b12", &settings, &none);
    assert_non_null(strstr(err, "control character"));
    assert_null(strstr(err, "a b"));
    settings.s3_credentials_file = "/nonexistent/credentials";
    assert_non_null(s3->configure(p, "http://h/b12", &settings, &none));
    assert_null(none);
}

static void test_environment(void **state)
{
    apr_pool_t *p = *state;
    invoice_files_settings_t settings = { 0 };
    invoice_s3_store_t *st;
    void *none = NULL;
    const char *err;

    use_env_credentials("ENVKEY", "ENVSECRET", "ENVTOKEN");
    setenv("AWS_DEFAULT_REGION", "eu-central-1", 1);
    st = store_at(p, "http://h/b12", &settings);
    assert_string_equal(st->client.creds.access_key_id, "ENVKEY");
    assert_string_equal(st->client.creds.session_token, "ENVTOKEN");
    assert_string_equal(st->client.region, "eu-central-1");
    setenv("AWS_REGION", "eu-west-3", 1);
    st = store_at(p, "http://h/b12", &settings);
    assert_string_equal(st->client.region, "eu-west-3");
    settings.s3_region = "ap-south-1";
    st = store_at(p, "http://h/b12", &settings);
    assert_string_equal(st->client.region, "ap-south-1");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    settings.s3_region = NULL;
    st = store_at(p, "http://h/b12", &settings);
    assert_string_equal(st->client.region, "us-east-1");
    use_env_credentials("ENVKEY", "", NULL);
    err = s3->configure(p, "http://h/b12", &settings, &none);
    assert_non_null(strstr(err, "AWS_SECRET_ACCESS_KEY"));
    use_env_credentials(NULL, NULL, NULL);
    err = s3->configure(p, "http://h/b12", &settings, &none);
    assert_non_null(strstr(err, "AWS_ACCESS_KEY_ID"));
    assert_null(none);
}

/* AWS's published example of a presigned URL ("Authenticating Requests:
 * Using Query Parameters", GET test.txt on 2013-05-24 for 86400 s). */
static void test_presign_aws_example(void **state)
{
    apr_pool_t *p = *state;
    invoice_files_settings_t settings = { 0 };
    void *st;

    use_env_credentials("AKIAIOSFODNN7EXAMPLE",
                        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL);
    settings.s3_region = "us-east-1";
    st = store_at(p, "https://examplebucket.s3.amazonaws.com", &settings);
    assert_string_equal(
        invoice_s3_presign_at(st, p, "test.txt", 86400,
                              apr_time_from_sec(1369353600)),
        "https://examplebucket.s3.amazonaws.com/test.txt"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3"
        "%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
        "&X-Amz-SignedHeaders=host&X-Amz-Signature="
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    assert_null(s3->presign(st, p, "test.txt", 0));
    assert_null(s3->presign(st, p, "test.txt", 604801));
    assert_null(s3->presign(st, p, "a/../test.txt", 60));
    assert_null(s3->presign(st, p, "", 60));
}

/* ---- against the proxy and s3rver ---- */

static void test_put_read_range(void **state)
{
    apr_pool_t *p = *state;
    void *st = default_store(p);
    unsigned char *data = random_bytes(p, 7000, 7);
    const char *why = NULL;
    void *w;

    assert_status(write_file(st, p, "small", data, 7000, 3000, &why), OK);
    assert_int_equal(spool_files(), 0);
    assert_read_equals(st, p, "small", 0, 7000, data);
    assert_read_equals(st, p, "small", 1000, 2500, data + 1000);
    assert_read_equals(st, p, "small", 6999, 1, data + 6999);
    /* s3rver answers "bytes=0-0" with the whole object: one byte given. */
    assert_read_equals(st, p, "small", 0, 1, data);
    assert_read_equals(st, p, "small", 10, 0, data);
    /* The spool is unlinked as soon as it exists. */
    assert_status(s3->begin(st, p, "spooled", &w, &why), OK);
    assert_status(s3->put(w, "abc", 3, &why), OK);
    assert_int_equal(spool_files(), 0);
    s3->abort(w);
    assert_status(s3->check(st, p, &why), OK);
}

static void test_big_file(void **state)
{
    apr_pool_t *p = *state;
    void *st = default_store(p);
    unsigned char *data = random_bytes(p, BIG, 20);
    const char *why = NULL;

    assert_status(write_file(st, p, "big", data, BIG, 65536 + 17, &why), OK);
    assert_read_equals(st, p, "big", 0, BIG, data);
    assert_read_equals(st, p, "big", 5 * 1024 * 1024 + 3, 1024 * 1024,
                       data + 5 * 1024 * 1024 + 3);
}

/* One handle lent again and again: its connection too. */
static void test_connections_reused(void **state)
{
    apr_pool_t *p = *state;
    void *st = default_store(p);
    const char *why = NULL;
    long before;

    assert_status(write_file(st, p, "reused", (const unsigned char *)"0123",
                             4, 4, &why), OK);
    before = __atomic_load_n(&connections, __ATOMIC_RELAXED);
    for (int i = 0; i < 20; i++) {
        /* Not from byte 0 alone: s3rver answers "bytes=0-0" with the
         * whole object, and stopping a transfer closes its connection. */
        assert_read_equals(st, p, "reused", 1 + i % 3, 1,
                           (const unsigned char *)"0123" + 1 + i % 3);
        assert_status(s3->check(st, p, &why), OK);
    }
    assert_int_equal(__atomic_load_n(&connections, __ATOMIC_RELAXED) - before,
                     0);
}

static void test_empty_file(void **state)
{
    apr_pool_t *p = *state;
    void *st = default_store(p);
    const char *why = NULL;
    sink_buf_t b = { 0 };

    assert_status(write_file(st, p, "empty", (const unsigned char *)"", 0,
                             1, &why), OK);
    assert_status(read_into(st, p, "empty", 0, 0, &b, &why), OK);
    assert_int_equal(b.len, 0);
}

static void test_remove(void **state)
{
    apr_pool_t *p = *state;
    void *st = default_store(p);
    const char *why = NULL;
    sink_buf_t b = { 0 };
    invoice_files_status_t again;

    assert_status(write_file(st, p, "gone", (const unsigned char *)"x", 1,
                             1, &why), OK);
    assert_status(s3->remove(st, p, "gone", &why), OK);
    assert_status(read_into(st, p, "gone", 0, 1, &b, &why),
                  INVOICE_FILES_NOT_FOUND);
    assert_non_null(strstr(why, "t/gone"));
    assert_status(read_into(st, p, "gone", 0, 0, &b, &why),
                  INVOICE_FILES_NOT_FOUND);
    why = NULL;
    again = s3->remove(st, p, "gone", &why);
    assert_true(again == OK || again == INVOICE_FILES_NOT_FOUND);
}

static void test_abort_and_bad_commits(void **state)
{
    apr_pool_t *p = *state;
    void *st = default_store(p);
    unsigned char wrong[INVOICE_SHA256_LEN] = { 0 };
    const char *why = NULL;
    sink_buf_t b = { 0 };
    void *w;

    assert_status(s3->begin(st, p, "aborted", &w, &why), OK);
    assert_status(s3->put(w, "abc", 3, &why), OK);
    s3->abort(w);
    s3->abort(w);
    assert_status(read_into(st, p, "aborted", 0, 3, &b, &why),
                  INVOICE_FILES_NOT_FOUND);
    /* A size that is not what was put: refused before any request. */
    assert_status(s3->begin(st, p, "sized", &w, &why), OK);
    assert_status(s3->put(w, "abc", 3, &why), OK);
    assert_status(s3->commit(w, wrong, 4, &why), INVOICE_FILES_MISCONFIGURED);
    /* A digest that is not the body's: S3 (the proxy) refuses the body. */
    assert_status(s3->begin(st, p, "digest", &w, &why), OK);
    assert_status(s3->put(w, "abc", 3, &why), OK);
    assert_status(s3->commit(w, wrong, 3, &why), INVOICE_FILES_UNAVAILABLE);
    assert_non_null(strstr(why, "XAmzContentSHA256Mismatch"));
    assert_status(read_into(st, p, "digest", 0, 3, &b, &why),
                  INVOICE_FILES_NOT_FOUND);
    assert_status(s3->begin(st, p, "", &w, &why), INVOICE_FILES_MISCONFIGURED);
    assert_status(s3->begin(st, p, "a/./b", &w, &why),
                  INVOICE_FILES_MISCONFIGURED);
    assert_status(read_into(st, p, "../x", 0, 1, &b, &why),
                  INVOICE_FILES_NOT_FOUND);
    assert_int_equal(spool_files(), 0);
}

static void test_sink_refuses(void **state)
{
    apr_pool_t *p = *state;
    void *st = default_store(p);
    unsigned char *data = random_bytes(p, 300000, 3);
    const char *why = NULL;
    sink_buf_t b = { 0 };

    assert_status(write_file(st, p, "refused", data, 300000, 100000,
                             &why), OK);
    b.calls_left = 1;
    assert_status(read_into(st, p, "refused", 0, 300000, &b, &why),
                  INVOICE_FILES_ABORTED);
    assert_true(b.len > 0 && b.len < 300000);
    assert_read_equals(st, p, "refused", 0, 300000, data);
}

static void test_list(void **state)
{
    apr_pool_t *p = *state;
    invoice_s3_store_t *st;
    listed_t l = { p, apr_array_make(p, 8, sizeof(const char *)), 0 };
    const char *where = apr_psprintf(p, "/invoices/list-%d", (int)getpid());
    const char *why = NULL;
    apr_time_t before_puts = apr_time_now() - apr_time_from_sec(2);
    apr_time_t between = 0;
    char key[2] = "a";

    use_env_credentials("S3RVER", "S3RVER", NULL);
    st = store_at(p, local_where(p, port, where), NULL);
    st->list_page_size = 2;         /* 5 keys: 3 pages */
    for (; key[0] < 'f'; key[0]++) {
        if (key[0] == 'c') {
            /* Listings give times to the second (AWS's too): c, d and e
             * are written in a later second than a and b. */
            between = apr_time_from_sec(apr_time_sec(apr_time_now()) + 1);
            apr_sleep(between - apr_time_now() + apr_time_from_msec(10));
        }
        assert_status(write_file(st, p, key, (const unsigned char *)key, 1,
                                 1, &why), OK);
    }
    assert_status(s3->list(st, p, apr_time_now() + apr_time_from_sec(60),
                           collect_key, &l, &why), OK);
    assert_int_equal(l.keys->nelts, 5);
    assert_true(listed(&l, "a") && listed(&l, "e"));
    l.keys->nelts = 0;
    assert_status(s3->list(st, p, between, collect_key, &l, &why), OK);
    assert_int_equal(l.keys->nelts, 2);
    assert_true(listed(&l, "a") && listed(&l, "b"));
    l.keys->nelts = 0;
    assert_status(s3->list(st, p, before_puts, collect_key, &l, &why), OK);
    assert_int_equal(l.keys->nelts, 0);
    l.stop_after = 3;
    assert_status(s3->list(st, p, apr_time_now() + apr_time_from_sec(60),
                           collect_key, &l, &why), OK);
    assert_int_equal(l.keys->nelts, 3);
}

static void test_odd_keys(void **state)
{
    static const char *const keys[] = {
        "inv 2024/a+b=c&d~\xc3\xa9(1)!*'@:,;$.pdf", "x<y>&\"q\" #1?",
        "percent%20literal", "\xc3\xbc/\xe2\x82\xac 100", "..x/.y~",
    };
    apr_pool_t *p = *state;
    invoice_s3_store_t *st;
    listed_t l = { p, apr_array_make(p, 8, sizeof(const char *)), 0 };
    const char *why = NULL;
    fetched_t f;

    use_env_credentials("S3RVER", "S3RVER", NULL);
    st = store_at(p, local_where(p, port, "/invoices/odd"), NULL);
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
        const unsigned char *data = (const unsigned char *)keys[i];
        apr_off_t n = (apr_off_t)strlen(keys[i]);

        assert_status(write_file(st, p, keys[i], data, (apr_size_t)n, 4,
                                 &why), OK);
        assert_read_equals(st, p, keys[i], 0, n, data);
    }
    assert_status(s3->list(st, p, apr_time_now() + apr_time_from_sec(60),
                           collect_key, &l, &why), OK);
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
        assert_true(listed(&l, keys[i]));
    }
    f = fetch(s3->presign(st, p, keys[0], 60), NULL);
    assert_int_equal(f.status, 200);
    assert_string_equal(f.body, keys[0]);
    free((char *)f.body);
}

static void test_presigned_get(void **state)
{
    apr_pool_t *p = *state;
    void *st = default_store(p);
    unsigned char *data = random_bytes(p, 5000, 5);
    const char *why = NULL, *url;
    char *tampered;
    fetched_t f;

    assert_status(write_file(st, p, "shared", data, 5000, 5000, &why), OK);
    url = s3->presign(st, p, "shared", 60);
    assert_non_null(strstr(url, "X-Amz-Expires=60&"));
    f = fetch(url, NULL);
    assert_int_equal(f.status, 200);
    assert_int_equal(f.len, 5000);
    assert_memory_equal(f.body, data, 5000);
    free((char *)f.body);
    f = fetch(url, "100-199");
    assert_int_equal(f.status, 206);
    assert_memory_equal(f.body, data + 100, 100);
    free((char *)f.body);
    tampered = apr_pstrdup(p, url);
    tampered[strlen(tampered) - 1] = tampered[strlen(tampered) - 1] == '0'
                                         ? '1' : '0';
    f = fetch(tampered, NULL);
    assert_int_equal(f.status, 403);
    assert_non_null(strstr(f.body, "SignatureDoesNotMatch"));
    free((char *)f.body);
    url = invoice_s3_presign_at(st, p, "shared", 60,
                                apr_time_now() - apr_time_from_sec(3600));
    f = fetch(url, NULL);
    assert_int_equal(f.status, 403);
    assert_non_null(strstr(f.body, "expired"));
    free((char *)f.body);
}

static void test_session_token(void **state)
{
    apr_pool_t *p = *state;
    void *st;
    const char *why = NULL, *url;
    fetched_t f;

    use_env_credentials("S3RVER", "S3RVER", token);
    st = store_at(p, local_where(p, port, "/invoices/t"), NULL);
    assert_status(write_file(st, p, "tok", (const unsigned char *)"tk", 2,
                             2, &why), OK);
    assert_read_equals(st, p, "tok", 0, 2, (const unsigned char *)"tk");
    url = s3->presign(st, p, "tok", 60);
    assert_non_null(strstr(url, "X-Amz-Security-Token="));
    f = fetch(url, NULL);
    assert_int_equal(f.status, 200);
    free((char *)f.body);
    use_env_credentials("S3RVER", "S3RVER", "not-the-token");
    st = store_at(p, local_where(p, port, "/invoices/t"), NULL);
    assert_status(s3->check(st, p, &why), INVOICE_FILES_MISCONFIGURED);
    assert_non_null(strstr(why, "InvalidToken"));
    assert_null(strstr(why, "not-the-token"));
    f = fetch(s3->presign(st, p, "tok", 60), NULL);
    assert_int_equal(f.status, 403);
    free((char *)f.body);
}

static void test_wrong_credentials(void **state)
{
    apr_pool_t *p = *state;
    void *st;
    const char *why = NULL;
    sink_buf_t b = { 0 };
    fetched_t f;

    use_env_credentials("S3RVER", "WRONG-SECRET", NULL);
    st = store_at(p, local_where(p, port, "/invoices/t"), NULL);
    assert_status(s3->check(st, p, &why), INVOICE_FILES_MISCONFIGURED);
    assert_non_null(strstr(why, "S3 refused the credentials for bucket "
                                "invoices"));
    assert_non_null(strstr(why, "SignatureDoesNotMatch"));
    assert_null(strstr(why, "WRONG-SECRET"));
    assert_status(write_file(st, p, "w", (const unsigned char *)"w", 1, 1,
                             &why), INVOICE_FILES_MISCONFIGURED);
    assert_status(read_into(st, p, "small", 0, 1, &b, &why),
                  INVOICE_FILES_MISCONFIGURED);
    f = fetch(s3->presign(st, p, "small", 60), NULL);
    assert_int_equal(f.status, 403);
    free((char *)f.body);
    use_env_credentials("NOBODY", "S3RVER", NULL);
    st = store_at(p, local_where(p, port, "/invoices/t"), NULL);
    assert_status(s3->check(st, p, &why), INVOICE_FILES_MISCONFIGURED);
    assert_non_null(strstr(why, "InvalidAccessKeyId"));
}

static void test_missing_bucket(void **state)
{
    apr_pool_t *p = *state;
    void *st;
    const char *why = NULL;

    use_env_credentials("S3RVER", "S3RVER", NULL);
    st = store_at(p, local_where(p, port, "/nobucket"), NULL);
    assert_status(s3->check(st, p, &why), INVOICE_FILES_MISCONFIGURED);
    assert_string_equal(why, apr_psprintf(p, "no bucket nobucket at "
                                          "127.0.0.1:%d", port));
    assert_status(write_file(st, p, "x", (const unsigned char *)"x", 1, 1,
                             &why), INVOICE_FILES_MISCONFIGURED);
}

/* A socket listening on a free loopback port. */
static int listening_socket(int *at_port)
{
    struct sockaddr_in a = { 0 };
    socklen_t n = sizeof(a);
    int s = socket(AF_INET, SOCK_STREAM, 0);

    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s, 8), 0);
    getsockname(s, (struct sockaddr *)&a, &n);
    *at_port = ntohs(a.sin_port);
    return s;
}

/* A port nobody listens on (it did, a moment ago). */
static int closed_port(void)
{
    int at;

    close(listening_socket(&at));
    return at;
}

static void test_stopped_server(void **state)
{
    apr_pool_t *p = *state;
    void *st;
    const char *why = NULL;
    sink_buf_t b = { 0 };

    use_env_credentials("S3RVER", "S3RVER", NULL);
    st = store_at(p, local_where(p, closed_port(), "/invoices"), NULL);
    assert_status(s3->check(st, p, &why), INVOICE_FILES_UNAVAILABLE);
    assert_non_null(strstr(why, "no answer from S3 at 127.0.0.1:"));
    assert_status(read_into(st, p, "small", 0, 1, &b, &why),
                  INVOICE_FILES_UNAVAILABLE);
    assert_status(write_file(st, p, "x", (const unsigned char *)"x", 1, 1,
                             &why), INVOICE_FILES_UNAVAILABLE);
    assert_status(s3->remove(st, p, "x", &why), INVOICE_FILES_UNAVAILABLE);
    assert_int_equal(spool_files(), 0);
}

/* A server that takes the connection and never answers: the no-progress
 * bound (the settings' timeout) ends the request. */
static void test_silent_server(void **state)
{
    apr_pool_t *p = *state;
    invoice_files_settings_t settings = { 0 };
    int at, s = listening_socket(&at);  /* the kernel accepts, nobody reads */
    const char *why = NULL;
    apr_time_t t0;
    void *st;

    use_env_credentials("S3RVER", "S3RVER", NULL);
    settings.timeout = apr_time_from_sec(1);
    st = store_at(p, local_where(p, at, "/invoices"), &settings);
    t0 = apr_time_now();
    assert_status(s3->check(st, p, &why), INVOICE_FILES_UNAVAILABLE);
    assert_true(apr_time_now() - t0 < apr_time_from_sec(8));
    assert_non_null(strstr(why, "no answer from S3"));
    close(s);
}

/* ---- what S3 services may answer, from a canned server ---- */

typedef struct {
    int listener;
    const char *answer;             /* to the one request it takes */
} canned_t;

/* One request (headers only: no PUT here), one answer, then close. */
static void *APR_THREAD_FUNC serve_canned(apr_thread_t *thread, void *data)
{
    canned_t *c = data;
    char buf[8192];
    size_t got = 0;
    ssize_t n;
    int s = accept(c->listener, NULL, NULL);

    while (s >= 0 && got < sizeof(buf) - 1
           && (n = read(s, buf + got, sizeof(buf) - 1 - got)) > 0) {
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL) {
            break;
        }
    }
    if (s >= 0) {
        n = write(s, c->answer, strlen(c->answer));
        close(s);
    }
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

typedef struct {
    const char *what;
    const char *op;                 /* "read", "list", "remove", "check" */
    const char *status;             /* the answer: "200 OK" */
    const char *headers;            /* "Name: value\r\n"... */
    const char *body;
    invoice_files_status_t expected;
    const char *bytes_or_why;       /* read: the bytes; else: in the why */
} canned_case_t;

static const canned_case_t canned_cases[] = {
    { "Range ignored", "read", "200 OK", "", "0123456789", OK, "2345" },
    { "more than asked", "read", "206 Partial Content",
      "Content-Range: bytes 1-9/10\r\n", "123456789", OK, "2345" },
    { "from beyond", "read", "206 Partial Content",
      "Content-Range: bytes 4-5/10\r\n", "45", INVOICE_FILES_UNAVAILABLE,
      "from beyond byte 2" },
    { "no Content-Range", "read", "206 Partial Content", "", "2345",
      INVOICE_FILES_UNAVAILABLE, "without a Content-Range" },
    { "shorter object", "read", "206 Partial Content",
      "Content-Range: bytes 2-3/4\r\n", "23", INVOICE_FILES_MISCONFIGURED,
      "ends before byte 6" },
    { "slow down", "read", "503 Slow Down", "", "<Error><Code>SlowDown</Code>"
      "<Message>Please reduce your request rate.</Message></Error>",
      INVOICE_FILES_UNAVAILABLE,
      "answered 503: SlowDown: Please reduce your request rate." },
    { "wrong endpoint", "check", "301 Moved Permanently", "",
      "<Error><Code>PermanentRedirect</Code></Error>",
      INVOICE_FILES_MISCONFIGURED,
      "sends bucket invoices elsewhere (301, PermanentRedirect)" },
    { "wrong region", "check", "400 Bad Request", "",
      "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region "
      "'us-east-1' is wrong; expecting 'eu-west-1'</Message></Error>",
      INVOICE_FILES_MISCONFIGURED, "expecting 'eu-west-1'" },
    { "a proxy's page", "check", "502 Bad Gateway", "", "<html>oops</html>",
      INVOICE_FILES_UNAVAILABLE, "answered 502: HTTP 502" },
    { "not a listing", "list", "200 OK", "", "<html>oops</html>",
      INVOICE_FILES_UNAVAILABLE, "where a listing was expected" },
    { "endless listing", "list", "200 OK", "", "<ListBucketResult>"
      "<IsTruncated>true</IsTruncated></ListBucketResult>",
      INVOICE_FILES_UNAVAILABLE, "without a NextContinuationToken" },
    { "no key", "remove", "404 Not Found", "",
      "<Error><Code>NoSuchKey</Code></Error>", INVOICE_FILES_NOT_FOUND,
      "no object k in bucket invoices" },
};

static int never_called(void *ctx, const char *key)
{
    return 0;
}

static invoice_files_status_t run_canned(apr_pool_t *p,
                                         const canned_case_t *c,
                                         sink_buf_t *b, const char **why)
{
    canned_t server = { 0 };
    apr_thread_t *thread;
    apr_status_t rv;
    invoice_files_status_t st;
    int at;
    void *store;

    server.listener = listening_socket(&at);
    server.answer = apr_psprintf(p, "HTTP/1.1 %s\r\n%sContent-Length: %d\r\n"
                                 "Connection: close\r\n\r\n%s", c->status,
                                 c->headers, (int)strlen(c->body), c->body);
    assert_int_equal(apr_thread_create(&thread, NULL, serve_canned, &server,
                                       p), APR_SUCCESS);
    use_env_credentials("S3RVER", "S3RVER", NULL);
    store = store_at(p, local_where(p, at, "/invoices"), NULL);
    if (strcmp(c->op, "read") == 0) {
        st = read_into(store, p, "k", 2, 4, b, why);
    } else if (strcmp(c->op, "list") == 0) {
        st = s3->list(store, p, apr_time_now(), never_called, NULL, why);
    } else if (strcmp(c->op, "remove") == 0) {
        st = s3->remove(store, p, "k", why);
    } else {
        st = s3->check(store, p, why);
    }
    apr_thread_join(&rv, thread);
    close(server.listener);
    return st;
}

static void test_canned_answers(void **state)
{
    apr_pool_t *p = *state;

    for (size_t i = 0; i < sizeof(canned_cases) / sizeof(*canned_cases);
         i++) {
        const canned_case_t *c = &canned_cases[i];
        const char *why = NULL;
        sink_buf_t b = { 0 };
        invoice_files_status_t st = run_canned(p, c, &b, &why);

        if (st != c->expected) {
            fail_msg("%s: status %d, not %d: %s", c->what, (int)st,
                     (int)c->expected, why ? why : "(no why)");
        }
        if (st == OK && strcmp(c->op, "read") == 0) {
            assert_int_equal(b.len, strlen(c->bytes_or_why));
            assert_memory_equal(b.data, c->bytes_or_why, b.len);
        } else if (st != OK && strstr(why, c->bytes_or_why) == NULL) {
            fail_msg("%s: the why is \"%s\"", c->what, why);
        }
    }
}

static apr_status_t free_slist(void *list)
{
    curl_slist_free_all(list);
    return APR_SUCCESS;
}

static void test_virtual_host(void **state)
{
    apr_pool_t *p = *state;
    const char *host = "invoices.s3.eu-west-1.amazonaws.com";
    listed_t l = { p, apr_array_make(p, 8, sizeof(const char *)), 0 };
    const char *why = NULL;
    fetched_t f;
    void *st;

    pinned = curl_slist_append(NULL, apr_psprintf(p, "%s:%d:127.0.0.1",
                                                  host, port));
    apr_pool_cleanup_register(p, pinned, free_slist, apr_pool_cleanup_null);
    use_env_credentials("S3RVER", "S3RVER", NULL);
    st = store_at(p, apr_psprintf(p, "http://%s:%d", host, port), NULL);
    assert_status(s3->check(st, p, &why), OK);
    assert_status(write_file(st, p, "vhost/one", (const unsigned char *)
                             "v1", 2, 2, &why), OK);
    assert_read_equals(st, p, "vhost/one", 0, 2, (const unsigned char *)"v1");
    assert_status(s3->list(st, p, apr_time_now() + apr_time_from_sec(60),
                           collect_key, &l, &why), OK);
    assert_true(listed(&l, "vhost/one"));
    f = fetch(s3->presign(st, p, "vhost/one", 60), NULL);
    assert_int_equal(f.status, 200);
    assert_string_equal(f.body, "v1");
    free((char *)f.body);
    /* The same object, path style: the bucket is the same. */
    pinned = NULL;
    st = store_at(p, local_where(p, port, "/invoices"), NULL);
    assert_read_equals(st, p, "vhost/one", 0, 2, (const unsigned char *)"v1");
}

typedef struct {
    void *store;
    apr_pool_t *p;
    int id;
    int failures;
} worker_t;

static void *APR_THREAD_FUNC worker(apr_thread_t *thread, void *data)
{
    worker_t *w = data;
    unsigned char *bytes = random_bytes(w->p, 50000, (uint32_t)w->id + 1);

    for (int i = 0; i < 10; i++) {
        const char *key = apr_psprintf(w->p, "thread-%d-%d", w->id, i);
        const char *why = NULL;
        sink_buf_t b = { 0 };

        if (write_file(w->store, w->p, key, bytes, 50000, 8192, &why) != OK
            || read_into(w->store, w->p, key, 0, 50000, &b, &why) != OK
            || memcmp(b.data, bytes, 50000) != 0
            || s3->remove(w->store, w->p, key, &why) != OK) {
            w->failures++;
        }
    }
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

/* One instance, several threads at once: handles lent, never shared. */
static void test_threads(void **state)
{
    apr_pool_t *p = *state;
    void *st = default_store(p);
    apr_thread_t *threads[6];
    worker_t workers[6];

    for (int i = 0; i < 6; i++) {
        workers[i] = (worker_t){ st, NULL, i, 0 };
        apr_pool_create(&workers[i].p, p);
        assert_int_equal(apr_thread_create(&threads[i], NULL, worker,
                                           &workers[i], p), APR_SUCCESS);
    }
    for (int i = 0; i < 6; i++) {
        apr_status_t rv;

        apr_thread_join(&rv, threads[i]);
        assert_int_equal(workers[i].failures, 0);
    }
    assert_int_equal(spool_files(), 0);
}

static void test_no_child_init(void **state)
{
    apr_pool_t *p = *state;
    invoice_files_settings_t settings = { 0 };
    const char *why = NULL;
    void *st = NULL;

    use_env_credentials("S3RVER", "S3RVER", NULL);
    assert_null(s3->configure(p, local_where(p, port, "/invoices"), &settings,
                              &st));
    assert_status(s3->remove(st, p, "x", &why), INVOICE_FILES_UNAVAILABLE);
    assert_non_null(strstr(why, "child_init"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_where),
        TEST(test_credentials_file),
        TEST(test_environment),
        TEST(test_presign_aws_example),
        TEST(test_put_read_range),
        TEST(test_big_file),
        TEST(test_connections_reused),
        TEST(test_empty_file),
        TEST(test_remove),
        TEST(test_abort_and_bad_commits),
        TEST(test_sink_refuses),
        TEST(test_list),
        TEST(test_odd_keys),
        TEST(test_presigned_get),
        TEST(test_session_token),
        TEST(test_wrong_credentials),
        TEST(test_missing_bucket),
        TEST(test_stopped_server),
        TEST(test_silent_server),
        TEST(test_canned_answers),
        TEST(test_virtual_host),
        TEST(test_threads),
        TEST(test_no_child_init),
    };
    static const char *const inherited[] = {
        "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN",
    };
    static char spool[4096];
    const char *dir = getenv("S3_TEST_DIR");
    int failed;

    if (getenv("S3_TEST_PORT") == NULL || dir == NULL
        || getenv("S3_TEST_TOKEN") == NULL) {
        fprintf(stderr, "S3_TEST_PORT, S3_TEST_TOKEN and S3_TEST_DIR are "
                "needed: run make test-s3\n");
        return 2;
    }
    port = atoi(getenv("S3_TEST_PORT"));
    token = getenv("S3_TEST_TOKEN");
    /* Uploads spool there: apr_temp_dir_get reads TMPDIR (once). */
    snprintf(spool, sizeof(spool), "%s/spool", dir);
    mkdir(spool, 0700);
    setenv("TMPDIR", spool, 1);
    spool_dir = spool;
    for (size_t i = 0; i < sizeof(inherited) / sizeof(*inherited); i++) {
        unsetenv(inherited[i]);
    }
    apr_initialize();
    apr_pool_create(&root, NULL);
    failed = cmocka_run_group_tests_name("s3", tests, NULL, NULL);
    apr_pool_destroy(root);
    apr_terminate();
    return failed;
}
