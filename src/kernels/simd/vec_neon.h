/* The AArch64 NEON side of the vector helpers used by simd/rows_f32.inc.
 * NEON is part of the AArch64 baseline: no extra compiler flags. Where NEON
 * has no single instruction for a helper (tail loads, gathers), a small
 * buffer or scalar loads stand in. */
#ifndef XENT_VEC_NEON_H
#define XENT_VEC_NEON_H

#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

#define XV_LEN 4
#define XV_NAME(name) xent_neon_##name
typedef float32x4_t xv;
typedef uint32x4_t xv_mask; /* all-ones lanes are set */

static inline xv xv_set1(float v) { return vdupq_n_f32(v); }
static inline xv xv_load(const float *p) { return vld1q_f32(p); }
static inline void xv_store(float *p, xv v) { vst1q_f32(p, v); }
/* rem < XV_LEN elements; the other lanes are `fill` */
static inline xv xv_load_tail(const float *p, int64_t rem, float fill) {
  float buf[XV_LEN] = {fill, fill, fill, fill};
  memcpy(buf, p, (size_t)rem * sizeof *p);
  return vld1q_f32(buf);
}
static inline void xv_store_tail(float *p, xv v, int64_t rem) {
  float buf[XV_LEN];
  vst1q_f32(buf, v);
  memcpy(p, buf, (size_t)rem * sizeof *p);
}
static inline xv xv_add(xv a, xv b) { return vaddq_f32(a, b); }
static inline xv xv_sub(xv a, xv b) { return vsubq_f32(a, b); }
static inline xv xv_mul(xv a, xv b) { return vmulq_f32(a, b); }
/* max/min return the SECOND operand when either is NaN (and when the two
 * compare equal, as +0 and -0 do), exactly as x86's maxps/minps: NEON's
 * vmaxq_f32 would return NaN from either side and vmaxnmq_f32 the number, so
 * both are spelled as a compare and a select. The kernels put constants
 * first so that a NaN input survives, and rely on min() dropping a NaN first
 * operand (log_softmax_backward); with these definitions every ISA takes the
 * same branch on every input. */
static inline xv xv_max(xv a, xv b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
static inline xv xv_min(xv a, xv b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
/* a * b + c and c - a * b, each rounded once (vfmaq/vfmsq are fused) */
static inline xv xv_fmadd(xv a, xv b, xv c) { return vfmaq_f32(c, a, b); }
static inline xv xv_fnmadd(xv a, xv b, xv c) { return vfmsq_f32(c, a, b); }
/* to the nearest integer, ties to even */
static inline xv xv_round(xv a) { return vrndnq_f32(a); }
/* a * 2^n for integral n in [-150, 128]: two factors 2^(n/2) and 2^(n - n/2),
 * each a normal float, so results reach the subnormal range (the product
 * a * 2^(n/2) is exact; only the second multiplication rounds). */
static inline xv xv_scale2(xv a, xv n) {
  int32x4_t ni = vcvtnq_s32_f32(n);
  int32x4_t n1 = vshrq_n_s32(ni, 1), n2 = vsubq_s32(ni, n1);
  int32x4_t bias = vdupq_n_s32(127);
  xv f1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
  xv f2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
  return vmulq_f32(vmulq_f32(a, f1), f2);
}
/* unordered not-equal: set where either is NaN */
static inline xv_mask xv_neq(xv a, xv b) { return vmvnq_u32(vceqq_f32(a, b)); }
static inline xv xv_select(xv_mask m, xv if_set, xv if_clear) {
  return vbslq_f32(m, if_set, if_clear);
}
/* a + b in the lanes of m, a in the others */
static inline xv xv_add_where(xv a, xv_mask m, xv b) {
  return xv_add(a, xv_select(m, b, xv_set1(0.0f)));
}
/* v[i] = base[i * stride] for every lane (stride in elements) */
static inline xv xv_gather(const float *base, int64_t stride) {
  float lanes[XV_LEN] = {base[0], base[stride], base[2 * stride], base[3 * stride]};
  return vld1q_f32(lanes);
}
static inline xv xv_from_int(const int32_t *p) { return vcvtq_f32_s32(vld1q_s32(p)); }
/* ordered equal: clear where either is NaN */
static inline xv_mask xv_eq(xv a, xv b) { return vceqq_f32(a, b); }
static inline xv_mask xv_finite(xv a) { /* not NaN and not infinite */
  return vceqq_f32(vsubq_f32(a, a), vdupq_n_f32(0.0f));
}
static inline int xv_mask_all(xv_mask m) { return vminvq_u32(m) == UINT32_MAX; }
static inline xv xv_div(xv a, xv b) { return vdivq_f32(a, b); }
/* a = f * 2^e with f in [1, 2), for positive finite normal a */
static inline xv xv_getexp(xv a) {
  int32x4_t e = vreinterpretq_s32_u32(vshrq_n_u32(vreinterpretq_u32_f32(a), 23));
  return vcvtq_f32_s32(vsubq_s32(e, vdupq_n_s32(127)));
}
static inline xv xv_getmant(xv a) {
  uint32x4_t bits = vandq_u32(vreinterpretq_u32_f32(a), vdupq_n_u32(0x007fffff));
  return vreinterpretq_f32_u32(vorrq_u32(bits, vdupq_n_u32(0x3f800000)));
}
/* index of the first set lane, or -1 */
static inline int xv_mask_first(xv_mask m) {
  const uint32_t weights[XV_LEN] = {1, 2, 4, 8};
  unsigned bits = vaddvq_u32(vandq_u32(m, vld1q_u32(weights)));
  return bits ? __builtin_ctz(bits) : -1;
}
/* No non-temporal store is used on NEON: a plain store. */
static inline void xv_stream(float *p, xv v) { vst1q_f32(p, v); }
static inline void xv_stream_fence(void) {}
#define XV_ALIGN 16
/* number of set lanes */
static inline int xv_mask_count(xv_mask m) { return (int)vaddvq_u32(vshrq_n_u32(m, 31)); }
/* the largest lane; the kernels only reduce vectors free of NaN (row_max's
 * accumulators drop NaN through xv_max) */
static inline float xv_hmax(xv v) { return vmaxvq_f32(v); }
static inline void xv_to_array(float *out, xv v) { vst1q_f32(out, v); }

/* Accumulates a float vector into double lanes (exact conversion, so the
 * only rounding is the double add): lanes 0-1 in lo, 2-3 in hi. */
typedef struct { float64x2_t lo, hi; } xv_dsum;
static inline xv_dsum xv_dsum_zero(void) { return (xv_dsum){vdupq_n_f64(0.0), vdupq_n_f64(0.0)}; }
static inline void xv_dsum_add(xv_dsum *s, xv v) {
  s->lo = vaddq_f64(s->lo, vcvt_f64_f32(vget_low_f32(v)));
  s->hi = vaddq_f64(s->hi, vcvt_high_f64_f32(v));
}
/* per lane: (float)(1 / (c + s)) and (float)s */
static inline xv xv_dsum_recip_plus(xv_dsum s, xv c) {
  float64x2_t one = vdupq_n_f64(1.0);
  float64x2_t lo = vdivq_f64(one, vaddq_f64(vcvt_f64_f32(vget_low_f32(c)), s.lo));
  float64x2_t hi = vdivq_f64(one, vaddq_f64(vcvt_high_f64_f32(c), s.hi));
  return vcvt_high_f32_f64(vcvt_f32_f64(lo), hi);
}
static inline xv xv_dsum_round(xv_dsum s) { return vcvt_high_f32_f64(vcvt_f32_f64(s.lo), s.hi); }
static inline double xv_dsum_total(xv_dsum s) { return vaddvq_f64(vaddq_f64(s.lo, s.hi)); }

/* 2^n from k = MAGIC + n (see exp_narrow): the low bits of k, shifted into
 * the exponent field */
static inline xv xv_pow2_bits(xv k) {
  return vreinterpretq_f32_s32(vshlq_n_s32(vreinterpretq_s32_f32(k), 23));
}

/* ---- f64 (simd/rows_f64.inc): two doubles a vector ---- */
#define XD_LEN 2
typedef float64x2_t xd;
static inline xd xd_set1(double v) { return vdupq_n_f64(v); }
static inline xd xd_load(const double *p) { return vld1q_f64(p); }
static inline void xd_store(double *p, xd v) { vst1q_f64(p, v); }
/* rem < XD_LEN elements; the other lanes are `fill` */
static inline xd xd_load_tail(const double *p, int64_t rem, double fill) {
  double buf[XD_LEN] = {fill, fill};
  memcpy(buf, p, (size_t)rem * sizeof *p);
  return vld1q_f64(buf);
}
static inline void xd_store_tail(double *p, xd v, int64_t rem) {
  double buf[XD_LEN];
  vst1q_f64(buf, v);
  memcpy(p, buf, (size_t)rem * sizeof *p);
}
static inline xd xd_add(xd a, xd b) { return vaddq_f64(a, b); }
static inline xd xd_sub(xd a, xd b) { return vsubq_f64(a, b); }
static inline xd xd_mul(xd a, xd b) { return vmulq_f64(a, b); }
/* the second operand when either is NaN, as x86's maxpd/minpd (see xv_max) */
typedef uint64x2_t xd_mask; /* all-ones lanes are set */
static inline xd_mask xd_eq(xd a, xd b) { return vceqq_f64(a, b); }
static inline xd xd_select(xd_mask m, xd if_set, xd if_clear) { return vbslq_f64(m, if_set, if_clear); }
static inline xd xd_div(xd a, xd b) { return vdivq_f64(a, b); }
static inline xd xd_max(xd a, xd b) { return vbslq_f64(vcgtq_f64(a, b), a, b); }
static inline xd xd_min(xd a, xd b) { return vbslq_f64(vcltq_f64(a, b), a, b); }
static inline xd xd_fmadd(xd a, xd b, xd c) { return vfmaq_f64(c, a, b); }
static inline xd xd_fnmadd(xd a, xd b, xd c) { return vfmsq_f64(c, a, b); }
static inline double xd_hmax(xd v) { return vmaxvq_f64(v); }
static inline void xd_to_array(double *out, xd v) { vst1q_f64(out, v); }
/* 2^n from k = MAGIC + n (see rows_f64.inc): k's low bits into the exponent */
static inline xd xd_pow2_bits(xd k) {
  return vreinterpretq_f64_s64(vshlq_n_s64(vreinterpretq_s64_f64(k), 52));
}

#endif
