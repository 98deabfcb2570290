/* Hexadecimal digits: the one encoder and decoder of the module (ETags,
 * trace ids, UUIDs, percent escapes).  Pure code. */
#ifndef MOD_INVOICE_CORE_UTIL_HEX_H
#define MOD_INVOICE_CORE_UTIL_HEX_H

#include <stddef.h>

/** The value of a hexadecimal digit (either case), or -1. */
int invoice_hex_digit(char c);

/** Lowercase hex of in[0..n) into out (2n characters plus a NUL). */
void invoice_hex_encode(const unsigned char *in, size_t n, char *out);

#endif
