// Counts calls to the allocator, per thread, while a thread asks for it: the test binary
// defines malloc and its siblings, so every allocation of the process — Swift's runtime, the
// standard library, Foundation — comes here first and is forwarded to glibc's own
// (`__libc_malloc` and friends). Counting is off unless the calling thread turned it on, so
// tests running in parallel on other threads are not counted. Linux/glibc only.
#include "CTestSupport.h"
#include <stdlib.h>   /* defines __GLIBC__ on glibc */
#if defined(__linux__) && defined(__GLIBC__)
#include <errno.h>
#include <unistd.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);
extern void __libc_free(void *);

static __thread int counting;
static __thread unsigned long long allocations;

/* SWARMLAB_MALLOC_TRACE=N (a debugging aid): the stacks of the first N counted calls go to
   stderr, for finding what allocates. */
#include <execinfo.h>
static __thread int tracing;
static long trace_left = -1;
static inline void note(void) {
    if (!counting) return;
    allocations++;
    if (trace_left > 0 && !tracing) {
        tracing = 1; trace_left--;
        void *frames[24];
        int n = backtrace(frames, 24);
        backtrace_symbols_fd(frames, n, 2);
        static const char sep[] = "----\n";
        (void)!write(2, sep, sizeof sep - 1);
        tracing = 0;
    }
}

void *malloc(size_t n) { note(); return __libc_malloc(n); }
void *calloc(size_t k, size_t n) { note(); return __libc_calloc(k, n); }
void *realloc(void *p, size_t n) { note(); return __libc_realloc(p, n); }
void *memalign(size_t a, size_t n) { note(); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { note(); return __libc_memalign(a, n); }
void *valloc(size_t n) { note(); return __libc_valloc(n); }
void *pvalloc(size_t n) { note(); return __libc_pvalloc(n); }
int posix_memalign(void **out, size_t a, size_t n) {
    note();
    if (a < sizeof(void *) || (a & (a - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(a, n);
    if (!p && n) return ENOMEM;
    *out = p;
    return 0;
}
void free(void *p) { __libc_free(p); }

void swarm_malloc_count_start(void) {
    if (trace_left < 0) { const char *t = getenv("SWARMLAB_MALLOC_TRACE"); trace_left = t ? atol(t) : 0; }
    allocations = 0; counting = 1;
}
unsigned long long swarm_malloc_count_stop(void) { counting = 0; return allocations; }
int swarm_malloc_count_available(void) { return 1; }
#else
void swarm_malloc_count_start(void) {}
unsigned long long swarm_malloc_count_stop(void) { return 0; }
int swarm_malloc_count_available(void) { return 0; }
#endif
