/* Shared helpers of the integration tests: environment, ids, bytes,
 * API shortcuts and assertions on responses.
 *
 * The assertion helpers are macros that pass the caller's file and line,
 * so a failure points at the test, and print the request and the start of
 * the response body. */
#ifndef INVOICE_IT_UTIL_H
#define INVOICE_IT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "http.h"

typedef struct {
    const char *base_url;    /* INVOICE_BASE_URL */
    const char *pg_dsn;      /* INVOICE_PG_DSN */
    const char *pg_restart;  /* INVOICE_PG_RESTART (shell command) */
    const char *pg_stop;     /* INVOICE_PG_STOP */
    const char *pg_start;    /* INVOICE_PG_START */
    const char *data_dir;    /* INVOICE_DATA_DIR */
} it_env_t;

extern it_env_t it_env;

/* Read the environment; 0 and a message on stderr when something is missing. */
int it_env_load(void);

/* ---- ids and strings -------------------------------------------------- */

/* A sender/receiver id in 1..2147483647, unique within the run and random
 * across runs (seeded from time and pid). */
int it_new_id(void);
/* A random (version 4) lowercase UUID. */
void it_random_uuid(char out[37]);
/* printf into one of a few rotating static buffers (valid until 64 more
 * calls): for paths and header lines. */
const char *P(const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(1, 2);
/* "sender N" / "consumer N" (rotating buffers as P). */
const char *AS(int id);
const char *AC(int id);

/* ---- bytes ------------------------------------------------------------ */

/* The whole of INVOICE_DATA_DIR/name (malloc'd; fails the test if absent). */
unsigned char *it_read_data(const char *name, size_t *len);
/* Standard, padded base64 (malloc'd, NUL-terminated). */
char *it_base64(const unsigned char *in, size_t len);
/* Lowercase hex SHA-256. */
void it_sha256_hex(const void *data, size_t len, char out[65]);

/* Does the Allow header value list method m? */
int it_allow_has(const char *allow, const char *m);

extern const unsigned char it_png[];   /* a valid 1x1 PNG */
extern const size_t it_png_len;
extern const unsigned char it_pdf[];   /* a tiny document starting %PDF- */
extern const size_t it_pdf_len;

/* ---- API shortcuts ---------------------------------------------------- */

/* auth: full Authorization value or NULL for none; ctype: Content-Type or
 * NULL for none; body NULL for none. */
http_response_t *api(const char *method, const char *path, const char *auth,
                     const char *ctype, const void *body, size_t len);
#define api_get(path, auth) api("GET", (path), (auth), NULL, NULL, 0)
#define api_post_json(path, auth, body) \
    api("POST", (path), (auth), "application/json", (body), strlen(body))

/* {"invoice": {"receiver_id": R, "file_type": T, "content": base64(bytes)}} */
char *it_create_body(int receiver, const char *file_type,
                     const unsigned char *bytes, size_t len);

/* Create an invoice (asserting 201 and the object); id receives its id. */
#define create_invoice(sender, receiver, ftype, bytes, len, id) \
    it_create_invoice((sender), (receiver), (ftype), (bytes), (len), (id), \
                      __FILE__, __LINE__)
#define create_tiny(sender, receiver, id) \
    create_invoice((sender), (receiver), "application/pdf", it_pdf, \
                   it_pdf_len, (id))
void it_create_invoice(int sender, int receiver, const char *ftype,
                       const unsigned char *bytes, size_t len, char id[37],
                       const char *file, int line);

/* ---- assertions ------------------------------------------------------- */

/* Fail the current test at file:line with a formatted message. */
void it_fail(const char *file, int line, const char *fmt, ...)
    CMOCKA_PRINTF_ATTRIBUTE(3, 4);
#define it_check(cond, ...) \
    do { if (!(cond)) it_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)

#define assert_status(r, st) it_assert_status((r), (st), __FILE__, __LINE__)
void it_assert_status(const http_response_t *r, long status,
                      const char *file, int line);

/* Media type of Content-Type (parameters ignored) must equal media. */
#define assert_media_type(r, media) \
    it_assert_media_type((r), (media), __FILE__, __LINE__)
void it_assert_media_type(const http_response_t *r, const char *media,
                          const char *file, int line);

/* Header name must be present with exactly this value. */
#define assert_header(r, name, val) \
    it_assert_header((r), (name), (val), __FILE__, __LINE__)
void it_assert_header(const http_response_t *r, const char *name,
                      const char *val, const char *file, int line);

/* Body must be JSON; returns the parsed tree (json_object_put it). */
#define parse_body(r) it_parse_body((r), __FILE__, __LINE__)
json_object *it_parse_body(const http_response_t *r, const char *file, int line);

/* status, application/problem+json, type/title/detail strings, status
 * integer equal to the HTTP status.  Returns the tree. */
#define assert_problem(r, st) it_assert_problem((r), (st), __FILE__, __LINE__)
json_object *it_assert_problem(const http_response_t *r, long status,
                               const char *file, int line);

/* Any 4xx answered as a problem (as it_assert_problem with the status
 * received); returns the tree. */
#define assert_4xx_problem(r) it_assert_4xx_problem((r), __FILE__, __LINE__)
json_object *it_assert_4xx_problem(const http_response_t *r, const char *file,
                                   int line);

/* A deviation the suite knows about and reports instead of failing:
 * prints "KNOWN BUG" with the message when cond is false; fails like
 * it_check when INVOICE_IT_STRICT=1 is set. */
#define known_bug(cond, ...) \
    do { if (!(cond)) it_known_bug(__FILE__, __LINE__, __VA_ARGS__); } while (0)
void it_known_bug(const char *file, int line, const char *fmt, ...)
    CMOCKA_PRINTF_ATTRIBUTE(3, 4);

/* 422 problem whose "errors" object has exactly the keys given
 * (NULL-terminated), each a non-empty array of strings. */
#define assert_field_errors(r, ...) \
    it_assert_field_errors((r), __FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)
void it_assert_field_errors(const http_response_t *r, const char *file,
                            int line, ...);

/* 422 problem whose errors.key holds exactly the message msg (among
 * others, possibly); other keys are not looked at. */
#define assert_error_msg(r, key, msg) \
    it_assert_error_msg((r), (key), (msg), __FILE__, __LINE__)
void it_assert_error_msg(const http_response_t *r, const char *key,
                         const char *msg, const char *file, int line);

/* An Invoice object: exactly the nine keys with the right types. */
#define assert_invoice_shape(o) it_assert_invoice_shape((o), __FILE__, __LINE__)
void it_assert_invoice_shape(json_object *o, const char *file, int line);

/* status + application/json + {"data": Invoice} (the only key); returns
 * the tree, *data (if not NULL) points into it. */
#define assert_invoice_response(r, st, data) \
    it_assert_invoice_response((r), (st), (data), __FILE__, __LINE__)
json_object *it_assert_invoice_response(const http_response_t *r, long status,
                                        json_object **data,
                                        const char *file, int line);

/* 200 + application/json + {"data": [Invoice...], "has_more": bool};
 * returns the ids (malloc'd array of malloc'd strings). */
typedef struct {
    char **ids;
    size_t n;
    int has_more;
    json_object *root;   /* the parsed body */
} it_list_t;
/* A 200 application/json page {"data": [...], "has_more": bool}: its root
 * (the caller puts it), its data array and has_more. */
json_object *it_assert_page(const http_response_t *r, json_object **data,
                           int *has_more, const char *file, int line);
#define assert_list(r, out) it_assert_list((r), (out), __FILE__, __LINE__)
void it_assert_list(const http_response_t *r, it_list_t *out,
                    const char *file, int line);
void it_list_free(it_list_t *l);
/* GET path (with auth); assert a list; fill out. */
#define get_list(path, auth, out) \
    it_get_list((path), (auth), (out), __FILE__, __LINE__)
void it_get_list(const char *path, const char *auth, it_list_t *out,
                 const char *file, int line);

int it_is_uuid_lower(const char *s);
int it_is_rfc3339_utc(const char *s);

/* A request to run concurrently (self-contained: do not move it after
 * it_req has filled it). */
typedef struct {
    http_request_t req;
    char path[512];
    char auth[128];
    char ctype[128];
    const char *hs[5];    /* room for extra headers after it_req */
} it_req_t;
void it_req(it_req_t *q, const char *method, const char *path,
            const char *auth, const char *ctype, const void *body, size_t len);
/* Run qs[0..n) concurrently; free with http_free_many(rs, n). */
http_response_t **it_run_many(it_req_t *qs, size_t n);

/* Run a shell command (from the environment); fails the test on non-zero. */
#define run_cmd(cmd) it_run_cmd((cmd), __FILE__, __LINE__)
void it_run_cmd(const char *cmd, const char *file, int line);

/* Sleep ms milliseconds (only inside bounded polling loops). */
void it_sleep_ms(long ms);

#endif
