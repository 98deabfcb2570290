/* UTF-8 as JSON needs it: text from a request (a multipart part name, a
 * header) can be any bytes, and json-c copies bytes as they are.  Pure
 * code. */
#ifndef MOD_INVOICE_CORE_UTIL_UTF8_H
#define MOD_INVOICE_CORE_UTIL_UTF8_H

#include <stddef.h>
#include <apr_pools.h>

/** The length of the valid UTF-8 sequence at s[0..n) (1 to 4), or 0 when
 *  it is not one: overlong forms, surrogates and code points above
 *  U+10FFFF are not. */
size_t invoice_utf8_sequence(const unsigned char *s, size_t n);

/** s itself when it is valid UTF-8, else a copy in p with each invalid
 *  byte replaced by U+FFFD. */
const char *invoice_utf8_clean(apr_pool_t *p, const char *s);

#endif
