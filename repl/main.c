/* main.c - xvm-repl: options, the script loop and the input protocol.
 *
 * An input is one line, with its continuation lines while brackets are
 * open, typed or read from a script alike (DESIGN §5). */
#include "repl.h"

#include <errno.h>
#include <gc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void repl_print_error(Repl *r, const Error *e)
{
    fflush(r->s->out);
    if (r->interactive && e->code == E_TRAP && strstr(e->msg, "interrupted"))
        fputc('\n', stderr); /* after the terminal's ^C */
    for (; e; e = e->next) {
        Buf b = {0};
        err_render(&b, e);
        if (r->codes) { /* after the first line: "file:l:c: error: msg [E_X]" */
            char *nl = strchr(b.s, '\n');
            Buf c = {0};
            buf_printf(&c, "%.*s [%s]%s", (int)(nl - b.s), b.s, err_code_name(e->code), nl);
            b = c;
        }
        fputs(buf_str(&b), stderr);
    }
    fflush(stderr);
}

const char *repl_prompt(const Repl *r, bool cont)
{
    static char buf[160];
    const Machine *m = r->s->machine;
    const char *name = m == core_machine() ? "core" : m->name;
    snprintf(buf, sizeof buf, "xvm:%.140s%s ", name, cont ? "|" : ">");
    return buf;
}

static bool blank(const char *text)
{
    for (const char *p = text; *p; p++)
        if (!strchr(" \t\r\n", *p))
            return false;
    return true;
}

void repl_submit(Repl *r, const char *text, const char *srcname, int first_line)
{
    const char *p = text;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == ':') {
        repl_command(r, text, srcname, first_line);
        return;
    }
    if (blank(text))
        return;
    Error *e = session_eval(r->s, source_new(srcname, text, strlen(text), first_line));
    if (e) {
        r->failures++;
        repl_print_error(r, e);
    }
}

bool repl_feed_line(Repl *r, const char *line, const char *srcname, int lineno)
{
    if (!r->pending.len)
        r->pending_line = lineno;
    else
        buf_putc(&r->pending, '\n');
    buf_puts(&r->pending, line);
    if (syntax_open_depth(buf_str(&r->pending)) > 0)
        return true;
    const char *text = gc_strdup(buf_str(&r->pending));
    r->pending = (Buf){0};
    repl_submit(r, text, srcname, r->pending_line);
    return false;
}

void repl_flush(Repl *r, const char *srcname)
{
    if (!r->pending.len)
        return;
    const char *text = gc_strdup(buf_str(&r->pending));
    r->pending = (Buf){0};
    repl_submit(r, text, srcname, r->pending_line);
}

#define MAX_LINE (1u << 20)

void repl_run_stream(Repl *r, FILE *f, const char *srcname)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0;
    bool cont = false;
    while (!r->quit && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = 0;
        if (r->echo)
            fprintf(r->s->out, "%s%s\n", repl_prompt(r, cont), line);
        if ((size_t)n > MAX_LINE) {
            Source *src = source_new(srcname, "", 0, lineno);
            repl_print_error(r, err_hint(err_new(E_LIMIT, (Span){.src = src, .line = (uint32_t)lineno, .col = 1},
                                                 "line too long: %zd bytes (the limit is %u)", n, MAX_LINE),
                                         "split the input over several lines"));
            r->failures++;
            continue;
        }
        if (strlen(line) != (size_t)n) {
            Source *src = source_new(srcname, "", 0, lineno);
            repl_print_error(r, err_new(E_SYNTAX, (Span){.src = src, .line = (uint32_t)lineno, .col = 1},
                                        "the line contains a NUL byte"));
            r->failures++;
            continue;
        }
        cont = repl_feed_line(r, line, srcname, lineno);
    }
    free(line);
    repl_flush(r, srcname);
}

/* ---- options ------------------------------------------------------------------------------ */

static void usage(FILE *o)
{
    fputs("usage: xvm-repl [OPTION]... [FILE]...\n"
          "Build, verify and run XVM machines interactively.\n\n"
          "  FILE...          run each file as a script (as if typed), then exit\n"
          "  -i, --interactive  read from the terminal after the files\n"
          "  --echo           copy each input line to the output, after the prompt\n"
          "  --no-history     do not read or write the history file\n"
          "  --untrusted      start with untrusted input (as :trust untrusted)\n"
          "  --codes          end each error line with its stable code, e.g. [E_TYPE]\n"
          "  --help           show this help and exit\n"
          "  --version        show the version and exit\n\n"
          "With no FILE, reads standard input: interactively (readline, history) on a\n"
          "terminal, else as a script with no prompts.  The exit status is 1 if any\n"
          "input failed, 2 for a usage error or an unreadable file.\n"
          "History: $XVM_REPL_HISTFILE, else $XDG_STATE_HOME/xvm-repl/history\n"
          "(~/.local/state/xvm-repl/history); size $XVM_REPL_HISTSIZE (default 1000).\n",
          o);
}

static const char *history_path(void)
{
    const char *f = getenv("XVM_REPL_HISTFILE");
    if (f && *f)
        return f;
    const char *state = getenv("XDG_STATE_HOME");
    if (state && *state)
        return gc_printf("%s/xvm-repl/history", state);
    const char *home = getenv("HOME");
    return home && *home ? gc_printf("%s/.local/state/xvm-repl/history", home) : NULL;
}

#ifndef XVM_STDLIB_DIR
#define XVM_STDLIB_DIR "/usr/local/share/xvm/stdlib"
#endif

/* An uninstalled build finds stdlib/ next to the binary; an installed one
 * finds it under PREFIX/share/xvm. */
static const char *stdlib_dir(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            const char *dir = gc_printf("%s/stdlib", exe);
            if (access(dir, R_OK | X_OK) == 0)
                return dir;
        }
    }
    return access(XVM_STDLIB_DIR, R_OK | X_OK) == 0 ? XVM_STDLIB_DIR : NULL;
}

int main(int argc, char **argv)
{
    GC_INIT();
    Repl r = {.s = session_new(stdout, stdlib_dir()), .histsize = 1000};
    bool force_interactive = false, no_history = false;
    Vec files = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("xvm-repl %s\n", XVM_VERSION);
            return 0;
        } else if (!strcmp(a, "--echo")) {
            r.echo = true;
        } else if (!strcmp(a, "-i") || !strcmp(a, "--interactive")) {
            force_interactive = true;
        } else if (!strcmp(a, "--no-history")) {
            no_history = true;
        } else if (!strcmp(a, "--codes")) {
            r.codes = true;
        } else if (!strcmp(a, "--untrusted")) {
            r.s->principal = PRINCIPAL_UNTRUSTED;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "xvm-repl: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            vec_push(&files, (void *)a);
        }
    }
    const char *hs = getenv("XVM_REPL_HISTSIZE");
    if (hs && *hs)
        r.histsize = atoi(hs);
    for (uint32_t i = 0; i < files.len && !r.quit; i++) {
        const char *path = files.items[i];
        FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
        if (!f) {
            fprintf(stderr, "xvm-repl: cannot open '%s': %s\n", path, strerror(errno));
            return 2;
        }
        repl_run_stream(&r, f, strcmp(path, "-") ? path : "<stdin>");
        if (f != stdin)
            fclose(f);
    }
    bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (!r.quit && (force_interactive || (!files.len && tty))) {
        r.interactive = true;
        r.histfile = no_history ? NULL : history_path();
        repl_interactive(&r);
    } else if (!r.quit && !files.len) {
        repl_run_stream(&r, stdin, "<stdin>");
    }
    fflush(stdout);
    return r.failures ? 1 : 0;
}
