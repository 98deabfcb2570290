/* libFuzzer target: an invoice's optional terms given as text.  The first
 * byte picks the field (amount, currency, due_date, reference), the rest
 * is its value.  Cross-checks: a value is accepted exactly when no error
 * is recorded; what is accepted is canonical (it prints back to the same
 * bytes) and within the rules; the same text as a JSON string is judged
 * the same way (amount aside: a JSON string is never an amount). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <json-c/json.h>

#include "core/request/terms.h"
#include "core/util/currency.h"
#include "core/util/date.h"
#include "core/util/json.h"
#include "core/util/utf8.h"
#include "fuzz_check.h"

static const invoice_term_t fields[] = {
    INVOICE_TERM_AMOUNT, INVOICE_TERM_CURRENCY, INVOICE_TERM_DUE_DATE,
    INVOICE_TERM_REFERENCE,
};
static const char *const names[] = { INVOICE_TERMS_FIELD_NAMES };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return apr_initialize() == APR_SUCCESS ? 0 : -1;
}

static int accepted(const invoice_terms_t *t, invoice_term_t field)
{
    switch (field) {
    case INVOICE_TERM_AMOUNT: return t->has_amount;
    case INVOICE_TERM_CURRENCY: return t->currency != NULL;
    case INVOICE_TERM_DUE_DATE: return t->due_date != NULL;
    default: return t->reference != NULL;
    }
}

static size_t code_points(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    }
    return n;
}

/* What was accepted obeys the rules and reads back as the input. */
static void check_accepted(apr_pool_t *p, const invoice_terms_t *t,
                           invoice_term_t field, const char *s, size_t len)
{
    char buf[32];
    invoice_date_t d;

    if (field == INVOICE_TERM_AMOUNT) {
        FUZZ_CHECK(t->amount >= INVOICE_AMOUNT_MIN && t->amount <= INVOICE_AMOUNT_MAX);
        snprintf(buf, sizeof(buf), "%lld", (long long)t->amount);
        FUZZ_CHECK(strlen(buf) == len && memcmp(buf, s, len) == 0);
    }
    else if (field == INVOICE_TERM_CURRENCY) {
        FUZZ_CHECK(len == 3 && memcmp(t->currency, s, 3) == 0);
        FUZZ_CHECK(invoice_currency_known(t->currency, strlen(t->currency)));
    }
    else if (field == INVOICE_TERM_DUE_DATE) {
        FUZZ_CHECK(invoice_date_parse(t->due_date, strlen(t->due_date), &d)
                   == INVOICE_DATE_OK);
        snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.year, d.month, d.day);
        FUZZ_CHECK(strlen(buf) == len && memcmp(buf, s, len) == 0);
    }
    else {
        FUZZ_CHECK(strlen(t->reference) == len && memcmp(t->reference, s, len) == 0);
        FUZZ_CHECK(invoice_utf8_clean(p, t->reference) == t->reference);
        FUZZ_CHECK(len > 0 && code_points(s, len) <= INVOICE_REFERENCE_MAX_CHARS);
        for (size_t i = 0; i < len; i++) {     /* no C0, DEL, C1 */
            const unsigned char *u = (const unsigned char *)s + i;

            FUZZ_CHECK(u[0] >= 0x20 && u[0] != 0x7f);
            FUZZ_CHECK(!(u[0] == 0xc2 && i + 1 < len && u[1] <= 0x9f));
        }
        FUZZ_CHECK(s[0] != ' ' && s[len - 1] != ' ');
    }
}

/* The same bytes as a JSON string member. */
static void check_json_agrees(apr_pool_t *p, size_t which, const char *s,
                              size_t len, int text_ok)
{
    invoice_field_errors_t *errors = invoice_field_errors_make(p);
    json_object *obj = invoice_json_own(p, json_object_new_object());
    invoice_terms_t t;

    memset(&t, 0, sizeof(t));
    json_object_object_add(obj, names[which],
                           json_object_new_string_len(s, (int)len));
    invoice_terms_from_json(p, obj, &t, errors);
    FUZZ_CHECK(t.given == (unsigned)fields[which]);
    if (fields[which] == INVOICE_TERM_AMOUNT) {
        FUZZ_CHECK(!t.has_amount && invoice_field_errors_count(errors) == 1);
        return;
    }
    FUZZ_CHECK(accepted(&t, fields[which]) == text_ok);
    FUZZ_CHECK((invoice_field_errors_count(errors) == 0) == text_ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    invoice_field_errors_t *errors;
    invoice_terms_t t;
    size_t which;
    const char *s;
    size_t len;
    int ok;

    if (size == 0 || size > 1 << 16 || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return 0;
    }
    which = data[0] % 4;
    s = (const char *)data + 1;
    len = size - 1;
    errors = invoice_field_errors_make(p);
    memset(&t, 0, sizeof(t));
    invoice_terms_from_text(p, fields[which], s, len, &t, errors);
    ok = accepted(&t, fields[which]);
    FUZZ_CHECK(t.given == (unsigned)fields[which]);
    FUZZ_CHECK((invoice_field_errors_count(errors) == 0) == ok);
    if (ok) {
        check_accepted(p, &t, fields[which], s, len);
    }
    check_json_agrees(p, which, s, len, ok);
    /* A repeat is refused and the first value kept. */
    invoice_terms_from_text(p, fields[which], s, len, &t, errors);
    FUZZ_CHECK(accepted(&t, fields[which]) == ok);
    FUZZ_CHECK(invoice_field_errors_count(errors) == 1);
    apr_pool_destroy(p);
    return 0;
}
