/* wasm_func.c - a WebAssembly function body as XVM code over wasm-machine.
 *
 * Locals (params first) are the bottom slots of the procedure's stack,
 * local i the slot i under the function's fence: local.get i is pick H+i,
 * local.set place, at a depth the translator knows from the operand height
 * it counts (H: the items above the locals).  An index is translated as
 * written even past what exists, and XVM refuses what it names (decision
 * 70).  A
 * block is a label after its end, a loop a label at its start; a branch
 * first drops the operands above the target's height, keeping its
 * results, then jumps.  Every instruction becomes the typed operation of
 * the same name (i32.add -> i32_add); no type is checked here, the
 * verifier checks them all (docs/wasm.md, "Validation"). */
#include "wasm_func.h"

#include <stdlib.h>
#include <string.h>

enum { CTL_FUNC, CTL_BLOCK, CTL_LOOP, CTL_IF, FUNC_MAX_NEST = 4096 };

typedef struct Ctl {
    int kind;
    uint32_t label, else_label;
    int64_t height;   /* H at entry, its fence included */
    const char *id;   /* its $label, or NULL */
    char result;      /* its result type, or 0 */
    bool live_entry;  /* entered from live code */
    bool has_else;
    uint32_t end_label; /* a loop's label at its end, once an unreachable reaches it (see op_unreachable) */
} Ctl;

typedef struct Fn {
    WasmInstance *inst;
    const WasmModuleFunc *f;
    Gentext *g;
    uint32_t nlocals;
    Ctl ctl[FUNC_MAX_NEST];
    uint32_t nctl;
    int64_t H; /* may go below a block's height in invalid code: its fence then meets a wrong type */
    bool dead; /* after br, return or unreachable until the end of the block */
    uint32_t labels;
} Fn;

/* One instruction with its immediates. */
typedef struct Op {
    const char *name;
    Span at;
    const WasmSexpr *const *imm; /* the atoms and type lists after it */
    uint32_t nimm;
} Op;

static void out(Fn *F, Span at, const char *xvm) { gentext_emit(F->g, at, xvm); }

static const char *tname(char t) { return t == 'I' ? "i64" : "i32"; }

static Error *bad(Span at, const char *what, const char *hint)
{
    return err_hint(err_new(E_SYNTAX, at, "%s", what), "%s", hint);
}

/* ---- immediates ----------------------------------------------------------------------------- */

static bool is_index(const WasmSexpr *x)
{
    return x->kind == WASM_SEXPR_ATOM && (x->text[0] == '$' || (x->text[0] >= '0' && x->text[0] <= '9'));
}

static bool is_memarg(const WasmSexpr *x)
{
    return x->kind == WASM_SEXPR_ATOM && (!strncmp(x->text, "offset=", 7) || !strncmp(x->text, "align=", 6));
}

static bool is_typeuse(const WasmSexpr *x)
{
    return wasm_sexpr_head_is(x, "type") || wasm_sexpr_head_is(x, "param") || wasm_sexpr_head_is(x, "result");
}

static bool is_block_op(const char *n) { return !strcmp(n, "block") || !strcmp(n, "loop") || !strcmp(n, "if"); }

static bool is_mem_op(const char *n) { return strstr(n, ".load") || strstr(n, ".store"); }

/* How many items after the op at items[i] are its immediates. */
static uint32_t count_imm(const char *n, const WasmSexpr *const *items, uint32_t len, uint32_t i)
{
    uint32_t k = i + 1;
    if (is_block_op(n)) {
        if (k < len && items[k]->kind == WASM_SEXPR_ATOM && items[k]->text[0] == '$')
            k++;
        while (k < len && is_typeuse(items[k]))
            k++;
    } else if (!strcmp(n, "br_table")) {
        while (k < len && is_index(items[k]))
            k++;
    } else if (!strcmp(n, "call_indirect")) {
        while (k < len && is_typeuse(items[k]))
            k++;
    } else if (is_mem_op(n)) {
        while (k < len && is_memarg(items[k]))
            k++;
    } else if (!strcmp(n, "end") || !strcmp(n, "else")) {
        if (k < len && items[k]->kind == WASM_SEXPR_ATOM && items[k]->text[0] == '$')
            k++;
    } else if (!strncmp(n, "local.", 6) || !strncmp(n, "global.", 7) || !strcmp(n, "call") || !strcmp(n, "br") ||
               !strcmp(n, "br_if") || !strcmp(n, "i32.const") || !strcmp(n, "i64.const") ||
               !strcmp(n, "f32.const") || !strcmp(n, "f64.const"))
        k = k < len ? k + 1 : k;
    return k - i - 1;
}

static Error *one_imm(const Op *op, const WasmSexpr **x)
{
    if (op->nimm < 1 || op->imm[0]->kind != WASM_SEXPR_ATOM)
        return bad(op->at, gc_printf("%s needs an immediate after it", op->name), "see the WebAssembly text format");
    *x = op->imm[0];
    return NULL;
}

/* ---- stack shapes ---------------------------------------------------------------------------- */

static uint32_t new_label(Fn *F) { return ++F->labels; }

static void pops(Fn *F, Span at, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        out(F, at, "pop;");
}

/* Drop the k items under the top keep (0 or 1) items. */
static void drop_under(Fn *F, Span at, uint32_t k, bool keep)
{
    if (!k)
        return;
    if (!keep) {
        pops(F, at, k);
        return;
    }
    out(F, at, gc_printf("place %u;", k - 1));
    pops(F, at, k - 1);
}

/* What a branch to c carries: a loop's label takes nothing (Wasm 1.0). */
static char branch_type(const Ctl *c) { return c->kind == CTL_LOOP ? 0 : c->result; }

static uint32_t branch_label(const Ctl *c) { return c->label; }

/* Leave exactly what c's label takes on top of c's height, then jump. */
static void branch_to(Fn *F, Span at, const Ctl *c, int64_t height)
{
    char t = branch_type(c);
    int64_t want = c->height + (t ? 1 : 0);
    if (t)
        out(F, at, gc_printf("%s_value;", tname(t)));
    drop_under(F, at, height > want ? (uint32_t)(height - want) : 0, t != 0);
    out(F, at, gc_printf("jump L%u;", branch_label(c)));
}

static Error *target(Fn *F, const Op *op, const WasmSexpr *x, const Ctl **c, uint32_t *outside)
{
    uint32_t depth;
    *outside = 0;
    if (x->text[0] == '$') {
        for (depth = 0; depth < F->nctl; depth++) {
            const Ctl *k = &F->ctl[F->nctl - 1 - depth];
            if (k->id && !strcmp(k->id, x->text)) {
                *c = k;
                return NULL;
            }
        }
        return err_hint(err_new(E_UNKNOWN, x->span, "unknown label %s", x->text), "name a block, loop or if around %s",
                        op->name);
    }
    if (!wasm_types_index(x, NULL, UINT32_MAX, &depth))
        return err_hint(err_new(E_UNKNOWN, x->span, "unknown label %s", x->text),
                        "a label counts the blocks around %s from 0 (the innermost)", op->name);
    *c = depth < F->nctl ? &F->ctl[F->nctl - 1 - depth] : NULL;
    *outside = depth < F->nctl ? 0 : depth - F->nctl + 1;
    return NULL;
}

/* A label index past the function's body names a block outside the
 * function: its label, Lout1 for the first, is in no procedure's body, so
 * XVM refuses the jump (unknown label). */
static void jump_outside(Fn *F, Span at, const char *jump, uint32_t outside)
{
    out(F, at, gc_printf("%s Lout%u;", jump, outside));
}

/* ---- structured control ---------------------------------------------------------------------- */

static Error *push_ctl(Fn *F, const Op *op, int kind)
{
    if (F->nctl == FUNC_MAX_NEST)
        return err_new(E_LIMIT, op->at, "blocks nest deeper than %d", FUNC_MAX_NEST);
    Ctl c = {.kind = kind, .label = new_label(F), .height = F->H, .live_entry = !F->dead};
    uint32_t k = 0;
    if (k < op->nimm && op->imm[k]->kind == WASM_SEXPR_ATOM)
        c.id = op->imm[k++]->text;
    for (; k < op->nimm; k++) {
        const WasmSexpr *t = op->imm[k];
        if (!wasm_sexpr_head_is(t, "result"))
            return bad(t->span, "a block type in Wasm 1.0 is at most one (result TYPE)", "write (result i32) or nothing");
        for (uint32_t j = 1; j < t->n; j++) {
            char v = wasm_types_valtype(t->kids[j]);
            if (!v || c.result)
                return bad(t->span, "a block type in Wasm 1.0 is at most one (result TYPE)",
                           "write (result i32) or nothing");
            c.result = v;
        }
    }
    F->ctl[F->nctl++] = c;
    return NULL;
}

static Error *block_start(Fn *F, const Op *op)
{
    bool is_if = !strcmp(op->name, "if");
    if (!F->dead && !is_if) { /* the fence under the block's operands (an if's: on each path) */
        out(F, op->at, "wasm_fence;");
        F->H++;
    }
    Error *e = push_ctl(F, op, !strcmp(op->name, "block") ? CTL_BLOCK : is_if ? CTL_IF : CTL_LOOP);
    if (e || F->dead)
        return e;
    Ctl *c = &F->ctl[F->nctl - 1];
    if (c->kind == CTL_LOOP)
        out(F, op->at, gc_printf("label L%u;", c->label));
    else if (is_if) {
        c->else_label = new_label(F);
        out(F, op->at, gc_printf("i32_int; jump_unless L%u; wasm_fence;", c->else_label));
    }
    return NULL;
}

static void fall_check(Fn *F, Span at, const Ctl *c)
{
    if (!F->dead && c->result)
        out(F, at, gc_printf("%s_value;", tname(c->result)));
}

static Error *block_else(Fn *F, const Op *op)
{
    Ctl *c = F->nctl ? &F->ctl[F->nctl - 1] : NULL;
    if (!c || c->kind != CTL_IF || c->has_else)
        return bad(op->at, "else without its if", "else belongs right inside an if, once");
    if (op->nimm && (!c->id || strcmp(c->id, op->imm[0]->text)))
        return bad(op->imm[0]->span, gc_printf("mismatching label %s after else", op->imm[0]->text),
                   "the label after else repeats the if's own");
    if (c->live_entry) {
        fall_check(F, op->at, c);
        if (!F->dead)
            out(F, op->at, gc_printf("jump L%u;", c->label));
        out(F, op->at, gc_printf("label L%u; wasm_fence;", c->else_label));
    }
    c->has_else = true;
    F->H = c->height;
    F->dead = !c->live_entry;
    return NULL;
}

/* Take a block's fence off from under its result, if any. */
static void unfence(Fn *F, Span at, const Ctl *c) { out(F, at, c->result ? "swap; wasm_unfence;" : "wasm_unfence;"); }

static void func_end(Fn *F, Span at, const Ctl *c)
{
    fall_check(F, at, c);
    out(F, at, gc_printf("label L%u;", c->label));
    unfence(F, at, c);
    drop_under(F, at, F->nlocals, c->result != 0);
}

static Error *block_end(Fn *F, const Op *op)
{
    if (F->nctl <= 1 && strcmp(op->name, "<end of function>"))
        return bad(op->at, "end without its block", "every end closes a block, loop or if");
    Ctl c = F->ctl[--F->nctl];
    if (op->nimm && (!c.id || strcmp(c.id, op->imm[0]->text)))
        return bad(op->imm[0]->span, gc_printf("mismatching label %s after end", op->imm[0]->text),
                   "the label after end repeats the block's own");
    if (c.kind == CTL_FUNC) {
        func_end(F, op->at, &c);
        return NULL;
    }
    if (c.live_entry) {
        fall_check(F, op->at, &c);
        if (c.kind != CTL_LOOP || c.end_label)
            out(F, op->at, gc_printf("label L%u;", c.kind == CTL_LOOP ? c.end_label : c.label));
        unfence(F, op->at, &c);
        if (c.kind == CTL_IF && !c.has_else) /* the path that skipped the then branch has no fence */
            out(F, op->at, gc_printf("label L%u;", c.else_label));
    }
    F->H = c.height - 1 + (c.result ? 1 : 0);
    F->dead = !c.live_entry;
    return NULL;
}

/* ---- branches ---------------------------------------------------------------------------------- */

static Error *op_br(Fn *F, const Op *op)
{
    const WasmSexpr *x;
    const Ctl *c;
    uint32_t outside;
    Error *e = one_imm(op, &x);
    if (!e)
        e = target(F, op, x, &c, &outside);
    if (e)
        return e;
    bool br = !strcmp(op->name, "br");
    if (!c) {
        jump_outside(F, op->at, br ? "jump" : "i32_int; jump_if", outside);
        F->H -= br ? 0 : 1;
        F->dead = br;
        return NULL;
    }
    if (br) {
        branch_to(F, op->at, c, F->H);
        F->dead = true;
        return NULL;
    }
    F->H--; /* the condition */
    char t = branch_type(c);
    if (F->H == c->height + (t ? 1 : 0)) {
        out(F, op->at, gc_printf("i32_int; jump_if L%u;", branch_label(c)));
        return NULL;
    }
    uint32_t skip = new_label(F);
    out(F, op->at, gc_printf("i32_int; jump_unless L%u;", skip));
    branch_to(F, op->at, c, F->H);
    out(F, op->at, gc_printf("label L%u;", skip));
    return NULL;
}

/* br_table: the index compared with each entry in turn; the last is the default. */
static Error *op_br_table(Fn *F, const Op *op)
{
    if (!op->nimm)
        return bad(op->at, "br_table needs at least a default label", "write br_table L... DEFAULT");
    Error *e = NULL;
    F->H--;
    out(F, op->at, "i32_int;");
    for (uint32_t k = 0; k < op->nimm; k++) {
        const Ctl *c;
        uint32_t outside;
        if ((e = target(F, op, op->imm[k], &c, &outside)))
            return e;
        uint32_t next = new_label(F);
        if (k + 1 < op->nimm)
            out(F, op->imm[k]->span, gc_printf("dup; push int(%u); eq; jump_unless L%u;", k, next));
        out(F, op->imm[k]->span, "pop;");
        if (c)
            branch_to(F, op->imm[k]->span, c, F->H);
        else
            jump_outside(F, op->imm[k]->span, "jump", outside);
        if (k + 1 < op->nimm)
            out(F, op->imm[k]->span, gc_printf("label L%u;", next));
    }
    F->dead = true;
    return NULL;
}

/* ---- variables and calls ------------------------------------------------------------------------- */

/* A numeric index stands as written, even past what it indexes: XVM's own
 * rule refuses what does not exist (a pick below the frame, a call of an
 * undefined procedure).  A $name must be bound: the text format resolves it. */
static bool index_imm(const WasmSexpr *x, const char *const *ids, uint32_t n, uint32_t *i)
{
    return x->text[0] == '$' ? wasm_types_index(x, ids, n, i) : wasm_types_index(x, NULL, UINT32_MAX, i);
}

/* Local i is the slot i under the function's fence (local 0 right under
 * it), so local.get i is pick H+i; an index past the locals reaches under
 * the procedure's stack, and the verifier refuses the pick or place. */
static Error *op_local(Fn *F, const Op *op)
{
    const WasmSexpr *x;
    uint32_t i;
    Error *e = one_imm(op, &x);
    if (e)
        return e;
    if (!index_imm(x, F->f->local_ids, F->nlocals, &i))
        return err_hint(err_new(E_UNKNOWN, x->span, "unknown local %s", x->text), "%s has %u params and locals",
                        F->f->id ? F->f->id : "this function", F->nlocals);
    const char *check = i >= F->nlocals ? "" : F->f->locals[i] == 'I' ? "i64_value; " : "i32_value; ";
    bool get = !strcmp(op->name, "local.get"), tee = !strcmp(op->name, "local.tee");
    int64_t above = F->H - (get || tee ? 0 : 1);
    if (above < 0) /* the code took the function's fence as an operand: the verifier refuses it there */
        above = 0;
    long long depth = (long long)above + i;
    if (get)
        out(F, op->at, gc_printf("pick %lld;", depth));
    else
        out(F, op->at, gc_printf("%s%splace %lld;", tee ? "dup; " : "", check, depth));
    F->H += get ? 1 : tee ? 0 : -1;
    return NULL;
}

static Error *op_global(Fn *F, const Op *op)
{
    const WasmSexpr *x;
    uint32_t i, n = F->inst->globals.len;
    Error *e = one_imm(op, &x);
    if (e)
        return e;
    const char **ids = gc_alloc((n + 1) * sizeof *ids);
    for (uint32_t k = 0; k < n; k++)
        ids[k] = ((WasmModuleGlobal *)F->inst->globals.items[k])->id;
    if (!wasm_types_index(x, ids, n, &i))
        return err_hint(err_new(E_UNKNOWN, x->span, "unknown global %s", x->text), "the module has %u globals", n);
    const WasmModuleGlobal *g = F->inst->globals.items[i];
    bool get = !strcmp(op->name, "global.get");
    out(F, op->at, gc_printf("push int(%u); %s_global_%s;", g->slot, tname(g->type), get ? "get" : "set"));
    F->H += get ? 1 : -1;
    return NULL;
}

static void apply_sig(Fn *F, WasmModuleSig sig, uint32_t extra)
{
    F->H -= (int64_t)strlen(sig.params) + extra;
    F->H += (int64_t)strlen(sig.results);
}

static Error *op_call(Fn *F, const Op *op)
{
    const WasmSexpr *x;
    uint32_t i, n = F->inst->funcs.len;
    Error *e = one_imm(op, &x);
    if (e)
        return e;
    const char **ids = gc_alloc((n + 1) * sizeof *ids);
    for (uint32_t k = 0; k < n; k++)
        ids[k] = ((WasmModuleFunc *)F->inst->funcs.items[k])->id;
    if (!index_imm(x, ids, n, &i))
        return err_hint(err_new(E_UNKNOWN, x->span, "unknown function %s", x->text), "the module has %u functions", n);
    if (i >= n) { /* function I is procedure wK_fI, which the module does not define: XVM refuses the call */
        out(F, op->at, gc_printf("call %s;", wasm_func_name(F->inst, i)));
        return NULL;
    }
    const WasmModuleFunc *callee = F->inst->funcs.items[i];
    out(F, op->at, gc_printf("call %s;", callee->xname));
    apply_sig(F, callee->sig, 0);
    return NULL;
}

static const char *dispatcher_name(const WasmInstance *inst, int64_t type, uint32_t d);

static Error *op_call_indirect(Fn *F, const Op *op)
{
    WasmModuleSig sig;
    uint32_t k = 0;
    for (uint32_t j = 0; j < op->nimm; j++)
        if (wasm_sexpr_head_is(op->imm[j], "param") && op->imm[j]->n > 1 && op->imm[j]->kids[1]->text[0] == '$')
            return bad(op->imm[j]->kids[1]->span, "unexpected token: call_indirect's params have no names",
                       "write (param i32)");
    int64_t type = -1;
    if (op->nimm && wasm_sexpr_head_is(op->imm[0], "type") && op->imm[0]->n == 2) {
        uint32_t t, ntypes = F->inst->types.len;
        const WasmSexpr *x = op->imm[0]->kids[1];
        if (x->kind == WASM_SEXPR_ATOM && x->text[0] != '$' && wasm_types_index(x, NULL, UINT32_MAX, &t) && t >= ntypes) {
            /* type T's dispatcher, which a module without type T does not define: XVM refuses the call */
            out(F, op->at, gc_printf("call %s;", dispatcher_name(F->inst, t, 0)));
            return NULL;
        }
        if (wasm_types_index(x, (const char *const *)F->inst->type_ids.items, ntypes, &t))
            type = t;
    }
    Error *e = wasm_types_typeuse(F->inst, op->imm, op->nimm, &k, op->at, &sig, NULL);
    if (e)
        return e;
    if (k < op->nimm)
        return bad(op->imm[k]->span, "unexpected token: a type use is (type $t), then (param ...), then (result ...)",
                   "write call_indirect (type $t)");
    out(F, op->at, gc_printf("call %s;", wasm_func_dispatcher(F->inst, sig, type)));
    apply_sig(F, sig, 1);
    return NULL;
}

/* ---- the other instructions ------------------------------------------------------------------------ */

static const char *const unary_ops[] = {
    "i32.eqz", "i64.eqz", "i32.clz", "i32.ctz", "i32.popcnt", "i64.clz", "i64.ctz", "i64.popcnt",
    "i32.wrap_i64", "i64.extend_i32_s", "i64.extend_i32_u",
};
static const char *const binary_ops[] = {
    "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u", "add", "sub", "mul",
    "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr",
};
static const char *const load_ops[] = {
    "i32.load", "i64.load", "i32.load8_s", "i32.load8_u", "i32.load16_s", "i32.load16_u", "i64.load8_s",
    "i64.load8_u", "i64.load16_s", "i64.load16_u", "i64.load32_s", "i64.load32_u",
};
static const char *const store_ops[] = {
    "i32.store", "i64.store", "i32.store8", "i32.store16", "i64.store8", "i64.store16", "i64.store32",
};

static bool among(const char *n, const char *const *names, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (!strcmp(n, names[i]))
            return true;
    return false;
}

static bool is_binary(const char *n)
{
    return (!strncmp(n, "i32.", 4) || !strncmp(n, "i64.", 4)) && among(n + 4, binary_ops, countof(binary_ops));
}

/* The machine operation of a Wasm instruction: its name with _ for . */
static const char *machine_op(const char *n)
{
    char *m = gc_strdup(n);
    for (char *c = m; *c; c++)
        if (*c == '.')
            *c = '_';
    return m;
}

static Error *numeric(Fn *F, const Op *op, uint32_t nin, uint32_t nout)
{
    out(F, op->at, gc_printf("%s;", machine_op(op->name)));
    F->H = F->H - nin + nout;
    return NULL;
}

static Error *op_const(Fn *F, const Op *op)
{
    const WasmSexpr *x;
    int64_t v;
    Error *e = one_imm(op, &x);
    if (e)
        return e;
    if (!wasm_types_int(x->text, op->name[1] == '6' ? 'I' : 'i', &v))
        return bad(x->span, gc_printf("%s: '%s' is no %s literal in range", op->name, x->text, tname(op->name[1] == '6' ? 'I' : 'i')),
                   "write a decimal or 0x hex integer that fits the type");
    out(F, op->at, gc_printf("push int(%lld); %s_const;", (long long)v, op->name[1] == '6' ? "i64" : "i32"));
    F->H++;
    return NULL;
}

static Error *op_memory(Fn *F, const Op *op, bool store)
{
    int64_t off = 0;
    for (uint32_t k = 0; k < op->nimm; k++)
        if (!strncmp(op->imm[k]->text, "offset=", 7) && !wasm_types_int(op->imm[k]->text + 7, 'u', &off))
            return bad(op->imm[k]->span, "the offset must be an unsigned 32-bit integer", "write offset=N");
    out(F, op->at, gc_printf("push int(%lld); call %s; %s;", (long long)off, wasm_func_memory(F->inst), machine_op(op->name)));
    F->H -= store ? 2 : 0;
    return NULL;
}

/* unreachable traps; for the verifier only, a path that never runs goes on
 * to the end of the innermost block with its declared result (the operands
 * above the block's fence dropped, a value of the result type made by its
 * _const): Wasm's polymorphic stack as the block's end sees it.  So the
 * code after that end, which Wasm validates, is checked even when no
 * branch reaches it.  The code between unreachable and the end is not
 * emitted (docs/wasm.md, "Dead code"). */
static void op_unreachable(Fn *F, Span at)
{
    Ctl *c = &F->ctl[F->nctl - 1];
    out(F, at, "push int(1); if { trap \"unreachable\"; };");
    if (F->H >= c->height)
        pops(F, at, (uint32_t)(F->H - c->height));
    if (c->result)
        out(F, at, gc_printf("push int(0); %s_const;", tname(c->result)));
    if (c->kind == CTL_LOOP && !c->end_label)
        c->end_label = new_label(F);
    out(F, at, gc_printf("jump L%u;", c->kind == CTL_LOOP ? c->end_label : c->label));
    F->dead = true;
}

static Error *op_simple(Fn *F, const Op *op, bool *done)
{
    const char *n = op->name;
    Error *e = NULL;
    *done = true;
    if (!strcmp(n, "nop"))
        return NULL;
    if (!strcmp(n, "unreachable"))
        op_unreachable(F, op->at);
    else if (!strcmp(n, "drop")) {
        out(F, op->at, "pop;");
        F->H--;
    } else if (!strcmp(n, "select")) {
        out(F, op->at, "i32_int; if { pop; }, { swap; pop; };");
        F->H -= 2;
    } else if (!strcmp(n, "return")) {
        branch_to(F, op->at, &F->ctl[0], F->H);
        F->dead = true;
    } else if (!strcmp(n, "memory.size") || !strcmp(n, "memory.grow")) {
        bool grow = n[7] == 'g';
        out(F, op->at, gc_printf("call %s; memory_%s;", wasm_func_memory(F->inst), grow ? "grow" : "size"));
        F->H += grow ? 0 : 1;
    } else
        *done = false;
    return e;
}

static bool is_float_op(const char *n)
{
    return !strncmp(n, "f32", 3) || !strncmp(n, "f64", 3) || strstr(n, "_f32") || strstr(n, "_f64");
}

/* One instruction; in dead code only blocks count (to find the end). */
static Error *exec(Fn *F, const Op *op)
{
    const char *n = op->name;
    if (is_block_op(n))
        return block_start(F, op);
    if (!strcmp(n, "else"))
        return block_else(F, op);
    if (!strcmp(n, "end"))
        return block_end(F, op);
    if (F->dead)
        return NULL;
    bool done;
    Error *e = op_simple(F, op, &done);
    if (done)
        return e;
    if (!strcmp(n, "br") || !strcmp(n, "br_if"))
        return op_br(F, op);
    if (!strcmp(n, "br_table"))
        return op_br_table(F, op);
    if (!strncmp(n, "local.", 6) && (!strcmp(n + 6, "get") || !strcmp(n + 6, "set") || !strcmp(n + 6, "tee")))
        return op_local(F, op);
    if (!strcmp(n, "global.get") || !strcmp(n, "global.set"))
        return op_global(F, op);
    if (!strcmp(n, "call"))
        return op_call(F, op);
    if (!strcmp(n, "call_indirect"))
        return op_call_indirect(F, op);
    if (!strcmp(n, "i32.const") || !strcmp(n, "i64.const"))
        return op_const(F, op);
    if (among(n, load_ops, countof(load_ops)) || among(n, store_ops, countof(store_ops)))
        return op_memory(F, op, strstr(n, ".store") != NULL);
    if (among(n, unary_ops, countof(unary_ops)))
        return numeric(F, op, 1, 1);
    if (is_binary(n))
        return numeric(F, op, 2, 1);
    if (is_float_op(n))
        return err_hint(err_new(E_USAGE, op->at, "%s is outside the integer subset", n), "floats are not supported yet");
    return bad(op->at, gc_printf("unknown instruction %s", n), "docs/wasm.md lists the instructions wasm-machine has");
}

static Error *sequence(Fn *F, const WasmSexpr *const *items, uint32_t n);

/* An instruction's span: its name and its index or memarg immediates (local.get 3), so an error XVM gives
 * on its translation names it. */
static Span with_imm(Span at, const WasmSexpr *const *imm, uint32_t k)
{
    while (k && imm[k - 1]->kind != WASM_SEXPR_ATOM)
        k--;
    return k ? source_span_join(at, imm[k - 1]->span) : at;
}

/* (if label? type? condition... (then ...) (else ...)?) */
static Error *folded_if(Fn *F, const Op *op, const WasmSexpr *x, uint32_t k)
{
    uint32_t then = k;
    while (then < x->n && !wasm_sexpr_head_is(x->kids[then], "then"))
        then++;
    if (then == x->n)
        return bad(x->span, "a folded if needs (then ...)", "write (if (COND) (then ...) (else ...))");
    Error *e = F->dead ? NULL : sequence(F, (const WasmSexpr *const *)x->kids + k, then - k);
    if (!e)
        e = block_start(F, op);
    const WasmSexpr *t = x->kids[then];
    if (!e)
        e = sequence(F, (const WasmSexpr *const *)t->kids + 1, t->n - 1);
    for (uint32_t j = then + 1; !e && j < x->n; j++) {
        const WasmSexpr *el = x->kids[j];
        if (!wasm_sexpr_head_is(el, "else") || j + 1 < x->n)
            return bad(el->span, "after (then ...) only one (else ...) may follow", "write (if (COND) (then ...) (else ...))");
        Op eop = {.name = "else", .at = el->span};
        if (!(e = block_else(F, &eop)))
            e = sequence(F, (const WasmSexpr *const *)el->kids + 1, el->n - 1);
    }
    Op end = {.name = "end", .at = x->span};
    return e ? e : block_end(F, &end);
}

/* A folded instruction: (op immediates operands...), operands first. */
static Error *folded(Fn *F, const WasmSexpr *x)
{
    if (!x->n || x->kids[0]->kind != WASM_SEXPR_ATOM)
        return bad(x->span, "a folded instruction starts with its name", "write (i32.add (local.get 0) (i32.const 1))");
    const char *n = x->kids[0]->text;
    uint32_t k = count_imm(n, (const WasmSexpr *const *)x->kids, x->n, 0);
    Op op = {.name = n, .at = with_imm(x->kids[0]->span, (const WasmSexpr *const *)x->kids + 1, k),
             .imm = (const WasmSexpr *const *)x->kids + 1, .nimm = k};
    if (!strcmp(n, "if"))
        return folded_if(F, &op, x, k + 1);
    if (is_block_op(n)) {
        Error *e = block_start(F, &op);
        if (!e)
            e = sequence(F, (const WasmSexpr *const *)x->kids + k + 1, x->n - k - 1);
        Op end = {.name = "end", .at = x->span};
        return e ? e : block_end(F, &end);
    }
    if (F->dead)
        return NULL;
    Error *e = sequence(F, (const WasmSexpr *const *)x->kids + k + 1, x->n - k - 1);
    return e ? e : exec(F, &op);
}

static Error *sequence(Fn *F, const WasmSexpr *const *items, uint32_t n)
{
    for (uint32_t i = 0; i < n;) {
        const WasmSexpr *x = items[i];
        Error *e;
        if (x->kind == WASM_SEXPR_LIST) {
            e = folded(F, x);
            i++;
        } else if (x->kind == WASM_SEXPR_ATOM) {
            uint32_t k = count_imm(x->text, items, n, i);
            Op op = {.name = x->text, .at = with_imm(x->span, items + i + 1, k), .imm = items + i + 1, .nimm = k};
            e = exec(F, &op);
            i += k + 1;
        } else
            e = bad(x->span, "a string where an instruction belongs", "strings go in (data ...) and (export ...)");
        if (e)
            return e;
    }
    return NULL;
}

/* ---- a function -------------------------------------------------------------------------------------- */

/* The frame: local i at depth i, so local 0 (the first param) on top.  The
 * params come in with the first deepest, so the locals are pushed after
 * them in Wasm's order, then the frame is turned over: a slot whose mirror
 * is a declared local is pushed as that local (a zero of its type) or a
 * copy of the param there, then each remaining param is swapped with its
 * mirror.  One param and no locals (or no params) need no moves. */
static void frame(Fn *F)
{
    const WasmModuleFunc *f = F->f;
    uint32_t k = (uint32_t)strlen(f->sig.params), n = F->nlocals;
    for (uint32_t q = k; q < n; q++) {
        uint32_t j = n - 1 - q; /* the local that ends up at position q from the bottom */
        out(F, f->at, j < k ? gc_printf("pick %u;", q - 1 - j) : gc_printf("push int(0); %s_const;", tname(f->locals[j])));
    }
    for (uint32_t j = 0; j < k; j++) {
        uint32_t q = n - 1 - j; /* param j's position from the bottom, once turned over */
        if (q >= k)
            out(F, f->at, gc_printf("push int(0); %s_const; place %u;", tname(f->locals[q]), n - 1 - j));
        else if (j < q) /* swap the slots at depths n-1-q and n-1-j */
            out(F, f->at, gc_printf("pick %u; pick %u; place %u; place %u;", n - 1 - q, n - j, n - q, n - 1 - j));
    }
}

Error *wasm_func_translate(WasmInstance *inst, const WasmModuleFunc *f, Gentext *g)
{
    Fn *F = gc_alloc(sizeof *F);
    *F = (Fn){.inst = inst, .f = f, .g = g, .nlocals = (uint32_t)strlen(f->locals)};
    out(F, f->at, gc_printf(".define_procedure %s, %s, {", f->xname, wasm_types_effect(f->sig)));
    frame(F);
    out(F, f->at, "wasm_fence;"); /* under the operands, over the locals */
    F->H = 1;
    F->ctl[F->nctl++] = (Ctl){.kind = CTL_FUNC, .label = new_label(F), .height = 1, .result = f->sig.results[0],
                              .live_entry = true};
    Error *e = sequence(F, (const WasmSexpr *const *)f->def->kids + f->body, f->def->n - f->body);
    if (!e && F->nctl > 1)
        e = bad(F->ctl[F->nctl - 1].kind == CTL_IF ? f->def->span : f->def->span, "a block is not closed by end",
                "close every block, loop and if with end");
    Op end = {.name = "<end of function>", .at = f->def->span};
    if (!e)
        e = block_end(F, &end);
    if (!e)
        out(F, f->def->span, "};");
    return e;
}

const char *wasm_func_name(const WasmInstance *inst, uint32_t index) { return gc_printf("w%u_f%u", inst->id, index); }

const char *wasm_func_memory(const WasmInstance *inst) { return gc_printf("w%u_memory", inst->id); }

static const char *sig_key(WasmModuleSig sig) { return gc_printf("%s:%s", sig.params, sig.results); }

/* A dispatcher's name: that of type T's (wK_ctT), or of the d-th inline signature's (wK_cid). */
static const char *dispatcher_name(const WasmInstance *inst, int64_t type, uint32_t d)
{
    return type >= 0 ? gc_printf("w%u_ct%lld", inst->id, (long long)type) : gc_printf("w%u_ci%u", inst->id, d);
}

/* Registered as "T|params:results" (T is - for an inline signature). */
const char *wasm_func_dispatcher(WasmInstance *inst, WasmModuleSig sig, int64_t type)
{
    const char *key = type >= 0 ? gc_printf("%lld|%s", (long long)type, sig_key(sig)) : gc_printf("-|%s", sig_key(sig));
    uint32_t i = 0;
    while (i < inst->dispatchers.len && strcmp(inst->dispatchers.items[i], key))
        i++;
    if (i == inst->dispatchers.len)
        vec_push(&inst->dispatchers, (void *)key);
    return dispatcher_name(inst, type, i);
}

static void dispatcher(const WasmInstance *inst, Gentext *g, Span at, uint32_t d)
{
    const char *bar = strchr(inst->dispatchers.items[d], '|'), *key = bar + 1;
    int64_t type = *(const char *)inst->dispatchers.items[d] == '-' ? -1 : strtoll(inst->dispatchers.items[d], NULL, 10);
    const char *colon = strchr(key, ':');
    WasmModuleSig sig = {gc_strndup(key, (size_t)(colon - key)), colon + 1};
    WasmModuleSig with_index = {gc_printf("%si", sig.params), sig.results};
    gentext_emit(g, at, gc_printf(".define_procedure %s, %s, { i32_int;", dispatcher_name(inst, type, d),
                                  wasm_types_effect(with_index)));
    for (uint32_t p = 0; p < inst->ntable; p++)
        if (inst->table[p] >= 0)
            gentext_emit(g, at, gc_printf("dup; push int(%u); eq; jump_if S%u;", p, p));
    gentext_emit(g, at, gc_printf("push int(%u); lt; if { trap \"uninitialized element\"; };", inst->ntable));
    gentext_emit(g, at, "trap \"undefined element\";");
    for (uint32_t p = 0; p < inst->ntable; p++) {
        if (inst->table[p] < 0)
            continue;
        const WasmModuleFunc *f = inst->funcs.items[inst->table[p]];
        gentext_emit(g, at, gc_printf("label S%u;", p));
        if (strcmp(sig_key(f->sig), key))
            gentext_emit(g, at, "trap \"indirect call type mismatch\";");
        else if (f->floaty)
            gentext_emit(g, at, "trap \"a float function: outside the integer subset\";");
        else
            gentext_emit(g, at, gc_printf("pop; call %s; return;", f->xname));
    }
    gentext_emit(g, at, "};");
}

void wasm_func_dispatchers(const WasmInstance *inst, Gentext *g, Span at)
{
    if (!inst->has_table) /* so XVM refuses a call_indirect of a module without a table: its dispatcher is undefined */
        return;
    for (uint32_t d = 0; d < inst->dispatchers.len; d++)
        dispatcher(inst, g, at, d);
}
