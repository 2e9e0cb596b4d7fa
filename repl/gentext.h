/* gentext.h - XVM text that a front end generates from another language's
 * source (forth.c, wasm_module.c), with the span each piece came from: the
 * text is parsed into the one syntax tree, every node's span is moved back
 * onto the foreign source, and the tree goes through the session, so the
 * verifier checks it and every error points at the foreign source. */
#ifndef XVM_GENTEXT_H
#define XVM_GENTEXT_H

#include "session.h"

typedef struct GentextMap {
    uint32_t gen; /* offset in the generated text */
    Span span;    /* the foreign token it came from */
} GentextMap;

typedef struct Gentext {
    Buf text; /* not yet evaluated */
    GentextMap *map;
    uint32_t nmap, capmap;
} Gentext;

/* Append xvm (and a blank) as coming from at. */
void gentext_emit(Gentext *g, Span at, const char *xvm);

/* Evaluate what is generated so far as one input of principal as, src
 * being the foreign source; then start afresh.  Errors point into src. */
Error *gentext_eval(Gentext *g, Session *s, const Source *src, Principal as);

/* The same, verified with nothing committed and nothing run
 * (session_check_unit). */
Error *gentext_check(Gentext *g, Session *s, const Source *src, Principal as);

/* A procedure name for a foreign name (a Forth word, a Wasm export):
 * itself if XVM can spell it, else w_ and every other character as _XX. */
const char *gentext_name(const char *name);

#endif
