/* wasm_func.h - one WebAssembly function body translated into the body of
 * its XVM procedure (wasm_func.c); docs/wasm.md says how each instruction
 * maps. */
#ifndef XVM_WASM_FUNC_H
#define XVM_WASM_FUNC_H

#include "gentext.h"
#include "wasm_types.h"

/* Append f's .define_procedure to g. */
Error *wasm_func_translate(WasmInstance *inst, const WasmModuleFunc *f, Gentext *g);

/* The procedure call_indirect calls for signature sig (registered in
 * inst->dispatchers on first use). */
const char *wasm_func_dispatcher(WasmInstance *inst, WasmModuleSig sig);

/* Append the dispatchers' definitions to g: each compares the table
 * index with every slot (the table is fixed once the module starts). */
void wasm_func_dispatchers(const WasmInstance *inst, Gentext *g, Span at);

#endif
