/* Shared by the harness-hook C tests: a deterministic random source and
 * clock, message printing into one transcript, and the golden-file check. */
#ifndef PJSHIM_HOOKS_UTIL_H
#define PJSHIM_HOOKS_UTIL_H

#include <stdint.h>
#include <string.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

/* splitmix64: a fixed sequence per seed, so every run draws the same bytes. */
static uint64_t prng_state;

static void det_random(void *user_data, uint8_t *buf, pj_size_t len)
{
    PJ_UNUSED_ARG(user_data);
    for (pj_size_t i = 0; i < len; i++) {
        uint64_t z = (prng_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        buf[i] = (uint8_t)(z ^ (z >> 31));
    }
}

static uint64_t det_time(void *user_data)
{
    PJ_UNUSED_ARG(user_data);
    return 1700000000ull; /* 2023-11-14T22:13:20Z */
}

/* Everything printed by one run. */
typedef struct transcript {
    char text[32768];
    size_t len;
} transcript_t;

static void add_label(transcript_t *t, const char *label)
{
    size_t n = strlen(label);
    if (t->len + n < sizeof t->text) {
        memcpy(t->text + t->len, label, n);
        t->len += n;
    }
}

static void add_tx(transcript_t *t, const char *label, pjsip_tx_data *tx)
{
    pj_size_t n = 0;
    add_label(t, label);
    CHECK_STATUS(pjshim_tx_data_print(tx, t->text + t->len, sizeof t->text - t->len, &n),
                 PJ_SUCCESS);
    t->len += n;
}

/* Parses what `tx` prints as a received message (the far end's view). */
static pjsip_rx_data *as_rx(pjsip_tx_data *tx)
{
    static char buf[8192];
    pj_size_t n = 0;
    pjsip_rx_data *r = NULL;
    CHECK_STATUS(pjshim_tx_data_print(tx, buf, sizeof buf, &n), PJ_SUCCESS);
    CHECK_STATUS(pjshim_rx_data_parse(buf, n, &r), PJ_SUCCESS);
    return r;
}

/* The golden file's path: $PJSHIM_C_TESTS_DIR/golden/<name> (tests/c_tests.rs
 * sets it), else c-tests/golden/<name> from the current directory. */
static void golden_path(char *out, size_t size, const char *name)
{
    const char *dir = getenv("PJSHIM_C_TESTS_DIR");
    snprintf(out, size, "%s/golden/%s", dir ? dir : "c-tests", name);
}

/* Compares `t` with the golden file byte for byte; with PJSHIM_GOLDEN_UPDATE
 * set, rewrites the file instead (and still fails, so that an update is
 * never silent). */
static void check_golden(const transcript_t *t, const char *name)
{
    char path[1024];
    static char want[32768];
    golden_path(path, sizeof path, name);
    if (getenv("PJSHIM_GOLDEN_UPDATE")) {
        FILE *f = fopen(path, "wb");
        CHECK(f != NULL);
        if (f) {
            fwrite(t->text, 1, t->len, f);
            fclose(f);
        }
        fprintf(stderr, "%s rewritten; unset PJSHIM_GOLDEN_UPDATE and rerun\n", path);
        test_failures++;
        return;
    }
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return;
    }
    size_t n = fread(want, 1, sizeof want, f);
    fclose(f);
    CHECK(n == t->len);
    size_t i = 0;
    while (i < n && i < t->len && want[i] == t->text[i])
        i++;
    if (i != n || n != t->len) {
        fprintf(stderr, "%s differs at byte %zu; this run printed:\n%.*s\n", path, i,
                (int)t->len, t->text);
        test_failures++;
    }
}

#endif
