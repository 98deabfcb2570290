/* UUID text validation/normalisation and version-7 generation.  Pure code. */
#include "core/util/uuid.h"

#include <ctype.h>
#include <string.h>

#include "core/util/hex.h"

static int is_hyphen_pos(size_t i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

int invoice_uuid_parse(const char *s, size_t len, char *out)
{
    size_t i;

    if (s == NULL || len != INVOICE_UUID_LEN) {
        return 0;
    }
    /* Validate everything first so that out stays untouched on failure. */
    for (i = 0; i < len; i++) {
        if (is_hyphen_pos(i) ? s[i] != '-' : invoice_hex_digit(s[i]) < 0) {
            return 0;
        }
    }
    for (i = 0; i < len; i++) {
        out[i] = is_hyphen_pos(i) ? '-' : (char)tolower((unsigned char)s[i]);
    }
    out[len] = '\0';
    return 1;
}

void invoice_uuid_format(const unsigned char b[16], char *out)
{
    /* Groups of 4, 2, 2, 2 and 6 bytes, separated by hyphens. */
    static const size_t group[] = { 4, 2, 2, 2, 6 };
    size_t in = 0, o = 0;

    for (size_t g = 0; g < sizeof(group) / sizeof(group[0]); g++) {
        if (g > 0) {
            out[o++] = '-';
        }
        invoice_hex_encode(b + in, group[g], out + o);
        in += group[g];
        o += 2 * group[g];
    }
}

void invoice_uuid_v7(uint64_t unix_ms, const unsigned char random[10],
                     char *out)
{
    unsigned char b[16];
    int i;

    /* RFC 9562 section 5.7: unix_ts_ms (48 bits, big-endian), ver (4),
     * rand_a (12), var (2), rand_b (62).  Only 74 of the 80 random bits
     * fit: the top nibble of random[0] and top 2 bits of random[2] go. */
    for (i = 0; i < 6; i++) {
        b[i] = (unsigned char)(unix_ms >> (8 * (5 - i)));
    }
    b[6] = (unsigned char)(0x70 | (random[0] & 0x0f));
    b[7] = random[1];
    b[8] = (unsigned char)(0x80 | (random[2] & 0x3f));
    for (i = 9; i < 16; i++) {
        b[i] = random[i - 6];
    }
    invoice_uuid_format(b, out);
}

int invoice_uuid_bytes(const char *text, unsigned char out[16])
{
    char canonical[INVOICE_UUID_LEN + 1];
    int n = 0;

    if (text == NULL || !invoice_uuid_parse(text, strlen(text), canonical)) {
        return 0;
    }
    for (const char *p = canonical; *p != '\0'; p++) {
        if (*p != '-') {
            int v = invoice_hex_digit(*p);
            out[n / 2] = (unsigned char)(n % 2 == 0 ? v << 4 : out[n / 2] | v);
            n++;
        }
    }
    return 1;
}
