/* Tiny assertion helpers shared by the C tests. Each test is a program that
 * exits 0 when every CHECK held. */
#ifndef PJSHIM_TEST_UTIL_H
#define PJSHIM_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

static int test_failures;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,     \
                    #cond);                                                      \
            test_failures++;                                                     \
        }                                                                        \
    } while (0)

#define CHECK_STATUS(expr, expected)                                             \
    do {                                                                         \
        long check_got_ = (long)(expr);                                          \
        long check_want_ = (long)(expected);                                     \
        if (check_got_ != check_want_) {                                         \
            fprintf(stderr, "%s:%d: %s returned %ld, expected %ld\n", __FILE__,  \
                    __LINE__, #expr, check_got_, check_want_);                   \
            test_failures++;                                                     \
        }                                                                        \
    } while (0)

/* Ends the program: prints a summary line and exits non-zero on failure. */
#define TEST_DONE(name)                                                          \
    do {                                                                         \
        if (test_failures) {                                                     \
            fprintf(stderr, "%s: %d check(s) failed\n", name, test_failures);   \
            return 1;                                                            \
        }                                                                        \
        printf("%s: ok\n", name);                                                \
        return 0;                                                                \
    } while (0)

#endif
