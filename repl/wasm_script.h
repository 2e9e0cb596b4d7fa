/* wasm_script.h - the WebAssembly spec-script runner (wasm_script.c):
 * `xvm-repl FILE.wast` (docs/wasm.md). */
#ifndef XVM_WASM_SCRIPT_H
#define XVM_WASM_SCRIPT_H

#include "session.h"

#include <stdio.h>

/* path names a spec script: it ends in .wast. */
bool wasm_script_is_source(const char *path);

/* Run the script src: each module translated over wasm-machine, each
 * assertion checked; a line per failure (its line and what went wrong),
 * the skipped ones counted by reason, then the line
 * "wast FILE: N passed, N failed, N skipped", on the session's output.
 * *failed: the assertions that failed; the error: a script that cannot be
 * read.  xvm_loadfile takes a .wast file so (the exit status is the API's). */
Error *wasm_script_run(Session *s, const Source *src, uint32_t *failed);

#endif
