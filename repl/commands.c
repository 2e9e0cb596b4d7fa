/* commands.c - the colon commands: one table, one line of help each.
 *
 * A command's argument text keeps its columns (the command word is blanked
 * out, not cut off), so errors inside `:time CODE` point at the right place. */
#include "commands.h"
#include "input.h"
#include "interactive.h"
#include "print.h"
#include "live.h"
#include "trace.h"
#include "query.h"
#include "suggest.h"
#include "units.h"

#include <errno.h>
#include <gc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct Cmd Cmd;
typedef struct CmdCtx {
    Repl *r;
    const char *args;  /* trimmed argument text */
    Source *src;       /* the whole line, command word blanked */
    Span args_span;
} CmdCtx;

/* What an untrusted principal (:trust untrusted, --untrusted) may do with
 * a command.  Everything that defines or runs something goes through the
 * session's pipeline as that principal (and its trust rules), so most
 * commands are open; what is not is the session's own configuration. */
typedef enum {
    U_ANY,   /* inspects, or hands its input to the pipeline as the principal */
    U_BARE,  /* only with no arguments (:gc: collecting and reporting) */
    U_LOWER, /* :set: list, or make a limit stricter, never looser */
    U_OWN,   /* only on what is untrusted itself (:module, :reload) */
} UntrustedUse;

struct Cmd {
    const char *name;
    const char *usage;
    const char *help;
    Error *(*run)(CmdCtx *c);
    UntrustedUse untrusted;
};

static const Cmd commands[];
static const size_t ncommands;

/* ---- helpers ------------------------------------------------------------------------ */

static void out_buf(Repl *r, Buf *b)
{
    fputs(buf_str(b), r->s->out);
    if (b->len && b->s[b->len - 1] != '\n')
        fputc('\n', r->s->out);
}

static Error *usage_error(CmdCtx *c, const Cmd *cmd, const char *what)
{
    return err_hint(err_new(E_USAGE, c->args_span, "%s", what), "usage: %s", cmd->usage);
}

static Error *need_name(CmdCtx *c, const char *cmdname)
{
    if (c->args[0])
        return NULL;
    for (size_t i = 0; i < ncommands; i++)
        if (strcmp(commands[i].name, cmdname) == 0)
            return usage_error(c, &commands[i], gc_printf(":%s needs a name", cmdname));
    return NULL;
}

/* ---- the commands ---------------------------------------------------------------------- */

static Error *cmd_help(CmdCtx *c);
static const Cmd *find_command(const char *word, size_t len, int *matches);
static const char *candidates(const char *word, size_t len);
static Error *unknown_command(const char *word, Span at);

static Error *cmd_quit(CmdCtx *c)
{
    c->r->quit = true;
    return NULL;
}

static Error *cmd_stack(CmdCtx *c)
{
    Buf b = {0};
    session_print_stack(c->r->s, &b);
    out_buf(c->r, &b);
    return NULL;
}

static Error *cmd_facts(CmdCtx *c)
{
    Buf b = {0};
    session_print_facts(c->r->s, &b);
    out_buf(c->r, &b);
    return NULL;
}

static Error *cmd_use(CmdCtx *c)
{
    Error *e = need_name(c, "use");
    if (!e)
        e = session_use(c->r->s, c->args, c->args_span);
    if (!e)
        fprintf(c->r->s->out, "using %s\n", c->r->s->machine->name);
    return e;
}

static Error *list_kind(CmdCtx *c, DefKind kind)
{
    Buf b = {0};
    query_list(c->r->s, kind, &b);
    if (!b.len)
        buf_printf(&b, "no %ss defined\n", workspace_kind_name(kind));
    out_buf(c->r, &b);
    return NULL;
}

static Error *cmd_machines(CmdCtx *c) { return list_kind(c, DEF_MACHINE); }
static Error *cmd_modules(CmdCtx *c) { return list_kind(c, DEF_MODULE); }
static Error *cmd_interfaces(CmdCtx *c) { return list_kind(c, DEF_INTERFACE); }
static Error *cmd_procedures(CmdCtx *c) { return list_kind(c, DEF_PROC); }

static Error *cmd_graph(CmdCtx *c)
{
    Error *e = need_name(c, "graph");
    if (e)
        return e;
    Buf b = {0};
    e = query_graph(c->r->s, c->args, c->args_span, &b);
    if (!e)
        out_buf(c->r, &b);
    return e;
}

static Error *cmd_trust(CmdCtx *c)
{
    if (!strcmp(c->args, "trusted"))
        c->r->s->principal = PRINCIPAL_TRUSTED;
    else if (!strcmp(c->args, "untrusted"))
        c->r->s->principal = PRINCIPAL_UNTRUSTED;
    else if (c->args[0])
        return suggest_unknown(err_new(E_USAGE, c->args_span, "unknown principal '%s'", c->args), c->args,
                               (const char *const[]){"trusted", "untrusted"}, 2, "usage: :trust trusted|untrusted");
    fprintf(c->r->s->out, "input is %s\n", principal_name(c->r->s->principal));
    return NULL;
}

static Error *cmd_show(CmdCtx *c)
{
    Error *e = need_name(c, "show");
    if (e)
        return e;
    Buf b = {0};
    e = query_show(c->r->s, c->args, c->args_span, &b);
    if (!e)
        out_buf(c->r, &b);
    return e;
}

static Error *cmd_verify(CmdCtx *c)
{
    Error *e = need_name(c, "verify");
    if (e)
        return e;
    Buf b = {0};
    e = query_verify_log(c->r->s, c->args, c->args_span, &b);
    out_buf(c->r, &b);
    return e;
}

static Error *cmd_time(CmdCtx *c)
{
    Error *e = session_eval(c->r->s, c->src);
    if (e)
        return e;
    fprintf(c->r->s->out, "time: verify %.3f ms, run %.3f ms\n", c->r->s->last_verify_ms,
            c->r->s->last_run_ms);
    return NULL;
}


/* FILE FILE "a file with spaces.xvm" */
static void split_paths(const char *args, Vec *out)
{
    const char *p = args;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *start = p;
        if (*p == '"') {
            start = ++p;
            while (*p && *p != '"')
                p++;
            vec_push(out, gc_strndup(start, (size_t)(p - start)));
            if (*p)
                p++;
            continue;
        }
        while (*p && *p != ' ' && *p != '\t')
            p++;
        vec_push(out, gc_strndup(start, (size_t)(p - start)));
    }
}

static Error *cmd_load(CmdCtx *c)
{
    const char *path = c->args;
    Principal p = c->r->s->principal;
    if (!strncmp(path, "--untrusted", 11) && (path[11] == ' ' || path[11] == '\t' || !path[11])) {
        p = PRINCIPAL_UNTRUSTED;
        path += 11;
        while (*path == ' ' || *path == '\t')
            path++;
    }
    if (!path[0])
        return usage_error(c, &commands[0], ":load needs a file name");
    if (path[0] == '-' && path[1] == '-')
        return err_hint(err_new(E_USAGE, c->args_span, "unknown option '%.*s' for :load", (int)strcspn(path, " \t"), path),
                        "usage: :load [--untrusted] FILE...");
    Vec paths = {0}, srcs = {0};
    split_paths(path, &paths);
    uint64_t total = 0;
    for (uint32_t i = 0; i < paths.len; i++) {
        char *text;
        size_t len;
        Error *e = units_read_file(paths.items[i], c->args_span, &text, &len);
        if (e)
            return units_suggest(c->r->s, paths.items[i], e);
        /* The files are one input: together they are bounded like one. */
        if ((total += len) > config_limits.input_bytes)
            return err_hint(err_new(E_LIMIT, c->args_span, "input too large: the files come to more than %u bytes",
                                    config_limits.input_bytes),
                            "load them with several :load commands, or raise the limit with :set input-bytes N");
        vec_push(&srcs, source_new(paths.items[i], text, len, 1));
    }
    /* All the files are one transaction: all of them or none. */
    Error *e = srcs.len == 1 ? session_eval_as(c->r->s, srcs.items[0], p)
                             : session_eval_files(c->r->s, (const Source *const *)srcs.items, srcs.len, p, false);
    for (uint32_t i = 0; !e && i < srcs.len; i++)
        live_remember_file(c->r->s, paths.items[i], ((Source *)srcs.items[i])->text, p);
    return e;
}

static Error *cmd_trace(CmdCtx *c)
{
    bool table = c->r->interactive && isatty(fileno(c->r->s->out));
    return trace_run(c->r->s, c->src, table);
}

static Error *cmd_step(CmdCtx *c)
{
    bool table = c->r->interactive && isatty(fileno(c->r->s->out));
    return trace_step(c->r->s, c->args[0] ? c->src : NULL, table);
}

static Error *cmd_continue(CmdCtx *c) { return trace_continue(c->r->s); }
static Error *cmd_abandon(CmdCtx *c) { return trace_abandon(c->r->s); }

static Error *cmd_reload(CmdCtx *c) { return live_reload(c->r->s, c->args_span); }

static Error *cmd_apropos(CmdCtx *c)
{
    Buf b = {0};
    Error *e = query_apropos(c->r->s, c->args, c->args_span, &b);
    if (!e)
        out_buf(c->r, &b);
    return e;
}

static Error *cmd_deps(CmdCtx *c)
{
    Buf b = {0};
    Error *e = query_deps(c->r->s, c->args, c->args_span, &b);
    if (!e)
        out_buf(c->r, &b);
    return e;
}

static Error *cmd_module(CmdCtx *c)
{
    if (!c->args[0]) {
        c->r->s->module_sel = NULL;
        fprintf(c->r->s->out, "top-level .define_operation is off again\n");
        return NULL;
    }
    Error *e = live_select_module(c->r->s, c->args, c->args_span);
    if (!e)
        fprintf(c->r->s->out, "top-level .define_operation now adds to or replaces operations of module %s\n",
                c->r->s->module_sel);
    return e;
}

/* :link [--dry-run] (P, PORT), (C, PORT): the pairs keep their columns. */
static Error *cmd_link(CmdCtx *c)
{
    char *text = gc_strdup(c->src->text);
    bool dry = false;
    /* Options come before the first '(' and must be spelt exactly. */
    for (char *p = text + c->args_span.off; *p && *p != '(';) {
        if (*p == ' ' || *p == '\t') {
            p++;
            continue;
        }
        size_t n = strcspn(p, " \t(");
        if (n == strlen("--dry-run") && !strncmp(p, "--dry-run", n)) {
            dry = true;
            memset(p, ' ', n);
        } else {
            Span at = c->args_span;
            at.off = (uint32_t)(p - text);
            at.col = at.off + 1;
            at.len = (uint32_t)n;
            return err_hint(err_new(E_USAGE, at, "unknown option or argument '%.*s' for :link", (int)n, p),
                            "usage: :link [--dry-run] (PROVIDER, PORT), (CONSUMER, PORT)");
        }
        p += n;
    }
    /* Parse "link (..), (..)": put a statement head where the command was. */
    size_t at = c->args_span.off;
    if (at >= 4)
        memcpy(text + at - 4, "link", 4);
    const char *stmt = gc_printf("%s;", text);
    Source *src = source_new(c->src->name, stmt, strlen(stmt), c->src->first_line);
    src->display = c->src->display;
    return live_link(c->r->s, src, dry);
}

static Error *cmd_gc(CmdCtx *c)
{
    GC_gcollect();
    fprintf(c->r->s->out, "heap: %zu KiB, %zu KiB free\n", GC_get_heap_size() / 1024,
            GC_get_free_bytes() / 1024);
    return NULL;
}

/* A setting (config.h) is read from and stored to where its row says; the
 * stack and the call depth also reallocate what they bound. */
#define SETTING_AT_VM(s, field) (s)->vm->limits.field
#define SETTING_AT_SESSION(s, field) (s)->field
#define SETTING_AT_GLOBAL(s, field) config_limits.field

static uint64_t setting_value(const ConfigSetting *st, Session *s)
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

static Error *setting_store(const ConfigSetting *st, Session *s, uint64_t v)
{
    ConfigId id = (ConfigId)(st - config_settings);
    if (id == CONFIG_STACK)
        return vm_set_stack_slots(s->vm, v);
    if (id == CONFIG_CALL_DEPTH)
        return vm_set_call_depth(s->vm, v);
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

/* "NAME VALUE": the setting and a value within its bounds. */
static Error *parse_setting(CmdCtx *c, const ConfigSetting **out, uint64_t *value)
{
    char name[64], num[32];
    char *end = NULL;
    errno = 0;
    unsigned long long v = 0;
    if (sscanf(c->args, "%63s %31s", name, num) != 2 || num[0] == '-' ||
        (v = strtoull(num, &end, 10), errno || *end))
        return err_hint(err_new(E_USAGE, c->args_span, "expected a setting and a whole number 0..%llu",
                                (unsigned long long)UINT64_MAX),
                        "usage: :set fuel 1000000   (:set alone lists settings)");
    for (size_t i = 0; i < CONFIG_COUNT; i++) {
        const ConfigSetting *st = &config_settings[i];
        if (strcmp(name, st->name))
            continue;
        if (v > st->hi && st->why_hi)
            return err_hint(err_new(E_USAGE, c->args_span, "%s can be at most %llu (the range is %llu..%llu)", st->name,
                                    (unsigned long long)st->hi, (unsigned long long)st->lo,
                                    (unsigned long long)st->hi),
                            "%s: %s", st->name, st->why_hi);
        if (v < st->lo || v > st->hi)
            return err_hint(err_new(E_USAGE, c->args_span, "%s must be %llu..%llu", st->name,
                                    (unsigned long long)st->lo, (unsigned long long)st->hi),
                            "%s: %s", st->name, st->help);
        *out = st;
        *value = v;
        return NULL;
    }
    uint32_t n = CONFIG_COUNT;
    const char *names[CONFIG_COUNT];
    for (uint32_t i = 0; i < n; i++)
        names[i] = config_settings[i].name;
    Error *e = err_new(E_UNKNOWN, c->args_span, "unknown setting '%s'", name);
    return suggest_unknown(e, name, names, n, ":set alone lists the settings");
}

/* Is v at least as strict as the setting's current value? */
static bool setting_no_looser(const ConfigSetting *st, Session *s, uint64_t v)
{
    uint64_t now = setting_value(st, s);
    if (st->zero_unlimited) {
        if (now == 0)
            return true; /* anything is as strict as unlimited */
        if (v == 0)
            return false;
    }
    return v <= now;
}

static Error *cmd_set(CmdCtx *c)
{
    if (!c->args[0]) {
        for (size_t i = 0; i < CONFIG_COUNT; i++)
            fprintf(c->r->s->out, "%-14s %-12llu %s\n", config_settings[i].name,
                    (unsigned long long)setting_value(&config_settings[i], c->r->s), config_settings[i].help);
        return NULL;
    }
    const ConfigSetting *st;
    uint64_t value;
    Error *e = parse_setting(c, &st, &value);
    if (e)
        return e;
    e = setting_store(st, c->r->s, value);
    if (!e)
        fprintf(c->r->s->out, "%s = %llu\n", st->name, (unsigned long long)value);
    return e ? (e->span = c->args_span, e) : NULL;
}

static const Cmd commands[] = {
    {"load", ":load [--untrusted] FILE...", "verify and run files of definitions and code as one input", cmd_load, U_ANY},
    {"reload", ":reload", "take the loaded files that changed again, as one redefinition", cmd_reload, U_OWN},
    {"help", ":help [COMMAND]", "list commands, or explain one", cmd_help, U_ANY},
    {"quit", ":quit", "leave xvm-repl (Ctrl-D does the same)", cmd_quit, U_ANY},
    {"stack", ":stack", "show the REPL stack, bottom first, top last", cmd_stack, U_ANY},
    {"facts", ":facts", "show the simulated stack (identities, types) and the facts known about it", cmd_facts, U_ANY},
    {"use", ":use MACHINE", "run what is typed next over MACHINE (core-machine to go back)", cmd_use, U_ANY},
    {"machines", ":machines", "list machines (* marks the one in use)", cmd_machines, U_ANY},
    {"modules", ":modules", "list modules", cmd_modules, U_ANY},
    {"interfaces", ":interfaces", "list interfaces", cmd_interfaces, U_ANY},
    {"procedures", ":procedures", "list procedures", cmd_procedures, U_ANY},
    {"show", ":show NAME", "print any definition back in the language, with its effects", cmd_show, U_ANY},
    {"apropos", ":apropos REGEX", "definitions whose name or text matches a regular expression", cmd_apropos, U_ANY},
    {"deps", ":deps NAME", "what NAME depends on and what depends on it, with versions", cmd_deps, U_ANY},
    {"link", ":link [--dry-run] (P, PORT), (C, PORT)", "rewire a port of the machine in use, live", cmd_link, U_ANY},
    {"module", ":module [NAME]", "make top-level .define_operation add to or replace operations of module NAME (no NAME: stop)", cmd_module, U_OWN},
    {"graph", ":graph MACHINE", "print a machine's components, ports and links as Graphviz DOT", cmd_graph, U_ANY},
    {"verify", ":verify NAME", "verify a procedure, a module or a machine again, printing each basic block's states", cmd_verify, U_ANY},
    {"trust", ":trust [trusted|untrusted]", "set the principal of what is typed next", cmd_trust, U_ANY},
    {"trace", ":trace CODE", "run CODE step by step: real stack, simulated stack and facts side by side", cmd_trace, U_ANY},
    {"step", ":step [CODE]", "start a run one step at a time, or take one more step", cmd_step, U_ANY},
    {"continue", ":continue", "run the stepped run to the end", cmd_continue, U_ANY},
    {"abandon", ":abandon", "drop the stepped run; the stack is as before it", cmd_abandon, U_ANY},
    {"time", ":time CODE", "run CODE like any input and report verification and run time", cmd_time, U_ANY},
    {"set", ":set [NAME VALUE]", "show or change a limit (:set alone lists them)", cmd_set, U_LOWER},
    {"gc", ":gc", "collect garbage now and show the heap size", cmd_gc, U_BARE},
};
static const size_t ncommands = countof(commands);

static Error *cmd_help(CmdCtx *c)
{
    FILE *o = c->r->s->out;
    if (c->args[0]) {
        const char *want = c->args[0] == ':' ? c->args + 1 : c->args;
        int matches;
        const Cmd *cmd = find_command(want, strlen(want), &matches);
        if (cmd && matches == 1) {
            fprintf(o, "%s\n  %s\n", cmd->usage, cmd->help);
            return NULL;
        }
        if (matches > 1)
            return err_hint(err_new(E_USAGE, c->args_span, "':%s' is ambiguous: it could be %s", want,
                                    candidates(want, strlen(want))),
                            "type more of the command's name");
        return unknown_command(want, c->args_span);
    }
    fputs("Type code to verify and run it on the core machine, e.g.\n"
          "  push int(2); push int(3); add; print;\n"
          "Define procedures with .define_procedure NAME, (a: int -> r: int), { ... };\n"
          "Commands (any unambiguous prefix works):\n",
          o);
    for (size_t i = 0; i < ncommands; i++)
        if (strlen(commands[i].usage) > 26) /* a long usage gets its own line */
            fprintf(o, "  %s\n  %26s %s\n", commands[i].usage, "", commands[i].help);
        else
            fprintf(o, "  %-26s %s\n", commands[i].usage, commands[i].help);
    const Machine *m = c->r->s->machine;
    fprintf(o, "Operations of %s:\n ", m->name);
    for (uint32_t i = 0; i < m->nops; i++)
        fprintf(o, " %s", m->ops[i].name);
    fputc('\n', o);
    return NULL;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

const char *const *commands_names(void)
{
    static const char *names[countof(commands) + 1];
    for (size_t i = 0; i < ncommands; i++)
        names[i] = commands[i].name;
    return names;
}

/* Exact name first, then a unique prefix (GHCi's rule). */
/* An exact name, else the first command in the table the word is a prefix
 * of: the table is ordered by use, so ties go to the most common command
 * (GHCi's rule: :s is :stack). */
static const Cmd *find_command(const char *word, size_t len, int *matches)
{
    const Cmd *found = NULL;
    *matches = 0;
    for (size_t i = 0; i < ncommands; i++) {
        if (strlen(commands[i].name) == len && strncmp(commands[i].name, word, len) == 0) {
            *matches = 1;
            return &commands[i];
        }
        if (!found && strncmp(commands[i].name, word, len) == 0) {
            found = &commands[i];
            *matches = 1;
        }
    }
    return found;
}

static const char *candidates(const char *word, size_t len)
{
    Buf b = {0};
    for (size_t i = 0; i < ncommands; i++)
        if (strncmp(commands[i].name, word, len) == 0)
            buf_printf(&b, "%s:%s", b.len ? ", " : "", commands[i].name);
    return buf_str(&b);
}

/* The usage line says what a command takes: ":stack" nothing, ":show NAME"
 * something, ":help [COMMAND]" maybe something. */
static Error *check_arity(CmdCtx *c, const Cmd *cmd)
{
    const char *rest = cmd->usage + 1 + strlen(cmd->name);
    while (*rest == ' ')
        rest++;
    if (!*rest && c->args[0])
        return err_hint(err_new(E_USAGE, c->args_span, ":%s takes no arguments", cmd->name), "usage: %s", cmd->usage);
    if (*rest && *rest != '[' && !c->args[0])
        return err_hint(err_new(E_USAGE, c->args_span, ":%s needs %s", cmd->name, rest), "usage: %s", cmd->usage);
    return NULL;
}

/* ---- what an untrusted principal may do ------------------------------------------------- */

/* The one place where commands are refused to an untrusted principal, by
 * the table's `untrusted` column (docs/reference.md, "Untrusted input and
 * commands").  NULL: the command may run. */
static Error *untrusted_refusal(CmdCtx *c, const Cmd *cmd)
{
    Session *s = c->r->s;
    if (s->principal != PRINCIPAL_UNTRUSTED)
        return NULL;
    static const char hint[] = ":trust trusted first (that is for the user at the keyboard, not for code)";
    switch (cmd->untrusted) {
    case U_ANY:
        return NULL;
    case U_BARE:
        if (!c->args[0])
            return NULL;
        return err_hint(err_new(E_TRUST, c->args_span, "untrusted input cannot change :%s options", cmd->name),
                        "%s", hint);
    case U_LOWER: {
        if (!c->args[0])
            return NULL;
        const ConfigSetting *st;
        uint64_t v;
        Error *e = parse_setting(c, &st, &v);
        if (e)
            return e;
        if (setting_no_looser(st, s, v))
            return NULL;
        uint64_t now = setting_value(st, s);
        return err_hint(err_new(E_TRUST, c->args_span,
                                "untrusted input cannot change limits: %s %llu%s would be looser than %llu%s",
                                st->name, (unsigned long long)v, st->zero_unlimited && !v ? " (unlimited)" : "",
                                (unsigned long long)now, st->zero_unlimited && !now ? " (unlimited)" : ""),
                        "untrusted input may only make a limit stricter; %s", hint);
    }
    case U_OWN:
        if (!strcmp(cmd->name, "module")) {
            Def *d = c->args[0] ? workspace_find_kind(s->ws, c->args, DEF_MODULE) : NULL;
            const Module *m = d ? def_current(d) : NULL;
            if (!m || m->principal != PRINCIPAL_TRUSTED)
                return NULL; /* no name (off), unknown (:module says so), or untrusted */
            return err_hint(err_new(E_TRUST, c->args_span, "untrusted input cannot select trusted module '%s'",
                                    m->name),
                            "its operations can only be replaced by trusted input; %s", hint);
        }
        for (uint32_t i = 0; i < s->files.len; i++) { /* :reload */
            const LoadedFile *f = s->files.items[i];
            if (f->principal == PRINCIPAL_TRUSTED)
                return err_hint(err_new(E_TRUST, c->args_span,
                                        "untrusted input cannot :reload: '%s' was loaded as trusted input", f->path),
                                ":reload takes each file again as the principal that loaded it; load your own "
                                "files again with :load, or %s", hint);
        }
        return NULL;
    }
    return NULL;
}

static Error *unknown_command(const char *word, Span at)
{
    Error *e = err_new(E_UNKNOWN, at, "unknown command ':%s'", word);
    return suggest_unknown_as(e, "':%s'", word, commands_names(), (uint32_t)ncommands, "type :help for the list");
}

static Span span_at(const Source *src, size_t off, size_t len, int line)
{
    return (Span){.src = src, .off = (uint32_t)off, .len = (uint32_t)len, .line = (uint32_t)line,
                  .col = (uint32_t)off + 1};
}

void commands_run(Repl *r, const char *line, const char *srcname, int lineno)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t lead = (size_t)(p - line) + 1; /* past the ':' */
    size_t wlen = strcspn(p + 1, " \t\n");
    char *word = gc_strndup(p + 1, wlen);
    char *blanked = gc_strdup(line);
    memset(blanked, ' ', lead + wlen);
    Source *src = source_new(srcname, blanked, strlen(blanked), lineno);
    src->display = gc_strdup(line);
    size_t aoff = lead + wlen;
    while (blanked[aoff] == ' ' || blanked[aoff] == '\t')
        aoff++;
    size_t aend = strlen(blanked);
    while (aend > aoff && strchr(" \t\r\n", blanked[aend - 1]))
        aend--;
    CmdCtx c = {.r = r, .args = gc_strndup(blanked + aoff, aend - aoff), .src = src,
                .args_span = span_at(src, aoff, aend - aoff, lineno)};
    Span word_span = span_at(src, lead - 1, wlen + 1, lineno);
    int matches;
    const Cmd *cmd = find_command(word, wlen, &matches);
    Error *e;
    if (!wlen)
        e = err_hint(err_new(E_USAGE, word_span, "a ':' must be followed by a command"), "type :help for the list");
    else if (matches > 1)
        e = err_hint(err_new(E_USAGE, word_span, "':%s' is ambiguous: it could be %s", word, candidates(word, wlen)),
                     "type more of the command's name");
    else if (!cmd)
        e = unknown_command(word, word_span);
    else if (!(e = check_arity(&c, cmd)) && !(e = untrusted_refusal(&c, cmd)))
        e = cmd->run(&c);
    r->last_error = e;
    if (e) {
        r->failures++;
        print_error(r, e);
    }
}
