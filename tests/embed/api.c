/* api.c - the embedding API's edges (tests/sh/embed.sh builds it against
 * the installed library and compares its output with api.out): every
 * status, stack indices, refs, settings, the principal, files. */
#include <xvm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static xvm_State *X;

/* The status and the first error's code and place, on one line. */
static void report(const char *what, int status)
{
    xvm_Error e = {0};
    int n = xvm_errcount(X);
    if (status && xvm_geterror(X, 0, &e))
        printf("%s: status %d, %d error(s): %s %s:%d:%d \"%s\"\n", what, status, n, e.code,
               e.file ? e.file : "-", e.line, e.column, e.message);
    else
        printf("%s: status %d, %d error(s)\n", what, status, n);
}

static void stack(void)
{
    printf("  stack <%d>", xvm_gettop(X));
    for (int i = 1; i <= xvm_gettop(X); i++) {
        if (xvm_type(X, i) == XVM_TREF)
            printf(" <ref %lld words>", (long long)xvm_refwords(X, i));
        else
            printf(" %lld", (long long)xvm_toint(X, i, NULL));
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    X = xvm_new();
    printf("version %s\n", strcmp(xvm_version(), XVM_VERSION_STRING) ? "differs from xvm.h" : "as xvm.h says");
    /* statuses */
    report("run with nothing loaded", xvm_run(X));
    report("syntax error", xvm_load(X, "push int(1;\n", "syn.xvm"));
    report("verify after a failed load", xvm_verify(X));
    report("unknown operation", xvm_dostring(X, "push int(1); frobnicate;", "unk.xvm"));
    report("trap", xvm_dostring(X, "push int(1); push int(0); div; print;", "trap.xvm"));
    report("missing file", xvm_loadfile(X, "/nonexistent/x.xvm"));
    report("unknown machine", xvm_use(X, "no-such-machine"));
    stack();
    /* the stack: ints, refs, indices */
    report("push 7", xvm_pushint(X, 7));
    report("run", xvm_dostring(X, "push int(3); alloc; push int(5);", "heap.xvm"));
    stack();
    printf("  type(1)=%d type(-2)=%d type(-1)=%d type(0)=%d type(9)=%d type(-9)=%d\n", xvm_type(X, 1),
           xvm_type(X, -2), xvm_type(X, -1), xvm_type(X, 0), xvm_type(X, 9), xvm_type(X, -9));
    int isint = 7;
    long long v = (long long)xvm_toint(X, 2, &isint);
    printf("  toint(2)=%lld isint=%d refwords(1)=%lld\n", v, isint, (long long)xvm_refwords(X, 1));
    report("pushvalue 2 (the ref)", xvm_pushvalue(X, 2));
    report("pushvalue 0", xvm_pushvalue(X, 0));
    stack();
    report("the copied ref is a ref to verification too", xvm_dostring(X, "push int(0); load; add; print;", "use.xvm"));
    stack();
    report("an int is no ref", xvm_dostring(X, "push int(1); push int(0); load;", "bad-load.xvm"));
    report("pop 9", xvm_pop(X, 9));
    report("pop 1", xvm_pop(X, 1));
    stack();
    /* verify only: definitions installed, code not run, the stack unchanged */
    report("verify", xvm_load(X, ".define_procedure sq, (x: int -> y: int), { dup; mul; };\n"
                                 "push int(9); call sq; print;", "v.xvm") ?: xvm_verify(X));
    stack();
    report("call sq", xvm_dostring(X, "push int(9); call sq; print;", "c.xvm"));
    for (int i = 0; i < xvm_defcount(X); i++) {
        xvm_Def d;
        xvm_getdef(X, i, &d);
        printf("  def %s %s@v%d %s\n", d.kind, d.name, d.version, d.principal);
    }
    xvm_Def none;
    printf("  getdef(99)=%d getdef(-1)=%d\n", xvm_getdef(X, 99, &none), xvm_getdef(X, -1, &none));
    /* limits */
    uint64_t fuel = 0;
    report("get fuel", xvm_getlimit(X, "fuel", &fuel));
    printf("  fuel=%llu\n", (unsigned long long)fuel);
    report("unknown setting", xvm_setlimit(X, "speed", 1));
    report("nesting out of range", xvm_setlimit(X, "nesting", 0));
    report("fuel 10", xvm_setlimit(X, "fuel", 10));
    report("out of fuel", xvm_dostring(X, "push int(1); while { dup; }, { }; print;",
                                       "loop.xvm"));
    stack();
    report("fuel 0 (unlimited)", xvm_setlimit(X, "fuel", 0));
    report("stack 15 (below the minimum)", xvm_setlimit(X, "stack", 15));
    report("pop 1", xvm_pop(X, 1));
    report("stack 16", xvm_setlimit(X, "stack", 16));
    for (int i = 0; i < 17; i++)
        if (xvm_pushint(X, i))
            report("push past the stack", XVM_EUSAGE);
    printf("  depth %d\n", xvm_gettop(X));
    report("pop 16", xvm_pop(X, 16));
    /* the principal */
    report("untrusted", xvm_setprincipal(X, XVM_UNTRUSTED));
    printf("  principal %d\n", xvm_getprincipal(X));
    report("untrusted code over core-machine",
           xvm_dostring(X, ".define_procedure sq, (x: int -> y: int), { dup; add; };", "u.xvm"));
    report("bad principal", xvm_setprincipal(X, 7));
    report("trusted", xvm_setprincipal(X, XVM_TRUSTED));
    /* a file */
    if (argc > 1)
        report("dofile", xvm_dofile(X, argv[1]));
    stack();
    /* errors: rendered text, bad indices */
    xvm_dostring(X, "label a; label a;", "l.xvm");
    xvm_Error e;
    xvm_Note n;
    printf("  geterror(1)=%d getnote(0,1)=%d getnote(0,0)=%d\n", xvm_geterror(X, 1, &e), xvm_getnote(X, 0, 1, &n),
           xvm_getnote(X, 0, 0, &n));
    printf("%s", xvm_errtext(X, 0));
    printf("  errtext(1)=%s\n", xvm_errtext(X, 1) ? "text" : "NULL");
    xvm_close(X);
    /* two states are independent */
    xvm_State *a = xvm_new(), *b = xvm_new();
    xvm_pushint(a, 1);
    printf("two states: %d %d\n", xvm_gettop(a), xvm_gettop(b));
    xvm_close(a);
    xvm_close(b);
    xvm_close(NULL);
    return 0;
}
