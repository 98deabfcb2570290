/* Strict RFC 8259 JSON validation, run before json-c builds a tree.
 *
 * json-c (even with JSON_TOKENER_STRICT) accepts NaN, Infinity, single-quoted
 * keys, raw control characters in strings, "1." and stops at a NUL byte; it
 * also lets a duplicate key silently overwrite the first.  This validator
 * closes those gaps so that json-c only ever sees documents we would accept.
 * Pure code: no allocation, no APR, no httpd. */
#ifndef MOD_INVOICE_CORE_REQUEST_JSON_STRICT_H
#define MOD_INVOICE_CORE_REQUEST_JSON_STRICT_H

#include <stddef.h>

/* Largest nesting depth accepted by callers of this project. */
#define INVOICE_JSON_MAX_DEPTH 16
/* Members per object beyond which a document is refused (duplicate-key
 * detection is quadratic in this number). */
#define INVOICE_JSON_MAX_MEMBERS 64

/**
 * Check that buf[0..len) is exactly one RFC 8259 JSON text: optional
 * whitespace, one value, optional whitespace, nothing else.  Rejects
 * invalid UTF-8 (overlongs, surrogates encoded in UTF-8, > U+10FFFF),
 * unescaped control characters (< 0x20) in strings, lone UTF-16 surrogate
 * escapes (\ud800 not followed by a low surrogate, or a lone low one),
 * NaN/Infinity and any other non-JSON literal, leading zeros, "1.", ".5",
 * "+1", NUL bytes anywhere, nesting deeper than max_depth (a scalar at top
 * level is depth 0, the members of the top object depth 1 ...), objects
 * with more than INVOICE_JSON_MAX_MEMBERS members, and duplicate keys in
 * one object (compared after decoding escapes, so "a" and "\u0061" are
 * the same key).
 *
 * Also refused: the escape \u0000 in any string.  json-c cuts object keys
 * at a NUL, so {"a":1,"a\u0000b":2} would reach it as {"a":2}, and C-string
 * consumers would truncate values the same way.
 *
 * Numbers are checked against the grammar only: 1e400 and
 * 123456789012345678901234567890 pass, and json-c turns them into inf or
 * saturates them (INT64_MAX/UINT64_MAX), so callers must range-check values.
 *
 * Depth: json-c counts differently; json_tokener_new_ex(max_depth + 1)
 * accepts exactly the nesting that passes here.  A max_depth above
 * INVOICE_JSON_MAX_DEPTH is treated as INVOICE_JSON_MAX_DEPTH (that cap
 * bounds the validator's recursion); a negative one refuses everything.
 *
 * @param buf       the bytes (need not be NUL-terminated)
 * @param len       their number
 * @param max_depth deepest container nesting allowed (>= 1)
 * @param err       on failure, set to a static English message suitable for
 *                  an API error "detail" (e.g. "duplicate key in object",
 *                  "invalid UTF-8 in string", "nesting too deep",
 *                  "unexpected character at offset 12" is NOT required: the
 *                  message is static and never includes input bytes);
 *                  untouched on success; may be NULL
 * @return 1 when valid, 0 otherwise
 */
int invoice_json_check(const char *buf, size_t len, int max_depth,
                       const char **err);

#endif
