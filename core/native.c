/* native.c - the native tier: LLVM IR from a verified, flattened body,
 * compiled by ORC's LLJIT (llvm.c loads LLVM on the first compile).
 *
 * One function per Code: Value *f(NativeCtx *ctx, Value *fb), where fb is
 * the callee's first input on the VM stack.  It returns the address of its
 * top output (fb + nout - 1), or NULL after a trap (ctx->err holds the
 * error, already built as vm.c builds it).
 *
 * The verifier knows the stack depth at every instruction, so stack slot k
 * of the frame is an alloca that mem2reg turns into a register: the VM
 * stack is touched only to take the inputs, to pass a callee its inputs and
 * take its outputs, and to leave the outputs.  Calls push a Frame as the
 * threaded executor does (what a trap's "called from" notes come from).
 *
 * Fuel (vm.h): ctx->left is what is left of the run's fuel (of a very large
 * budget when unlimited).  The count of a straight run of instructions is
 * charged before a jump, call or return, before an instruction with an
 * effect a trap leaves behind, and where code falls into a label; so the
 * run stops where the threaded code does, and a trap charges the part of
 * its run it reached, as vm.c's does. */
#define _GNU_SOURCE /* pthread_getattr_np */
#include "native.h"

#include "flatten.h"
#include "llvm.h"
#include "vm_ops.h"

#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct NativeCtx {
    Vm *vm;
    Frame *fp, *fp_end;
    int64_t left;  /* fuel left */
    uint64_t calls;
    uint64_t call_depth;
    Value *base;
    uint64_t stack_limit;
    volatile sig_atomic_t *interrupt;
    Error *err;
    int64_t budget; /* the fuel limit, or UNLIMITED */
    uintptr_t cfloor; /* native_fits: below this C stack address a call runs threaded */
} NativeCtx;

/* The fields native code reads, as i64 indices. */
enum { CX_FP = 1, CX_FP_END, CX_LEFT, CX_CALLS, CX_CALL_DEPTH, CX_BASE, CX_STACK_LIMIT, CX_INTERRUPT, CX_CFLOOR = 11 };
_Static_assert(offsetof(NativeCtx, fp) == CX_FP * 8 && offsetof(NativeCtx, interrupt) == CX_INTERRUPT * 8 &&
                   offsetof(NativeCtx, cfloor) == CX_CFLOOR * 8,
               "NativeCtx: native code reads its fields as i64 words");
#define UNLIMITED ((int64_t)1 << 62)

/* resume: 0 to run from the start; insn + 1 to go on at a loop head of the
 * threaded code (native_resume), the frame's items already in fb[]. */
typedef Value *(*NativeFn)(NativeCtx *ctx, Value *fb, uint64_t resume);

/* ---- run-time helpers (called from native code) -------------------------------------------- */

static uint64_t charged(const NativeCtx *c) { return (uint64_t)(c->budget - c->left); }

/* A trap site's instruction, trap and count, packed into one constant
 * (site_of) so that every check of a function can share one exit (Exit). */
static uint64_t site_of(uint32_t insn, uint32_t t, uint32_t n)
{
    return (uint64_t)insn | (uint64_t)t << 24 | (uint64_t)n << 32;
}
static uint32_t site_insn(uint64_t s) { return (uint32_t)(s & 0xffffff); }
static uint32_t site_trap(uint64_t s) { return (uint32_t)(s >> 24 & 0xff); }
static int64_t site_count(uint64_t s) { return (int64_t)(s >> 32); }

/* Out of fuel at a charge of site_count(s) instructions whose last is
 * site_insn(s): left is what was left after the charge (< 0). */
static Value *rt_fuel(NativeCtx *c, const Code *code, uint64_t s, int64_t left)
{
    uint32_t insn = site_insn(s);
    int64_t w = site_count(s);
    uint64_t fit = (uint64_t)(left + w);
    c->err = vm_out_of_fuel_at(c->vm, code, insn, (uint64_t)w - fit, c->fp);
    return NULL;
}

static const char *trap_text(Trap t, ...)
{
    va_list ap;
    va_start(ap, t);
    const char *m = vm_trap_vmessage(t, ap);
    va_end(ap);
    return m;
}

/* A trap at site s: its instruction, trap, and part, the instructions of
 * its run not yet charged (itself included).  a, b: the operands the
 * message needs. */
static Value *rt_trap(NativeCtx *c, const Code *code, uint64_t s, int64_t left, int64_t a, int64_t b)
{
    uint32_t insn = site_insn(s), t = site_trap(s);
    int64_t part = site_count(s);
    c->left = left;
    Vm *vm = c->vm;
    uint64_t done = charged(c), limit = vm->limits.fuel;
    if (limit && done + (uint64_t)part > limit) {
        c->err = vm_out_of_fuel_at(vm, code, insn, (uint64_t)part - (limit - done), c->fp);
        return NULL;
    }
    vm->steps = done + (uint64_t)part;
    const HeapBlock *blk = (const HeapBlock *)(intptr_t)a;
    const Code *callee = (const Code *)(intptr_t)a;
    const char *msg = NULL;
    switch ((Trap)t) {
    case TRAP_PROGRAM: msg = code->body->insns[insn].label; break;
    case TRAP_CALL_DEPTH:
        msg = trap_text(t, vm->limits.call_depth, vm->limits.call_depth == 1 ? "" : "s", callee->body->name);
        break;
    case TRAP_OP_NESTING: msg = trap_text(t, callee->body->name); break;
    case TRAP_CALL_STACK: msg = trap_text(t, callee->body->name, (uint64_t)vm->limits.stack_slots); break;
    case TRAP_OUT_OF_HEAP: /* alloc: which of its traps */
        if (a < 0 || a > vm->limits.max_block_words)
            t = a > 0 ? TRAP_ALLOC_SIZE : TRAP_ALLOC_NEGATIVE;
        msg = trap_text(t, a, vm->limits.max_block_words);
        break;
    case TRAP_LOAD:
    case TRAP_LOAD_REF: {
        TypeId want = t == TRAP_LOAD ? TY_INT : TY_REF;
        msg = heap_problem(blk, b, want, true);
        if (b >= 0 && b < blk->size)
            t = t == TRAP_LOAD ? TRAP_LOAD_TAG : TRAP_LOAD_REF_TAG;
        msg = trap_text(t, msg);
        break;
    }
    case TRAP_STORE:
    case TRAP_STORE_REF: msg = trap_text(t, heap_problem(blk, b, TY_INT, false)); break;
    case TRAP_LOAD8:
    case TRAP_STORE8:
        if (heap_byte_in_range(blk, b))
            t = t == TRAP_LOAD8 ? TRAP_LOAD8_TAG : TRAP_STORE8_TAG;
        msg = trap_text(t, heap_byte_problem(blk, b));
        break;
    case TRAP_EMIT: msg = trap_text(t, a); break;
    case TRAP_INTERRUPTED: vm->steps = done; /* fall through */
    default: msg = trap_text(t); break;
    }
    c->err = vm_trap_at(vm, code, insn, c->fp, (Trap)t, msg);
    return NULL;
}

static Value rt_alloc(NativeCtx *c, int64_t n)
{
    if (n < 0 || n > c->vm->limits.max_block_words)
        return 0;
    return (Value)(intptr_t)heap_alloc(n, c->vm->limits.heap_bytes);
}

static void rt_print(NativeCtx *c, Value v, int64_t is_ref)
{
    if (!is_ref) {
        fprintf(c->vm->out, "%" PRId64 "\n", v);
        return;
    }
    Buf t = {0};
    vm_print_value(&t, v, TY_REF);
    fprintf(c->vm->out, "%s\n", buf_str(&t));
}

static void rt_emit(NativeCtx *c, Value v) { fputc((int)v, c->vm->out); }

/* One more frame; NULL at the cap. */
static Frame *rt_frames(NativeCtx *c, Frame *fp)
{
    Frame *f = vm_more_frames(c->vm, fp);
    if (f) {
        c->fp = f;
        c->fp_end = c->vm->frames + c->vm->frame_room - 1;
    }
    return f;
}

/* ---- the C stack ---------------------------------------------------------------------------- */
/* Native code recurses on the C stack, the threaded tier on the heap.  So
 * a call made where the C stack is nearly used up runs threaded (in one C
 * frame however deep it goes): deep recursion costs speed, never a crash,
 * and the call-depth limit means the same in every tier. */
#define CSTACK_MARGIN ((uintptr_t)1 << 20) /* for what runs above the floor: traps, the collector, a policy */
#define CSTACK_MOST ((uintptr_t)64 << 20)  /* when the thread's stack is said to be unlimited */

static __thread uintptr_t cfloor;

static uintptr_t native_cfloor(void)
{
    if (cfloor)
        return cfloor;
    uintptr_t here = (uintptr_t)__builtin_frame_address(0), lo = 0;
    size_t size = 0;
    void *addr = NULL;
    pthread_attr_t a;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        if (pthread_attr_getstack(&a, &addr, &size) == 0)
            lo = (uintptr_t)addr;
        pthread_attr_destroy(&a);
    }
    uintptr_t margin = size && size / 4 < CSTACK_MARGIN ? size / 4 : CSTACK_MARGIN;
    uintptr_t floor = lo ? lo + margin : here - CSTACK_MARGIN;
    if (here > CSTACK_MOST && floor < here - CSTACK_MOST)
        floor = here - CSTACK_MOST;
    return cfloor = floor;
}

bool native_fits(void) { return (uintptr_t)__builtin_frame_address(0) > native_cfloor(); }

static void ctx_from(NativeCtx *c, Vm *vm, const VmEntry *en)
{
    *c = (NativeCtx){.vm = vm, .fp = en->fp, .fp_end = vm->frames + vm->frame_room - 1, .calls = en->calls,
                     .call_depth = vm->limits.call_depth, .base = vm->stack, .stack_limit = vm->limits.stack_slots,
                     .interrupt = &vm->interrupt, .cfloor = native_cfloor()};
    c->budget = vm->limits.fuel ? (int64_t)vm->limits.fuel : UNLIMITED;
    c->left = c->budget - (int64_t)en->charged;
}

/* A callee with no native code: its threaded code (counted for the policy). */
static Value *run_threaded(NativeCtx *c, Code *callee, Value *fb);

static Value *rt_threaded(NativeCtx *c, Code *callee, Value *fb)
{
    Vm *vm = c->vm;
    if (vm->hot && callee->calls + callee->loops + 1 >= callee->ask_at)
        vm->hot(vm, callee, vm->hot_ctx);
    callee->calls++;
    NativeFn fn = __atomic_load_n(&callee->native, __ATOMIC_ACQUIRE);
    if (fn && native_fits())
        return fn(c, fb, 0);
    return run_threaded(c, callee, fb);
}

/* Native code entered where the C stack is nearly used up: this call runs
 * threaded instead (native_fits). */
static Value *rt_deep(NativeCtx *c, Code *code, Value *fb) { return run_threaded(c, code, fb); }

static Value *run_threaded(NativeCtx *c, Code *callee, Value *fb)
{
    Vm *vm = c->vm;
    VmEntry en = {c->fp, (uint32_t)c->calls, charged(c), fb};
    Error *e = vm_run_entry(vm, callee, &en);
    if (e) {
        c->err = e;
        return NULL;
    }
    c->fp = en.fp;
    c->fp_end = vm->frames + vm->frame_room - 1;
    c->left = c->budget - (int64_t)en.charged;
    return en.sp;
}

Error *native_call(Vm *vm, Code *code, VmEntry *en)
{
    NativeCtx c;
    ctx_from(&c, vm, en);
    NativeFn fn = __atomic_load_n(&code->native, __ATOMIC_ACQUIRE);
    Value *top = fn(&c, en->sp, 0);
    if (!top)
        return c.err;
    en->sp = top;
    en->fp = c.fp;
    en->charged = charged(&c);
    return NULL;
}

bool native_resume(Vm *vm, Code *code, const Cell *at, VmEntry *en, Error **err)
{
    uint32_t t = code->head_at[at - code->cells];
    *err = NULL;
    if (!t || code->native_depth[t - 1] == UINT32_MAX) /* no block of its own there (compile.c, heads_of) */
        return false;
    NativeCtx c;
    ctx_from(&c, vm, en);
    NativeFn fn = __atomic_load_n(&code->native, __ATOMIC_ACQUIRE);
    Value *top = fn(&c, en->sp + 1 - code->native_depth[t - 1], t);
    if (!top) {
        *err = c.err;
        return true;
    }
    en->sp = top;
    en->fp = c.fp;
    en->charged = charged(&c);
    return true;
}

/* ---- analysis: the stack depth at each instruction ------------------------------------------ */

enum { UNREACHED = UINT32_MAX };

/* LLVM's optimiser is superlinear in a function's size: a 185,000-instruction
 * body (br_table.wast) takes minutes, one of 4,000 well under a second. */
enum { NATIVE_MOST_INSNS = 4000 };
_Static_assert(NATIVE_MOST_INSNS < (1 << 24) && TRAP__COUNT <= 256, "site_of packs an insn in 24 bits, a trap in 8");

static Error *refuse(const Code *code, uint32_t i, const char *why)
{
    Span at = i < code->body->n ? code->body->insns[i].span : code->body->end_span;
    return err_hint(err_new(E_USAGE, at, "native: %s in '%s' is not compiled: %s", i < code->body->n ? prim_name(code->body->insns[i].op) : "the end",
                            code->body->name, why),
                    "it keeps running as threaded code");
}

static Error *too_large(const Code *code)
{
    return err_hint(err_new(E_USAGE, code->body->insns[0].span, "native: '%s' has %u instructions, the native tier takes at most %u",
                            code->body->name, code->body->n, (unsigned)NATIVE_MOST_INSNS),
                    "it keeps running as threaded code; split it into smaller procedures to compile it");
}

static Error *outputs_of(const Code *code, uint32_t *nout);

/* How many items insn i of code takes and leaves. */
static Error *effect_of(const Code *code, uint32_t i, uint32_t *in, uint32_t *out)
{
    const Insn *x = &code->body->insns[i];
    *in = *out = 0;
    switch (x->op) {
    case P_PICK: *out = 1; return NULL;
    case P_PLACE: *in = 1; return NULL;
    case P_STATE_GET: *out = 1; return NULL;
    case P_STATE_SET: *in = 1; return NULL;
    case P_LABEL: case P_TICK: case P_JUMP: case P_RETURN: case P_TRAP: return NULL;
    case P_CALL: {
        const ProcVersion *v = def_current(x->ref.proc);
        if (!v)
            return refuse(code, i, "the procedure it calls is not defined");
        *in = v->eff.nin, *out = v->eff.nout;
        return NULL;
    }
    case P_CALLCODE: *in = x->ref.code->nin; return outputs_of(x->ref.code, out);
    case P_IF: case P_WHILE: return refuse(code, i, "structured control reached the compiler");
    default:
        if (x->op >= P__COUNT)
            return refuse(code, i, "not a core instruction");
        *in = prim_info[x->op].nin, *out = prim_info[x->op].nout;
        return NULL;
    }
}

/* The depth before each instruction (depth[n]: at the end), UNREACHED
 * where no path goes, by a walk of the control flow from the entry. */
static Error *depths(const Code *code, uint32_t **out)
{
    const Body *b = code->body;
    uint32_t *d = gc_alloc_atomic(((size_t)b->n + 1) * sizeof *d);
    uint32_t *work = gc_alloc_atomic(((size_t)b->n + 1) * sizeof *work);
    for (uint32_t i = 0; i <= b->n; i++)
        d[i] = UNREACHED;
    uint32_t nwork = 0;
    d[0] = code->nin;
    work[nwork++] = 0;
    while (nwork) {
        uint32_t i = work[--nwork];
        for (;;) {
            if (i == b->n)
                break;
            uint32_t in, outs;
            Error *e = effect_of(code, i, &in, &outs);
            if (e)
                return e;
            const Insn *x = &b->insns[i];
            if (prim_is_cond_jump(x->op))
                in = 1;
            if (d[i] < in)
                return refuse(code, i, "it takes items from below the code's inputs");
            uint32_t next = d[i] - in + outs;
            if (next > b->max_depth && next > code->max_depth)
                return refuse(code, i, "the verifier's depths do not hold");
            if (prim_is_jump(x->op)) {
                if (x->imm < 0 || (uint64_t)x->imm > b->n)
                    return refuse(code, i, "its label is outside the code");
                uint32_t t = (uint32_t)x->imm;
                if (d[t] == UNREACHED) {
                    d[t] = next;
                    work[nwork++] = t;
                } else if (d[t] != next) {
                    return refuse(code, i, "the depths at its label differ");
                }
            }
            if (op_flags(x->op) & PF_END)
                break;
            if (d[i + 1] != UNREACHED) {
                if (d[i + 1] != next)
                    return refuse(code, i + 1, "the depths where it is reached differ");
                break;
            }
            d[++i] = next;
        }
    }
    *out = d;
    return NULL;
}

/* A subroutine's outputs: its depth where it returns. */
static Error *outputs_of(const Code *code, uint32_t *nout)
{
    uint32_t *d;
    Error *e = depths(code, &d);
    if (e)
        return e;
    const Body *b = code->body;
    *nout = d[b->n] != UNREACHED ? d[b->n] : 0;
    for (uint32_t i = 0; i < b->n; i++)
        if (b->insns[i].op == P_RETURN && d[i] != UNREACHED)
            *nout = d[i];
    return NULL;
}

/* ---- IR generation -------------------------------------------------------------------------- */

/* One block per function for each way out on a trap, reached by every
 * check with its values as phis: a body with a hundred checks calls
 * rt_trap once, not a hundred times (codegen time grows with the calls). */
typedef struct Exit {
    LLVMBasicBlockRef bb;
    LLVMValueRef phi[4];
} Exit;

typedef struct Gen {
    LLVMContextRef cx;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    LLVMValueRef fn, ctx, fb; /* ctx and fb as integers */
    LLVMTypeRef i1, i8, i32, i64, p8, p64, fnty;
    LLVMValueRef *slot; /* stack slot k of the frame */
    LLVMValueRef left;  /* fuel left (an alloca) */
    LLVMValueRef probe; /* an alloca whose address is where the C stack is (emit_start) */
    LLVMValueRef interrupt; /* &vm->interrupt, read once */
    Exit trap, fuel;        /* the function's one call of rt_trap, of rt_fuel */
    LLVMBasicBlockRef *block; /* insn index -> its block, where a jump lands */
    const Code *code;
    const uint32_t *depth;
    uint32_t pending, last; /* instructions not yet charged; the last of them */
    uint32_t nout;
    LLVMValueRef expect, ctlz, cttz, ctpop;
    LLVMTypeRef expect_ty, bit_ty;
} Gen;

#define B (g->b)
static LLVMValueRef k64(Gen *g, int64_t v) { return LLVM(ConstInt)(g->i64, (unsigned long long)v, 1); }
static LLVMValueRef k32(Gen *g, uint32_t v) { return LLVM(ConstInt)(g->i32, v, 0); }

static LLVMValueRef get(Gen *g, uint32_t k) { return LLVM(BuildLoad2)(B, g->i64, g->slot[k], ""); }
static void set(Gen *g, uint32_t k, LLVMValueRef v) { LLVM(BuildStore)(B, v, g->slot[k]); }

/* Memory at an address held as an integer. */
static LLVMValueRef ld_ty(Gen *g, LLVMTypeRef ty, LLVMValueRef addr)
{
    return LLVM(BuildLoad2)(B, ty, LLVM(BuildIntToPtr)(B, addr, LLVM(PointerType)(ty, 0), ""), "");
}
static LLVMValueRef ld(Gen *g, LLVMValueRef addr) { return ld_ty(g, g->i64, addr); }
static void st_ty(Gen *g, LLVMTypeRef ty, LLVMValueRef v, LLVMValueRef addr)
{
    LLVM(BuildStore)(B, v, LLVM(BuildIntToPtr)(B, addr, LLVM(PointerType)(ty, 0), ""));
}
static void st(Gen *g, LLVMValueRef v, LLVMValueRef addr) { st_ty(g, g->i64, v, addr); }
static LLVMValueRef plus(Gen *g, LLVMValueRef a, int64_t off) { return off ? LLVM(BuildAdd)(B, a, k64(g, off), "") : a; }
static LLVMValueRef cx(Gen *g, int field) { return ld(g, plus(g, g->ctx, field * 8)); }
static void cx_set(Gen *g, int field, LLVMValueRef v) { st(g, v, plus(g, g->ctx, field * 8)); }
static LLVMValueRef fb_at(Gen *g, uint32_t k) { return plus(g, g->fb, (int64_t)k * 8); }

/* A C function of native.c called from native code: all arguments i64. */
static LLVMValueRef call_c(Gen *g, const void *f, LLVMTypeRef ret, LLVMValueRef *args, unsigned n, LLVMTypeRef *tys)
{
    LLVMTypeRef ty = LLVM(FunctionType)(ret, tys, n, 0);
    LLVMValueRef callee = LLVM(BuildIntToPtr)(B, k64(g, (int64_t)(intptr_t)f), LLVM(PointerType)(ty, 0), "");
    return LLVM(BuildCall2)(B, ty, callee, args, n, "");
}

static LLVMBasicBlockRef new_block(Gen *g) { return LLVM(AppendBasicBlockInContext)(g->cx, g->fn, ""); }

/* Branch on bad (expected false) to a new block, where the builder is left
 * to emit the trap; returns the block to go on in. */
static LLVMBasicBlockRef when_bad(Gen *g, LLVMValueRef bad)
{
    LLVMValueRef args[] = {bad, LLVM(ConstInt)(g->i1, 0, 0)};
    bad = LLVM(BuildCall2)(B, g->expect_ty, g->expect, args, 2, "");
    LLVMBasicBlockRef t = new_block(g), ok = new_block(g);
    LLVM(BuildCondBr)(B, bad, t, ok);
    LLVM(PositionBuilderAtEnd)(B, t);
    return ok;
}

static void ret_null(Gen *g) { LLVM(BuildRet)(B, LLVM(ConstNull)(g->p64)); }

/* Go to exit x (made on its first use: a call of f(ctx, code, vals...)
 * and a return of NULL) with these n values. */
static void exit_to(Gen *g, Exit *x, const void *f, LLVMValueRef *vals, unsigned n)
{
    LLVMBasicBlockRef from = LLVM(GetInsertBlock)(B);
    if (!x->bb) {
        x->bb = new_block(g);
        LLVM(PositionBuilderAtEnd)(B, x->bb);
        LLVMValueRef args[6] = {g->ctx, k64(g, (int64_t)(intptr_t)g->code)};
        LLVMTypeRef tys[6] = {g->i64, g->i64, g->i64, g->i64, g->i64, g->i64};
        for (unsigned k = 0; k < n; k++)
            args[2 + k] = x->phi[k] = LLVM(BuildPhi)(B, g->i64, "");
        call_c(g, f, g->i64, args, n + 2, tys);
        ret_null(g);
        LLVM(PositionBuilderAtEnd)(B, from);
    }
    for (unsigned k = 0; k < n; k++)
        LLVM(AddIncoming)(x->phi[k], &vals[k], &from, 1);
    LLVM(BuildBr)(B, x->bb);
}

/* The trap at insn (rt_trap): the current block ends here. */
static void trap_here(Gen *g, uint32_t insn, Trap t, uint32_t part, LLVMValueRef a, LLVMValueRef b)
{
    LLVMValueRef vals[] = {k64(g, (int64_t)site_of(insn, t, part)), LLVM(BuildLoad2)(B, g->i64, g->left, ""),
                           a ? a : k64(g, 0), b ? b : k64(g, 0)};
    exit_to(g, &g->trap, (const void *)rt_trap, vals, 4);
}

/* if (bad) trap */
static void check(Gen *g, LLVMValueRef bad, uint32_t insn, Trap t, uint32_t part, LLVMValueRef a, LLVMValueRef b)
{
    LLVMBasicBlockRef ok = when_bad(g, bad);
    trap_here(g, insn, t, part, a, b);
    LLVM(PositionBuilderAtEnd)(B, ok);
}

/* Charge what ran since the last charge (vm.h, "Fuel"). */
static void charge(Gen *g)
{
    if (!g->pending)
        return;
    LLVMValueRef left = LLVM(BuildSub)(B, LLVM(BuildLoad2)(B, g->i64, g->left, ""), k64(g, g->pending), "");
    LLVM(BuildStore)(B, left, g->left);
    LLVMBasicBlockRef ok = when_bad(g, LLVM(BuildICmp)(B, LLVMIntSLT, left, k64(g, 0), ""));
    LLVMValueRef vals[] = {k64(g, (int64_t)site_of(g->last, 0, g->pending)), left};
    exit_to(g, &g->fuel, (const void *)rt_fuel, vals, 2);
    LLVM(PositionBuilderAtEnd)(B, ok);
    g->pending = 0;
}

static void poll(Gen *g, uint32_t insn)
{
    LLVMValueRef flag = LLVM(BuildLoad2)(B, g->i32, LLVM(BuildIntToPtr)(B, g->interrupt, LLVM(PointerType)(g->i32, 0), ""), "");
    LLVM(SetVolatile)(flag, 1);
    check(g, LLVM(BuildICmp)(B, LLVMIntNE, flag, k32(g, 0), ""), insn, TRAP_INTERRUPTED, 0, NULL, NULL);
}

static void emit_return(Gen *g, uint32_t d)
{
    for (uint32_t k = 0; k < d; k++)
        st(g, get(g, k), fb_at(g, k));
    cx_set(g, CX_LEFT, LLVM(BuildLoad2)(B, g->i64, g->left, ""));
    LLVM(BuildRet)(B, LLVM(BuildIntToPtr)(B, plus(g, g->fb, ((int64_t)d - 1) * 8), g->p64, ""));
}

/* The cell a frame of a call at insn points after, as the threaded code's
 * own frames do (trap notes name the call from it). */
static const Cell *frame_ip(const Code *code, uint32_t insn)
{
    for (uint32_t k = 0; k < code->ncells; k++)
        if (code->insn_of[k] == insn)
            return &code->cells[k + 1];
    return code->cells;
}

/* enter: room for a frame, the stack check, and the frame pushed. */
static void emit_enter(Gen *g, uint32_t i, uint32_t d, LLVMValueRef cv)
{
    LLVMValueRef fp = cx(g, CX_FP);
    LLVMBasicBlockRef ok = when_bad(g, LLVM(BuildICmp)(B, LLVMIntEQ, fp, cx(g, CX_FP_END), ""));
    {
        LLVMValueRef args[] = {g->ctx, fp};
        LLVMTypeRef tys[] = {g->i64, g->i64};
        LLVMValueRef f = call_c(g, (const void *)rt_frames, g->i64, args, 2, tys);
        check(g, LLVM(BuildICmp)(B, LLVMIntEQ, f, k64(g, 0), ""), i, TRAP_OP_NESTING, 0, cv, NULL);
        LLVM(BuildBr)(B, ok);
        LLVM(PositionBuilderAtEnd)(B, ok);
    }
    fp = cx(g, CX_FP);
    LLVMValueRef here = LLVM(BuildAShr)(B, LLVM(BuildSub)(B, g->fb, cx(g, CX_BASE), ""), k64(g, 3), "");
    LLVMValueRef cnin = LLVM(BuildZExt)(B, ld_ty(g, g->i32, plus(g, cv, offsetof(Code, nin))), g->i64, "");
    LLVMValueRef cmax = LLVM(BuildZExt)(B, ld_ty(g, g->i32, plus(g, cv, offsetof(Code, max_depth))), g->i64, "");
    LLVMValueRef need = LLVM(BuildAdd)(B, LLVM(BuildSub)(B, plus(g, here, d), cnin, ""), cmax, "");
    check(g, LLVM(BuildICmp)(B, LLVMIntUGT, need, cx(g, CX_STACK_LIMIT), ""), i, TRAP_CALL_STACK, 0, cv, NULL);
    st(g, k64(g, (int64_t)(intptr_t)frame_ip(g->code, i)), plus(g, fp, offsetof(Frame, ip)));
    st(g, k64(g, (int64_t)(intptr_t)g->code), plus(g, fp, offsetof(Frame, code)));
    cx_set(g, CX_FP, plus(g, fp, sizeof(Frame)));
}

/* The callee's native code if it has it, else its threaded code: the
 * address of its top output, or NULL after a trap. */
static LLVMValueRef emit_dispatch(Gen *g, LLVMValueRef cv, uint32_t first)
{
    LLVMValueRef nat = ld(g, plus(g, cv, offsetof(Code, native)));
    LLVMBasicBlockRef native = new_block(g), threaded = new_block(g), join = new_block(g);
    LLVM(BuildCondBr)(B, LLVM(BuildICmp)(B, LLVMIntNE, nat, k64(g, 0), ""), native, threaded);
    LLVM(PositionBuilderAtEnd)(B, native);
    LLVMValueRef nargs[] = {LLVM(BuildIntToPtr)(B, g->ctx, g->p64, ""), LLVM(BuildIntToPtr)(B, fb_at(g, first), g->p64, ""),
                            k64(g, 0)};
    LLVMValueRef r1 = LLVM(BuildCall2)(B, g->fnty, LLVM(BuildIntToPtr)(B, nat, LLVM(PointerType)(g->fnty, 0), ""), nargs, 3, "");
    LLVM(BuildBr)(B, join);
    LLVM(PositionBuilderAtEnd)(B, threaded);
    LLVMValueRef targs[] = {g->ctx, cv, fb_at(g, first)};
    LLVMTypeRef ttys[] = {g->i64, g->i64, g->i64};
    LLVMValueRef r2 = LLVM(BuildIntToPtr)(B, call_c(g, (const void *)rt_threaded, g->i64, targs, 3, ttys), g->p64, "");
    LLVM(BuildBr)(B, join);
    LLVM(PositionBuilderAtEnd)(B, join);
    LLVMValueRef r = LLVM(BuildPhi)(B, g->p64, "");
    LLVMValueRef vals[] = {r1, r2};
    LLVMBasicBlockRef from[] = {native, threaded};
    LLVM(AddIncoming)(r, vals, from, 2);
    return r;
}

/* call and callcode: as vm.c's L_CALL / L_CALLCODE / enter. */
static Error *emit_call(Gen *g, uint32_t i, uint32_t d)
{
    uint32_t nin, nout;
    Error *e = effect_of(g->code, i, &nin, &nout);
    if (e)
        return e;
    const Insn *x = &g->code->body->insns[i];
    bool proc = x->op == P_CALL;
    charge(g);
    LLVMValueRef cv;
    if (proc) {
        LLVMValueRef v = ld(g, k64(g, (int64_t)(intptr_t)&x->ref.proc->cur));
        cv = ld(g, plus(g, v, offsetof(ProcVersion, code)));
        LLVMValueRef calls = cx(g, CX_CALLS);
        check(g, LLVM(BuildICmp)(B, LLVMIntEQ, calls, cx(g, CX_CALL_DEPTH), ""), i, TRAP_CALL_DEPTH, 0, cv, NULL);
        cx_set(g, CX_CALLS, LLVM(BuildAdd)(B, calls, k64(g, 1), ""));
    } else {
        cv = k64(g, (int64_t)(intptr_t)x->ref.code);
    }
    emit_enter(g, i, d, cv);
    uint32_t first = d - nin;
    for (uint32_t k = first; k < d; k++)
        st(g, get(g, k), fb_at(g, k));
    cx_set(g, CX_LEFT, LLVM(BuildLoad2)(B, g->i64, g->left, ""));
    LLVMValueRef r = emit_dispatch(g, cv, first);
    LLVMBasicBlockRef cont = new_block(g), fail = new_block(g);
    LLVM(BuildCondBr)(B, LLVM(BuildICmp)(B, LLVMIntEQ, LLVM(BuildPtrToInt)(B, r, g->i64, ""), k64(g, 0), ""), fail, cont);
    LLVM(PositionBuilderAtEnd)(B, fail);
    ret_null(g); /* the trap's frames stay for its notes */
    LLVM(PositionBuilderAtEnd)(B, cont);
    LLVM(BuildStore)(B, cx(g, CX_LEFT), g->left);
    cx_set(g, CX_FP, plus(g, cx(g, CX_FP), -(int64_t)sizeof(Frame)));
    if (proc)
        cx_set(g, CX_CALLS, LLVM(BuildSub)(B, cx(g, CX_CALLS), k64(g, 1), ""));
    for (uint32_t k = 0; k < nout; k++)
        set(g, first + k, ld(g, fb_at(g, first + k)));
    return NULL;
}

static LLVMValueRef bit_op(Gen *g, LLVMValueRef f, LLVMValueRef a, bool flag)
{
    LLVMValueRef args[] = {a, LLVM(ConstInt)(g->i1, 0, 0)};
    return LLVM(BuildCall2)(B, flag ? g->bit_ty : LLVM(FunctionType)(g->i64, &g->i64, 1, 0), f, args, flag ? 2 : 1, "");
}

/* Heap block fields. */
static LLVMValueRef blk_size(Gen *g, LLVMValueRef blk) { return ld(g, plus(g, blk, offsetof(HeapBlock, size))); }
static LLVMValueRef blk_tag_at(Gen *g, LLVMValueRef blk, LLVMValueRef idx)
{
    return LLVM(BuildAdd)(B, ld(g, plus(g, blk, offsetof(HeapBlock, tags))), idx, "");
}
static LLVMValueRef blk_word_at(Gen *g, LLVMValueRef blk, LLVMValueRef idx)
{
    return LLVM(BuildAdd)(B, plus(g, blk, offsetof(HeapBlock, words)), LLVM(BuildShl)(B, idx, k64(g, 3), ""), "");
}

static void emit_load(Gen *g, uint32_t i, uint32_t d, TypeId want, Trap t)
{
    LLVMValueRef blk = get(g, d - 2), idx = get(g, d - 1);
    check(g, LLVM(BuildICmp)(B, LLVMIntUGE, idx, blk_size(g, blk), ""), i, t, g->pending, blk, idx);
    LLVMValueRef tag = ld_ty(g, g->i8, blk_tag_at(g, blk, idx));
    check(g, LLVM(BuildICmp)(B, LLVMIntNE, tag, LLVM(ConstInt)(g->i8, want, 0), ""), i, t, g->pending, blk, idx);
    set(g, d - 2, ld(g, blk_word_at(g, blk, idx)));
}

static void emit_store(Gen *g, uint32_t i, uint32_t d, TypeId tag, Trap t)
{
    charge(g);
    LLVMValueRef val = get(g, d - 3), blk = get(g, d - 2), idx = get(g, d - 1);
    check(g, LLVM(BuildICmp)(B, LLVMIntUGE, idx, blk_size(g, blk), ""), i, t, 0, blk, idx);
    st(g, val, blk_word_at(g, blk, idx));
    st_ty(g, g->i8, LLVM(ConstInt)(g->i8, tag, 0), blk_tag_at(g, blk, idx));
}

/* load8, store8: the word holding byte idx, checked as heap_byte_ok does. */
static LLVMValueRef byte_word(Gen *g, uint32_t i, LLVMValueRef blk, LLVMValueRef idx, Trap t, uint32_t part)
{
    LLVMValueRef w = LLVM(BuildLShr)(B, idx, k64(g, 3), "");
    check(g, LLVM(BuildICmp)(B, LLVMIntUGE, w, blk_size(g, blk), ""), i, t, part, blk, idx);
    LLVMValueRef tag = ld_ty(g, g->i8, blk_tag_at(g, blk, w));
    check(g, LLVM(BuildICmp)(B, LLVMIntNE, tag, LLVM(ConstInt)(g->i8, TY_INT, 0), ""), i, t, part, blk, idx);
    return w;
}

static LLVMValueRef byte_shift(Gen *g, LLVMValueRef idx)
{
    return LLVM(BuildShl)(B, LLVM(BuildAnd)(B, idx, k64(g, 7), ""), k64(g, 3), "");
}

static void emit_load8(Gen *g, uint32_t i, uint32_t d)
{
    LLVMValueRef blk = get(g, d - 2), idx = get(g, d - 1);
    LLVMValueRef word = ld(g, blk_word_at(g, blk, byte_word(g, i, blk, idx, TRAP_LOAD8, g->pending)));
    set(g, d - 2, LLVM(BuildAnd)(B, LLVM(BuildLShr)(B, word, byte_shift(g, idx), ""), k64(g, 255), ""));
}

static void emit_store8(Gen *g, uint32_t i, uint32_t d)
{
    charge(g);
    LLVMValueRef val = get(g, d - 3), blk = get(g, d - 2), idx = get(g, d - 1);
    LLVMValueRef at = blk_word_at(g, blk, byte_word(g, i, blk, idx, TRAP_STORE8, 0)), sh = byte_shift(g, idx);
    LLVMValueRef keep = LLVM(BuildAnd)(B, ld(g, at), LLVM(BuildNot)(B, LLVM(BuildShl)(B, k64(g, 255), sh, ""), ""), "");
    LLVMValueRef put = LLVM(BuildShl)(B, LLVM(BuildAnd)(B, val, k64(g, 255), ""), sh, "");
    st(g, LLVM(BuildOr)(B, keep, put, ""), at);
}

static LLVMValueRef cmp(Gen *g, LLVMIntPredicate p, LLVMValueRef a, LLVMValueRef b)
{
    return LLVM(BuildZExt)(B, LLVM(BuildICmp)(B, p, a, b, ""), g->i64, "");
}

/* A primitive with a C operator (prims.def): the value it leaves. */
static LLVMValueRef emit_arith(Gen *g, uint32_t i, int op, LLVMValueRef a, LLVMValueRef b)
{
    LLVMValueRef m63 = k64(g, 63);
    switch (op) {
    case P_ADD: return LLVM(BuildAdd)(B, a, b, "");
    case P_SUB: return LLVM(BuildSub)(B, a, b, "");
    case P_MUL: return LLVM(BuildMul)(B, a, b, "");
    case P_AND: return LLVM(BuildAnd)(B, a, b, "");
    case P_OR: return LLVM(BuildOr)(B, a, b, "");
    case P_XOR: return LLVM(BuildXor)(B, a, b, "");
    case P_SHL: return LLVM(BuildShl)(B, a, LLVM(BuildAnd)(B, b, m63, ""), "");
    case P_SHR: return LLVM(BuildAShr)(B, a, LLVM(BuildAnd)(B, b, m63, ""), "");
    case P_SHRU: return LLVM(BuildLShr)(B, a, LLVM(BuildAnd)(B, b, m63, ""), "");
    case P_EQ: return cmp(g, LLVMIntEQ, a, b);
    case P_NE: return cmp(g, LLVMIntNE, a, b);
    case P_LT: return cmp(g, LLVMIntSLT, a, b);
    case P_LE: return cmp(g, LLVMIntSLE, a, b);
    case P_GT: return cmp(g, LLVMIntSGT, a, b);
    case P_GE: return cmp(g, LLVMIntSGE, a, b);
    case P_LTU: return cmp(g, LLVMIntULT, a, b);
    case P_LEU: return cmp(g, LLVMIntULE, a, b);
    case P_GTU: return cmp(g, LLVMIntUGT, a, b);
    case P_GEU: return cmp(g, LLVMIntUGE, a, b);
    case P_DIV:
    case P_MOD: {
        bool div = op == P_DIV;
        check(g, LLVM(BuildICmp)(B, LLVMIntEQ, b, k64(g, 0), ""), i, div ? TRAP_DIV_ZERO : TRAP_MOD_ZERO, g->pending, NULL, NULL);
        LLVMValueRef ov = LLVM(BuildAnd)(B, LLVM(BuildICmp)(B, LLVMIntEQ, b, k64(g, -1), ""),
                                         LLVM(BuildICmp)(B, LLVMIntEQ, a, k64(g, INT64_MIN), ""), "");
        check(g, ov, i, div ? TRAP_DIV_OVERFLOW : TRAP_MOD_OVERFLOW, g->pending, NULL, NULL);
        return div ? LLVM(BuildSDiv)(B, a, b, "") : LLVM(BuildSRem)(B, a, b, "");
    }
    case P_DIVU:
    case P_MODU:
        check(g, LLVM(BuildICmp)(B, LLVMIntEQ, b, k64(g, 0), ""), i, op == P_DIVU ? TRAP_DIVU_ZERO : TRAP_MODU_ZERO,
              g->pending, NULL, NULL);
        return op == P_DIVU ? LLVM(BuildUDiv)(B, a, b, "") : LLVM(BuildURem)(B, a, b, "");
    case P_NEG: return LLVM(BuildSub)(B, k64(g, 0), a, "");
    case P_NOT: return LLVM(BuildNot)(B, a, "");
    case P_CLZ: return bit_op(g, g->ctlz, a, true);
    case P_CTZ: return bit_op(g, g->cttz, a, true);
    case P_POPCNT: return bit_op(g, g->ctpop, a, false);
    default: return NULL;
    }
}

/* Stack shuffles: only the slots change. */
static Error *emit_shuffle(Gen *g, uint32_t i, uint32_t d)
{
    const Insn *x = &g->code->body->insns[i];
    switch (x->op) {
    case P_PUSH: set(g, d, k64(g, x->imm)); return NULL;
    case P_DUP: set(g, d, get(g, d - 1)); return NULL;
    case P_OVER: set(g, d, get(g, d - 2)); return NULL;
    case P_SWAP: {
        LLVMValueRef a = get(g, d - 2), b = get(g, d - 1);
        set(g, d - 2, b), set(g, d - 1, a);
        return NULL;
    }
    case P_ROT: {
        LLVMValueRef a = get(g, d - 3), b = get(g, d - 2), c = get(g, d - 1);
        set(g, d - 3, b), set(g, d - 2, c), set(g, d - 1, a);
        return NULL;
    }
    case P_PICK:
        if (x->imm < 0 || (uint64_t)x->imm >= d)
            return refuse(g->code, i, "it picks from below the code's inputs");
        set(g, d, get(g, d - 1 - (uint32_t)x->imm));
        return NULL;
    case P_PLACE:
        if (x->imm < 0 || (uint64_t)x->imm + 2 > d)
            return refuse(g->code, i, "it places below the code's inputs");
        set(g, d - 2 - (uint32_t)x->imm, get(g, d - 1));
        return NULL;
    default: return NULL;
    }
}

/* The heap, output and state. */
static void emit_effect(Gen *g, uint32_t i, uint32_t d)
{
    const Insn *x = &g->code->body->insns[i];
    switch (x->op) {
    case P_ALLOC: {
        LLVMValueRef n = get(g, d - 1);
        LLVMValueRef args[] = {g->ctx, n};
        LLVMTypeRef tys[] = {g->i64, g->i64};
        LLVMValueRef blk = call_c(g, (const void *)rt_alloc, g->i64, args, 2, tys);
        check(g, LLVM(BuildICmp)(B, LLVMIntEQ, blk, k64(g, 0), ""), i, TRAP_OUT_OF_HEAP, g->pending, n, NULL);
        set(g, d - 1, blk);
        return;
    }
    case P_LOAD: emit_load(g, i, d, TY_INT, TRAP_LOAD); return;
    case P_LOAD_REF: emit_load(g, i, d, TY_REF, TRAP_LOAD_REF); return;
    case P_STORE: emit_store(g, i, d, TY_INT, TRAP_STORE); return;
    case P_STORE_REF: emit_store(g, i, d, TY_REF, TRAP_STORE_REF); return;
    case P_LOAD8: emit_load8(g, i, d); return;
    case P_STORE8: emit_store8(g, i, d); return;
    case P_SIZE: set(g, d - 1, blk_size(g, get(g, d - 1))); return;
    case P_PRINT: {
        charge(g);
        LLVMValueRef args[] = {g->ctx, get(g, d - 1), k64(g, x->ty == TY_REF)};
        LLVMTypeRef tys[] = {g->i64, g->i64, g->i64};
        call_c(g, (const void *)rt_print, LLVM(VoidTypeInContext)(g->cx), args, 3, tys);
        return;
    }
    case P_EMIT: {
        charge(g);
        LLVMValueRef v = get(g, d - 1);
        check(g, LLVM(BuildICmp)(B, LLVMIntUGT, v, k64(g, 255), ""), i, TRAP_EMIT, 0, v, NULL);
        LLVMValueRef args[] = {g->ctx, v};
        LLVMTypeRef tys[] = {g->i64, g->i64};
        call_c(g, (const void *)rt_emit, LLVM(VoidTypeInContext)(g->cx), args, 2, tys);
        return;
    }
    case P_STATE_GET: set(g, d, ld(g, k64(g, (int64_t)(intptr_t)x->ref.slot))); return;
    case P_STATE_SET:
        charge(g);
        st(g, get(g, d - 1), k64(g, (int64_t)(intptr_t)x->ref.slot));
        return;
    default: return;
    }
}

/* One instruction at depth d; *open = false when it ends its block. */
static Error *emit_insn(Gen *g, uint32_t i, bool *open)
{
    const Insn *x = &g->code->body->insns[i];
    uint32_t d = g->depth[i];
    if (exec_fuel_counts(x->op)) {
        g->pending++;
        g->last = i;
    }
    switch (x->op) {
    case P_LABEL: case P_TICK: case P_POP: return NULL;
    case P_PUSH: case P_DUP: case P_OVER: case P_SWAP: case P_ROT: case P_PICK: case P_PLACE:
        return emit_shuffle(g, i, d);
    case P_JUMP:
    case P_JUMP_IF:
    case P_JUMP_UNLESS: {
        charge(g);
        if (x->imm <= (int64_t)i)
            poll(g, i);
        LLVMBasicBlockRef to = g->block[x->imm];
        if (x->op == P_JUMP) {
            LLVM(BuildBr)(B, to);
            *open = false;
            return NULL;
        }
        LLVMValueRef c = LLVM(BuildICmp)(B, x->op == P_JUMP_IF ? LLVMIntNE : LLVMIntEQ, get(g, d - 1), k64(g, 0), "");
        LLVMBasicBlockRef next = new_block(g);
        LLVM(BuildCondBr)(B, c, to, next);
        LLVM(PositionBuilderAtEnd)(B, next);
        return NULL;
    }
    case P_CALL:
    case P_CALLCODE: return emit_call(g, i, d);
    case P_RETURN:
        charge(g);
        emit_return(g, d);
        *open = false;
        return NULL;
    case P_TRAP:
        trap_here(g, i, TRAP_PROGRAM, g->pending, NULL, NULL);
        *open = false;
        return NULL;
    case P_ALLOC: case P_LOAD: case P_LOAD_REF: case P_STORE: case P_STORE_REF: case P_LOAD8: case P_STORE8:
    case P_SIZE: case P_PRINT:
    case P_EMIT: case P_STATE_GET: case P_STATE_SET:
        emit_effect(g, i, d);
        return NULL;
    default:
        if (x->op < P__COUNT && prim_info[x->op].c != PC_NONE) {
            bool un = prim_info[x->op].nin == 1;
            LLVMValueRef a = un ? get(g, d - 1) : get(g, d - 2), b = un ? NULL : get(g, d - 1);
            set(g, un ? d - 1 : d - 2, emit_arith(g, i, x->op, a, b));
            return NULL;
        }
        return refuse(g->code, i, "the native tier has no code for it");
    }
}

static void declare_intrinsics(Gen *g)
{
    LLVMTypeRef ex[] = {g->i1, g->i1};
    g->expect_ty = LLVM(FunctionType)(g->i1, ex, 2, 0);
    g->expect = LLVM(AddFunction)(g->mod, "llvm.expect.i1", g->expect_ty);
    LLVMTypeRef bt[] = {g->i64, g->i1};
    g->bit_ty = LLVM(FunctionType)(g->i64, bt, 2, 0);
    g->ctlz = LLVM(AddFunction)(g->mod, "llvm.ctlz.i64", g->bit_ty);
    g->cttz = LLVM(AddFunction)(g->mod, "llvm.cttz.i64", g->bit_ty);
    g->ctpop = LLVM(AddFunction)(g->mod, "llvm.ctpop.i64", LLVM(FunctionType)(g->i64, &g->i64, 1, 0));
}

/* The entry's switch on resume: 0 (a call) to start; t + 1, where the
 * threaded code jumped back to label t, loads the frame's items and goes
 * to t's block.  Only the C-stack check is skipped: the threaded executor
 * made it (native_fits) before it resumed here. */
static void emit_resumes(Gen *g, LLVMBasicBlockRef start)
{
    const Body *body = g->code->body;
    uint32_t heads = 0;
    for (uint32_t t = 0; t < body->n; t++)
        heads += g->block[t] != NULL;
    LLVMValueRef sw = LLVM(BuildSwitch)(B, LLVM(GetParam)(g->fn, 2), start, heads);
    for (uint32_t t = 0; t < body->n; t++) {
        if (!g->block[t])
            continue;
        LLVMBasicBlockRef in = new_block(g);
        LLVM(AddCase)(sw, k64(g, (int64_t)t + 1), in);
        LLVM(PositionBuilderAtEnd)(B, in);
        for (uint32_t k = 0; k < g->depth[t]; k++)
            set(g, k, ld(g, fb_at(g, k)));
        LLVM(BuildBr)(B, g->block[t]);
    }
}

/* A call's start: the C-stack check (rt_deep), the inputs, a poll. */
static void emit_start(Gen *g)
{
    const Code *code = g->code;
    {   /* the C stack nearly used up: this call runs threaded (rt_deep) */
        LLVMValueRef here = LLVM(BuildPtrToInt)(B, g->probe, g->i64, "");
        LLVMBasicBlockRef ok = when_bad(g, LLVM(BuildICmp)(B, LLVMIntULT, here, cx(g, CX_CFLOOR), ""));
        LLVMValueRef args[] = {g->ctx, k64(g, (int64_t)(intptr_t)code), g->fb};
        LLVMTypeRef tys[] = {g->i64, g->i64, g->i64};
        LLVMValueRef top = call_c(g, (const void *)rt_deep, g->i64, args, 3, tys);
        LLVM(BuildRet)(B, LLVM(BuildIntToPtr)(B, top, g->p64, ""));
        LLVM(PositionBuilderAtEnd)(B, ok);
    }
    for (uint32_t k = 0; k < code->nin; k++)
        set(g, k, ld(g, fb_at(g, k)));
    poll(g, 0);
}

static Error *gen_function(Gen *g, const char *name)
{
    const Code *code = g->code;
    const Body *body = code->body;
    g->fn = LLVM(AddFunction)(g->mod, name, g->fnty);
    LLVMBasicBlockRef entry = new_block(g);
    LLVM(PositionBuilderAtEnd)(B, entry);
    g->ctx = LLVM(BuildPtrToInt)(B, LLVM(GetParam)(g->fn, 0), g->i64, "");
    g->fb = LLVM(BuildPtrToInt)(B, LLVM(GetParam)(g->fn, 1), g->i64, "");
    uint32_t nslots = body->max_depth > code->max_depth ? body->max_depth : code->max_depth;
    nslots = (nslots > code->nin ? nslots : code->nin) + 1;
    g->slot = gc_alloc((size_t)nslots * sizeof *g->slot);
    for (uint32_t k = 0; k < nslots; k++)
        g->slot[k] = LLVM(BuildAlloca)(B, g->i64, "");
    g->left = LLVM(BuildAlloca)(B, g->i64, "left");
    g->probe = LLVM(BuildAlloca)(B, g->i8, "probe");
    LLVM(BuildStore)(B, cx(g, CX_LEFT), g->left);
    g->interrupt = cx(g, CX_INTERRUPT);
    g->block = gc_alloc(((size_t)body->n + 1) * sizeof *g->block);
    for (uint32_t i = 0; i < body->n; i++) {
        const Insn *x = &body->insns[i];
        /* every target the code reaches has a block, reached by a jump
         * or not: native_resume may enter at any of them */
        if (prim_is_jump(x->op) && g->depth[x->imm] != UNREACHED && !g->block[x->imm])
            g->block[x->imm] = new_block(g);
    }
    LLVMBasicBlockRef start = new_block(g);
    emit_resumes(g, start);
    LLVM(PositionBuilderAtEnd)(B, start);
    emit_start(g);
    bool open = true;
    for (uint32_t i = 0; i <= body->n; i++) {
        if (g->block[i]) {
            if (open) {
                charge(g);
                LLVM(BuildBr)(B, g->block[i]);
            }
            LLVM(PositionBuilderAtEnd)(B, g->block[i]);
            open = true;
            g->pending = 0;
        }
        if (g->depth[i] == UNREACHED || !open)
            continue;
        if (i == body->n) {
            charge(g);
            emit_return(g, g->depth[i]);
            break;
        }
        Error *e = emit_insn(g, i, &open);
        if (e)
            return e;
    }
    return NULL;
}
#undef B

/* ---- the JIT ---------------------------------------------------------------------------------- */

static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;
static LLVMOrcLLJITRef jit;
static uint64_t compiled; /* functions so far: their names */

static Error *llvm_error(LLVMErrorRef e, const char *what)
{
    char *m = LLVM(GetErrorMessage)(e);
    Error *r = err_new(E_USAGE, (Span){0}, "native: %s: %s", what, m);
    LLVM(DisposeErrorMessage)(m);
    return r;
}

bool native_available(Error **why)
{
    const char *e = llvm_load();
    if (!e && !jit) {
        pthread_mutex_lock(&jit_lock);
        if (!jit) {
            LLVMErrorRef le = LLVM(OrcCreateLLJIT)(&jit, LLVM(OrcCreateLLJITBuilder)());
            if (le) {
                Error *r = llvm_error(le, "cannot start LLVM's JIT");
                jit = NULL;
                pthread_mutex_unlock(&jit_lock);
                if (why)
                    *why = r;
                return false;
            }
        }
        pthread_mutex_unlock(&jit_lock);
    }
    if (e && why)
        *why = err_hint(err_new(E_USAGE, (Span){0}, "native code is not available: %s", e),
                        "the code runs as threaded code");
    return !e;
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* A short function pipeline, not -O2's: the code is already in SSA-friendly
 * shape (one alloca per stack slot), and codegen, not the optimiser, takes
 * most of a compile, so -O2's module passes cost compile time (-O2: 820M
 * instructions to run alloc.fs at depth 12; this: 574M) and won nothing at
 * run time on the benchmarks (docs/decisions.md, 73). */
static void optimize(LLVMModuleRef mod, LLVMValueRef fn)
{
    LLVMPassManagerRef fp = LLVM(CreateFunctionPassManagerForModule)(mod);
    LLVM(AddLowerExpectIntrinsicPass)(fp);
    LLVM(AddPromoteMemoryToRegisterPass)(fp);
    LLVM(AddInstructionCombiningPass)(fp);
    LLVM(AddCFGSimplificationPass)(fp);
    LLVM(AddEarlyCSEPass)(fp);
    LLVM(InitializeFunctionPassManager)(fp);
    LLVM(RunFunctionPassManager)(fp, fn);
    LLVM(FinalizeFunctionPassManager)(fp);
    LLVM(DisposePassManager)(fp);
}

static Error *jit_add(Gen *g, const char *name, void **entry)
{
    char *why = NULL;
    if (getenv("XVM_NATIVE_VERIFY") && LLVM(VerifyModule)(g->mod, LLVMReturnStatusAction, &why)) {
        Error *e = err_new(E_USAGE, (Span){0}, "native: internal: bad IR for '%s': %s", g->code->body->name, why);
        LLVM(DisposeMessage)(why);
        return e;
    }
    if (why)
        LLVM(DisposeMessage)(why);
    LLVM(SetTarget)(g->mod, LLVM(OrcLLJITGetTripleString)(jit));
    LLVM(SetDataLayout)(g->mod, LLVM(OrcLLJITGetDataLayoutStr)(jit));
    optimize(g->mod, g->fn);
    if (getenv("XVM_NATIVE_DUMP")) {
        char *ir = LLVM(PrintModuleToString)(g->mod);
        fprintf(stderr, "%s\n", ir);
        LLVM(DisposeMessage)(ir);
    }
    return NULL;
}

Error *native_compile(Code *code)
{
    Error *e = NULL;
    if (!native_available(&e))
        return e;
    if (code->native)
        return NULL;
    if (code->body->n > NATIVE_MOST_INSNS)
        return too_large(code);
    uint64_t t0 = now_ns();
    uint32_t *depth;
    if ((e = depths(code, &depth)))
        return e;
    pthread_mutex_lock(&jit_lock);
    char name[32];
    snprintf(name, sizeof name, "xvm_native_%" PRIu64, compiled++);
    LLVMOrcThreadSafeContextRef tsc = LLVM(OrcCreateNewThreadSafeContext)();
    Gen g = {.code = code, .depth = depth};
    g.cx = LLVM(OrcThreadSafeContextGetContext)(tsc);
    g.mod = LLVM(ModuleCreateWithNameInContext)(name, g.cx);
    g.b = LLVM(CreateBuilderInContext)(g.cx);
    g.i1 = LLVM(Int1TypeInContext)(g.cx);
    g.i8 = LLVM(Int8TypeInContext)(g.cx);
    g.i32 = LLVM(Int32TypeInContext)(g.cx);
    g.i64 = LLVM(Int64TypeInContext)(g.cx);
    g.p8 = LLVM(PointerType)(g.i8, 0);
    g.p64 = LLVM(PointerType)(g.i64, 0);
    LLVMTypeRef params[] = {g.p64, g.p64, g.i64};
    g.fnty = LLVM(FunctionType)(g.p64, params, 3, 0);
    declare_intrinsics(&g);
    e = gen_function(&g, name);
    LLVM(DisposeBuilder)(g.b);
    void *entry = NULL;
    if (!e)
        e = jit_add(&g, name, &entry);
    if (e) {
        LLVM(DisposeModule)(g.mod);
    } else {
        LLVMOrcThreadSafeModuleRef tsm = LLVM(OrcCreateNewThreadSafeModule)(g.mod, tsc);
        LLVMErrorRef le = LLVM(OrcLLJITAddLLVMIRModule)(jit, LLVM(OrcLLJITGetMainJITDylib)(jit), tsm);
        LLVMOrcExecutorAddress addr = 0;
        if (!le)
            le = LLVM(OrcLLJITLookup)(jit, &addr, name);
        if (le)
            e = llvm_error(le, "compiling failed");
        entry = (void *)(uintptr_t)addr;
    }
    LLVM(OrcDisposeThreadSafeContext)(tsc);
    pthread_mutex_unlock(&jit_lock);
    if (e)
        return e;
    code->native_depth = depth;
    code->compile_ns = now_ns() - t0;
    __atomic_store_n(&code->native, entry, __ATOMIC_RELEASE);
    return NULL;
}
