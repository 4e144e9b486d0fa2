/*
 * Run-time choice of the fast kernels: detect the CPU once, fall from the
 * widest instruction set to the reference kernels, and let XENT_ISA cap the
 * choice so every variant can be tested on one machine.
 */
#include "kernels.h"
#include "xent.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#ifdef XENT_X86_KERNELS
static const xent_f32_kernels avx512 = {
    "avx512", 16, xent_avx512_softmax_f32, xent_avx512_log_softmax_f32,
    xent_avx512_sparse_ce_f32, xent_avx512_sparse_ce_rows_f32, xent_avx512_logsumexp_f32, xent_avx512_softmax_small_f32,
    xent_avx512_log_softmax_small_f32, xent_avx512_sparse_ce_small_f32,
    xent_avx512_sigmoid_ce_flat_f32, xent_avx512_softmax_backward_f32,
    xent_avx512_log_softmax_backward_f32, xent_avx512_dense_ce_f32, xent_avx512_argmax_f32};
static const xent_f32_kernels avx2 = {
    "avx2", 8, xent_avx2_softmax_f32, xent_avx2_log_softmax_f32, xent_avx2_sparse_ce_f32,
    xent_avx2_sparse_ce_rows_f32, xent_avx2_logsumexp_f32,
    xent_avx2_softmax_small_f32, xent_avx2_log_softmax_small_f32,
    xent_avx2_sparse_ce_small_f32, xent_avx2_sigmoid_ce_flat_f32,
    xent_avx2_softmax_backward_f32, xent_avx2_log_softmax_backward_f32,
    xent_avx2_dense_ce_f32, xent_avx2_argmax_f32};
#endif
#ifdef XENT_NEON_KERNELS
static const xent_f32_kernels neon = {
    "neon", 4, xent_neon_softmax_f32, xent_neon_log_softmax_f32, xent_neon_sparse_ce_f32,
    xent_neon_sparse_ce_rows_f32, xent_neon_logsumexp_f32,
    xent_neon_softmax_small_f32, xent_neon_log_softmax_small_f32,
    xent_neon_sparse_ce_small_f32, xent_neon_sigmoid_ce_flat_f32,
    xent_neon_softmax_backward_f32, xent_neon_log_softmax_backward_f32,
    xent_neon_dense_ce_f32, xent_neon_argmax_f32};
#endif
#ifdef XENT_X86_KERNELS
static const xent_f64_kernels avx512_f64 = {xent_avx512_softmax_f64, xent_avx512_log_softmax_f64,
    xent_avx512_logsumexp_f64, xent_avx512_sparse_ce_f64};
static const xent_f64_kernels avx2_f64 = {xent_avx2_softmax_f64, xent_avx2_log_softmax_f64,
    xent_avx2_logsumexp_f64, xent_avx2_sparse_ce_f64};
#endif
#ifdef XENT_NEON_KERNELS
static const xent_f64_kernels neon_f64 = {xent_neon_softmax_f64, xent_neon_log_softmax_f64,
    xent_neon_logsumexp_f64, xent_neon_sparse_ce_f64};
#endif

enum { ISA_SCALAR = 1, ISA_AVX2 = 2, ISA_AVX512 = 3, ISA_NEON = 4 };

static int detect(void) {
#if defined(XENT_X86_KERNELS) && defined(__GNUC__)
  __builtin_cpu_init();
  int best = ISA_SCALAR;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = ISA_AVX2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) best = ISA_AVX512;
#elif defined(XENT_NEON_KERNELS)
  int best = ISA_NEON; /* part of the AArch64 baseline */
#else
  int best = ISA_SCALAR;
#endif
  const char *cap = getenv("XENT_ISA");
  if (cap) { /* names of other instruction sets, and unknown values, do not cap */
    if (!strcmp(cap, "scalar")) best = ISA_SCALAR;
    else if (!strcmp(cap, "avx2") && best == ISA_AVX512) best = ISA_AVX2;
  }
  return best;
}

/* The one piece of global state: written once (racing writers store the same
 * value). */
static atomic_int chosen;

static int isa(void) {
  int v = atomic_load_explicit(&chosen, memory_order_acquire);
  if (!v) {
    v = detect();
    atomic_store_explicit(&chosen, v, memory_order_release);
  }
  return v;
}

const xent_f32_kernels *xent__fast_f32(void) {
#if defined(XENT_X86_KERNELS)
  switch (isa()) {
    case ISA_AVX512: return &avx512;
    case ISA_AVX2: return &avx2;
    default: return NULL;
  }
#elif defined(XENT_NEON_KERNELS)
  return isa() == ISA_NEON ? &neon : NULL;
#else
  (void)isa();
  return NULL;
#endif
}

/* Follows the f32 choice, so that one XENT_ISA caps both. */
const xent_f64_kernels *xent__fast_f64(void) {
  const xent_f32_kernels *k = xent__fast_f32();
#if defined(XENT_X86_KERNELS)
  if (k == &avx512) return &avx512_f64;
  if (k == &avx2) return &avx2_f64;
#elif defined(XENT_NEON_KERNELS)
  if (k == &neon) return &neon_f64;
#endif
  (void)k;
  return NULL;
}

const char *xent_isa(void) {
  const xent_f32_kernels *k = xent__fast_f32();
  return k ? k->isa : "scalar";
}
