/* The fast f64 row kernels for AVX-512 (F, DQ). Built with -mavx512f -mavx512dq. */
#include "../simd/vec_avx512.h"
#include "../simd/rows_f64.inc"
