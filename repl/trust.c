/* trust.c - the session's trust rules (DESIGN §4.4), each in one place. */
#include "trust.h"

#include <string.h>

const char *trust_owner(Principal p) { return p == PRINCIPAL_UNTRUSTED ? "<untrusted session>" : "<session>"; }

/* A session may declare a type ahead of the module that makes its values,
 * so that interfaces typed before the module can name it; the module then
 * takes it over.  Only from a session of its own principal: no one hands
 * a type to code of another principal, or takes one from a module. */
bool trust_hands_over(const DefHead *old, const DefHead *neu)
{
    return old->principal == neu->principal && strcmp(old->owner, trust_owner(old->principal)) == 0 &&
           strcmp(neu->owner, trust_owner(neu->principal)) != 0;
}

Error *trust_check_replace(const Def *d, const DefHead *neu, Principal input, bool rebuilding, Span at)
{
    const DefHead *old = d->cur;
    const char *kind = workspace_kind_name(neu->kind);
    if (!old)
        return NULL;
    if (old->principal == PRINCIPAL_TRUSTED && neu->principal == PRINCIPAL_UNTRUSTED)
        return err_hint(err_new(E_TRUST, at, "untrusted input cannot replace trusted %s '%s'", kind, d->name),
                        "choose another name for your own %s", kind);
    /* A stdlib unit is trusted, but an untrusted input that loads it must
     * not use it to replace what the session already has. */
    if (!rebuilding && input == PRINCIPAL_UNTRUSTED && neu->principal == PRINCIPAL_TRUSTED)
        return err_hint(err_new(E_TRUST, at, "untrusted input cannot replace %s '%s', not even with a stdlib unit",
                                kind, d->name),
                        "load the unit as trusted input (:trust trusted), or rename the existing %s", kind);
    return NULL;
}

VerifyOpts trust_verify_opts(const Session *s, Principal p, Buf *log)
{
    return (VerifyOpts){.budget = s->verify_budget, .log = log, .ws = s->ws, .owner = trust_owner(p)};
}

/* A trusted procedure over core-machine would hand untrusted code the core. */
Error *trust_check_calls(Workspace *ws, Principal p, const Body *b)
{
    for (uint32_t i = 0; p == PRINCIPAL_UNTRUSTED && i < b->n; i++) {
        const Insn *in = &b->insns[i];
        if (in->op != P_CALL)
            continue;
        const ProcVersion *v = def_current(in->ref.proc);
        const Machine *over = lookup_machine_named(ws, v->over); /* NULL: gone, so not open either */
        if (v->principal == PRINCIPAL_TRUSTED && !(over && over->open_to_untrusted))
            return err_hint(err_new(E_TRUST, in->span, "untrusted code cannot call '%s': it runs over trusted-only '%s'",
                                    v->name, v->over ? v->over : "core-machine"),
                            "call procedures defined over a machine that declares .access untrusted");
    }
    return NULL;
}

Error *trust_check_over(Principal p, const Machine *m, Span at, const char *what)
{
    if (p != PRINCIPAL_UNTRUSTED || m->open_to_untrusted)
        return NULL;
    return err_hint(err_new(E_TRUST, at, "untrusted %s cannot run over '%s': the machine is trusted-only", what,
                            m->name),
                    "switch with :use to a machine that declares .access untrusted, or :trust trusted");
}
