/* wasm_func.h - one WebAssembly function body translated into the body of
 * its XVM procedure (wasm_func.c); docs/wasm.md says how each instruction
 * maps. */
#ifndef XVM_WASM_FUNC_H
#define XVM_WASM_FUNC_H

#include "gentext.h"
#include "wasm_types.h"

/* Append f's .define_procedure to g. */
Error *wasm_func_translate(WasmInstance *inst, const WasmModuleFunc *f, Gentext *g);

/* The procedure of function index of inst (wK_fI), defined or not: a call
 * of an index the module lacks names a procedure no one defines. */
const char *wasm_func_name(const WasmInstance *inst, uint32_t index);

/* The procedure (-> int) that gives the number of inst's memory, which
 * every memory instruction calls; only a module with a memory defines it,
 * so XVM refuses a memory instruction of one without. */
const char *wasm_func_memory(const WasmInstance *inst);

/* The procedure call_indirect calls for signature sig, given as the
 * module's type (a type index) or inline (-1): one per type, as the
 * module defines the dispatchers of the types it has (registered in
 * inst->dispatchers on first use). */
const char *wasm_func_dispatcher(WasmInstance *inst, WasmModuleSig sig, int64_t type);

/* Append the dispatchers' definitions to g: each compares the table
 * index with every slot (the table is fixed once the module starts).  A
 * module without a table has none. */
void wasm_func_dispatchers(const WasmInstance *inst, Gentext *g, Span at);

#endif
