/* session.c - one input as one transaction.
 *
 * Definitions are staged (a definition's new version is `pending`: visible
 * to lookups, invisible to running code), everything is verified against
 * the staged world, and only then is it committed, compiled and run.  Any
 * failure unstages everything, so a rejected input changes nothing. */
#include "flatten.h"
#include "kinds.h"
#include "print.h"
#include "trust.h"
#include "query.h"
#include "units.h"

#include "stepper.h"
#include "suggest.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>


double session_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void session_record_input(Session *s, const char *text) { inputlog_record(&s->inputs, text, s->history); }

static void add_search_dirs(Session *s, const char *list)
{
    while (list && *list) {
        const char *colon = strchr(list, ':');
        size_t n = colon ? (size_t)(colon - list) : strlen(list);
        if (n)
            vec_push(&s->search_path, gc_strndup(list, n));
        list = colon ? colon + 1 : NULL;
    }
}

Session *session_new(FILE *out, const char *stdlib_dir)
{
    Session *s = gc_alloc(sizeof *s);
    s->ws = workspace_new();
    s->vm = vm_new((VmLimits){.fuel = config_default(CONFIG_FUEL)}, out);
    s->vs = vstate_new();
    s->machine = lookup_core_machine();
    s->out = out;
    s->verify_budget = config_default(CONFIG_VERIFY_BUDGET);
    s->trace_limit = config_default(CONFIG_TRACE_LIMIT);
    s->history = (uint32_t)config_default(CONFIG_HISTORY);
    s->trace_layout = (uint32_t)config_default(CONFIG_TRACE_LAYOUT);
    s->prompt_depth = (uint32_t)config_default(CONFIG_PROMPT);
    s->trace_width = (uint32_t)config_default(CONFIG_TRACE_WIDTH);
    s->compile = (uint32_t)config_default(CONFIG_COMPILE);
    s->compile_after = config_default(CONFIG_COMPILE_AFTER);
    s->stdlib_dir = stdlib_dir;
    s->quit_status = -1;
    vec_push(&s->search_path, ".");
    add_search_dirs(s, getenv("XVM_PATH"));
    if (stdlib_dir)
        vec_push(&s->search_path, (void *)stdlib_dir);
    vstate_set_names(s->ws);
    verify_set_interrupt(&s->vm->interrupt);
    return s;
}

static Scope session_scope(Session *s) { return (Scope){.ws = s->ws, .machine = s->machine}; }

/* ---- one input ------------------------------------------------------------------------------------- */

/* Stage an input's definitions; its code statements are kept for later,
 * so they are lowered against the world the whole input makes. */
static Error *stage_definitions(Txn *t, const Node *unit, Vec *code)
{
    DefCtx c = txn_ctx(t, t->principal);
    Error *d = kind_type_declare_all(&c, unit);
    if (!d)
        d = kind_proc_declare_all(&c, unit);
    if (d)
        return d;
    for (uint32_t i = 0; i < unit->nkids; i++) {
        const Node *st = unit->kids[i];
        if (!(st->kind == N_STMT && st->head == HEAD_DIRECTIVE)) {
            vec_push(code, (void *)st);
            continue;
        }
        Error *e = txn_stage_definition(t, st);
        if (e)
            return e;
    }
    return NULL;
}

/* Lower code after every definition and dependant is staged: a machine
 * the input redefines is used in its new version by the same input. */
/* The one way code gets ready to run, whatever runs it (an input, a file,
 * :trace, :step, :time): lowered over the machine in use as the open
 * transaction leaves it, and held to the principal's trust rules. */
Error *session_lower_code(Session *s, Principal p, Node *const *stmts, uint32_t n, Body *code)
{
    Scope sc = session_scope(s);
    if (s->machine_def)
        sc.machine = def_current(s->machine_def);
    Error *e = lower_stmts(&sc, code, stmts, n);
    if (!e)
        e = lower_finish(code);
    if (!e)
        e = trust_check_calls(s->ws, p, code);
    if (!e && code->n)
        e = trust_check_over(p, sc.machine, code->insns[0].span, "code");
    return e;
}

static Error *lower_input(Txn *t, const Vec *stmts, Body *code)
{
    Session *s = t->s;
    Error *e = session_lower_code(s, t->principal, (Node *const *)stmts->items, stmts->len, code);
    if (!e && code->n && s->active)
        e = err_hint(err_new(E_USAGE, code->insns[0].span, "a stepped run is in progress: code cannot run beside it"),
                     "definitions may change meanwhile; :step, :continue or :abandon the run first");
    return e;
}

/* Checked mode: every run-time check on (a type tag per stack slot, the
 * heap's bounds and tags), on the stepper instead of the fast executor.
 * A check that verified code should never fail is counted as a violation:
 * the fuzzers' soundness oracle. */
static Error *run_checked(Session *s, const Body *code)
{
    TypeId *types = gc_alloc_atomic((s->vs->depth + 1) * sizeof *types);
    for (uint32_t i = 0; i < s->vs->depth; i++)
        types[i] = s->vs->items[i].type;
    Stepper *st = stepper_new(s->vm, types, code);
    s->vm->interrupt = 0;
    for (;;) {
        StepInfo info;
        StepStatus status = stepper_step(st, &info);
        if (status == STEP_DONE)
            break;
        if (status == STEP_VIOLATION)
            s->violations++;
        if (status != STEP_OK)
            return st->error;
        if (s->vm->interrupt)
            return vm_trap(TRAP_INTERRUPTED, info.insn->span);
    }
    fflush(s->vm->out);
    return stepper_finish(st, s->vm);
}

/* The linear values of the stack at or above low, taken out of it. */
static void drop_popped_linear(Session *s, uint32_t low, Buf *gone)
{
    VState *vs = NULL;
    for (uint32_t i = s->vs->depth; i-- > low && i < s->vm->depth;) {
        if (!type_linear(s->vs->items[i].type))
            continue;
        vs = vs ? vs : vstate_copy(s->vs);
        buf_printf(gone, "%ss%u:%s", gone->len ? ", " : "", vs->items[i].id, type_name(vs->items[i].type));
        memmove(&vs->items[i], &vs->items[i + 1], (vs->depth - i - 1) * sizeof *vs->items);
        memmove(&s->vm->stack[i], &s->vm->stack[i + 1], (s->vm->depth - i - 1) * sizeof *s->vm->stack);
        vs->depth--;
        s->vm->depth--;
    }
    if (vs) {
        vstate_canon(vs); /* facts about what is gone go too */
        s->vs = vs;
    }
}

/* The linear slots (as their module sees them) the code may take from,
 * each given the zero of its representation again, as a new slot is. */
static void refill_linear_slots(Session *s, const Code *code, Buf *refilled)
{
    Vec slots = {0};
    flatten_slots_taken(code, &slots);
    for (uint32_t d = 0; slots.len && d < s->ws->defs.len; d++) {
        const Def *def = s->ws->defs.items[d];
        const Machine *m = def->kind == DEF_MACHINE ? def->cur : NULL;
        for (uint32_t k = 0; m && k < m->ncomps; k++) {
            Component *comp = m->comps[k];
            for (uint32_t i = 0; i < comp->module->nstate; i++) {
                TypeId t = type_seen(comp->module->state[i].type, comp->module->name);
                if (!type_linear(t) || vec_index(&slots, &comp->state[i]) < 0)
                    continue;
                comp->state[i] = type_repr(t) == TY_REF ? (Value)(intptr_t)heap_alloc(0, 0) : 0;
                buf_printf(refilled, "%s'%s' of %s", refilled->len ? ", " : "", comp->module->state[i].name, comp->name);
            }
        }
    }
}

/* "NOUN LIST" with NOUN in the plural when LIST has more than one. */
static const char *listed(const char *noun, Buf *list)
{
    return gc_printf("%s%s %s", noun, strchr(buf_str(list), ',') ? "s" : "", buf_str(list));
}

const char *session_forget_taken(Session *s, const Code *code, uint32_t low)
{
    Buf gone = {0}, refilled = {0};
    drop_popped_linear(s, low, &gone);
    if (code)
        refill_linear_slots(s, code, &refilled);
    if (!gone.len && !refilled.len)
        return NULL;
    bool one = !(gone.len && refilled.len) && !strchr(buf_str(gone.len ? &gone : &refilled), ',');
    return gc_printf("%s%s%s%s: the run may have consumed %s before it stopped",
                     gone.len ? "the stack is put back without the " : "", gone.len ? listed("linear value", &gone) : "",
                     gone.len && refilled.len ? ", and " : "",
                     refilled.len ? gc_printf("%s start%s again from empty", listed("linear state slot", &refilled),
                                              strchr(buf_str(&refilled), ',') ? "" : "s")
                                  : "",
                     one ? "it" : "them");
}

Error *session_stopped_run(Session *s, const Code *code, uint32_t low, Error *e)
{
    const char *what = session_forget_taken(s, code, low);
    if (!what)
        return e;
    const char *line = gc_printf("  %s", what);
    return err_detail(e, e->detail ? gc_printf("%s\n%s", e->detail, line) : line);
}

/* What finish does once everything is verified and compiled: commit and
 * run, report the plan (--dry-run), or nothing (a front end's check). */
typedef enum { FINISH_RUN, FINISH_DRY_RUN, FINISH_CHECK } FinishHow;

/* Verify, compile, commit and run a transaction whose definitions are
 * staged and whose code (possibly empty) is lowered. */
static Error *finish(Session *s, Txn *t, Body *code, double t0, FinishHow how)
{
    print_progress_end(); /* of loading units or files */
    VState *exit = NULL;
    Error *e = NULL;
    Body *verified = NULL;
    if (code->n) {
        VerifyOpts o = trust_verify_opts(s, t->principal, NULL);
        o.verified = &verified;
        e = verify_body(code, s->vs, NULL, &o, &exit);
    }
    if (!e)
        e = txn_compile(t);
    Code *c = NULL;
    if (!e && code->n)
        c = flatten_compile(verified, NULL, false, 0, 0, &e);
    s->last_verify_ms = session_now_ms() - t0;
    if (!e && s->vm->interrupt) /* Ctrl-C while staging or compiling: install nothing */
        e = err_hint(err_new(E_BUDGET, code->end_span, "interrupted (Ctrl-C) before anything was installed"),
                     "the session is as it was");
    if (e || how != FINISH_RUN) {
        if (!e && how == FINISH_DRY_RUN) {
            Buf plan = {0};
            txn_plan(t, &plan);
            fprintf(s->out, "dry run: nothing changed; a real run would report:\n%s", buf_str(&plan));
        }
        txn_abort(t);
        return e;
    }
    txn_commit(t);
    s->last_run_ms = 0;
    if (s->verify_only) { /* nothing runs: the static check before a run, then the next */
        e = c ? vm_check_stack(s->vm, c) : NULL; /* input is verified as if this one had run */
        if (!e && exit)
            s->vs = exit;
        return e;
    }
    if (!c)
        return NULL;
    double t1 = session_now_ms();
    e = vm_check_stack(s->vm, c); /* before anything runs (vm_run checks it too) */
    bool ran = !e;
    if (!e)
        e = s->checked ? run_checked(s, code) : vm_run(s->vm, c);
    s->last_run_ms = session_now_ms() - t1;
    if (!e)
        s->vs = exit;
    return e && ran ? session_stopped_run(s, c, verified->min_depth, e) : e;
}

Error *session_eval_as(Session *s, const Source *src, Principal p)
{
    Node *unit;
    s->vm->interrupt = 0; /* a Ctrl-C from now on stops verification too */
    Error *e = parse_unit(src, &unit);
    return e ? e : session_eval_unit(s, unit, src, p);
}

static Error *eval_unit(Session *s, const Node *unit, const Source *src, Principal p, FinishHow how)
{
    Error *e;
    double t0 = session_now_ms();
    Txn t = txn_begin(s, p, units_load);
    Body *code = lower_body_new("<input>");
    code->end_span = (Span){.src = src, .off = (uint32_t)src->len, .line = (uint32_t)src->first_line, .col = 1};
    Vec stmts = {0};
    e = stage_definitions(&t, unit, &stmts);
    if (!e)
        e = txn_rebuild_dependants(&t);
    if (!e)
        e = lower_input(&t, &stmts, code);
    if (e) {
        txn_abort(&t);
        return e;
    }
    return finish(s, &t, code, t0, how);
}

Error *session_eval_unit(Session *s, const Node *unit, const Source *src, Principal p)
{
    return eval_unit(s, unit, src, p, FINISH_RUN);
}

Error *session_check_unit(Session *s, const Node *unit, const Source *src, Principal p)
{
    return eval_unit(s, unit, src, p, FINISH_CHECK);
}

Error *session_redefine(Session *s, const Node *stmt, bool dry_run)
{
    double t0 = session_now_ms();
    Txn t = txn_begin(s, s->principal, units_load);
    Error *e = txn_stage_definition(&t, stmt);
    if (!e)
        e = txn_rebuild_dependants(&t);
    if (e) {
        txn_abort(&t);
        return e;
    }
    return finish(s, &t, lower_body_new("<input>"), t0, dry_run ? FINISH_DRY_RUN : FINISH_RUN);
}

Error *session_eval_files(Session *s, const Source *const *srcs, uint32_t n, Principal p, bool defs_only)
{
    double t0 = session_now_ms();
    Txn t = txn_begin(s, p, units_load);
    Body *code = lower_body_new("<input>");
    Vec *stmts = gc_calloc(n + 1, sizeof(Vec));
    Error *e = NULL;
    for (uint32_t i = 0; i < n && !e; i++) {
        print_progress("loading files", i + 1, n);
        Node *unit;
        e = parse_unit(srcs[i], &unit);
        if (!e)
            e = defs_only ? txn_stage_unit_text(&t, srcs[i], p, false) : stage_definitions(&t, unit, &stmts[i]);
    }
    if (!e)
        e = txn_rebuild_dependants(&t);
    for (uint32_t i = 0; i < n && !e; i++) { /* each file's labels are its own */
        code->end_span = (Span){.src = srcs[i], .off = (uint32_t)srcs[i]->len, .line = 1, .col = 1};
        e = lower_input(&t, &stmts[i], code);
    }
    if (e) {
        txn_abort(&t);
        return e;
    }
    return finish(s, &t, code, t0, FINISH_RUN);
}

Error *session_eval(Session *s, const Source *src) { return session_eval_as(s, src, s->principal); }

/* ---- machines and inspection --------------------------------------------------------------------------- */

Error *session_use(Session *s, const char *name, Span at)
{
    if (strcmp(name, "core-machine") == 0 || strcmp(name, "core") == 0) {
        s->machine = lookup_core_machine();
        s->machine_def = NULL;
        return NULL;
    }
    Def *d = workspace_find_kind(s->ws, name, DEF_MACHINE);
    if (!d)
        return query_unknown(s, name, at, DEF_MACHINE);
    s->machine = d->cur;
    s->machine_def = d;
    return NULL;
}

const VState *session_real_vs(const Session *s) { return s->vs_real ? s->vs_real : s->vs; }

void session_set_verify_only(Session *s, bool on)
{
    if (on && !s->verify_only)
        s->vs_real = s->vs;
    if (!on && s->vs_real) {
        s->vs = s->vs_real;
        s->vs_real = NULL;
    }
    s->verify_only = on;
}

void session_print_stack(Session *s, Buf *out)
{
    const VState *real = session_real_vs(s);
    buf_printf(out, "<%u>", s->vm->depth);
    for (uint32_t i = 0; i < s->vm->depth; i++) {
        buf_putc(out, ' ');
        vm_print_value(out, s->vm->stack[i], real->items[i].type);
    }
}

void session_print_facts(Session *s, Buf *out)
{
    buf_puts(out, "simulated stack: ");
    vstate_print_stack(out, s->vs);
    buf_puts(out, s->vs->nfacts ? "\nfacts:\n" : "\nfacts: none\n");
    for (uint32_t i = 0; i < s->vs->nfacts; i++) {
        VState one = *s->vs;
        one.facts = &s->vs->facts[i];
        one.nfacts = 1;
        buf_puts(out, "  ");
        vstate_print_facts(out, &one, s->ws);
        buf_putc(out, '\n');
    }
}

/* ---- settings ------------------------------------------------------------------------------------ */

/* A setting (config.h) is read from and stored to where its row says; the
 * stack and the call depth also reallocate what they bound. */
#define SETTING_AT_VM(s, field) (s)->vm->limits.field
#define SETTING_AT_SESSION(s, field) (s)->field
#define SETTING_AT_VIEW(s, field) (s)->field
#define SETTING_AT_POLICY(s, field) (s)->field
#define SETTING_AT_GLOBAL(s, field) config_limits.field

uint64_t session_setting(Session *s, const ConfigSetting *st)
{
    switch ((ConfigId)(st - config_settings)) {
#define SETTING_GET(ID, name, at, field, ...) \
    case CONFIG_##ID:                         \
        return (uint64_t)SETTING_AT_##at(s, field);
        CONFIG_SETTINGS(SETTING_GET)
#undef SETTING_GET
    case CONFIG_COUNT:
        break;
    }
    return 0;
}

Error *session_set(Session *s, const ConfigSetting *st, uint64_t v)
{
    ConfigId id = (ConfigId)(st - config_settings);
    if (id == CONFIG_STACK)
        return vm_set_stack_slots(s->vm, v);
    if (id == CONFIG_CALL_DEPTH)
        return vm_set_call_depth(s->vm, v);
    if (id == CONFIG_HISTORY)
        inputlog_trim(&s->inputs, v); /* what is over the new bound goes now */
    if (id == CONFIG_COMPILE) /* a policy is more than a number: policy_choose */
        return err_new(E_USAGE, (Span){0}, "internal: the compile policy is chosen with policy_choose");
    switch (id) {
#define SETTING_PUT(ID, name, at, field, type, ...) \
    case CONFIG_##ID:                               \
        SETTING_AT_##at(s, field) = (type)v;        \
        break;
        CONFIG_SETTINGS(SETTING_PUT)
#undef SETTING_PUT
    case CONFIG_COUNT:
        break;
    }
    return NULL;
}
