/* The AVX2 + FMA side of the vector helpers used by simd/rows_f32.inc. */
#ifndef XENT_VEC_AVX2_H
#define XENT_VEC_AVX2_H

#include <immintrin.h>
#include <stdint.h>

#define XV_LEN 8
#define XV_NAME(name) xent_avx2_##name
typedef __m256 xv;
typedef __m256 xv_mask; /* all-ones lanes are set */

static inline xv xv_set1(float v) { return _mm256_set1_ps(v); }
static inline xv xv_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void xv_store(float *p, xv v) { _mm256_storeu_ps(p, v); }
static inline __m256i xv_tail_imask(int64_t rem) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline xv xv_load_tail(const float *p, int64_t rem, float fill) {
  __m256i m = xv_tail_imask(rem);
  return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
}
static inline void xv_store_tail(float *p, xv v, int64_t rem) {
  _mm256_maskstore_ps(p, xv_tail_imask(rem), v);
}
static inline xv xv_add(xv a, xv b) { return _mm256_add_ps(a, b); }
static inline xv xv_sub(xv a, xv b) { return _mm256_sub_ps(a, b); }
static inline xv xv_mul(xv a, xv b) { return _mm256_mul_ps(a, b); }
static inline xv xv_max(xv a, xv b) { return _mm256_max_ps(a, b); }
static inline xv xv_min(xv a, xv b) { return _mm256_min_ps(a, b); }
static inline xv xv_fmadd(xv a, xv b, xv c) { return _mm256_fmadd_ps(a, b, c); }
static inline xv xv_fnmadd(xv a, xv b, xv c) { return _mm256_fnmadd_ps(a, b, c); }
static inline xv xv_round(xv a) {
  return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
/* a * 2^n for integral n in [-150, 128]: two factors 2^(n/2) and 2^(n - n/2),
 * each a normal float, so results reach the subnormal range. */
static inline xv xv_scale2(xv a, xv n) {
  __m256i ni = _mm256_cvtps_epi32(n);
  __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
  __m256i bias = _mm256_set1_epi32(127);
  xv f1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
  xv f2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(a, f1), f2);
}
static inline xv_mask xv_neq(xv a, xv b) { return _mm256_cmp_ps(a, b, _CMP_NEQ_UQ); }
static inline xv xv_select(xv_mask m, xv if_set, xv if_clear) {
  return _mm256_blendv_ps(if_clear, if_set, m);
}
/* a + b in the lanes of m, a in the others */
static inline xv xv_add_where(xv a, xv_mask m, xv b) {
  return xv_add(a, xv_select(m, b, xv_set1(0.0f)));
}
/* v[i] = base[i * stride] for every lane (stride in elements) */
static inline xv xv_gather(const float *base, int64_t stride) {
  __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                   _mm256_set1_epi32((int)stride));
  return _mm256_i32gather_ps(base, idx, 4);
}
static inline xv xv_from_int(const int32_t *p) {
  return _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)p));
}
static inline xv_mask xv_eq(xv a, xv b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
static inline xv_mask xv_finite(xv a) {
  return _mm256_cmp_ps(_mm256_sub_ps(a, a), _mm256_setzero_ps(), _CMP_EQ_OQ);
}
static inline int xv_mask_all(xv_mask m) { return _mm256_movemask_ps(m) == 0xff; }
static inline xv xv_div(xv a, xv b) { return _mm256_div_ps(a, b); }
/* a = f * 2^e with f in [1, 2), for positive finite normal a */
static inline xv xv_getexp(xv a) {
  __m256i bits = _mm256_castps_si256(a);
  return _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
}
static inline xv xv_getmant(xv a) {
  __m256i bits = _mm256_castps_si256(a);
  bits = _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
                         _mm256_set1_epi32(0x3f800000));
  return _mm256_castsi256_ps(bits);
}
/* index of the first set lane, or -1 */
static inline int xv_mask_first(xv_mask m) {
  unsigned bits = (unsigned)_mm256_movemask_ps(m);
  return bits ? __builtin_ctz(bits) : -1;
}
/* Non-temporal store (p aligned to 32 bytes): the line goes to memory without
 * being read first; xv_stream_fence() orders such stores before returning. */
static inline void xv_stream(float *p, xv v) { _mm256_stream_ps(p, v); }
static inline void xv_stream_fence(void) { _mm_sfence(); }
#define XV_ALIGN 32
/* number of set lanes */
static inline int xv_mask_count(xv_mask m) { return __builtin_popcount((unsigned)_mm256_movemask_ps(m)); }
static inline float xv_hmax(xv v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}
static inline void xv_to_array(float *out, xv v) { _mm256_storeu_ps(out, v); }

/* Accumulates a float vector into double lanes (exact conversion, so the
 * only rounding is the double add). */
typedef struct { __m256d lo, hi; } xv_dsum;
static inline xv_dsum xv_dsum_zero(void) { return (xv_dsum){_mm256_setzero_pd(), _mm256_setzero_pd()}; }
static inline void xv_dsum_add(xv_dsum *s, xv v) {
  s->lo = _mm256_add_pd(s->lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
  s->hi = _mm256_add_pd(s->hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}
/* per lane: (float)(1 / (c + s)) and (float)s */
static inline xv xv_dsum_recip_plus(xv_dsum s, xv c) {
  __m256d one = _mm256_set1_pd(1.0);
  __m256d lo = _mm256_div_pd(one, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(c)), s.lo));
  __m256d hi = _mm256_div_pd(one, _mm256_add_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(c, 1)), s.hi));
  return _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo));
}
static inline xv xv_dsum_round(xv_dsum s) {
  return _mm256_set_m128(_mm256_cvtpd_ps(s.hi), _mm256_cvtpd_ps(s.lo));
}
static inline double xv_dsum_total(xv_dsum s) {
  double lanes[4];
  _mm256_storeu_pd(lanes, _mm256_add_pd(s.lo, s.hi));
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

/* 2^n from k = MAGIC + n (see exp_narrow): the low bits of k, shifted into
 * the exponent field */
static inline xv xv_pow2_bits(xv k) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(k), 23));
}

/* ---- f64 (simd/rows_f64.inc): four doubles a vector ---- */
#define XD_LEN 4
typedef __m256d xd;
static inline xd xd_set1(double v) { return _mm256_set1_pd(v); }
static inline xd xd_load(const double *p) { return _mm256_loadu_pd(p); }
static inline void xd_store(double *p, xd v) { _mm256_storeu_pd(p, v); }
static inline __m256i xd_tail_imask(int64_t rem) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(rem), _mm256_setr_epi64x(0, 1, 2, 3));
}
/* rem < XD_LEN elements; the other lanes are `fill` */
static inline xd xd_load_tail(const double *p, int64_t rem, double fill) {
  __m256i m = xd_tail_imask(rem);
  return _mm256_blendv_pd(_mm256_set1_pd(fill), _mm256_maskload_pd(p, m), _mm256_castsi256_pd(m));
}
static inline void xd_store_tail(double *p, xd v, int64_t rem) {
  _mm256_maskstore_pd(p, xd_tail_imask(rem), v);
}
static inline xd xd_add(xd a, xd b) { return _mm256_add_pd(a, b); }
static inline xd xd_sub(xd a, xd b) { return _mm256_sub_pd(a, b); }
static inline xd xd_mul(xd a, xd b) { return _mm256_mul_pd(a, b); }
typedef __m256d xd_mask; /* all-ones lanes are set */
static inline xd_mask xd_eq(xd a, xd b) { return _mm256_cmp_pd(a, b, _CMP_EQ_OQ); }
static inline xd xd_select(xd_mask m, xd if_set, xd if_clear) { return _mm256_blendv_pd(if_clear, if_set, m); }
static inline xd xd_div(xd a, xd b) { return _mm256_div_pd(a, b); }
static inline xd xd_max(xd a, xd b) { return _mm256_max_pd(a, b); }
static inline xd xd_min(xd a, xd b) { return _mm256_min_pd(a, b); }
static inline xd xd_fmadd(xd a, xd b, xd c) { return _mm256_fmadd_pd(a, b, c); }
static inline xd xd_fnmadd(xd a, xd b, xd c) { return _mm256_fnmadd_pd(a, b, c); }
static inline void xd_to_array(double *out, xd v) { _mm256_storeu_pd(out, v); }
static inline double xd_hmax(xd v) {
  double l[4];
  _mm256_storeu_pd(l, v);
  double a = l[0] > l[1] ? l[0] : l[1], b = l[2] > l[3] ? l[2] : l[3];
  return a > b ? a : b;
}
/* 2^n from k = MAGIC + n (see rows_f64.inc): k's low bits into the exponent */
static inline xd xd_pow2_bits(xd k) {
  return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(k), 52));
}

#endif
