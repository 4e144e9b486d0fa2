/* The fast f32 row kernels for AArch64 NEON (baseline on AArch64: no extra
 * flags). */
#include "../simd/vec_neon.h"
#include "../simd/rows_f32.inc"
