/* The file types an invoice may carry, and magic-byte sniffing.  Pure code. */
#ifndef MOD_INVOICE_CORE_FILETYPE_H
#define MOD_INVOICE_CORE_FILETYPE_H

#include <stddef.h>

typedef enum {
    INVOICE_FILETYPE_UNKNOWN = 0,
    INVOICE_FILETYPE_PDF,       /* application/pdf, starts with "%PDF-" */
    INVOICE_FILETYPE_PNG,       /* image/png, starts with 89 50 4E 47 0D 0A 1A 0A */
} invoice_filetype_t;

/** Map a media type (exact, case-sensitive match; no parameters) to a type.
 *  media[0..len), need not be NUL-terminated; NULL gives UNKNOWN. */
invoice_filetype_t invoice_filetype_from_media(const char *media, size_t len);

/** "application/pdf" / "image/png"; NULL for UNKNOWN. */
const char *invoice_filetype_media(invoice_filetype_t t);

/** "pdf" / "png" (file-name extension); NULL for UNKNOWN. */
const char *invoice_filetype_ext(invoice_filetype_t t);

/** 1 when buf[0..len) starts with the signature of type t, else 0. */
int invoice_filetype_matches(invoice_filetype_t t, const unsigned char *buf,
                             size_t len);

#endif
