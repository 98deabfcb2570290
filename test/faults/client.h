/* The client side of the fault tests: HTTP requests (libcurl) and what
 * their answers said, PostgreSQL (libpq) and pgproxy helpers, the
 * environment and seed files a test binary starts from, and the lists its
 * threads record into.  Shared by test_faults.c, test_retries.c,
 * test_resilience.c, test_floods.c and test_failover.c; processes and time
 * are in proc.h.  Failing helpers fail the running cmocka test (fail_msg). */
#ifndef INVOICE_FAULTS_CLIENT_H
#define INVOICE_FAULTS_CLIENT_H

#include <curl/curl.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stddef.h>

/* ---------------------------------------------------------------- HTTP */

/* One request.  A field left out of a designated initializer means: no
 * header, GET, no client timeout, a fresh connection, the body kept. */
typedef struct {
    const char *url;
    struct curl_slist *headers;   /* NULL: none (see http_headers) */
    const void *body;             /* POST these len bytes; NULL: GET */
    size_t len;
    long timeout_s;               /* the client timeout (CURLOPT_TIMEOUT) */
    int keep_alive;               /* 0: a fresh connection, closed after */
    EVP_MD_CTX *hash_body;        /* set: the body is hashed into it, not kept */
} http_req_t;

/* What an answer said (the last response's headers, when there were
 * several, as with a 100 Continue). */
typedef struct {
    char *body;                   /* NUL-terminated, malloc'd (free it), or NULL */
    size_t len;
    long retry_after;             /* its seconds; -1: no Retry-After */
    int problem;                  /* Content-Type: application/problem+json */
    int replayed;                 /* Idempotent-Replayed: true */
    EVP_MD_CTX *md;               /* the request's hash_body */
} http_resp_t;

/* Header lines "Authorization: <auth>", "Idempotency-Key: <key>" and
 * "Content-Type: <ctype>", each when not NULL, then "Expect:" (no
 * 100-continue).  Free with curl_slist_free_all. */
struct curl_slist *http_headers(const char *auth, const char *key, const char *ctype);

/* c reset and set up for q; the answer is to be collected into *r.  For a
 * multi handle; http_perform does it all for an easy one. */
void http_prepare(CURL *c, const http_req_t *q, http_resp_t *r);

/* The HTTP status of c's transfer that ended with rc: 0 when there was no
 * HTTP answer (rc not CURLE_OK). */
long http_status(CURL *c, CURLcode rc);

/* q performed on c: the HTTP status, 0 when there was no HTTP answer
 * (*curl_code says why); the answer in *r (free r->body). */
long http_perform(CURL *c, const http_req_t *q, http_resp_t *r, int *curl_code);

/* data.<field> of a JSON answer {"data": {...}}, when it is a string, into
 * out (cap bytes): its whole length.  Otherwise out is "" and -1. */
int data_string(const char *body, const char *field, char *out, size_t cap);

/* The port of a base URL ("http://127.0.0.1:8080"), 0 when it names none. */
int url_port(const char *url);

/* ------------------------------------------------------ a test binary */

/* The value of the environment variable name.  Unset or empty: "<this
 * program>: <name> is not set (run through <script>)", exit status 2. */
const char *need_env(const char *name, const char *script);

/* The integer in the environment variable name; def when it is unset,
 * empty or outside [lo, hi]. */
int env_int(const char *name, int def, int lo, int hi);

/* The seed file dir/name, whole (malloc'd, NUL-terminated, *len bytes),
 * or NULL. */
void *read_seed(const char *dir, const char *name, size_t *len);

/* What a test binary does before its tests: rand() seeded from the time
 * and the pid, libcurl initialized, SIGPIPE ignored (a peer that closed
 * is an error to report, not a death). */
void client_start(void);

/* A random party id from 1000000 up: a run's parties start there, so that
 * runs against one database do not meet. */
int random_party(void);

/* "N passed, M failed" on stdout for a cmocka run of total tests that
 * returned failed (out of range: the group setup failed, nothing ran);
 * the exit status. */
int report_run(int failed, size_t total);

/* ------------------------------------------------------------- records */

/* A list of fixed-size records that threads append to under its lock.
 * Read it whole through records_copy while they run, or through at[0..n)
 * once they are joined. */
typedef struct {
    pthread_mutex_t mu;
    size_t size;                  /* bytes of one record */
    size_t n, cap;
    void *at;                     /* the n records */
} records_t;

#define RECORDS_OF(type) { PTHREAD_MUTEX_INITIALIZER, sizeof(type), 0, 0, NULL }

/* A copy of *rec appended (out of memory: abort). */
void records_add(records_t *l, const void *rec);

/* How many records so far. */
size_t records_count(records_t *l);

/* The records so far, copied under the lock (malloc'd, *n of them; out of
 * memory: abort). */
void *records_copy(records_t *l, size_t *n);

/* The records freed; the list is empty again. */
void records_free(records_t *l);

/* ---------------------------------------------------------- PostgreSQL */

typedef char invoice_id_t[37];    /* a uuid as text */

/* A connection to dsn.  None: the test fails with "<what>: <why>". */
PGconn *db_connect(const char *dsn, const char *what);

/* The test fails with "<what>: <c's error>", res and c freed first. */
void db_fail(PGconn *c, PGresult *res, const char *what);

/* n unpaid invoices for receiver (from sender 1, a 5-byte PDF) inserted:
 * their ids (malloc'd, *got of them), or NULL (PQerrorMessage(c) says
 * why, when the query failed). */
invoice_id_t *insert_unpaid_invoices(PGconn *c, int receiver, int n, int *got);

/* ------------------------------------------------------------- SHA-256 */

/* The SHA-256 of d[0..n), in lowercase hex. */
void sha256_hex(const void *d, size_t n, char out[65]);

/* A SHA-256 digest (32 bytes), in lowercase hex. */
void digest_hex(const unsigned char md[32], char out[65]);

/* ------------------------------------------------------------- pgproxy */

/* A control command ("held\n") to the pgproxy controlled on
 * 127.0.0.1:port: the number its one-line answer starts with, or -1 when
 * it could not be asked (errno says why). */
long pgproxy_command(int port, const char *command);

/* The file of invoice id when its row names a store (file_store): for
 * "file:DIR", DIR/<last two characters of id>/<id> (malloc'd), else NULL. */
unsigned char *store_file_read(const char *file_store, const char *id,
                               size_t *len);

#endif
