/* native.h - the native tier: LLVM code from verified, flattened bodies (native.c).
 *
 * Native code does what the threaded code does, instruction for
 * instruction: the same heap checks, call-depth and stack limits, the same
 * fuel totals and "out of fuel" place, and the same errors for traps,
 * which it hands to vm.c to build.  It polls vm->interrupt on entry and at
 * backward jumps. */
#ifndef XVM_NATIVE_H
#define XVM_NATIVE_H

#include "vm.h"

/* Loads LLVM on the first call; false (and *why) when it cannot be loaded. */
bool native_available(Error **why);
/* Compile code to native code: on success code->native is set (atomically:
 * a helper thread may call this).  Code whose body has an instruction the
 * native tier does not handle gets an error saying which; it stays threaded.
 * Only procedures and subroutines are compiled (REPL code runs once). */
Error *native_compile(Code *code);
/* Run code's native code for a call from the threaded executor; en as in
 * vm_run_entry.  On a trap the error (the run's, fuel and all). */
Error *native_call(Vm *vm, Code *code, VmEntry *en);
/* Go on with a call of code in its native code, where its threaded code
 * jumped back to the loop head at cell at: en->sp is the top item of the
 * call's frame; out as native_call (the call has returned), *err set on a
 * trap.  false (nothing done) where the native code has no entry there. */
bool native_resume(Vm *vm, Code *code, const Cell *at, VmEntry *en, Error **err);
/* Room on this thread's C stack for native code (which recurses there);
 * false: run the call threaded. */
bool native_fits(void);


#endif
