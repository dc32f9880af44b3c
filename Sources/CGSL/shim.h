// GSL, seen from Swift. Used by SwarmResults (Student-t quantiles) and, as a test oracle,
// by SwarmKernelTests. Never re-exported: C types stay out of every public Swift API.
#ifndef SWARMLAB_CGSL_SHIM_H
#define SWARMLAB_CGSL_SHIM_H
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

// Swift 6 rejects C global variables as "not concurrency-safe"; hand out the generator
// type through a function instead of `gsl_rng_mt19937`.
static inline const gsl_rng_type *swarm_gsl_rng_mt19937(void) { return gsl_rng_mt19937; }
#endif
