// Helpers for tests only: how many bytes glibc's malloc has handed out and not taken back.
#ifndef SWARMLAB_CTESTSUPPORT_H
#define SWARMLAB_CTESTSUPPORT_H
#include <stddef.h>
/// Bytes currently allocated through malloc (arena + mmap'ed chunks); 0 off glibc.
size_t swarm_malloc_in_use(void);
/// The path of the shared object that the process resolves `symbol` to, or NULL.
const char *swarm_library_defining(const char *symbol);
/// Starts counting this thread's calls to malloc, calloc, realloc and the aligned
/// allocators (the test binary interposes them; other threads are not counted).
void swarm_malloc_count_start(void);
/// Stops counting and returns the calls counted since the start.
unsigned long long swarm_malloc_count_stop(void);
/// 1 where the interposer works (glibc), else 0.
int swarm_malloc_count_available(void);
#endif
