/* fuzz_repl - REPL scripts: after an input that fails before running
 * (anything but a run-time trap), the session is exactly as it was. */
#include "fuzz.h"

typedef struct Snapshot {
    uint32_t depth, ndefs;
    Value *stack;
    void **cur;
    VState *vs;
    const Machine *machine;
} Snapshot;

static Snapshot snap(const Session *s)
{
    Snapshot n = {.depth = s->vm->depth, .ndefs = s->ws->defs.len, .machine = s->machine};
    n.stack = gc_calloc(n.depth + 1, sizeof(Value));
    memcpy(n.stack, s->vm->stack, n.depth * sizeof(Value));
    n.cur = gc_calloc(n.ndefs + 1, sizeof(void *));
    for (uint32_t i = 0; i < n.ndefs; i++)
        n.cur[i] = ((Def *)s->ws->defs.items[i])->cur;
    n.vs = vstate_copy(s->vs);
    return n;
}

static bool same(const Snapshot *a, const Snapshot *b)
{
    if (a->depth != b->depth || a->ndefs != b->ndefs || a->machine != b->machine || !vstate_equal(a->vs, b->vs))
        return false;
    return !memcmp(a->stack, b->stack, a->depth * sizeof(Value)) && !memcmp(a->cur, b->cur, a->ndefs * sizeof(void *));
}

static void feed(void *ctx, const char *line)
{
    Repl *r = ctx;
    Snapshot before = snap(fuzz_s(r));
    bool pending = r->pending.len > 0;
    input_feed_line(r, line, "fuzz", 1);
    const Error *e = fuzz_last_error(r);
    if (pending || !e || e->code == E_TRAP || r->pending.len)
        return;
    Snapshot after = snap(fuzz_s(r));
    if (!same(&before, &after))
        abort(); /* a rejected input changed something */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    GC_INIT();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_lines(data, size, feed, fuzz_repl(fuzz_sink(), false));
    return 0;
}
