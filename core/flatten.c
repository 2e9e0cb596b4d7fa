/* flatten.c - layered operations down to core operations (DESIGN §6).
 *
 * A call of a machine operation is replaced by the body of the operation
 * that implements it, through the links of its component, recursively, so
 * layering costs nothing at run time: `tadd` runs as two `add`s.  State
 * slots become pointers into the component's state.  A callee whose flat
 * body is large is compiled once as a subroutine instead of copied into
 * every caller.  Results are memoised per (component, operation). */
#include "define.h"
#include "flatten.h"
#include "vm.h"

#include <string.h>

#define INLINE_MAX 256 /* instructions: above this a callee is a subroutine */

typedef struct Flat {
    const Component *comp;
    const OpDef *op;
    Body *body;
    Code *code; /* compiled on first use as a subroutine */
} Flat;

typedef struct FlatCache {
    Vec items;           /* Flat* */
    uint32_t depth_here; /* the body's own max depth: a safe bound at any call */
} FlatCache;

static Body *flatten_in(FlatCache *fc, const Body *b, const Component *comp, Error **err);

static Flat *flat_of(FlatCache *fc, const Component *comp, const OpDef *op, Error **err)
{
    for (uint32_t i = 0; i < fc->items.len; i++) {
        Flat *f = fc->items.items[i];
        if (f->comp == comp && f->op == op)
            return f;
    }
    Flat *f = gc_alloc(sizeof *f);
    f->comp = comp;
    f->op = op;
    vec_push(&fc->items, f);
    if (!op->verified) {
        *err = err_new(E_UNKNOWN, op->def ? op->def->span : (Span){0}, "internal: operation '%s' was never verified",
                       op->name);
        return NULL;
    }
    f->body = flatten_in(fc, op->verified, comp, err);
    return *err ? NULL : f;
}

static Error *put(Body *out, Insn in)
{
    if (out->n >= FLAT_MAX_INSNS)
        return err_new(E_LIMIT, in.span, "flattened code too large");
    VEC_PUSH(out->insns, out->n, out->cap, in);
    return NULL;
}

/* Copy a flat callee into out: jumps shift, return jumps to its end. */
static Error *inline_body(Body *out, const Body *callee, Span at)
{
    uint32_t base = out->n, end = base + callee->n;
    for (uint32_t i = 0; i < callee->n; i++) {
        Insn in = callee->insns[i];
        if (prim_is_jump(in.op))
            in.imm += base;
        if (in.op == P_RETURN)
            in = (Insn){.op = P_JUMP, .imm = end, .label = "<return>", .span = in.span};
        Error *e = put(out, in);
        if (e)
            return e;
    }
    return put(out, (Insn){.op = P_LABEL, .label = "<return>", .span = at});
}

static Error *emit_call(FlatCache *fc, Body *out, const Insn *in, const Component *comp, const OpDef *op)
{
    Error *e = NULL;
    Flat *f = flat_of(fc, comp, op, &e);
    if (e)
        return e;
    /* The callee's own growth above its inputs comes on top of the
     * caller's simulated depth at the call. */
    uint32_t grow = f->body->max_depth > op->eff.nin ? f->body->max_depth - op->eff.nin : 0;
    if (out->max_depth < fc->depth_here + grow)
        out->max_depth = fc->depth_here + grow;
    if (f->body->n <= INLINE_MAX)
        return inline_body(out, f->body, in->span);
    if (!f->code) {
        f->code = compile_body(f->body, true, op->eff.nin, 0);
        f->code->subroutine = true;
    }
    return put(out, (Insn){.op = P_CALLCODE, .ref.code = f->code, .label = in->label, .span = in->span});
}

static Error *flatten_insn(FlatCache *fc, Body *out, const Insn *in, const Component *comp)
{
    switch (in->op) {
    case P_TICK: return NULL;
    case P_OPCALL: {
        const OpTarget *t = in->ref.target;
        return emit_call(fc, out, in, t->comp, t->op);
    }
    case P_OWNCALL: return emit_call(fc, out, in, comp, in->ref.own);
    case P_PORTCALL: {
        const Link *l = comp ? &comp->links[in->imm] : NULL;
        const OpSig *sig = in->ref.sig;
        OpDef *op = l && l->provider ? lookup_module_op(l->provider->module, l->port, sig->name) : NULL;
        if (!op)
            return err_new(E_UNKNOWN, in->span, "internal: port call '%s' has no provider", in->label);
        return emit_call(fc, out, in, l->provider, op);
    }
    case P_STATE_GET:
    case P_STATE_SET: {
        if (!comp)
            return err_new(E_UNKNOWN, in->span, "internal: state access outside a component");
        Insn s = *in;
        s.ref.slot = &comp->state[in->imm];
        return put(out, s);
    }
    default: return put(out, *in);
    }
}

/* Flatten b in the context of comp.  Jump targets are remapped since
 * ticks vanish and calls expand. */
static Body *flatten_in(FlatCache *fc, const Body *b, const Component *comp, Error **err)
{
    Body *out = lower_body_new(b->name);
    out->end_span = b->end_span;
    out->max_depth = b->max_depth;
    uint32_t saved = fc->depth_here;
    uint32_t *at = gc_alloc_atomic((b->n + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < b->n && !*err; i++) {
        at[i] = out->n;
        fc->depth_here = b->max_depth; /* callees may change it while flattening */
        *err = flatten_insn(fc, out, &b->insns[i], comp);
    }
    fc->depth_here = saved;
    at[b->n] = out->n;
    if (*err)
        return NULL;
    /* Jumps copied from b itself still hold b's indices; inlined ones were
     * shifted to out's.  Tell them apart by position: a jump that came
     * from b's own instruction i sits at at[i]. */
    for (uint32_t i = 0; i < b->n; i++) {
        const Insn *src = &b->insns[i];
        if (prim_is_jump(src->op))
            out->insns[at[i]].imm = at[src->imm];
    }
    return out;
}

Body *flatten_body(const Body *b, const Component *comp, Error **err)
{
    FlatCache fc = {0};
    *err = NULL;
    return flatten_in(&fc, b, comp, err);
}

Code *flatten_compile(const Body *b, const Component *comp, bool is_proc, uint32_t nin, int version,
                     Error **err)
{
    Body *flat = flatten_body(b, comp, err);
    if (*err)
        return NULL;
    flat->name = b->name;
    return compile_body(flat, is_proc, nin, version);
}

/* ---- the state slots a code may take from ------------------------------------------ */

static void slots_of(const Code *code, Vec *seen, Vec *slots)
{
    if (!code || vec_index(seen, code) >= 0)
        return;
    vec_push(seen, (void *)code);
    const Body *b = code->body;
    for (uint32_t i = 0; i < b->n; i++) {
        const Insn *in = &b->insns[i];
        if (in->op == P_STATE_GET && vec_index(slots, in->ref.slot) < 0)
            vec_push(slots, in->ref.slot);
        else if (in->op == P_CALLCODE)
            slots_of(in->ref.code, seen, slots);
        else if (in->op == P_CALL)
            slots_of(proc_current(in->ref.proc)->code, seen, slots);
    }
}

void flatten_slots_taken(const Code *code, Vec *slots)
{
    Vec seen = {0};
    slots_of(code, &seen, slots);
}
