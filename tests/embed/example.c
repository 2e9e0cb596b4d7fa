/* example.c - embedding XVM (docs/embedding.md): a host program that
 * builds a machine from the stdlib, verifies and runs code over it, reads
 * the result off the stack, and shows a rejected input's errors field by
 * field.  Build it against the installed library:
 *
 *     cc example.c $(pkg-config --cflags --libs xvm) -o example
 */
#include <xvm.h>

#include <stdio.h>

/* Every error of the last failed call, one field per line. */
static void show_errors(xvm_State *X)
{
    for (int i = 0; i < xvm_errcount(X); i++) {
        xvm_Error e;
        xvm_geterror(X, i, &e);
        printf("error %d\n", i + 1);
        printf("  code:    %s\n", e.code);
        printf("  message: %s\n", e.message);
        printf("  file:    %s\n", e.file ? e.file : "(none)");
        printf("  line:    %d\n", e.line);
        printf("  column:  %d\n", e.column);
        printf("  end:     %d:%d\n", e.end_line, e.end_column);
        printf("  hint:    %s\n", e.hint ? e.hint : "(none)");
        for (int j = 0; j < e.nnotes; j++) {
            xvm_Note n;
            xvm_getnote(X, i, j, &n);
            printf("  note:    %s (%s:%d:%d)\n", n.message, n.file ? n.file : "-", n.line, n.column);
        }
    }
}

/* Fail loudly: the example must not go on after a surprise. */
static int check(xvm_State *X, int status, const char *what)
{
    if (status != XVM_OK) {
        printf("%s failed with status %d\n", what, status);
        show_errors(X);
    }
    return status == XVM_OK;
}

int main(void)
{
    xvm_State *X = xvm_new(); /* calls GC_INIT; quiet; program output on stdout */
    if (!X)
        return 1;
    printf("xvm %s\n", xvm_version());

    /* A machine: the core machine plus pdouble and pinc (stdlib/parity-machine.xvm). */
    if (!check(X, xvm_dostring(X, ".load_modules parity-machine;", "setup"), "loading parity-machine") ||
        !check(X, xvm_use(X, "parity-machine"), "using parity-machine"))
        return 1;

    /* A procedure over it, and a limit. */
    if (!check(X, xvm_dostring(X, ".define_procedure odd-of, (x: int -> y: int), { pdouble; pinc; };", "defs"),
               "defining odd-of") ||
        !check(X, xvm_setlimit(X, "fuel", 1000000), "setting fuel"))
        return 1;
    for (int i = 0; i < xvm_defcount(X); i++) {
        xvm_Def d;
        xvm_getdef(X, i, &d);
        printf("defined %s %s@v%d (%s)\n", d.kind, d.name, d.version, d.principal);
    }

    /* Push an argument, verify the code without running it, then run it. */
    const char *code = "pdouble; pinc; 'push_key HAS_PARITY; 'push_id 0; 'make_key 2;\n"
                       "'push_val PARITY, ODD; 'make_val 1; 'require \"must be odd\";";
    xvm_pushint(X, 20);
    if (!check(X, xvm_load(X, code, "code"), "loading") || !check(X, xvm_verify(X), "verifying"))
        return 1;
    printf("verified; the stack still holds %d item: %lld\n", xvm_gettop(X), (long long)xvm_toint(X, -1, NULL));
    if (!check(X, xvm_load(X, code, "code"), "loading") || !check(X, xvm_run(X), "running"))
        return 1;
    int isint;
    long long result = (long long)xvm_toint(X, -1, &isint);
    printf("result: %lld (an int: %s), %d item on the stack\n", result, isint ? "yes" : "no", xvm_gettop(X));
    if (!check(X, xvm_dostring(X, "call odd-of; print;", "call"), "calling odd-of"))
        return 1;

    /* A rejected input: 41 is odd, so "must be even" cannot be proved.
     * Nothing runs and nothing changes. */
    int status = xvm_dostring(X, "push int(41);\n'push_key HAS_PARITY; 'push_id 0; 'make_key 2;\n"
                                 "'push_val PARITY, EVEN; 'make_val 1; 'require \"must be even\";",
                              "bad.xvm");
    printf("bad.xvm: status %d (XVM_EVERIFY is %d), stack depth %d\n", status, XVM_EVERIFY, xvm_gettop(X));
    show_errors(X);

    /* Another: an error with a note (where the label was first defined) and a hint. */
    status = xvm_dostring(X, "label a; label a;", "labels.xvm");
    printf("labels.xvm: status %d\n", status);
    show_errors(X);

    xvm_close(X);
    return 0;
}
