/* Log lines: every one the module writes starts with a stable id,
 * INVLOGNO(nnnnn) -> "INVnnnnn: ", like httpd's APLOGNO, so that an
 * operator can look it up in docs/logs.md.  Ids are never reused; the
 * build checks that each appears once in src/ and is documented.
 *
 * Rings that do not see a request (the store) log through an
 * invoice_log_fn given by the httpd ring, with these levels. */
#ifndef MOD_INVOICE_CORE_LOG_H
#define MOD_INVOICE_CORE_LOG_H

#define INVLOGNO(n) "INV" #n ": "

typedef enum {
    INVOICE_LOG_ERR,
    INVOICE_LOG_WARNING,
    INVOICE_LOG_INFO,
    INVOICE_LOG_DEBUG,
} invoice_log_level_t;

/** Write one line (already formatted, id first) at level. */
typedef void (*invoice_log_fn)(void *baton, invoice_log_level_t level,
                               const char *line);

#endif
