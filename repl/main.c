/* main.c - xvm-repl: options, the script loop and the input protocol.
 *
 * An input is one line, with its continuation lines while brackets are
 * open, typed or read from a script alike (DESIGN §5). */
#include "commands.h"
#include "forth.h"
#include "wasm_script.h"
#include "input.h"
#include "interactive.h"
#include "print.h"
#include "xvm.h"

#include <errno.h>
#include <gc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- options ------------------------------------------------------------------------------ */

static void usage(FILE *o)
{
    fputs("usage: xvm-repl [OPTION]... [FILE]...\n"
          "Build, verify and run XVM machines interactively.\n\n"
          "  FILE...          run each file as a script (as if typed), then exit; a .fs file\n"
          "                   is a Forth program, a .wast file a WebAssembly spec script\n"
          "  -i, --interactive  read from the terminal after the files\n"
          "  --echo           copy each input line to the output, after the prompt\n"
          "  --no-history     do not read or write the history file\n"
          "  --untrusted      start with untrusted input (as :trust untrusted)\n"
          "  --forth          start in Forth mode: each input is Forth until :xvm (as :forth)\n"
          "  --codes          end each error line with its stable code, e.g. [E_TYPE]\n"
          "  --checked        run on the checked executor: every run-time check on\n"
          "  --verify-only    verify every definition and input, run nothing; exit 0\n"
          "                   only if all verify (with no FILE: standard input)\n"
          "  --diagnostics=FORMAT\n"
          "                   print errors as text (the default) or as json: a JSON\n"
          "                   object a line, in the shape of GCC's JSON diagnostics\n"
          "  -q, --quiet      print no informational messages (loaded unit, defined,\n"
          "                   using ...): only results, output and errors\n"
          "  --color=WHEN     colour errors and traces: auto (on a terminal, unless\n"
          "                   NO_COLOR is set), always or never\n"
          "  --help           show this help and exit\n"
          "  --version        show the version and exit\n\n"
          "With no FILE, reads standard input: interactively (readline, history) on a\n"
          "terminal, else as a script with no prompts.  The exit status is N after\n"
          ":quit N; else 0 after an interactive session; else 1 if any input of a\n"
          "script failed; 2 for a usage error or an unreadable file.\n"
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

static int history_size(void)
{
    const char *hs = getenv("XVM_REPL_HISTSIZE");
    return hs && *hs ? atoi(hs) : 1000;
}

#ifndef XVM_STDLIB_DIR
#define XVM_STDLIB_DIR "/usr/local/share/xvm/stdlib"
#endif

/* Where the stdlib is: $XVM_STDLIB, else next to the binary (an
 * uninstalled build: ./xvm-repl or build-asan/xvm-repl in the source tree),
 * else PREFIX/share/xvm/stdlib relative to the binary, else the compiled-in
 * PREFIX.  Paths are made absolute so messages and :show agree. */
static const char *stdlib_dir(void)
{
    const char *env = getenv("XVM_STDLIB");
    if (env && *env)
        return env;
    char exe[4096], real[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            static const char *const near[] = {"%s/stdlib", "%s/../stdlib", "%s/../share/xvm/stdlib"};
            for (size_t i = 0; i < countof(near); i++) {
                const char *dir = gc_printf(near[i], exe);
                if (access(gc_printf("%s/binary-int-op.xvm", dir), R_OK) == 0 && realpath(dir, real))
                    return gc_strdup(real);
            }
        }
    }
    return access(XVM_STDLIB_DIR, R_OK | X_OK) == 0 ? XVM_STDLIB_DIR : NULL;
}

/* :quit N gives N; else a script fails if any input failed, and a session
 * at the terminal does not (a typo there is corrected, not fatal). */
static int exit_status(const Repl *r)
{
    if (r->quit_status_given)
        return r->quit_status;
    return r->failures && !r->interactive ? 1 : 0;
}

/* A file named on the command line: a Forth program (.fs, .fth, .4th), a
 * WebAssembly spec script (.wast) or a script. */
static void run_file(Repl *r, FILE *f, const char *path)
{
    if (forth_is_source(path))
        forth_run_stream(r, f, path);
    else if (wasm_script_is_source(path))
        wasm_script_run_stream(r, f, path);
    else
        input_run_stream(r, f, strcmp(path, "-") ? path : "<stdin>");
}

/* What the command line asks for, besides what goes straight into the Repl. */
typedef struct Options {
    bool force_interactive, no_history, forth;
    Vec files;
} Options;

/* Read the options into r and o: -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, Repl *r, Options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("xvm-repl %s\n", XVM_VERSION);
            return 0;
        } else if (!strcmp(a, "--echo")) {
            r->echo = true;
        } else if (!strcmp(a, "-i") || !strcmp(a, "--interactive")) {
            o->force_interactive = true;
        } else if (!strcmp(a, "--no-history")) {
            o->no_history = true;
        } else if (!strcmp(a, "--checked")) {
            r->s->checked = true;
        } else if (!strcmp(a, "--verify-only")) {
            r->s->verify_only = true;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            r->s->quiet = true;
        } else if (!strcmp(a, "--codes")) {
            r->codes = true;
        } else if (!strcmp(a, "--forth")) {
            o->forth = true;
        } else if (!strcmp(a, "--untrusted")) {
            r->s->principal = PRINCIPAL_UNTRUSTED;
        } else if (print_color_option(a) || print_diagnostics_option(a)) { /* --color=WHEN, --diagnostics=FORMAT */
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "xvm-repl: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            vec_push(&o->files, (void *)a);
        }
    }
    if (r->s->verify_only && o->force_interactive) { /* nothing runs, so there is nothing to watch */
        fputs("xvm-repl: --verify-only reads files or standard input as scripts, never interactively\n", stderr);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    GC_INIT();
    Repl r = {.s = xvm_session(xvm_open(stdout, stdlib_dir(), 0)), .histsize = history_size()};
    Options o = {0};
    int status = parse_options(argc, argv, &r, &o);
    if (status >= 0)
        return status;
    Error *e = o.forth ? forth_mode_start(&r) : NULL; /* --forth: input is Forth */
    if (e)
        print_error(&r, e);
    for (uint32_t i = 0; i < o.files.len && !r.quit; i++) {
        const char *path = o.files.items[i];
        FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
        if (!f) { /* under --diagnostics=json a diagnostic too, so that stderr stays JSON */
            const char *why = gc_printf("cannot open '%s': %s", path, strerror(errno));
            if (print_diagnostics_json())
                print_error(&r, err_new(E_IO, (Span){0}, "%s", why));
            else
                fprintf(stderr, "xvm-repl: %s\n", why);
            return 2;
        }
        run_file(&r, f, path);
        if (f != stdin)
            fclose(f);
    }
    bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !r.s->verify_only;
    if (!r.quit && (o.force_interactive || (!o.files.len && tty))) {
        r.interactive = true;
        r.histfile = o.no_history ? NULL : history_path();
        interactive_run(&r);
    } else if (!r.quit && !o.files.len) {
        input_run_stream(&r, stdin, "<stdin>");
    }
    fflush(stdout);
    return exit_status(&r);
}
