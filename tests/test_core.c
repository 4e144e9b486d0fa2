/* Status codes, error detail, tensor validation and the f16 / bf16
 * conversions. */
#include "harness.h"

#include <float.h>
#include <string.h>

void test_status_names_and_messages(void) {
  const xent_status_t codes[] = {XENT_OK,        XENT_ERR_NULL,  XENT_ERR_ARGUMENT,
                                 XENT_ERR_DTYPE, XENT_ERR_SHAPE, XENT_ERR_INDEX,
                                 XENT_ERR_VALUE, XENT_ERR_NOMEM};
  const int n = (int)(sizeof codes / sizeof codes[0]);
  for (int i = 0; i < n; i++) {
    XT_CHECK(strncmp(xent_status_name(codes[i]), "XENT_", 5) == 0);
    XT_CHECK(strlen(xent_status_message(codes[i])) > 0);
    for (int j = 0; j < i; j++) {
      XT_CHECK(strcmp(xent_status_name(codes[i]), xent_status_name(codes[j])) != 0);
      XT_CHECK(strcmp(xent_status_message(codes[i]), xent_status_message(codes[j])) != 0);
    }
  }
  XT_CHECK(strcmp(xent_status_name(XENT_ERR_SHAPE), "XENT_ERR_SHAPE") == 0);
  XT_CHECK(strcmp(xent_status_name((xent_status_t)99), "XENT_ERR_UNKNOWN") == 0);
  XT_CHECK(strcmp(xent_version(), "0.1.0") == 0);
}

void test_error_detail_names_the_problem(void) {
  double x[6] = {0}, y[8] = {0};
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F64, 2, 3);
  xent_tensor_t ty = xent_tensor_2d(y, XENT_F64, 2, 4);
  XT_CHECK_STATUS(xent_softmax(&tx, -1, &ty), XENT_ERR_SHAPE);
  XT_CHECK_MSG(strcmp(xent_last_error(), "y has shape (2, 4) but x has shape (2, 3)") == 0,
               "detail was '%s'", xent_last_error());
  /* A successful call clears the detail. */
  ty = xent_tensor_2d(y, XENT_F64, 2, 3);
  XT_OK(xent_softmax(&tx, -1, &ty));
  XT_CHECK(strcmp(xent_last_error(), "") == 0);

  XT_CHECK_STATUS(xent_softmax(&tx, 2, &ty), XENT_ERR_ARGUMENT);
  XT_CHECK_MSG(strcmp(xent_last_error(), "axis = 2 is outside [-2, 2) for x of rank 2") == 0,
               "detail was '%s'", xent_last_error());
  XT_CHECK_STATUS(xent_softmax(&tx, -3, &ty), XENT_ERR_ARGUMENT);

  int32_t labels[3] = {0, 12, 1};
  float onehot[30];
  xent_tensor_t tl = xent_tensor_1d(labels, XENT_I32, 3);
  xent_tensor_t to = xent_tensor_2d(onehot, XENT_F32, 3, 10);
  XT_CHECK_STATUS(xent_one_hot(&tl, -1, 1, 0, 0, &to), XENT_ERR_INDEX);
  XT_CHECK_MSG(strcmp(xent_last_error(), "labels[1] = 12 is outside [0, 10)") == 0,
               "detail was '%s'", xent_last_error());

  int32_t ints[6] = {0};
  xent_tensor_t ti = xent_tensor_2d(ints, XENT_I32, 2, 3);
  XT_CHECK_STATUS(xent_softmax(&ti, -1, &ty), XENT_ERR_DTYPE);
  XT_CHECK(strstr(xent_last_error(), "x has dtype i32") != NULL);

  XT_CHECK_STATUS(xent_softmax(NULL, -1, &ty), XENT_ERR_NULL);
  XT_CHECK(strcmp(xent_last_error(), "x is NULL") == 0);
  XT_CHECK_STATUS(xent_softmax(&tx, -1, NULL), XENT_ERR_NULL);
  XT_CHECK(strcmp(xent_last_error(), "y is NULL") == 0);
}

void test_tensor_init_validates(void) {
  xent_tensor_t t;
  double d[4];
  int64_t shape[XENT_MAX_RANK + 1] = {2, 2};
  XT_OK(xent_tensor_init(&t, d, XENT_F64, 2, shape, NULL));
  XT_CHECK_INT(t.strides[0], 2);
  XT_CHECK_INT(t.strides[1], 1);
  XT_CHECK_INT(xent_tensor_numel(&t), 4);
  int64_t fortran[2] = {1, 2};
  XT_OK(xent_tensor_init(&t, d, XENT_F64, 2, shape, fortran));
  XT_CHECK_INT(t.strides[0], 1);

  XT_CHECK_STATUS(xent_tensor_init(&t, d, XENT_F64, XENT_MAX_RANK + 1, shape, NULL),
                  XENT_ERR_SHAPE);
  XT_CHECK_STATUS(xent_tensor_init(&t, d, XENT_F64, -1, shape, NULL), XENT_ERR_SHAPE);
  int64_t negative[2] = {2, -1};
  XT_CHECK_STATUS(xent_tensor_init(&t, d, XENT_F64, 2, negative, NULL), XENT_ERR_SHAPE);
  XT_CHECK(strcmp(xent_last_error(), "t.shape[1] = -1 is negative") == 0);
  XT_CHECK_STATUS(xent_tensor_init(&t, NULL, XENT_F64, 2, shape, NULL), XENT_ERR_NULL);
  int64_t empty[2] = {0, 5};
  XT_OK(xent_tensor_init(&t, NULL, XENT_F64, 2, empty, NULL));
  int64_t huge[3] = {1ll << 40, 1ll << 40, 16};
  XT_CHECK_STATUS(xent_tensor_init(&t, d, XENT_F32, 3, huge, NULL), XENT_ERR_SHAPE);
  XT_CHECK(strstr(xent_last_error(), "more elements than fit in int64") != NULL);
  XT_CHECK_STATUS(xent_tensor_init(&t, d, (xent_dtype_t)42, 2, shape, NULL),
                  XENT_ERR_DTYPE);
  XT_CHECK_STATUS(xent_tensor_init(NULL, d, XENT_F64, 2, shape, NULL), XENT_ERR_NULL);
  XT_OK(xent_tensor_init(&t, d, XENT_F64, 0, NULL, NULL)); /* a scalar */
  XT_CHECK_INT(xent_tensor_numel(&t), 1);

  XT_CHECK_INT(xent_dtype_size(XENT_BF16), 2);
  XT_CHECK_INT(xent_dtype_size((xent_dtype_t)42), 0);
  XT_CHECK(strcmp(xent_dtype_name(XENT_BF16), "bf16") == 0);
}

void test_output_cannot_be_broadcast(void) {
  double x[6] = {1, 2, 3, 4, 5, 6}, y[3];
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F64, 2, 3);
  int64_t shape[2] = {2, 3}, strides[2] = {0, 1};
  xent_tensor_t ty;
  XT_OK(xent_tensor_init(&ty, y, XENT_F64, 2, shape, strides));
  XT_CHECK_STATUS(xent_softmax(&tx, -1, &ty), XENT_ERR_SHAPE);
  XT_CHECK(strstr(xent_last_error(), "y.strides[0] = 0") != NULL);
  /* Broadcast inputs are fine: both rows read the same data. */
  double out[6];
  xent_tensor_t tb, to = xent_tensor_2d(out, XENT_F64, 2, 3);
  XT_OK(xent_tensor_init(&tb, x, XENT_F64, 2, shape, strides));
  XT_OK(xent_softmax(&tb, -1, &to));
  for (int i = 0; i < 3; i++) XT_CHECK_SAME(out[i], out[i + 3]);
}

/* Every f16 bit pattern survives f16 -> f32 -> f16; NaN stays NaN. */
void test_f16_roundtrip_exhaustive(void) {
  for (uint32_t b = 0; b < 65536; b++) {
    float v = xent_f16_to_f32((uint16_t)b);
    uint16_t back = xent_f64_to_f16(v);
    if (isnan(v)) {
      XT_CHECK_MSG((back & 0x7c00) == 0x7c00 && (back & 0x3ff), "NaN %#x lost", b);
    } else {
      XT_CHECK_MSG(back == b, "f16 %#x -> %g -> %#x", b, v, back);
    }
  }
  XT_CHECK_SAME(xent_f16_to_f32(0x3c00), 1.0);
  XT_CHECK_SAME(xent_f16_to_f32(0x0001), 0x1p-24);
  XT_CHECK_SAME(xent_f16_to_f32(0x7bff), 65504.0);
  XT_CHECK_SAME(xent_f16_to_f32(0x8000), -0.0);
}

/* Rounding to f16 / bf16: a value between two neighbours goes to the nearer,
 * a midpoint to the one with an even significand (checked for every pair of
 * neighbours, subnormals and the overflow edge included). */
static void check_rounding(float (*widen)(uint16_t), uint16_t (*narrow)(double),
                           uint32_t last_finite, double overflow_midpoint) {
  for (uint32_t b = 0; b < last_finite; b++) {
    double lo = widen((uint16_t)b), hi = widen((uint16_t)(b + 1));
    double mid = (lo + hi) / 2; /* exact in double */
    uint16_t even = (b & 1) ? (uint16_t)(b + 1) : (uint16_t)b;
    XT_CHECK_MSG(narrow(mid) == even, "midpoint %.17g -> %#x, expected %#x", mid,
                 narrow(mid), even);
    XT_CHECK_MSG(narrow(nextafter(mid, 0)) == b, "below midpoint of %#x", b);
    XT_CHECK_MSG(narrow(nextafter(mid, INFINITY)) == b + 1, "above midpoint of %#x", b);
    XT_CHECK_MSG(narrow(-mid) == (even | 0x8000), "negative midpoint of %#x", b);
  }
  /* Past the largest finite value: ties to even go to infinity. */
  uint16_t inf_bits = (uint16_t)(last_finite + 1);
  XT_CHECK(narrow(overflow_midpoint) == inf_bits);
  XT_CHECK(narrow(nextafter(overflow_midpoint, 0)) == last_finite);
  XT_CHECK(narrow(INFINITY) == inf_bits);
  XT_CHECK(narrow(-INFINITY) == (inf_bits | 0x8000));
  XT_CHECK(isnan(widen(narrow(NAN))));
  XT_CHECK(narrow(-0.0) == 0x8000);
}

void test_f16_rounding(void) {
  check_rounding(xent_f16_to_f32, xent_f64_to_f16, 0x7bff, 65520.0);
  XT_CHECK(xent_f64_to_f16(0x1p-26) == 0);      /* below half the smallest subnormal */
  XT_CHECK(xent_f64_to_f16(0x1.8p-25) == 1);    /* rounds up to the smallest subnormal */
}

void test_bf16_rounding(void) {
  check_rounding(xent_bf16_to_f32, xent_f64_to_bf16, 0x7f7f,
                 (double)xent_bf16_to_f32(0x7f7f) + 0x1p119);
  /* One step from double: 1 + 2^-8 + 2^-30 must round up, though f32
   * rounding first would land on the tie 1 + 2^-8 and go to even (down). */
  XT_CHECK(xent_f64_to_bf16(1.0 + 0x1p-8 + 0x1p-30) == 0x3f81);
}

/* Storage types flow through an operation: the result is the double result
 * rounded once to the output type. */
void test_storage_types_round_once(void) {
  uint16_t xh[4], yh[4];
  const double xs[4] = {0.1, 0.3, 0.5, 0.9};
  for (int i = 0; i < 4; i++) xh[i] = xent_f64_to_f16(xs[i]);
  double xd[4], yd[4];
  for (int i = 0; i < 4; i++) xd[i] = xent_f16_to_f32(xh[i]);
  xent_tensor_t th = xent_tensor_1d(xh, XENT_F16, 4), tyh = xent_tensor_1d(yh, XENT_F16, 4);
  xent_tensor_t td = xent_tensor_1d(xd, XENT_F64, 4), tyd = xent_tensor_1d(yd, XENT_F64, 4);
  XT_OK(xent_softmax(&th, 0, &tyh));
  XT_OK(xent_softmax(&td, 0, &tyd));
  for (int i = 0; i < 4; i++) XT_CHECK_INT(yh[i], xent_f64_to_f16(yd[i]));
  xent_tensor_t tb = xent_tensor_1d(yh, XENT_BF16, 4);
  XT_OK(xent_softmax(&td, 0, &tb));
  for (int i = 0; i < 4; i++) XT_CHECK_INT(yh[i], xent_f64_to_bf16(yd[i]));
}
