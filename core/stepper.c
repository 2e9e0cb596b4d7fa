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
        st->stack[i] = (TVal){vm->stack[i], type_repr(types[i])};
    st->depth = vm->depth;
    uint64_t cap = vm_frame_cap(vm->limits.call_depth, config_limits.op_nesting);
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
    vm_stack_reserve(vm, st->depth); /* within the limit: checked */
    for (uint32_t i = 0; i < st->depth; i++)
        vm->stack[i] = st->stack[i].v;
    vm->depth = st->depth;
    return NULL;
}

/* ---- checks ----------------------------------------------------------------------------------- */

/* The fast executor's notes on a trap: each procedure call the trap is
 * inside, innermost first, at its call site ("called from CALLER"); a
 * runaway recursion shows its top and bottom.  Operations are inlined there,
 * so their frames add no note here either. */
static Error *called_from(const Stepper *st, Error *e)
{
    enum { SHOWN = 8 };
    uint32_t *calls = gc_alloc_atomic((st->nframes + 1) * sizeof(uint32_t)), depth = 0;
    for (uint32_t i = st->nframes; i-- > 1;)
        if (st->frames[i].proc)
            calls[depth++] = i;
    for (uint32_t k = 0; k < depth; k++) {
        if (k == SHOWN && depth > 2 * SHOWN) {
            err_note(e, (Span){0}, "... %u more calls ...", depth - 2 * SHOWN);
            k = depth - SHOWN;
        }
        const SFrame *caller = &st->frames[calls[k] - 1];
        Span at = caller->pc ? caller->body->insns[caller->pc - 1].span : caller->body->end_span;
        err_note(e, at, "called from %s", caller->name);
    }
    return e;
}

/* A trap of traps.def, its message filled in from the arguments: the same
 * text, hint and notes as the fast executor's. */
static StepStatus trap(Stepper *st, const Insn *in, Trap t, ...)
{
    va_list ap;
    va_start(ap, t);
    st->error = called_from(st, vm_trap_error(t, in->span, vm_trap_vmessage(t, ap)));
    va_end(ap);
    return STEP_TRAP;
}

/* What verification should have made impossible. */
static StepStatus violation(Stepper *st, const Insn *in, const char *msg)
{
    st->error = err_hint(err_new(E_TRAP, in->span, "check failed in checked mode: %s", msg),
                         "verified code should never get here: this is a verifier bug");
    return STEP_VIOLATION;
}

static bool need(Stepper *st, uint32_t n) { return st->depth >= n; }

static bool tagged(const Stepper *st, uint32_t from_top, TypeId t)
{
    return st->stack[st->depth - 1 - from_top].t == type_repr(t);
}

static TVal pop(Stepper *st) { return st->stack[--st->depth]; }

static bool push(Stepper *st, Value v, TypeId t)
{
    if (st->depth >= st->cap)
        return false;
    if (st->depth >= st->stack_room)
        st->stack = grown(st->stack, st->depth, &st->stack_room, st->cap, sizeof(TVal));
    st->stack[st->depth++] = (TVal){v, type_repr(t)}; /* tagged by representation */
    return true;
}

/* Fuel (vm.h): one unit per instruction as flattened code has it, paid
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

/* TRAP__COUNT when it went well. */
static Trap int_binop(Prim op, Value a, Value b, Value *r)
{
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    switch (op) {
    case P_ADD: *r = (Value)(ua + ub); break;
    case P_SUB: *r = (Value)(ua - ub); break;
    case P_MUL: *r = (Value)(ua * ub); break;
    case P_DIV:
    case P_MOD:
        if (b == 0)
            return op == P_DIV ? TRAP_DIV_ZERO : TRAP_MOD_ZERO;
        if (b == -1 && a == INT64_MIN)
            return op == P_DIV ? TRAP_DIV_OVERFLOW : TRAP_MOD_OVERFLOW;
        *r = op == P_DIV ? a / b : a % b;
        break;
    case P_AND: *r = a & b; break;
    case P_OR: *r = a | b; break;
    case P_XOR: *r = a ^ b; break;
    case P_SHL: *r = (Value)(ua << (b & 63)); break;
    case P_SHR: *r = a >> (b & 63); break;
    case P_EQ: *r = a == b; break;
    case P_NE: *r = a != b; break;
    case P_LT: *r = a < b; break;
    case P_LE: *r = a <= b; break;
    case P_GT: *r = a > b; break;
    case P_GE: *r = a >= b; break;
    case P_LTU: *r = ua < ub; break;
    case P_LEU: *r = ua <= ub; break;
    case P_GTU: *r = ua > ub; break;
    case P_GEU: *r = ua >= ub; break;
    case P_SHRU: *r = (Value)(ua >> (b & 63)); break;
    case P_DIVU:
    case P_MODU:
        if (b == 0)
            return op == P_DIVU ? TRAP_DIVU_ZERO : TRAP_MODU_ZERO;
        *r = (Value)(op == P_DIVU ? ua / ub : ua % ub);
        break;
    default: return TRAP_STRUCTURED; /* not reached: only rows with a C operator come here */
    }
    return TRAP__COUNT;
}

static void pop_frame(Stepper *st)
{
    st->calls -= st->frames[--st->nframes].proc;
}

static StepStatus enter(Stepper *st, const Insn *in, SFrame f)
{
    if (f.proc && st->calls >= st->call_depth)
        return trap(st, in, TRAP_CALL_DEPTH, st->call_depth, st->call_depth == 1 ? "" : "s", f.name);
    if (st->nframes >= st->max_frames)
        return trap(st, in, TRAP_OP_NESTING, f.name);
    st->calls += f.proc;
    if (st->nframes >= st->frame_room)
        st->frames = grown(st->frames, st->nframes, &st->frame_room, st->max_frames, sizeof(SFrame));
    st->frames[st->nframes++] = f;
    return STEP_OK;
}

static StepStatus call_op(Stepper *st, const Insn *in, const Component *comp, const OpDef *op)
{
    if (!op)
        return violation(st, in, gc_printf("operation '%s' has no implementation", in->label));
    return enter(st, in, (SFrame){.body = op->body, .comp = comp, .name = in->label, .version = op->module->version,
                                  .module = op->module});
}

static StepStatus step_call(Stepper *st, const Insn *in, const SFrame *f)
{
    switch (in->op) {
    case P_CALL: {
        const Proc *p = in->ref.proc;
        const ProcVersion *v = p->cur; /* new calls take the newest version */
        /* The fast executor's check at the same place: the callee's verified
         * depth (flattened, as compiled) must fit. */
        uint32_t need = v->code ? v->code->max_depth : v->verified ? v->verified->max_depth : UINT32_MAX;
        if ((uint64_t)st->depth - v->eff.nin + need > st->cap)
            return trap(st, in, TRAP_CALL_STACK, p->name, (uint64_t)st->cap);
        return enter(st, in, (SFrame){.body = v->body, .name = p->name, .version = v->version, .proc = true});
    }
    case P_OPCALL: {
        const OpTarget *t = in->ref.target;
        return call_op(st, in, t->comp, t->op);
    }
    case P_OWNCALL: return call_op(st, in, f->comp, in->ref.own);
    default: { /* P_PORTCALL */
        const Link *l = f->comp ? &f->comp->links[in->imm] : NULL;
        const OpSig *sig = in->ref.sig;
        const OpDef *op = l && l->provider ? lookup_module_op(l->provider->module, l->port, sig->name) : NULL;
        StepStatus s = call_op(st, in, l ? l->provider : NULL, op);
        if (s == STEP_OK) /* name the frame after what runs: the provider's operation */
            st->frames[st->nframes - 1].name = gc_printf("%s.%s", l->provider->name, op->body->name);
        return s;
    }
    }
}

/* The items' types are checked already (check_effect). */
static StepStatus step_heap(Stepper *st, const Insn *in)
{
    bool ref_value = in->op == P_LOAD_REF || in->op == P_STORE_REF;
    int64_t i = pop(st).v;
    HeapBlock *b = (HeapBlock *)(intptr_t)pop(st).v;
    TypeId want = ref_value ? TY_REF : TY_INT;
    if (prim_info[in->op].nin == 3) {
        const char *why = heap_problem(b, i, want, false);
        if (why)
            return trap(st, in, ref_value ? TRAP_STORE_REF : TRAP_STORE, why);
        TVal v = pop(st);
        b->words[i] = v.v;
        b->tags[i] = want;
        return STEP_OK;
    }
    const char *why = heap_problem(b, i, want, true);
    if (why) {
        bool tag = i >= 0 && i < b->size; /* the tag was wrong, not the index */
        return trap(st, in, ref_value ? (tag ? TRAP_LOAD_REF_TAG : TRAP_LOAD_REF) : tag ? TRAP_LOAD_TAG : TRAP_LOAD,
                    why);
    }
    push(st, b->words[i], want);
    return STEP_OK;
}

/* load8, store8; the items' types are checked already. */
static StepStatus step_byte(Stepper *st, const Insn *in)
{
    bool store = in->op == P_STORE8;
    int64_t i = pop(st).v;
    HeapBlock *b = (HeapBlock *)(intptr_t)pop(st).v;
    if (!heap_byte_ok(b, i)) {
        bool tag = heap_byte_in_range(b, i); /* the word held a ref, the index was fine */
        return trap(st, in, store ? (tag ? TRAP_STORE8_TAG : TRAP_STORE8) : tag ? TRAP_LOAD8_TAG : TRAP_LOAD8,
                    heap_byte_problem(b, i));
    }
    if (store)
        heap_byte_put(b, i, pop(st).v);
    else
        push(st, heap_byte_get(b, i), TY_INT);
    return STEP_OK;
}

static StepStatus step_output(Stepper *st, const Insn *in)
{
    TVal v = pop(st);
    if (in->op == P_EMIT) {
        if (v.t != TY_INT)
            return violation(st, in, "'emit' found a ref");
        if (v.v < 0 || v.v > 255)
            return trap(st, in, TRAP_EMIT, v.v);
        fputc((int)v.v, st->out);
        return STEP_OK;
    }
    Buf b = {0};
    vm_print_value(&b, v.v, v.t);
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

/* The row's effect (prims.def): its inputs are there, of their types, and
 * its outputs fit. */
static StepStatus check_effect(Stepper *st, const Insn *in, const PrimInfo *pi)
{
    if (!need(st, pi->nin))
        return violation(st, in, gc_printf("'%s' found only %u items on the stack", pi->name, st->depth));
    for (uint32_t k = 0; k < pi->nin; k++) {
        TypeId want = pi->in[pi->nin - 1 - k];
        if (want != TY_ANY && !tagged(st, k, want))
            return violation(st, in, gc_printf("'%s' found an item of the wrong type", pi->name));
    }
    if (st->depth - pi->nin + pi->nout > st->cap)
        return trap(st, in, TRAP_STACK_FULL, st->cap);
    return STEP_OK;
}

/* The operations with a C operator (prims.def), written out again here on
 * purpose (see the top of the file). */
static StepStatus step_arith(Stepper *st, const Insn *in)
{
    TVal *top = &st->stack[st->depth - 1];
    uint64_t u = (uint64_t)top->v;
    switch (in->op) {
    case P_NEG: top->v = (Value)(0 - u); return STEP_OK;
    case P_NOT: top->v = ~top->v; return STEP_OK;
    case P_CLZ: top->v = u ? __builtin_clzll(u) : 64; return STEP_OK;
    case P_CTZ: top->v = u ? __builtin_ctzll(u) : 64; return STEP_OK;
    case P_POPCNT: top->v = __builtin_popcountll(u); return STEP_OK;
    default: break;
    }
    Value r, b = pop(st).v, a = pop(st).v;
    Trap why = int_binop((Prim)in->op, a, b, &r);
    if (why != TRAP__COUNT) {
        st->depth += 2; /* the stack is as it was before the failing instruction */
        return trap(st, in, why);
    }
    push(st, r, TY_INT);
    return STEP_OK;
}

static StepStatus step_alloc(Stepper *st, const Insn *in)
{
    Value n = pop(st).v;
    if (n < 0 || n > st->max_block_words)
        return trap(st, in, n > 0 ? TRAP_ALLOC_SIZE : TRAP_ALLOC_NEGATIVE, n, st->max_block_words);
    HeapBlock *b = heap_alloc(n, st->heap_bytes);
    if (!b)
        return trap(st, in, TRAP_OUT_OF_HEAP, n);
    push(st, (Value)(intptr_t)b, TY_REF);
    return STEP_OK;
}

static StepStatus step_special(Stepper *st, const Insn *in, SFrame *f)
{
    switch (in->op) {
    case P_PICK: {
        if ((uint64_t)in->imm >= st->depth)
            return violation(st, in, "'pick' beyond the stack");
        TVal v = st->stack[st->depth - 1 - in->imm];
        return push(st, v.v, v.t) ? STEP_OK : trap(st, in, TRAP_STACK_FULL, st->cap);
    }
    case P_PLACE: {
        if ((uint64_t)in->imm + 1 >= st->depth)
            return violation(st, in, "'place' beyond the stack");
        TVal v = pop(st);
        st->stack[st->depth - 1 - in->imm] = v;
        return STEP_OK;
    }
    case P_TRAP: return trap(st, in, TRAP_PROGRAM, in->label);
    case P_STATE_GET:
        push(st, f->comp->state[in->imm], f->comp->module->state[in->imm].type);
        return STEP_OK;
    case P_STATE_SET:
        if (!tagged(st, 0, f->comp->module->state[in->imm].type))
            return violation(st, in, "'state_set' of the wrong type");
        f->comp->state[in->imm] = pop(st).v;
        return STEP_OK;
    default: return trap(st, in, TRAP_STRUCTURED); /* if and while: lowering made them jumps */
    }
}

static StepStatus step_prim(Stepper *st, const Insn *in, SFrame *f)
{
    const PrimInfo *pi = &prim_info[in->op];
    StepStatus s = check_effect(st, in, pi);
    if (s != STEP_OK)
        return s;
    if (pi->c != PC_NONE)
        return step_arith(st, in);
    switch (in->op) {
    case P_PUSH: push(st, in->imm, in->ty); return STEP_OK;
    case P_JUMP:
        f->pc = (uint32_t)in->imm;
        return STEP_OK;
    case P_JUMP_IF:
    case P_JUMP_UNLESS:
        if ((pop(st).v != 0) == (in->op == P_JUMP_IF))
            f->pc = (uint32_t)in->imm;
        return STEP_OK;
    case P_ALLOC: return step_alloc(st, in);
    case P_LOAD: case P_LOAD_REF: case P_STORE: case P_STORE_REF: return step_heap(st, in);
    case P_LOAD8: case P_STORE8: return step_byte(st, in);
    case P_SIZE: push(st, ((HeapBlock *)(intptr_t)pop(st).v)->size, TY_INT); return STEP_OK;
    case P_PRINT: case P_EMIT: return step_output(st, in);
    case P_POP: case P_DUP: case P_SWAP: case P_OVER: case P_ROT: return step_stack(st, in);
    case P_LABEL: return STEP_OK;
    default: return step_special(st, in, f);
    }
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
        return trap(st, in, TRAP_OUT_OF_FUEL, st->fuel);
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
            return violation(st, in, "an instruction the stepper does not know");
        return step_prim(st, in, f);
    }
}
