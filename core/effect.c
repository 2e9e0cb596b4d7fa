/* effect.c - stack effects (DESIGN §3.2): read from their syntax, compared, printed. */
#include "model.h"

#include <string.h>

static Error *param_from_node(Workspace *ws, const Node *n, Param *p)
{
    if (n->kind != N_PARAM)
        return err_new(E_SYNTAX, n->span, "expected a parameter such as 'a: int', found %s",
                       node_kind_name(n->kind));
    Error *e = type_resolve(ws, n->name2, n->span, &p->type);
    if (e)
        return e;
    p->name = n->name;
    p->span = n->span;
    return NULL;
}

/* Contracts name parameters, so two inputs (or two outputs) may not share a
 * name; an output may repeat an input's name, (x: int -> x: int), as a
 * contract's name reads inputs first. */
static Error *param_duplicate(const Param *ps, uint32_t n, const char *side)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; ps[i].name && j < i; j++)
            if (ps[j].name && strcmp(ps[i].name, ps[j].name) == 0)
                return err_note(err_hint(err_new(E_ARGS, ps[i].span, "the %s of an effect name '%s' twice", side,
                                                 ps[i].name),
                                         "give each parameter its own name (contracts refer to them), e.g. "
                                         "(a: int, b: int -> r: int)"),
                                ps[j].span, "'%s' is first named here", ps[i].name);
    return NULL;
}

Error *effect_from_node(Workspace *ws, const Node *n, Effect *out)
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
        Error *e = param_from_node(ws, n->kids[i], p);
        if (e)
            return e;
    }
    Error *e = param_duplicate(out->in, nin, "inputs");
    return e ? e : param_duplicate(out->out, out->nout, "outputs");
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
