"""The slow tier: `pytest -m "not slow"` (the fast tier a developer runs between commits) leaves out the
tests below, every parametrisation of each: the ones that take most of the suite's time, measured with
--durations one directory at a time (docs/performance.md, "The test suite"). CI and a plain `pytest` run
them all. A key is a test function ("file::name") or a whole file, each with why it is slow; what the fast
tier keeps of the same ground is said where it is not obvious. tests/conftest.py marks them."""

from __future__ import annotations

SLOW = {
    "tests/export/test_scripted.py::test_small_files_compile_without_graph_breaks":
        "torch.compile (dynamo, aot_eager) of three small exported networks",
    "tests/export/test_onnx_exporters.py::test_small_files_through_both_exporters":
        "torch's two ONNX exporters, run in ONNX Runtime (the fast tier keeps LeNet-5, legacy)",
    "tests/export/test_onnx_exporters.py::test_locally_connected_layers_through_both_exporters":
        "DeepFace exported to ONNX twice and run in ONNX Runtime",
    "tests/export/test_onnx_exporters.py::test_every_kind_of_shipped_file_through_both_exporters":
        "every shipped network exported to ONNX twice and run in ONNX Runtime",
    "tests/export/test_scripted.py::test_every_seed_file_scripts":
        "torch.jit.script of every seed network, run (test_small_files_script keeps three small ones)",
    "tests/export/test_scripted.py::test_every_zoo_file_scripts": "torch.jit.script of every zoo network, run",
    "tests/export/test_scripted.py::test_every_file_runs_at_a_second_size_or_refuses_it":
        "every shipped network exported and run at two sizes",
    "tests/test_verify.py::test_networks_verify_at_a_reduced_input":
        "executes every zoo network in numpy (the fast tier verifies the edge-case networks of the same file)",
    "tests/test_verify.py::test_seed_specs_verify": "executes every seed network in numpy",
    "tests/test_verify.py::test_resnet18_through_the_cli_at_64": "executes ResNet-18 through the CLI",
    "tests/robust/test_robust_big_args.py": "runs about 170 subprocesses, each with a huge argument",
    "tests/robust/test_robust_yaml_fuzz.py::test_hostile_yaml_over_a_shipped_spec":
        "hostile YAML spliced into every shipped spec (test_robust_yaml keeps the hostile YAML forms)",
    "tests/robust/test_robust_fuzz.py::test_mutated_structures": "hypothesis: thousands of mutated specs",
    "tests/robust/test_robust_fuzz.py::test_mutated_text": "hypothesis: mutated spec text",
    "tests/robust/test_robust_fuzz.py::test_generated_specs": "hypothesis: generated specs",
    "tests/robust/test_robust_yaml.py::test_a_200k_layer_cycle_is_named_from_the_layer_written_first":
        "builds a 200,000-layer spec",
    "tests/onnximport/test_arith.py::test_torch_exports_of_nf_mobileone_and_densenet_forms":
        "exports a torch network to ONNX, importing torch (the fast tier keeps test_arith's onnx.helper models)",
    "tests/onnximport/test_pixel.py::test_torch_exports_of_space_to_depth_and_pixel_shuffles":
        "exports a torch network to ONNX, importing torch (the fast tier keeps test_pixel's onnx.helper models)",
    "tests/onnximport/test_timm_models.py": "exports nine timm and torchvision networks to ONNX (the fast tier "
                                            "keeps test_timm_forms's onnx.helper models of the same forms)",
    "tests/onnximport/test_grn.py::test_a_torch_export_of_timms_grn":
        "exports a torch network to ONNX, importing torch (the fast tier keeps test_grn's onnx.helper models)",
    "tests/onnximport/test_learnable.py::test_a_torch_vit_stem":
        "exports a torch network to ONNX, importing torch (the fast tier keeps test_learnable's onnx.helper models)",
    "tests/onnximport/test_roundtrip.py::test_zoo_spec_survives_onnx_export":
        "exports every zoo network to ONNX through torch (the fast tier keeps test_roundtrip's other tests)",
    "tests/onnxexport/test_onnx_export.py::test_resnet18_round_trips":
        "executes ResNet-18 in numpy and in onnxruntime (the fast tier round-trips the small specs)",
    "tests/onnxexport/test_onnx_export.py::test_every_expressible_shipped_spec_round_trips":
        "executes every shipped network in numpy and in onnxruntime",
    "tests/test_measure.py::test_measure_prints_the_median_beside_the_bound_and_the_estimate":
        "imports onnxruntime and times a network (the fast tier keeps the JSON and the errors)",
    "tests/export/test_pytorch.py::test_every_spec_at_an_odd_input":
        "builds and runs every shipped spec in torch a second time (the fast tier runs each at its input)",
    # parity (torch): the fast tier keeps the paper oracles, every layer form and the torchvision totals
    "tests/parity/test_saved_parity.py::test_saved_bytes_per_layer_and_in_total":
        "trains every zoo and seed network one step in torch",
    "tests/parity/test_attention_parity.py::test_transformer_block_is_torch_flop_counter_halved":
        "counts ViT-B/16's block in torch (the fast tier keeps a 64-channel block of the same spec)",
    "tests/onnximport/test_torchvision_attention.py":
        "exports torchvision's vit_b_16, swin_t and maxvit_t to ONNX through torch's two exporters and counts "
        "them with FlopCounterMode",
    "tests/onnximport/test_tensor_roundtrip.py::test_attention_seed_spec_survives_onnx_export":
        "exports the attention seed networks to ONNX through torch (the fast tier keeps the onnx.helper models)",
    "tests/onnximport/test_tensor_roundtrip.py::test_paper_module_exported_by_torch_imports_exactly":
        "exports the papers' attention modules to ONNX through torch (the fast tier keeps the onnx.helper models)",
    "tests/parity/test_saved_parity.py::test_saved_bytes_of_random_networks":
        "trains 120 random networks one step in torch",
    "tests/test_patches_cli.py::test_verify_executes_the_patch_schedule":
        "verifies a whole network in numpy, then runs its patch schedule tile by tile",
    "tests/test_patches_cli.py::test_check_names_the_smallest_patch_grid_that_fits":
        "searches patch grids over every candidate cut (patches.smallest_fitting)",
    "tests/parity/test_spec_parity.py::test_spec_at_its_declared_input": "builds every shipped spec in torch",
    "tests/parity/test_spec_parity.py::test_spec_at_an_odd_input": "builds every shipped spec in torch",
    "tests/parity/test_spec_parity.py::test_zoo_variant_by_set": "builds zoo variants in torch",
    "tests/parity/test_share_parity.py::test_a_shared_conv_is_counted_or_refused_as_torch_does":
        "hypothesis: hundreds of torch networks",
    **{f"tests/parity/{name}": "properties (hypothesis): hundreds of torch networks each"
       for name in ("test_layer_props.py", "test_chapter_props.py", "test_elementwise_props.py",
                    "test_transpose_props.py", "test_resize_props.py")},
    **{f"tests/parity/test_norm_linear_split_props.py::test_{name}_matches_torch":
       "a property (hypothesis): hundreds of torch networks"
       for name in ("layernorm", "groupnorm", "instancenorm", "linear", "split")},
}

# keys whose file was collected but that named no test (a test renamed or removed): filled by
# tests/conftest.py at collection, checked by tests/test_suite_hygiene.py
STALE: list[str] = []
