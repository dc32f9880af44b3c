// OpenBLAS (Debian libopenblas-dev, pthread flavour), seen from Swift. Used by the reference
// runtime's real kernels only. `cblas.h` declares CBLAS plus OpenBLAS's own extensions
// (`openblas_set_num_threads`, `openblas_get_num_threads`, `openblas_get_config`), which the
// runtime uses to pin its thread count.
#ifndef SWARMLAB_COPENBLAS_SHIM_H
#define SWARMLAB_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
