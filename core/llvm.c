/* llvm.c - libLLVM-14 loaded on first use (llvm.h).
 *
 * dlopen instead of linking: LLVM is a large library whose load and
 * relocation would cost every start-up, while most runs never compile. */
#include "llvm.h"

#include <dlfcn.h>
#include <llvm/Config/llvm-config.h>
#include <pthread.h>

#define LLVM_LIBRARY "libLLVM-14.so.1"

LlvmApi llvm_api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *load_error = "LLVM was never loaded";

#define STR_(x) #x
#define STR(x) STR_(x)

static const char *resolve(void *lib, const char *name, void **out)
{
    *out = dlsym(lib, name);
    return *out ? NULL : gc_printf("%s has no %s: is it LLVM 14?", LLVM_LIBRARY, name);
}

static void load(void)
{
    void *lib = dlopen(LLVM_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        load_error = gc_printf("cannot load %s (%s): install libllvm14 (Debian: apt-get install libllvm14)",
                               LLVM_LIBRARY, dlerror());
        return;
    }
    const char *why = NULL;
#define LLVM_LOAD(f) if (!why) why = resolve(lib, "LLVM" #f, (void **)&llvm_api.f);
    LLVM_FUNCTIONS(LLVM_LOAD)
#undef LLVM_LOAD
    /* The host's target, as LLVMInitializeNativeTarget would (that one is
     * inline and names the functions directly). */
    static const char *const init[] = {STR(LLVM_NATIVE_TARGETINFO), STR(LLVM_NATIVE_TARGET),
                                       STR(LLVM_NATIVE_TARGETMC), STR(LLVM_NATIVE_ASMPRINTER)};
    for (size_t i = 0; i < sizeof init / sizeof *init && !why; i++) {
        void (*f)(void);
        why = resolve(lib, init[i], (void **)&f);
        if (!why)
            f();
    }
    load_error = why;
}

const char *llvm_load(void)
{
    pthread_once(&once, load);
    return load_error;
}
