#include "CTestSupport.h"
#if defined(__linux__)
#include <malloc.h>
size_t swarm_malloc_in_use(void) {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}
#else
size_t swarm_malloc_in_use(void) { return 0; }
#endif
