/* model.c - types, the primitive table, effects, procedures, workspace. */
#include "model.h"
#include "suggest.h"

#include <string.h>

static const char *const type_names[TY__COUNT] = {"any", "int", "ref"};

const char *type_name(TypeId t) { return t < TY__COUNT ? type_names[t] : "?"; }

bool type_by_name(const char *name, TypeId *out)
{
    for (TypeId t = TY_INT; t < TY__COUNT; t++)
        if (strcmp(name, type_names[t]) == 0) {
            *out = t;
            return true;
        }
    return false;
}

/* The letters of prims.def, decoded at compile time (GCC and Clang fold a
 * string literal's characters in an initializer): the k-th letter of s,
 * '\0' past its end. */
#define LETTER(s, k) ((s)[(k) < sizeof(s) ? (k) : sizeof(s) - 1])
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define TYPE_OF(c) ((c) == 'i' ? TY_INT : (c) == 'r' ? TY_REF : TY_ANY)
#define IN_TYPES(s) {TYPE_OF(LETTER(s, 0)), TYPE_OF(LETTER(s, 1)), TYPE_OF(LETTER(s, 2))}
#define OUT_ITEM(c)                                                                                                 \
    {IS_DIGIT(c) ? PO_INPUT : (c) == '=' ? PO_IMM : PO_NEW, IS_DIGIT(c) || (c) == '=' ? TY_ANY : TYPE_OF(c),        \
     IS_DIGIT(c) ? (c) - '0' : 0}
#define OUT_ITEMS(s) {OUT_ITEM(LETTER(s, 0)), OUT_ITEM(LETTER(s, 1)), OUT_ITEM(LETTER(s, 2))}

#define X(e, name, imm, in, out, flags, c, expr)                                                                    \
    _Static_assert(sizeof(in) <= PRIM_MAX_ITEMS + 1 && sizeof(out) <= PRIM_MAX_ITEMS + 1, "prims.def: " name);
#include "prims.def"
#undef X

const PrimInfo prim_info[P__COUNT] = {
#define X(e, name, imm, in, out, flags, c, expr)                                                                    \
    {name, imm, flags | (PC_##c == PC_CMP ? PF_COMPARE : 0), PC_##c, sizeof(in) - 1, sizeof(out) - 1, IN_TYPES(in), \
     OUT_ITEMS(out)},
#include "prims.def"
#undef X
};
#undef LETTER
#undef IS_DIGIT
#undef TYPE_OF
#undef IN_TYPES
#undef OUT_ITEM
#undef OUT_ITEMS

bool prim_by_name(const char *name, Prim *out)
{
    for (int i = 0; i < P__COUNT; i++)
        if (strcmp(name, prim_info[i].name) == 0) {
            *out = (Prim)i;
            return true;
        }
    return false;
}

const char *prim_name(int op)
{
    if (op >= 0 && op < P__COUNT)
        return prim_info[op].name;
    return op == P_TICK ? "'tick" : "?";
}

/* ---- effects ---------------------------------------------------------------- */

static Error *param_from_node(const Node *n, Param *p)
{
    if (n->kind != N_PARAM)
        return err_new(E_SYNTAX, n->span, "expected a parameter such as 'a: int', found %s",
                       node_kind_name(n->kind));
    if (!type_by_name(n->name2, &p->type))
        return suggest_unknown(err_new(E_UNKNOWN, n->span, "unknown type '%s'", n->name2), n->name2, &type_names[TY_INT],
                               TY__COUNT - TY_INT, "the core machine's types are int and ref");
    p->name = n->name;
    p->span = n->span;
    return NULL;
}

Error *effect_from_node(const Node *n, Effect *out)
{
    if (n->kind != N_EFFECT)
        return err_hint(err_new(E_ARGS, n->span, "expected a stack effect, found %s",
                                node_kind_name(n->kind)),
                        "write an effect like (a: int, b: int -> r: int)");
    if (n->nkids > EFFECT_MAX_PARAMS)
        return err_new(E_LIMIT, n->span, "an effect may have at most %d parameters, this one has %u",
                       EFFECT_MAX_PARAMS, n->nkids);
    uint32_t nin = (uint32_t)n->ival;
    out->nin = nin;
    out->nout = n->nkids - nin;
    out->in = gc_calloc(nin + 1, sizeof(Param));
    out->out = gc_calloc(out->nout + 1, sizeof(Param));
    for (uint32_t i = 0; i < n->nkids; i++) {
        Param *p = i < nin ? &out->in[i] : &out->out[i - nin];
        Error *e = param_from_node(n->kids[i], p);
        if (e)
            return e;
    }
    return NULL;
}

bool effect_equal(const Effect *a, const Effect *b)
{
    if (a->nin != b->nin || a->nout != b->nout)
        return false;
    for (uint32_t i = 0; i < a->nin; i++)
        if (a->in[i].type != b->in[i].type)
            return false;
    for (uint32_t i = 0; i < a->nout; i++)
        if (a->out[i].type != b->out[i].type)
            return false;
    return true;
}

static void params_print(Buf *out, const Param *ps, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            buf_puts(out, ", ");
        if (ps[i].name)
            buf_printf(out, "%s: ", ps[i].name);
        buf_puts(out, type_name(ps[i].type));
    }
}

void effect_print(Buf *out, const Effect *e)
{
    buf_putc(out, '(');
    params_print(out, e->in, e->nin);
    buf_puts(out, e->nin ? " -> " : "-> ");
    params_print(out, e->out, e->nout);
    if (!e->nout)
        out->s[out->len - 1] = ')';
    else
        buf_putc(out, ')');
}

/* ---- workspace -------------------------------------------------------------- */

const char *principal_name(Principal p) { return p == PRINCIPAL_UNTRUSTED ? "untrusted" : "trusted"; }

const char *def_kind_name(DefKind k)
{
    static const char *const names[DEF__COUNT] = {"procedure", "interface", "module",
                                                  "machine",   "lattice",   "key"};
    return k < DEF__COUNT ? names[k] : "definition";
}

Workspace *workspace_new(void) { return gc_alloc(sizeof(Workspace)); }

Def *workspace_find(Workspace *ws, const char *name)
{
    for (uint32_t i = 0; i < ws->defs.len; i++) {
        Def *d = ws->defs.items[i];
        if (strcmp(d->name, name) == 0 && def_current(d))
            return d;
    }
    return NULL;
}

Def *workspace_find_kind(Workspace *ws, const char *name, DefKind kind)
{
    Def *d = workspace_find(ws, name);
    return d && d->kind == kind ? d : NULL;
}

const char **workspace_names(Workspace *ws, DefKind kind, uint32_t *n)
{
    const char **names = gc_calloc(ws->defs.len + 1, sizeof(char *));
    *n = 0;
    for (uint32_t i = 0; i < ws->defs.len; i++) {
        Def *d = ws->defs.items[i];
        if ((kind == DEF__COUNT || d->kind == kind) && def_current(d))
            names[(*n)++] = d->name;
    }
    return names;
}

Error *procedure_parse(const Node *stmt, const char **name, Effect *eff, const Node **block)
{
    static const char usage[] = "write .define_procedure NAME, (inputs -> outputs), { body };";
    if (stmt->nkids != 3)
        return err_hint(err_new(E_ARGS, stmt->span,
                                ".define_procedure takes 3 arguments (name, effect, body), found %u",
                                stmt->nkids),
                        usage);
    if (stmt->kids[0]->kind != N_NAME)
        return err_hint(err_new(E_ARGS, stmt->kids[0]->span,
                                "the procedure's name must be a name, found %s",
                                node_kind_name(stmt->kids[0]->kind)),
                        usage);
    if (stmt->kids[2]->kind != N_BLOCK)
        return err_hint(err_new(E_ARGS, stmt->kids[2]->span,
                                "the procedure's body must be a block { ... }, found %s",
                                node_kind_name(stmt->kids[2]->kind)),
                        usage);
    Error *e = effect_from_node(stmt->kids[1], eff);
    if (e)
        return e->code == E_ARGS ? err_hint(e, usage) : e;
    Prim ignored;
    if (prim_by_name(stmt->kids[0]->name, &ignored))
        return err_hint(err_new(E_DEFINE, stmt->kids[0]->span,
                                "'%s' is a core operation and cannot name a procedure",
                                stmt->kids[0]->name),
                        "choose another name");
    *name = stmt->kids[0]->name;
    *block = stmt->kids[2];
    return NULL;
}
