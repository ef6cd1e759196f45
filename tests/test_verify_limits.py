"""verify where it can: the per-layer weight limit is an option, and a refusal names an --input that would
be verified (checked by verifying at it) or says why none would. The refusals are values
(cnncalc.verifycost); tests/test_verify_reasons.py holds their words."""

from __future__ import annotations

from cnncalc.spec import parse_spec
from cnncalc.verify import AGREE, UNVERIFIABLE, verify
from cnncalc.verifycost import Cost, TooLarge, TryInput, WeightsFixed

# a conv net whose work grows with the input: no pool of fixed size, so a smaller input always helps
CONVS = """
input: [1, 40, 20]
layers:
  - conv: {out: 4, kernel: 3, padding: 1}
  - relu
  - conv: {out: 4, kernel: 3, stride: 2}
"""

# torchvision's AlexNet/VGG shape: an adaptive pool fixes the dense layer's input at 8·3·3 = 72, so the
# dense layer has 72·1000 + 1000 = 73,000 weights at every input size
ADAPTIVE = """
input: [3, 32, 32]
layers:
  - conv: {out: 8, kernel: 3}
  - adaptive_avgpool: {size: 3}
  - flatten
  - dense: {out: 1000}
"""

# the same without the adaptive pool: the dense layer reads 8·(n−2)², so a smaller input helps
PLAIN = ADAPTIVE.replace("  - adaptive_avgpool: {size: 3}\n", "")


def builder(text):
    return lambda shape: parse_spec(text, "test.yaml", shape)


def suggested(result) -> tuple:
    """The --input a refusal suggests (every refused limit suggests the same one)."""
    hints = {u.hint for u in result.unexecutable}
    assert len(hints) == 1 and isinstance(next(iter(hints)), TryInput), hints
    return next(iter(hints)).shape


def test_refused_for_work_names_the_largest_input_that_verifies():
    build = builder(CONVS)
    # work at 1×40×20: 60 probes; a small limit refuses it
    limit = 200_000
    refused = verify(build((1, 40, 20)), max_work=limit, rebuild=build)
    assert refused.status == UNVERIFIABLE
    shape = suggested(refused)
    assert shape[0] == 1 and shape[2] == shape[1] // 2           # the same proportions, 40:20 (rounded down)
    # the named input is verified (executed, all agree); one step larger is refused again
    assert verify(build(shape), max_work=limit).status == AGREE
    bigger = (1, shape[1] + 1, (shape[1] + 1) // 2)
    assert verify(build(bigger), max_work=limit).status == UNVERIFIABLE


def test_weights_behind_an_adaptive_pool_do_not_depend_on_the_input():
    build = builder(ADAPTIVE)
    result = verify(build((3, 32, 32)), max_layer_weights=50_000, rebuild=build)
    assert result.status == UNVERIFIABLE
    [u] = result.unexecutable
    # 73,000 weights (72·1000 + 1000) > 50,000 at every input: no input helps, and the option that would
    assert (u.layer, u.reason) == ("dense1", TooLarge(Cost.LAYER_WEIGHTS, 73_000, 50_000))
    assert u.hint == WeightsFixed("dense1", 73_000)
    assert verify(build((3, 32, 32)), max_layer_weights=73_000).status == AGREE


def test_weights_of_a_dense_layer_fed_by_a_flatten_shrink_with_the_input():
    build = builder(PLAIN)
    # at 3×32×32 the dense layer has 8·30·30·1000 + 1000 = 7,201,000 weights; allow 1,000,000
    result = verify(build((3, 32, 32)), max_layer_weights=1_000_000, rebuild=build)
    shape = suggested(result)
    # 8·(n−2)²·1000 + 1000 ≤ 1,000,000 ⇔ (n−2)² ≤ 124.875 ⇔ n ≤ 13
    assert shape == (3, 13, 13)
    assert verify(build(shape), max_layer_weights=1_000_000).status == AGREE


def test_max_layer_weights_option(cli, write):
    path = write(ADAPTIVE)
    code, _, err = cli("verify", path, "--max-layer-weights", "50K")
    assert code == 2 and "not executable" in err
    code, out, err = cli("verify", path, "--max-layer-weights", "73K")
    assert code == 0, err
    for bad in ("0", "lots", "-1"):
        code, _, err = cli("verify", path, "--max-layer-weights", bad)
        assert code == 2 and "--max-layer-weights" in err and "internal error" not in err
    code, out, _ = cli("verify", "--help")
    assert "--max-layer-weights" in out and "50M" in out


def test_max_layer_weights_default_in_help_is_the_limit():
    from cnncalc.cli.verify import DEFAULT_LAYER_WEIGHTS
    from cnncalc.units import parse_count
    from cnncalc.verifycost import MAX_LAYER_WEIGHTS
    assert parse_count(DEFAULT_LAYER_WEIGHTS) == MAX_LAYER_WEIGHTS


def test_progress_lines_in_a_log():
    import io
    from cnncalc.render.verify import ProgressBar
    log = io.StringIO()
    bar = ProgressBar(stream=log, interval=0)
    with bar:
        bar.start(3)
        for name in ("conv1", "relu1", "conv2"):
            bar.advance(name)
    lines = log.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == ["verify: 1/3 steps (33%)", "verify: 2/3 steps (66%)",
                                                      "verify: 3/3 steps (100%)"]
    assert "conv2" in lines[-1]
    quiet = io.StringIO()
    bar = ProgressBar(stream=quiet, interval=3600)           # shorter than the interval: silent
    with bar:
        bar.start(2)
        bar.advance("a")
        bar.advance("b")
    assert quiet.getvalue() == ""
