/* Element access for every dtype, and the f16 / bf16 storage conversions. */
#include "internal.h"

#include <math.h>
#include <string.h>

/* ---- binary16 and bfloat16 ---- */

float xent_f16_to_f32(uint16_t bits) {
  int sign = bits >> 15;
  int exponent = (bits >> 10) & 0x1f;
  int mantissa = bits & 0x3ff;
  float v;
  if (exponent == 0x1f)
    v = mantissa ? NAN : INFINITY;
  else if (exponent == 0) /* zero or subnormal: mantissa * 2^-24 */
    v = ldexpf((float)mantissa, -24);
  else
    v = ldexpf((float)(mantissa | 0x400), exponent - 25);
  return sign ? -v : v;
}

float xent_bf16_to_f32(uint16_t bits) {
  uint32_t wide = (uint32_t)bits << 16;
  float v;
  memcpy(&v, &wide, sizeof v);
  return v;
}

/*
 * Rounds a finite double to a binary format with `precision` significand bits,
 * minimum normal exponent `emin` and maximum finite value `max_finite`, to
 * nearest with ties to even, in one step. Dividing by the quantum (a power of
 * two) is exact in double for every format used here, and nearbyint() rounds
 * to nearest-even in the default rounding mode.
 */
static double round_to_format(double v, int precision, int emin, double max_finite) {
  if (v == 0 || !isfinite(v)) return v;
  int e = ilogb(v);
  if (e < emin) e = emin; /* subnormal range: fixed quantum */
  double quantum = ldexp(1.0, e - (precision - 1));
  double r = nearbyint(v / quantum) * quantum;
  if (fabs(r) > max_finite) return copysign(INFINITY, v);
  return r;
}

#define F16_MAX 65504.0
#define BF16_MAX 3.38953138925153547590470800371487866880e+38

uint16_t xent_f64_to_f16(double value) {
  uint16_t sign = signbit(value) ? 0x8000 : 0;
  if (isnan(value)) return sign | 0x7e00;
  double r = fabs(round_to_format(value, 11, -14, F16_MAX));
  if (isinf(r)) return sign | 0x7c00;
  if (r == 0) return sign;
  int e = ilogb(r);
  if (e < -14) /* subnormal: r = m * 2^-24 */
    return sign | (uint16_t)ldexp(r, 24);
  uint16_t mantissa = (uint16_t)(ldexp(r, 10 - e) - 1024.0);
  return sign | (uint16_t)((e + 15) << 10) | mantissa;
}

uint16_t xent_f64_to_bf16(double value) {
  if (isnan(value)) return signbit(value) ? 0xffc0 : 0x7fc0;
  /* The rounded value is exactly representable in f32 (same exponent range,
   * fewer bits), so the conversion below is exact. */
  float r = (float)round_to_format(value, 8, -126, BF16_MAX);
  uint32_t bits;
  memcpy(&bits, &r, sizeof bits);
  return (uint16_t)(bits >> 16);
}

/* ---- generic element access ---- */

double xent__load(const void *p, xent_dtype_t dtype) {
  switch (dtype) {
    case XENT_F32: return *(const float *)p;
    case XENT_F64: return *(const double *)p;
    case XENT_F16: return xent_f16_to_f32(*(const uint16_t *)p);
    case XENT_BF16: return xent_bf16_to_f32(*(const uint16_t *)p);
    case XENT_I32: return *(const int32_t *)p;
    case XENT_I64: return (double)*(const int64_t *)p;
    case XENT_U8: return *(const uint8_t *)p;
  }
  return NAN;
}

void xent__store(void *p, xent_dtype_t dtype, double v) {
  switch (dtype) {
    case XENT_F32: *(float *)p = (float)v; return;
    case XENT_F64: *(double *)p = v; return;
    case XENT_F16: *(uint16_t *)p = xent_f64_to_f16(v); return;
    case XENT_BF16: *(uint16_t *)p = xent_f64_to_bf16(v); return;
    case XENT_I32: *(int32_t *)p = (int32_t)v; return;
    case XENT_I64: *(int64_t *)p = (int64_t)v; return;
    case XENT_U8: *(uint8_t *)p = (uint8_t)v; return;
  }
}

double xent__round_to(double v, xent_dtype_t dtype) {
  switch (dtype) {
    case XENT_F32: return (float)v;
    case XENT_F16: return xent_f16_to_f32(xent_f64_to_f16(v));
    case XENT_BF16: return xent_bf16_to_f32(xent_f64_to_bf16(v));
    default: return v;
  }
}

/* The contiguous, common cases get their own loops; the rest go through the
 * generic per-element switch. */
void xent__gather(double *dst, const void *src, int64_t stride, int64_t n,
                  xent_dtype_t dtype) {
  if (dtype == XENT_F32) {
    const float *s = src;
    for (int64_t i = 0; i < n; i++) dst[i] = s[i * stride];
  } else if (dtype == XENT_F64) {
    const double *s = src;
    for (int64_t i = 0; i < n; i++) dst[i] = s[i * stride];
  } else {
    const char *s = src;
    int64_t step = stride * (int64_t)xent_dtype_size(dtype);
    for (int64_t i = 0; i < n; i++) dst[i] = xent__load(s + i * step, dtype);
  }
}

void xent__scatter(void *dst, int64_t stride, const double *src, int64_t n,
                   xent_dtype_t dtype) {
  if (dtype == XENT_F32) {
    float *d = dst;
    for (int64_t i = 0; i < n; i++) d[i * stride] = (float)src[i];
  } else if (dtype == XENT_F64) {
    double *d = dst;
    for (int64_t i = 0; i < n; i++) d[i * stride] = src[i];
  } else {
    char *d = dst;
    int64_t step = stride * (int64_t)xent_dtype_size(dtype);
    for (int64_t i = 0; i < n; i++) xent__store(d + i * step, dtype, src[i]);
  }
}
