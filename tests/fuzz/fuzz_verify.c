/* fuzz_verify - parse and verify (nothing runs): terminates within the
 * budget, and the same script gives the same verdicts twice. */
#include "fuzz.h"

typedef struct Verdicts {
    Repl *r;
    Buf codes;
} Verdicts;

static void feed(void *ctx, const char *line)
{
    Verdicts *v = ctx;
    input_feed_line(v->r, line, "fuzz", 1);
    buf_printf(&v->codes, "%d,", fuzz_last_error(v->r) ? (int)fuzz_last_error(v->r)->code : -1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    GC_INIT();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Verdicts a = {.r = fuzz_repl(fuzz_sink(), false)}, b = {.r = fuzz_repl(fuzz_sink(), false)};
    xvm_setflags(a.r->X, XVM_VERIFY_ONLY);
    xvm_setflags(b.r->X, XVM_VERIFY_ONLY);
    fuzz_lines(data, size, feed, &a);
    fuzz_lines(data, size, feed, &b);
    if (strcmp(buf_str(&a.codes), buf_str(&b.codes)))
        abort(); /* verification must be deterministic */
    return 0;
}
