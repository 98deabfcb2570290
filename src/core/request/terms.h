/* An invoice's optional terms: amount, currency, due_date, reference.
 * Given in the JSON create's "invoice" object, or in an upload as
 * multipart parts or query parameters (text); the same rules and
 * messages either way, every problem reported as a field error (a 422
 * lists them all at once).  Pure code.
 *
 *   amount     integer, minor units (cents): 1 to 10^15.  JSON: a number
 *              without fraction or exponent (12.5, 1e3 and "12" are not).
 *              Text: ASCII digits, no sign, no leading zero, no space.
 *   currency   a current ISO 4217 code in uppercase (core/util/currency.h
 *              lists which); given exactly when amount is.
 *   due_date   YYYY-MM-DD, a day that exists, years 1900 to 9999
 *              (core/util/date.h).
 *   reference  the sender's own invoice number: 1 to 64 visible
 *              characters, counted as Unicode code points.  "Visible":
 *              valid UTF-8; no control character, i.e. none of C0
 *              (U+0000-001F), DEL, C1 (U+0080-009F), the line and paragraph
 *              separators U+2028/2029, nor the bidirectional controls
 *              (U+061C, U+200E, U+200F, U+202A-202E, U+2066-2069: they
 *              reorder what a reader sees); no whitespace (Unicode
 *              White_Space, e.g. U+0020, U+00A0, U+3000) and no zero-width
 *              character (U+200B, U+2060, U+FEFF) first or last; spaces
 *              inside are fine ("INV 2024/17").  No normalization: two
 *              references are the same when their bytes are (uniqueness is
 *              the database's).
 *
 * JSON null is the same as an absent member; an empty string is given and
 * "can't be blank". */
#ifndef MOD_INVOICE_CORE_REQUEST_TERMS_H
#define MOD_INVOICE_CORE_REQUEST_TERMS_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <apr_pools.h>

#include "core/http/problem.h"

#define INVOICE_AMOUNT_MIN 1
#define INVOICE_AMOUNT_MAX INT64_C(1000000000000000)   /* 10^15 */
#define INVOICE_REFERENCE_MAX_CHARS 64

/* For the lists of allowed fields: { "receiver_id", ...,
 * INVOICE_TERMS_FIELD_NAMES, NULL }. */
#define INVOICE_TERMS_FIELD_NAMES "amount", "currency", "due_date", "reference"

/* The fields, as bits of invoice_terms_t.given. */
typedef enum {
    INVOICE_TERM_NONE = 0,
    INVOICE_TERM_AMOUNT = 1 << 0,
    INVOICE_TERM_CURRENCY = 1 << 1,
    INVOICE_TERM_DUE_DATE = 1 << 2,
    INVOICE_TERM_REFERENCE = 1 << 3,
} invoice_term_t;

/* All zero (memset or = { 0 }) is "none given".  The strings are
 * NUL-terminated copies in the pool, NULL when absent or invalid. */
typedef struct {
    int has_amount;             /* amount holds a valid value */
    int64_t amount;             /* minor units of currency */
    const char *currency;       /* "EUR" */
    const char *due_date;       /* "2025-03-31" */
    const char *reference;      /* valid UTF-8, see above */
    unsigned given;             /* invoice_term_t bits of the fields the
                                 * request carried, valid or not */
} invoice_terms_t;

/** The field called name[0..len) ("amount" ...), INVOICE_TERM_NONE when
 *  it is none of the four (exact, case-sensitive match). */
invoice_term_t invoice_terms_field(const char *name, size_t len);

/**
 * Read the four from obj: the JSON create's "invoice" object, or an
 * upload's "invoice" part.  Other members are left to the caller (its
 * unknown-field check should allow INVOICE_TERMS_FIELD_NAMES).  Wrong JSON
 * types are errors: amount "must be an integer", the others "must be a
 * string".  Does not apply the rule between amount and currency: call
 * invoice_terms_cross_check once every source was read.
 */
void invoice_terms_from_json(apr_pool_t *p, json_object *obj,
                             invoice_terms_t *t,
                             invoice_field_errors_t *errors);

/**
 * One field given as text s[0..len) (any bytes: a multipart part's body or
 * a decoded query parameter).  A field already given (here or in JSON) is
 * reported "is given more than once" and its first value kept.  Does
 * nothing when field is INVOICE_TERM_NONE or not a single field.
 */
void invoice_terms_from_text(apr_pool_t *p, invoice_term_t field,
                             const char *s, size_t len, invoice_terms_t *t,
                             invoice_field_errors_t *errors);

/**
 * The rule between fields, on what was given (valid or not), reported
 * under "currency": currency without amount "can only be given with
 * amount", amount without currency "is required when amount is given".
 */
void invoice_terms_cross_check(const invoice_terms_t *t,
                               invoice_field_errors_t *errors);

#endif
