/* libFuzzer target: magic-byte sniffing and media-type mapping, checked
 * against the signatures they are documented to use. */
#include <stdint.h>
#include <string.h>

#include "core/filetype.h"
#include "fuzz_check.h"

static int starts_with(const uint8_t *d, size_t n, const char *sig, size_t len)
{
    return n >= len && memcmp(d, sig, len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const invoice_filetype_t types[] = {
        INVOICE_FILETYPE_UNKNOWN, INVOICE_FILETYPE_PDF, INVOICE_FILETYPE_PNG,
    };
    invoice_filetype_t t = invoice_filetype_from_media((const char *)data, size);

    /* Only the exact media type maps to a type, and maps back to it. */
    if (t != INVOICE_FILETYPE_UNKNOWN) {
        const char *media = invoice_filetype_media(t);

        FUZZ_CHECK(media != NULL && strlen(media) == size);
        FUZZ_CHECK(memcmp(media, data, size) == 0);
        FUZZ_CHECK(invoice_filetype_ext(t) != NULL);
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        int m = invoice_filetype_matches(types[i], data, size);
        int want = 0;

        if (types[i] == INVOICE_FILETYPE_PDF) {
            want = starts_with(data, size, "%PDF-", 5);
        }
        else if (types[i] == INVOICE_FILETYPE_PNG) {
            want = starts_with(data, size, "\x89PNG\r\n\x1a\n", 8);
        }
        FUZZ_CHECK(m == want);
    }
    return 0;
}
