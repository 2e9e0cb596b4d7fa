/* gc.c - memory from libgc: every long-lived allocation, sizes checked. */
#include "base.h"

#include <gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *oom(size_t n)
{
    /* Out of memory is the one failure no layer can turn into a value. */
    fprintf(stderr, "xvm: out of memory allocating %zu bytes\n", n);
    abort();
}

/* The C library's record of where the main stack starts, which libgc
 * itself prefers on Linux; told it, libgc does not read /proc/self/maps
 * through pthread_getattr_np (a tenth of xvm-repl's start-up). */
extern void *__libc_stack_end;

void gc_start_main(void)
{
    if (GC_is_init_called())
        return;
    if (__libc_stack_end) {
        struct GC_stack_base sb = {.mem_base = __libc_stack_end};
        GC_set_stackbottom(NULL, &sb);
    }
    /* No collection at start-up (of an empty heap, to set up black lists:
     * a sixth of the start-up); the first collection comes when the heap
     * first fills. */
    GC_set_dont_precollect(1);
    GC_INIT();
}

void *gc_alloc(size_t n)
{
    void *p = GC_MALLOC(n ? n : 1);
    return p ? p : oom(n);
}

void *gc_alloc_atomic(size_t n)
{
    void *p = GC_MALLOC_ATOMIC(n ? n : 1);
    if (!p)
        return oom(n);
    memset(p, 0, n ? n : 1);
    return p;
}

void *gc_realloc(void *p, size_t n)
{
    void *q = GC_REALLOC(p, n ? n : 1);
    return q ? q : oom(n);
}

void *gc_calloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total))
        return oom(SIZE_MAX);
    return gc_alloc(total);
}

char *gc_strndup(const char *s, size_t n)
{
    char *d = gc_alloc_atomic(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *gc_strdup(const char *s) { return gc_strndup(s, strlen(s)); }

char *gc_vprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *s = gc_alloc_atomic((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *gc_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = gc_vprintf(fmt, ap);
    va_end(ap);
    return s;
}
