/* libFuzzer target: the .npy reader on arbitrary bytes. See fuzz/README.md. */
#include "fuzz_one.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return xcli_fuzz_npy_one(data, size);
}
