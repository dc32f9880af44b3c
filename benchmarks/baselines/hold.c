/*
 * hold.c — plain C11 "hold model" baseline for Swarmlab's event-kernel benchmark.
 *
 * The hold model is the classic priority-queue benchmark for discrete-event kernels:
 * keep N events pending; each step pops the earliest event, advances the clock to its
 * time, and schedules one new event at now + Exp(mean 1 s). The pending count stays N,
 * so the figure measured is the steady-state cost of one pop + one push at size N.
 * Swarmlab's Swift kernel is compared against this program: it is what a careful
 * hand-written C kernel costs on the same machine, with no simulator around it.
 *
 * Design, chosen to match the Swift kernel so the comparison is like for like:
 *   - 4-ary min-heap in one malloc'd array of 16-byte records {int64 time; uint64 seq},
 *     ordered by (time, seq) lexicographically; seq is the insertion counter, so equal
 *     times pop in insertion order (deterministic FIFO tie-breaking).
 *     4-ary: half the depth of a binary heap; the 4 children of a node are 64 contiguous
 *     bytes, i.e. one cache line when the array is 64-byte aligned (which is arranged
 *     below by an offset of 3 records, so children 4i+1..4i+4 of the shifted index start
 *     on a line boundary). 16-byte records: 4 per cache line, no pointer chasing.
 *   - "Hole" sift-up/sift-down: the moving element is held in registers, the hole walks
 *     the tree, and the element is written exactly once at its final position.
 *   - Time is integer nanosecond ticks (int64), as in Swarmlab.
 *   - Exp(1) increments: xoshiro256** (Vigna's reference code) seeded by SplitMix64
 *     from seed 42; u = (x >> 11) * 0x1.0p-53 in [0,1); dt = -log1p(-u) seconds;
 *     ticks = llround(dt * 1e9) (round half away from zero; dt >= 0, so this equals
 *     (int64_t)(dt * 1e9 + 0.5)).
 *
 * Build and run (from the repository root):
 *   cc -O2 -std=c11 -Wall -Wextra -o /tmp/hold benchmarks/baselines/hold.c -lm
 *   /tmp/hold 1000000 10000000            # hold N OPS
 *   HOLD_CHECK=1 /tmp/hold 1000 1000000   # debug: verify popped times never decrease
 *
 * Output (exactly these four lines, parsed by the Swift benchmark driver):
 *   pending N steps OPS seconds T         T with 3 decimals; only the OPS loop is timed
 *   events_per_second E                   integer, OPS / T
 *   peak_rss_kb K                         VmHWM of /proc/self/status (ru_maxrss elsewhere);
 *                                         ru_maxrss on Linux keeps the high-water mark of
 *                                         the process that forked us, VmHWM does not
 *   checksum C                            final now (ticks) XOR number of events popped
 * Bad arguments exit with status 64 (EX_USAGE).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* ---- xoshiro256** 1.0 and SplitMix64 (D. Blackman, S. Vigna; public domain) ---- */

static uint64_t s[4];

static inline uint64_t rotl(const uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t xoshiro_next(void) {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void seed_rng(uint64_t seed) {
    for (int i = 0; i < 4; i++) s[i] = splitmix64(&seed);
}

/* Exp(mean 1 s) in nanosecond ticks. */
static inline int64_t exp_ticks(void) {
    const double u = (double)(xoshiro_next() >> 11) * 0x1.0p-53; /* [0, 1) */
    const double dt = -log1p(-u);                                /* seconds, >= 0 */
    return (int64_t)llround(dt * 1e9);
}

/* ---- 4-ary min-heap of 16-byte records, ordered by (time, seq) ---- */

typedef struct {
    int64_t time;
    uint64_t seq;
} event_t;

_Static_assert(sizeof(event_t) == 16, "event record must be 16 bytes");

static event_t *heap; /* heap[0] is the root; children of i are 4i+1 .. 4i+4 */
static size_t count;
static uint64_t next_seq;

static inline int less(int64_t at, uint64_t as, const event_t *b) {
    return at < b->time || (at == b->time && as < b->seq);
}

static inline void push(int64_t time) {
    const uint64_t seq = next_seq++;
    size_t hole = count++;
    while (hole > 0) {
        const size_t parent = (hole - 1) >> 2;
        if (!less(time, seq, &heap[parent])) break;
        heap[hole] = heap[parent];
        hole = parent;
    }
    heap[hole].time = time;
    heap[hole].seq = seq;
}

/* Removes and returns the minimum; count must be > 0. */
static inline event_t pop(void) {
    const event_t top = heap[0];
    const size_t n = --count;
    if (n == 0) return top;
    const event_t last = heap[n]; /* element to re-insert, held in registers */
    size_t hole = 0;
    for (;;) {
        const size_t first = 4 * hole + 1;
        if (first >= n) break;
        size_t best = first;
        const size_t end = first + 4 < n ? first + 4 : n;
        for (size_t c = first + 1; c < end; c++)
            if (less(heap[c].time, heap[c].seq, &heap[best])) best = c;
        if (!less(heap[best].time, heap[best].seq, &last)) break;
        heap[hole] = heap[best];
        hole = best;
    }
    heap[hole] = last;
    return top;
}

/* ---- driver ---- */

static int parse_count(const char *arg, long long *out) {
    if (arg == NULL || *arg == '\0') return 0;
    char *end = NULL;
    errno = 0;
    /* accept plain integers and scientific shorthand such as 1e6 */
    long long v = strtoll(arg, &end, 10);
    if (errno == 0 && *end == '\0') { *out = v; return 1; }
    errno = 0;
    double d = strtod(arg, &end);
    if (errno != 0 || *end != '\0' || !(d == d) || d != floor(d) || d < -9.0e18 || d > 9.0e18) return 0;
    *out = (long long)d;
    return 1;
}

static void usage(const char *msg) {
    fprintf(stderr, "hold: %s\nusage: hold N OPS   (N >= 1 pending events, OPS >= 0 hold operations)\n", msg);
    exit(64);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    long long n_arg, ops_arg;
    if (argc != 3) usage("expected exactly two arguments");
    if (!parse_count(argv[1], &n_arg)) usage("N is not an integer");
    if (!parse_count(argv[2], &ops_arg)) usage("OPS is not an integer");
    if (n_arg < 1) usage("N must be >= 1");
    if (ops_arg < 0) usage("OPS must be >= 0");
    if ((unsigned long long)n_arg > SIZE_MAX / sizeof(event_t) - 8) usage("N is too large");

    const char *check_env = getenv("HOLD_CHECK");
    const int check = check_env != NULL && strcmp(check_env, "1") == 0;

    const size_t n = (size_t)n_arg;
    const uint64_t ops = (uint64_t)ops_arg;

    /* Allocate 3 spare records in front so that heap[1..4], heap[5..8], ... (each sibling
       group 4i+1..4i+4) start on a 64-byte boundary. */
    void *raw = NULL;
    if (posix_memalign(&raw, 64, (n + 4) * sizeof(event_t)) != 0) {
        fprintf(stderr, "hold: cannot allocate %zu events\n", n);
        return 1;
    }
    heap = (event_t *)raw + 3;
    count = 0;
    next_seq = 0;
    seed_rng(42);

    int64_t now = 0;
    for (size_t i = 0; i < n; i++) push(now + exp_ticks());

    uint64_t popped = 0;
    const double t0 = now_seconds();
    if (!check) {
        for (uint64_t k = 0; k < ops; k++) {
            now = pop().time;
            push(now + exp_ticks());
        }
        popped = ops;
    } else {
        for (uint64_t k = 0; k < ops; k++) {
            const event_t e = pop();
            if (e.time < now) {
                fprintf(stderr, "hold: HOLD_CHECK failed at op %" PRIu64 ": popped time %" PRId64
                        " < now %" PRId64 "\n", k, e.time, now);
                abort();
            }
            now = e.time;
            push(now + exp_ticks());
            if (count != n) {
                fprintf(stderr, "hold: HOLD_CHECK failed at op %" PRIu64 ": %zu pending, expected %zu\n",
                        k, count, n);
                abort();
            }
        }
        popped = ops;
    }
    const double elapsed = now_seconds() - t0;

    long peak_kb = -1;
    FILE *status = fopen("/proc/self/status", "r");
    if (status) {
        char line[256];
        while (fgets(line, sizeof line, status))
            if (sscanf(line, "VmHWM: %ld kB", &peak_kb) == 1) break;
        fclose(status);
    }
    if (peak_kb < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        peak_kb = ru.ru_maxrss;
    }

    const double eps = elapsed > 0 ? (double)ops / elapsed : 0.0;
    printf("pending %zu steps %" PRIu64 " seconds %.3f\n", n, ops, elapsed);
    printf("events_per_second %.0f\n", eps);
    printf("peak_rss_kb %ld\n", peak_kb);
    printf("checksum %" PRIu64 "\n", (uint64_t)now ^ popped);

    free(raw);
    return 0;
}
