/* What the handlers may ask of storage, in the store's own types: no
 * request_rec, no request parsing types.  A store handle is made per
 * request from a small context (a pool, a way to get the pooled database
 * connection, a logger) and connects on first use.
 *
 * Backends live beside this file; today one: PostgreSQL (store/pg/), the
 * only place of the module that speaks SQL. */
#ifndef MOD_INVOICE_STORE_STORE_H
#define MOD_INVOICE_STORE_STORE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "core/invoice.h"
#include "core/log.h"

typedef enum {
    INVOICE_STORE_OK = 0,
    INVOICE_STORE_NOT_FOUND,    /* no such invoice visible to the caller */
    INVOICE_STORE_CONFLICT,     /* pay: already paid */
    INVOICE_STORE_BAD_CURSOR,   /* list: the cursor is not in this list */
    INVOICE_STORE_UNAVAILABLE,  /* database unreachable or overloaded: 503 */
    INVOICE_STORE_ERROR,        /* anything else: a bug, logged */
    INVOICE_STORE_ABORTED,      /* the caller's sink refused the data */
    INVOICE_STORE_REPLAY,       /* an idempotency key's stored reply */
    INVOICE_STORE_KEY_MISMATCH, /* the key came with another request */
    INVOICE_STORE_KEY_BUSY,     /* the key's first request is still running */
    INVOICE_STORE_READ_ONLY,    /* the database takes no writes (a standby): 503 */
    INVOICE_STORE_REFERENCE_TAKEN,  /* create: the sender used the reference
                                     * for another invoice (out is it) */
} invoice_store_status_t;

/* A pooled database connection, lent by the store's caller for one
 * operation of the store at a time. */
typedef struct {
    void *native;           /* the PGconn * */
    apr_pool_t *pool;       /* lives exactly as long as the connection: the
                             * store keeps what it knows about it there */
    void *lease;            /* the lender's own handle */
} invoice_store_conn_t;

/* What the store tells its caller about the database, for a circuit
 * breaker and the metrics. */
typedef enum {
    INVOICE_STORE_EVENT_REACHED,    /* the server answered a call */
    INVOICE_STORE_EVENT_DOWN,       /* it did not answer in time */
    INVOICE_STORE_EVENT_ERROR,      /* a failure, logged (a refused or
                                     * lost connection is one: it costs
                                     * no time) */
} invoice_store_event_t;

/* Client-side limits on database calls: a stopped server never answers,
 * so the server's own statement_timeout cannot end them. */
typedef struct {
    apr_interval_time_t statement;  /* one statement, from when it is sent */
    apr_interval_time_t request;    /* all statements of one store handle */
    apr_interval_time_t transfer;   /* file bytes: no byte moved for so long */
} invoice_store_deadlines_t;

/* What a store needs from its caller. */
typedef struct {
    apr_pool_t *pool;           /* results live as long as this pool */
    /* Lend a connection (0: none available now); given back with release
     * at the end of each operation of the store. */
    int (*connect)(void *baton, invoice_store_conn_t *out);
    void (*release)(void *baton, invoice_store_conn_t *conn);
    invoice_log_fn log;
    void (*event)(void *baton, invoice_store_event_t ev);
    void *baton;                /* passed to the functions above */
    invoice_store_deadlines_t deadlines;
} invoice_store_ctx_t;

typedef struct invoice_store_t invoice_store_t;

/* A new invoice, validated, with its id and time chosen by the caller (so
 * that a retry after a lost connection cannot store it twice, and the
 * answer is known before it is stored). */
typedef struct {
    const char *id;
    const char *inserted_at;        /* RFC 3339 */
    int sender_id;
    int receiver_id;
    const char *file_type;          /* media type */
    const unsigned char *content;   /* NULL: the file is in file_store */
    apr_size_t size;
    const unsigned char *sha256;    /* 32 bytes */
    const char *file_store;         /* NULL: this database (content) */
    int has_amount;
    long long amount;               /* minor units, when has_amount */
    const char *currency;           /* with an amount, else NULL */
    const char *due_date;           /* YYYY-MM-DD or NULL */
    const char *reference;          /* or NULL */
} invoice_new_t;

/* One page of a caller's invoices, newest first. */
typedef struct {
    invoice_caller_t caller;
    int from_sender;        /* a consumer's invoices from one sender; 0: all */
    int limit;              /* 1..1000 */
    const char *after;      /* continue after this invoice id; NULL: first */
    invoice_status_t status;    /* NONE: every status */
} invoice_page_t;

/* One page of events, oldest first: the caller's feed, or one invoice's
 * history. */
typedef struct {
    invoice_caller_t caller;
    const char *invoice_id; /* a history; NULL: the feed */
    int limit;              /* 1..1000 */
    const char *after;      /* continue after this event id; NULL: first */
} invoice_event_page_t;

/* A file's metadata and its first bytes (all of a small file). */
typedef struct {
    const char *file_type;
    const unsigned char *sha256;    /* 32 bytes */
    apr_time_t inserted_at;
    apr_off_t size;                 /* the whole file */
    const unsigned char *head;      /* NULL when the file is in a store */
    apr_size_t head_len;
    const char *file_store;         /* NULL: this database; else where it
                                     * is (store/files.h), under the id */
    int downloaded;                 /* first_downloaded_at is set */
} invoice_file_t;

/* An idempotency key (Idempotency-Key) of a caller, the fingerprint of the
 * request it came with, and how long it is kept. */
typedef struct {
    invoice_caller_t caller;
    const char *key;
    const unsigned char *fingerprint;   /* 32 bytes */
    int ttl_seconds;
} invoice_idem_t;

/* A response as sent: what a key remembers and replays, byte for byte. */
typedef struct {
    int status;
    const char *location;       /* NULL when none */
    const char *content_type;
    const char *body;
    apr_size_t len;
} invoice_reply_t;

/* Renders the reply to an outcome of a pay under a key: OK (paid, inv the
 * paid invoice) or CONFLICT (already paid, inv as it is). */
typedef void (*invoice_reply_fn)(void *ctx, invoice_store_status_t outcome,
                                 const invoice_t *inv, invoice_reply_t *reply);

/* Receives file bytes; returns 0 when they could not be passed on. */
typedef int (*invoice_store_sink_fn)(void *ctx, const char *data,
                                     apr_size_t len);

/* A statement of the store, for registration with mod_dbd. */
typedef struct {
    const char *label;  /* lowercase SQL identifier: PREPARE sends it unquoted */
    const char *sql;    /* $n placeholders with casts: PostgreSQL infers types */
} invoice_store_statement_t;

/** The statements every pooled connection must have prepared. */
const invoice_store_statement_t *invoice_store_statements(int *count);

/** A store for one request: a connection is held only during each of the
 *  operations below, never between them (so never while a client is slow
 *  to send or to read). */
invoice_store_t *invoice_store_make(const invoice_store_ctx_t *ctx);

/**
 * Store a new invoice; out is the row as stored.  With idem, reply is its
 * 201 (rendered from in beforehand): key, reply, row and file are stored
 * in one transaction.  When the key was used before: REPLAY with *stored,
 * KEY_MISMATCH (another request), or KEY_BUSY (its first use is still
 * running); nothing is stored then.
 */
invoice_store_status_t invoice_store_create(invoice_store_t *st,
                                            const invoice_new_t *in,
                                            const invoice_idem_t *idem,
                                            const invoice_reply_t *reply,
                                            invoice_t *out,
                                            invoice_reply_t *stored);

/** One invoice, scoped to the caller: a sender sees what it sent, a
 *  consumer what was addressed to it. */
invoice_store_status_t invoice_store_get(invoice_store_t *st,
                                         const invoice_caller_t *caller,
                                         const char *id, invoice_t *out);

/** A page of the caller's invoices; items is an array of invoice_t. */
invoice_store_status_t invoice_store_list(invoice_store_t *st,
                                          const invoice_page_t *page,
                                          apr_array_header_t **items,
                                          int *has_more);

/** Void an invoice of sender: OK (out is it, void), CONFLICT when it is
 *  paid or void already (out as it is), NOT_FOUND. */
invoice_store_status_t invoice_store_void(invoice_store_t *st, int sender,
                                          const char *id, invoice_t *out);

/** The consumer's first download of the file: first_downloaded_at and its
 *  event, once (OK also when it was set already). */
invoice_store_status_t invoice_store_downloaded(invoice_store_t *st,
                                                int consumer, const char *id);

/** A page of events; events is an array of invoice_event_t.  A history of
 *  an invoice the caller cannot see: NOT_FOUND; a cursor that is not in
 *  the feed: BAD_CURSOR. */
invoice_store_status_t invoice_store_events(invoice_store_t *st,
                                            const invoice_event_page_t *page,
                                            apr_array_header_t **events,
                                            int *has_more);

/** Pay an invoice addressed to consumer: OK once, CONFLICT afterwards
 *  (out as it is: paid, or void). */
invoice_store_status_t invoice_store_pay(invoice_store_t *st, int consumer,
                                         const char *id, invoice_t *out);

/**
 * The same under an idempotency key: the outcome (OK or CONFLICT) is
 * rendered by render and remembered with the payment, in one transaction;
 * *reply is what to send.  NOT_FOUND and failures are not remembered.
 * A key used before: REPLAY (*reply is the stored one), KEY_MISMATCH,
 * KEY_BUSY.
 */
invoice_store_status_t invoice_store_pay_once(invoice_store_t *st,
                                              int consumer, const char *id,
                                              const invoice_idem_t *idem,
                                              invoice_reply_fn render,
                                              void *ctx,
                                              invoice_reply_t *reply);

/** Delete at most max expired idempotency keys; how many were deleted, or
 *  -1 when the database failed. */
int invoice_store_purge_keys(invoice_store_t *st, int max);

/** The file of an invoice addressed to consumer: metadata, where it is,
 *  and (in this database) its first bytes (up to 1 MiB), living as long
 *  as the store's pool. */
invoice_store_status_t invoice_store_file(invoice_store_t *st, int consumer,
                                          const char *id, invoice_file_t *out);

/** Bytes [start, start+len) of that file, read in 1 MiB chunks and handed
 *  to sink one at a time (ABORTED when the sink refuses one). */
invoice_store_status_t invoice_store_file_range(invoice_store_t *st,
                                                int consumer, const char *id,
                                                apr_off_t start, apr_off_t len,
                                                invoice_store_sink_fn sink,
                                                void *ctx);

/** A cheap round trip (SELECT 1): readiness. */
invoice_store_status_t invoice_store_ping(invoice_store_t *st);

#endif
