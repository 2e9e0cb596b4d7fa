/* front.c - the embedding API as a front end uses it (tests/sh/embed.sh
 * builds it against the installed library and compares its output with
 * front.out): xvm_input with commands, :history and :quit; flags
 * (verify-only, Forth); the machine and a suspended :step; completion;
 * errors with their source lines and carets.  And its edges, as an
 * attacker would try them: NULL states, a call from inside a call on the
 * same state (an output FILE whose writer calls back), xvm_close from
 * there, inputs over input-bytes, verify-only stacks, errors read after
 * the next call. */
#define _GNU_SOURCE /* fopencookie */
#include <xvm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static xvm_State *X;

static void report(const char *what, int status)
{
    xvm_Error e = {0};
    int n = xvm_errcount(X);
    fflush(stdout);
    if (status && xvm_geterror(X, 0, &e))
        printf("%s: status %d, %d error(s): %s %s:%d:%d \"%s\"\n", what, status, n, e.code,
               e.file ? e.file : "-", e.line, e.column, e.message);
    else
        printf("%s: status %d, %d error(s)\n", what, status, n);
}

/* Every field of error i and its notes, the place with its line and caret. */
static void fields(int i)
{
    xvm_Error e;
    if (!xvm_geterror(X, i, &e)) {
        printf("  no error %d\n", i);
        return;
    }
    printf("  %s at %s %d:%d-%d:%d line \"%s\" caret %d+%d hint %s notes %d\n", e.code, e.file ? e.file : "-",
           e.line, e.column, e.end_line, e.end_column, e.source_line ? e.source_line : "(none)", e.caret_offset,
           e.caret_length, e.hint ? "yes" : "no", e.nnotes);
    for (int j = 0; j < e.nnotes; j++) {
        xvm_Note n;
        xvm_getnote(X, i, j, &n);
        printf("  note \"%s\" at %s %d:%d-%d:%d line \"%s\" caret %d+%d\n", n.message, n.file ? n.file : "-", n.line,
               n.column, n.end_line, n.end_column, n.source_line ? n.source_line : "(none)", n.caret_offset,
               n.caret_length);
    }
    printf("%s", xvm_errtext(X, i));
}

static void completions(const char *line, int start)
{
    int files = -1;
    const char *const *w = xvm_complete(X, line, start, (int)strlen(line), &files);
    printf("  complete \"%s\" at %d:", line, start);
    if (!w)
        printf(" NULL");
    for (int i = 0; w && w[i] && i < 8; i++)
        printf(" %s", w[i]);
    printf("%s\n", files ? " (file names)" : "");
}

/* ---- an output whose writer calls back into the state ----------------------------------- */

static int inner_status[4], ninner;
static int close_inside;

static ssize_t call_back(void *cookie, const char *buf, size_t n)
{
    (void)cookie;
    fwrite(buf, 1, n, stdout);
    if (ninner < 4)
        inner_status[ninner++] = xvm_dostring(X, "push int(1); print;", "inner");
    if (ninner < 4)
        inner_status[ninner++] = xvm_input(X, ":stack", "inner", 1);
    if (close_inside)
        xvm_close(X); /* takes effect when the call under way returns */
    return (ssize_t)n;
}

static FILE *calling_back(void)
{
    FILE *f = fopencookie(NULL, "w", (cookie_io_functions_t){.write = call_back});
    setvbuf(f, NULL, _IONBF, 0); /* each print is a write, while the run is under way */
    return f;
}

static void reentrancy(void)
{
    printf("-- a call from inside a call\n");
    FILE *f = calling_back();
    X = xvm_open(f, NULL, XVM_QUIET);
    report("run that prints into a writer that calls back", xvm_dostring(X, "push int(42); print;", "outer"));
    printf("  inner calls: %d, statuses %d %d; depth after %d\n", ninner, inner_status[0], inner_status[1],
           xvm_gettop(X));
    report("and the state works after", xvm_dostring(X, "push int(5); push int(6); add;", "after"));
    printf("  top %lld\n", (long long)xvm_toint(X, -1, NULL));
    close_inside = 1;
    ninner = 4; /* no more inner calls: only the close */
    int st = xvm_dostring(X, "push int(7); print;", "closing");
    printf("  run that closes its own state from inside: status %d (the state is gone now)\n", st);
    X = NULL;
    fclose(f);
}

/* ---- NULL and unusable states ----------------------------------------------------------------- */

static void null_state(void)
{
    printf("-- no state\n");
    int files = 7, status = 7;
    const char *const *words = xvm_complete(NULL, ":h", 0, 2, &files);
    int asked = xvm_quitasked(NULL, &status);
    printf("  input %d quitasked %d (status %d) machine %s stepping %d complete %s files %d flags %u setflags %d\n",
           xvm_input(NULL, ":stack", NULL, 1), asked, status, xvm_machine(NULL) ? "?" : "NULL", xvm_stepping(NULL),
           words ? "?" : "NULL", files, xvm_getflags(NULL), xvm_setflags(NULL, 0));
    xvm_Error e;
    uint64_t v = 0;
    printf("  load %d run %d gettop %d type %d pushint %d pop %d errcount %d geterror %d errtext %s "
           "getlimit %d principal %d\n",
           xvm_load(NULL, "push int(1);", NULL), xvm_run(NULL), xvm_gettop(NULL), xvm_type(NULL, 1),
           xvm_pushint(NULL, 1), xvm_pop(NULL, 1), xvm_errcount(NULL), xvm_geterror(NULL, 0, &e),
           xvm_errtext(NULL, 0) ? "?" : "NULL", xvm_getlimit(NULL, "fuel", &v), xvm_getprincipal(NULL));
    xvm_interrupt(NULL);
    xvm_close(NULL);
    /* a state asked for in Forth mode, with no forth-machine to load */
    X = xvm_open(stdout, "/nonexistent", XVM_QUIET | XVM_FORTH);
    printf("  Forth mode without a stdlib: flags %u, %d error(s), machine %s\n", xvm_getflags(X), xvm_errcount(X),
           xvm_machine(X));
    xvm_close(X);
}

/* ---- inputs as xvm-repl takes them ------------------------------------------------------------ */

static void inputs(void)
{
    printf("-- inputs\n");
    report("code", xvm_input(X, "push int(2); push int(3);", "typed", 1));
    report("a command", xvm_input(X, ":stack", "typed", 2));
    report("a definition", xvm_input(X, ".define_procedure sq, (x: int -> y: int), {\n  dup; mul;\n};", "typed", 3));
    report("blank", xvm_input(X, "  \n\t", "typed", 6));
    report("an unknown command", xvm_input(X, ":frob", "typed", 7));
    fields(0);
    report("a command's bad argument", xvm_input(X, "  :history two", "typed", 8));
    fields(0);
    report("no text", xvm_input(X, NULL, "typed", 9));
    report("line 0", xvm_input(X, ":stack", "typed", 0));
    report("a setting by command", xvm_input(X, ":set history 4", "typed", 10));
    report(":history", xvm_input(X, ":history", "typed", 11));
    int status = 7, asked = xvm_quitasked(X, &status);
    printf("  quitasked %d status %d\n", asked, status);
    report(":quit 3", xvm_input(X, ":quit 3", "typed", 12));
    asked = xvm_quitasked(X, &status);
    printf("  quitasked %d status %d\n", asked, status);
    report(":quit", xvm_input(X, ":quit", "typed", 13));
    asked = xvm_quitasked(X, &status);
    printf("  quitasked %d status %d\n", asked, status);
    report("the state still works", xvm_input(X, "call sq; print;", "typed", 14));
}

/* ---- error places: a multi-line span, a span at the end of an input --------------------------- */

static void places(void)
{
    printf("-- places\n");
    report("a note with a place", xvm_dostring(X, "label a;\nlabel a;", "twice.xvm"));
    fields(0);
    report("stack 16", xvm_setlimit(X, "stack", 16));
    report("pop", xvm_pop(X, xvm_gettop(X)));
    report("17 pushes", xvm_dostring(X, "push int(1); push int(2); push int(3); push int(4); push int(5); "
                                        "push int(6); push int(7); push int(8); push int(9); push int(10); "
                                        "push int(11); push int(12); push int(13); push int(14); push int(15); "
                                        "push int(16); push int(17);", "deep.xvm"));
    fields(0);
    report("stack back", xvm_setlimit(X, "stack", 262144));
    report("a tab before the place", xvm_dostring(X, "\tpush int(1); nosuch;", "tab.xvm"));
    fields(0);
    xvm_Error kept;
    xvm_geterror(X, 0, &kept);
    report("the next call", xvm_dostring(X, "push int(1); pop;", "ok.xvm"));
    int n = xvm_errcount(X), got = xvm_geterror(X, 0, &kept), into_null = xvm_geterror(X, 0, NULL);
    printf("  errors now %d, geterror(0) %d, geterror(0, NULL) %d; the copy taken before: %s\n", n, got, into_null,
           kept.code);
}

/* ---- flags: verify-only, Forth, interactive ---------------------------------------------------- */

static void flags(void)
{
    printf("-- flags\n");
    printf("  flags %u machine %s stepping %d\n", xvm_getflags(X), xvm_machine(X), xvm_stepping(X));
    report("unknown flag", xvm_setflags(X, 1u << 9));
    report("push 4", xvm_pushint(X, 4));
    report("verify-only on", xvm_setflags(X, XVM_QUIET | XVM_VERIFY_ONLY));
    report("code verifies, does not run", xvm_input(X, "push int(3); alloc; print; push int(3);", "vo", 1));
    report("the simulated stack goes on: <2> int int", xvm_input(X, "add; print;", "vo", 2));
    printf("  gettop %d type(1) %d (the real stack)\n", xvm_gettop(X), xvm_type(X, 1));
    report("push in verify-only mode", xvm_pushint(X, 5));
    report("pop in verify-only mode", xvm_pop(X, 1));
    report("xvm_run in verify-only mode runs nothing", xvm_dostring(X, "push int(8); print;", "vo"));
    report("verify-only off", xvm_setflags(X, XVM_QUIET));
    report("code is verified against the real stack again", xvm_input(X, "add; print;", "real", 1));
    report("xvm_verify leaves the simulated stack too", xvm_load(X, "push int(1);", "v") ?: xvm_verify(X));
    report("so this is verified against <1> int", xvm_dostring(X, "add; print;", "after-verify"));
    report("print", xvm_dostring(X, "print;", "p"));
    report("Forth on", xvm_setflags(X, XVM_QUIET | XVM_FORTH));
    printf("  flags %u machine %s\n", xvm_getflags(X), xvm_machine(X));
    report("a word", xvm_input(X, ": sq ( n -- n ) dup * ;", "f", 1));
    report("use it", xvm_input(X, "7 sq . cr", "f", 2));
    report("a command in Forth mode", xvm_input(X, ":stack", "f", 3));
    report("Forth off", xvm_setflags(X, XVM_QUIET));
    report("core again", xvm_use(X, "core-machine"));
    printf("  flags %u machine %s\n", xvm_getflags(X), xvm_machine(X));
    report(":step", xvm_input(X, ":step push int(1); pop;", "s", 1));
    printf("  stepping %d\n", xvm_stepping(X));
    report("verify-only while stepping", xvm_setflags(X, XVM_QUIET | XVM_VERIFY_ONLY));
    report(":abandon", xvm_input(X, ":abandon", "s", 2));
    printf("  stepping %d\n", xvm_stepping(X));
}

/* A Forth file (xvm_loadfile by its name): run word by word over forth-machine. */
static void forth_file(void)
{
    printf("-- a Forth file\n");
    FILE *f = fopen("square.fs", "w");
    if (!f)
        return;
    fputs(": sq ( n -- n ) dup * ;\n6 sq . cr\n", f);
    fclose(f);
    report("dofile square.fs", xvm_dofile(X, "square.fs"));
    report("loadfile, verify", xvm_loadfile(X, "square.fs") ?: xvm_verify(X));
    f = fopen("bad.fs", "w");
    if (f) {
        fputs(": twice ( n -- n ) dup ;\n", f);
        fclose(f);
    }
    report("a word whose comment is wrong", xvm_dofile(X, "bad.fs"));
    fields(0);
    printf("  machine %s flags %u\n", xvm_machine(X), xvm_getflags(X));
    /* CONSTANT takes the number the code before it left on the real stack:
     * in verify-only mode that code did not run, and the real top is another */
    report("core", xvm_use(X, "core-machine"));
    report("a ref on the real stack", xvm_dostring(X, "push int(3); alloc;", "ref"));
    report("Forth, verify-only", xvm_setflags(X, XVM_QUIET | XVM_FORTH | XVM_VERIFY_ONLY));
    report("10 CONSTANT ten", xvm_input(X, "10 CONSTANT ten", "vo.fs", 1));
    report("back", xvm_setflags(X, XVM_QUIET));
    printf("  top is a ref: %d\n", xvm_type(X, -1) == XVM_TREF);
    report("pop it", xvm_pop(X, 1));
    report("core again", xvm_use(X, "core-machine"));
    remove("square.fs");
    remove("bad.fs");
}

/* ---- completion and big inputs --------------------------------------------------------------- */

static void completion(void)
{
    printf("-- completion\n");
    completions(":his", 0);
    completions(":set hi", 5);
    completions("push int(1); ca", 13);
    completions("call s", 5);
    completions(":load fo", 6);
    completions("", 0);
    printf("  bad ranges: %s %s %s\n", xvm_complete(X, "abc", 2, 1, NULL) ? "list" : "NULL",
           xvm_complete(X, "abc", 0, 9, NULL) ? "list" : "NULL", xvm_complete(X, NULL, 0, 0, NULL) ? "list" : "NULL");
}

static void big(void)
{
    printf("-- big inputs\n");
    report("input-bytes 64", xvm_setlimit(X, "input-bytes", 64));
    char text[200];
    memset(text, ' ', sizeof text - 1);
    text[sizeof text - 1] = 0;
    memcpy(text, "push int(1);", 12);
    report("xvm_input of 199 bytes", xvm_input(X, text, "big", 1));
    report("xvm_load of 199 bytes", xvm_load(X, text, "big"));
    report("input-bytes back", xvm_setlimit(X, "input-bytes", 16777216));
    report("xvm_input of 199 bytes now", xvm_input(X, text, "big", 1));
    printf("  gettop %d\n", xvm_gettop(X));
}

int main(void)
{
    null_state();
    X = xvm_open(stdout, NULL, XVM_QUIET);
    inputs();
    places();
    flags();
    forth_file();
    completion();
    big();
    xvm_close(X);
    reentrancy();
    return 0;
}
