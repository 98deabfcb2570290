/* The invoice as the API shows it, and the parties that see it.  Pure
 * data: every ring may use these types. */
#ifndef MOD_INVOICE_CORE_INVOICE_H
#define MOD_INVOICE_CORE_INVOICE_H

#include <stddef.h>

typedef enum {
    INVOICE_ROLE_NONE = 0,
    INVOICE_ROLE_SENDER = 1,
    INVOICE_ROLE_CONSUMER = 2,
} invoice_role_t;

/* Who is calling: a party acting in one role. */
typedef struct {
    invoice_role_t role;
    int id;                     /* 1..INVOICE_ID_MAX */
} invoice_caller_t;

/** "sender" / "consumer" (NULL for NONE). */
const char *invoice_role_name(invoice_role_t role);

typedef enum {
    INVOICE_PARTY_OK = 0,
    INVOICE_PARTY_EMPTY,        /* no identity at all: unauthenticated */
    INVOICE_PARTY_MALFORMED,    /* not "N", "sender:N" or "consumer:N" */
    INVOICE_PARTY_OTHER_ROLE,   /* "sender:N" on a consumer route, or back */
} invoice_party_status_t;

/**
 * An identity established by Apache (REMOTE_USER, a certificate's CN, a
 * column of an authentication query ...) for a route of `role`: "N" is
 * party N acting in that role, "sender:N" and "consumer:N" a party that
 * may act in that role only; N is 1..2147483647 in plain decimal.
 * NULL or "" is EMPTY.  out is set on OK only.
 */
invoice_party_status_t invoice_party_parse(const char *value,
                                           invoice_role_t role,
                                           invoice_caller_t *out);

/* The lifecycle: open, then paid or void (the values the database keeps). */
typedef enum {
    INVOICE_STATUS_NONE = 0,    /* a list of every status */
    INVOICE_STATUS_OPEN = 1,
    INVOICE_STATUS_PAID = 2,
    INVOICE_STATUS_VOID = 3,
} invoice_status_t;

/** "open", "paid", "void" (NULL for NONE). */
const char *invoice_status_name(invoice_status_t status);

/** The status named s[0..len), or NONE. */
invoice_status_t invoice_status_parse(const char *s, size_t len);

typedef struct {
    const char *id;             /* lowercase UUID */
    int sender_id;
    int receiver_id;
    const char *file_type;      /* media type */
    int file_size;
    invoice_status_t status;
    int has_amount;
    long long amount;           /* minor units, when has_amount */
    const char *currency;       /* ISO 4217, with an amount; else NULL */
    const char *due_date;       /* YYYY-MM-DD, or NULL */
    const char *reference;      /* the sender's number, or NULL */
    int is_payable;             /* status == open */
    const char *paid_at;        /* RFC 3339 UTC, NULL until paid */
    const char *voided_at;      /* RFC 3339 UTC, NULL unless void */
    const char *first_downloaded_at;    /* RFC 3339 UTC, NULL until then */
    const char *inserted_at;    /* RFC 3339 UTC */
    const char *updated_at;     /* RFC 3339 UTC */
} invoice_t;

/* What happened to an invoice (the values the database keeps). */
typedef enum {
    INVOICE_EVENT_CREATED = 1,
    INVOICE_EVENT_PAID = 2,
    INVOICE_EVENT_VOIDED = 3,
    INVOICE_EVENT_DOWNLOADED = 4,   /* the first download: senders only */
} invoice_event_type_t;

/** "invoice.created" ... (NULL for an unknown type). */
const char *invoice_event_type_name(invoice_event_type_t type);

typedef struct {
    const char *id;             /* decimal, increasing along a feed */
    invoice_event_type_t type;
    const char *created_at;     /* RFC 3339 UTC: when it happened */
    invoice_t invoice;          /* as it was right after it */
} invoice_event_t;

#endif
