/* The fast f64 row kernels for AVX2 and FMA. Built with -mavx2 -mfma. */
#include "../simd/vec_avx2.h"
#include "../simd/rows_f64.inc"
