/*
 * Reader for the conformance/data files (one .txt per suite): expected values produced by running the
 * real peers (conformance/generate*.py). Format: conformance/README.md.
 */
#ifndef XENT_CONFORMANCE_READER_H
#define XENT_CONFORMANCE_READER_H

#include "xent.h"

#include <stdio.h>

#define XT_CONF_MAX_TENSORS 16
#define XT_CONF_MAX_PARAMS 16

typedef struct {
  char role[32];
  int is_output;
  xent_dtype_t dtype;
  int rank;
  int64_t shape[XENT_MAX_RANK];
  int64_t n;       /* number of values */
  double *values;  /* every value as a double (exact for f32, f64 and small ints) */
} xt_conf_tensor;

typedef struct {
  char name[128];
  char op[64];
  char source[256];
  int nparams;
  char param_key[XT_CONF_MAX_PARAMS][32];
  char param_val[XT_CONF_MAX_PARAMS][128];
  int ntensors;
  xt_conf_tensor t[XT_CONF_MAX_TENSORS];
} xt_conf_case;

typedef struct xt_conf_file xt_conf_file;

/* Opens conformance/data/<suite>.txt (under xt_data_dir); NULL with a message
 * on stderr if it is missing. */
xt_conf_file *xt_conf_open(const char *suite);

/* Reads the next case into *c (replacing the previous one; the value arrays
 * belong to the file and live until the next call or xt_conf_close). Returns 1 for a
 * case, 0 at the end, -1 on a malformed file (message on stderr). */
int xt_conf_next(xt_conf_file *f, xt_conf_case *c);

void xt_conf_close(xt_conf_file *f);

/* The tensor with this role, or NULL. */
const xt_conf_tensor *xt_conf_get(const xt_conf_case *c, const char *role);

/* A parameter's text, or NULL when absent. */
const char *xt_conf_param(const xt_conf_case *c, const char *key);

/* A parameter as a number, or `fallback` when absent. */
double xt_conf_param_num(const xt_conf_case *c, const char *key, double fallback);

/* Fills `storage` (room for t->n elements of t->dtype) with the values in
 * t's dtype and returns a C-order tensor over it. */
xent_tensor_t xt_conf_tensor_of(const xt_conf_tensor *t, void *storage);

#endif
