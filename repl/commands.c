/* commands.c - the colon commands: one table, a row per command with its help page.
 *
 * A command's argument text keeps its columns (the command word is blanked
 * out, not cut off), so errors inside `:time CODE` point at the right place. */
#include "commands.h"
#include "forth.h"
#include "wasm_module.h"
#include "live.h"
#include "policy.h"
#include "trace.h"
#include "query.h"
#include "save.h"
#include "suggest.h"
#include "units.h"

#include <errno.h>
#include <gc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct Cmd Cmd;
typedef struct CmdCtx {
    Session *s;
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
    U_NOFILE, /* inspects, but writes no file (:graph MACHINE, not :graph MACHINE FILE) */
} UntrustedUse;

struct Cmd {
    const char *name;
    const char *usage;
    const char *help;
    Error *(*run)(CmdCtx *c);
    UntrustedUse untrusted;
    const char *page;    /* :help NAME: what it does, wrapped to the width */
    const char *example; /* lines to type, one a line */
    const char *see;     /* related commands, separated by spaces */
};

static const Cmd commands[];
static const size_t ncommands;

/* ---- helpers ------------------------------------------------------------------------ */

static void out_buf(Session *s, Buf *b)
{
    fputs(buf_str(b), s->out);
    if (b->len && b->s[b->len - 1] != '\n')
        fputc('\n', s->out);
}

/* An informational message ("using M", "input is trusted"): none under --quiet. */
static void say(CmdCtx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(CmdCtx *c, const char *fmt, ...)
{
    if (c->s->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->s->out, fmt, ap);
    va_end(ap);
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

/* :quit [N]: N is the exit status, 0..255. */
static Error *cmd_quit(CmdCtx *c)
{
    long n = -1; /* none given */
    if (c->args[0]) {
        char *end;
        errno = 0;
        n = strtol(c->args, &end, 10);
        if (errno || *end || n < 0 || n > 255 || !(c->args[0] >= '0' && c->args[0] <= '9'))
            return err_hint(err_new(E_USAGE, c->args_span, "the exit status must be a whole number 0..255"),
                            "usage: :quit [N]");
    }
    c->s->quit_status = (int)n;
    c->s->quit = true;
    return NULL;
}

static Error *cmd_stack(CmdCtx *c)
{
    Buf b = {0};
    if (!trace_print_stack(c->s, &b)) /* a suspended :step run's, else the REPL's */
        session_print_stack(c->s, &b);
    out_buf(c->s, &b);
    return NULL;
}

static Error *cmd_facts(CmdCtx *c)
{
    Buf b = {0};
    if (!trace_print_facts(c->s, &b))
        session_print_facts(c->s, &b);
    out_buf(c->s, &b);
    return NULL;
}

static Error *cmd_use(CmdCtx *c)
{
    Error *e = need_name(c, "use");
    if (!e)
        e = session_use(c->s, c->args, c->args_span);
    if (!e)
        say(c, "using %s\n", c->s->machine->name);
    return e;
}

static Error *list_kind(CmdCtx *c, DefKind kind)
{
    Buf b = {0};
    query_list(c->s, kind, &b);
    if (!b.len)
        buf_printf(&b, "no %ss defined\n", workspace_kind_name(kind));
    out_buf(c->s, &b);
    return NULL;
}

static Error *cmd_machines(CmdCtx *c) { return list_kind(c, DEF_MACHINE); }
static Error *cmd_modules(CmdCtx *c) { return list_kind(c, DEF_MODULE); }
static Error *cmd_interfaces(CmdCtx *c) { return list_kind(c, DEF_INTERFACE); }
static Error *cmd_procedures(CmdCtx *c) { return list_kind(c, DEF_PROC); }

static void split_paths(const char *args, Vec *out);

/* :graph MACHINE [FILE]: the machine's name, and the file (NULL: none) with
 * its span; the file's name may be quoted. */
static Error *graph_args(CmdCtx *c, const char **name, const char **file, Span *file_at)
{
    size_t n = strcspn(c->args, " \t");
    *name = gc_strndup(c->args, n);
    *file = NULL;
    *file_at = c->args_span;
    Vec rest = {0};
    split_paths(c->args + n, &rest);
    if (!rest.len)
        return NULL;
    size_t skip = n + strspn(c->args + n, " \t");
    file_at->off += (uint32_t)skip;
    file_at->col += (uint32_t)skip;
    file_at->len -= (uint32_t)skip;
    if (rest.len > 1 || !*(const char *)rest.items[0])
        return err_hint(err_new(E_USAGE, *file_at, ":graph takes a machine and at most one file"),
                        "usage: :graph MACHINE [FILE]   (quote a file name with spaces)");
    *file = rest.items[0];
    return NULL;
}

static Error *cmd_graph(CmdCtx *c)
{
    const char *name, *file;
    Span file_at;
    Error *e = graph_args(c, &name, &file, &file_at);
    if (e)
        return e;
    Buf b = {0};
    Span name_at = c->args_span;
    name_at.len = (uint32_t)strlen(name);
    if (!file) {
        e = query_graph(c->s, name, name_at, &b);
        if (!e)
            out_buf(c->s, &b);
        return e;
    }
    e = query_graph_file(c->s, name, name_at, file, file_at);
    if (!e)
        say(c, "wrote the graph of %s to %s\n", name, file);
    return e;
}

static Error *cmd_trust(CmdCtx *c)
{
    if (!strcmp(c->args, "trusted"))
        c->s->principal = PRINCIPAL_TRUSTED;
    else if (!strcmp(c->args, "untrusted"))
        c->s->principal = PRINCIPAL_UNTRUSTED;
    else if (c->args[0])
        return suggest_unknown(err_new(E_USAGE, c->args_span, "unknown principal '%s'", c->args), c->args,
                               (const char *const[]){"trusted", "untrusted"}, 2, "usage: :trust trusted|untrusted");
    say(c, "input is %s\n", principal_name(c->s->principal));
    return NULL;
}

static Error *cmd_show(CmdCtx *c)
{
    Error *e = need_name(c, "show");
    if (e)
        return e;
    Buf b = {0};
    e = query_show(c->s, c->args, c->args_span, &b);
    Def *d = e ? NULL : workspace_find_kind(c->s->ws, c->args, DEF_PROC);
    if (d)
        policy_show_tiers(c->s, d, &b); /* which tier each version runs in */
    if (!e)
        out_buf(c->s, &b);
    return e;
}

static Error *cmd_verify(CmdCtx *c)
{
    Error *e = need_name(c, "verify");
    if (e)
        return e;
    Buf b = {0};
    e = query_verify_log(c->s, c->args, c->args_span, &b);
    out_buf(c->s, &b);
    return e;
}

static Error *cmd_time(CmdCtx *c)
{
    Error *e = session_eval(c->s, c->src);
    if (e)
        return e;
    fprintf(c->s->out, "time: verify %.3f ms, run %.3f ms\n", c->s->last_verify_ms,
            c->s->last_run_ms);
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
    Principal p = c->s->principal;
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
            return units_suggest(c->s, paths.items[i], e);
        /* The files are one input: together they are bounded like one. */
        if ((total += len) > config_limits.input_bytes)
            return err_hint(err_new(E_LIMIT, c->args_span, "input too large: the files come to more than %u bytes",
                                    config_limits.input_bytes),
                            "load them with several :load commands, or raise the limit with :set input-bytes N");
        vec_push(&srcs, source_new(paths.items[i], text, len, 1));
        if (forth_is_source(paths.items[i]) && paths.len > 1)
            return err_hint(err_new(E_USAGE, c->args_span, "'%s' is Forth: load it by itself", (char *)paths.items[i]),
                            "a Forth file is an input of its own, checked whole and then run word by word: :load FILE.fs");
        if (wasm_module_is_source(paths.items[i]) && paths.len > 1)
            return err_hint(err_new(E_USAGE, c->args_span, "'%s' is WebAssembly: load it by itself",
                                    (char *)paths.items[i]),
                            "a .wat module becomes several inputs, not one with others: :load FILE.wat");
    }
    if (forth_is_source(paths.items[0])) { /* definitions over forth-machine (docs/forth.md) */
        Error *e = forth_eval_as(c->s, srcs.items[0], p);
        if (!e)
            live_remember_file(c->s, paths.items[0], ((Source *)srcs.items[0])->text, p);
        return e;
    }
    if (wasm_module_is_source(paths.items[0])) /* procedures over wasm-machine (docs/wasm.md) */
        return wasm_module_load(c->s, srcs.items[0], p);
    /* All the files are one transaction: all of them or none. */
    Error *e = srcs.len == 1 ? session_eval_as(c->s, srcs.items[0], p)
                             : session_eval_files(c->s, (const Source *const *)srcs.items, srcs.len, p, false);
    for (uint32_t i = 0; !e && i < srcs.len; i++)
        live_remember_file(c->s, paths.items[i], ((Source *)srcs.items[i])->text, p);
    return e;
}

static Error *cmd_forth(CmdCtx *c)
{
    Error *e = forth_mode_start(c->s);
    if (!e)
        say(c, "input is Forth over forth-machine (:xvm goes back)\n");
    return e ? (e->span = c->args_span, e) : NULL; /* at the command, not at the empty Forth input */
}

static Error *cmd_xvm(CmdCtx *c)
{
    c->s->forth = false;
    say(c, "input is XVM\n");
    return NULL;
}

static Error *cmd_trace(CmdCtx *c)
{
    bool table = c->s->interactive && isatty(fileno(c->s->out));
    return trace_run(c->s, c->src, table);
}

static Error *cmd_step(CmdCtx *c)
{
    bool table = c->s->interactive && isatty(fileno(c->s->out));
    return trace_step(c->s, c->args[0] ? c->src : NULL, table);
}

static Error *cmd_continue(CmdCtx *c) { return trace_continue(c->s); }
static Error *cmd_abandon(CmdCtx *c) { return trace_abandon(c->s); }

static Error *cmd_reload(CmdCtx *c) { return live_reload(c->s, c->args_span); }

static Error *cmd_apropos(CmdCtx *c)
{
    Buf b = {0};
    Error *e = query_apropos(c->s, c->args, c->args_span, &b);
    if (!e)
        out_buf(c->s, &b);
    return e;
}

static Error *cmd_deps(CmdCtx *c)
{
    Buf b = {0};
    Error *e = query_deps(c->s, c->args, c->args_span, &b);
    if (!e)
        out_buf(c->s, &b);
    return e;
}

static Error *cmd_module(CmdCtx *c)
{
    if (!c->args[0]) {
        c->s->module_sel = NULL;
        say(c, "top-level .define_operation is off again\n");
        return NULL;
    }
    Error *e = live_select_module(c->s, c->args, c->args_span);
    if (!e)
        say(c, "top-level .define_operation now adds to or replaces operations of module %s\n", c->s->module_sel);
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
    return live_link(c->s, src, dry);
}

/* :history [N]: the inputs of this session (the last N), numbered, a
 * multi-line input whole with its lines under each other; first, if the
 * inputs asked for go back past what :set history keeps, how many are gone. */
static Error *cmd_history(CmdCtx *c)
{
    const InputLog *in = &c->s->inputs;
    uint32_t kept = inputlog_count(in), from = 0;
    bool all = true;
    if (c->args[0]) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(c->args, &end, 10);
        if (errno || *end || !(c->args[0] >= '0' && c->args[0] <= '9'))
            return err_hint(err_new(E_USAGE, c->args_span, "expected how many inputs to show, a whole number"),
                            "usage: :history [N]");
        from = n < kept ? kept - (uint32_t)n : 0;
        all = n > kept;
    }
    Buf b = {0};
    if (all && in->dropped)
        buf_printf(&b, "(%llu older input%s dropped: :set history keeps the last %u; raise it to keep more)\n",
                   (unsigned long long)in->dropped, in->dropped == 1 ? "" : "s", c->s->history);
    for (uint32_t i = from; i < kept; i++) {
        buf_printf(&b, "%5llu  ", (unsigned long long)(in->dropped + i + 1));
        for (const char *p = inputlog_get(in, i); *p; p++) {
            buf_putc(&b, *p);
            if (*p == '\n')
                buf_puts(&b, "       ");
        }
        buf_putc(&b, '\n');
    }
    out_buf(c->s, &b);
    return NULL;
}

/* :save FILE: the script, then what it cannot carry (even under --quiet:
 * that is a warning, not news). */
static Error *cmd_save(CmdCtx *c)
{
    Vec paths = {0};
    split_paths(c->args, &paths);
    int matches;
    if (paths.len != 1 || !*(const char *)paths.items[0])
        return usage_error(c, find_command("save", 4, &matches), ":save takes one file (quote a name with spaces)");
    const char *path = paths.items[0];
    SaveReport rep;
    Error *e = save_session(c->s, path, c->args_span, &rep);
    if (e)
        return e;
    say(c, "saved %u definition%s as text and %u stdlib unit%s by name to %s; replay it with: xvm-repl %s\n", rep.ndefs,
        rep.ndefs == 1 ? "" : "s", rep.nunits, rep.nunits == 1 ? "" : "s", path,
        strchr(path, ' ') ? gc_printf("\"%s\"", path) : path);
    for (uint32_t i = 0; i < rep.left_out.len; i++)
        fprintf(c->s->out, "not saved: %s\n", (const char *)rep.left_out.items[i]);
    return NULL;
}

static Error *cmd_gc(CmdCtx *c)
{
    GC_gcollect();
    fprintf(c->s->out, "heap: %zu KiB, %zu KiB free\n", GC_get_heap_size() / 1024,
            GC_get_free_bytes() / 1024);
    return NULL;
}

static uint64_t setting_value(const ConfigSetting *st, Session *s) { return session_setting(s, st); }

/* The compile policy is chosen by name (it may be a component of the
 * session's own): policy.c. */
static Error *setting_store(const ConfigSetting *st, Session *s, uint64_t v)
{
    if (st == &config_settings[CONFIG_COMPILE])
        return policy_choose(s, config_value_name(st, v), (Span){0});
    return session_set(s, st, v);
}

static const ConfigSetting *const compile_setting = &config_settings[CONFIG_COMPILE];

/* A value as :set shows it: a choice's name, else the number; the compile
 * policy in use by its name (it may be the session's own). */
static const char *setting_text_in(const ConfigSetting *st, uint64_t v, Session *s)
{
    if (st == compile_setting && s && v == setting_value(st, s))
        return policy_name(s);
    const char *name = config_value_name(st, v);
    return name ? name : gc_printf("%llu", (unsigned long long)v);
}

static const char *setting_text(const ConfigSetting *st, uint64_t v) { return setting_text_in(st, v, NULL); }

/* A choice's values: "auto, table or plain". */
static const char *setting_choices(const ConfigSetting *st)
{
    Buf b = {0};
    for (uint32_t i = 0; st->names[i]; i++)
        buf_printf(&b, "%s%s", !i ? "" : st->names[i + 1] ? ", " : " or ", st->names[i]);
    return buf_str(&b);
}

/* "NAME VALUE": the setting and a value within its bounds. */
static Error *parse_setting(CmdCtx *c, const ConfigSetting **out, uint64_t *value)
{
    char name[64], num[128];
    uint64_t v = 0;
    int got = sscanf(c->args, "%63s %127s", name, num);
    const ConfigSetting *st = NULL;
    for (size_t i = 0; got == 2 && !st && i < CONFIG_COUNT; i++)
        st = strcmp(name, config_settings[i].name) ? NULL : &config_settings[i];
    if (st == compile_setting && !config_value_parse(st, num, &v)) { /* a component of the session's own */
        *out = st;
        *value = CONFIG_COMPILE_OWN;
        return NULL;
    }
    if (st && st->names && !config_value_parse(st, num, &v))
        return err_hint(err_new(E_USAGE, c->args_span, "%s is one of %s", st->name, setting_choices(st)),
                        "%s: %s", st->name, st->help);
    if (got != 2 || (st && !config_value_parse(st, num, &v)))
        return err_hint(err_new(E_USAGE, c->args_span, "expected a setting and a whole number 0..%llu",
                                (unsigned long long)UINT64_MAX),
                        "usage: :set fuel 1000000   (:set alone lists settings)");
    if (st && v > st->hi && st->why_hi)
        return err_hint(err_new(E_USAGE, c->args_span, "%s can be at most %llu (the range is %llu..%llu)", st->name,
                                (unsigned long long)st->hi, (unsigned long long)st->lo, (unsigned long long)st->hi),
                        "%s: %s", st->name, st->why_hi);
    if (st && (v < st->lo || v > st->hi))
        return err_hint(err_new(E_USAGE, c->args_span, "%s must be %llu..%llu", st->name, (unsigned long long)st->lo,
                                (unsigned long long)st->hi),
                        "%s: %s", st->name, st->help);
    if (st) {
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
            fprintf(c->s->out, "%-14s %-12s %s\n", config_settings[i].name,
                    setting_text_in(&config_settings[i], setting_value(&config_settings[i], c->s), c->s),
                    config_settings[i].help);
        return NULL;
    }
    const ConfigSetting *st;
    uint64_t value;
    Error *e = parse_setting(c, &st, &value);
    if (e)
        return e;
    if (st == compile_setting) { /* by name: the stdlib's or the session's own */
        char name[64], policy[128];
        sscanf(c->args, "%63s %127s", name, policy);
        e = policy_choose(c->s, policy, c->args_span);
        if (!e)
            say(c, "%s = %s\n", st->name, policy_name(c->s));
        return e;
    }
    e = setting_store(st, c->s, value);
    if (!e)
        say(c, "%s = %s\n", st->name, setting_text(st, value));
    return e ? (e->span = c->args_span, e) : NULL;
}

static Error *cmd_compile(CmdCtx *c)
{
    Buf b = {0};
    Error *e = NULL;
    if (!c->args[0])
        policy_report(c->s, &b);
    else
        e = policy_compile(c->s, c->args, c->args_span, &b);
    out_buf(c->s, &b);
    return e;
}

static const Cmd commands[] = {
    {"load", ":load [--untrusted] FILE...", "verify and run files as one input (all or nothing)", cmd_load, U_ANY,
     "Reads each FILE and takes them all as one input: their definitions and code are verified together, and if "
     "anything fails nothing is defined and nothing runs. --untrusted loads them as untrusted input. A file holds "
     "definitions and code, not commands (a line starting with ':' is a syntax error). Quote a name with spaces: "
     ":load \"my file.xvm\". To run a file line by line, as if typed, give it on the command line instead. A Forth "
     "file (.fs) or a WebAssembly module (.wat) is loaded by itself (docs/forth.md, docs/wasm.md).",
     ":load tests/paper/figure1.xvm\n:load --untrusted my-allocator.xvm", "reload use trust"},
    {"reload", ":reload", "load the files that changed again, as one redefinition", cmd_reload, U_OWN,
     "Reads again every file loaded with :load and takes those that changed as one redefinition: each changed "
     "definition gets a new version, whatever depends on it is verified again, and either all of it is installed "
     "or nothing is. Each file is taken as the principal that loaded it, so untrusted input may :reload only when "
     "no file was loaded by trusted input.",
     ":load my-machine.xvm\n:reload", "load deps"},
    {"help", ":help [COMMAND]", "list commands, or explain one", cmd_help, U_ANY,
     "Alone, names the machine in use, lists every command with a line each, and the operations code may use on "
     "that machine. With a COMMAND (with or without its ':', or any unambiguous prefix of it), shows its page: "
     "usage, what it does, an example and related commands.",
     ":help\n:help trace", "apropos show"},
    {"history", ":history [N]", "show the inputs of this session, numbered", cmd_history, U_ANY,
     "Shows the inputs of this session so far (or the last N), numbered from 1, commands and definitions and "
     "code alike, whether they succeeded or not; an input of several lines is shown whole. A script's lines count "
     "as typed. This is the session's own list, not the terminal's history file: it starts empty in each session. "
     "It keeps the last :set history inputs (1000 by default); older ones are dropped, their numbers stay "
     "counted, and a first line says how many are gone when what is asked for goes back past them.",
     ":history\n:history 5", "save load set"},
    {"quit", ":quit [N]", "leave xvm-repl (Ctrl-D does the same)", cmd_quit, U_ANY,
     "Leaves xvm-repl, with exit status N (0 to 255) if given. Otherwise an interactive session exits 0, and a "
     "script exits 1 if any input failed. In a script or a FILE given on the command line, the lines after it are "
     "not read.",
     ":quit\n:quit 3", "help"},
    {"stack", ":stack", "show the REPL stack, bottom first, top last", cmd_stack, U_ANY,
     "Prints the REPL stack: <depth>, then the items, bottom first and top last (push int(4); dup; push int(5); "
     "gives <3> 4 4 5). The stack persists between inputs; an input that is rejected or traps leaves it as it was. "
     "While a :step run is suspended, it shows that run's stack.",
     "push int(4); dup; push int(5);\n:stack", "facts trace"},
    {"facts", ":facts", "the simulated stack (identities, types) and its facts", cmd_facts, U_ANY,
     "Prints the simulated stack the verifier keeps in step with the real one, an identity sN and a type per item "
     "(equal identities are the same value), then the facts known about those items, such as HAS_PARITY(s1) = "
     "EVEN. The next input is verified against exactly this state. While a :step run is suspended, it shows that "
     "run's simulated stack and facts.",
     ".load_modules parity-machine;\n:use parity-machine\npush int(5); pdouble;\n:facts", "stack trace verify"},
    {"use", ":use MACHINE", "run what is typed next over MACHINE (core: go back)", cmd_use, U_ANY,
     "Makes MACHINE the machine in use: code typed next is verified and run with its operations, and the prompt "
     "names it. The stack and its facts stay as they are. core-machine, or core, goes back to the built-in "
     "machine.",
     ".load_modules parity-machine;\n:use parity-machine\n:use core", "machines show graph"},
    {"forth", ":forth", "take what is typed next as Forth, until :xvm", cmd_forth, U_ANY,
     "Selects forth-machine (loading it from stdlib the first time) and takes each input typed next as Forth, "
     "until :xvm; the prompt shows [forth]. A colon definition may go on over several lines until its ;. Words "
     "defined here, by :load FILE.fs or by earlier Forth input are one dictionary, and each colon definition is a "
     "procedure: redefining a word verifies again, and relinks, every word that calls it (docs/forth.md). "
     "xvm-repl --forth starts in this mode.",
     ":forth\n: square ( n -- n*n ) dup * ;\n7 square . cr\n:xvm", "xvm load use"},
    {"xvm", ":xvm", "take what is typed next as XVM again (after :forth)", cmd_xvm, U_ANY,
     "Leaves the Forth mode of :forth: inputs are XVM definitions and code again, over the machine in use "
     "(forth-machine, so the Forth words are procedures to call: call square;).",
     ":xvm\npush int(7); call square; dot;", "forth use"},
    {"machines", ":machines", "list machines (* marks the one in use)", cmd_machines, U_ANY,
     "Lists the machines of the session with their versions: core-machine is built in, and * marks the machine "
     "in use.",
     ":machines", "use show graph"},
    {"modules", ":modules", "list modules", cmd_modules, U_ANY,
     "Lists the modules of the session with their versions.",
     ":modules", "show verify deps module"},
    {"interfaces", ":interfaces", "list interfaces", cmd_interfaces, U_ANY,
     "Lists the interfaces of the session with their versions.",
     ":interfaces", "show deps"},
    {"procedures", ":procedures", "list procedures", cmd_procedures, U_ANY,
     "Lists the procedures of the session with their versions.",
     ":procedures", "show verify"},
    {"show", ":show NAME", "print a definition back in the language, with effects", cmd_show, U_ANY,
     "Prints a definition (interface, module, machine, procedure, lattice or key) back in the language, after a "
     "comment line with its version and principal; for a machine, also the operations it offers. A NAME that is "
     "no definition is looked up as an operation of the machine in use, and shown with its effect.",
     ":show parity-machine\n:show add", "deps graph apropos verify"},
    {"apropos", ":apropos REGEX", "definitions whose name or text matches REGEX", cmd_apropos, U_ANY,
     "Lists the definitions whose name or text matches REGEX, an extended regular expression (TRE), each with its "
     "version and kind.",
     ":apropos ^parity\n:apropos HAS_PARITY", "show machines"},
    {"deps", ":deps NAME", "what NAME depends on, and what depends on it", cmd_deps, U_ANY,
     "Shows what NAME depends on and what depends on it, each with its version and the kind of edge "
     "(uses-interface, instantiates, reads-key, calls-procedure, ...). A redefinition follows these edges to find "
     "what to verify again.",
     ":deps parity-module", "show reload"},
    {"link", ":link [--dry-run] (P, PORT), (C, PORT)", "rewire a port of the machine in use, live", cmd_link, U_ANY,
     "Links the exported PORT of component P to the imported PORT of component C in the machine in use, while it "
     "runs: a redefinition of the machine (a new version, its .link replaced), verified like any other and "
     "relinked in place; the stack, the heap and the components' state stay. With --dry-run it is checked and "
     "reported, and nothing changes. Only the machine's principal may rewire it.",
     ":link --dry-run (cw, binary-mul-port), (tm, binary-op-port)\n:link (cw, binary-mul-port), (tm, binary-op-port)",
     "graph use deps"},
    {"module", ":module [NAME]", "top-level .define_operation goes to module NAME", cmd_module, U_OWN,
     "Selects module NAME: from then on a top-level .define_operation adds an operation to it or replaces one, as "
     "a redefinition of the module (the machines that instantiate it are verified again and relinked). :module "
     "alone stops. Untrusted input may select only an untrusted module.",
     ":module counter-module\n.define_operation port(counter), reset, { push int(0); state_set count; };\n:module",
     "modules reload deps"},
    {"graph", ":graph MACHINE [FILE]", "a machine's components and links as DOT, or into FILE", cmd_graph, U_NOFILE,
     "Prints MACHINE as Graphviz DOT: a cluster per component with a box per port (imports dashed), an edge per "
     "link labelled with its interface, an ellipse per alias with its effect. With FILE it writes there instead: FILE.dot or .gv "
     "gets the DOT text, and .svg, .png or .pdf is drawn by Graphviz's dot, which must be installed. Untrusted input "
     "cannot write files. To pipe the DOT, leave the other messages out: xvm-repl --quiet < script | dot -Tsvg",
     ":graph parity-machine\n:graph parity-machine parity.svg", "show machines deps"},
    {"verify", ":verify NAME", "verify again, printing each basic block's states", cmd_verify, U_ANY,
     "Verifies NAME again and prints each basic block: the state coming in and from where, its instructions, and "
     "the state going out with its facts. NAME is a procedure, a module (each of its operations on its own, its "
     "ports abstract) or a machine (each operation of the components it instantiates, through their links).",
     ".define_procedure sq, (x: int -> y: int), { dup; mul; };\n:verify sq", "facts trace show"},
    {"trust", ":trust [trusted|untrusted]", "set the principal of what is typed next", cmd_trust, U_ANY,
     "Sets the principal of what is typed next; alone, shows it. Untrusted input is held to the trust rules: what it "
     "defines and runs must be over machines marked .access untrusted, and commands that would change the "
     "session's configuration or write files are refused or limited. The switch is the user's, not the code's: a "
     "file cannot hold commands.",
     ":trust untrusted\n:trust\n:trust trusted", "load set"},
    {"trace", ":trace CODE", "run CODE step by step: real and simulated stack, facts", cmd_trace, U_ANY,
     "Verifies CODE like any input, then runs it one instruction at a time, a row per step: where it is, the "
     "instruction (indented inside composite operations), the real stack (RT), the simulated stack (VT) with its "
     "identities, and what the step did at verification time (enter, the tick stack, facts added). The two stacks "
     "have the same shape at every step. :set trace-limit N bounds the number of steps.",
     ":trace push int(2); dup; add; print;", "step facts verify"},
    {"step", ":step [CODE]", "start a run one step at a time, or take one more step", cmd_step, U_ANY,
     "With CODE, verifies it and stops after its first step, printed as :trace prints it; each :step alone takes "
     "one more step. :continue runs the rest, :abandon drops the run.",
     ":step push int(2); dup; add; print;\n:step\n:continue", "trace continue abandon"},
    {"continue", ":continue", "run the stepped run to the end", cmd_continue, U_ANY,
     "Runs the rest of the run started with :step CODE, printing its steps, to the end: the stack is then as if "
     "the code had been typed as an input.",
     ":step push int(2); dup; add; print;\n:continue", "step abandon"},
    {"abandon", ":abandon", "drop the stepped run; the stack is as before it", cmd_abandon, U_ANY,
     "Drops the run started with :step CODE: nothing more of it runs, and the stack is as it was before the run.",
     ":step push int(2); dup; add; print;\n:abandon", "step continue"},
    {"time", ":time CODE", "run CODE and report verification and run time", cmd_time, U_ANY,
     "Runs CODE like any input (verified, then run) and prints how long verification and the run took, in "
     "milliseconds.",
     ":time push int(2); push int(3); add; print;", "trace set"},
    {"set", ":set [NAME VALUE]", "show or change a limit (:set alone lists them)", cmd_set, U_LOWER,
     "Alone, lists every setting with its value and what it bounds (fuel, trace-limit, stack, heap-limit, ...). "
     "With NAME VALUE, changes one within its bounds; where the list says so, 0 means unlimited. Untrusted input "
     "may only make a limit stricter.",
     ":set\n:set fuel 1000000\n:set fuel 0", "time trust gc"},
    {"compile", ":compile [NAME]", "compile procedure NAME to native code now",
     cmd_compile, U_ANY,
     "Compiles the version of procedure NAME in use to native code now and says how long it took; the next calls "
     "run it. When it cannot, the error says why (no LLVM on this machine, an instruction the native tier does not "
     "handle) and the procedure runs on as threaded code. Alone, names the compile policy (:set compile) and counts "
     "what it was asked and what it compiled, with the median and longest compile. :show PROC says which tier each "
     "version runs in.",
     ":compile fib\n:compile", "set show time"},
    {"save", ":save FILE", "write the definitions as a script that rebuilds them", cmd_save, U_NOFILE,
     "Writes the latest version of every definition to FILE as a script that rebuilds them in a fresh xvm-repl: "
     "xvm-repl FILE replays it as typed (xvm-repl -i FILE goes on from there; :load cannot read it, as it holds "
     "commands). Definitions come in dependency order, each as the principal that wrote it (:trust lines), "
     "procedures over the machine they run over (:use lines); stdlib units are loaded by name; the principal, "
     "the machine in use and :module come back at the end. What it cannot carry is printed and written at the top "
     "of FILE: the stack's values (and the heap its refs point into), a suspended :step run, components' state. "
     "Untrusted input cannot write files.",
     ":save session.xvm", "history load show"},
    {"gc", ":gc", "collect garbage now and show the heap size", cmd_gc, U_BARE,
     "Collects garbage now and prints the size of the heap and how much of it is free.",
     ":gc", "set"},
};
static const size_t ncommands = countof(commands);

/* ---- :help ------------------------------------------------------------------------------- */

enum { HELP_WIDTH = 80, HELP_COL = 25 };

/* TEXT appended at column col, lines broken only between words (a word
 * longer than a line gets one of its own) and the next ones indented by
 * indent, so that nothing passes HELP_WIDTH; a '\n' in TEXT breaks the line. */
static void help_wrap(Buf *b, const char *text, size_t col, size_t indent)
{
    bool fresh = true; /* nothing on this line yet but the indentation */
    for (const char *p = text; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t n = *p == '\n' ? 0 : strcspn(p, " \n");
        if (*p == '\n' || (!fresh && col + 1 + n > HELP_WIDTH)) {
            buf_printf(b, "\n%*s", (int)indent, "");
            col = indent;
            fresh = true;
            p += *p == '\n';
            continue;
        }
        if (!fresh)
            buf_putc(b, ' ');
        buf_printf(b, "%.*s", (int)n, p);
        col += n + !fresh;
        fresh = false;
        p += n;
    }
    buf_putc(b, '\n');
}

/* :help COMMAND: usage, the line of the list, what it does, an example and
 * the related commands, all from the command's row. */
static void help_page(Buf *b, const Cmd *cmd)
{
    buf_printf(b, "%s\n  ", cmd->usage);
    help_wrap(b, cmd->help, 2, 2);
    buf_puts(b, "\n  ");
    help_wrap(b, cmd->page, 2, 2);
    buf_puts(b, "\nExample:\n  ");
    help_wrap(b, cmd->example, 2, 2);
    Buf see = {0};
    for (const char *p = cmd->see; *p;) {
        size_t n = strcspn(p, " ");
        buf_printf(&see, "%s:%.*s", see.len ? ", " : "", (int)n, p);
        p += n + (p[n] == ' ');
    }
    buf_puts(b, "See also: ");
    help_wrap(b, buf_str(&see), 10, 2);
}

static void help_overview(Buf *b, const Machine *m)
{
    help_wrap(b, gc_printf("Machine in use: %s (:use MACHINE changes it).", m->name), 0, 2);
    buf_puts(b, "Type code to verify and run it on this machine, e.g.\n"
                "  push int(2); push int(3); add; print;\n"
                "Define procedures with\n"
                "  .define_procedure NAME, (a: int -> r: int), { ... };\n"
                "Commands (any unambiguous prefix works; :help COMMAND explains one):\n");
    for (size_t i = 0; i < ncommands; i++) {
        const char *usage = commands[i].usage;
        if (strlen(usage) > HELP_COL - 3) /* a long usage gets its own line */
            buf_printf(b, "  %s\n%*s", usage, HELP_COL, "");
        else
            buf_printf(b, "  %-*s ", HELP_COL - 3, usage);
        help_wrap(b, commands[i].help, HELP_COL, HELP_COL);
    }
    Buf ops = {0};
    for (uint32_t i = 0; i < m->nops; i++)
        buf_printf(&ops, "%s ", m->ops[i].name);
    buf_printf(b, "Operations of %s:\n  ", m->name);
    help_wrap(b, buf_str(&ops), 2, 2);
}

static Error *cmd_help(CmdCtx *c)
{
    Buf b = {0};
    if (!c->args[0]) {
        help_overview(&b, c->s->machine);
        out_buf(c->s, &b);
        return NULL;
    }
    const char *want = c->args[0] == ':' ? c->args + 1 : c->args;
    int matches;
    const Cmd *cmd = find_command(want, strlen(want), &matches);
    if (cmd && matches == 1) {
        help_page(&b, cmd);
        out_buf(c->s, &b);
        return NULL;
    }
    if (matches > 1)
        return err_hint(err_new(E_USAGE, c->args_span, "':%s' is ambiguous: it could be %s", want,
                                candidates(want, strlen(want))),
                        "type more of the command's name");
    return unknown_command(want, c->args_span);
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

/* :graph MACHINE FILE and :save FILE write a file: that is the user's, not the code's. */
static Error *nofile_refusal(CmdCtx *c, const Cmd *cmd, const char *hint)
{
    if (!strcmp(cmd->name, "save"))
        return err_hint(err_new(E_TRUST, c->args_span, "untrusted input cannot write files: :save would write '%s'",
                                c->args),
                        "%s", hint);
    const char *name, *file;
    Span at;
    Error *e = graph_args(c, &name, &file, &at);
    if (e || !file)
        return e;
    return err_hint(err_new(E_TRUST, at, "untrusted input cannot write files: :graph would write '%s'", file),
                    ":graph %s alone prints the graph; %s", name, hint);
}

/* The one place where commands are refused to an untrusted principal, by
 * the table's `untrusted` column (docs/reference.md, "Untrusted input and
 * commands").  NULL: the command may run. */
static Error *untrusted_refusal(CmdCtx *c, const Cmd *cmd)
{
    Session *s = c->s;
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
        if (st->view || setting_no_looser(st, s, v))
            return NULL;
        uint64_t now = setting_value(st, s);
        return err_hint(err_new(E_TRUST, c->args_span,
                                "untrusted input cannot change limits: %s %s%s would be looser than %s%s",
                                st->name, setting_text(st, v), st->zero_unlimited && !v ? " (unlimited)" : "",
                                setting_text(st, now), st->zero_unlimited && !now ? " (unlimited)" : ""),
                        "untrusted input may only make a limit stricter; %s", hint);
    }
    case U_NOFILE:
        return nofile_refusal(c, cmd, hint);
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

Error *commands_run(Session *s, const char *line, const char *srcname, int lineno)
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
    CmdCtx c = {.s = s, .args = gc_strndup(blanked + aoff, aend - aoff), .src = src,
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
    return e;
}
