"""`--patches RxC` and `--patch-until LAYER` on analyze and check (figures derived in tests/test_patches.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.test_patches import CHAIN_2D


def test_analyze_shows_the_schedule(cli, cli_json, write):
    path = write(CHAIN_2D)
    code, out, err = cli("analyze", path, "--patches", "2x2", "-q")
    assert code == 0, err
    # tests/test_patches.py: the least peak is the cut after the pooling, 384 B, no extra MACs
    assert "Patch-based peak (2×2 patches)" in out and "384 B" in out and "pool (least peak)" in out
    doc = cli_json("analyze", path, "--patches", "2x2", "--patch-until", "c2")
    p = doc["patches"]
    assert (p["grid"], p["cut"], p["cut_chosen"], p["peak_bytes"], p["extra_macs"], p["halo_macs"]) == (
        [2, 2], "c2", "given", 500, 720, 720)
    assert p["patch_peak"] == {"bytes": 500, "patch": [0, 1], "layer": "pool"} and p["whole_peak_bytes"] == 512
    assert cli_json("analyze", path)["patches"] is None


def test_check_limits_the_patch_peak(cli, write):
    path = write(CHAIN_2D)
    code, out, _ = cli("check", path, "--max-peak-memory", "400B", "--patches", "2x2")
    assert code == 0 and "384 B" in out
    code, out, _ = cli("check", path, "--max-peak-memory", "400B")
    assert code == 1 and "512 B" in out          # the whole network's peak


def test_errors_are_one_line(cli, write):
    path = write(CHAIN_2D)
    for args, words in ((("--patches", "3x3", "--patch-until", "c2"),
                         "layer 'c2': it cannot be the cut of patch-based inference: the 3x3 grid does not divide"),
                        (("--patches", "2x2", "--patch-until", "c9"), "no layer named 'c9'"),
                        (("--patches", "2y2"), "a count per spatial axis such as 4x4"),
                        (("--patch-until", "c2"), "give patches too"),
                        (("--patch-input", "streamed"), "give patches too"),
                        (("--patches", "2x2", "--patch-input", "streem"), "did you mean 'streamed'")):
        code, out, err = cli("analyze", path, *args)
        assert code == 2 and words in err and "Traceback" not in err and err.count("\n") == 1, err


def test_analyze_without_patches_does_not_import_them():
    code = ("import sys; from cnncalc.cli import main\n"
            "try:\n    main(['analyze', 'seed:single_5x5', '-f', 'json'])\nexcept SystemExit:\n    pass\n"
            "assert 'cnncalc.patches' not in sys.modules, 'imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_verify_executes_the_patch_schedule(cli):
    """`verify --patches 2x2` runs the schedule tile by tile (cnncalc.patchverify): the stitched cut output
    equals the whole run's and the bytes held equal the reported patch peak, in the text and in JSON; the
    figures themselves are tests/test_patchverify.py's, derived there."""
    code, out, err = cli("verify", "seed:mobilenet_v2_035_96", "--patches", "2x2")
    assert code == 0, err
    assert "the stitched output equals the whole run's" in out and ": the reported patch peak" in out
    code, out, err = cli("verify", "seed:mobilenet_v2_035_96", "--patches", "2x2", "--format", "json")
    assert code == 0, err
    run = json.loads(out)["patches"]
    assert run["ok"] and run["equal"] and run["measured_peak_bytes"] == run["reported_peak_bytes"] > 0
    code, _, err = cli("verify", "seed:mobilenet_v2_035_96", "--patch-until", "stem")
    assert code == 2 and "give patches too" in err


def test_check_names_the_smallest_patch_grid_that_fits(cli):
    """A peak limit that the whole network misses: check fails (exit 1) and its note names a grid and cut
    (patches.smallest_fitting); checking again with them passes, so the note is a schedule that fits."""
    spec = "seed:mobilenet_v2_035_96"
    code, out, _ = cli("check", spec, "--max-peak-memory", "200KiB")
    assert code == 1
    note = next(line for line in out.splitlines() if "the peak fits with patch-based inference" in line)
    words = note.split()
    grid, cut = words[words.index("--patches") + 1], words[words.index("--patch-until") + 1]
    code, out, err = cli("check", spec, "--max-peak-memory", "200KiB", "--patches", grid, "--patch-until", cut)
    assert code == 0, out + err


def test_a_flat_network_over_its_peak_limit_gets_no_patch_note(cli, write):
    """A dense network on a flat input has no positions to patch: a failed peak limit is reported as it is,
    with no patch note (it once raised from an empty list of grids)."""
    spec = write("input: [64]\nlayers:\n  - {dense: {out: 64}}\n  - relu\n")
    code, out, err = cli("check", spec, "--max-peak-memory", "8B")
    assert code == 1 and "internal error" not in err and "patch-based" not in out


def test_a_residual_fused_by_the_runtime_is_not_an_internal_error(cli):
    """Under 'fused' a convolution takes in its residual add (two inputs): the patch search used to re-infer
    it as a one-input conv and fail with an internal error; it now stops before such a layer, and the cut is
    one before it (resnet18: the first block's add is fused, so the maxpool is the last candidate)."""
    spec = "zoo:resnet18"
    code, out, err = cli("check", spec, "--runtime", "fused", "--max-peak-memory", "1MB")
    assert code == 1 and "internal error" not in err
    code, out, err = cli("analyze", spec, "--runtime", "fused", "--patches", "2x2", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["patches"]["cut"] == "maxpool"


def test_patch_input_streamed_or_resident(cli_json, write):
    path = write(CHAIN_2D)
    # tests/test_patches.py, test_streamed_input_chain_2d_by_hand: cut c2, resident 500 B, streamed 404 B
    streamed = cli_json("analyze", path, "--patches", "2x2", "--patch-until", "c2", "--patch-input", "streamed")
    resident = cli_json("analyze", path, "--patches", "2x2", "--patch-until", "c2")
    assert (streamed["patches"]["peak_bytes"], streamed["patches"]["input_streamed"]) == (404, True)
    assert (resident["patches"]["peak_bytes"], resident["patches"]["input_streamed"]) == (500, False)
    # tinyengine streams by its profile's rule (its in-place 1-channel convolution lowers both figures);
    # --patch-input resident overrides the rule
    def tiny(*more):
        return cli_json("analyze", path, "--patches", "2x2", "--patch-until", "c2", "--runtime", "tinyengine",
                        *more)["patches"]
    by_rule, streamed, resident = tiny(), tiny("--patch-input", "streamed"), tiny("--patch-input", "resident")
    assert by_rule == streamed and by_rule["input_streamed"] and not resident["input_streamed"]
    assert by_rule["peak_bytes"] < resident["peak_bytes"]


def test_json_carries_one_layer_alone(cli_json):
    # tests/test_patches.py derives MobileNetV2 int8 4×4 under tinyengine by hand: MCUNet's accounting, one
    # layer's inputs and output alone, is the 28×28 block's expansion, 32·28·28 + 192·28·28 = 175,616 B, under
    # the schedule's peak (the same block's input held for its shortcut: 200,704 B)
    p = cli_json("analyze", "zoo:mobilenet_v2", "--dtype", "int8", "--runtime", "tinyengine", "--patches", "4x4")["patches"]
    assert p["one_layer"] == {"bytes": 175_616, "layer": "features.5.conv.0.0"} and p["peak_bytes"] == 200_704
