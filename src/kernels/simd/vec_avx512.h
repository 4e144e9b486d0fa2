/* The AVX-512 side of the vector helpers used by simd/rows_f32.inc. */
#ifndef XENT_VEC_AVX512_H
#define XENT_VEC_AVX512_H

#include <immintrin.h>
#include <stdint.h>

#define XV_LEN 16
#define XV_NAME(name) xent_avx512_##name
typedef __m512 xv;
typedef __mmask16 xv_mask;

static inline xv xv_set1(float v) { return _mm512_set1_ps(v); }
static inline xv xv_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void xv_store(float *p, xv v) { _mm512_storeu_ps(p, v); }
static inline xv_mask xv_tail_mask(int64_t rem) { return (xv_mask)((1u << rem) - 1u); }
/* rem < XV_LEN elements; the other lanes are `fill` */
static inline xv xv_load_tail(const float *p, int64_t rem, float fill) {
  return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), xv_tail_mask(rem), p);
}
static inline void xv_store_tail(float *p, xv v, int64_t rem) {
  _mm512_mask_storeu_ps(p, xv_tail_mask(rem), v);
}
static inline xv xv_add(xv a, xv b) { return _mm512_add_ps(a, b); }
static inline xv xv_sub(xv a, xv b) { return _mm512_sub_ps(a, b); }
static inline xv xv_mul(xv a, xv b) { return _mm512_mul_ps(a, b); }
/* max/min return the SECOND operand when either is NaN; put constants first
 * so that a NaN input survives. */
static inline xv xv_max(xv a, xv b) { return _mm512_max_ps(a, b); }
static inline xv xv_min(xv a, xv b) { return _mm512_min_ps(a, b); }
static inline xv xv_fmadd(xv a, xv b, xv c) { return _mm512_fmadd_ps(a, b, c); }
static inline xv xv_fnmadd(xv a, xv b, xv c) { return _mm512_fnmadd_ps(a, b, c); }
static inline xv xv_round(xv a) {
  return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
/* a * 2^n for integral n, exact into the subnormal range */
static inline xv xv_scale2(xv a, xv n) { return _mm512_scalef_ps(a, n); }
static inline xv_mask xv_neq(xv a, xv b) { return _mm512_cmp_ps_mask(a, b, _CMP_NEQ_UQ); }
static inline xv xv_select(xv_mask m, xv if_set, xv if_clear) {
  return _mm512_mask_blend_ps(m, if_clear, if_set);
}
/* a + b in the lanes of m, a in the others */
static inline xv xv_add_where(xv a, xv_mask m, xv b) { return _mm512_mask_add_ps(a, m, a, b); }
/* v[i] = base[i * stride] for every lane (stride in elements) */
static inline xv xv_gather(const float *base, int64_t stride) {
  __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                                      13, 14, 15),
                                   _mm512_set1_epi32((int)stride));
  return _mm512_i32gather_ps(idx, base, 4);
}
static inline xv xv_from_int(const int32_t *p) { return _mm512_cvtepi32_ps(_mm512_loadu_si512(p)); }
static inline xv_mask xv_eq(xv a, xv b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
static inline xv_mask xv_finite(xv a) { /* not NaN and not infinite */
  return _mm512_cmp_ps_mask(_mm512_sub_ps(a, a), _mm512_setzero_ps(), _CMP_EQ_OQ);
}
static inline int xv_mask_all(xv_mask m) { return m == (xv_mask)0xffff; }
static inline xv xv_div(xv a, xv b) { return _mm512_div_ps(a, b); }
/* frexp-like split for positive finite normal a: a = f * 2^e, f in [1, 2) */
static inline xv xv_getexp(xv a) { return _mm512_getexp_ps(a); }
static inline xv xv_getmant(xv a) { return _mm512_getmant_ps(a, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src); }
/* index of the first set lane, or -1 */
static inline int xv_mask_first(xv_mask m) { return m ? __builtin_ctz((unsigned)m) : -1; }
/* Non-temporal store (p aligned to 64 bytes): the line goes to memory without
 * being read first; xv_stream_fence() orders such stores before returning. */
static inline void xv_stream(float *p, xv v) { _mm512_stream_ps(p, v); }
static inline void xv_stream_fence(void) { _mm_sfence(); }
#define XV_ALIGN 64

/* Transposes the 16 x 16 matrix whose rows are r[0..15], in place: four
 * rounds of 16 shuffles (pairs of floats, of float pairs, then of 128-bit
 * quarters twice). */
static inline void xv_transpose16(__m512 *r) {
  __m512 u[4][4]; /* u[g][k]: rows 4g..4g+3, classes k, k + 4, k + 8, k + 12 */
  for (int g = 0; g < 4; g++) {
    __m512 lo01 = _mm512_unpacklo_ps(r[4 * g], r[4 * g + 1]);
    __m512 hi01 = _mm512_unpackhi_ps(r[4 * g], r[4 * g + 1]);
    __m512 lo23 = _mm512_unpacklo_ps(r[4 * g + 2], r[4 * g + 3]);
    __m512 hi23 = _mm512_unpackhi_ps(r[4 * g + 2], r[4 * g + 3]);
    u[g][0] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(lo01), _mm512_castps_pd(lo23)));
    u[g][1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(lo01), _mm512_castps_pd(lo23)));
    u[g][2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(hi01), _mm512_castps_pd(hi23)));
    u[g][3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(hi01), _mm512_castps_pd(hi23)));
  }
  for (int k = 0; k < 4; k++) {
    __m512 a = _mm512_shuffle_f32x4(u[0][k], u[1][k], 0x88);
    __m512 b = _mm512_shuffle_f32x4(u[0][k], u[1][k], 0xDD);
    __m512 c = _mm512_shuffle_f32x4(u[2][k], u[3][k], 0x88);
    __m512 d = _mm512_shuffle_f32x4(u[2][k], u[3][k], 0xDD);
    r[k] = _mm512_shuffle_f32x4(a, c, 0x88), r[k + 8] = _mm512_shuffle_f32x4(a, c, 0xDD);
    r[k + 4] = _mm512_shuffle_f32x4(b, d, 0x88), r[k + 12] = _mm512_shuffle_f32x4(b, d, 0xDD);
  }
}

/* The 16 rows of n <= 16 floats at x, x + n, ... as n columns: cols[j]
 * holds entry j of every row (one row a lane; cols has room for 16), by masked loads and a
 * transpose; gathers are slow on some CPUs (about 25 cycles each on Zen 4). */
#define XV_HAS_COLUMNS 1
static inline void xv_load_columns(const float *x, int64_t n, xv *cols) {
  __m512 r[16];
  __mmask16 m = (__mmask16)((1u << n) - 1u);
  for (int i = 0; i < 16; i++) r[i] = _mm512_maskz_loadu_ps(m, x + i * n);
  xv_transpose16(r);
  for (int j = 0; j < 16; j++) cols[j] = r[j]; /* room for 16; those past n are 0 */
}
/* The inverse: rows written from columns, except the lanes set in skip. */
static inline void xv_store_columns(float *y, int64_t n, const xv *cols, unsigned skip) {
  __m512 r[16];
  __mmask16 m = (__mmask16)((1u << n) - 1u);
  for (int j = 0; j < 16; j++) r[j] = j < n ? cols[j] : _mm512_setzero_ps();
  xv_transpose16(r);
  for (int i = 0; i < 16; i++)
    if (!(skip >> i & 1)) _mm512_mask_storeu_ps(y + i * n, m, r[i]);
}

/* 2^(k / 16) for the sixteenths exponent k read by exp2_16 (rows_f32.inc):
 * a table of 16 floats, indexed by a permute across the vector. t holds
 * 2^(j/16) for j = 0..15; the table keeps their bits less (127 << 23) and
 * j << 19, so that (bits(k) << 19) + table[bits(k) & 15] is the answer when
 * bits(k) ends in 16 (n + 127) + j. */
#define XV_HAS_TABLE16 1
typedef __m512i xv_table16;
static inline xv_table16 xv_table16_load(const float *t) {
  __m512i j = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i bias = _mm512_add_epi32(_mm512_set1_epi32(127 << 23), _mm512_slli_epi32(j, 19));
  return _mm512_sub_epi32(_mm512_castps_si512(_mm512_loadu_ps(t)), bias);
}
/* t[bits(k) & 15] for a table t of 16 floats */
static inline xv xv_lookup16(xv k, const float *t) {
  return _mm512_permutexvar_ps(_mm512_castps_si512(k), _mm512_loadu_ps(t));
}
static inline xv xv_pow2_table16(xv k, xv_table16 table) {
  __m512i b = _mm512_castps_si512(k);
  return _mm512_castsi512_ps(
      _mm512_add_epi32(_mm512_slli_epi32(b, 19), _mm512_permutexvar_epi32(b, table)));
}
/* number of set lanes */
static inline int xv_mask_count(xv_mask m) { return __builtin_popcount((unsigned)m); }
static inline float xv_hmax(xv v) { return _mm512_reduce_max_ps(v); }
static inline void xv_to_array(float *out, xv v) { _mm512_storeu_ps(out, v); }

/* Accumulates a float vector into double lanes (exact conversion, so the
 * only rounding is the double add). */
typedef struct { __m512d lo, hi; } xv_dsum;
static inline xv_dsum xv_dsum_zero(void) { return (xv_dsum){_mm512_setzero_pd(), _mm512_setzero_pd()}; }
static inline void xv_dsum_add(xv_dsum *s, xv v) {
  s->lo = _mm512_add_pd(s->lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
  s->hi = _mm512_add_pd(s->hi, _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)));
}
/* per lane: (float)(1 / (c + s)) and (float)s */
static inline xv xv_dsum_recip_plus(xv_dsum s, xv c) {
  __m512d one = _mm512_set1_pd(1.0);
  __m512d lo = _mm512_div_pd(one, _mm512_add_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(c)), s.lo));
  __m512d hi = _mm512_div_pd(one, _mm512_add_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(c, 1)), s.hi));
  return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
}
static inline xv xv_dsum_round(xv_dsum s) {
  return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(s.lo)), _mm512_cvtpd_ps(s.hi), 1);
}
static inline double xv_dsum_total(xv_dsum s) { return _mm512_reduce_add_pd(_mm512_add_pd(s.lo, s.hi)); }

/* 2^n from k = MAGIC + n (see exp_narrow): the low bits of k, shifted into
 * the exponent field */
static inline xv xv_pow2_bits(xv k) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(k), 23));
}

/* ---- f64 (simd/rows_f64.inc): eight doubles a vector ---- */
#define XD_LEN 8
typedef __m512d xd;
static inline xd xd_set1(double v) { return _mm512_set1_pd(v); }
static inline xd xd_load(const double *p) { return _mm512_loadu_pd(p); }
static inline void xd_store(double *p, xd v) { _mm512_storeu_pd(p, v); }
/* rem < XD_LEN elements; the other lanes are `fill` */
static inline xd xd_load_tail(const double *p, int64_t rem, double fill) {
  return _mm512_mask_loadu_pd(_mm512_set1_pd(fill), (__mmask8)((1u << rem) - 1u), p);
}
static inline void xd_store_tail(double *p, xd v, int64_t rem) {
  _mm512_mask_storeu_pd(p, (__mmask8)((1u << rem) - 1u), v);
}
static inline xd xd_add(xd a, xd b) { return _mm512_add_pd(a, b); }
static inline xd xd_sub(xd a, xd b) { return _mm512_sub_pd(a, b); }
static inline xd xd_mul(xd a, xd b) { return _mm512_mul_pd(a, b); }
typedef __mmask8 xd_mask;
static inline xd_mask xd_eq(xd a, xd b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
static inline xd xd_select(xd_mask m, xd if_set, xd if_clear) { return _mm512_mask_blend_pd(m, if_clear, if_set); }
static inline xd xd_div(xd a, xd b) { return _mm512_div_pd(a, b); }
static inline xd xd_max(xd a, xd b) { return _mm512_max_pd(a, b); }
static inline xd xd_min(xd a, xd b) { return _mm512_min_pd(a, b); }
static inline xd xd_fmadd(xd a, xd b, xd c) { return _mm512_fmadd_pd(a, b, c); }
static inline xd xd_fnmadd(xd a, xd b, xd c) { return _mm512_fnmadd_pd(a, b, c); }
static inline double xd_hmax(xd v) { return _mm512_reduce_max_pd(v); }
static inline void xd_to_array(double *out, xd v) { _mm512_storeu_pd(out, v); }
/* 2^n from k = MAGIC + n (see rows_f64.inc): k's low bits into the exponent */
static inline xd xd_pow2_bits(xd k) {
  return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_castpd_si512(k), 52));
}

#endif
