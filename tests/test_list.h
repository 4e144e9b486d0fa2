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
/* conformance with the peers */
XT(conformance_normalizers)
/* cross-entropy on logits */
XT(ce_seed_worked_example)
XT(ce_confident_prediction_keeps_its_loss)
XT(ce_gradient_without_cancellation)
XT(ce_accuracy_against_long_double)
XT(ce_sparse_reductions_and_weights)
XT(ce_dense_smoothing_and_class_weights)
XT(ce_tf_gradient_flag)
XT(ce_masks_lengths_and_ignore_agree)
XT(ce_empty_and_all_masked)
XT(ce_nonfinite_rules)
XT(ce_sigmoid_against_reference)
XT(ce_upstream_scales_gradient)
XT(ce_channels_first_matches_channels_last)
XT(ce_gradient_matches_finite_differences)
XT(ce_errors_name_the_problem)
