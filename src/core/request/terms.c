/* An invoice's optional terms.  See terms.h for the rules. */
#include "core/request/terms.h"

#include <string.h>
#include <apr_strings.h>

#include "core/util/currency.h"
#include "core/util/date.h"
#include "core/util/decimal.h"
#include "core/util/json.h"
#include "core/util/utf8.h"

#define BLANK "can't be blank"
#define AMOUNT_RANGE "must be between 1 and 1000000000000000"

/* The checks of a field's text, the same for JSON strings. */
typedef void (*text_check)(apr_pool_t *p, const char *s, size_t len,
                           invoice_terms_t *t, invoice_field_errors_t *errors);

static void check_amount_text(apr_pool_t *p, const char *s, size_t len,
                              invoice_terms_t *t, invoice_field_errors_t *errors);
static void check_currency(apr_pool_t *p, const char *s, size_t len,
                           invoice_terms_t *t, invoice_field_errors_t *errors);
static void check_due_date(apr_pool_t *p, const char *s, size_t len,
                           invoice_terms_t *t, invoice_field_errors_t *errors);
static void check_reference(apr_pool_t *p, const char *s, size_t len,
                            invoice_terms_t *t, invoice_field_errors_t *errors);

static const struct term_field {
    const char *name;
    invoice_term_t bit;
    text_check check;
} fields[] = {
    { "amount", INVOICE_TERM_AMOUNT, check_amount_text },
    { "currency", INVOICE_TERM_CURRENCY, check_currency },
    { "due_date", INVOICE_TERM_DUE_DATE, check_due_date },
    { "reference", INVOICE_TERM_REFERENCE, check_reference },
};

#define FIELD_COUNT (sizeof(fields) / sizeof(fields[0]))

invoice_term_t invoice_terms_field(const char *name, size_t len)
{
    for (size_t i = 0; i < FIELD_COUNT; i++) {
        if (name != NULL && strlen(fields[i].name) == len
            && memcmp(fields[i].name, name, len) == 0) {
            return fields[i].bit;
        }
    }
    return INVOICE_TERM_NONE;
}

/* Mark f given; 0 (and an error) when it already was. */
static int take(const struct term_field *f, invoice_terms_t *t,
                invoice_field_errors_t *errors)
{
    if (t->given & f->bit) {
        invoice_field_errors_add(errors, f->name, "is given more than once");
        return 0;
    }
    t->given |= f->bit;
    return 1;
}

static void check_amount_range(int64_t n, invoice_terms_t *t,
                               invoice_field_errors_t *errors)
{
    if (n < INVOICE_AMOUNT_MIN || n > INVOICE_AMOUNT_MAX) {
        invoice_field_errors_add(errors, "amount", AMOUNT_RANGE);
        return;
    }
    t->amount = n;
    t->has_amount = 1;
}

/* "-5" reads as a number out of range, as receiver_id's text does; "+5",
 * " 5", "5.0" and "" are no integers. */
static void check_amount_text(apr_pool_t *p, const char *s, size_t len,
                              invoice_terms_t *t, invoice_field_errors_t *errors)
{
    int negative = len > 0 && s[0] == '-';
    size_t n = len - (size_t)negative;
    uint64_t v;

    (void)p;
    if (len == 0) {
        invoice_field_errors_add(errors, "amount", BLANK);
    }
    else if (n == 0 || invoice_decimal_scan(s + negative, n,
                           (uint64_t)INVOICE_AMOUNT_MAX + 1, &v) != n) {
        invoice_field_errors_add(errors, "amount", "must be an integer");
    }
    else if (n > 1 && s[negative] == '0') {
        invoice_field_errors_add(errors, "amount",
                                 "must be written without leading zeros");
    }
    else {  /* v saturates at 10^15 + 1: out of range, never overflowed */
        check_amount_range(negative ? -(int64_t)v : (int64_t)v, t, errors);
    }
}

/* Only a JSON integer: json-c would convert "12", 12.5 or true.  Integers
 * beyond int64 reach us saturated (INT64_MIN, INT64_MAX), so out of range. */
static void check_amount_json(json_object *v, invoice_terms_t *t,
                              invoice_field_errors_t *errors)
{
    if (!json_object_is_type(v, json_type_int)) {
        invoice_field_errors_add(errors, "amount", "must be an integer");
        return;
    }
    check_amount_range(json_object_get_int64(v), t, errors);
}

/* Three ASCII letters, uppercased into upper. */
static int three_letters(const char *s, size_t len, char *upper)
{
    if (len != INVOICE_CURRENCY_LEN) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (c >= 'a' && c <= 'z') {
            c = (char)(c - 'a' + 'A');
        }
        if (c < 'A' || c > 'Z') {
            return 0;
        }
        upper[i] = c;
    }
    return 1;
}

static void check_currency(apr_pool_t *p, const char *s, size_t len,
                           invoice_terms_t *t, invoice_field_errors_t *errors)
{
    char upper[INVOICE_CURRENCY_LEN];

    if (len == 0) {
        invoice_field_errors_add(errors, "currency", BLANK);
    }
    else if (!three_letters(s, len, upper)) {
        invoice_field_errors_add(errors, "currency",
                                 "must be a three-letter ISO 4217 code, e.g. EUR");
    }
    else if (!invoice_currency_known(upper, sizeof(upper))) {
        invoice_field_errors_add(errors, "currency",
                                 "is not a current ISO 4217 currency code");
    }
    else if (memcmp(upper, s, sizeof(upper)) != 0) {
        /* "eur": known, so say exactly what is wrong. */
        invoice_field_errors_add(errors, "currency",
                                 "must be in uppercase letters, e.g. EUR");
    }
    else {
        t->currency = apr_pstrmemdup(p, s, len);
    }
}

static void check_due_date(apr_pool_t *p, const char *s, size_t len,
                           invoice_terms_t *t, invoice_field_errors_t *errors)
{
    invoice_date_t date;

    if (len == 0) {
        invoice_field_errors_add(errors, "due_date", BLANK);
        return;
    }
    switch (invoice_date_parse(s, len, &date)) {
    case INVOICE_DATE_OK:
        t->due_date = apr_pstrmemdup(p, s, len);
        break;
    case INVOICE_DATE_OUT_OF_RANGE:
        invoice_field_errors_add(errors, "due_date",
                                 "must be a date from 1900-01-01 to 9999-12-31");
        break;
    default:
        invoice_field_errors_add(errors, "due_date",
                                 "must be a date (YYYY-MM-DD)");
        break;
    }
}

/* What a reference's text is made of (terms.h, "visible"). */
typedef struct {
    size_t chars;               /* code points */
    int bad_utf8;
    int control;                /* a control character anywhere */
    uint32_t first, last;       /* code points */
} text_scan;

/* The code point of a sequence invoice_utf8_sequence accepted. */
static uint32_t code_point(const unsigned char *s, size_t n)
{
    static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
    uint32_t c = s[0] & lead_mask[n];

    for (size_t i = 1; i < n; i++) {
        c = c << 6 | (s[i] & 0x3f);
    }
    return c;
}

/* C0, DEL, C1, the line breaks U+2028/2029 and the bidirectional controls. */
static int is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028
           || c == 0x2029 || c == 0x061c || c == 0x200e || c == 0x200f
           || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* Unicode White_Space (less the controls, reported as such) and the
 * zero-width characters: invisible at either end. */
static int is_blank_char(uint32_t c)
{
    return c == 0x20 || c == 0xa0 || c == 0x1680
           || (c >= 0x2000 && c <= 0x200b) || c == 0x202f || c == 0x205f
           || c == 0x2060 || c == 0x3000 || c == 0xfeff;
}

static text_scan scan_text(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    text_scan scan = { 0, 0, 0, 0, 0 };

    for (size_t at = 0; at < len;) {
        size_t n = invoice_utf8_sequence(u + at, len - at);
        uint32_t c;

        if (n == 0) {
            scan.bad_utf8 = 1;
            return scan;
        }
        c = code_point(u + at, n);
        scan.first = scan.chars == 0 ? c : scan.first;
        scan.last = c;
        scan.control |= is_control(c);
        scan.chars++;
        at += n;
    }
    return scan;
}

/* Every problem of the text is reported, not just the first. */
static void check_reference(apr_pool_t *p, const char *s, size_t len,
                            invoice_terms_t *t, invoice_field_errors_t *errors)
{
    text_scan scan = scan_text(s, len);
    int ok = 1;

    if (len == 0) {
        invoice_field_errors_add(errors, "reference", BLANK);
        return;
    }
    if (scan.bad_utf8) {    /* nothing else can be judged */
        invoice_field_errors_add(errors, "reference", "must be valid UTF-8");
        return;
    }
    if (scan.control) {
        invoice_field_errors_add(errors, "reference",
                                 "must not contain control characters");
        ok = 0;
    }
    if (is_blank_char(scan.first) || is_blank_char(scan.last)) {
        invoice_field_errors_add(errors, "reference",
                                 "must not start or end with spaces");
        ok = 0;
    }
    if (scan.chars > INVOICE_REFERENCE_MAX_CHARS) {
        invoice_field_errors_add(errors, "reference",
                                 "must be 1 to 64 characters");
        ok = 0;
    }
    if (ok) {
        t->reference = apr_pstrmemdup(p, s, len);
    }
}

void invoice_terms_from_json(apr_pool_t *p, json_object *obj,
                             invoice_terms_t *t,
                             invoice_field_errors_t *errors)
{
    for (size_t i = 0; i < FIELD_COUNT; i++) {
        const struct term_field *f = &fields[i];
        /* NULL for an absent member and for JSON null alike. */
        json_object *v = invoice_json_member(obj, f->name);

        if (v == NULL || !take(f, t, errors)) {
            continue;
        }
        if (f->bit == INVOICE_TERM_AMOUNT) {
            check_amount_json(v, t, errors);
        }
        else if (!json_object_is_type(v, json_type_string)) {
            invoice_field_errors_add(errors, f->name, "must be a string");
        }
        else {
            f->check(p, json_object_get_string(v),
                     (size_t)json_object_get_string_len(v), t, errors);
        }
    }
}

void invoice_terms_from_text(apr_pool_t *p, invoice_term_t field,
                             const char *s, size_t len, invoice_terms_t *t,
                             invoice_field_errors_t *errors)
{
    for (size_t i = 0; i < FIELD_COUNT; i++) {
        if (fields[i].bit == field && take(&fields[i], t, errors)) {
            fields[i].check(p, s, len, t, errors);
        }
    }
}

void invoice_terms_cross_check(const invoice_terms_t *t,
                               invoice_field_errors_t *errors)
{
    int amount = (t->given & INVOICE_TERM_AMOUNT) != 0;
    int currency = (t->given & INVOICE_TERM_CURRENCY) != 0;

    if (currency && !amount) {
        invoice_field_errors_add(errors, "currency",
                                 "can only be given with amount");
    }
    else if (amount && !currency) {
        invoice_field_errors_add(errors, "currency",
                                 "is required when amount is given");
    }
}
