#define _GNU_SOURCE
#include "CTestSupport.h"
#include <dlfcn.h>

const char *swarm_library_defining(const char *symbol) {
    void *address = dlsym(RTLD_DEFAULT, symbol);
    Dl_info info;
    if (address == NULL || dladdr(address, &info) == 0) return NULL;
    return info.dli_fname;
}
