/* vm.c - the direct-threaded executor.
 *
 * Registers: ip (next cell), sp (spill slot of the top item), tos (the top
 * item, cached).  Memory holds items 0..depth-2 at stack[0..depth-2] and
 * sp == &stack[depth-1]; stack[-1] is a guard slot so an empty stack needs
 * no special case.  Verified code needs no type checks; heap access is
 * checked because the core heap promises a clean trap, never a crash. */
#include "flatten.h"
#include "native.h"
#include "vm.h"
#include "vm_ops.h"

#include <gc.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define FUEL_SLICE 65536
/* The operand stack and the frames grow on demand up to their limits:
 * allocating (and so zeroing) the whole default stack and call stack up
 * front was most of the start-up time. */
#define STACK_ROOM_START 1024
#define FRAME_ROOM_START 64

/* A stack of room slots (at least the depth, at most the limit) with the
 * items moved over; stack[-1] and stack[room] are guard slots. */
static void stack_alloc(Vm *vm, uint64_t room)
{
    if (room > vm->limits.stack_slots)
        room = vm->limits.stack_slots;
    if (room < vm->depth)
        room = vm->depth;
    Value *stack = (Value *)gc_calloc((size_t)room + 2, sizeof(Value)) + 1;
    if (vm->depth)
        memcpy(stack, vm->stack, vm->depth * sizeof(Value));
    vm->stack = stack;
    vm->stack_room = room;
}

static void frames_alloc(Vm *vm)
{
    uint64_t want = (uint64_t)vm->limits.call_depth + 1;
    vm->frame_room = want < FRAME_ROOM_START ? want : FRAME_ROOM_START;
    vm->frames = gc_calloc(vm->frame_room, sizeof(Frame));
}

bool vm_stack_reserve(Vm *vm, uint64_t slots)
{
    if (slots <= vm->stack_room)
        return true;
    if (slots > vm->limits.stack_slots)
        return false;
    stack_alloc(vm, slots > 2 * vm->stack_room ? slots : 2 * vm->stack_room);
    return true;
}

Vm *vm_new(VmLimits limits, FILE *out)
{
    Vm *vm = gc_alloc(sizeof *vm);
    if (!limits.stack_slots)
        limits.stack_slots = (uint32_t)config_default(CONFIG_STACK);
    if (!limits.call_depth)
        limits.call_depth = (uint32_t)config_default(CONFIG_CALL_DEPTH);
    if (!limits.max_block_words)
        limits.max_block_words = (int64_t)config_default(CONFIG_BLOCK_WORDS);
    if (!limits.heap_bytes)
        limits.heap_bytes = config_default(CONFIG_HEAP_LIMIT);
    vm->limits = limits;
    stack_alloc(vm, STACK_ROOM_START);
    frames_alloc(vm);
    vm->out = out;
    return vm;
}

void vm_request_interrupt(Vm *vm) { vm->interrupt = 1; }

Error *vm_set_stack_slots(Vm *vm, uint64_t slots)
{
    const ConfigSetting *c = &config_settings[CONFIG_STACK];
    if (slots < c->lo || slots > c->hi || slots < vm->depth)
        return err_hint(err_new(E_USAGE, (Span){0}, "the stack must hold %" PRIu64 "..%" PRIu64 " slots and what is on it now (%u)",
                                c->lo, c->hi, vm->depth),
                        "pop items first to shrink it below its depth");
    vm->limits.stack_slots = (uint32_t)slots;
    stack_alloc(vm, vm->stack_room);
    return NULL;
}

Error *vm_set_call_depth(Vm *vm, uint64_t depth)
{
    const ConfigSetting *c = &config_settings[CONFIG_CALL_DEPTH];
    if (depth < c->lo || depth > c->hi)
        return err_new(E_USAGE, (Span){0}, "the call depth must be %" PRIu64 "..%" PRIu64, c->lo, c->hi);
    vm->limits.call_depth = (uint32_t)depth;
    frames_alloc(vm);
    return NULL;
}

void vm_print_value(Buf *out, Value v, TypeId t)
{
    if (type_repr(t) == TY_REF) {
        const HeapBlock *b = (const HeapBlock *)(intptr_t)v;
        buf_printf(out, "<ref %" PRId64 " word%s>", b->size, b->size == 1 ? "" : "s");
    } else {
        buf_printf(out, "%" PRId64, v);
    }
}

/* ---- traps ------------------------------------------------------------------------ */

static Span span_of(const Code *code, const Cell *at)
{
    ptrdiff_t k = at - code->cells;
    if (k < 0 || (uint64_t)k >= code->ncells || !code->body->n)
        return code->body->end_span;
    return code->body->insns[code->insn_of[k]].span;
}

/* More room for frames of operation subroutines (cold: only deep
 * nesting inside deep recursion gets here).  NULL: at the cap. */
static __attribute__((noinline)) Frame *grow_frames(Vm *vm, Frame *fp)
{
    uint64_t used = (uint64_t)(fp - vm->frames);
    uint64_t cap = vm_frame_cap(vm->limits.call_depth, config_limits.op_nesting);
    if (used + 1 >= cap)
        return NULL;
    uint64_t room = vm->frame_room * 2 < cap ? vm->frame_room * 2 : cap;
    Frame *grown = gc_calloc(room, sizeof(Frame));
    memcpy(grown, vm->frames, used * sizeof(Frame));
    vm->frames = grown;
    vm->frame_room = room;
    return grown + used;
}

/* More stack for a call (cold): the items so far move to the new stack;
 * returns sp there. */
static __attribute__((noinline)) Value *grow_stack(Vm *vm, Value *sp, uint64_t need)
{
    vm->depth = (uint32_t)(sp - vm->stack + 1);
    vm_stack_reserve(vm, need);
    return vm->stack + vm->depth - 1;
}

static const struct {
    const char *format, *hint;
} traps[TRAP__COUNT] = {
#define X(code, message, hint) {message, hint},
#include "traps.def"
#undef X
};

const char *vm_trap_vmessage(Trap t, va_list ap) { return gc_vprintf(traps[t].format, ap); }

static const char *trap_message(Trap t, ...)
{
    va_list ap;
    va_start(ap, t);
    const char *msg = vm_trap_vmessage(t, ap);
    va_end(ap);
    return msg;
}

Error *vm_trap_error(Trap t, Span at, const char *message)
{
    Error *e = err_new(E_TRAP, at, "trap: %s", message);
    return traps[t].hint ? err_hint(e, "%s", traps[t].hint) : e;
}

Error *vm_trap(Trap t, Span at, ...)
{
    va_list ap;
    va_start(ap, at);
    const char *msg = vm_trap_vmessage(t, ap);
    va_end(ap);
    return vm_trap_error(t, at, msg);
}

static Error *trap_error(Vm *vm, Span at, Frame *fp, Trap t, const char *msg)
{
    Error *e = vm_trap_error(t, at, msg);
    /* Innermost calls first; a runaway recursion shows its top and bottom.
     * Where native code called threaded code (vm_run_entry) a frame holds
     * no code: no call of the program's, so neither shown nor counted. */
    enum { SHOWN = 8 };
    size_t n = (size_t)(fp - vm->frames), depth = 0;
    Frame **calls = gc_alloc_atomic(n * sizeof *calls + 1);
    for (size_t k = 0; k < n; k++)
        if (fp[-1 - (ptrdiff_t)k].code)
            calls[depth++] = &fp[-1 - (ptrdiff_t)k];
    for (size_t k = 0; k < depth; k++) {
        if (k == SHOWN && depth > 2 * SHOWN) {
            err_note(e, (Span){0}, "... %zu more calls ...", depth - 2 * SHOWN);
            k = depth - SHOWN;
        }
        err_note(e, span_of(calls[k]->code, calls[k]->ip - 1), "called from %s", calls[k]->code->body->name);
    }
    return e;
}

/* ---- fuel -------------------------------------------------------------------------- */

/* Fuel is granted in slices so the hot path only subtracts a segment's
 * weight from a register (`slice`); a slice cut to what is left keeps the
 * limit exact.  Charged so far: spent + granted - slice. */
typedef struct FuelAcct {
    uint64_t limit;  /* 0 = unlimited */
    uint64_t spent;  /* charged before the current slice */
    int64_t granted; /* the current slice */
    bool interrupted;
} FuelAcct;

/* A charge overdrew the slice (slice < 0 now): the next slice, or -1 when
 * the run must stop (interrupted, or out of fuel: then spent holds the
 * total with this charge). */
static __attribute__((noinline)) int64_t refuel(FuelAcct *fa, int64_t slice, const Vm *vm)
{
    uint64_t total = fa->spent + (uint64_t)(fa->granted - slice);
    fa->spent = total;
    fa->granted = 0;
    if (vm->interrupt) {
        fa->interrupted = true;
        return -1;
    }
    if (fa->limit && total > fa->limit)
        return -1;
    fa->granted = !fa->limit || fa->limit - total > FUEL_SLICE ? FUEL_SLICE : (int64_t)(fa->limit - total);
    return fa->granted;
}

/* The k-th counted instruction (k >= 1) going back from insn `from`: the
 * segments are straight lines, so the instruction where the fuel ran out is
 * found by counting back from the end of the part that was charged. */
static uint32_t counted_back(const Body *b, uint32_t from, uint64_t k)
{
    for (uint32_t j = from;; j--) {
        if (exec_fuel_counts(b->insns[j].op) && --k == 0)
            return j;
        if (j == 0)
            return from; /* not reached: the weights count these instructions */
    }
}

static Error *out_of_fuel(Vm *vm, const Code *code, uint32_t insn, Frame *fp)
{
    vm->steps = vm->limits.fuel;
    Span at = code->body->n ? code->body->insns[insn].span : code->body->end_span;
    return trap_error(vm, at, fp, TRAP_OUT_OF_FUEL, trap_message(TRAP_OUT_OF_FUEL, vm->limits.fuel));
}

/* ---- the interpreter ------------------------------------------------------------------ */

static const void *const *dispatch;

/* Hot: the linker puts it in .text.hot, at the start of the text, so where
 * it lands (and with it the wall time of a run) does not move with the
 * link order or the size of unrelated code (renaming exec.c to vm.c moved
 * it and cost collatz 6% with the same instructions executed). */
__attribute__((hot)) static Error *run(Vm *vm, Code *code, bool init, VmEntry *en)
{
    static const void *const labels[OP__COUNT] = {
#define X(e, name, imm, in, out, flags, c, expr) [P_##e] = &&L_##e,
#include "prims.def"
#undef X
        [OP_PRINT_REF] = &&L_PRINT_REF,
        [OP_HALT] = &&L_HALT,
        [OP_CALLCODE] = &&L_CALLCODE,
#define OPS(e, expr) [OP_##e##_I] = &&L_##e##_I,
#define X(e, name, imm, in, out, flags, c, expr) XVM_IMM_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
#define OPS(e, expr) [OP_J##e] = &&L_J##e, [OP_J##e##_I] = &&L_J##e##_I,
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
        [OP_JUMP_R] = &&L_JUMP_R,
        [OP_JUMP_IF_R] = &&L_JUMP_IF_R,
        [OP_JUMP_UNLESS_R] = &&L_JUMP_UNLESS_R,
#define OPS(e, expr) [OP_J##e##_R] = &&L_J##e##_R, [OP_J##e##_I_R] = &&L_J##e##_I_R,
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
#define OPS(e, expr) [OP_##e##_D] = &&L_##e##_D, [OP_##e##_S] = &&L_##e##_S, [OP_##e##_U] = &&L_##e##_U, \
                     [OP_##e##_ROT] = &&L_##e##_ROT,
#define X(e, name, imm, in, out, flags, c, expr) XVM_SLOT_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
#define OPS(e, expr) [OP_JK##e##_I] = &&L_JK##e##_I, [OP_JK##e##_I_R] = &&L_JK##e##_I_R,              \
                     [OP_JK##e##_S] = &&L_JK##e##_S, [OP_JK##e##_S_R] = &&L_JK##e##_S_R,              \
                     [OP_J##e##_S] = &&L_J##e##_S, [OP_J##e##_S_R] = &&L_J##e##_S_R,
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
        [OP_JNZ_S] = &&L_JNZ_S, [OP_JNZ_S_R] = &&L_JNZ_S_R,
        [OP_JZ_S] = &&L_JZ_S, [OP_JZ_S_R] = &&L_JZ_S_R,
        [OP_STORE_K] = &&L_STORE_K,
        [OP_LOAD_S] = &&L_LOAD_S,
        [OP_LOAD_REF_S] = &&L_LOAD_REF_S,
        [OP_LOAD_K] = &&L_LOAD_K,
        [OP_LOAD_REF_K] = &&L_LOAD_REF_K,
        [OP_STORE_REF_K] = &&L_STORE_REF_K,
        [OP_SHUFFLE1] = &&L_SHUFFLE1,
        [OP_SHUFFLE2] = &&L_SHUFFLE2,
        [OP_SHUFFLE3] = &&L_SHUFFLE3,
        [OP_PICK2] = &&L_PICK2,
        [OP_JNZ_LOAD_S] = &&L_JNZ_LOAD_S, [OP_JNZ_LOAD_S_R] = &&L_JNZ_LOAD_S_R,
        [OP_JZ_LOAD_S] = &&L_JZ_LOAD_S, [OP_JZ_LOAD_S_R] = &&L_JZ_LOAD_S_R,
        [OP_JNZ_SIZE] = &&L_JNZ_SIZE, [OP_JNZ_SIZE_R] = &&L_JNZ_SIZE_R,
        [OP_JZ_SIZE] = &&L_JZ_SIZE, [OP_JZ_SIZE_R] = &&L_JZ_SIZE_R,
        [OP_ALLOC_K] = &&L_ALLOC_K,
    };
    if (init) {
        dispatch = labels;
        return NULL;
    }
    Value *stack_end = vm->stack + vm->stack_room; /* what is allocated; the limit may be more */
    Frame *fp = en ? en->fp : vm->frames;
    Frame *fp_end = vm->frames + vm->frame_room - 1;
    uint32_t calls = en ? en->calls : 0; /* procedure frames: what the call depth limits */
    FuelAcct fa = {.limit = vm->limits.fuel};
    fa.granted = fa.limit && fa.limit < FUEL_SLICE ? (int64_t)fa.limit : FUEL_SLICE;
    if (en) /* the first charge refuels */
        fa = (FuelAcct){.limit = fa.limit, .spent = en->charged};
    int64_t slice = fa.granted;
    const Cell *fuel_cell = NULL;
    Code *cur = code;
    Cell *ip = code->cells;
    Value *sp = en ? en->sp + code->nin - 1 : vm->stack + vm->depth - 1;
    Value tos = en ? *sp : vm->depth ? vm->stack[vm->depth - 1] : 0;
    const char *msg = NULL;
    Trap trap_code = TRAP_STRUCTURED;
    const Cell *trap_at = NULL;
    Value a, b;
    HeapBlock *blk;
    Code *callee;
    int64_t refunded = 0; /* by the backward jump that resumes in native code */

#define NEXT goto *(ip++)->op
#define PUSHV(v) do { *sp++ = tos; tos = (v); } while (0)
#define BINOP(expr) do { a = sp[-1]; b = tos; tos = (expr); sp--; NEXT; } while (0)
#define TRAP(t, ...) do { trap_code = (t); msg = trap_message(trap_code, ##__VA_ARGS__); trap_at = ip - 1; goto trap; } while (0)
/* Charge the segment whose weight is in cell wc (vm.h, "Fuel"). */
#define CHARGE(wc) do {                                                           \
        if (unlikely((slice -= (wc)->i) < 0)) {                                   \
            slice = refuel(&fa, slice, vm);                                       \
            if (unlikely(slice < 0)) {                                            \
                fuel_cell = (wc);                                                 \
                goto stop;                                                        \
            }                                                                     \
        }                                                                         \
    } while (0)

    NEXT;

L_PUSH: PUSHV(ip->i); ip++; NEXT;
L_POP: tos = *--sp; NEXT;
L_DUP: *sp++ = tos; NEXT;
L_SWAP: a = sp[-1]; sp[-1] = tos; tos = a; NEXT;
L_OVER: *sp++ = tos; tos = sp[-2]; NEXT;
L_ROT: a = sp[-2]; sp[-2] = sp[-1]; sp[-1] = tos; tos = a; NEXT;
L_PICK: a = ip->i ? sp[-ip->i] : tos; ip++; PUSHV(a); NEXT;
L_PLACE: a = tos; tos = *--sp; if (ip->i) sp[-ip->i] = a; else tos = a; ip++; NEXT;
L_TRAP: TRAP(TRAP_PROGRAM, cur->body->insns[cur->insn_of[ip - 1 - cur->cells]].label);
    /* The operations with a C operator (prims.def): add is
     * L_ADD: a = sp[-1]; b = tos; tos = (Value)((uint64_t)a + (uint64_t)b); sp--; NEXT;
     * div and mod first trap on b == 0 and on INT64_MIN / -1. */
#define PLAIN_NONE(e, expr)
#define PLAIN_UN(e, expr) L_##e: a = tos; tos = (expr); NEXT;
#define PLAIN_BIN(e, expr) L_##e: BINOP(expr);
#define PLAIN_CMP(e, expr) L_##e: BINOP(expr);
#define PLAIN_DIV(e, expr)                                                       \
    L_##e:                                                                       \
    if (unlikely(tos == 0))                                                      \
        TRAP(TRAP_##e##_ZERO);                                                   \
    if (unlikely(tos == -1 && sp[-1] == INT64_MIN))                              \
        TRAP(TRAP_##e##_OVERFLOW);                                               \
    BINOP(expr);
#define PLAIN_DIVU(e, expr)                                                      \
    L_##e:                                                                       \
    if (unlikely(tos == 0))                                                      \
        TRAP(TRAP_##e##_ZERO);                                                   \
    BINOP(expr);
#define X(e, name, imm, in, out, flags, c, expr) PLAIN_##c(e, expr)
#include "prims.def"
#undef X
#undef PLAIN_NONE
#undef PLAIN_UN
#undef PLAIN_BIN
#undef PLAIN_CMP
#undef PLAIN_DIV
#undef PLAIN_DIVU
L_LABEL: NEXT; /* never compiled */
/* Into native code: it addresses the stack up to its limit and keeps
 * pointers into it across calls, so the stack must never move under it;
 * and out, once code's call has returned there (as L_RETURN). */
#define TO_NATIVE() do {                                                         \
        if (unlikely(vm->stack_room < vm->limits.stack_slots)) {                 \
            sp = grow_stack(vm, sp, vm->limits.stack_slots);                     \
            stack_end = vm->stack + vm->stack_room;                              \
        }                                                                        \
        *sp = tos;                                                               \
    } while (0)
#define FROM_NATIVE(ne, callee_) do {                                            \
        sp = (ne).sp, tos = *sp, fa.spent = (ne).charged, fa.granted = slice = 0; \
        fp = (ne).fp - 1, fp_end = vm->frames + vm->frame_room - 1;             \
        calls -= !(callee_)->subroutine, ip = fp->ip, cur = fp->code;            \
    } while (0)
/* Counts for the compile policy (vm->hot): calls, and backward jumps taken. */
#define ASK_HOT(c) do {                                                          \
        if (unlikely(vm->hot != NULL) && (c)->calls + (c)->loops >= (c)->ask_at)  \
            vm->hot(vm, (c), vm->hot_ctx);                                       \
    } while (0)
/* A backward jump taken; once the code has native code, the rest of the
 * call runs there (resume; pass: what the jump refunded). */
#define LOOPED(wc, pass) do {                                                    \
        if (unlikely(ip < (wc))) {                                               \
            cur->loops++;                                                        \
            ASK_HOT(cur);                                                        \
            if (unlikely(cur->native != NULL)) {                                 \
                refunded = (pass);                                               \
                goto resume;                                                     \
            }                                                                    \
        }                                                                        \
    } while (0)
    /* Jumps: [weight] [target] [refund]; a jump taken charges the weight,
     * then refunds what the fall-through into its target brings (compile.c).
     * A conditional jump that falls through charges nothing: the count
     * goes on to the next charge. */
/* wc is an expression of ip (ip, ip + 1): it is read once, before ip moves. */
#define TAKE(wc) do { Cell *w_ = (wc); CHARGE(w_); ip = w_[1].target; LOOPED(w_, 0); } while (0)
#define TAKE_R(wc) do { Cell *w_ = (wc); CHARGE(w_); slice += w_[2].i; ip = w_[1].target; LOOPED(w_, w_[2].i); } while (0)
#define JUMPS(R, TAKEN)                                                          \
    L_JUMP##R:                                                                   \
    TAKEN(ip);                                                                   \
    NEXT;                                                                        \
    L_JUMP_IF##R:                                                                \
    a = tos;                                                                     \
    tos = *--sp;                                                                 \
    if (a)                                                                       \
        TAKEN(ip);                                                               \
    else                                                                         \
        ip += 3;                                                                 \
    NEXT;                                                                        \
    L_JUMP_UNLESS##R:                                                            \
    a = tos;                                                                     \
    tos = *--sp;                                                                 \
    if (!a)                                                                      \
        TAKEN(ip);                                                               \
    else                                                                         \
        ip += 3;                                                                 \
    NEXT;
    JUMPS(, TAKE)
    JUMPS(_R, TAKE_R)
#undef JUMPS
L_IF:
L_WHILE: TRAP(TRAP_STRUCTURED);
    /* Calls: [weight] [proc or code]. */
L_CALL:
    CHARGE(ip);
    callee = ((ProcVersion *)ip[1].proc->cur)->code; /* new calls take the newest version */
    callee->calls++;
    ASK_HOT(callee);
    if (unlikely(calls == vm->limits.call_depth))
        TRAP(TRAP_CALL_DEPTH, vm->limits.call_depth, vm->limits.call_depth == 1 ? "" : "s", callee->body->name);
    calls++;
    goto enter;
L_CALLCODE:
    CHARGE(ip);
    callee = ip[1].code;
    callee->calls++;
    ASK_HOT(callee);
enter:
    if (unlikely(fp == fp_end)) {
        Frame *moved = grow_frames(vm, fp);
        if (!moved)
            TRAP(TRAP_OP_NESTING, callee->body->name);
        fp = moved;
        fp_end = vm->frames + vm->frame_room - 1;
    }
    /* The callee's verified depth above its inputs must fit (the stack
     * grows, cold, up to its limit). */
    if (unlikely(sp + 1 + ((int64_t)callee->max_depth - (int64_t)callee->nin) > stack_end)) {
        uint64_t need = (uint64_t)(sp - vm->stack + 1) - callee->nin + callee->max_depth;
        if (need > vm->limits.stack_slots)
            TRAP(TRAP_CALL_STACK, callee->body->name, vm->limits.stack_slots);
        sp = grow_stack(vm, sp, need);
        stack_end = vm->stack + vm->stack_room;
    }
    fp->ip = ip + 2;
    fp->code = cur;
    fp++;
    if (callee->native && native_fits()) { /* native.c runs the call; then as L_RETURN */
        TO_NATIVE();
        VmEntry ne = {fp, calls, fa.spent + (uint64_t)(fa.granted - slice), sp + 1 - callee->nin};
        Error *e = native_call(vm, callee, &ne);
        if (e)
            return e;
        FROM_NATIVE(ne, callee);
        NEXT;
    }
    cur = callee;
    ip = callee->cells;
    NEXT;
resume: /* at ip, a loop head of cur, which has native code now */
    if (fp == vm->frames || !native_fits())
        NEXT;
    TO_NATIVE();
    {   /* native code charges all it ran at a block's start; the threaded
         * run's next charge would have paid the refunded count (compile.c) */
        VmEntry ne = {fp, calls, fa.spent + (uint64_t)(fa.granted - slice) + (uint64_t)refunded, sp};
        Error *e = NULL;
        if (!native_resume(vm, cur, ip, &ne, &e))
            NEXT;
        if (e)
            return e;
        FROM_NATIVE(ne, cur);
    }
    NEXT;
    /* Superinstructions (vm_ops.h).  add_i: tos = tos + imm. */
#define OPS(e, expr) L_##e##_I: a = tos; b = ip->i; tos = (expr); ip++; NEXT;
#define X(e, name, imm, in, out, flags, c, expr) XVM_IMM_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    /* jlt [weight] [target] [refund]: pop b, pop a, branch if a < b.
     * jlt_i [imm] [weight] [target] [refund]: pop a, branch if a < imm. */
#define CMP_JUMPS(name, expr, R, TAKEN)                                           \
    L_J##name##R:                                                                \
    a = sp[-1];                                                                  \
    b = tos;                                                                     \
    tos = sp[-2];                                                                \
    sp -= 2;                                                                     \
    if (expr)                                                                    \
        TAKEN(ip);                                                               \
    else                                                                         \
        ip += 3;                                                                 \
    NEXT;                                                                        \
    L_J##name##_I##R:                                                            \
    a = tos;                                                                     \
    b = ip->i;                                                                   \
    tos = *--sp;                                                                 \
    if (expr)                                                                    \
        TAKEN(ip + 1);                                                           \
    else                                                                         \
        ip += 4;                                                                 \
    NEXT;
#define OPS(e, expr) CMP_JUMPS(e, expr, , TAKE) CMP_JUMPS(e, expr, _R, TAKE_R)
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
#undef CMP_JUMPS
L_STATE_GET: PUSHV(*ip->slot); ip++; NEXT;
L_STATE_SET: /* [weight] [slot] */
    CHARGE(ip);
    *ip[1].slot = tos;
    tos = *--sp;
    ip += 2;
    NEXT;
L_RETURN: /* [weight] */
    CHARGE(ip);
    calls -= !cur->subroutine;
    fp--;
    ip = fp->ip;
    cur = fp->code;
    NEXT;
L_ALLOC_K: /* [k] */
    a = ip->i;
    if (unlikely(a < 0 || a > vm->limits.max_block_words))
        TRAP(a > 0 ? TRAP_ALLOC_SIZE : TRAP_ALLOC_NEGATIVE, a, vm->limits.max_block_words);
    blk = heap_alloc(a, vm->limits.heap_bytes);
    if (unlikely(!blk))
        TRAP(TRAP_OUT_OF_HEAP, a);
    PUSHV((Value)(intptr_t)blk);
    ip++;
    NEXT;
L_ALLOC:
    if (unlikely(tos < 0 || tos > vm->limits.max_block_words))
        TRAP(tos > 0 ? TRAP_ALLOC_SIZE : TRAP_ALLOC_NEGATIVE, tos, vm->limits.max_block_words);
    blk = heap_alloc(tos, vm->limits.heap_bytes);
    if (unlikely(!blk))
        TRAP(TRAP_OUT_OF_HEAP, tos);
    tos = (Value)(intptr_t)blk;
    NEXT;
L_LOAD:
    blk = (HeapBlock *)(intptr_t)sp[-1];
    if (unlikely(!heap_word_ok(blk, tos, TY_INT)) && (msg = heap_problem(blk, tos, TY_INT, true)))
        TRAP(tos >= 0 && tos < blk->size ? TRAP_LOAD_TAG : TRAP_LOAD, msg);
    tos = blk->words[tos];
    sp--;
    NEXT;
L_LOAD_REF:
    blk = (HeapBlock *)(intptr_t)sp[-1];
    if (unlikely(!heap_word_ok(blk, tos, TY_REF)) && (msg = heap_problem(blk, tos, TY_REF, true)))
        TRAP(tos >= 0 && tos < blk->size ? TRAP_LOAD_REF_TAG : TRAP_LOAD_REF, msg);
    tos = blk->words[tos];
    sp--;
    NEXT;
    /* Effects a trap leaves behind: [weight], charged before they happen. */
L_STORE:
    a = TY_INT;
    goto store;
L_STORE_REF:
    a = TY_REF;
store:
    CHARGE(ip);
    blk = (HeapBlock *)(intptr_t)sp[-1];
    if (unlikely((uint64_t)tos >= (uint64_t)blk->size) && (msg = heap_problem(blk, tos, TY_INT, false)))
        TRAP(a == TY_INT ? TRAP_STORE : TRAP_STORE_REF, msg);
    blk->words[tos] = sp[-2];
    blk->tags[tos] = (uint8_t)a;
    tos = sp[-3];
    sp -= 3;
    ip++;
    NEXT;
L_SIZE: tos = ((HeapBlock *)(intptr_t)tos)->size; NEXT;
L_LOAD8:
    blk = (HeapBlock *)(intptr_t)sp[-1];
    if (unlikely(!heap_byte_ok(blk, tos)))
        TRAP(heap_byte_in_range(blk, tos) ? TRAP_LOAD8_TAG : TRAP_LOAD8, heap_byte_problem(blk, tos));
    tos = heap_byte_get(blk, tos);
    sp--;
    NEXT;
L_STORE8: /* [weight] */
    CHARGE(ip);
    blk = (HeapBlock *)(intptr_t)sp[-1];
    if (unlikely(!heap_byte_ok(blk, tos)))
        TRAP(heap_byte_in_range(blk, tos) ? TRAP_STORE8_TAG : TRAP_STORE8, heap_byte_problem(blk, tos));
    heap_byte_put(blk, tos, sp[-2]);
    tos = sp[-3];
    sp -= 3;
    ip++;
    NEXT;
L_PRINT:
    CHARGE(ip);
    fprintf(vm->out, "%" PRId64 "\n", tos);
    tos = *--sp;
    ip++;
    NEXT;
L_PRINT_REF: {
    CHARGE(ip);
    Buf t = {0};
    vm_print_value(&t, tos, TY_REF);
    fprintf(vm->out, "%s\n", buf_str(&t));
    tos = *--sp;
    ip++;
    NEXT;
}
L_EMIT:
    CHARGE(ip);
    if (unlikely(tos < 0 || tos > 255))
        TRAP(TRAP_EMIT, tos);
    fputc((int)tos, vm->out);
    tos = *--sp;
    ip++;
    NEXT;
    /* The fused forms (compile.c) come after the plain instructions, so
     * that these keep the places they had in the function's code. */
    /* Slot forms (vm_ops.h).  add_d: tos + tos; add_s [n]: tos + item n;
     * add_u [k]: item 1 += k; add_rot: item 2 = tos + item 2, then pop. */
#define OPS(e, expr)                                                             \
    L_##e##_D: a = tos; b = tos; tos = (expr); NEXT;                             \
    L_##e##_S: a = tos; b = sp[-ip->i]; tos = (expr); ip++; NEXT;                \
    L_##e##_U: a = sp[-1]; b = ip->i; sp[-1] = (expr); ip++; NEXT;               \
    L_##e##_ROT: a = tos; b = sp[-2]; sp[-2] = (expr); tos = *--sp; NEXT;
#define X(e, name, imm, in, out, flags, c, expr) XVM_SLOT_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    /* [imm] [weight] [target] [refund]: jklt_i branches if tos < imm,
     * jklt_s if tos < item imm, both keeping tos; jlt_s pops it. */
#define SLOT_JUMPS(name, expr, R, TAKEN)                                          \
    L_JK##name##_I##R:                                                           \
    a = tos;                                                                     \
    b = ip->i;                                                                   \
    if (expr)                                                                    \
        TAKEN(ip + 1);                                                           \
    else                                                                         \
        ip += 4;                                                                 \
    NEXT;                                                                        \
    L_JK##name##_S##R:                                                           \
    a = tos;                                                                     \
    b = sp[-ip->i];                                                              \
    if (expr)                                                                    \
        TAKEN(ip + 1);                                                           \
    else                                                                         \
        ip += 4;                                                                 \
    NEXT;                                                                        \
    L_J##name##_S##R:                                                            \
    a = tos;                                                                     \
    b = sp[-ip->i];                                                              \
    tos = *--sp;                                                                 \
    if (expr)                                                                    \
        TAKEN(ip + 1);                                                           \
    else                                                                         \
        ip += 4;                                                                 \
    NEXT;
#define OPS(e, expr) SLOT_JUMPS(e, expr, , TAKE) SLOT_JUMPS(e, expr, _R, TAKE_R)
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
#undef SLOT_JUMPS
    /* jnz_s [n] [weight] [target] [refund]: branch on item n, nothing popped. */
#define PICK_JUMPS(R, TAKEN)                                                     \
    L_JNZ_S##R:                                                                  \
    a = ip->i ? sp[-ip->i] : tos;                                                \
    if (a)                                                                       \
        TAKEN(ip + 1);                                                           \
    else                                                                         \
        ip += 4;                                                                 \
    NEXT;                                                                        \
    L_JZ_S##R:                                                                   \
    a = ip->i ? sp[-ip->i] : tos;                                                \
    if (!a)                                                                      \
        TAKEN(ip + 1);                                                           \
    else                                                                         \
        ip += 4;                                                                 \
    NEXT;
    PICK_JUMPS(, TAKE)
    PICK_JUMPS(_R, TAKE_R)
#undef PICK_JUMPS
    /* jnz_load_s [n] [weight] [target] [refund]: branch on the word of the
     * block in item n at the index on top, nothing pushed.  jnz_size [0]
     * ...: branch on the size of the block on top. */
#define LOAD_JUMP(name, cond, R, TAKEN)                                          \
    L_##name##R:                                                                 \
    blk = (HeapBlock *)(intptr_t)sp[-ip->i];                                     \
    if (unlikely(!heap_word_ok(blk, tos, TY_INT)) && (msg = heap_problem(blk, tos, TY_INT, true))) \
        TRAP(tos >= 0 && tos < blk->size ? TRAP_LOAD_TAG : TRAP_LOAD, msg);     \
    if (cond(blk->words[tos]))                                                   \
        TAKEN(ip + 1);                                                           \
    else                                                                         \
        ip += 4;                                                                 \
    NEXT;
#define SIZE_JUMP(name, cond, R, TAKEN)                                          \
    L_##name##R:                                                                 \
    if (cond(((HeapBlock *)(intptr_t)tos)->size))                                \
        TAKEN(ip + 1);                                                           \
    else                                                                         \
        ip += 4;                                                                 \
    NEXT;
#define NZ(v) (v)
#define Z(v) (!(v))
#define HEAP_JUMPS(R, TAKEN)                                                     \
    LOAD_JUMP(JNZ_LOAD_S, NZ, R, TAKEN)                                          \
    LOAD_JUMP(JZ_LOAD_S, Z, R, TAKEN)                                            \
    SIZE_JUMP(JNZ_SIZE, NZ, R, TAKEN)                                            \
    SIZE_JUMP(JZ_SIZE, Z, R, TAKEN)
    HEAP_JUMPS(, TAKE)
    HEAP_JUMPS(_R, TAKE_R)
#undef HEAP_JUMPS
#undef LOAD_JUMP
#undef SIZE_JUMP
#undef NZ
#undef Z
    /* shuffleN [d] [s1..sN]: drop d items (d >= N), push items s1..sN as
     * they were.  The item under the pushed ones is in memory where it was. */
#define ITEM(k) ((k) ? sp[-(k)] : tos)
L_SHUFFLE1:
    a = ITEM(ip[1].i);
    sp -= ip[0].i - 1;
    tos = a;
    ip += 2;
    NEXT;
L_SHUFFLE2:
    a = ITEM(ip[1].i);
    b = ITEM(ip[2].i);
    sp[1 - ip[0].i] = a;
    sp -= ip[0].i - 2;
    tos = b;
    ip += 3;
    NEXT;
L_SHUFFLE3: {
    Value c = ITEM(ip[3].i);
    a = ITEM(ip[1].i);
    b = ITEM(ip[2].i);
    sp[1 - ip[0].i] = a;
    sp[2 - ip[0].i] = b;
    sp -= ip[0].i - 3;
    tos = c;
    ip += 4;
    NEXT;
}
L_PICK2: /* [a] [b]: pick a; pick b */
    a = ITEM(ip[0].i);
    b = ip[1].i ? ITEM(ip[1].i - 1) : a;
    sp[0] = tos;
    sp[1] = a;
    sp += 2;
    tos = b;
    ip += 2;
    NEXT;
#undef ITEM
L_STORE_K: /* [weight] [k] [n]: block in item n, index on top, nothing moves */
    CHARGE(ip);
    blk = (HeapBlock *)(intptr_t)sp[-ip[2].i];
    if (unlikely((uint64_t)tos >= (uint64_t)blk->size) && (msg = heap_problem(blk, tos, TY_INT, false)))
        TRAP(TRAP_STORE, msg);
    blk->words[tos] = ip[1].i;
    blk->tags[tos] = TY_INT;
    ip += 3;
    NEXT;
L_LOAD_S: /* [n]: push the word of the block in item n at the index on top */
    blk = (HeapBlock *)(intptr_t)sp[-ip->i];
    if (unlikely(!heap_word_ok(blk, tos, TY_INT)) && (msg = heap_problem(blk, tos, TY_INT, true)))
        TRAP(tos >= 0 && tos < blk->size ? TRAP_LOAD_TAG : TRAP_LOAD, msg);
    PUSHV(blk->words[tos]);
    ip++;
    NEXT;
L_LOAD_REF_S:
    blk = (HeapBlock *)(intptr_t)sp[-ip->i];
    if (unlikely(!heap_word_ok(blk, tos, TY_REF)) && (msg = heap_problem(blk, tos, TY_REF, true)))
        TRAP(tos >= 0 && tos < blk->size ? TRAP_LOAD_REF_TAG : TRAP_LOAD_REF, msg);
    PUSHV(blk->words[tos]);
    ip++;
    NEXT;
L_LOAD_K: /* [k]: push the word k of the block on top */
    blk = (HeapBlock *)(intptr_t)tos;
    if (unlikely(!heap_word_ok(blk, ip->i, TY_INT)) && (msg = heap_problem(blk, ip->i, TY_INT, true)))
        TRAP(ip->i >= 0 && ip->i < blk->size ? TRAP_LOAD_TAG : TRAP_LOAD, msg);
    PUSHV(blk->words[ip->i]);
    ip++;
    NEXT;
L_LOAD_REF_K:
    blk = (HeapBlock *)(intptr_t)tos;
    if (unlikely(!heap_word_ok(blk, ip->i, TY_REF)) && (msg = heap_problem(blk, ip->i, TY_REF, true)))
        TRAP(ip->i >= 0 && ip->i < blk->size ? TRAP_LOAD_REF_TAG : TRAP_LOAD_REF, msg);
    PUSHV(blk->words[ip->i]);
    ip++;
    NEXT;
L_STORE_REF_K: /* [weight] [k]: word k of the block under the top := the top, popped */
    CHARGE(ip);
    blk = (HeapBlock *)(intptr_t)sp[-1];
    if (unlikely((uint64_t)ip[1].i >= (uint64_t)blk->size) && (msg = heap_problem(blk, ip[1].i, TY_REF, false)))
        TRAP(TRAP_STORE_REF, msg);
    blk->words[ip[1].i] = tos;
    blk->tags[ip[1].i] = TY_REF;
    tos = *--sp;
    ip += 2;
    NEXT;
L_HALT: /* [weight]: the end of the run is a check too */
    CHARGE(ip);
    *sp = tos;
    vm->depth = (uint32_t)(sp - vm->stack + 1);
    vm->steps = fa.spent + (uint64_t)(fa.granted - slice);
    return NULL;
stop: /* a charge at fuel_cell overdrew the fuel, or Ctrl-C */
    if (fa.interrupted) {
        vm->steps = fa.spent;
        return trap_error(vm, span_of(cur, fuel_cell), fp, TRAP_INTERRUPTED, trap_message(TRAP_INTERRUPTED));
    }
    {
        /* Of this segment's w instructions, fuel - (spent - w) still fitted:
         * the next one is the first past the limit. */
        uint64_t w = (uint64_t)fuel_cell->i, fit = fa.limit - (fa.spent - w);
        return out_of_fuel(vm, cur, counted_back(cur->body, cur->insn_of[fuel_cell - cur->cells], w - fit), fp);
    }
trap: {
    /* The segment ran up to trap_at, which is charged only here: if that
     * passes the fuel, the run ran out of fuel first. */
    uint64_t charged = fa.spent + (uint64_t)(fa.granted - slice);
    uint64_t part = cur->uncharged[trap_at - cur->cells];
    if (fa.limit && charged + part > fa.limit)
        return out_of_fuel(vm, cur,
                           counted_back(cur->body, cur->insn_of[trap_at - cur->cells], part - (fa.limit - charged)), fp);
    vm->steps = charged + part;
    return trap_error(vm, span_of(cur, trap_at), fp, trap_code, msg);
}
#undef NEXT
#undef PUSHV
#undef BINOP
#undef TRAP
#undef CHARGE
#undef TAKE
#undef TAKE_R
#undef LOOPED
#undef TO_NATIVE
#undef FROM_NATIVE
#undef ASK_HOT
}

const void *const *vm_dispatch_table(void)
{
    if (!dispatch)
        run(NULL, NULL, true, NULL);
    return dispatch;
}

Error *vm_check_stack(const Vm *vm, const Code *code)
{
    if (code->max_depth <= vm->limits.stack_slots)
        return NULL;
    return err_hint(err_new(E_TRAP, code->body->end_span, "stack overflow: this code needs %u stack slots, the limit is %u",
                            code->max_depth, vm->limits.stack_slots),
                    "pop values you no longer need, or raise the limit with :set stack N");
}

Error *vm_run(Vm *vm, Code *code)
{
    Error *over = vm_check_stack(vm, code);
    if (over)
        return over;
    uint64_t want = (uint64_t)vm->depth + code->max_depth; /* more than enough */
    vm_stack_reserve(vm, want < vm->limits.stack_slots ? want : vm->limits.stack_slots);
    uint32_t depth = vm->depth;
    Value *saved = gc_calloc(depth + 1, sizeof(Value));
    memcpy(saved, vm->stack, depth * sizeof(Value));
    vm->interrupt = 0;
    Error *e = run(vm, code, false, NULL);
    if (e) {
        memcpy(vm->stack, saved, depth * sizeof(Value));
        vm->depth = depth;
    }
    vm->interrupt = 0;
    fflush(vm->out);
    return e;
}

/* ---- calls between tiers (native.c) ------------------------------------------------ */

Error *vm_run_entry(Vm *vm, Code *code, VmEntry *en)
{
    /* The callee's return lands on a halt of its own, in a frame that
     * trap_error skips. */
    static Cell halt[2];
    halt[0].op = vm_dispatch_table()[OP_HALT];
    uint64_t at = (uint64_t)(en->fp - vm->frames);
    Frame *fp = en->fp == vm->frames + vm->frame_room - 1 ? vm_more_frames(vm, en->fp) : en->fp;
    if (!fp)
        return vm_trap_at(vm, code, 0, en->fp, TRAP_OP_NESTING, trap_message(TRAP_OP_NESTING, code->body->name));
    *fp = (Frame){halt, NULL};
    uint32_t depth = vm->depth;
    VmEntry inner = {fp + 1, en->calls, en->charged, en->sp};
    Error *e = run(vm, code, false, &inner);
    if (e)
        return e;
    en->sp = vm->stack + vm->depth - 1;
    en->charged = vm->steps;
    en->fp = vm->frames + at;
    vm->depth = depth;
    return NULL;
}

Error *vm_trap_at(Vm *vm, const Code *code, uint32_t insn, Frame *fp, Trap t, const char *msg)
{
    Span at = code->body->n ? code->body->insns[insn].span : code->body->end_span;
    return trap_error(vm, at, fp, t, msg);
}

Error *vm_out_of_fuel_at(Vm *vm, const Code *code, uint32_t insn, uint64_t k, Frame *fp)
{
    return out_of_fuel(vm, code, counted_back(code->body, insn, k), fp);
}

Frame *vm_more_frames(Vm *vm, Frame *fp) { return grow_frames(vm, fp); }
