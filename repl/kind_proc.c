/* kind_proc.c - procedures (DESIGN §3.3): staged in two steps, so the
 * procedures of one input may call each other whatever their order. */
#include "edges.h"
#include "kinds.h"
#include "node.h"
#include "trust.h"

#include <string.h>

/* Lowered over the machine the procedure runs over and verified against
 * its declared effect, as whoever wrote it. */
static Error *build_body(Txn *t, ProcVersion *v, const Node *block)
{
    Session *s = t->s;
    Body *b = lower_body_new(v->name);
    b->end_span = node_block_end(block);
    Machine *m = lookup_machine_named(s->ws, v->over);
    if (!m)
        return err_new(E_UNKNOWN, v->def->span, "procedure '%s' runs over machine '%s', which no longer exists",
                       v->name, v->over);
    Scope sc = {.ws = s->ws, .machine = m};
    Error *e = lower_stmts(&sc, b, (Node *const *)block->kids, block->nkids);
    if (!e)
        e = lower_finish(b);
    if (!e) {
        VerifyOpts o = trust_verify_opts(s, v->principal, NULL); /* whoever wrote it, not whoever is at the prompt */
        o.verified = &v->verified;
        e = verify_body(b, vstate_from_inputs(&v->eff), &v->eff, &o, NULL);
    }
    v->body = b;
    return e;
}

/* The machine a procedure runs over: the session's now, or the one it was
 * first defined over when it is rebuilt. */
static const char *machine_over(const Txn *t, const char *name)
{
    Def *d = t->rebuilding ? workspace_find_kind(t->s->ws, name, DEF_PROC) : NULL;
    if (d && d->cur)
        return ((const ProcVersion *)d->cur)->over;
    return t->s->machine == lookup_core_machine() ? NULL : t->s->machine->name;
}

/* Stage a procedure's name and effect, without its body yet. */
static Error *declare(DefCtx *c, const Node *stmt, ProcVersion **out)
{
    Txn *t = c->cb;
    const char *name;
    const Node *block;
    Effect eff;
    Error *e = procedure_parse(c->ws, stmt, &name, &eff, &block);
    const char *over = e ? NULL : machine_over(t, name);
    Machine *m = e ? NULL : lookup_machine_named(t->s->ws, over);
    if (!e && m)
        e = trust_check_over(c->principal, m, stmt->span, "procedure");
    if (e)
        return e;
    ProcVersion *v = gc_alloc(sizeof *v);
    v->name = name;
    v->eff = eff;
    v->def = stmt;
    v->over = over;
    v->principal = c->principal;
    *out = v;
    return c->stage(c->cb, DEF_PROC, name, v, stmt->kids[0]->span); /* visible now: it may call itself */
}

static ProcVersion *declared(const Txn *t, const Node *stmt)
{
    for (uint32_t i = 0; i < t->declared.len; i++) {
        ProcVersion *v = t->declared.items[i];
        if (v->def == stmt)
            return v;
    }
    return NULL;
}

Error *kind_proc_declare_all(DefCtx *c, const Node *unit)
{
    Txn *t = c->cb;
    for (uint32_t i = 0; i < unit->nkids; i++) {
        const Node *st = unit->kids[i];
        if (!node_is_directive(st, "define_procedure"))
            continue;
        ProcVersion *v;
        Error *e = declare(c, st, &v);
        if (e)
            return e;
        vec_push(&t->declared, v);
    }
    return NULL;
}

/* Report definitions in the order they are written, not declared. */
static void move_to_end(Vec *staged, const void *version)
{
    for (uint32_t i = 0; i < staged->len; i++) {
        Def *d = staged->items[i];
        if (d->pending == version) {
            memmove(&staged->items[i], &staged->items[i + 1], (staged->len - i - 1) * sizeof(void *));
            staged->items[staged->len - 1] = d;
            return;
        }
    }
}

static Error *stage(Txn *t, DefCtx *c, const Node *stmt)
{
    ProcVersion *v = declared(t, stmt);
    Error *e = v ? NULL : declare(c, stmt, &v);
    if (e)
        return e;
    move_to_end(&t->staged, v);
    e = build_body(t, v, stmt->kids[2]);
    return e ? e : trust_check_calls(t->s->ws, c->principal, v->body);
}

static void deps(Workspace *ws, const void *version, Vec *out)
{
    const ProcVersion *p = version;
    edges_add(out, edges_named(ws, p->over, DEF_MACHINE), "calls-operation");
    edges_of_body(ws, p->body, out);
    edges_of_effect(&p->eff, out);
}

static const char *same_or(const char *a) { return a ? a : "core-machine"; }

/* What a caller relies on: the effect, and (for the trust rules) who wrote
 * it and which machine it runs over. */
static const char *change(const void *old_version, const void *new_version)
{
    const ProcVersion *old = old_version, *neu = new_version;
    if (!effect_equal(&old->eff, &neu->eff))
        return "its effect";
    if (old->principal != neu->principal)
        return "its principal";
    if (strcmp(same_or(old->over), same_or(neu->over)))
        return "the machine it runs over";
    return NULL;
}

/* A rebuilt procedure (a dependant verified again) starts with the code of
 * the version it rebuilds (carry), which it keeps when its flattened code
 * came out the same: native code, and the policy's counts, survive a
 * redefinition or :link of something it does not reach. */
static void carry(Txn *t, Def *d, void *neu)
{
    ProcVersion *v = neu;
    const ProcVersion *old = d->cur;
    v->code = t->rebuilding && old ? old->code : NULL;
}

static bool same_insn(const Insn *a, const Insn *b);

/* Instruction for instruction the same, state slots, callees and places in
 * the source too (a trap names the place). */
static bool same_code(const Code *a, const Code *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->body->n != b->body->n || a->nin != b->nin || a->max_depth != b->max_depth ||
        a->subroutine != b->subroutine)
        return false;
    for (uint32_t i = 0; i < a->body->n; i++)
        if (!same_insn(&a->body->insns[i], &b->body->insns[i]))
            return false;
    return true;
}

static bool same_insn(const Insn *a, const Insn *b)
{
    if (a->op != b->op || a->ty != b->ty || a->imm != b->imm || memcmp(&a->span, &b->span, sizeof a->span))
        return false;
    if (a->op == P_CALLCODE) /* a subroutine is compiled anew with each caller */
        return same_code(a->ref.code, b->ref.code);
    return a->ref.proc == b->ref.proc; /* the union compared as the pointer it holds */
}

static Error *compile(void *version)
{
    ProcVersion *v = version;
    Error *e = NULL;
    Code *was = v->code;
    v->code = flatten_compile(v->verified, NULL, true, v->eff.nin, v->version, &e);
    if (!e && was && was->version == v->version && same_code(was, v->code))
        v->code = was;
    return e;
}

static void summary(Buf *out, const void *version) { effect_print(out, &((const ProcVersion *)version)->eff); }

static void show(Buf *out, const void *version)
{
    const ProcVersion *p = version;
    buf_printf(out, "// procedure %s@v%d, effect ", p->name, p->version);
    effect_print(out, &p->eff);
    buf_putc(out, '\n');
    node_print(out, p->def, 0);
    buf_putc(out, '\n');
}

const KindOps kind_proc = {
    .kind = DEF_PROC, .stage = stage, .deps = deps, .change = change, .carry = carry,
    .compile = compile, .summary = summary, .show = show, .rebuilt = "recompiled", .redefined = "; running calls finish on v%d",
};
