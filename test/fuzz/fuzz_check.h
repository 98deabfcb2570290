/* Shared by the libFuzzer targets: a failed cross-check aborts, which
 * libFuzzer reports as a crash and saves the input. */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond) do {                                               \
        if (!(cond)) {                                                      \
            fprintf(stderr, "%s:%d: cross-check failed: %s\n", __FILE__,    \
                    __LINE__, #cond);                                       \
            abort();                                                        \
        }                                                                   \
    } while (0)

#endif
