/* main.c - xvm-repl: options, the script loop and the input protocol.
 *
 * An input is one line, with its continuation lines while brackets are
 * open, typed or read from a script alike (DESIGN §5). */
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
          "  --compile=POLICY when procedures become native code: eager, after-n (the\n"
          "                   default), never or background (as :set compile POLICY)\n"
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
    if (r->quit_status >= 0)
        return r->quit_status;
    return r->failures && !r->interactive ? 1 : 0;
}

/* xvm-repl FILE.fs: the program runs as gforth would run it, printing
 * only its own output, for as long as it takes (Ctrl-C still stops it);
 * xvm-repl FILE.wast: the spec script prints its own report. */
static void run_front_file(Repl *r, const char *path)
{
    unsigned flags = xvm_getflags(r->X);
    uint64_t fuel = input_limit(r, "fuel");
    xvm_setflags(r->X, flags | XVM_QUIET);
    xvm_setlimit(r->X, "fuel", 0);
    int st = xvm_dofile(r->X, path);
    if (st) {
        input_print_errors(r);
        r->failures++;
    }
    xvm_setflags(r->X, flags);
    xvm_setlimit(r->X, "fuel", fuel);
}

/* A file named on the command line: a Forth program (.fs, .fth, .4th), a
 * WebAssembly spec script (.wast) or a script. */
static void run_file(Repl *r, FILE *f, const char *path)
{
    if (forth_is_source(path) || wasm_script_is_source(path))
        run_front_file(r, path);
    else
        input_run_stream(r, f, strcmp(path, "-") ? path : "<stdin>");
}

/* What the command line asks for, besides what goes straight into the Repl. */
typedef struct Options {
    bool force_interactive, no_history, forth, untrusted;
    const char *compile; /* --compile=POLICY */
    unsigned flags; /* of xvm_open */
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
            printf("xvm-repl %s\n", xvm_version());
            return 0;
        } else if (!strcmp(a, "--echo")) {
            r->echo = true;
        } else if (!strcmp(a, "-i") || !strcmp(a, "--interactive")) {
            o->force_interactive = true;
        } else if (!strcmp(a, "--no-history")) {
            o->no_history = true;
        } else if (!strcmp(a, "--checked")) {
            o->flags |= XVM_CHECKED;
        } else if (!strcmp(a, "--verify-only")) {
            o->flags |= XVM_VERIFY_ONLY;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->flags |= XVM_QUIET;
        } else if (!strcmp(a, "--codes")) {
            r->codes = true;
        } else if (!strcmp(a, "--forth")) {
            o->forth = true;
        } else if (!strcmp(a, "--untrusted")) {
            o->untrusted = true;
        } else if (!strncmp(a, "--compile=", 10)) {
            uint64_t v;
            if (!config_value_parse(&config_settings[CONFIG_COMPILE], a + 10, &v)) {
                fprintf(stderr, "xvm-repl: --compile takes eager, after-n, never or background, not '%s' (a policy "
                                "of your own: :set compile NAME once it is defined)\n", a + 10);
                return 2;
            }
            o->compile = a + 10;
        } else if (print_color_option(a) || print_diagnostics_option(a)) { /* --color=WHEN, --diagnostics=FORMAT */
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "xvm-repl: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            vec_push(&o->files, (void *)a);
        }
    }
    if ((o->flags & XVM_VERIFY_ONLY) && o->force_interactive) { /* nothing runs, so there is nothing to watch */
        fputs("xvm-repl: --verify-only reads files or standard input as scripts, never interactively\n", stderr);
        return 2;
    }
    return -1;
}

/* The file named on the command line cannot be opened: status 2.  Under
 * --diagnostics=json a diagnostic too, so that stderr stays JSON. */
static int cannot_open(Repl *r, const char *path)
{
    const char *why = gc_printf("cannot open '%s': %s", path, strerror(errno));
    if (print_diagnostics_json())
        print_problem(r, &(xvm_Error){.code = "E_IO", .message = why}, NULL);
    else
        fprintf(stderr, "xvm-repl: %s\n", why);
    return 2;
}

/* The session the options ask for; NULL if out of memory. */
static xvm_State *open_state(Repl *r, const Options *o)
{
    xvm_State *X = xvm_open(stdout, stdlib_dir(), o->flags);
    if (X && o->untrusted)
        xvm_setprincipal(X, XVM_UNTRUSTED);
    uint64_t policy;
    if (X && o->compile && config_value_parse(&config_settings[CONFIG_COMPILE], o->compile, &policy) &&
        xvm_setlimit(X, "compile", policy))
        input_print_errors(r);
    r->X = X;
    if (X && o->forth && xvm_setflags(X, o->flags | XVM_FORTH)) /* --forth: input is Forth */
        input_print_errors(r);
    return X;
}

int main(int argc, char **argv)
{
    gc_start_main();
    Repl r = {.out = stdout, .quit_status = -1, .histsize = history_size()};
    Options o = {0};
    int status = parse_options(argc, argv, &r, &o);
    if (status >= 0)
        return status;
    if (!open_state(&r, &o)) {
        fputs("xvm-repl: out of memory\n", stderr);
        return 2;
    }
    for (uint32_t i = 0; i < o.files.len && !r.quit; i++) {
        const char *path = o.files.items[i];
        FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
        if (!f)
            return cannot_open(&r, path);
        run_file(&r, f, path);
        if (f != stdin)
            fclose(f);
    }
    bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !(o.flags & XVM_VERIFY_ONLY);
    if (!r.quit && (o.force_interactive || (!o.files.len && tty))) {
        r.interactive = true;
        xvm_setflags(r.X, xvm_getflags(r.X) | XVM_INTERACTIVE);
        r.histfile = o.no_history ? NULL : history_path();
        interactive_run(&r);
    } else if (!r.quit && !o.files.len) {
        input_run_stream(&r, stdin, "<stdin>");
    }
    fflush(stdout);
    return exit_status(&r);
}
