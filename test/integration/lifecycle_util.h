/* Helpers of the lifecycle, terms and events tests (issue 15): creates
 * with terms, pay and void, events pages, and the database's view of an
 * invoice row (its version, to prove a request wrote nothing). */
#ifndef INVOICE_IT_LIFECYCLE_UTIL_H
#define INVOICE_IT_LIFECYCLE_UTIL_H

#include "util.h"

/* The JSON create body for receiver with the tiny PDF and extra members
 * (terms, e.g. "\"amount\": 5, \"currency\": \"EUR\"", or "" for none)
 * inside "invoice".  malloc'd. */
char *lc_create_body(int receiver, const char *terms);

/* POST /api/sender/invoices as sender with lc_create_body(receiver, terms). */
http_response_t *lc_create_r(int sender, int receiver, const char *terms);

/* The same, asserting 201 and the Invoice; id receives its id. */
#define lc_create(sender, receiver, terms, id) \
    lc_create_at((sender), (receiver), (terms), (id), __FILE__, __LINE__)
void lc_create_at(int sender, int receiver, const char *terms, char id[37],
                  const char *file, int line);

/* POST .../void as sender, .../pay as consumer. */
http_response_t *lc_void(int sender, const char *id);
http_response_t *lc_pay(int consumer, const char *id);

/* A string member of an object ("" when absent or not a string), and
 * whether a member is JSON null (or absent). */
const char *lc_str(json_object *o, const char *key);
int lc_is_null(json_object *o, const char *key);

/* One page of events: 200, application/json, {"data": [Event], "has_more":
 * bool}, each Event {"id", "type", "invoice_id", "created_at", "data":
 * Invoice} (exactly those keys; id a decimal string; data.id ==
 * invoice_id), in the order received. */
typedef struct {
    size_t n;
    char (*ids)[24];            /* event ids */
    char (*types)[24];          /* "invoice.created" ... */
    char (*invoices)[37];       /* invoice_id */
    json_object **data;         /* the Invoice of each (into root) */
    int has_more;
    json_object *root;
} lc_events_t;

#define lc_get_events(path, auth, out) \
    lc_get_events_at((path), (auth), (out), __FILE__, __LINE__)
void lc_get_events_at(const char *path, const char *auth, lc_events_t *out,
                      const char *file, int line);
#define lc_assert_events(r, out) lc_assert_events_at((r), (out), __FILE__, __LINE__)
void lc_assert_events_at(const http_response_t *r, lc_events_t *out,
                         const char *file, int line);
void lc_events_free(lc_events_t *e);

/* The events of invoice id in the page, in order ("created,paid"); out
 * holds up to cap bytes. */
const char *lc_types_of(const lc_events_t *e, const char *id, char *out,
                        size_t cap);

/* Poll GET path (a feed or a history) as auth until an event of type
 * (NULL: any) of invoice id is on a page (walking pages with
 * starting_after from the start), or deadline_ms passed: 1 if seen. */
int lc_wait_event(const char *path, const char *auth, const char *id,
                  const char *type, long deadline_ms);

/* Monotonic milliseconds. */
long lc_now_ms(void);

/* The row of invoice id as PostgreSQL has it: its xmin (the transaction
 * that wrote this version), updated_at and first_downloaded_at as text
 * ("" for NULL), status (0 when there is no row). */
typedef struct {
    char xmin[24];
    char ctid[32];
    char updated_at[64];
    char first_downloaded_at[64];
    int status;
} lc_row_t;
#define lc_db_row(id, out) lc_db_row_at((id), (out), __FILE__, __LINE__)
void lc_db_row_at(const char *id, lc_row_t *out, const char *file, int line);

/* The first column of the first row of sql with $1 = param (NULL: no
 * parameter), as text (static buffer; "" for NULL, "(none)" for no row). */
#define lc_db_value(sql, param) lc_db_value_at((sql), (param), __FILE__, __LINE__)
const char *lc_db_value_at(const char *sql, const char *param,
                           const char *file, int line);

#endif
