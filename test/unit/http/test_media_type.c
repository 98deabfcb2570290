/* Unit tests for src/core/http/media_type.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/http/media_type.h"

typedef struct {
    const char *value;
    const char *rest;   /* NULL: no match */
} media_case;

static const media_case cases[] = {
    { "application/json", "" },
    { "APPLICATION/Json", "" },
    { "application/json; charset=utf-8", "; charset=utf-8" },
    { "application/json ;charset=utf-8", ";charset=utf-8" },
    { "application/json\t", "" },
    { "application/jsonx", NULL },
    { "application/json x", NULL },
    { "application/jso", NULL },
    { "text/json", NULL },
    { "", NULL },
    { " application/json", NULL },
};

static void test_match(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *rest = invoice_media_type_match(cases[i].value,
                                                    "application/json");
        if (cases[i].rest == NULL) {
            if (rest != NULL) {
                fail_msg("\"%s\" matched", cases[i].value);
            }
        }
        else {
            assert_non_null(rest);
            assert_string_equal(rest, cases[i].rest);
        }
    }
    assert_null(invoice_media_type_match(NULL, "application/json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
    };

    return cmocka_run_group_tests_name("media_type", tests, NULL, NULL);
}
