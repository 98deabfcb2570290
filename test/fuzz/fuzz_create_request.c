/* libFuzzer target: invoice_create_parse on the raw body, then render the
 * problem document of a refusal; both must stay consistent. */
#include <stdint.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "core/request/create.h"
#include "core/request/json_strict.h"
#include "core/http/problem.h"
#include "core/util/sha256.h"
#include "fuzz_check.h"

/* Whether the first byte after JSON whitespace opens an object or array. */
static int starts_container(const uint8_t *d, size_t n)
{
    size_t i = 0;

    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n')) {
        i++;
    }
    return i < n && (d[i] == '{' || d[i] == '[');
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return apr_initialize() == APR_SUCCESS ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    invoice_create_t out;
    invoice_create_result_t res;
    const char *doc, *why = NULL;
    apr_size_t doclen;

    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return 0;
    }
    res = invoice_create_parse(p, (const char *)data, size, &out);
    if (res.status == 0) {
        unsigned char digest[INVOICE_SHA256_LEN];

        FUZZ_CHECK(out.receiver_id >= 1 && out.receiver_id <= INVOICE_ID_MAX);
        FUZZ_CHECK(out.file_type != INVOICE_FILETYPE_UNKNOWN);
        FUZZ_CHECK(out.content != NULL && out.content_len > 0);
        FUZZ_CHECK(invoice_filetype_matches(out.file_type, out.content,
                                            out.content_len));
        invoice_sha256(out.content, out.content_len, digest);
        FUZZ_CHECK(memcmp(digest, out.sha256, sizeof(digest)) == 0);
        /* A valid body is valid strict JSON. */
        FUZZ_CHECK(invoice_json_check((const char *)data, size,
                                      INVOICE_JSON_MAX_DEPTH, NULL));
    }
    else {
        FUZZ_CHECK(res.status == 400 || res.status == 422);
        FUZZ_CHECK(res.detail != NULL);
        FUZZ_CHECK(res.status == 400 || (res.errors != NULL
                   && invoice_field_errors_count(res.errors) > 0));
        /* json_strict accepted an object or array that json-c did not.
         * (Top-level scalars are known to get this detail: json-c wants
         * a terminator after "42" or "true"; reported, not checked.) */
        FUZZ_CHECK(!starts_container(data, size)
                   || strcmp(res.detail, "request body is not valid JSON") != 0);
        doc = invoice_problem_render(p, res.status, res.detail, res.errors,
                                     &doclen);
        FUZZ_CHECK(doc != NULL && strlen(doc) == doclen);
        /* The problem document itself is strict JSON, whatever the input. */
        if (!invoice_json_check(doc, doclen, INVOICE_JSON_MAX_DEPTH, &why)) {
            fprintf(stderr, "rendered problem is not JSON (%s): %s\n", why, doc);
            abort();
        }
    }
    apr_pool_destroy(p);
    return 0;
}
