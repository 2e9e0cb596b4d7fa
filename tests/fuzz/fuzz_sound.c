/* fuzz_sound - the soundness oracle: whatever verifies runs on the checked
 * executor, and a check it fails that verification should have made
 * impossible (a slot of the wrong type, an underflow) is a verifier bug. */
#include "fuzz.h"

static void feed(void *ctx, const char *line) { input_feed_line(ctx, line, "fuzz", 1); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    GC_INIT();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Repl *r = fuzz_repl(fuzz_sink(), true);
    fuzz_lines(data, size, feed, r);
    if (fuzz_s(r)->violations)
        abort();
    return 0;
}
