/* Every test, once. harness.c turns this list into declarations and the
 * runner's table. Keep related tests together. */
/* core */
XT(status_names_and_messages)
XT(error_detail_names_the_problem)
XT(tensor_init_validates)
XT(output_cannot_be_broadcast)
XT(f16_roundtrip_exhaustive)
XT(f16_rounding)
XT(bf16_rounding)
XT(storage_types_round_once)
