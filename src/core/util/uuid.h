/* UUID text handling and generation.  Pure code (generation takes the
 * random bytes and the time from the caller so it stays testable). */
#ifndef MOD_INVOICE_CORE_UTIL_UUID_H
#define MOD_INVOICE_CORE_UTIL_UUID_H

#include <stddef.h>
#include <stdint.h>

#define INVOICE_UUID_LEN 36     /* 8-4-4-4-12 hex digits with hyphens */

/**
 * Validate s[0..len) as a UUID in canonical text form (36 chars,
 * hyphens at 8, 13, 18, 23, hex digits elsewhere, either case) and write
 * its lowercase form plus a NUL into out (INVOICE_UUID_LEN + 1 bytes).
 * @return 1 when valid, 0 otherwise (out untouched)
 */
int invoice_uuid_parse(const char *s, size_t len, char *out);

/** The canonical lowercase text of 16 UUID bytes, into out[37]. */
void invoice_uuid_format(const unsigned char b[16], char *out);

/** The 16 bytes of a UUID given in canonical text form (as produced by
 *  invoice_uuid_parse).  @return 1, or 0 when text is not a UUID. */
int invoice_uuid_bytes(const char *text, unsigned char out[16]);

/**
 * Build a version-7 UUID (RFC 9562): 48-bit Unix time in milliseconds,
 * version 7, 74 random bits, variant 10.  Time-ordered ids keep the
 * primary-key index append-mostly.
 * @param unix_ms  milliseconds since the Unix epoch
 * @param random   10 random bytes
 * @param out      INVOICE_UUID_LEN + 1 bytes, receives lowercase text
 */
void invoice_uuid_v7(uint64_t unix_ms, const unsigned char random[10],
                     char *out);

#endif
