/*
 * The accuracy bounds stated in include/xent.h, in ulps of the output type,
 * in one place for every test. f32 bounds are those every kernel variant
 * meets (the fast kernels' where they are looser than the reference's).
 */
#ifndef XENT_TEST_BOUNDS_H
#define XENT_TEST_BOUNDS_H

#define XT_BOUND_SOFTMAX_F32 3
#define XT_BOUND_SOFTMAX_F64 4
#define XT_BOUND_LOG_SOFTMAX_F32 2
#define XT_BOUND_LOG_SOFTMAX_F64 3
/* in ulps of max(|logsumexp|, |max x|) */
#define XT_BOUND_LOGSUMEXP_F32 1
#define XT_BOUND_LOGSUMEXP_F64 4
#define XT_BOUND_SIGMOID_FAMILY_F32 1
#define XT_BOUND_SIGMOID_FAMILY_F64 3
#define XT_BOUND_SIGMOID_FAMILY_BACKWARD_F64 5
#define XT_BOUND_LOGIT_F32 1
#define XT_BOUND_LOGIT_F64 3

#endif
