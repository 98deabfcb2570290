/* The invoice as the API shows it, and the parties that see it.  Pure
 * data: every ring may use these types. */
#ifndef MOD_INVOICE_CORE_INVOICE_H
#define MOD_INVOICE_CORE_INVOICE_H

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

typedef struct {
    const char *id;             /* lowercase UUID */
    int sender_id;
    int receiver_id;
    const char *file_type;      /* media type */
    int file_size;
    int is_payable;
    const char *paid_at;        /* RFC 3339 UTC, NULL until paid */
    const char *inserted_at;    /* RFC 3339 UTC */
    const char *updated_at;     /* RFC 3339 UTC */
} invoice_t;

#endif
