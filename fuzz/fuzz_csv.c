/* libFuzzer target: the CSV reader on arbitrary bytes, with three header
 * modes and three delimiters. See fuzz/README.md. */
#include "fuzz_one.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return xcli_fuzz_csv_one(data, size);
}
