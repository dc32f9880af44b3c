// OpenBLAS (Debian libopenblas-dev, pthread flavour), seen from Swift. Used by the reference
// runtime's real kernels only.
#ifndef SWARMLAB_COPENBLAS_SHIM_H
#define SWARMLAB_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
