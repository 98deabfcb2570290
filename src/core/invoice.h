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
