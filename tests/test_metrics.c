/*
 * Classification metrics: the peers' documented examples, closed forms,
 * brute-force references written here (O(n^2) pair counts in long double),
 * merge-equals-whole for every state, the bounded AUC's stated error, and
 * the error paths. Expected values never come from xent itself.
 */
#include "harness.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---- */

static double mean_of(xent_mean_state_t *m) {
  double v = -1;
  XT_OK(xent_mean_state_result(m, XENT_EMPTY_NAN, &v));
  return v;
}

static xent_metric_options_t weighted(const xent_tensor_t *w) {
  xent_metric_options_t o = xent_metric_options_default();
  o.sample_weights = w;
  return o;
}

static double roc_of(xent_auc_t *s, const xent_auc_options_t *o) {
  double v = -1;
  xent_tensor_t out = xent_tensor_1d(&v, XENT_F64, 1);
  XT_OK(xent_roc_auc(s, o, &out, NULL));
  return v;
}

static double ap_of(xent_auc_t *s, const xent_auc_options_t *o) {
  double v = -1;
  xent_tensor_t out = xent_tensor_1d(&v, XENT_F64, 1);
  XT_OK(xent_average_precision(s, o, &out, NULL));
  return v;
}

static xent_auc_t *binary_auc(const double *y, const double *s, const double *w, int64_t n,
                              int64_t capacity) {
  xent_auc_config_t cfg = xent_auc_config_default();
  cfg.capacity = capacity;
  xent_auc_t *st = NULL;
  XT_OK(xent_auc_create(&cfg, &st));
  xent_tensor_t ty = xent_tensor_1d((void *)y, XENT_F64, n), ts = xent_tensor_1d((void *)s, XENT_F64, n);
  xent_tensor_t tw = xent_tensor_1d((void *)w, XENT_F64, n);
  xent_metric_options_t o = weighted(w ? &tw : NULL);
  XT_OK(xent_auc_update(st, &ty, &ts, &o));
  return st;
}

/* ---- scikit-learn's documented examples ---- */

void test_metrics_sklearn_documented_examples(void) {
  /* roc_auc_score / average_precision_score / roc_curve docstrings */
  double y[4] = {0, 0, 1, 1}, s[4] = {0.1, 0.4, 0.35, 0.8};
  xent_auc_t *st = binary_auc(y, s, NULL, 4, 0);
  XT_CHECK_SAME(roc_of(st, NULL), 0.75);
  XT_CHECK_CLOSE(ap_of(st, NULL), 5.0 / 6.0, 1e-15, 0);
  int64_t n = 0;
  XT_OK(xent_roc_curve(st, 0, 1, &n, NULL, NULL, NULL));
  XT_CHECK_INT(n, 5);
  double fpr[5], tpr[5], thr[5];
  xent_tensor_t tf = xent_tensor_1d(fpr, XENT_F64, 5), tt = xent_tensor_1d(tpr, XENT_F64, 5);
  xent_tensor_t th = xent_tensor_1d(thr, XENT_F64, 5);
  XT_OK(xent_roc_curve(st, 0, 1, &n, &tf, &tt, &th));
  const double efpr[5] = {0, 0, 0.5, 0.5, 1}, etpr[5] = {0, 0.5, 0.5, 1, 1};
  const double ethr[5] = {INFINITY, 0.8, 0.4, 0.35, 0.1};
  for (int i = 0; i < 5; i++) {
    XT_CHECK_SAME(fpr[i], efpr[i]);
    XT_CHECK_SAME(tpr[i], etpr[i]);
    XT_CHECK_SAME(thr[i], ethr[i]);
  }
  /* precision_recall_curve docstring */
  XT_OK(xent_precision_recall_curve(st, 0, 0, &n, NULL, NULL, NULL));
  XT_CHECK_INT(n, 5);
  double p[5], r[5], pt[4];
  xent_tensor_t tp = xent_tensor_1d(p, XENT_F64, 5), tr = xent_tensor_1d(r, XENT_F64, 5);
  xent_tensor_t tpt = xent_tensor_1d(pt, XENT_F64, 4);
  XT_OK(xent_precision_recall_curve(st, 0, 0, &n, &tp, &tr, &tpt));
  const double ep[5] = {0.5, 2.0 / 3.0, 0.5, 1, 1}, er[5] = {1, 1, 0.5, 0.5, 0};
  const double ept[4] = {0.1, 0.35, 0.4, 0.8};
  for (int i = 0; i < 5; i++) {
    XT_CHECK_CLOSE(p[i], ep[i], 1e-15, 0);
    XT_CHECK_SAME(r[i], er[i]);
  }
  for (int i = 0; i < 4; i++) XT_CHECK_SAME(pt[i], ept[i]);
  /* auc docstring: labels 1 and 2 with pos_label=2 are the same problem */
  xent_auc_destroy(st);

  /* confusion_matrix docstring */
  int64_t yt[6] = {2, 0, 2, 2, 0, 1}, yp[6] = {0, 0, 2, 2, 0, 2};
  xent_confusion_t *cm = NULL;
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTICLASS, 3, 0.5, &cm));
  xent_tensor_t tyt = xent_tensor_1d(yt, XENT_I64, 6), typ = xent_tensor_1d(yp, XENT_I64, 6);
  XT_OK(xent_confusion_update(cm, &tyt, &typ, NULL));
  double m[9];
  xent_tensor_t tm = xent_tensor_2d(m, XENT_F64, 3, 3);
  XT_OK(xent_confusion_matrix(cm, XENT_NORMALIZE_NONE, &tm));
  const double em[9] = {2, 0, 0, 0, 0, 1, 1, 0, 2};
  for (int i = 0; i < 9; i++) XT_CHECK_SAME(m[i], em[i]);
  /* multilabel_confusion_matrix docstring, multiclass case (labels ant, bird, cat) */
  double mcm[12];
  xent_tensor_t tmcm = xent_tensor_3d(mcm, XENT_F64, 3, 2, 2);
  XT_OK(xent_confusion_multilabel_matrix(cm, &tmcm));
  const double emcm[12] = {3, 1, 0, 2, 5, 0, 1, 0, 2, 1, 1, 2};
  for (int i = 0; i < 12; i++) XT_CHECK_SAME(mcm[i], emcm[i]);
  xent_confusion_destroy(cm);

  /* multilabel_confusion_matrix docstring, indicator case */
  uint8_t mt[6] = {1, 0, 1, 0, 1, 0}, mp[6] = {1, 0, 0, 0, 1, 1};
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTILABEL, 3, 0.5, &cm));
  xent_tensor_t tmt = xent_tensor_2d(mt, XENT_U8, 2, 3), tmp = xent_tensor_2d(mp, XENT_U8, 2, 3);
  XT_OK(xent_confusion_update(cm, &tmt, &tmp, NULL));
  XT_OK(xent_confusion_multilabel_matrix(cm, &tmcm));
  const double eml[12] = {1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0};
  for (int i = 0; i < 12; i++) XT_CHECK_SAME(mcm[i], eml[i]);
  XT_CHECK_STATUS(xent_confusion_matrix(cm, XENT_NORMALIZE_NONE, &tm), XENT_ERR_ARGUMENT);
  xent_confusion_destroy(cm);
}

/* precision_score / f1_score / fbeta_score docstrings, as exact fractions:
 * y_true [0 1 2 0 1 2], y_pred [0 2 1 0 0 1]: class 0 has tp 2, predicted 3,
 * true 2; classes 1 and 2 have tp 0. */
void test_metrics_prf_documented_examples(void) {
  int32_t yt[6] = {0, 1, 2, 0, 1, 2}, yp[6] = {0, 2, 1, 0, 0, 1};
  xent_confusion_t *cm = NULL;
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTICLASS, 3, 0.5, &cm));
  xent_tensor_t tyt = xent_tensor_1d(yt, XENT_I32, 6), typ = xent_tensor_1d(yp, XENT_I32, 6);
  XT_OK(xent_confusion_update(cm, &tyt, &typ, NULL));
  xent_prf_options_t o = xent_prf_options_default();
  double P, R, F, pc[3], rc[3], fc[3], sc[3];
  xent_tensor_t tP = xent_tensor_1d(&P, XENT_F64, 1), tR = xent_tensor_1d(&R, XENT_F64, 1);
  xent_tensor_t tF = xent_tensor_1d(&F, XENT_F64, 1);
  xent_tensor_t tpc = xent_tensor_1d(pc, XENT_F64, 3), trc = xent_tensor_1d(rc, XENT_F64, 3);
  xent_tensor_t tfc = xent_tensor_1d(fc, XENT_F64, 3), tsc = xent_tensor_1d(sc, XENT_F64, 3);
  o.average = XENT_AVERAGE_MACRO;
  XT_OK(xent_precision_recall_fscore(cm, &o, &tP, &tR, &tF, NULL));
  XT_CHECK_CLOSE(P, 2.0 / 9.0, 1e-15, 0);
  XT_CHECK_CLOSE(R, 1.0 / 3.0, 1e-15, 0);
  XT_CHECK_CLOSE(F, 4.0 / 15.0, 1e-15, 0);
  o.average = XENT_AVERAGE_MICRO;
  XT_OK(xent_precision_recall_fscore(cm, &o, &tP, &tR, &tF, NULL));
  XT_CHECK_CLOSE(P, 1.0 / 3.0, 1e-15, 0);
  XT_CHECK_CLOSE(F, 1.0 / 3.0, 1e-15, 0);
  o.average = XENT_AVERAGE_WEIGHTED;
  XT_OK(xent_precision_recall_fscore(cm, &o, &tP, &tR, &tF, NULL));
  XT_CHECK_CLOSE(F, 4.0 / 15.0, 1e-15, 0);
  o.average = XENT_AVERAGE_NONE;
  XT_OK(xent_precision_recall_fscore(cm, &o, &tpc, &trc, &tfc, &tsc));
  XT_CHECK_CLOSE(pc[0], 2.0 / 3.0, 1e-15, 0);
  XT_CHECK_SAME(pc[1], 0.0);
  XT_CHECK_CLOSE(fc[0], 0.8, 1e-15, 0);
  for (int i = 0; i < 3; i++) XT_CHECK_SAME(sc[i], 2.0);
  /* F-beta, beta = 0.5: class 0 gets 1.25 * 2 / (0.25 * 2 + 3) = 5/7 */
  o.beta = 0.5;
  o.average = XENT_AVERAGE_MACRO;
  XT_OK(xent_precision_recall_fscore(cm, &o, &tP, &tR, &tF, NULL));
  XT_CHECK_CLOSE(F, 5.0 / 21.0, 1e-15, 0);
  xent_confusion_destroy(cm);

  /* all predictions 0: classes 1 and 2 have no predictions (0/0 precision) */
  int32_t y0[6] = {0, 0, 0, 0, 0, 0};
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTICLASS, 3, 0.5, &cm));
  xent_tensor_t ty0 = xent_tensor_1d(y0, XENT_I32, 6);
  XT_OK(xent_confusion_update(cm, &tyt, &ty0, NULL));
  o = xent_prf_options_default();
  XT_OK(xent_precision_recall_fscore(cm, &o, &tpc, NULL, NULL, NULL));
  XT_CHECK_CLOSE(pc[0], 1.0 / 3.0, 1e-15, 0);
  XT_CHECK_SAME(pc[1], 0.0);
  o.zero_division = 1;
  XT_OK(xent_precision_recall_fscore(cm, &o, &tpc, NULL, NULL, NULL));
  XT_CHECK_SAME(pc[1], 1.0);
  o.zero_division = NAN;
  XT_OK(xent_precision_recall_fscore(cm, &o, &tpc, NULL, NULL, NULL));
  XT_CHECK(isnan(pc[1]) && isnan(pc[2]));
  /* fbeta docstring with zero_division=nan, beta=0.5, macro: (5/13)/3 */
  o.beta = 0.5;
  o.average = XENT_AVERAGE_MACRO;
  XT_OK(xent_precision_recall_fscore(cm, &o, NULL, NULL, &tF, NULL));
  XT_CHECK_CLOSE(F, 5.0 / 39.0, 1e-15, 0);
  xent_confusion_destroy(cm);

  /* f1_score docstring, binary all-negative: 0 / 1 / nan by zero_division */
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTICLASS, 2, 0.5, &cm));
  XT_OK(xent_confusion_update(cm, &ty0, &ty0, NULL));
  o = xent_prf_options_default();
  o.average = XENT_AVERAGE_BINARY;
  XT_OK(xent_precision_recall_fscore(cm, &o, NULL, NULL, &tF, NULL));
  XT_CHECK_SAME(F, 0.0);
  o.zero_division = 1;
  XT_OK(xent_precision_recall_fscore(cm, &o, NULL, NULL, &tF, NULL));
  XT_CHECK_SAME(F, 1.0);
  o.zero_division = NAN;
  XT_OK(xent_precision_recall_fscore(cm, &o, NULL, NULL, &tF, NULL));
  XT_CHECK(isnan(F));
  xent_confusion_destroy(cm);

  /* multilabel f1_score / precision_score docstrings */
  uint8_t mt[9] = {0, 0, 0, 1, 1, 1, 0, 1, 1}, mp[9] = {0, 0, 0, 1, 1, 1, 1, 1, 0};
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTILABEL, 3, 0.5, &cm));
  xent_tensor_t tmt = xent_tensor_2d(mt, XENT_U8, 3, 3), tmp = xent_tensor_2d(mp, XENT_U8, 3, 3);
  XT_OK(xent_confusion_update(cm, &tmt, &tmp, NULL));
  o = xent_prf_options_default();
  XT_OK(xent_precision_recall_fscore(cm, &o, &tpc, NULL, &tfc, NULL));
  XT_CHECK_CLOSE(fc[0], 2.0 / 3.0, 1e-15, 0);
  XT_CHECK_SAME(fc[1], 1.0);
  XT_CHECK_CLOSE(fc[2], 2.0 / 3.0, 1e-15, 0);
  XT_CHECK_SAME(pc[0], 0.5);
  XT_CHECK_SAME(pc[2], 1.0);
  /* samples: per-sample F1 = 0 (0/0 -> zero_division 0), 1, 1/2 -> mean 1/2 */
  o.average = XENT_AVERAGE_SAMPLES;
  XT_OK(xent_precision_recall_fscore(cm, &o, NULL, NULL, &tF, NULL));
  XT_CHECK_CLOSE(F, 0.5, 1e-15, 0);
  o.average = XENT_AVERAGE_BINARY;
  XT_CHECK_STATUS(xent_precision_recall_fscore(cm, &o, NULL, NULL, &tF, NULL), XENT_ERR_ARGUMENT);
  xent_confusion_destroy(cm);
}

/* ---- Keras's documented examples ---- */

void test_metrics_keras_accuracy_examples(void) {
  xent_mean_state_t m;
  /* Accuracy */
  int32_t at[4] = {1, 2, 3, 4}, ap[4] = {0, 2, 3, 4};
  double w1[4] = {1, 1, 0, 0};
  xent_tensor_t tat = xent_tensor_2d(at, XENT_I32, 4, 1), tap = xent_tensor_2d(ap, XENT_I32, 4, 1);
  xent_tensor_t tw1 = xent_tensor_1d(w1, XENT_F64, 4);
  xent_metric_options_t ow1 = weighted(&tw1);
  xent_mean_state_init(&m);
  XT_OK(xent_accuracy_update(&m, &tat, &tap, NULL));
  XT_CHECK_SAME(mean_of(&m), 0.75);
  xent_mean_state_init(&m);
  XT_OK(xent_accuracy_update(&m, &tat, &tap, &ow1));
  XT_CHECK_SAME(mean_of(&m), 0.5);
  /* BinaryAccuracy */
  double bt[4] = {1, 1, 0, 0};
  float bp[4] = {0.98f, 1, 0, 0.6f};
  double w2[4] = {1, 0, 0, 1};
  xent_tensor_t tbt = xent_tensor_2d(bt, XENT_F64, 4, 1), tbp = xent_tensor_2d(bp, XENT_F32, 4, 1);
  xent_tensor_t tw2 = xent_tensor_1d(w2, XENT_F64, 4);
  xent_metric_options_t ow2 = weighted(&tw2);
  xent_mean_state_init(&m);
  XT_OK(xent_binary_accuracy_update(&m, &tbt, &tbp, 0.5, NULL));
  XT_CHECK_SAME(mean_of(&m), 0.75);
  xent_mean_state_init(&m);
  XT_OK(xent_binary_accuracy_update(&m, &tbt, &tbp, 0.5, &ow2));
  XT_CHECK_SAME(mean_of(&m), 0.5);
  /* CategoricalAccuracy, TopKCategoricalAccuracy(k=1) */
  float ct[6] = {0, 0, 1, 0, 1, 0}, cp[6] = {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0};
  double w3[2] = {0.7, 0.3};
  xent_tensor_t tct = xent_tensor_2d(ct, XENT_F32, 2, 3), tcp = xent_tensor_2d(cp, XENT_F32, 2, 3);
  xent_tensor_t tw3 = xent_tensor_1d(w3, XENT_F64, 2);
  xent_metric_options_t ow3 = weighted(&tw3);
  xent_mean_state_init(&m);
  XT_OK(xent_categorical_accuracy_update(&m, &tct, &tcp, NULL));
  XT_CHECK_SAME(mean_of(&m), 0.5);
  xent_mean_state_init(&m);
  XT_OK(xent_categorical_accuracy_update(&m, &tct, &tcp, &ow3));
  XT_CHECK_CLOSE(mean_of(&m), 0.3, 1e-15, 0);
  xent_mean_state_init(&m);
  XT_OK(xent_top_k_categorical_accuracy_update(&m, &tct, &tcp, 1, &ow3));
  XT_CHECK_CLOSE(mean_of(&m), 0.3, 1e-15, 0);
  /* SparseCategoricalAccuracy with y_true (N, 1), SparseTopK with (N,) */
  int64_t st2[2] = {2, 1};
  float sp[6] = {0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0};
  xent_tensor_t tst = xent_tensor_2d(st2, XENT_I64, 2, 1), tsp = xent_tensor_2d(sp, XENT_F32, 2, 3);
  xent_mean_state_init(&m);
  XT_OK(xent_sparse_categorical_accuracy_update(&m, &tst, &tsp, NULL));
  XT_CHECK_SAME(mean_of(&m), 0.5);
  xent_mean_state_init(&m);
  XT_OK(xent_sparse_categorical_accuracy_update(&m, &tst, &tsp, &ow3));
  XT_CHECK_CLOSE(mean_of(&m), 0.3, 1e-15, 0);
  xent_tensor_t tst1 = xent_tensor_1d(st2, XENT_I64, 2);
  xent_mean_state_init(&m);
  XT_OK(xent_sparse_top_k_categorical_accuracy_update(&m, &tst1, &tcp, 1, NULL));
  XT_CHECK_SAME(mean_of(&m), 0.5);
  /* an empty mean: Keras's 0, or NaN */
  double v = -1;
  xent_mean_state_init(&m);
  XT_OK(xent_mean_state_result(&m, XENT_EMPTY_ZERO, &v));
  XT_CHECK_SAME(v, 0.0);
  XT_OK(xent_mean_state_result(&m, XENT_EMPTY_NAN, &v));
  XT_CHECK(isnan(v));
}

void test_metrics_keras_accuracy_ties_and_pitfalls(void) {
  xent_mean_state_t m;
  /* [0.5, 0.5] with label 1: argmax takes the first maximum (a miss), top-1
   * counts the tie at the k-th place (a hit) */
  float p[2] = {0.5f, 0.5f};
  int32_t y[1] = {1};
  xent_tensor_t tp = xent_tensor_2d(p, XENT_F32, 1, 2), ty = xent_tensor_1d(y, XENT_I32, 1);
  xent_mean_state_init(&m);
  XT_OK(xent_sparse_categorical_accuracy_update(&m, &ty, &tp, NULL));
  XT_CHECK_SAME(mean_of(&m), 0.0);
  xent_mean_state_init(&m);
  XT_OK(xent_sparse_top_k_categorical_accuracy_update(&m, &ty, &tp, 1, NULL));
  XT_CHECK_SAME(mean_of(&m), 1.0);
  XT_CHECK_STATUS(xent_sparse_top_k_categorical_accuracy_update(&m, &ty, &tp, 0, NULL),
                  XENT_ERR_ARGUMENT);
  /* strictly greater: a score equal to the threshold predicts 0 */
  float q[1] = {0.5f};
  int32_t one[1] = {1};
  xent_tensor_t tq = xent_tensor_1d(q, XENT_F32, 1), tone = xent_tensor_1d(one, XENT_I32, 1);
  xent_mean_state_init(&m);
  XT_OK(xent_binary_accuracy_update(&m, &tone, &tq, 0.5, NULL));
  XT_CHECK_SAME(mean_of(&m), 0.0);

  /* Old Keras's "accuracy" with binary_crossentropy on one-hot labels is
   * binary accuracy element by element: predicting all zeros scores
   * (C - 1) / C. */
  enum { N = 7, C = 10 };
  float onehot[N * C], zeros[N * C];
  for (int i = 0; i < N * C; i++) onehot[i] = (i % C) == (i / C) % C, zeros[i] = 0;
  xent_tensor_t toh = xent_tensor_2d(onehot, XENT_F32, N, C), tz = xent_tensor_2d(zeros, XENT_F32, N, C);
  xent_accuracy_kind_t kind;
  XT_OK(xent_keras_resolve_accuracy(&toh, &tz, XENT_KERAS_LOSS_BINARY_CROSSENTROPY, 1, &kind));
  XT_CHECK_INT(kind, XENT_ACCURACY_BINARY);
  XT_OK(xent_keras_resolve_accuracy(&toh, &tz, XENT_KERAS_LOSS_BINARY_CROSSENTROPY, 0, &kind));
  XT_CHECK_INT(kind, XENT_ACCURACY_CATEGORICAL);
  xent_mean_state_init(&m);
  XT_OK(xent_binary_accuracy_update(&m, &toh, &tz, 0.5, NULL));
  XT_CHECK_CLOSE(mean_of(&m), (C - 1.0) / C, 1e-15, 0);
  xent_mean_state_init(&m);
  XT_OK(xent_categorical_accuracy_update(&m, &toh, &tz, NULL)); /* argmax of zeros is 0 */
  XT_CHECK_CLOSE(mean_of(&m), 1.0 / N, 1e-15, 0);                /* only label 0 hits */
  /* Keras 3's shape rule: last extent 1 -> binary; lower rank or (N, 1)
   * labels -> sparse; otherwise categorical. Only shapes are read. */
  xent_tensor_t y1 = xent_tensor_1d(NULL, XENT_I64, N), y2 = xent_tensor_2d(NULL, XENT_I64, N, 1);
  xent_tensor_t p1 = xent_tensor_2d(NULL, XENT_F32, N, 1);
  XT_OK(xent_keras_resolve_accuracy(&y1, &tz, XENT_KERAS_LOSS_OTHER, 0, &kind));
  XT_CHECK_INT(kind, XENT_ACCURACY_SPARSE_CATEGORICAL);
  XT_OK(xent_keras_resolve_accuracy(&y2, &tz, XENT_KERAS_LOSS_OTHER, 0, &kind));
  XT_CHECK_INT(kind, XENT_ACCURACY_SPARSE_CATEGORICAL);
  XT_OK(xent_keras_resolve_accuracy(&y2, &p1, XENT_KERAS_LOSS_OTHER, 0, &kind));
  XT_CHECK_INT(kind, XENT_ACCURACY_BINARY);
  XT_OK(xent_keras_resolve_accuracy(&y1, &tz, XENT_KERAS_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1,
                                    &kind));
  XT_CHECK_INT(kind, XENT_ACCURACY_SPARSE_CATEGORICAL);
  XT_OK(xent_keras_resolve_accuracy(&toh, &tz, XENT_KERAS_LOSS_OTHER, 1, &kind));
  XT_CHECK_INT(kind, XENT_ACCURACY_CATEGORICAL);
}

/* keras confusion_metrics_test: PrecisionTest / RecallTest vectors. */
void test_metrics_keras_precision_recall_examples(void) {
  xent_keras_pr_t *s = NULL;
  double prec[2], rec[2];
  xent_tensor_t tp1 = xent_tensor_1d(prec, XENT_F64, 1), tr1 = xent_tensor_1d(rec, XENT_F64, 1);
  xent_tensor_t tp2 = xent_tensor_1d(prec, XENT_F64, 2), tr2 = xent_tensor_1d(rec, XENT_F64, 2);
  /* test_unweighted: precision 0.5 */
  float p[4] = {1, 0, 1, 0};
  int32_t y[4] = {0, 1, 1, 0};
  xent_tensor_t tp = xent_tensor_1d(p, XENT_F32, 4), ty = xent_tensor_1d(y, XENT_I32, 4);
  XT_OK(xent_keras_pr_create(NULL, &s));
  XT_OK(xent_keras_pr_update(s, &ty, &tp, NULL));
  XT_OK(xent_keras_pr_result(s, &tp1, &tr1));
  XT_CHECK_SAME(prec[0], 0.5);
  XT_CHECK_SAME(rec[0], 0.5);
  xent_keras_pr_destroy(s);
  /* test_unweighted_with_threshold: thresholds [0.5, 0.7] -> [0.5, 0] */
  float p2[4] = {1, 0, 0.6f, 0};
  xent_tensor_t tpp = xent_tensor_1d(p2, XENT_F32, 4);
  double thr[2] = {0.5, 0.7};
  xent_keras_pr_options_t o = xent_keras_pr_options_default();
  o.thresholds = thr, o.num_thresholds = 2;
  XT_OK(xent_keras_pr_create(&o, &s));
  XT_OK(xent_keras_pr_update(s, &ty, &tpp, NULL));
  XT_OK(xent_keras_pr_result(s, &tp2, &tr2));
  XT_CHECK_SAME(prec[0], 0.5);
  XT_CHECK_SAME(prec[1], 0.0);
  xent_keras_pr_destroy(s);
  /* test_weighted_with_threshold: thresholds [0.5, 1.0], weights [[4,0],[3,1]]:
   * precision [4 / (4 + 3), 0] */
  int32_t yw[4] = {0, 1, 1, 0};
  float pw[4] = {1, 0, 0.6f, 0};
  double ww[4] = {4, 0, 3, 1}, thr2[2] = {0.5, 1.0};
  xent_tensor_t tyw = xent_tensor_2d(yw, XENT_I32, 2, 2), tpw = xent_tensor_2d(pw, XENT_F32, 2, 2);
  xent_tensor_t tww = xent_tensor_2d(ww, XENT_F64, 2, 2);
  xent_metric_options_t ow = weighted(&tww);
  o.thresholds = thr2;
  XT_OK(xent_keras_pr_create(&o, &s));
  XT_OK(xent_keras_pr_update(s, &tyw, &tpw, &ow));
  XT_OK(xent_keras_pr_result(s, &tp2, &tr2));
  XT_CHECK_CLOSE(prec[0], 3.0 / 7.0, 1e-15, 0);
  XT_CHECK_SAME(prec[1], 0.0);
  xent_keras_pr_destroy(s);
  /* test_unweighted_top_k: top_k 3 of [0.2, 0.1, 0.5, 0, 0.2] keeps both 0.2s */
  float pk[5] = {0.2f, 0.1f, 0.5f, 0, 0.2f};
  int32_t yk[5] = {0, 1, 1, 0, 0};
  xent_tensor_t tpk = xent_tensor_1d(pk, XENT_F32, 5), tyk = xent_tensor_1d(yk, XENT_I32, 5);
  o = xent_keras_pr_options_default();
  o.top_k = 3;
  XT_OK(xent_keras_pr_create(&o, &s));
  XT_OK(xent_keras_pr_update(s, &tyk, &tpk, NULL));
  XT_OK(xent_keras_pr_result(s, &tp1, &tr1));
  XT_CHECK_CLOSE(prec[0], 1.0 / 3.0, 1e-15, 0);
  xent_keras_pr_destroy(s);
  /* test_unweighted_top_k_and_threshold: thresholds 0.7, top_k 2 -> 1 */
  float pk2[5] = {0.2f, 0.8f, 0.6f, 0, 0.2f};
  int32_t yk2[5] = {0, 1, 1, 0, 1};
  xent_tensor_t tpk2 = xent_tensor_1d(pk2, XENT_F32, 5), tyk2 = xent_tensor_1d(yk2, XENT_I32, 5);
  double t07 = 0.7;
  o.top_k = 2, o.thresholds = &t07, o.num_thresholds = 1;
  XT_OK(xent_keras_pr_create(&o, &s));
  XT_OK(xent_keras_pr_update(s, &tyk2, &tpk2, NULL));
  XT_OK(xent_keras_pr_result(s, &tp1, &tr1));
  XT_CHECK_SAME(prec[0], 1.0);
  XT_CHECK_CLOSE(rec[0], 1.0 / 3.0, 1e-15, 0);
  xent_keras_pr_destroy(s);
  /* thresholds outside [0, 1] are refused, as Keras does */
  double bad = 1.5;
  o = xent_keras_pr_options_default();
  o.thresholds = &bad, o.num_thresholds = 1;
  XT_CHECK_STATUS(xent_keras_pr_create(&o, &s), XENT_ERR_ARGUMENT);
}

/* keras confusion_metrics_test.AUCTest: y_pred [0, 0.5, 0.3, 0.9], y_true
 * [0, 0, 1, 1], num_thresholds 3 (thresholds -1e-7, 0.5, 1 + 1e-7). */
void test_metrics_keras_auc_test_vectors(void) {
  float p[4] = {0, 0.5f, 0.3f, 0.9f};
  int32_t y[4] = {0, 0, 1, 1};
  double w[4] = {1, 2, 3, 4};
  xent_tensor_t tp = xent_tensor_1d(p, XENT_F32, 4), ty = xent_tensor_1d(y, XENT_I32, 4);
  xent_tensor_t tw = xent_tensor_1d(w, XENT_F64, 4);
  xent_metric_options_t ow = weighted(&tw);
  struct {
    xent_keras_curve_t curve;
    xent_keras_summation_t sum;
    int weighted;
    double expected;
  } cases[] = {
      /* tp [2 1 0], fp [2 0 0]: recall [1, .5, 0], fpr [1, 0, 0] */
      {XENT_KERAS_CURVE_ROC, XENT_KERAS_INTERPOLATION, 0, 0.75},
      /* weighted: tp [7 4 0], fp [3 0 0], recall [1, 4/7, 0] */
      {XENT_KERAS_CURVE_ROC, XENT_KERAS_INTERPOLATION, 1, (1 + 4.0 / 7) / 2},
      {XENT_KERAS_CURVE_ROC, XENT_KERAS_MAJORING, 1, 1.0},
      {XENT_KERAS_CURVE_ROC, XENT_KERAS_MINORING, 1, 4.0 / 7},
      /* PR: precision [7/10, 1, 0]; majoring: (1 - 4/7) * 1 + (4/7) * 1 */
      {XENT_KERAS_CURVE_PR, XENT_KERAS_MAJORING, 1, 1.0},
      /* minoring: (3/7) * 0.7 + (4/7) * 0 */
      {XENT_KERAS_CURVE_PR, XENT_KERAS_MINORING, 1, 0.3},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    xent_keras_auc_options_t o = xent_keras_auc_options_default();
    o.num_thresholds = 3;
    o.curve = cases[i].curve;
    o.summation_method = cases[i].sum;
    xent_keras_auc_t *s = NULL;
    XT_OK(xent_keras_auc_create(&o, &s));
    XT_OK(xent_keras_auc_update(s, &ty, &tp, cases[i].weighted ? &ow : NULL));
    double auc = -1;
    XT_OK(xent_keras_auc_result(s, &auc, NULL));
    XT_CHECK_MSG(xt_close(auc, cases[i].expected, 1e-15, 1e-15), "case %zu: %.17g vs %.17g", i,
                 auc, cases[i].expected);
    xent_keras_auc_destroy(s);
  }
  /* the counts, in Keras's variables' layout */
  xent_keras_auc_options_t o = xent_keras_auc_options_default();
  o.num_thresholds = 3;
  xent_keras_auc_t *s = NULL;
  XT_OK(xent_keras_auc_create(&o, &s));
  XT_OK(xent_keras_auc_update(s, &ty, &tp, &ow));
  double c[12];
  xent_tensor_t t0 = xent_tensor_1d(c, XENT_F64, 3), t1 = xent_tensor_1d(c + 3, XENT_F64, 3);
  xent_tensor_t t2 = xent_tensor_1d(c + 6, XENT_F64, 3), t3 = xent_tensor_1d(c + 9, XENT_F64, 3);
  XT_OK(xent_keras_auc_counts(s, &t0, &t1, &t2, &t3));
  const double e[12] = {7, 4, 0, 3, 0, 0, 0, 3, 3, 0, 3, 7};
  for (int i = 0; i < 12; i++) XT_CHECK_SAME(c[i], e[i]);
  xent_keras_auc_destroy(s);
  /* the all-correct test: AUC(y, y) = 1 */
  float yf[4] = {0, 0, 1, 1};
  xent_tensor_t tyf = xent_tensor_1d(yf, XENT_F32, 4);
  XT_OK(xent_keras_auc_create(NULL, &s));
  XT_OK(xent_keras_auc_update(s, &ty, &tyf, NULL));
  double auc;
  XT_OK(xent_keras_auc_result(s, &auc, NULL));
  XT_CHECK_SAME(auc, 1.0);
  xent_keras_auc_destroy(s);
}

/* A confident model's probabilities crowd above 0.995: Keras's 200
 * thresholds put them in one bucket, so its AUC is 0.5 where the exact AUC is
 * 1, and the stated gap bound is 0.5. */
void test_metrics_keras_auc_crowded_scores(void) {
  enum { N = 200 };
  float p[N];
  int32_t y[N];
  for (int i = 0; i < N; i++) {
    y[i] = i % 2;
    p[i] = y[i] ? 0.999f + 0.0000025f * (float)i : 0.996f + 0.0000025f * (float)i;
  }
  xent_tensor_t tp = xent_tensor_1d(p, XENT_F32, N), ty = xent_tensor_1d(y, XENT_I32, N);
  xent_keras_auc_t *k = NULL;
  XT_OK(xent_keras_auc_create(NULL, &k));
  XT_OK(xent_keras_auc_update(k, &ty, &tp, NULL));
  double auc, gap;
  XT_OK(xent_keras_auc_result(k, &auc, &gap));
  XT_CHECK_SAME(auc, 0.5);
  XT_CHECK_SAME(gap, 0.5);
  xent_keras_auc_destroy(k);
  xent_auc_t *e = NULL;
  XT_OK(xent_auc_create(NULL, &e));
  XT_OK(xent_auc_update(e, &ty, &tp, NULL));
  XT_CHECK_SAME(roc_of(e, NULL), 1.0);
  xent_auc_destroy(e);
}

/* ---- log loss, Brier, calibration ---- */

void test_metrics_log_loss_brier_examples(void) {
  /* log_loss docstring: labels spam=1, ham=0 */
  int32_t y[4] = {1, 0, 0, 1};
  double P[8] = {.1, .9, .9, .1, .8, .2, .35, .65};
  xent_tensor_t ty = xent_tensor_1d(y, XENT_I32, 4), tP = xent_tensor_2d(P, XENT_F64, 4, 2);
  xent_mean_state_t m;
  xent_mean_state_init(&m);
  XT_OK(xent_log_loss_update(&m, &ty, &tP, XENT_LOG_LOSS_EPS_AUTO, NULL));
  long double ref = -(2 * logl(0.9L) + logl(0.8L) + logl(0.65L)) / 4;
  XT_CHECK_CLOSE(mean_of(&m), (double)ref, 1e-15, 0);
  XT_CHECK_CLOSE(mean_of(&m), 0.21616, 0, 5e-6);
  /* brier_score_loss docstring */
  int32_t yb[4] = {0, 1, 1, 0};
  double pb[4] = {0.1, 0.9, 0.8, 0.3};
  xent_tensor_t tyb = xent_tensor_1d(yb, XENT_I32, 4), tpb = xent_tensor_1d(pb, XENT_F64, 4);
  xent_mean_state_init(&m);
  XT_OK(xent_binary_brier_score_update(&m, &tyb, &tpb, NULL));
  XT_CHECK_CLOSE(mean_of(&m), 0.0375, 1e-15, 0);
  /* multi-class: (0.06 + 0.14 + 0.24) / 3, not halved for 3 classes */
  int32_t y3[3] = {0, 1, 2};
  double p3[9] = {0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.2, 0.2, 0.6};
  xent_tensor_t ty3 = xent_tensor_1d(y3, XENT_I32, 3), tp3 = xent_tensor_2d(p3, XENT_F64, 3, 3);
  xent_mean_state_init(&m);
  XT_OK(xent_brier_score_update(&m, &ty3, &tp3, XENT_BRIER_SCALE_AUTO, NULL));
  XT_CHECK_CLOSE(mean_of(&m), 0.44 / 3, 1e-14, 0);
  /* two columns are halved (scale_by_half='auto'), the binary form equals it */
  double p2[8] = {0.9, 0.1, 0.1, 0.9, 0.2, 0.8, 0.7, 0.3};
  xent_tensor_t tp2 = xent_tensor_2d(p2, XENT_F64, 4, 2);
  xent_mean_state_init(&m);
  XT_OK(xent_brier_score_update(&m, &tyb, &tp2, XENT_BRIER_SCALE_AUTO, NULL));
  XT_CHECK_CLOSE(mean_of(&m), 0.0375, 1e-14, 0);
  /* clipping: p = 0 for the true class costs -log(eps) with eps = 2^-52 */
  double pz[2] = {1, 0};
  int32_t y1[1] = {1};
  xent_tensor_t tpz = xent_tensor_2d(pz, XENT_F64, 1, 2), ty1 = xent_tensor_1d(y1, XENT_I32, 1);
  xent_mean_state_init(&m);
  XT_OK(xent_log_loss_update(&m, &ty1, &tpz, XENT_LOG_LOSS_EPS_AUTO, NULL));
  XT_CHECK_CLOSE(mean_of(&m), 52 * log(2.0), 1e-15, 0);
  xent_mean_state_init(&m);
  XT_OK(xent_log_loss_update(&m, &ty1, &tpz, 0.0, NULL));
  XT_CHECK_SAME(mean_of(&m), INFINITY);
  /* outside [0, 1] is refused, naming the element */
  double bad[2] = {1.5, -0.5};
  xent_tensor_t tbad = xent_tensor_2d(bad, XENT_F64, 1, 2);
  XT_CHECK_STATUS(xent_log_loss_update(&m, &ty1, &tbad, XENT_LOG_LOSS_EPS_AUTO, NULL),
                  XENT_ERR_VALUE);
  XT_CHECK(strstr(xent_last_error(), "y_prob[0, 0] = 1.5") != NULL);
}

void test_metrics_calibration_examples(void) {
  /* calibration_curve docstring: n_bins 3 -> prob_true [0, 0.5, 1],
   * prob_pred [0.2, 0.525, 0.85] */
  int32_t y[9] = {0, 0, 0, 0, 1, 1, 1, 1, 1};
  double p[9] = {0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0};
  xent_tensor_t ty = xent_tensor_1d(y, XENT_I32, 9), tp = xent_tensor_1d(p, XENT_F64, 9);
  xent_calibration_config_t cfg = xent_calibration_config_default();
  cfg.bins = 3;
  xent_calibration_t *s = NULL;
  XT_OK(xent_calibration_create(&cfg, &s));
  XT_OK(xent_calibration_update(s, &ty, &tp, NULL));
  double W[3], conf[3], acc[3], lo[3], hi[3];
  xent_tensor_t tW = xent_tensor_1d(W, XENT_F64, 3), tc = xent_tensor_1d(conf, XENT_F64, 3);
  xent_tensor_t ta = xent_tensor_1d(acc, XENT_F64, 3), tl = xent_tensor_1d(lo, XENT_F64, 3);
  xent_tensor_t th = xent_tensor_1d(hi, XENT_F64, 3);
  XT_OK(xent_reliability_table(s, &tl, &th, &tW, &tc, &ta));
  const double eacc[3] = {0, 0.5, 1}, econf[3] = {0.2, 0.525, 0.85}, eW[3] = {3, 2, 4};
  for (int i = 0; i < 3; i++) {
    XT_CHECK_CLOSE(acc[i], eacc[i], 1e-15, 0);
    XT_CHECK_CLOSE(conf[i], econf[i], 1e-15, 1e-16);
    XT_CHECK_SAME(W[i], eW[i]);
  }
  XT_CHECK_SAME(lo[0], 0.0);
  XT_CHECK_SAME(hi[2], 1.0);
  /* ECE = (3 * 0.2 + 2 * 0.025 + 4 * 0.15) / 9; MCE = 0.2 */
  double ece, mce;
  XT_OK(xent_calibration_error(s, &ece, &mce));
  XT_CHECK_CLOSE(ece, (3 * 0.2 + 2 * 0.025 + 4 * 0.15) / 9, 1e-14, 0);
  XT_CHECK_CLOSE(mce, 0.2, 1e-14, 0);
  xent_calibration_destroy(s);
  /* top-label: confidence = max p, outcome = argmax correct */
  double q[6] = {0.7, 0.2, 0.1, 0.3, 0.6, 0.1};
  int32_t lab[2] = {0, 0};
  xent_tensor_t tq = xent_tensor_2d(q, XENT_F64, 2, 3), tlab = xent_tensor_1d(lab, XENT_I32, 2);
  cfg.kind = XENT_CALIBRATION_TOP_LABEL;
  cfg.bins = 1;
  XT_OK(xent_calibration_create(&cfg, &s));
  XT_OK(xent_calibration_update(s, &tlab, &tq, NULL));
  XT_OK(xent_calibration_error(s, &ece, &mce));
  XT_CHECK_CLOSE(ece, fabs(0.5 - 0.65), 1e-15, 0);
  xent_calibration_destroy(s);
  /* weights: one bin, confidences 0.2 (miss, weight 3) and 0.8 (hit, weight
   * 1): conf = (0.6 + 0.8) / 4 = 0.35, acc = 1 / 4, ECE = MCE = 0.1 */
  double cw[2] = {0.2, 0.8}, ww[2] = {3, 1};
  int32_t cy[2] = {0, 1};
  xent_tensor_t tcw = xent_tensor_1d(cw, XENT_F64, 2), tww = xent_tensor_1d(ww, XENT_F64, 2);
  xent_tensor_t tcy = xent_tensor_1d(cy, XENT_I32, 2);
  xent_metric_options_t ow = weighted(&tww);
  cfg = xent_calibration_config_default();
  cfg.bins = 1;
  for (int strat = 0; strat < 2; strat++) {
    cfg.strategy = (xent_bins_t)strat;
    XT_OK(xent_calibration_create(&cfg, &s));
    XT_OK(xent_calibration_update(s, &tcy, &tcw, &ow));
    XT_OK(xent_calibration_error(s, &ece, &mce));
    XT_CHECK_CLOSE(ece, 0.1, 1e-15, 1e-16);
    XT_CHECK_CLOSE(mce, 0.1, 1e-15, 1e-16);
    xent_calibration_destroy(s);
  }
  /* empty: NaN */
  XT_OK(xent_calibration_create(NULL, &s));
  XT_OK(xent_calibration_error(s, &ece, &mce));
  XT_CHECK(isnan(ece) && isnan(mce));
  xent_calibration_destroy(s);
}

/* ---- exact AUC against brute force ---- */

/* Mann-Whitney over every (positive, negative) pair, ties 1/2. */
static double brute_roc(const double *y, const double *s, const double *w, int n) {
  long double u = 0, P = 0, N = 0;
  for (int i = 0; i < n; i++) {
    long double wi = w ? w[i] : 1;
    if (y[i] == 1) P += wi; else N += wi;
    if (y[i] != 1) continue;
    for (int j = 0; j < n; j++) {
      if (y[j] == 1) continue;
      long double wj = w ? w[j] : 1;
      if (s[i] > s[j]) u += wi * wj;
      else if (s[i] == s[j]) u += wi * wj / 2;
    }
  }
  return P > 0 && N > 0 ? (double)(u / (P * N)) : NAN;
}

/* Average precision straight from its definition: for each distinct score
 * t holding positives, (positive weight at t / P) * precision(score >= t). */
static double brute_ap(const double *y, const double *s, const double *w, int n) {
  long double P = 0, ap = 0;
  for (int i = 0; i < n; i++)
    if (y[i] == 1) P += w ? w[i] : 1;
  if (P == 0) return NAN;
  for (int i = 0; i < n; i++) {
    int first = 1; /* handle each distinct score once */
    for (int j = 0; j < i; j++)
      if (s[j] == s[i]) first = 0;
    if (!first) continue;
    long double at = 0, tp = 0, all = 0;
    for (int j = 0; j < n; j++) {
      long double wj = w ? w[j] : 1;
      if (s[j] == s[i] && y[j] == 1) at += wj;
      if (s[j] >= s[i]) {
        all += wj;
        if (y[j] == 1) tp += wj;
      }
    }
    if (at > 0) ap += at / P * (tp / all);
  }
  return (double)ap;
}

void test_metrics_auc_against_brute_force(void) {
  xt_rng r = {20240605};
  for (int trial = 0; trial < 60; trial++) {
    int n = 1 + (int)(xt_next(&r) % 300);
    double *y = malloc(sizeof(double) * (size_t)n), *s = malloc(sizeof(double) * (size_t)n);
    double *w = malloc(sizeof(double) * (size_t)n);
    int levels = trial % 3 == 0 ? 3 : trial % 3 == 1 ? 20 : 0; /* tie-heavy or not */
    for (int i = 0; i < n; i++) {
      y[i] = (double)(xt_next(&r) % 2);
      s[i] = levels ? (double)(xt_next(&r) % (unsigned)levels) - 1 : xt_normal(&r) + y[i];
      if (s[i] == 0 && (xt_next(&r) & 1)) s[i] = -0.0; /* one tie with +0.0 */
      w[i] = trial % 2 ? xt_uniform(&r, 0.1, 3) : 1;
    }
    if (trial == 5) s[0] = INFINITY, y[0] = 0;
    if (trial == 7) s[n - 1] = -INFINITY;
    const double *wp = trial % 2 ? w : NULL;
    xent_auc_t *st = binary_auc(y, s, wp, n, 0);
    double want_roc = brute_roc(y, s, wp, n), want_ap = brute_ap(y, s, wp, n);
    XT_CHECK_MSG(xt_close(roc_of(st, NULL), want_roc, 1e-13, 0), "trial %d: roc %.17g vs %.17g",
                 trial, roc_of(st, NULL), want_roc);
    XT_CHECK_MSG(xt_close(ap_of(st, NULL), want_ap, 1e-13, 0), "trial %d: ap %.17g vs %.17g",
                 trial, ap_of(st, NULL), want_ap);
    xent_auc_destroy(st);
    free(y), free(s), free(w);
  }
  /* -0.0 and +0.0 are one score: a tie */
  double y2[2] = {0, 1}, s2[2] = {0.0, -0.0};
  xent_auc_t *st = binary_auc(y2, s2, NULL, 2, 0);
  XT_CHECK_SAME(roc_of(st, NULL), 0.5);
  xent_auc_destroy(st);
  /* unit weights: the correctly rounded ratio. Positives 3, 2, 1 against
   * negatives 2.5, 0, -1 win 3 + 2 + 2 of the 9 pairs. */
  double y3[6] = {1, 1, 1, 0, 0, 0}, s3[6] = {3, 2, 1, 2.5, 0, -1};
  st = binary_auc(y3, s3, NULL, 6, 0);
  XT_CHECK_SAME(roc_of(st, NULL), 7.0 / 9.0);
  xent_auc_destroy(st);
}

/* Scores that float32 can hold exactly are stored compactly; the first other
 * score widens the storage. Every mix of the two, through updates and
 * merges in either direction, gives the brute-force values. */
void test_metrics_auc_compact_and_wide_scores(void) {
  enum { N = 400 };
  double y[N], s[N];
  xt_rng r = {4242};
  for (int i = 0; i < N; i++) {
    y[i] = (double)(xt_next(&r) % 2);
    double v = (double)(int)(xt_next(&r) % 64) / 16.0 + y[i] * 0.5; /* exact in f32 */
    s[i] = i % 5 == 0 ? v + 0.1 : v;                               /* 0.1 is not */
  }
  double roc = brute_roc(y, s, NULL, N), ap = brute_ap(y, s, NULL, N);
  /* a gets the f32-exact scores (compact), b the others (wide), chosen by a
   * mask; a is read (and so sorted) before the merge; then merged both ways */
  for (int order = 0; order < 2; order++) {
    xent_auc_t *a = NULL, *b = NULL;
    XT_OK(xent_auc_create(NULL, &a));
    XT_OK(xent_auc_create(NULL, &b));
    uint8_t mask[N];
    xent_tensor_t ty = xent_tensor_1d(y, XENT_F64, N), ts = xent_tensor_1d(s, XENT_F64, N);
    xent_tensor_t tm = xent_tensor_1d(mask, XENT_U8, N);
    xent_metric_options_t om = xent_metric_options_default();
    om.mask = &tm;
    for (int i = 0; i < N; i++) mask[i] = i % 5 != 0;
    XT_OK(xent_auc_update(a, &ty, &ts, &om));
    for (int i = 0; i < N; i++) mask[i] = i % 5 == 0;
    XT_OK(xent_auc_update(b, &ty, &ts, &om));
    (void)roc_of(a, NULL);
    if (order == 0) {
      XT_OK(xent_auc_merge(a, b));
      XT_CHECK_CLOSE(roc_of(a, NULL), roc, 1e-15, 0);
      XT_CHECK_CLOSE(ap_of(a, NULL), ap, 1e-14, 0);
    } else {
      XT_OK(xent_auc_merge(b, a));
      XT_CHECK_CLOSE(roc_of(b, NULL), roc, 1e-15, 0);
      XT_CHECK_CLOSE(ap_of(b, NULL), ap, 1e-14, 0);
    }
    xent_auc_destroy(a), xent_auc_destroy(b);
  }
  /* one state: a compact batch, a wide batch, then f32 scores again */
  xent_auc_t *c = NULL;
  XT_OK(xent_auc_create(NULL, &c));
  float sf[N];
  for (int i = 0; i < N; i++) sf[i] = (float)s[i];
  xent_tensor_t ty1 = xent_tensor_1d(y, XENT_F64, 100), ts1 = xent_tensor_1d(s, XENT_F64, 100);
  xent_tensor_t ty2 = xent_tensor_1d(y + 100, XENT_F64, 200), ts2 = xent_tensor_1d(s + 100, XENT_F64, 200);
  xent_tensor_t ty3 = xent_tensor_1d(y + 300, XENT_F64, 100), ts3 = xent_tensor_1d(sf + 300, XENT_F32, 100);
  XT_OK(xent_auc_update(c, &ty1, &ts1, NULL));
  XT_OK(xent_auc_update(c, &ty2, &ts2, NULL));
  XT_OK(xent_auc_update(c, &ty3, &ts3, NULL));
  double s_ref[N];
  for (int i = 0; i < N; i++) s_ref[i] = i >= 300 ? (double)sf[i] : s[i];
  XT_CHECK_CLOSE(roc_of(c, NULL), brute_roc(y, s_ref, NULL, N), 1e-15, 0);
  xent_auc_destroy(c);
}

/* Multi-class one-vs-one and one-vs-rest against pairwise brute force. */
void test_metrics_auc_multiclass_brute_force(void) {
  enum { N = 90, C = 4 };
  xt_rng r = {77};
  double S[N * C], yd[N];
  int64_t y[N];
  for (int i = 0; i < N; i++) {
    y[i] = (int64_t)(xt_next(&r) % C);
    yd[i] = (double)y[i];
    for (int c = 0; c < C; c++) S[i * C + c] = (double)(xt_next(&r) % 5) + (c == y[i]);
  }
  xent_auc_config_t cfg = xent_auc_config_default();
  cfg.task = XENT_AUC_MULTICLASS, cfg.classes = C;
  xent_auc_t *st = NULL;
  XT_OK(xent_auc_create(&cfg, &st));
  xent_tensor_t ty = xent_tensor_1d(y, XENT_I64, N), ts = xent_tensor_2d(S, XENT_F64, N, C);
  XT_OK(xent_auc_update(st, &ty, &ts, NULL));
  /* one-vs-rest columns */
  double cols[C], col_s[N], col_y[N];
  xent_auc_options_t o = xent_auc_options_default();
  o.average = XENT_AVERAGE_NONE;
  xent_tensor_t tc = xent_tensor_1d(cols, XENT_F64, C);
  XT_OK(xent_roc_auc(st, &o, &tc, NULL));
  double macro = 0;
  for (int c = 0; c < C; c++) {
    for (int i = 0; i < N; i++) col_s[i] = S[i * C + c], col_y[i] = y[i] == c;
    double want = brute_roc(col_y, col_s, NULL, N);
    XT_CHECK_CLOSE(cols[c], want, 1e-14, 0);
    macro += want / C;
  }
  o.average = XENT_AVERAGE_MACRO;
  XT_CHECK_CLOSE(roc_of(st, &o), macro, 1e-14, 0);
  /* one-vs-one (Hand & Till) */
  double sum = 0;
  int pairs = 0;
  for (int a = 0; a < C; a++)
    for (int b = a + 1; b < C; b++) {
      double ya[N], sa[N], yb[N], sb[N];
      int m = 0;
      for (int i = 0; i < N; i++) {
        if (y[i] != a && y[i] != b) continue;
        ya[m] = y[i] == a, sa[m] = S[i * C + a];
        yb[m] = y[i] == b, sb[m] = S[i * C + b];
        m++;
      }
      sum += (brute_roc(ya, sa, NULL, m) + brute_roc(yb, sb, NULL, m)) / 2;
      pairs++;
    }
  o.multi_class = XENT_MULTICLASS_OVO;
  XT_CHECK_CLOSE(roc_of(st, &o), sum / pairs, 1e-14, 0);
  /* channels-first (N, C, 1) scores with the class axis 1 give the same */
  xent_auc_t *st2 = NULL;
  XT_OK(xent_auc_create(&cfg, &st2));
  int64_t shape[3] = {N, C, 1}, strides[3] = {C, 1, 1};
  xent_tensor_t ts3;
  XT_OK(xent_tensor_init(&ts3, S, XENT_F64, 3, shape, strides));
  int64_t yshape[2] = {N, 1};
  xent_tensor_t ty2;
  XT_OK(xent_tensor_init(&ty2, y, XENT_I64, 2, yshape, NULL));
  xent_metric_options_t mo = xent_metric_options_default();
  mo.axis = 1;
  XT_OK(xent_auc_update(st2, &ty2, &ts3, &mo));
  XT_CHECK_SAME(roc_of(st2, &o), roc_of(st, &o));
  xent_auc_destroy(st);
  xent_auc_destroy(st2);
  (void)yd;
}

/* ---- streaming: merge equals whole ---- */

void test_metrics_auc_merge_equals_whole(void) {
  enum { N = 3000, C = 3 };
  xt_rng r = {99};
  static double S[N * C], Y[N * C], W[N];
  static int64_t lab[N];
  for (int i = 0; i < N; i++) {
    lab[i] = (int64_t)(xt_next(&r) % C);
    W[i] = (double)(1 + xt_next(&r) % 4);
    for (int c = 0; c < C; c++) {
      Y[i * C + c] = (double)(xt_next(&r) % 2);
      S[i * C + c] = (double)(xt_next(&r) % 1000) / 997.0 + 0.3 * Y[i * C + c];
    }
  }
  const xent_auc_task_t tasks[3] = {XENT_AUC_BINARY, XENT_AUC_MULTICLASS, XENT_AUC_MULTILABEL};
  const int64_t caps[3] = {0, 64, 100000};
  for (int t = 0; t < 3; t++)
    for (int k = 0; k < 3; k++)
      for (int use_w = 0; use_w < 2; use_w++) {
        xent_auc_config_t cfg = xent_auc_config_default();
        cfg.task = tasks[t];
        cfg.classes = C;
        cfg.capacity = caps[k];
        if (tasks[t] == XENT_AUC_MULTICLASS && caps[k]) cfg.flags = XENT_AUC_ONE_VS_ONE;
        xent_auc_t *whole = NULL, *merged = NULL;
        XT_OK(xent_auc_create(&cfg, &whole));
        XT_OK(xent_auc_create(&cfg, &merged));
        /* binary: every element of S against Y; others (N, C) rows */
        int64_t n = tasks[t] == XENT_AUC_BINARY ? N * C : N;
        xent_tensor_t ys = tasks[t] == XENT_AUC_MULTICLASS ? xent_tensor_1d(lab, XENT_I64, N)
                           : tasks[t] == XENT_AUC_BINARY  ? xent_tensor_1d(Y, XENT_F64, n)
                                                          : xent_tensor_2d(Y, XENT_F64, N, C);
        xent_tensor_t ss = tasks[t] == XENT_AUC_BINARY ? xent_tensor_1d(S, XENT_F64, n)
                                                       : xent_tensor_2d(S, XENT_F64, N, C);
        xent_tensor_t ws = xent_tensor_1d(W, XENT_F64, tasks[t] == XENT_AUC_BINARY ? 1 : N);
        if (tasks[t] == XENT_AUC_BINARY) ws.strides[0] = 0, ws.shape[0] = n; /* broadcast w[0] */
        xent_metric_options_t o = weighted(use_w ? &ws : NULL);
        XT_OK(xent_auc_update(whole, &ys, &ss, &o));
        /* seven uneven batches into separate states, merged in another order */
        xent_auc_t *parts[7];
        int64_t cut[8] = {0, 1, 17, 18, n / 3, n / 2, n - 5, n};
        for (int p = 0; p < 7; p++) {
          XT_OK(xent_auc_create(&cfg, &parts[p]));
          xent_tensor_t yb = ys, sb = ss, wb = ws;
          int64_t a = cut[p], len = cut[p + 1] - cut[p];
          size_t ysz = xent_dtype_size(ys.dtype);
          yb.data = (char *)ys.data + a * ys.strides[0] * (int64_t)ysz;
          yb.shape[0] = len;
          sb.data = (char *)ss.data + a * ss.strides[0] * 8;
          sb.shape[0] = len;
          wb.data = (char *)ws.data + a * ws.strides[0] * 8;
          wb.shape[0] = len;
          xent_metric_options_t ob = weighted(use_w ? &wb : NULL);
          XT_OK(xent_auc_update(parts[p], &yb, &sb, &ob));
        }
        for (int p = 6; p >= 0; p--) {
          if (p == 3) { /* read a result half-way: sorting must not change later results */
            double dummy;
            xent_tensor_t out = xent_tensor_1d(&dummy, XENT_F64, 1);
            XT_OK(xent_roc_auc(merged, NULL, &out, NULL));
          }
          XT_OK(xent_auc_merge(merged, parts[p]));
          xent_auc_destroy(parts[p]);
        }
        xent_average_t avgs[4] = {XENT_AVERAGE_MACRO, XENT_AVERAGE_WEIGHTED, XENT_AVERAGE_MICRO,
                                  XENT_AVERAGE_SAMPLES};
        for (int a = 0; a < 4; a++) {
          if (avgs[a] == XENT_AVERAGE_SAMPLES && tasks[t] != XENT_AUC_MULTILABEL) continue;
          xent_auc_options_t ao = xent_auc_options_default();
          ao.average = avgs[a];
          double r1, r2, a1, a2, b1, b2, c1, c2;
          xent_tensor_t o1 = xent_tensor_1d(&r1, XENT_F64, 1), o2 = xent_tensor_1d(&r2, XENT_F64, 1);
          xent_tensor_t o3 = xent_tensor_1d(&a1, XENT_F64, 1), o4 = xent_tensor_1d(&a2, XENT_F64, 1);
          XT_OK(xent_roc_auc(whole, &ao, &o1, &b1));
          XT_OK(xent_roc_auc(merged, &ao, &o2, &b2));
          XT_OK(xent_average_precision(whole, &ao, &o3, &c1));
          XT_OK(xent_average_precision(merged, &ao, &o4, &c2));
          /* unit weights: bit for bit; integer weights: the sums are exact too */
          XT_CHECK_MSG(xt_close(r1, r2, use_w ? 1e-15 : 0, 0) && xt_close(a1, a2, use_w ? 1e-15 : 0, 0),
                       "task %d cap %lld w %d avg %d: roc %.17g / %.17g, ap %.17g / %.17g", t,
                       (long long)caps[k], use_w, a, r1, r2, a1, a2);
          XT_CHECK(xt_close(b1, b2, 1e-15, 0) && xt_close(c1, c2, 1e-15, 0));
        }
        if (tasks[t] == XENT_AUC_MULTICLASS) {
          xent_auc_options_t ao = xent_auc_options_default();
          ao.multi_class = XENT_MULTICLASS_OVO;
          XT_CHECK(xt_close(roc_of(whole, &ao), roc_of(merged, &ao), use_w ? 1e-15 : 0, 0));
        }
        xent_auc_destroy(whole);
        xent_auc_destroy(merged);
      }
}

/* The bounded mode keeps at most `capacity` groups per column, and its stated
 * bound covers the distance to the exact value. */
void test_metrics_auc_bounded_error_bound(void) {
  enum { N = 200000 };
  double *y = malloc(sizeof(double) * N), *s = malloc(sizeof(double) * N);
  xt_rng r = {5};
  for (int i = 0; i < N; i++) {
    y[i] = xt_uniform(&r, 0, 1) < 0.3;
    s[i] = xt_normal(&r) + 1.2 * y[i];
  }
  xent_auc_t *exact = binary_auc(y, s, NULL, N, 0);
  double roc = roc_of(exact, NULL), ap = ap_of(exact, NULL);
  const int64_t caps[4] = {16, 256, 4096, 65536};
  double last_bound = INFINITY;
  for (int k = 0; k < 4; k++) {
    xent_auc_t *b = binary_auc(y, s, NULL, N, caps[k]);
    double v, bound, va, bounda;
    xent_tensor_t out = xent_tensor_1d(&v, XENT_F64, 1), outa = xent_tensor_1d(&va, XENT_F64, 1);
    XT_OK(xent_roc_auc(b, NULL, &out, &bound));
    XT_OK(xent_average_precision(b, NULL, &outa, &bounda));
    XT_CHECK_MSG(fabs(v - roc) <= bound, "cap %lld: |%.17g - %.17g| > %g", (long long)caps[k], v,
                 roc, bound);
    XT_CHECK_MSG(fabs(va - ap) <= bounda, "cap %lld: AP |%.17g - %.17g| > %g", (long long)caps[k],
                 va, ap, bounda);
    XT_CHECK(bound <= last_bound);
    last_bound = bound;
    /* the stated a-priori rate: about W^2 / (4 M P N) for balanced groups;
     * check the computed bound is within a small factor of it */
    double P = 0.3 * N, Nn = 0.7 * N;
    XT_CHECK_MSG(bound <= 4.0 * (double)N * N / (4.0 * (double)caps[k] * P * Nn),
                 "cap %lld: bound %g", (long long)caps[k], bound);
    int64_t bytes = 0;
    XT_OK(xent_auc_memory(b, &bytes));
    XT_CHECK_MSG(bytes <= 200 + caps[k] * 4 * (36 + 16) + 4096, "cap %lld holds %lld bytes",
                 (long long)caps[k], (long long)bytes);
    xent_auc_destroy(b);
  }
  /* a capacity above the number of distinct scores is exact, bound 0 */
  double y4[6] = {1, 0, 1, 0, 1, 0}, s4[6] = {0.5, 0.5, 0.9, 0.1, 0.1, 0.9};
  xent_auc_t *b = binary_auc(y4, s4, NULL, 6, 3);
  double v, bound;
  xent_tensor_t out = xent_tensor_1d(&v, XENT_F64, 1);
  XT_OK(xent_roc_auc(b, NULL, &out, &bound));
  XT_CHECK_SAME(v, brute_roc(y4, s4, NULL, 6));
  XT_CHECK_SAME(bound, 0.0);
  xent_auc_destroy(b);
  xent_auc_destroy(exact);
  free(y), free(s);
}

void test_metrics_merge_equals_whole(void) {
  enum { N = 500, C = 4 };
  xt_rng r = {123};
  static float P[N * C], onehot[N * C], ind[N * C];
  static int64_t lab[N];
  static double W[N];
  for (int i = 0; i < N; i++) {
    lab[i] = (int64_t)(xt_next(&r) % C);
    W[i] = xt_uniform(&r, 0, 2);
    if (i % 11 == 0) W[i] = 0;
    float sum = 0;
    for (int c = 0; c < C; c++) {
      P[i * C + c] = (float)(xt_next(&r) % 7) + 0.5f;
      sum += P[i * C + c];
      onehot[i * C + c] = c == lab[i];
      ind[i * C + c] = (float)(xt_next(&r) % 2);
    }
    for (int c = 0; c < C; c++) P[i * C + c] /= sum;
  }
  const int cut = 137;
  xent_tensor_t tP = xent_tensor_2d(P, XENT_F32, N, C), tP1 = xent_tensor_2d(P, XENT_F32, cut, C);
  xent_tensor_t tP2 = xent_tensor_2d(P + cut * C, XENT_F32, N - cut, C);
  xent_tensor_t tl = xent_tensor_1d(lab, XENT_I64, N), tl1 = xent_tensor_1d(lab, XENT_I64, cut);
  xent_tensor_t tl2 = xent_tensor_1d(lab + cut, XENT_I64, N - cut);
  xent_tensor_t tW = xent_tensor_1d(W, XENT_F64, N), tW1 = xent_tensor_1d(W, XENT_F64, cut);
  xent_tensor_t tW2 = xent_tensor_1d(W + cut, XENT_F64, N - cut);
  xent_metric_options_t o = weighted(&tW), o1 = weighted(&tW1), o2 = weighted(&tW2);

  /* mean states: sparse top-2 accuracy and log loss */
  xent_mean_state_t whole, a, b;
  xent_mean_state_init(&whole), xent_mean_state_init(&a), xent_mean_state_init(&b);
  XT_OK(xent_sparse_top_k_categorical_accuracy_update(&whole, &tl, &tP, 2, &o));
  XT_OK(xent_sparse_top_k_categorical_accuracy_update(&a, &tl1, &tP1, 2, &o1));
  XT_OK(xent_sparse_top_k_categorical_accuracy_update(&b, &tl2, &tP2, 2, &o2));
  XT_OK(xent_mean_state_merge(&a, &b));
  XT_CHECK_CLOSE(mean_of(&a), mean_of(&whole), 1e-15, 0);
  xent_mean_state_init(&whole), xent_mean_state_init(&a), xent_mean_state_init(&b);
  XT_OK(xent_log_loss_update(&whole, &tl, &tP, XENT_LOG_LOSS_EPS_AUTO, &o));
  XT_OK(xent_log_loss_update(&a, &tl1, &tP1, XENT_LOG_LOSS_EPS_AUTO, &o1));
  XT_OK(xent_log_loss_update(&b, &tl2, &tP2, XENT_LOG_LOSS_EPS_AUTO, &o2));
  XT_OK(xent_mean_state_merge(&b, &a));
  XT_CHECK_CLOSE(mean_of(&b), mean_of(&whole), 1e-15, 0);

  /* confusion: multi-class with argmax predictions, F-beta weighted */
  xent_confusion_t *cw = NULL, *c1 = NULL, *c2 = NULL;
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTICLASS, C, 0.5, &cw));
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTICLASS, C, 0.5, &c1));
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTICLASS, C, 0.5, &c2));
  XT_OK(xent_confusion_update(cw, &tl, &tP, &o));
  XT_OK(xent_confusion_update(c1, &tl1, &tP1, &o1));
  XT_OK(xent_confusion_update(c2, &tl2, &tP2, &o2));
  XT_OK(xent_confusion_merge(c2, c1));
  xent_prf_options_t po = xent_prf_options_default();
  po.average = XENT_AVERAGE_WEIGHTED, po.beta = 2;
  double f1, f2;
  xent_tensor_t tf1 = xent_tensor_1d(&f1, XENT_F64, 1), tf2 = xent_tensor_1d(&f2, XENT_F64, 1);
  XT_OK(xent_precision_recall_fscore(cw, &po, NULL, NULL, &tf1, NULL));
  XT_OK(xent_precision_recall_fscore(c2, &po, NULL, NULL, &tf2, NULL));
  XT_CHECK_CLOSE(f1, f2, 1e-15, 0);
  xent_confusion_destroy(cw), xent_confusion_destroy(c1), xent_confusion_destroy(c2);

  /* multi-label confusion with the 'samples' average */
  xent_tensor_t ti = xent_tensor_2d(ind, XENT_F32, N, C), ti1 = xent_tensor_2d(ind, XENT_F32, cut, C);
  xent_tensor_t ti2 = xent_tensor_2d(ind + cut * C, XENT_F32, N - cut, C);
  xent_tensor_t toh = xent_tensor_2d(onehot, XENT_F32, N, C);
  xent_tensor_t toh1 = xent_tensor_2d(onehot, XENT_F32, cut, C);
  xent_tensor_t toh2 = xent_tensor_2d(onehot + cut * C, XENT_F32, N - cut, C);
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTILABEL, C, 0.5, &cw));
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTILABEL, C, 0.5, &c1));
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTILABEL, C, 0.5, &c2));
  XT_OK(xent_confusion_update(cw, &toh, &ti, &o));
  XT_OK(xent_confusion_update(c1, &toh1, &ti1, &o1));
  XT_OK(xent_confusion_update(c2, &toh2, &ti2, &o2));
  XT_OK(xent_confusion_merge(c1, c2));
  po.average = XENT_AVERAGE_SAMPLES, po.zero_division = NAN;
  XT_OK(xent_precision_recall_fscore(cw, &po, NULL, NULL, &tf1, NULL));
  XT_OK(xent_precision_recall_fscore(c1, &po, NULL, NULL, &tf2, NULL));
  XT_CHECK_CLOSE(f1, f2, 1e-15, 0);
  xent_confusion_destroy(cw), xent_confusion_destroy(c1), xent_confusion_destroy(c2);

  /* Keras AUC and Precision/Recall */
  xent_keras_auc_options_t ko = xent_keras_auc_options_default();
  ko.multi_label = 1, ko.num_labels = C, ko.curve = XENT_KERAS_CURVE_PR;
  xent_keras_auc_t *kw = NULL, *k1 = NULL, *k2 = NULL;
  XT_OK(xent_keras_auc_create(&ko, &kw));
  XT_OK(xent_keras_auc_create(&ko, &k1));
  XT_OK(xent_keras_auc_create(&ko, &k2));
  XT_OK(xent_keras_auc_update(kw, &toh, &tP, &o));
  XT_OK(xent_keras_auc_update(k1, &toh1, &tP1, &o1));
  XT_OK(xent_keras_auc_update(k2, &toh2, &tP2, &o2));
  XT_OK(xent_keras_auc_merge(k1, k2));
  double ka, kb;
  XT_OK(xent_keras_auc_result(kw, &ka, NULL));
  XT_OK(xent_keras_auc_result(k1, &kb, NULL));
  XT_CHECK_CLOSE(ka, kb, 1e-14, 0);
  xent_keras_auc_destroy(kw), xent_keras_auc_destroy(k1), xent_keras_auc_destroy(k2);
  xent_keras_pr_options_t pko = xent_keras_pr_options_default();
  pko.top_k = 2;
  xent_keras_pr_t *pw = NULL, *p1 = NULL, *p2 = NULL;
  XT_OK(xent_keras_pr_create(&pko, &pw));
  XT_OK(xent_keras_pr_create(&pko, &p1));
  XT_OK(xent_keras_pr_create(&pko, &p2));
  XT_OK(xent_keras_pr_update(pw, &toh, &tP, &o));
  XT_OK(xent_keras_pr_update(p1, &toh1, &tP1, &o1));
  XT_OK(xent_keras_pr_update(p2, &toh2, &tP2, &o2));
  XT_OK(xent_keras_pr_merge(p2, p1));
  double pr1[2], pr2[2];
  xent_tensor_t tq1 = xent_tensor_1d(pr1, XENT_F64, 1), tq2 = xent_tensor_1d(pr2, XENT_F64, 1);
  xent_tensor_t tr1 = xent_tensor_1d(pr1 + 1, XENT_F64, 1), tr2 = xent_tensor_1d(pr2 + 1, XENT_F64, 1);
  XT_OK(xent_keras_pr_result(pw, &tq1, &tr1));
  XT_OK(xent_keras_pr_result(p2, &tq2, &tr2));
  XT_CHECK_CLOSE(pr1[0], pr2[0], 1e-15, 0);
  XT_CHECK_CLOSE(pr1[1], pr2[1], 1e-15, 0);
  xent_keras_pr_destroy(pw), xent_keras_pr_destroy(p1), xent_keras_pr_destroy(p2);

  /* calibration, both binnings, top-label */
  for (int strat = 0; strat < 2; strat++) {
    xent_calibration_config_t cc = xent_calibration_config_default();
    cc.kind = XENT_CALIBRATION_TOP_LABEL, cc.bins = 7, cc.strategy = (xent_bins_t)strat;
    xent_calibration_t *sw = NULL, *s1 = NULL, *s2 = NULL;
    XT_OK(xent_calibration_create(&cc, &sw));
    XT_OK(xent_calibration_create(&cc, &s1));
    XT_OK(xent_calibration_create(&cc, &s2));
    XT_OK(xent_calibration_update(sw, &tl, &tP, &o));
    XT_OK(xent_calibration_update(s1, &tl1, &tP1, &o1));
    XT_OK(xent_calibration_update(s2, &tl2, &tP2, &o2));
    XT_OK(xent_calibration_merge(s1, s2));
    double e1, m1, e2, m2;
    XT_OK(xent_calibration_error(sw, &e1, &m1));
    XT_OK(xent_calibration_error(s1, &e2, &m2));
    XT_CHECK_CLOSE(e1, e2, 1e-14, 0);
    XT_CHECK_CLOSE(m1, m2, 1e-14, 0);
    xent_calibration_destroy(sw), xent_calibration_destroy(s1), xent_calibration_destroy(s2);
  }
}

/* ---- undefined values, errors, masks ---- */

void test_metrics_single_class_and_empty(void) {
  double y[4] = {0, 0, 0, 0}, s[4] = {0.1, 0.2, 0.3, 0.4};
  xent_auc_t *st = binary_auc(y, s, NULL, 4, 0);
  XT_CHECK(isnan(roc_of(st, NULL)));
  XT_CHECK(isnan(ap_of(st, NULL)));
  xent_auc_options_t o = xent_auc_options_default();
  o.flags = XENT_AUC_AP_NO_POSITIVES_IS_ZERO;
  XT_CHECK_SAME(ap_of(st, &o), 0.0); /* scikit-learn's value */
  xent_auc_destroy(st);
  double y1[3] = {1, 1, 1};
  st = binary_auc(y1, s, NULL, 3, 0);
  XT_CHECK(isnan(roc_of(st, NULL)));
  XT_CHECK_SAME(ap_of(st, NULL), 1.0); /* no negatives: every precision is 1 */
  xent_auc_destroy(st);
  /* empty state */
  XT_OK(xent_auc_create(NULL, &st));
  XT_CHECK(isnan(roc_of(st, NULL)));
  double bound = 0;
  double v;
  xent_tensor_t out = xent_tensor_1d(&v, XENT_F64, 1);
  XT_OK(xent_roc_auc(st, NULL, &out, &bound));
  int64_t n = -1;
  XT_OK(xent_roc_curve(st, 0, 1, &n, NULL, NULL, NULL));
  XT_CHECK_INT(n, 1);
  xent_auc_destroy(st);
  /* weighted average with no positives anywhere is NaN (scikit-learn: 0) */
  xent_auc_config_t cfg = xent_auc_config_default();
  cfg.task = XENT_AUC_MULTILABEL, cfg.classes = 2;
  XT_OK(xent_auc_create(&cfg, &st));
  double Y[4] = {0, 0, 0, 0}, S[4] = {1, 2, 3, 4};
  xent_tensor_t tY = xent_tensor_2d(Y, XENT_F64, 2, 2), tS = xent_tensor_2d(S, XENT_F64, 2, 2);
  XT_OK(xent_auc_update(st, &tY, &tS, NULL));
  o = xent_auc_options_default();
  o.average = XENT_AVERAGE_WEIGHTED;
  XT_CHECK(isnan(roc_of(st, &o)));
  xent_auc_destroy(st);
}

void test_metrics_errors_leave_state_unchanged(void) {
  double y[4] = {0, 1, 0, 1}, s[4] = {0.1, 0.9, 0.4, 0.35};
  xent_auc_t *st = binary_auc(y, s, NULL, 4, 0);
  double before = roc_of(st, NULL);
  double bad_s[3] = {0.2, NAN, 0.3}, by[3] = {1, 0, 0};
  xent_tensor_t tbs = xent_tensor_1d(bad_s, XENT_F64, 3), tby = xent_tensor_1d(by, XENT_F64, 3);
  XT_CHECK_STATUS(xent_auc_update(st, &tby, &tbs, NULL), XENT_ERR_VALUE);
  XT_CHECK_MSG(strcmp(xent_last_error(), "y_score[1] is NaN") == 0, "detail '%s'",
               xent_last_error());
  XT_CHECK_SAME(roc_of(st, NULL), before);
  double y2[3] = {1, 2, 0}, s2[3] = {0.2, 0.5, 0.3};
  xent_tensor_t ty2 = xent_tensor_1d(y2, XENT_F64, 3), ts2 = xent_tensor_1d(s2, XENT_F64, 3);
  XT_CHECK_STATUS(xent_auc_update(st, &ty2, &ts2, NULL), XENT_ERR_VALUE);
  XT_CHECK(strstr(xent_last_error(), "y_true[1] = 2 is not a binary label") != NULL);
  XT_CHECK_SAME(roc_of(st, NULL), before);
  double w[3] = {1, -1, 1};
  xent_tensor_t tw = xent_tensor_1d(w, XENT_F64, 3);
  xent_metric_options_t ow = weighted(&tw);
  XT_CHECK_STATUS(xent_auc_update(st, &tby, &ts2, &ow), XENT_ERR_VALUE);
  XT_CHECK(strstr(xent_last_error(), "sample_weights") != NULL);
  XT_CHECK_SAME(roc_of(st, NULL), before);
  /* a masked or zero-weight position is never read: its NaN is fine */
  uint8_t mask[3] = {1, 0, 1};
  xent_tensor_t tm = xent_tensor_1d(mask, XENT_U8, 3);
  xent_metric_options_t om = xent_metric_options_default();
  om.mask = &tm;
  XT_OK(xent_auc_update(st, &tby, &tbs, &om));
  xent_auc_destroy(st);

  /* bounded states too */
  st = binary_auc(y, s, NULL, 4, 2);
  before = roc_of(st, NULL);
  XT_CHECK_STATUS(xent_auc_update(st, &tby, &tbs, NULL), XENT_ERR_VALUE);
  XT_CHECK_SAME(roc_of(st, NULL), before);
  xent_auc_destroy(st);

  /* multi-class labels out of range: the index and value are named */
  xent_auc_config_t cfg = xent_auc_config_default();
  cfg.task = XENT_AUC_MULTICLASS, cfg.classes = 3;
  XT_OK(xent_auc_create(&cfg, &st));
  int32_t lab[2] = {1, 3};
  double P[6] = {.2, .3, .5, .1, .1, .8};
  xent_tensor_t tl = xent_tensor_1d(lab, XENT_I32, 2), tP = xent_tensor_2d(P, XENT_F64, 2, 3);
  XT_CHECK_STATUS(xent_auc_update(st, &tl, &tP, NULL), XENT_ERR_INDEX);
  XT_CHECK_MSG(strcmp(xent_last_error(), "y_true[1] = 3 is outside [0, 3)") == 0, "detail '%s'",
               xent_last_error());
  xent_tensor_t tP4 = xent_tensor_2d(P, XENT_F64, 1, 4);
  XT_CHECK_STATUS(xent_auc_update(st, &tl, &tP4, NULL), XENT_ERR_SHAPE);
  xent_auc_options_t o = xent_auc_options_default();
  o.average = XENT_AVERAGE_SAMPLES;
  double v;
  xent_tensor_t out = xent_tensor_1d(&v, XENT_F64, 1);
  XT_CHECK_STATUS(xent_roc_auc(st, &o, &out, NULL), XENT_ERR_ARGUMENT);
  o = xent_auc_options_default();
  o.multi_class = XENT_MULTICLASS_OVO;
  XT_CHECK_STATUS(xent_average_precision(st, &o, &out, NULL), XENT_ERR_ARGUMENT);
  xent_auc_destroy(st);

  /* mean states are untouched on error */
  xent_mean_state_t m;
  xent_mean_state_init(&m);
  int32_t yl[2] = {0, 5};
  float pl[4] = {0.5f, 0.5f, 0.1f, 0.9f};
  xent_tensor_t tyl = xent_tensor_1d(yl, XENT_I32, 2), tpl = xent_tensor_2d(pl, XENT_F32, 2, 2);
  XT_CHECK_STATUS(xent_sparse_categorical_accuracy_update(&m, &tyl, &tpl, NULL), XENT_ERR_INDEX);
  XT_CHECK_INT(m.count, 0);
  /* confusion: a bad prediction leaves the counts alone */
  xent_confusion_t *cm = NULL;
  XT_OK(xent_confusion_create(XENT_CONFUSION_MULTICLASS, 2, 0.5, &cm));
  int32_t yt[2] = {0, 1}, yp[2] = {1, 2};
  xent_tensor_t tyt = xent_tensor_1d(yt, XENT_I32, 2), typ = xent_tensor_1d(yp, XENT_I32, 2);
  XT_CHECK_STATUS(xent_confusion_update(cm, &tyt, &typ, NULL), XENT_ERR_INDEX);
  XT_CHECK(strstr(xent_last_error(), "y_pred[1] = 2") != NULL);
  double mat[4];
  xent_tensor_t tmat = xent_tensor_2d(mat, XENT_F64, 2, 2);
  XT_OK(xent_confusion_matrix(cm, XENT_NORMALIZE_NONE, &tmat));
  for (int i = 0; i < 4; i++) XT_CHECK_SAME(mat[i], 0.0);
  xent_confusion_destroy(cm);
  /* options */
  XT_CHECK_STATUS(xent_confusion_create(XENT_CONFUSION_MULTICLASS, 0, 0.5, &cm), XENT_ERR_ARGUMENT);
  xent_auc_config_t bad = xent_auc_config_default();
  bad.capacity = -1;
  XT_CHECK_STATUS(xent_auc_create(&bad, &st), XENT_ERR_ARGUMENT);
}

/* A mask, a zero weight and dropping the position agree; transposed and
 * reversed views give the same result as C order. */
void test_metrics_masks_weights_and_layouts(void) {
  enum { N = 40, C = 3 };
  xt_rng r = {8};
  double S[N * C], ST[C * N], Sub[N * C], W[N], Wsub[N];
  int64_t y[N], ysub[N];
  uint8_t mask[N];
  int m = 0;
  for (int i = 0; i < N; i++) {
    y[i] = (int64_t)(xt_next(&r) % C);
    mask[i] = i % 4 != 0;
    W[i] = mask[i] ? xt_uniform(&r, 0.5, 2) : 0;
    for (int c = 0; c < C; c++) S[i * C + c] = ST[c * N + i] = xt_normal(&r);
    if (mask[i]) {
      ysub[m] = y[i], Wsub[m] = W[i];
      for (int c = 0; c < C; c++) Sub[m * C + c] = S[i * C + c];
      m++;
    }
  }
  xent_auc_config_t cfg = xent_auc_config_default();
  cfg.task = XENT_AUC_MULTICLASS, cfg.classes = C;
  xent_auc_t *a = NULL, *b = NULL, *c = NULL;
  XT_OK(xent_auc_create(&cfg, &a));
  XT_OK(xent_auc_create(&cfg, &b));
  XT_OK(xent_auc_create(&cfg, &c));
  xent_tensor_t ty = xent_tensor_1d(y, XENT_I64, N), tys = xent_tensor_1d(ysub, XENT_I64, m);
  xent_tensor_t tS = xent_tensor_2d(S, XENT_F64, N, C), tSub = xent_tensor_2d(Sub, XENT_F64, m, C);
  xent_tensor_t tW = xent_tensor_1d(W, XENT_F64, N), tWs = xent_tensor_1d(Wsub, XENT_F64, m);
  /* a: weights with zeros; b: mask + the same weights; c: only the kept rows */
  xent_metric_options_t oa = weighted(&tW), oc = weighted(&tWs), ob = weighted(&tW);
  xent_tensor_t tm = xent_tensor_1d(mask, XENT_U8, N);
  ob.mask = &tm;
  XT_OK(xent_auc_update(a, &ty, &tS, &oa));
  /* b reads the scores through a transposed view (C, N) with axis 0 */
  int64_t shape[2] = {C, N}, strides[2] = {1, C};
  xent_tensor_t tT;
  XT_OK(xent_tensor_init(&tT, S, XENT_F64, 2, shape, strides));
  ob.axis = 0;
  XT_OK(xent_auc_update(b, &ty, &tT, &ob));
  XT_OK(xent_auc_update(c, &tys, &tSub, &oc));
  xent_auc_options_t o = xent_auc_options_default();
  o.average = XENT_AVERAGE_WEIGHTED;
  XT_CHECK_SAME(roc_of(a, &o), roc_of(c, &o));
  XT_CHECK_SAME(roc_of(b, &o), roc_of(c, &o));
  XT_CHECK_SAME(ap_of(b, &o), ap_of(c, &o));
  xent_auc_destroy(a), xent_auc_destroy(b), xent_auc_destroy(c);
  /* a reversed view of a binary problem */
  double yb[N], sb[N];
  for (int i = 0; i < N; i++) yb[i] = (double)(y[i] == 1), sb[i] = S[i * C];
  int64_t rs[1] = {-1}, rn[1] = {N};
  xent_tensor_t ry, rsv;
  XT_OK(xent_tensor_init(&ry, yb + N - 1, XENT_F64, 1, rn, rs));
  XT_OK(xent_tensor_init(&rsv, sb + N - 1, XENT_F64, 1, rn, rs));
  XT_OK(xent_auc_create(NULL, &a));
  XT_OK(xent_auc_update(a, &ry, &rsv, NULL));
  XT_CHECK_SAME(roc_of(a, NULL), brute_roc(yb, sb, NULL, N));
  xent_auc_destroy(a);
  (void)ST;
}
