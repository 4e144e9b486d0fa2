/* The fast f32 row kernels for AVX2 + FMA. Built with -mavx2 -mfma. */
#include "../simd/vec_avx2.h"
#include "../simd/rows_f32.inc"
