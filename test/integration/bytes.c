/* Test data: files, base64, SHA-256, a small PNG and PDF. */
#define _POSIX_C_SOURCE 200809L
#include "util.h"
#include "core/util/sha256.h"
#include "../b64_reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bytes ------------------------------------------------------------ */

unsigned char *it_read_data(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", it_env.data_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        it_fail(__FILE__, __LINE__, "cannot open %s", path);
    size_t cap = 65536, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf)
        abort();
    *len = n;
    return buf;
}

char *it_base64(const unsigned char *in, size_t len)
{
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        abort();
    out[b64_reference_encode(in, len, out)] = '\0';
    return out;
}

/* The module's SHA-256 (src/core/util/sha256.c, checked against the NIST vectors
 * by its unit test), as lowercase hex. */
void it_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[INVOICE_SHA256_LEN];

    invoice_sha256(data, len, digest);
    for (int j = 0; j < INVOICE_SHA256_LEN; j++)
        snprintf(out + 2 * j, 3, "%02x", digest[j]);
}

const unsigned char it_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
    0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
    0x0b, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00,
    0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
const size_t it_png_len = sizeof it_png;

const unsigned char it_pdf[] = "%PDF-1.4\n% integration test\n%%EOF\n";
const size_t it_pdf_len = sizeof it_pdf - 1;

