/* stepper.c - the checked executor (see stepper.h).
 *
 * A plain switch over lowered instructions, deliberately unlike the
 * threaded fast path: the two are compared by the fuzzers, so sharing
 * their code would hide the bugs the comparison is for. */
#include "stepper.h"

#include <inttypes.h>
#include <string.h>

/* The stack and the frames grow as a run needs them, up to the vm's
 * limits: a run of a few items does not hold (and leave behind for the
 * collector) megabytes sized for the deepest run the limits allow.  One
 * item of slack past the room, as when they were sized for the limit. */
static void *grown(const void *old, uint32_t n, uint32_t *room, uint32_t limit, size_t size)
{
    *room = vec_room(*room, (uint64_t)n + 1, limit);
    return vec_moved(old, n, (uint64_t)*room + 1, size, false);
}

Stepper *stepper_new(const Vm *vm, const TypeId *types, const Body *code)
{
    Stepper *st = gc_alloc(sizeof *st);
    st->cap = vm->limits.stack_slots;
    st->stack_room = vm->depth;
    st->stack = grown(NULL, 0, &st->stack_room, st->cap, sizeof(TVal));
    for (uint32_t i = 0; i < vm->depth; i++)
        st->stack[i] = (TVal){vm->stack[i], types[i]};
    st->depth = vm->depth;
    uint64_t cap = vm_frame_cap(vm->limits.call_depth, xvm_limits.op_nesting);
    st->max_frames = cap < UINT32_MAX ? (uint32_t)cap : UINT32_MAX;
    st->call_depth = vm->limits.call_depth;
    st->frames = grown(NULL, 0, &st->frame_room, st->max_frames, sizeof(SFrame));
    st->frames[0] = (SFrame){.body = code, .name = "<input>"};
    st->nframes = 1;
    st->fuel = vm->limits.fuel;
    st->max_block_words = vm->limits.max_block_words;
    st->heap_bytes = vm->limits.heap_bytes;
    st->out = vm->out;
    return st;
}

Error *stepper_finish(Stepper *st, Vm *vm)
{
    /* The vm's stack may have been made smaller while a stepped run was
     * suspended: refuse rather than write past it. */
    if (st->depth > vm->limits.stack_slots)
        return err_hint(err_new(E_LIMIT, (Span){0}, "the run ended with %u items, more than the stack's %u slots",
                                st->depth, vm->limits.stack_slots),
                        "the stack is as it was before the run (:set stack N raises the limit)");
    for (uint32_t i = 0; i < st->depth; i++)
        vm->stack[i] = st->stack[i].v;
    vm->depth = st->depth;
    return NULL;
}

/* ---- checks ----------------------------------------------------------------------------------- */

/* The fast executor's hints for the same traps, so both modes read alike. */
static const char *trap_hint(const char *msg)
{
    static const char *const hints[][2] = {
        {"division by zero in mod", "check the divisor before mod"},
        {"division by zero", "check the divisor before div"},
        {"emit:", "emit writes one byte, 0..255"},
        {"out of fuel", "raise the limit with :set fuel N (0 = unlimited)"},
        {"call depth limit", "is the recursion missing a base case? (:set call-depth N raises the limit)"},
        {"stack overflow: calling", "is the recursion missing a base case? (:set stack N raises the limit)"},
        {"out of heap", "drop references to blocks you no longer need, or raise the limit with :set heap-limit N"},
    };
    for (size_t i = 0; i < countof(hints); i++)
        if (!strncmp(msg, hints[i][0], strlen(hints[i][0])))
            return hints[i][1];
    return NULL;
}

static StepStatus fail(Stepper *st, StepStatus kind, const Insn *in, const char *msg)
{
    if (kind == STEP_TRAP) {
        st->error = err_new(E_TRAP, in->span, "trap: %s", msg);
        if (trap_hint(msg))
            err_hint(st->error, "%s", trap_hint(msg));
    } else {
        st->error = err_hint(err_new(E_TRAP, in->span, "check failed in checked mode: %s", msg),
                             "verified code should never get here: this is a verifier bug");
    }
    return kind;
}

static bool need(Stepper *st, uint32_t n) { return st->depth >= n; }

static bool tagged(const Stepper *st, uint32_t from_top, TypeId t)
{
    return st->stack[st->depth - 1 - from_top].t == t;
}

static TVal pop(Stepper *st) { return st->stack[--st->depth]; }

static bool push(Stepper *st, Value v, TypeId t)
{
    if (st->depth >= st->cap)
        return false;
    if (st->depth >= st->stack_room)
        st->stack = grown(st->stack, st->depth, &st->stack_room, st->cap, sizeof(TVal));
    st->stack[st->depth++] = (TVal){v, t};
    return true;
}

/* Fuel (exec.h): one unit per instruction as flattened code has it, paid
 * before the instruction runs.  Labels, ticks and machine-operation calls
 * vanish when code is flattened (the operation's own instructions count). */
static bool costs_fuel(int op)
{
    switch (op) {
    case P_LABEL: case P_TICK: case P_OPCALL: case P_OWNCALL: case P_PORTCALL: return false;
    default: return true;
    }
}

/* Counted with or without a limit: st->safepoints is what the run executed. */
static bool safepoint(Stepper *st) { return ++st->safepoints <= st->fuel || !st->fuel; }

/* ---- one instruction ----------------------------------------------------------------------------- */

static const char *int_binop(Prim op, Value a, Value b, Value *r)
{
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    switch (op) {
    case P_ADD: *r = (Value)(ua + ub); return NULL;
    case P_SUB: *r = (Value)(ua - ub); return NULL;
    case P_MUL: *r = (Value)(ua * ub); return NULL;
    case P_DIV:
    case P_MOD:
        if (b == 0)
            return op == P_DIV ? "division by zero" : "division by zero in mod";
        if (b == -1 && a == INT64_MIN)
            return op == P_DIV ? "division overflow: INT64_MIN / -1" : "division overflow: INT64_MIN mod -1";
        *r = op == P_DIV ? a / b : a % b;
        return NULL;
    case P_AND: *r = a & b; return NULL;
    case P_OR: *r = a | b; return NULL;
    case P_XOR: *r = a ^ b; return NULL;
    case P_SHL: *r = (Value)(ua << (b & 63)); return NULL;
    case P_SHR: *r = a >> (b & 63); return NULL;
    case P_EQ: *r = a == b; return NULL;
    case P_NE: *r = a != b; return NULL;
    case P_LT: *r = a < b; return NULL;
    case P_LE: *r = a <= b; return NULL;
    case P_GT: *r = a > b; return NULL;
    case P_GE: *r = a >= b; return NULL;
    default: return "not a binary operation";
    }
}

static void pop_frame(Stepper *st)
{
    st->calls -= st->frames[--st->nframes].proc;
}

static StepStatus enter(Stepper *st, const Insn *in, SFrame f)
{
    if (f.proc && st->calls >= st->call_depth)
        return fail(st, STEP_TRAP, in,
                    gc_printf("call depth limit of %u nested call%s reached calling '%s'", st->call_depth,
                              st->call_depth == 1 ? "" : "s", f.name));
    if (st->nframes >= st->max_frames)
        return fail(st, STEP_TRAP, in, gc_printf("operations nest too deeply calling '%s'", f.name));
    st->calls += f.proc;
    if (st->nframes >= st->frame_room)
        st->frames = grown(st->frames, st->nframes, &st->frame_room, st->max_frames, sizeof(SFrame));
    st->frames[st->nframes++] = f;
    return STEP_OK;
}

static StepStatus call_op(Stepper *st, const Insn *in, const Component *comp, const OpDef *op)
{
    if (!op)
        return fail(st, STEP_VIOLATION, in, gc_printf("operation '%s' has no implementation", in->label));
    return enter(st, in, (SFrame){.body = op->body, .comp = comp, .name = in->label, .version = op->module->version,
                                  .module = op->module});
}

static StepStatus step_call(Stepper *st, const Insn *in, const SFrame *f)
{
    switch (in->op) {
    case P_CALL: {
        const Proc *p = in->ref;
        const ProcVersion *v = p->cur; /* new calls take the newest version */
        /* The fast executor's check at the same place: the callee's verified
         * depth (flattened, as compiled) must fit. */
        uint32_t need = v->code ? v->code->max_depth : v->verified ? v->verified->max_depth : UINT32_MAX;
        if ((uint64_t)st->depth - v->eff.nin + need > st->cap)
            return fail(st, STEP_TRAP, in, gc_printf("stack overflow: calling '%s' could exceed %u stack slots", p->name,
                                                     st->cap));
        return enter(st, in, (SFrame){.body = v->body, .name = p->name, .version = v->version, .proc = true});
    }
    case P_OPCALL: {
        const OpTarget *t = in->ref;
        return call_op(st, in, t->comp, t->op);
    }
    case P_OWNCALL: return call_op(st, in, f->comp, in->ref);
    default: { /* P_PORTCALL */
        const Link *l = f->comp ? &f->comp->links[in->imm] : NULL;
        const OpSig *sig = in->ref;
        const OpDef *op = l && l->provider ? module_op(l->provider->module, l->port, sig->name) : NULL;
        StepStatus s = call_op(st, in, l ? l->provider : NULL, op);
        if (s == STEP_OK) /* name the frame after what runs: the provider's operation */
            st->frames[st->nframes - 1].name = gc_printf("%s.%s", l->provider->name, op->body->name);
        return s;
    }
    }
}

static StepStatus step_heap(Stepper *st, const Insn *in)
{
    const char *name = prim_name(in->op);
    bool ref_value = in->op == P_LOAD_REF || in->op == P_STORE_REF;
    uint32_t nin = in->op == P_STORE || in->op == P_STORE_REF ? 3 : 2;
    if (!need(st, nin) || !tagged(st, 0, TY_INT) || !tagged(st, 1, TY_REF) ||
        (nin == 3 && !tagged(st, 2, ref_value ? TY_REF : TY_INT)))
        return fail(st, STEP_VIOLATION, in, gc_printf("'%s' found the wrong items on the stack", name));
    int64_t i = pop(st).v;
    HeapBlock *b = (HeapBlock *)(intptr_t)pop(st).v;
    TypeId want = ref_value ? TY_REF : TY_INT;
    if (nin == 3) {
        const char *why = heap_problem(b, i, want, false);
        if (why)
            return fail(st, STEP_TRAP, in, gc_printf("%s: %s", name, why));
        TVal v = pop(st);
        b->words[i] = v.v;
        b->tags[i] = want;
        return STEP_OK;
    }
    const char *why = heap_problem(b, i, want, true);
    if (why) {
        fail(st, STEP_TRAP, in, gc_printf("%s: %s", name, why));
        if (i >= 0 && i < b->size) /* the tag was wrong, not the index */
            err_hint(st->error, "%s", want == TY_INT ? "use load_ref for a ref" : "use load for an int");
        return STEP_TRAP;
    }
    push(st, b->words[i], want);
    return STEP_OK;
}

static StepStatus step_output(Stepper *st, const Insn *in)
{
    TVal v = pop(st);
    if (in->op == P_EMIT) {
        if (v.t != TY_INT)
            return fail(st, STEP_VIOLATION, in, "'emit' found a ref");
        if (v.v < 0 || v.v > 255)
            return fail(st, STEP_TRAP, in, gc_printf("emit: %" PRId64 " is not a byte", v.v));
        fputc((int)v.v, st->out);
        return STEP_OK;
    }
    Buf b = {0};
    value_print(&b, v.v, v.t);
    fprintf(st->out, "%s\n", buf_str(&b));
    return STEP_OK;
}

static StepStatus step_stack(Stepper *st, const Insn *in)
{
    TVal a, b, c;
    switch (in->op) {
    case P_POP: pop(st); return STEP_OK;
    case P_DUP: a = st->stack[st->depth - 1]; push(st, a.v, a.t); return STEP_OK;
    case P_SWAP: b = pop(st); a = pop(st); push(st, b.v, b.t); push(st, a.v, a.t); return STEP_OK;
    case P_OVER: a = st->stack[st->depth - 2]; push(st, a.v, a.t); return STEP_OK;
    case P_ROT:
        c = pop(st);
        b = pop(st);
        a = pop(st);
        push(st, b.v, b.t);
        push(st, c.v, c.t);
        push(st, a.v, a.t);
        return STEP_OK;
    default: return STEP_VIOLATION;
    }
}

static StepStatus step_prim(Stepper *st, const Insn *in, SFrame *f)
{
    const PrimInfo *pi = &prim_info[in->op];
    uint32_t nin = (uint32_t)strlen(pi->in);
    if (!need(st, nin))
        return fail(st, STEP_VIOLATION, in, gc_printf("'%s' found only %u items on the stack", pi->name, st->depth));
    for (uint32_t k = 0; k < nin; k++) {
        char want = pi->in[nin - 1 - k];
        if ((want == 'i' && !tagged(st, k, TY_INT)) || (want == 'r' && !tagged(st, k, TY_REF)))
            return fail(st, STEP_VIOLATION, in, gc_printf("'%s' found an item of the wrong type", pi->name));
    }
    if (st->depth - nin + strlen(pi->out) > st->cap)
        return fail(st, STEP_TRAP, in, gc_printf("stack overflow: more than %u items", st->cap));
    Value r;
    const char *why;
    switch (in->op) {
    case P_PUSH: push(st, in->imm, in->ty); return STEP_OK;
    case P_PICK:
        if ((uint64_t)in->imm >= st->depth)
            return fail(st, STEP_VIOLATION, in, "'pick' beyond the stack");
        r = st->stack[st->depth - 1 - in->imm].v;
        if (!push(st, r, st->stack[st->depth - 1 - in->imm].t))
            return fail(st, STEP_TRAP, in, gc_printf("stack overflow: more than %u items", st->cap));
        return STEP_OK;
    case P_NEG: st->stack[st->depth - 1].v = (Value)(0 - (uint64_t)st->stack[st->depth - 1].v); return STEP_OK;
    case P_NOT: st->stack[st->depth - 1].v = ~st->stack[st->depth - 1].v; return STEP_OK;
    case P_JUMP:
        f->pc = (uint32_t)in->imm;
        return STEP_OK;
    case P_JUMP_IF:
    case P_JUMP_UNLESS:
        if ((pop(st).v != 0) == (in->op == P_JUMP_IF))
            f->pc = (uint32_t)in->imm;
        return STEP_OK;
    case P_ALLOC: {
        Value n = pop(st).v;
        if (n < 0 || n > st->max_block_words) {
            fail(st, STEP_TRAP, in, gc_printf("alloc of %" PRId64 " words: the size must be 0..%" PRId64, n,
                                              st->max_block_words));
            if (n > 0)
                err_hint(st->error, "raise the limit with :set block-words N");
            return STEP_TRAP;
        }
        HeapBlock *b = heap_alloc(n, st->heap_bytes);
        if (!b)
            return fail(st, STEP_TRAP, in, gc_printf("out of heap allocating %" PRId64 " words", n));
        push(st, (Value)(intptr_t)b, TY_REF);
        return STEP_OK;
    }
    case P_LOAD: case P_LOAD_REF: case P_STORE: case P_STORE_REF: return step_heap(st, in);
    case P_SIZE: r = ((HeapBlock *)(intptr_t)pop(st).v)->size; push(st, r, TY_INT); return STEP_OK;
    case P_PRINT: case P_EMIT: return step_output(st, in);
    case P_STATE_GET:
        push(st, f->comp->state[in->imm], f->comp->module->state[in->imm].type);
        return STEP_OK;
    case P_STATE_SET:
        if (!tagged(st, 0, f->comp->module->state[in->imm].type))
            return fail(st, STEP_VIOLATION, in, "'state_set' of the wrong type");
        f->comp->state[in->imm] = pop(st).v;
        return STEP_OK;
    case P_POP: case P_DUP: case P_SWAP: case P_OVER: case P_ROT: return step_stack(st, in);
    case P_LABEL: return STEP_OK;
    default: break;
    }
    Value b = pop(st).v, a = pop(st).v;
    if ((why = int_binop((Prim)in->op, a, b, &r))) {
        st->depth += 2; /* the stack is as it was before the failing instruction */
        return fail(st, STEP_TRAP, in, why);
    }
    push(st, r, TY_INT);
    return STEP_OK;
}

StepStatus stepper_step(Stepper *st, StepInfo *info)
{
    for (;;) {
        if (!st->nframes)
            return STEP_DONE;
        SFrame *f = &st->frames[st->nframes - 1];
        if (f->pc < f->body->n)
            break;
        pop_frame(st); /* the end of a body returns */
    }
    SFrame *f = &st->frames[st->nframes - 1];
    const Insn *in = &f->body->insns[f->pc];
    *info = (StepInfo){.insn = in, .at = *f, .depth = st->nframes - 1};
    if (costs_fuel(in->op) && !safepoint(st))
        return fail(st, STEP_TRAP, in, gc_printf("out of fuel after %" PRIu64 " instructions", st->fuel));
    f->pc++;
    switch (in->op) {
    case P_TICK: return STEP_OK; /* verification time only */
    case P_RETURN: pop_frame(st); return STEP_OK;
    case P_CALL:
    case P_OPCALL:
    case P_OWNCALL:
    case P_PORTCALL: {
        StepStatus s = step_call(st, in, f);
        info->entered = s == STEP_OK;
        return s;
    }
    default:
        if (in->op >= P__COUNT)
            return fail(st, STEP_VIOLATION, in, "an instruction the stepper does not know");
        return step_prim(st, in, f);
    }
}
