/* fuzz_parse - the lexer and parser: no crash, bounded depth, and what
 * parses prints back to text that parses to the same print. */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    GC_INIT();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    const char *text = gc_strndup((const char *)data, size);
    (void)lex_open_depth(text);
    Source *src = source_new("fuzz", text, strlen(text), 1);
    Node *unit;
    Error *e = parse_unit(src, &unit);
    if (e) {
        if (e->code != E_SYNTAX && e->code != E_LIMIT)
            abort();
        static xvm_State *X; /* the same text through the API: its error values and their rendering */
        if (!X)
            X = xvm_open(fuzz_sink(), NULL, XVM_QUIET);
        int st = xvm_load(X, text, "fuzz");
        if (st != (e->code == E_SYNTAX ? XVM_ESYNTAX : XVM_EVERIFY) || !xvm_errtext(X, 0))
            abort(); /* the API sees the same error, and renders it */
        return 0;
    }
    Buf once = {0};
    node_print(&once, unit, 0);
    Node *again;
    if (parse_unit(source_new("fuzz2", buf_str(&once), once.len, 1), &again))
        abort(); /* printed text must parse */
    Buf twice = {0};
    node_print(&twice, again, 0);
    if (strcmp(buf_str(&once), buf_str(&twice)))
        abort(); /* and print the same */
    return 0;
}
