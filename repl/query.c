/* query.c - what the session's definitions are: :show, :graph, :verify,
 * :deps, :apropos and the lists, and the "unknown name" error they share. */
#include "graph.h"
#include "kinds.h"
#include "query.h"
#include "suggest.h"
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <tre/tre.h>
#include <unistd.h>

extern char **environ;

Error *query_unknown(Session *s, const char *name, Span at, DefKind kind)
{
    Error *e = kind == DEF__COUNT ? err_new(E_UNKNOWN, at, "nothing named '%s' is defined", name)
                                  : err_new(E_UNKNOWN, at, "no %s named '%s'", workspace_kind_name(kind), name);
    uint32_t n;
    const char **names = workspace_names(s->ws, kind, &n);
    if (kind == DEF_MACHINE || kind == DEF__COUNT)
        names[n++] = "core-machine";
    if (kind == DEF__COUNT)
        return suggest_unknown(e, name, names, n,
                               "define it first; :machines, :modules, :interfaces and :procedures list what exists");
    return suggest_unknown(e, name, names, n, "list what exists with :%ss",
                           kind == DEF_MACHINE ? "machine" : kind == DEF_MODULE ? "module" : "interface");
}

/* One operation of m verified with its log; comp NULL: the module on its
 * own (ports abstract), else inside that component, through its links. */
static Error *verify_op_log(Session *s, const Module *m, Component *comp, OpDef *op, Buf *out)
{
    buf_printf(out, "operation %s of ", op->body->name);
    if (comp)
        buf_printf(out, "component %s (module %s@v%d) ", comp->name, m->name, m->version);
    else
        buf_printf(out, "module %s@v%d ", m->name, m->version);
    effect_print(out, &op->eff);
    buf_putc(out, '\n');
    VState *entry, *exit;
    Error *e = module_op_entry(s->ws, op, &entry);
    VerifyOpts o = {.budget = s->verify_budget, .log = out, .ws = s->ws, .comp = comp, .module = m, .owner = m->name};
    if (!e)
        e = verify_body(op->body, entry, &op->eff, &o, &exit);
    if (e || !comp)
        return e;
    uint32_t *in_ids = gc_calloc(op->eff.nin + 1, sizeof(uint32_t));
    for (uint32_t i = 0; i < op->eff.nin; i++)
        in_ids[i] = entry->items[i].id;
    return call_check_ensures(s->ws, exit, op->sig, in_ids, op->body->end_span,
                              gc_printf("operation '%s' of component '%s'", op->body->name, comp->name));
}

/* A machine: every operation of every component it instantiates, each
 * inside its component (its imports through the machine's links). */
static Error *verify_machine_log(Session *s, const Machine *mc, Buf *out)
{
    if (mc->base)
        buf_printf(out, "machine %s@v%d over %s, ", mc->name, mc->version, mc->base->name);
    else
        buf_printf(out, "machine %s (built in), ", mc->name);
    buf_printf(out, "%u component%s of its own\n", mc->ncomps, mc->ncomps == 1 ? "" : "s");
    for (uint32_t c = 0; c < mc->ncomps; c++)
        for (uint32_t i = 0; i < mc->comps[c]->module->nops; i++) {
            Error *e = verify_op_log(s, mc->comps[c]->module, mc->comps[c], mc->comps[c]->module->ops[i], out);
            if (e)
                return err_note(e, mc->comps[c]->span, "in component '%s' of machine '%s'", mc->comps[c]->name,
                                mc->name);
        }
    return NULL;
}

static Error *verify_module_log(Session *s, const Module *m, Buf *out)
{
    for (uint32_t i = 0; i < m->nops; i++) {
        Error *e = verify_op_log(s, m, NULL, m->ops[i], out);
        if (e)
            return e;
    }
    return NULL;
}

static Error *verify_proc_log(Session *s, const char *name, const ProcVersion *v, Buf *out)
{
    buf_printf(out, "procedure %s@v%d ", name, v->version);
    effect_print(out, &v->eff);
    buf_putc(out, '\n');
    VerifyOpts o = trust_verify_opts(s, v->principal, out);
    return verify_body(v->body, vstate_from_inputs(&v->eff), &v->eff, &o, NULL);
}

static const char *with_article(const char *noun)
{
    return gc_printf("%s %s", strchr("aeiou", noun[0]) ? "an" : "a", noun);
}

/* NAME is a procedure, a module (all its operations, on their own) or a
 * machine (every component's operations, through its links). */
Error *query_verify_log(Session *s, const char *name, Span at, Buf *out)
{
    Def *d = workspace_find(s->ws, name);
    Error *e;
    if (strcmp(name, "core-machine") == 0)
        e = verify_machine_log(s, lookup_core_machine(), out);
    else if (!d)
        return query_unknown(s, name, at, DEF__COUNT);
    else if (d->kind == DEF_MODULE)
        e = verify_module_log(s, d->cur, out);
    else if (d->kind == DEF_MACHINE)
        e = verify_machine_log(s, d->cur, out);
    else if (d->kind == DEF_PROC)
        e = verify_proc_log(s, name, d->cur, out);
    else
        return err_hint(err_new(E_USAGE, at, "'%s' is %s; :verify takes a procedure, a module or a machine", name,
                                with_article(workspace_kind_name(d->kind))),
                        "try :show %s", name);
    if (!e)
        buf_puts(out, "verified: ok\n");
    return e;
}

Error *query_show(Session *s, const char *name, Span at, Buf *out)
{
    if (strcmp(name, "core-machine") == 0) {
        show_machine(out, lookup_core_machine());
        return NULL;
    }
    Def *d = workspace_find(s->ws, name);
    if (d) {
        kinds_show(out, d);
        return NULL;
    }
    const MachineOp *op = lookup_machine_op(s->machine, name);
    if (!op)
        return query_unknown(s, name, at, DEF__COUNT);
    show_machine_op(out, s->machine, op);
    return NULL;
}

Error *query_graph(Session *s, const char *name, Span at, Buf *out)
{
    if (strcmp(name, "core-machine") == 0) {
        show_machine_dot(out, lookup_core_machine());
        return NULL;
    }
    Def *d = workspace_find_kind(s->ws, name, DEF_MACHINE);
    if (!d)
        return query_unknown(s, name, at, DEF_MACHINE);
    show_machine_dot(out, d->cur);
    return NULL;
}

static Error *graph_write(const char *path, Span at, const Buf *dot)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return err_new(E_IO, at, "cannot write '%s': %s", path, strerror(errno));
    bool bad = fwrite(dot->s, 1, dot->len, f) != dot->len;
    if (fclose(f) != 0)
        bad = true;
    return bad ? err_new(E_IO, at, "cannot write '%s': %s", path, strerror(errno)) : NULL;
}

/* What dot said on standard error: its first line. */
static const char *graph_dot_said(const char *errpath)
{
    char line[512] = "";
    FILE *f = fopen(errpath, "r");
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = 0;
        fclose(f);
    }
    line[strcspn(line, "\n")] = 0;
    return line[0] ? gc_strdup(line) : "nothing";
}

/* Run Graphviz's dot on the DOT in the file in, drawing FORMAT into path;
 * dot's standard error goes to the file err. */
static Error *graph_run_dot(const char *format, const char *in, const char *err, const char *path, Span at)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_TRUNC, 0);
    char *argv[] = {"dot", gc_printf("-T%s", format), gc_printf("-o%s", path), (char *)in, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc == ENOENT)
        return err_hint(err_new(E_IO, at, "cannot draw '%s': Graphviz's dot is not installed (no 'dot' on PATH)", path),
                        "install Graphviz (e.g. apt-get install graphviz), or write the DOT text to a .dot file");
    if (rc)
        return err_new(E_IO, at, "cannot run Graphviz's dot: %s", strerror(rc));
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return err_new(E_IO, at, "lost Graphviz's dot: %s", strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return NULL;
    Error *e = WIFEXITED(status) ? err_new(E_IO, at, "Graphviz's dot could not draw '%s' (exit %d)", path, WEXITSTATUS(status))
                                 : err_new(E_IO, at, "Graphviz's dot was stopped by signal %d", WTERMSIG(status));
    return err_hint(e, "dot said: %s", graph_dot_said(err));
}

/* The DOT into two temporary files (one for dot's messages), then dot. */
static Error *graph_render(const char *format, const char *path, Span at, const Buf *dot)
{
    const char *dir = getenv("TMPDIR");
    char *in = gc_printf("%s/xvm-graph-XXXXXX", dir && *dir ? dir : "/tmp");
    char *err = gc_strdup(in);
    int fd_in = mkstemp(in), fd_err = fd_in < 0 ? -1 : mkstemp(err);
    if (fd_err < 0) {
        Error *e = err_new(E_IO, at, "cannot make a temporary file for Graphviz's dot: %s", strerror(errno));
        if (fd_in >= 0)
            close(fd_in), unlink(in);
        return e;
    }
    close(fd_err);
    bool bad = write(fd_in, dot->s, dot->len) != (ssize_t)dot->len;
    close(fd_in);
    Error *e = bad ? err_new(E_IO, at, "cannot write a temporary file for Graphviz's dot: %s", strerror(errno))
                   : graph_run_dot(format, in, err, path, at);
    unlink(in);
    unlink(err);
    return e;
}

Error *query_graph_file(Session *s, const char *name, Span at, const char *path, Span path_at)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    const char *ext = dot && (!slash || dot > slash) && dot[1] ? dot + 1 : "";
    static const char *const drawn[] = {"svg", "png", "pdf"};
    const char *format = NULL;
    for (size_t i = 0; i < countof(drawn); i++)
        if (!strcmp(ext, drawn[i]))
            format = drawn[i];
    if (!format && strcmp(ext, "dot") && strcmp(ext, "gv"))
        return err_hint(err_new(E_USAGE, path_at, "cannot tell what to write to '%s' from its name", path),
                        "end the file's name with .dot or .gv (the DOT text), or .svg, .png or .pdf (drawn by "
                        "Graphviz's dot)");
    Buf b = {0};
    Error *e = query_graph(s, name, at, &b);
    if (!e)
        e = format ? graph_render(format, path, path_at, &b) : graph_write(path, path_at, &b);
    return e;
}

void query_list(Session *s, DefKind kind, Buf *out)
{
    if (kind == DEF_MACHINE)
        buf_printf(out, "%score-machine (built in)\n", s->machine == lookup_core_machine() ? "* " : "  ");
    for (uint32_t i = 0; i < s->ws->defs.len; i++) {
        Def *d = s->ws->defs.items[i];
        if (d->kind != kind || !d->cur)
            continue;
        const DefHead *h = d->cur;
        if (kind == DEF_MACHINE)
            buf_puts(out, d->cur == s->machine ? "* " : "  ");
        buf_printf(out, "%s@v%d\n", d->name, h->version);
    }
}

static void dep_line(Buf *out, const Def *d, const char *why)
{
    const DefHead *h = def_current(d);
    buf_printf(out, "    %s@v%d (%s) %s\n", d->name, h->version, workspace_kind_name(d->kind), why);
}

Error *query_deps(Session *s, const char *name, Span at, Buf *out)
{
    Def *d = workspace_find(s->ws, name);
    if (!d && !strcmp(name, "core-machine")) {
        buf_puts(out, "core-machine (built in)\n  depends on:\n    nothing\n  used by: every machine built over it, "
                      "every module implemented over it\n");
        return NULL;
    }
    const MachineOp *op = d ? NULL : lookup_machine_op(s->machine, name);
    if (op && op->kind == MOP_ALIAS) {
        buf_printf(out, "%s is an operation of %s: %s.%s of module %s@v%d (:deps %s for more)\n", name,
                   s->machine->name, op->comp->name, op->op->body->name, op->op->module->name,
                   op->op->module->version, op->op->module->name);
        return NULL;
    }
    if (!d) {
        uint32_t n;
        const char **names = workspace_names(s->ws, DEF__COUNT, &n);
        Error *e = err_new(E_UNKNOWN, at, "nothing named '%s' is defined", name);
        return suggest_unknown(e, name, names, n, ":machines, :modules, :interfaces and :procedures list what exists");
    }
    const DefHead *h = d->cur;
    buf_printf(out, "%s@v%d (%s)\n  depends on:\n", d->name, h->version, workspace_kind_name(d->kind));
    Vec deps = {0};
    graph_deps(s->ws, d, d->cur, &deps);
    for (uint32_t i = 0; i < deps.len; i++)
        dep_line(out, ((DepEdge *)deps.items[i])->to, ((DepEdge *)deps.items[i])->why);
    if (!deps.len)
        buf_puts(out, "    nothing\n");
    buf_puts(out, "  used by:\n");
    uint32_t users = 0;
    for (uint32_t i = 0; i < s->ws->defs.len; i++) {
        Def *u = s->ws->defs.items[i];
        if (u == d || !u->cur)
            continue;
        Vec ud = {0};
        graph_deps(s->ws, u, u->cur, &ud);
        for (uint32_t k = 0; k < ud.len; k++)
            if (((DepEdge *)ud.items[k])->to == d) {
                dep_line(out, u, ((DepEdge *)ud.items[k])->why);
                users++;
            }
    }
    if (!users)
        buf_puts(out, "    nothing\n");
    return NULL;
}

/* ---- :apropos ---------------------------------------------------------------------------------- */

/* Names and definition texts that match a TRE regular expression: one line
 * per definition, with the first matching line of its text. */
Error *query_apropos(Session *s, const char *pattern, Span at, Buf *out)
{
    regex_t re;
    int rc = tre_regcomp(&re, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB | REG_NEWLINE);
    if (rc) {
        char msg[200];
        tre_regerror(rc, &re, msg, sizeof msg);
        return err_hint(err_new(E_USAGE, at, "bad regular expression '%s': %s", pattern, msg),
                        "apropos takes a POSIX extended regular expression, e.g. :apropos ^binary");
    }
    uint32_t hits = 0;
    for (uint32_t i = 0; i < s->ws->defs.len; i++) {
        Def *d = s->ws->defs.items[i];
        if (!d->cur)
            continue;
        Buf text = {0};
        kinds_show(&text, d);
        const char *line = NULL;
        for (char *p = text.s, *nl; p && *p; p = nl ? nl + 1 : NULL) {
            nl = strchr(p, '\n');
            char *l = gc_strndup(p, nl ? (size_t)(nl - p) : strlen(p));
            if (tre_regexec(&re, l, 0, NULL, 0) == 0 && l[0] != '/') {
                line = l;
                break;
            }
        }
        bool name_hit = tre_regexec(&re, d->name, 0, NULL, 0) == 0;
        if (!name_hit && !line)
            continue;
        const DefHead *h = d->cur;
        buf_printf(out, "%s@v%d (%s)", d->name, h->version, workspace_kind_name(d->kind));
        if (line) {
            while (*line == ' ')
                line++;
            buf_printf(out, ": %s", line);
        }
        buf_putc(out, '\n');
        hits++;
    }
    for (uint32_t i = 0; i < s->machine->nops; i++)
        if (s->machine->ops[i].kind == MOP_ALIAS && tre_regexec(&re, s->machine->ops[i].name, 0, NULL, 0) == 0) {
            buf_printf(out, "%s (operation of %s)\n", s->machine->ops[i].name, s->machine->name);
            hits++;
        }
    tre_regfree(&re);
    if (!hits)
        buf_printf(out, "nothing matches '%s'\n", pattern);
    return NULL;
}
