/* The test tables of each file, run in this order by test_main.c. */
#ifndef INVOICE_IT_TESTS_H
#define INVOICE_IT_TESTS_H

#include "util.h"

#define IT_DECLARE(group) \
    extern const struct CMUnitTest it_tests_##group[]; \
    extern const size_t it_tests_##group##_n

#define IT_DEFINE_COUNT(group) \
    const size_t it_tests_##group##_n = \
        sizeof it_tests_##group / sizeof it_tests_##group[0]

IT_DECLARE(auth);
IT_DECLARE(create);
IT_DECLARE(validation);
IT_DECLARE(list);
IT_DECLARE(consumer);
IT_DECLARE(errors);
IT_DECLARE(protocol);
IT_DECLARE(upload);
IT_DECLARE(download);
IT_DECLARE(hostile);
IT_DECLARE(hostile_http);
IT_DECLARE(authz);
IT_DECLARE(idempotency);
IT_DECLARE(terms);
IT_DECLARE(lifecycle);
IT_DECLARE(events);

/* Start the one slow request (test_hostile.c) in the background. */
void it_short_body_start(void);
IT_DECLARE(db);

#endif
