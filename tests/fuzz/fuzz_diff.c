/* fuzz_diff - the differential oracle: the fast executor and the checked
 * one, fed the same script, print the same output, fail the same inputs
 * and end with the same stack. */
#include "fuzz.h"

typedef struct Pair {
    Repl *fast, *checked;
} Pair;

static void feed(void *ctx, const char *line)
{
    Pair *p = ctx;
    input_feed_line(p->fast, line, "fuzz", 1);
    input_feed_line(p->checked, line, "fuzz", 1);
    const Error *a = fuzz_last_error(p->fast), *b = fuzz_last_error(p->checked);
    if (!a != !b || (a && a->code != b->code))
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    GC_INIT();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *out_a = NULL, *out_b = NULL;
    size_t len_a = 0, len_b = 0;
    FILE *fa = open_memstream(&out_a, &len_a), *fb = open_memstream(&out_b, &len_b);
    Pair p = {fuzz_repl(fa, false), fuzz_repl(fb, true)};
    fuzz_lines(data, size, feed, &p);
    fflush(fa);
    fflush(fb);
    bool same = len_a == len_b && (!len_a || !memcmp(out_a, out_b, len_a));
    Vm *va = fuzz_s(p.fast)->vm, *vb = fuzz_s(p.checked)->vm;
    same = same && va->depth == vb->depth;
    for (uint32_t i = 0; same && i < va->depth; i++)
        if (type_repr(fuzz_s(p.fast)->vs->items[i].type) == TY_INT && va->stack[i] != vb->stack[i])
            same = false;
    fclose(fa);
    fclose(fb);
    free(out_a);
    free(out_b);
    if (!same)
        abort();
    return 0;
}
