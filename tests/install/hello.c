#include <stdio.h>
#include <xent.h>
int main(void) {
  double x[2] = {3, 3}, y[2];
  xent_tensor_t tx = xent_tensor_1d(x, XENT_F64, 2), ty = xent_tensor_1d(y, XENT_F64, 2);
  if (xent_softmax(&tx, 0, &ty) != XENT_OK) return 1;
  printf("%g %g\n", y[0], y[1]);
  return 0;
}
