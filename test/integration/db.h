/* Direct checks of the database through libpq (a fresh connection per call,
 * so that PostgreSQL restarts in other tests do not matter). */
#ifndef INVOICE_IT_DB_H
#define INVOICE_IT_DB_H

#include <stddef.h>

typedef struct {
    int found;
    int sender_id;
    int receiver_id;
    char file_type[64];
    long file_size;
    int is_payable;
    int paid;              /* paid_at IS NOT NULL */
    char sha256_hex[65];   /* encode(file_sha256, 'hex'), "" when NULL */
} db_invoice_t;

/* Rows in invoices with this sender_id. */
#define db_count_sender(sender) it_db_count_sender((sender), __FILE__, __LINE__)
long it_db_count_sender(int sender, const char *file, int line);

#define db_get_invoice(id, out) it_db_get_invoice((id), (out), __FILE__, __LINE__)
void it_db_get_invoice(const char *id, db_invoice_t *out, const char *file,
                       int line);

/* Idempotency keys stored for caller (role 1 sender, 2 consumer). */
#define db_count_keys(role, caller) it_db_count_keys((role), (caller), __FILE__, __LINE__)
long it_db_count_keys(int role, int caller, const char *file, int line);

/* The stored content (malloc'd) or NULL when there is no invoice_files row. */
#define db_get_file(id, len) it_db_get_file((id), (len), __FILE__, __LINE__)
unsigned char *it_db_get_file(const char *id, size_t *len, const char *file,
                              int line);

/* The object key of an s3: store ("http://host:port/bucket"), fetched
 * directly (malloc'd), or NULL (test/integration/s3get.c). */
unsigned char *it_s3_get(const char *base, const char *key, size_t *len);

/* Assert the invoice row and its file match what was sent. */
#define db_assert_invoice(id, sender, receiver, ftype, bytes, len) \
    it_db_assert_invoice((id), (sender), (receiver), (ftype), (bytes), (len), \
                         __FILE__, __LINE__)
void it_db_assert_invoice(const char *id, int sender, int receiver,
                          const char *ftype, const unsigned char *bytes,
                          size_t len, const char *file, int line);

#endif
