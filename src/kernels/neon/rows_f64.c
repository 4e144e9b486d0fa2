/* The fast f64 row kernels for AArch64 NEON (baseline, no flags). */
#include "../simd/vec_neon.h"
#include "../simd/rows_f64.inc"
