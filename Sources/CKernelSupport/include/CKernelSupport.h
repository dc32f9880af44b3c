// The one machine instruction the event list needs that Swift does not expose.
#ifndef SWARMLAB_CKERNELSUPPORT_H
#define SWARMLAB_CKERNELSUPPORT_H

/// Asks the CPU to bring the cache line holding `p` into the cache for a read soon. A hint:
/// it never faults, whatever `p` points at (freed memory, NULL), and changes no result.
static inline void swarm_prefetch(const void *p) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p, 0, 3);
#else
    (void)p;
#endif
}

#endif
