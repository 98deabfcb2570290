/* The client side of the fault tests.  See client.h. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "client.h"
#include "proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- HTTP */

/* libcurl's write callback: the body appended to r->body (or hashed). */
static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    http_resp_t *r = ud;
    size_t k = sz * n;
    if (r->md) {
        EVP_DigestUpdate(r->md, p, k);
        return k;
    }
    char *nb = realloc(r->body, r->len + k + 1);
    if (!nb)
        return 0;
    r->body = nb;
    memcpy(r->body + r->len, p, k);
    r->len += k;
    r->body[r->len] = '\0';
    return k;
}

/* libcurl's header callback: the status line starts a response afresh,
 * then Retry-After, Content-Type and Idempotent-Replayed are noted. */
static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    http_resp_t *r = ud;
    size_t k = sz * n;
    if (k >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        r->retry_after = -1;
        r->problem = 0;
        r->replayed = 0;
    }
    else if (k > 12 && strncasecmp(p, "Retry-After:", 12) == 0)
        r->retry_after = atol(p + 12);
    else if (k > 13 && strncasecmp(p, "Content-Type:", 13) == 0)
        r->problem = memmem(p, k, "application/problem+json", 24) != NULL;
    else if (k >= 25 && strncasecmp(p, "Idempotent-Replayed: true", 25) == 0)
        r->replayed = 1;
    return k;
}

/* "<name>: <value>" appended to h when value is not NULL. */
static struct curl_slist *add_header(struct curl_slist *h, const char *name, const char *value)
{
    char line[256];
    if (!value)
        return h;
    snprintf(line, sizeof line, "%s: %s", name, value);
    return curl_slist_append(h, line);
}

struct curl_slist *http_headers(const char *auth, const char *key, const char *ctype)
{
    struct curl_slist *h = add_header(NULL, "Authorization", auth);
    h = add_header(h, "Idempotency-Key", key);
    h = add_header(h, "Content-Type", ctype);
    return curl_slist_append(h, "Expect:");
}

void http_prepare(CURL *c, const http_req_t *q, http_resp_t *r)
{
    memset(r, 0, sizeof *r);
    r->retry_after = -1;
    r->md = q->hash_body;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, q->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, q->headers);
    if (q->body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->len);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, q->timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    /* A fresh connection per request: a reset then means that this
     * request was cut (not a stale pooled connection), and its time is
     * its own. */
    if (!q->keep_alive) {
        curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    }
}

long http_status(CURL *c, CURLcode rc)
{
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

long http_perform(CURL *c, const http_req_t *q, http_resp_t *r, int *curl_code)
{
    http_prepare(c, q, r);
    CURLcode rc = curl_easy_perform(c);
    *curl_code = (int)rc;
    return http_status(c, rc);
}

int data_string(const char *body, const char *field, char *out, size_t cap)
{
    json_object *root = body ? json_tokener_parse(body) : NULL, *data, *v;
    int len = -1;

    out[0] = '\0';
    if (root && json_object_object_get_ex(root, "data", &data)
        && json_object_object_get_ex(data, field, &v)
        && json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        snprintf(out, cap, "%s", s);
        len = (int)strlen(s);
    }
    json_object_put(root);
    return len;
}

int url_port(const char *url)
{
    const char *colon = strrchr(url, ':');
    return colon ? atoi(colon + 1) : 0;
}

/* ------------------------------------------------------ a test binary */

const char *need_env(const char *name, const char *script)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "%s: %s is not set (run through %s)\n",
                program_invocation_short_name, name, script);
        exit(2);
    }
    return v;
}

int env_int(const char *name, int def, int lo, int hi)
{
    const char *v = getenv(name);
    int n = v && *v ? atoi(v) : def;
    return n < lo || n > hi ? def : n;
}

void *read_seed(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return read_file(path, len);
}

void client_start(void)
{
    srand((unsigned)time(NULL) ^ ((unsigned)getpid() << 16));
    curl_global_init(CURL_GLOBAL_ALL);
    signal(SIGPIPE, SIG_IGN);
}

int random_party(void)
{
    return 1000000 + rand() % 1000000000;
}

int report_run(int failed, size_t total)
{
    if (failed < 0 || (size_t)failed > total)
        failed = (int)total;
    printf("%zu passed, %d failed\n", total - (size_t)failed, failed);
    return failed ? 1 : 0;
}

/* ------------------------------------------------------------- records */

void records_add(records_t *l, const void *rec)
{
    pthread_mutex_lock(&l->mu);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        void *at = realloc(l->at, cap * l->size);
        if (!at) {
            fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
            abort();
        }
        l->at = at;
        l->cap = cap;
    }
    memcpy((char *)l->at + l->n * l->size, rec, l->size);
    l->n++;
    pthread_mutex_unlock(&l->mu);
}

size_t records_count(records_t *l)
{
    pthread_mutex_lock(&l->mu);
    size_t n = l->n;
    pthread_mutex_unlock(&l->mu);
    return n;
}

void *records_copy(records_t *l, size_t *n)
{
    pthread_mutex_lock(&l->mu);
    void *copy = malloc((l->n ? l->n : 1) * l->size);
    if (!copy) {
        fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
        abort();
    }
    if (l->n)
        memcpy(copy, l->at, l->n * l->size);
    *n = l->n;
    pthread_mutex_unlock(&l->mu);
    return copy;
}

void records_free(records_t *l)
{
    free(l->at);
    l->at = NULL;
    l->n = l->cap = 0;
}

/* ---------------------------------------------------------- PostgreSQL */

PGconn *db_connect(const char *dsn, const char *what)
{
    PGconn *c = PQconnectdb(dsn);
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        PQfinish(c);
        fail_msg("%s: %s", what, msg);
    }
    return c;
}

void db_fail(PGconn *c, PGresult *res, const char *what)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
    PQclear(res);
    PQfinish(c);
    fail_msg("%s: %s", what, msg);
}

invoice_id_t *insert_unpaid_invoices(PGconn *c, int receiver, int n, int *got)
{
    char sql[600];
    snprintf(sql, sizeof sql,
             "WITH inv AS (INSERT INTO invoices (id, sender_id, receiver_id, file_type, "
             "file_size, file_sha256) SELECT gen_random_uuid(), 1, %d, 'application/pdf', "
             "5, sha256('%%PDF-') FROM generate_series(1, %d) RETURNING id), "
             "f AS (INSERT INTO invoice_files SELECT id, '%%PDF-' FROM inv) "
             "SELECT id FROM inv", receiver, n);
    PGresult *res = PQexec(c, sql);
    invoice_id_t *ids = NULL;

    *got = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        int rows = PQntuples(res);
        ids = calloc(rows ? (size_t)rows : 1, sizeof *ids);
        for (int i = 0; ids && i < rows; i++)
            snprintf(ids[i], sizeof ids[i], "%s", PQgetvalue(res, i, 0));
        *got = ids ? rows : 0;
    }
    PQclear(res);
    return ids;
}

/* ------------------------------------------------------------- SHA-256 */

void sha256_hex(const void *d, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int len = sizeof md;
    EVP_Digest(d, n, md, &len, EVP_sha256(), NULL);
    digest_hex(md, out);
}

void digest_hex(const unsigned char md[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ------------------------------------------------------------- pgproxy */

long pgproxy_command(int port, const char *command)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char answer[64] = "";

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0
        || write(fd, command, strlen(command)) < 0 || read(fd, answer, sizeof answer - 1) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    close(fd);
    return strtol(answer, NULL, 10);
}

unsigned char *store_file_read(const char *file_store, const char *id,
                               size_t *len)
{
    char path[4096];
    size_t n = strlen(id);
    FILE *f;
    unsigned char *out = NULL;
    long size;

    *len = 0;
    if (strncmp(file_store, "file:", 5) != 0 || n < 2)
        return NULL;
    snprintf(path, sizeof path, "%s/%s/%s", file_store + 5, id + n - 2, id);
    if ((f = fopen(path, "rb")) == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0
        && fseek(f, 0, SEEK_SET) == 0 && (out = malloc((size_t)size + 1)) != NULL
        && fread(out, 1, (size_t)size, f) == (size_t)size)
        *len = (size_t)size;
    else {
        free(out);
        out = NULL;
    }
    fclose(f);
    return out;
}
