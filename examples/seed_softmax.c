/* The seed documents' softmax table, computed with xent: for each row of
 * logits, softmax, log_softmax and logsumexp side by side. */
#include <stdio.h>
#include <xent.h>

static int show(const char *title, float *logits, int rows, int cols) {
  float p[16], lp[16], lse[4];
  xent_tensor_t x = xent_tensor_2d(logits, XENT_F32, rows, cols);
  xent_tensor_t tp = xent_tensor_2d(p, XENT_F32, rows, cols);
  xent_tensor_t tlp = xent_tensor_2d(lp, XENT_F32, rows, cols);
  xent_tensor_t tlse = xent_tensor_1d(lse, XENT_F32, rows);
  if (xent_softmax(&x, -1, &tp) || xent_log_softmax(&x, -1, &tlp) ||
      xent_logsumexp(&x, -1, &tlse)) {
    fprintf(stderr, "xent: %s\n", xent_last_error());
    return 1;
  }
  printf("%s\n", title);
  printf("  %-10s %-12s %-12s\n", "logit", "softmax", "log_softmax");
  for (int r = 0; r < rows; r++) {
    for (int c = 0; c < cols; c++)
      printf("  %-10.4g %-12.8f %-12.8f\n", logits[r * cols + c], p[r * cols + c],
             lp[r * cols + c]);
    printf("  logsumexp of row %d = %.8f\n\n", r, lse[r]);
  }
  return 0;
}

int main(void) {
  float a[4] = {0.1f, 0.3f, 0.5f, 0.9f};
  float b[6] = {0.5f, 1.5f, 0.1f, 2.2f, 1.3f, 1.7f};
  printf("xent %s\n\n", xent_version());
  return show("softmax of [0.1, 0.3, 0.5, 0.9]", a, 1, 4) ||
         show("softmax of [[0.5, 1.5, 0.1], [2.2, 1.3, 1.7]]", b, 2, 3);
}
