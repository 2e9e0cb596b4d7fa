/* fuzz_diff - the differential oracle over the three tiers: the checked
 * stepper (nested interpretation, as :trace runs), threaded code (policy
 * never), native code (policy eager: every procedure compiled at its
 * first call) and both mixed (after-n after 3: calls become native in the
 * middle of their loops), fed the same script, print the same output, fail
 * the same inputs with the same kind of error and end with the same stack. */
#define _GNU_SOURCE /* memmem */
#include "fuzz.h"
#include "policy.h"

enum { STEPPER, THREADED, NATIVE, RESUMED, TIERS };

typedef struct Tiers {
    Repl *r[TIERS];
} Tiers;

static void feed(void *ctx, const char *line)
{
    Tiers *t = ctx;
    for (int k = 0; k < TIERS; k++)
        input_feed_line(t->r[k], line, "fuzz", 1);
    const Error *a = fuzz_last_error(t->r[STEPPER]);
    for (int k = 1; k < TIERS; k++) {
        const Error *b = fuzz_last_error(t->r[k]);
        if (!a != !b || (a && a->code != b->code))
            abort();
    }
}

/* :show's line per version ("// fib@v1 runs native code") is the one
 * thing that differs by tier, as tests/run.sh's tier_free says. */
static bool tier_line(const char *line, size_t n)
{
    static const char *const says[] = {" runs ", " was native code", " as built before"};
    if (n < 3 || memcmp(line, "// ", 3))
        return false;
    const char *at = memmem(line, n, "@v", 2);
    const char *sp = at ? memchr(at, ' ', n - (size_t)(at - line)) : NULL;
    for (size_t k = 0; sp && k < sizeof says / sizeof *says; k++)
        if ((size_t)(line + n - sp) >= strlen(says[k]) && !memcmp(sp, says[k], strlen(says[k])))
            return true;
    return false;
}

static void drop_tier_lines(char *text, size_t *len)
{
    size_t w = 0;
    for (size_t r = 0; r < *len;) {
        const char *nl = memchr(text + r, '\n', *len - r);
        size_t n = nl ? (size_t)(nl - (text + r)) + 1 : *len - r;
        if (!tier_line(text + r, n))
            memmove(text + w, text + r, n), w += n;
        r += n;
    }
    *len = w;
}

static bool same_stack(const Repl *a, const Repl *b)
{
    Vm *va = fuzz_s(a)->vm, *vb = fuzz_s(b)->vm;
    if (va->depth != vb->depth)
        return false;
    for (uint32_t i = 0; i < va->depth; i++)
        if (type_repr(fuzz_s(a)->vs->items[i].type) == TY_INT && va->stack[i] != vb->stack[i])
            return false;
    return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    GC_INIT();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const policy[TIERS] = {NULL, "never", "eager", "after-n"};
    char *out[TIERS] = {NULL};
    size_t len[TIERS] = {0};
    FILE *f[TIERS];
    Tiers t;
    for (int k = 0; k < TIERS; k++) {
        f[k] = open_memstream(&out[k], &len[k]);
        t.r[k] = fuzz_repl(f[k], k == STEPPER);
        if (policy[k] && policy_choose(fuzz_s(t.r[k]), policy[k], (Span){0}))
            abort();
        if (k == RESUMED)
            fuzz_s(t.r[k])->compile_after = 3;
    }
    fuzz_lines(data, size, feed, &t);
    bool same = true;
    for (int k = 0; k < TIERS; k++) {
        fflush(f[k]);
        drop_tier_lines(out[k], &len[k]);
    }
    for (int k = 1; k < TIERS; k++)
        same = same && len[k] == len[STEPPER] && !memcmp(out[k], out[STEPPER], len[k]) && same_stack(t.r[STEPPER], t.r[k]);
    for (int k = 0; k < TIERS; k++) {
        fclose(f[k]);
        free(out[k]);
    }
    if (!same)
        abort();
    return 0;
}
