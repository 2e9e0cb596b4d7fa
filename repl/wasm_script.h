/* wasm_script.h - the WebAssembly spec-script runner (wasm_script.c):
 * `xvm-repl FILE.wast` (docs/wasm.md). */
#ifndef XVM_WASM_SCRIPT_H
#define XVM_WASM_SCRIPT_H

#include "repl.h"

#include <stdio.h>

/* path names a spec script: it ends in .wast. */
bool wasm_script_is_source(const char *path);

/* Run the script in f: each module translated over wasm-machine, each
 * assertion checked; a line per failure (its line and what went wrong),
 * the skipped ones counted by reason, then the line
 * "wast FILE: N passed, N failed, N skipped".  A failure counts as the
 * run's failure (the exit status). */
void wasm_script_run_stream(Repl *r, FILE *f, const char *path);

#endif
