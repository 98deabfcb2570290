/* Byte ranges (RFC 9110 14.1.2): only the question httpd's byterange
 * filter does not answer the way the API wants — is a Range header valid
 * but impossible to satisfy (416 with Content-Range: bytes * /size)?
 * httpd itself serves the satisfiable ranges.  Pure code. */
#ifndef MOD_INVOICE_BYTE_RANGE_H
#define MOD_INVOICE_BYTE_RANGE_H

#include <apr.h>

/**
 * @param header  the Range header value, or NULL
 * @param size    the representation's length
 * @return 1 when header is a well-formed "bytes=" range set none of whose
 *         ranges overlaps [0, size); 0 otherwise (absent, malformed —
 *         ignored, so the full body is sent — or satisfiable)
 */
int invoice_range_unsatisfiable(const char *header, apr_off_t size);

#endif
