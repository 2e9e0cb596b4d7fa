/* wasm_module.h - a WebAssembly text-format module (.wat) translated into
 * XVM definitions over wasm-machine (docs/wasm.md): each function a
 * procedure, memories and globals numbered slots of wasm-module.  The
 * translator resolves names and counts stack heights; it checks no types:
 * the XVM verifier does, on the translated code. */
#ifndef XVM_WASM_MODULE_H
#define XVM_WASM_MODULE_H

#include "gentext.h"
#include "session.h"
#include "wasm_sexpr.h"
#include "wasm_types.h"

/* Translate the module m (a (module ...) list, or NULL with fields given
 * as top-level items of src), define it in s over wasm-machine and run its
 * initialisation.  An error means the module is malformed (E_SYNTAX),
 * invalid (what the verifier said) or failed to start (a trap).  When the
 * module uses what the integer subset lacks, *skip says what (and nothing
 * is defined).  with_exports: also a procedure named as each exported
 * function (:load FILE.wat).  *by_session tells an error of the session
 * (the verifier's, or a trap) from one of the translator's. */
Error *wasm_module_instantiate(Session *s, const Source *src, const WasmSexpr *const *fields, uint32_t nfields,
                               Principal as, bool with_exports, WasmInstance **out, const char **skip,
                               bool *by_session);

/* The function that inst exports as name, or NULL. */
const WasmModuleFunc *wasm_module_export_func(const WasmInstance *inst, const char *name, uint32_t len);

/* path names a WebAssembly text module: it ends in .wat. */
bool wasm_module_is_source(const char *path);

/* :load FILE.wat: the module's exports become procedures of wasm-machine. */
Error *wasm_module_load(Session *s, const Source *src, Principal as);


#endif
