/* policy.c - the compile policy: asking it, and compiling what it says.
 *
 * The paper's point (Section 2): when the compiler runs is the
 * application's choice, made through a procedural interface, and a policy
 * the application supplies need not be trusted, because all it can do is
 * answer.  Here a policy is any component exporting interface
 * compile-policy (stdlib/compile-policies.xvm).  Its decide operation is
 * verified XVM code like any other; it runs on a VM of its own with a
 * small stack, a tight fuel and its output thrown away, and sees nothing
 * but the five numbers it is given.  A policy that loops runs out of fuel,
 * one that traps traps there, one that answers nonsense is ignored: in each
 * case the code it was asked about stays threaded, and :show says why.
 *
 * The stdlib's policies live in a private session that loads their unit on
 * the first question, so a session that never compiles never loads it, and
 * the user's machines and listings stay theirs.  A component of the user's
 * own is looked up again at each question, since a redefinition may have
 * replaced it; its code is rebuilt only when it did. */
#define GC_THREADS
#include <pthread.h>

#include "policy.h"
#include "native.h"
#include "suggest.h"

#include <gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ANSWER_NOT_YET, ANSWER_NOW, ANSWER_BACKGROUND, ANSWER_NEVER, ANSWER__COUNT };
static const char *const answer_names[ANSWER__COUNT] = {"not yet", "now", "in the background", "never"};

/* What a policy's VM allows: enough for any sensible decision, little
 * enough that a question costs well under a millisecond. */
enum { POLICY_FUEL = 10000, POLICY_STACK = 256, POLICY_CALLS = 64, POLICY_BLOCK_WORDS = 1024 };

static const char POLICY_IFACE[] = "compile-policy", POLICY_OP[] = "decide", POLICY_UNIT[] = "compile-policies";

/* What the session knows of one compiled body: the last answer, and why it
 * runs threaded if it does. */
typedef struct Ask {
    Code *code;
    const char *policy; /* who answered */
    int answer;         /* ANSWER_*, or -1: never asked */
    uint64_t calls, loops; /* when it was asked */
    const char *why;    /* why it stays threaded (NULL: nothing went wrong) */
    bool queued;        /* given to the helper thread, not compiled yet */
} Ask;

typedef struct LastCompile {
    const char *name;
    uint64_t ns;
} LastCompile;

/* A policy's decide, ready to run, and what it was built from. */
typedef struct Built {
    const Component *comp;
    const OpDef *op;
    Code *code;
} Built;

struct Policy {
    Session *s;
    Session *stdlib;        /* the stdlib's policies, loaded on the first question */
    const char *name;       /* the component in use */
    bool own;               /* the session's own component, not the stdlib's */
    Vm *vm;                 /* where questions run */
    Built built;            /* the policy in use, as last built */
    Vec notes;              /* Ask*, guarded by mu */
    Vec last;               /* LastCompile*: per procedure name, the last compile's time */
    uint64_t asked, failed, compiled, background;
    Vec times;              /* uint64_t ns of each compile, boxed, guarded by mu */
    /* The helper thread: one, taking codes in the order given. */
    pthread_mutex_t mu;
    pthread_cond_t more, idle;
    Vec queue;              /* Ask* */
    bool started, busy, stop;
    pthread_t worker;
};

static Policy *the_policies[8]; /* the ones with a helper thread, stopped at exit */
static uint32_t nthe_policies;

/* Where a policy's output goes (policy-machine has no print, but a trusted
 * policy over core-machine may): one sink for the process, so that many
 * sessions (an embedder's, a fuzzer's) do not each hold a descriptor. */
static FILE *sink(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    return f ? f : stderr;
}

/* ---- notes ------------------------------------------------------------------------------ */

static Ask *note_of(Policy *p, Code *code, bool make)
{
    for (uint32_t i = 0; i < p->notes.len; i++) {
        Ask *n = p->notes.items[i];
        if (n->code == code)
            return n;
    }
    if (!make)
        return NULL;
    Ask *n = gc_alloc(sizeof *n);
    n->code = code;
    n->answer = -1;
    vec_push(&p->notes, n);
    return n;
}

static uint64_t last_ns(const Policy *p, const char *name)
{
    for (uint32_t i = 0; i < p->last.len; i++) {
        const LastCompile *l = p->last.items[i];
        if (!strcmp(l->name, name))
            return l->ns;
    }
    return 0;
}

static void set_last_ns(Policy *p, const char *name, uint64_t ns)
{
    for (uint32_t i = 0; i < p->last.len; i++) {
        LastCompile *l = p->last.items[i];
        if (!strcmp(l->name, name)) {
            l->ns = ns;
            return;
        }
    }
    LastCompile *l = gc_alloc(sizeof *l);
    l->name = name;
    l->ns = ns;
    vec_push(&p->last, l);
}

/* ---- compiling ----------------------------------------------------------------------------- */

/* The native entry, as the helper thread may have just set it. */
static void *native_of(const Code *code) { return __atomic_load_n(&code->native, __ATOMIC_ACQUIRE); }

/* One compile at a time in the process, whichever thread asks: the native
 * tier promises that a helper thread may compile, not that two may at once. */
static pthread_mutex_t compile_mu = PTHREAD_MUTEX_INITIALIZER;

/* Compile one code (on either thread); the reason it stays threaded, or NULL. */
static const char *compile_one(Code *code)
{
    pthread_mutex_lock(&compile_mu);
    Error *why = NULL, *e = NULL;
    bool ok = native_of(code) || native_available(&why);
    if (ok && !native_of(code))
        e = native_compile(code);
    pthread_mutex_unlock(&compile_mu);
    if (!ok)
        return why ? why->msg : "native code is not available";
    return e ? e->msg : NULL;
}

/* The outcome of a compile, recorded under mu. */
static void compiled(Policy *p, Ask *n, const char *why)
{
    n->why = why;
    n->queued = false;
    if (why) {
        p->failed++;
        return;
    }
    p->compiled++;
    uint64_t *t = gc_alloc_atomic(sizeof *t);
    *t = n->code->compile_ns;
    vec_push(&p->times, t);
    set_last_ns(p, n->code->body->name, n->code->compile_ns);
}

static void *worker_main(void *arg)
{
    Policy *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->queue.len && !p->stop)
            pthread_cond_wait(&p->more, &p->mu);
        if (p->stop)
            break;
        Ask *n = p->queue.items[0];
        memmove(&p->queue.items[0], &p->queue.items[1], (p->queue.len - 1) * sizeof(void *));
        p->queue.len--;
        p->busy = true;
        pthread_mutex_unlock(&p->mu);
        const char *why = compile_one(n->code); /* sets code->native atomically when it is ready */
        pthread_mutex_lock(&p->mu);
        compiled(p, n, why);
        p->busy = false;
        pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* At exit no compile may be under way while the libraries it uses are torn
 * down: wait for the one running, if any, and hold the lock so that no other
 * starts.  The helper threads are not joined (a join at exit can deadlock
 * with the collector's stop-the-world); exit ends them. */
static void stop_workers(void)
{
    pthread_mutex_lock(&compile_mu);
    for (uint32_t i = 0; i < nthe_policies; i++)
        __atomic_store_n(&the_policies[i]->stop, true, __ATOMIC_RELEASE);
}

static const char *start_worker(Policy *p)
{
    if (p->started)
        return NULL;
    if (nthe_policies == countof(the_policies))
        return "too many sessions compile in the background in this process";
    /* LLVM loaded first, so stop_workers, registered after LLVM's own exit
     * handlers, runs before them: handlers run last-registered first. */
    Error *why = NULL;
    if (!native_available(&why))
        return why ? why->msg : "native code is not available";
    if (pthread_create(&p->worker, NULL, worker_main, p)) /* GC_pthread_create: libgc scans its stack */
        return "cannot start the compiler's helper thread";
    p->started = true;
    if (!nthe_policies)
        atexit(stop_workers);
    the_policies[nthe_policies++] = p;
    return NULL;
}

static void in_background(Policy *p, Ask *n)
{
    pthread_mutex_lock(&p->mu);
    const char *why = start_worker(p);
    if (why) {
        n->why = why;
        p->failed++;
    } else {
        n->queued = true;
        p->background++;
        vec_push(&p->queue, n);
        pthread_cond_signal(&p->more);
    }
    pthread_mutex_unlock(&p->mu);
}

void policy_drain(Session *s)
{
    Policy *p = s->policy;
    pthread_mutex_lock(&p->mu);
    while (p->started && (p->queue.len || p->busy))
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* ---- finding the policy -------------------------------------------------------------------- */

static bool stdlib_name(const char *name)
{
    const char *const *names = config_settings[CONFIG_COMPILE].names;
    for (uint32_t i = 0; names[i]; i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

/* The private session with the stdlib's policies. */
static Error *stdlib_session(Policy *p, Session **out)
{
    if (!p->stdlib) {
        static const char load[] = ".load_modules compile-policies;";
        Session *t = session_new(sink(), p->s->stdlib_dir);
        verify_set_interrupt(&p->s->vm->interrupt); /* Ctrl-C and key names stay the user's session's */
        vstate_set_names(p->s->ws);
        t->quiet = true;
        t->search_path = p->s->search_path;
        Error *e = session_eval(t, source_new("<compile policies>", load, strlen(load), 1));
        if (e)
            return err_hint(e, "the compile policies come from stdlib/%s.xvm", POLICY_UNIT);
        p->stdlib = t;
    }
    *out = p->stdlib;
    return NULL;
}

/* The exported compile-policy port of a component, or NULL. */
static const Port *policy_port(const Component *c)
{
    for (uint32_t i = 0; i < c->module->nports; i++) {
        const Port *pt = c->module->ports[i];
        if (pt->exported && !strcmp(pt->iface->name, POLICY_IFACE))
            return pt;
    }
    return NULL;
}

/* The component NAME of some machine of s (the first in definition order). */
static const Component *component_named(Session *s, const char *name, bool *other_iface)
{
    const Component *found = NULL;
    *other_iface = false;
    for (uint32_t i = 0; i < s->ws->defs.len && !found; i++) {
        const Def *d = s->ws->defs.items[i];
        const Machine *m = d->kind == DEF_MACHINE ? d->cur : NULL;
        for (uint32_t j = 0; m && j < m->ncomps && !found; j++) {
            if (strcmp(m->comps[j]->name, name))
                continue;
            if (policy_port(m->comps[j]))
                found = m->comps[j];
            else
                *other_iface = true;
        }
    }
    return found;
}

static Error *unknown_policy(Session *s, const char *name, Span at, bool other_iface)
{
    if (other_iface)
        return err_hint(err_new(E_USAGE, at, "component '%s' is no compile policy: its module exports no port of "
                                "interface %s", name, POLICY_IFACE),
                        "a policy's module has .exports PORT, %s; (stdlib/%s.xvm shows four)", POLICY_IFACE,
                        POLICY_UNIT);
    (void)s;
    return err_hint(err_new(E_UNKNOWN, at, "unknown compile policy '%s'", name),
                    "the stdlib's are eager, after-n, never and background; a policy of your own is a component "
                    "whose module exports interface %s (.load_modules %s; gives the interface)", POLICY_IFACE,
                    POLICY_UNIT);
}

/* Policy NAME's code in *b, built again unless *b holds it for the same
 * component and operation (a redefinition or relink may replace them). */
static Error *policy_code(Policy *p, const char *name, bool own, Built *b)
{
    Session *home = p->s;
    Error *e = own ? NULL : stdlib_session(p, &home);
    if (e)
        return e;
    bool other = false;
    const Component *c = component_named(home, name, &other);
    if (!c)
        return unknown_policy(home, name, (Span){0}, other);
    const OpDef *op = lookup_module_op(c->module, policy_port(c), POLICY_OP);
    if (!op || !op->verified)
        return err_new(E_DEFINE, (Span){0}, "policy '%s' has no verified operation %s", name, POLICY_OP);
    if (c == b->comp && op == b->op && b->code)
        return NULL;
    Body *flat = flatten_body(op->verified, c, &e);
    if (e)
        return e;
    if (flat->max_depth > POLICY_STACK)
        return err_hint(err_new(E_LIMIT, op->def ? op->def->span : (Span){0},
                                "policy '%s' needs %u stack slots; a policy gets %d", name, flat->max_depth,
                                POLICY_STACK),
                        "a policy only has to answer: keep decide small");
    /* Run as a subroutine called from a one-instruction body, as flattening
     * calls a large operation, so its returns have a frame to return to. */
    Code *sub = compile_body(flat, true, op->eff.nin, 0);
    sub->subroutine = true;
    Body *w = lower_body_new("<policy>");
    w->max_depth = flat->max_depth;
    w->end_span = flat->end_span;
    Insn call = {.op = P_CALLCODE, .ref.code = sub, .label = op->name, .span = flat->end_span};
    VEC_PUSH(w->insns, w->n, w->cap, call);
    *b = (Built){c, op, compile_body(w, false, 0, 0)};
    return NULL;
}

Error *policy_choose(Session *s, const char *name, Span at)
{
    Policy *p = s->policy;
    bool own = !stdlib_name(name);
    Built b = {0};
    Error *e = policy_code(p, name, own, &b);
    if (e) {
        if (!e->span.src)
            e->span = at;
        return e;
    }
    p->built = b;
    p->name = gc_strdup(name);
    p->own = own;
    s->compile = CONFIG_COMPILE_OWN;
    const char *const *names = config_settings[CONFIG_COMPILE].names;
    for (uint32_t i = 0; names[i]; i++)
        if (!strcmp(names[i], name))
            s->compile = i;
    /* Codes told "never" or "not yet" by the last policy are asked afresh. */
    pthread_mutex_lock(&p->mu);
    for (uint32_t i = 0; i < p->notes.len; i++) {
        Ask *n = p->notes.items[i];
        if (!native_of(n->code) && !n->queued)
            n->code->ask_at = n->code->calls + n->code->loops + 1;
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

const char *policy_name(const Session *s) { return s->policy->name; }

/* ---- asking ----------------------------------------------------------------------------------- */

/* The policy's answer for code; on any failure ANSWER_NEVER and *why. */
static int ask(Policy *p, Code *code, uint64_t *wait, const char **why)
{
    Error *e = policy_code(p, p->name, p->own, &p->built);
    Code *pc = p->built.code;
    if (e) {
        *why = gc_printf("policy %s cannot answer: %s", p->name, e->msg);
        return ANSWER_NEVER;
    }
    Vm *vm = p->vm;
    const uint64_t in[] = {code->calls, code->loops, code->body->n, last_ns(p, code->body->name),
                           p->s->compile_after};
    for (uint32_t i = 0; i < countof(in); i++)
        vm->stack[i] = (Value)(in[i] > INT64_MAX ? INT64_MAX : in[i]);
    vm->depth = countof(in);
    p->asked++;
    e = vm_run(vm, pc);
    int64_t answer = vm->depth == 2 ? vm->stack[0] : -1, w = vm->depth == 2 ? vm->stack[1] : 0;
    vm->depth = 0;
    if (e) {
        p->failed++;
        *why = gc_printf("policy %s failed: %s", p->name, e->msg);
        return ANSWER_NEVER;
    }
    if (answer < 0 || answer >= ANSWER__COUNT) {
        p->failed++;
        *why = gc_printf("policy %s answered %lld, which is none of 0 (not yet), 1 (now), 2 (in the background), "
                         "3 (never)", p->name, (long long)answer);
        return ANSWER_NEVER;
    }
    *wait = w > 0 ? (uint64_t)w : 1;
    return (int)answer;
}

/* The VM's hot hook: code has run as long as it was told to wait. */
static void policy_hot(Vm *vm, Code *code, void *ctx)
{
    (void)vm;
    Policy *p = ctx;
    uint64_t ran = code->calls + code->loops;
    code->ask_at = UINT64_MAX; /* until the answer says otherwise */
    if (native_of(code) || (!code->subroutine && !code->version)) /* REPL code runs once: nothing to ask */
        return;
    uint64_t wait = 0;
    const char *why = NULL;
    int answer = ask(p, code, &wait, &why);
    pthread_mutex_lock(&p->mu);
    Ask *n = note_of(p, code, true);
    n->policy = p->name;
    n->answer = answer;
    n->calls = code->calls;
    n->loops = code->loops;
    n->why = why;
    pthread_mutex_unlock(&p->mu);
    if (answer == ANSWER_NOT_YET) {
        /* At least a quarter more of what ran: a policy that says "not yet"
         * forever is asked a logarithmic number of times. */
        uint64_t least = ran / 4 + 1;
        code->ask_at = ran + (wait > least ? wait : least);
    } else if (answer == ANSWER_NOW) {
        const char *fail = compile_one(code);
        pthread_mutex_lock(&p->mu);
        compiled(p, n, fail);
        pthread_mutex_unlock(&p->mu);
    } else if (answer == ANSWER_BACKGROUND) {
        in_background(p, n);
    }
}

Policy *policy_new(Session *s)
{
    Policy *p = gc_alloc(sizeof *p);
    p->s = s;
    p->name = config_settings[CONFIG_COMPILE].names[CONFIG_COMPILE_AFTER_N];
    p->vm = vm_new((VmLimits){.fuel = POLICY_FUEL, .stack_slots = POLICY_STACK, .call_depth = POLICY_CALLS,
                              .max_block_words = POLICY_BLOCK_WORDS},
                   sink());
    p->vm->hot = NULL; /* a policy's own code is never asked about */
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->more, NULL);
    pthread_cond_init(&p->idle, NULL);
    s->policy = p;
    s->vm->hot = policy_hot;
    s->vm->hot_ctx = p;
    return p;
}

/* ---- :compile and :show ------------------------------------------------------------------------ */

static const char *ms(uint64_t ns) { return gc_printf("%.1f ms", (double)ns / 1e6); }

Error *policy_compile(Session *s, const char *name, Span at, Buf *out)
{
    Policy *p = s->policy;
    Proc *d = workspace_find_proc(s->ws, name);
    ProcVersion *v = d ? d->cur : NULL;
    if (!v) {
        const MachineOp *op = lookup_machine_op(s->machine, name);
        if (op)
            return err_hint(err_new(E_USAGE, at, "'%s' is an operation of %s: it is compiled as part of each "
                                    "procedure that uses it", name, s->machine->name),
                            ":compile PROC compiles a procedure, with the operations it calls");
        Error *e = err_new(E_UNKNOWN, at, "unknown procedure '%s'", name);
        uint32_t n;
        const char **names = workspace_names(s->ws, DEF_PROC, &n);
        return suggest_unknown(e, name, (const char *const *)names, n, ":procedures lists them");
    }
    Code *code = v->code;
    pthread_mutex_lock(&p->mu);
    Ask *n = note_of(p, code, true);
    bool queued = n->queued;
    pthread_mutex_unlock(&p->mu);
    if (native_of(code)) {
        buf_printf(out, "%s@v%d is native code already\n", v->name, v->version);
        return NULL;
    }
    if (queued) { /* the helper thread has it: wait for it rather than compile twice */
        policy_drain(s);
        if (native_of(code)) {
            buf_printf(out, "%s@v%d is native code (compiled in the background)\n", v->name, v->version);
            return NULL;
        }
        return err_hint(err_new(E_USAGE, at, "cannot compile %s@v%d to native code: %s", v->name, v->version,
                                n->why ? n->why : "the helper thread did not"),
                        "it runs on as threaded code, with the same results");
    }
    const char *why = compile_one(code);
    pthread_mutex_lock(&p->mu);
    compiled(p, n, why);
    n->policy = ":compile";
    pthread_mutex_unlock(&p->mu);
    if (why)
        return err_hint(err_new(E_USAGE, at, "cannot compile %s@v%d to native code: %s", v->name, v->version, why),
                        "it runs on as threaded code, with the same results");
    code->ask_at = UINT64_MAX;
    buf_printf(out, "compiled %s@v%d to native code\n", v->name, v->version);
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = **(uint64_t *const *)a, y = **(uint64_t *const *)b;
    return x < y ? -1 : x > y;
}

void policy_report(Session *s, Buf *out)
{
    Policy *p = s->policy;
    pthread_mutex_lock(&p->mu);
    buf_printf(out, "compile policy %s%s: asked %llu time%s, %llu compiled (%llu of them given to the background), "
               "%llu failed\n", p->name, p->own ? " (the session's own)" : "", (unsigned long long)p->asked,
               p->asked == 1 ? "" : "s", (unsigned long long)p->compiled, (unsigned long long)p->background,
               (unsigned long long)p->failed);
    uint32_t n = p->times.len;
    if (n) {
        void **t = gc_alloc(n * sizeof *t);
        memcpy(t, p->times.items, n * sizeof *t);
        qsort(t, n, sizeof *t, by_value);
        buf_printf(out, "compile latency: median %s, max %s over %u compile%s\n", ms(*(uint64_t *)t[(n - 1) / 2]),
                   ms(*(uint64_t *)t[n - 1]), n, n == 1 ? "" : "s");
    }
    pthread_mutex_unlock(&p->mu);
}

/* One version's tier: native, or threaded and why. */
static void tier_line(Buf *out, int version, const Code *code, const Ask *n)
{
    buf_printf(out, "// %s@v%d runs ", code->body->name, version);
    if (native_of(code))
        buf_puts(out, "native code"); /* how long it took: :compile (a transcript stays the same) */
    else if (n && n->queued)
        buf_puts(out, "threaded code; native code is being compiled in the background");
    else if (n && n->why)
        buf_printf(out, "threaded code (%s)", n->why);
    else if (n && n->answer >= 0)
        buf_printf(out, "threaded code (policy %s at %llu call%s, %llu loop%s: %s)", n->policy,
                   (unsigned long long)n->calls, n->calls == 1 ? "" : "s", (unsigned long long)n->loops,
                   n->loops == 1 ? "" : "s", answer_names[n->answer]);
    else
        buf_puts(out, "threaded code (not called yet)");
    buf_putc(out, '\n');
}

/* Native code of an earlier build: calls that were running in it finish
 * there (DESIGN §5). */
static void earlier_line(Buf *out, const Code *code, bool same_version)
{
    buf_printf(out, "// %s@v%d %swas native code (calls already running in it finish there)\n", code->body->name,
               code->version, same_version ? "as built before it was verified again " : "");
}

void policy_show_tiers(Session *s, const Def *d, Buf *out)
{
    Policy *p = s->policy;
    const ProcVersion *v = d->kind == DEF_PROC ? d->cur : NULL;
    if (!v || !v->code)
        return;
    pthread_mutex_lock(&p->mu);
    for (uint32_t i = 0; i < p->notes.len; i++) { /* older versions the policy met that may still run */
        const Ask *n = p->notes.items[i];
        if (n->code != v->code && n->code->version > 0 && native_of(n->code) && !strcmp(n->code->body->name, d->name))
            earlier_line(out, n->code, n->code->version == v->version);
    }
    tier_line(out, v->version, v->code, note_of(p, v->code, false));
    pthread_mutex_unlock(&p->mu);
}
