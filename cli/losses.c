/* Loss names as people write them (xent's, Keras's, PyTorch's, TensorFlow's),
 * what each expects, and computing them chunk by chunk with xent. */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

enum { PEER_NONE, PEER_KERAS, PEER_TORCH, PEER_TFNN, PEER_TFV1 };

static const struct {
  const char *prefix;
  int peer;
} prefixes[] = {
    {"tf.keras.losses.", PEER_KERAS}, {"keras.losses.", PEER_KERAS},
    {"tf.keras.", PEER_KERAS},        {"keras.", PEER_KERAS},
    {"tf.compat.v1.losses.", PEER_TFV1}, {"tf.losses.", PEER_TFV1},
    {"tf.nn.", PEER_TFNN},            {"torch.nn.functional.", PEER_TORCH},
    {"nn.functional.", PEER_TORCH},   {"torch.nn.", PEER_TORCH},
    {"torch.", PEER_TORCH},           {"nn.", PEER_TORCH},
    {"F.", PEER_TORCH},               {"xent.", PEER_NONE},
    {"xent_", PEER_NONE},
};

typedef struct entry {
  const char *key;      /* lower case, no underscores, no trailing "loss"    */
  xcli_loss_id id;
  int peer;             /* -1: any                                           */
} entry;

static const entry table[] = {
    {"crossentropy", XCLI_L_SOFTMAX_CE, -1},
    {"softmaxcrossentropy", XCLI_L_SOFTMAX_CE, -1},
    {"softmaxcrossentropywithlogits", XCLI_L_SOFTMAX_CE, -1},
    {"softmaxcrossentropywithlogitsv2", XCLI_L_SOFTMAX_CE, -1},
    {"sparsesoftmaxcrossentropy", XCLI_L_SOFTMAX_CE, -1},
    {"sparsesoftmaxcrossentropywithlogits", XCLI_L_SOFTMAX_CE, -1},
    {"sigmoidcrossentropy", XCLI_L_SIGMOID_CE, -1},
    {"sigmoidcrossentropywithlogits", XCLI_L_SIGMOID_CE, -1},
    {"binarycrossentropywithlogits", XCLI_L_SIGMOID_CE, -1},
    {"bcewithlogits", XCLI_L_SIGMOID_CE, -1},
    {"binarycrossentropy", XCLI_L_BCE, -1},
    {"bce", XCLI_L_BCE, -1},
    {"log", XCLI_L_BCE, PEER_TFV1},
    {"categoricalcrossentropy", XCLI_L_CCE, -1},
    {"sparsecategoricalcrossentropy", XCLI_L_SCCE, -1},
    {"nll", XCLI_L_NLL, -1},
    {"binaryfocalcrossentropy", XCLI_L_BINARY_FOCAL, -1},
    {"categoricalfocalcrossentropy", XCLI_L_CATEGORICAL_FOCAL, -1},
    {"meansquarederror", XCLI_L_MSE, -1},
    {"mse", XCLI_L_MSE, -1},
    {"meanabsoluteerror", XCLI_L_MAE, -1},
    {"mae", XCLI_L_MAE, -1},
    {"l1", XCLI_L_MAE, PEER_TORCH},
    {"huber", XCLI_L_HUBER, -1},
    {"kldivergence", XCLI_L_KLD, -1},
    {"kld", XCLI_L_KLD, -1},
    {"kullbackleiblerdivergence", XCLI_L_KLD, -1},
};

/* What each loss is, indexed by xcli_loss_id. An input of 0 means "logits
 * if from_logits, else probabilities" (the focal losses take either). */
static const struct {
  const char *canonical, *function;
  xcli_loss_input input;
  xcli_loss_family family;
  bool sparse_labels, elementwise;
} kinds[] = {
    [XCLI_L_SOFTMAX_CE] = {"softmax_cross_entropy", "xent_sparse_softmax_cross_entropy",
                           XCLI_LOSS_ON_LOGITS, XCLI_FAMILY_CATEGORICAL, false, false},
    [XCLI_L_SIGMOID_CE] = {"sigmoid_cross_entropy", "xent_sigmoid_cross_entropy",
                           XCLI_LOSS_ON_LOGITS, XCLI_FAMILY_BINARY, false, true},
    [XCLI_L_BCE] = {"binary_crossentropy", "xent_binary_cross_entropy",
                    XCLI_LOSS_ON_PROBABILITIES, XCLI_FAMILY_BINARY, false, true},
    [XCLI_L_CCE] = {"categorical_crossentropy", "xent_categorical_cross_entropy",
                    XCLI_LOSS_ON_PROBABILITIES, XCLI_FAMILY_CATEGORICAL, false, false},
    [XCLI_L_SCCE] = {"sparse_categorical_crossentropy", "xent_sparse_categorical_cross_entropy",
                     XCLI_LOSS_ON_PROBABILITIES, XCLI_FAMILY_CATEGORICAL, true, false},
    [XCLI_L_NLL] = {"nll_loss", "xent_nll_loss", XCLI_LOSS_ON_LOG_PROBABILITIES,
                    XCLI_FAMILY_CATEGORICAL, true, false},
    [XCLI_L_BINARY_FOCAL] = {"binary_focal_crossentropy", "xent_binary_focal_cross_entropy",
                             0, XCLI_FAMILY_BINARY, false, true},
    [XCLI_L_CATEGORICAL_FOCAL] = {"categorical_focal_crossentropy",
                                  "xent_categorical_focal_cross_entropy", 0,
                                  XCLI_FAMILY_CATEGORICAL, false, false},
    [XCLI_L_MSE] = {"mean_squared_error", "xent_mean_squared_error", XCLI_LOSS_ON_VALUES,
                    XCLI_FAMILY_REGRESSION, false, true},
    [XCLI_L_MAE] = {"mean_absolute_error", "xent_mean_absolute_error", XCLI_LOSS_ON_VALUES,
                    XCLI_FAMILY_REGRESSION, false, true},
    [XCLI_L_HUBER] = {"huber", "xent_huber_loss", XCLI_LOSS_ON_VALUES, XCLI_FAMILY_REGRESSION,
                      false, true},
    [XCLI_L_KLD] = {"kl_divergence", "xent_kl_divergence", XCLI_LOSS_ON_PROBABILITIES,
                    XCLI_FAMILY_CATEGORICAL, false, false},
};

static void describe(xcli_loss *l) {
  l->mode = XENT_PROB_KERAS;
  l->canonical = kinds[l->id].canonical;
  l->function = kinds[l->id].function;
  l->input = kinds[l->id].input ? kinds[l->id].input
             : l->from_logits   ? XCLI_LOSS_ON_LOGITS
                                : XCLI_LOSS_ON_PROBABILITIES;
  l->family = kinds[l->id].family;
  l->sparse_labels = kinds[l->id].sparse_labels;
  l->elementwise = kinds[l->id].elementwise;
}

/* "True" / "False" and friends. */
static int parse_bool(const char *s, size_t n) {
  if ((n == 4 && !strncmp(s, "True", 4)) || (n == 4 && !strncmp(s, "true", 4)) ||
      (n == 1 && s[0] == '1'))
    return 1;
  if ((n == 5 && !strncmp(s, "False", 5)) || (n == 5 && !strncmp(s, "false", 5)) ||
      (n == 1 && s[0] == '0'))
    return 0;
  return -1;
}

bool xcli_loss_parse(const char *name, xcli_loss *loss) {
  memset(loss, 0, sizeof *loss);
  snprintf(loss->given, sizeof loss->given, "%s", name);
  char buf[96];
  if (strlen(name) >= sizeof buf) return false;
  strcpy(buf, name);
  /* Arguments: "(from_logits=True)" or "()". */
  int from_logits = -1;
  char *open = strchr(buf, '(');
  if (open) {
    char *close = strchr(open, ')');
    if (!close || close[1] != '\0') return false;
    *close = '\0';
    char *args = open + 1;
    *open = '\0';
    while (*args) {
      char *comma = strchr(args, ',');
      if (comma) *comma = '\0';
      while (*args == ' ') args++;
      char *eq = strchr(args, '=');
      if (*args) {
        if (!eq) return false;
        size_t klen = (size_t)(eq - args);
        while (klen && args[klen - 1] == ' ') klen--;
        const char *v = eq + 1;
        while (*v == ' ') v++;
        size_t vlen = strlen(v);
        while (vlen && v[vlen - 1] == ' ') vlen--;
        if (klen != 11 || strncmp(args, "from_logits", 11)) return false;
        from_logits = parse_bool(v, vlen);
        if (from_logits < 0) return false;
      }
      if (!comma) break;
      args = comma + 1;
    }
  }
  const char *rest = buf;
  int peer = PEER_NONE;
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
    size_t n = strlen(prefixes[i].prefix);
    if (!strncmp(rest, prefixes[i].prefix, n)) {
      rest += n;
      peer = prefixes[i].peer;
      break;
    }
  }
  char key[96];
  size_t k = 0;
  for (const char *p = rest; *p && k + 1 < sizeof key; p++)
    if (*p != '_') key[k++] = (char)tolower((unsigned char)*p);
  key[k] = '\0';
  if (k > 4 && !strcmp(key + k - 4, "loss")) key[k - 4] = '\0';
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    if (strcmp(key, table[i].key)) continue;
    if (table[i].peer >= 0 && table[i].peer != peer) continue;
    loss->id = table[i].id;
    if (from_logits >= 0) {
      /* Only Keras's probability losses take from_logits. */
      if (peer != PEER_KERAS && peer != PEER_NONE) return false;
      if (loss->id == XCLI_L_BCE && from_logits) loss->id = XCLI_L_SIGMOID_CE;
      else if ((loss->id == XCLI_L_CCE || loss->id == XCLI_L_SCCE) && from_logits)
        loss->id = XCLI_L_SOFTMAX_CE;
      else if (loss->id == XCLI_L_BINARY_FOCAL || loss->id == XCLI_L_CATEGORICAL_FOCAL)
        loss->from_logits = from_logits == 1;
      else if (from_logits == 1 && loss->id != XCLI_L_SOFTMAX_CE &&
               loss->id != XCLI_L_SIGMOID_CE)
        return false;
    }
    describe(loss);
    if (loss->id == XCLI_L_BCE) {
      if (peer == PEER_TORCH) loss->mode = XENT_PROB_TORCH;
      if (peer == PEER_TFV1) loss->mode = XENT_PROB_TF_V1;
    }
    return true;
  }
  return false;
}

void xcli_loss_list(FILE *f) {
  fputs(
      "  softmax_cross_entropy     logits, one class per sample: tf.nn.softmax_cross_entropy_with_logits,\n"
      "                            tf.nn.sparse_softmax_cross_entropy_with_logits, torch.cross_entropy,\n"
      "                            nn.CrossEntropyLoss, keras.categorical_crossentropy(from_logits=True),\n"
      "                            keras.sparse_categorical_crossentropy(from_logits=True)\n"
      "  sigmoid_cross_entropy     logits, independent outputs: tf.nn.sigmoid_cross_entropy_with_logits,\n"
      "                            torch.binary_cross_entropy_with_logits, nn.BCEWithLogitsLoss,\n"
      "                            keras.binary_crossentropy(from_logits=True)\n"
      "  binary_crossentropy       probabilities: keras.binary_crossentropy, torch.binary_cross_entropy,\n"
      "                            nn.BCELoss, tf.compat.v1.losses.log_loss\n"
      "  categorical_crossentropy  probabilities, one-hot or soft labels: keras.categorical_crossentropy\n"
      "  sparse_categorical_crossentropy  probabilities, class indices\n"
      "  nll_loss                  log-probabilities: torch.nll_loss, nn.NLLLoss\n"
      "  binary_focal_crossentropy, categorical_focal_crossentropy   (Keras; from_logits=True allowed)\n"
      "  mean_squared_error (mse), mean_absolute_error (mae, torch.l1_loss), huber, kl_divergence\n"
      "  Names may carry a module prefix (keras.losses., tf.keras.losses., torch.nn.functional.,\n"
      "  F., nn.) and be written as classes (BinaryCrossentropy, BCEWithLogitsLoss).\n",
      f);
}

void xcli_loss_add(xcli_loss_acc *acc, const xcli_batch *b) {
  if (acc->status != XENT_OK) return;
  double value = 0;
  xent_tensor_t out = xent_tensor_1d(&value, XENT_F64, 1);
  xent_ce_options_t opts = xent_ce_options_default();
  opts.reduction = XENT_REDUCTION_SUM;
  xent_prob_params_t pp = xent_prob_params_default();
  pp.mode = acc->loss.mode;
  xent_focal_params_t fp = xent_focal_params_default();
  fp.from_logits = acc->loss.from_logits;
  const xent_tensor_t *x = &b->x, *dense = &b->dense, *idx = &b->idx;
  const bool sparse = b->has_idx && !b->soft && b->classes > 1;
  xent_status_t st = XENT_OK;
  int64_t count = acc->loss.elementwise ? b->rows * b->classes : b->rows;
  switch (acc->loss.id) {
    case XCLI_L_SOFTMAX_CE:
      st = sparse ? xent_sparse_softmax_cross_entropy(x, idx, &opts, &out, NULL)
                  : xent_softmax_cross_entropy(x, dense, &opts, &out, NULL);
      break;
    case XCLI_L_SIGMOID_CE:
      st = xent_sigmoid_cross_entropy(x, dense, &opts, &out, NULL);
      break;
    case XCLI_L_BCE:
      st = xent_binary_cross_entropy(x, dense, &pp, &opts, &out, NULL);
      break;
    case XCLI_L_CCE:
      st = xent_categorical_cross_entropy(x, dense, &pp, &opts, &out, NULL);
      break;
    case XCLI_L_SCCE:
      if (!b->has_idx) {
        acc->status = XENT_ERR_ARGUMENT;
        snprintf(acc->detail, sizeof acc->detail,
                 "needs one class index per sample; these labels are not one class per "
                 "sample");
        return;
      }
      st = xent_sparse_categorical_cross_entropy(x, idx, &pp, &opts, &out, NULL);
      break;
    case XCLI_L_NLL:
      if (!b->has_idx) {
        acc->status = XENT_ERR_ARGUMENT;
        snprintf(acc->detail, sizeof acc->detail,
                 "needs one class index per sample; these labels are not one class per "
                 "sample");
        return;
      }
      st = xent_nll_loss(x, idx, &opts, &out, NULL);
      break;
    case XCLI_L_BINARY_FOCAL:
      st = xent_binary_focal_cross_entropy(x, dense, &fp, &opts, &out, NULL);
      break;
    case XCLI_L_CATEGORICAL_FOCAL:
      st = xent_categorical_focal_cross_entropy(x, dense, &fp, &opts, &out, NULL);
      break;
    case XCLI_L_MSE:
      st = xent_mean_squared_error(x, dense, &opts, &out, NULL);
      break;
    case XCLI_L_MAE:
      st = xent_mean_absolute_error(x, dense, &opts, &out, NULL);
      break;
    case XCLI_L_HUBER:
      st = xent_huber_loss(x, dense, 1.0, &opts, &out, NULL);
      break;
    case XCLI_L_KLD:
      st = xent_kl_divergence(x, dense, 1e-7, &opts, &out, NULL);
      break;
  }
  if (st != XENT_OK) {
    acc->status = st;
    snprintf(acc->detail, sizeof acc->detail, "%s", xent_last_error());
    return;
  }
  xcli_kahan_add(&acc->sum, &acc->comp, value);
  acc->count += count;
}

double xcli_loss_value(const xcli_loss_acc *acc) {
  if (acc->status != XENT_OK) return NAN;
  if (acc->count == 0) return NAN;
  return (acc->sum + acc->comp) / (double)acc->count;
}
