/* The file types an invoice may carry, and magic-byte sniffing.  Pure code. */
#include "core/filetype.h"

#include <string.h>

typedef struct {
    invoice_filetype_t type;
    const char *media;
    const char *ext;
    const unsigned char *magic;
    size_t magic_len;
} filetype_info;

static const unsigned char pdf_magic[] = { '%', 'P', 'D', 'F', '-' };
static const unsigned char png_magic[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a
};

static const filetype_info types[] = {
    { INVOICE_FILETYPE_PDF, "application/pdf", "pdf", pdf_magic,
      sizeof(pdf_magic) },
    { INVOICE_FILETYPE_PNG, "image/png", "png", png_magic,
      sizeof(png_magic) },
};

#define NTYPES (sizeof(types) / sizeof(types[0]))

static const filetype_info *info_of(invoice_filetype_t t)
{
    size_t i;

    for (i = 0; i < NTYPES; i++) {
        if (types[i].type == t) {
            return &types[i];
        }
    }
    return NULL;
}

invoice_filetype_t invoice_filetype_from_media(const char *media, size_t len)
{
    size_t i;

    if (media == NULL) {
        return INVOICE_FILETYPE_UNKNOWN;
    }
    for (i = 0; i < NTYPES; i++) {
        if (strlen(types[i].media) == len
            && memcmp(types[i].media, media, len) == 0) {
            return types[i].type;
        }
    }
    return INVOICE_FILETYPE_UNKNOWN;
}

const char *invoice_filetype_media(invoice_filetype_t t)
{
    const filetype_info *fi = info_of(t);

    return fi ? fi->media : NULL;
}

const char *invoice_filetype_ext(invoice_filetype_t t)
{
    const filetype_info *fi = info_of(t);

    return fi ? fi->ext : NULL;
}

int invoice_filetype_matches(invoice_filetype_t t, const unsigned char *buf,
                             size_t len)
{
    const filetype_info *fi = info_of(t);

    if (fi == NULL || buf == NULL || len < fi->magic_len) {
        return 0;
    }
    return memcmp(buf, fi->magic, fi->magic_len) == 0;
}
