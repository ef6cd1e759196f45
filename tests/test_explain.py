"""`cnncalc explain SPEC LAYER`: each figure of one layer with the numbers in, checked by hand here."""

from __future__ import annotations

ALEXNET_2012 = """
name: alexnet-2012
input: [3, 227, 227]
layers:
  - conv: {out: 96, kernel: 11, stride: 4}
  - relu
  - maxpool: {kernel: 3, stride: 2}
  - conv: {out: 256, kernel: 5, padding: 2, groups: 2}
  - flatten
  - dense: {out: 10}
"""


def test_the_first_convolution_of_alexnet(cli, write):
    code, out, err = cli("explain", write(ALEXNET_2012), "conv1")
    assert code == 0, err
    # (227 + 0 + 0 − 11) / 4 + 1 = 55; 11·11·3·96 + 96 = 34,944 parameters;
    # MACs 96·55·55 outputs × 11·11·3 = 290,400 · 363 = 105,415,200
    assert "floor((227 + 0 + 0 - 11) / 4) + 1 = 55" in out
    assert "11·11·3·96 + 96 = 34,944" in out
    assert "96·55·55 · 11·11·3 = 290,400·363 = 105,415,200" in out
    # receptive field from the input's (size 1, jump 1, start 0): 1 + 10·1 = 11, jump 4, start 0
    assert "r = 1 + (11 - 1)·1 = 11; j = 1·4 = 4; s = 0 - 0·1 = 0" in out


def test_a_pool_and_a_grouped_convolution(cli, write):
    path = write(ALEXNET_2012)
    out = cli("explain", path, "maxpool1")[1]
    # (55 − 3) / 2 + 1 = 27; field 11 + (3 − 1)·4 = 19, jump 8
    assert "floor((55 + 0 + 0 - 3) / 2) + 1 = 27" in out and "r = 11 + (3 - 1)·4 = 19; j = 4·2 = 8" in out
    out = cli("explain", path, "conv2")[1]
    # groups 2: 96/2 = 48 inputs per output channel: 5·5·48·256 + 256 = 307,456
    assert "5·5·48·256 + 256 = 307,456" in out and "96/2 = 48" in out


def test_a_dense_layer_and_an_unknown_name(cli, write):
    path = write(ALEXNET_2012)
    out = cli("explain", path, "dense1")[1]
    # conv2's output 256·27·27 = 186,624 inputs: 186,624·10 + 10 = 1,866,250
    assert "186624·10 + 10 = 1,866,250" in out
    code, _, err = cli("explain", path, "conv9")
    assert code == 2 and "no layer 'conv9'" in err and "did you mean" in err


def test_a_depthwise_convolution_has_no_out_argument(cli, write):
    # was an internal error: explain read the 'out' argument, which depthwise_conv does not have
    spec = write("name: dw\ninput: [8, 16, 16]\nlayers:\n"
                 "  - {name: d, depthwise_conv: {kernel: 3, padding: 1, multiplier: 2}}\n")
    code, out, err = cli("explain", spec, "d")
    assert code == 0, err
    # 8 channels × 2 filters each = 16 outputs of 3·3 weights (one input channel each) and a bias:
    # 16·9 + 16 = 160 parameters; MACs: 16·16·16 = 4,096 outputs × 9 taps = 36,864
    assert "3·3·1·16 + 16 = 160" in out and "(C_in / groups: 8/8 = 1)" in out
    assert "16·16·16 · 3·3·1 = 4,096·9 = 36,864" in out
    assert "floor((16 + 1 + 1 - 3) / 1) + 1 = 16" in out


def test_a_broadcasting_product_names_each_input_shape(cli, write):
    spec = write("""
        input: [4, 6, 6]
        layers:
          - {name: gate, global_avgpool: {keepdims: true}}
          - {name: excite, from: [input, gate], mul: {}}
          - {name: shuffled, channel_shuffle: {groups: 2}}
    """)
    code, out, err = cli("explain", spec, "excite")
    assert code == 0, err
    # one multiplication for each of 4·6·6 = 144 output elements
    assert "Reads input [4, 6, 6], gate [4, 1, 1]; outputs [4, 6, 6]" in out and "FLOPs: 144" in out
    code, out, err = cli("explain", spec, "shuffled")
    assert code == 0 and "FLOPs: 0" in out, err


def test_a_transposed_convolution_reads_its_own_geometry(cli, write):
    spec = write("input: [4, 5, 5]\nlayers:\n"
                 "  - {name: up, conv_transpose: {out: 2, kernel: 3, stride: 2, padding: 1, output_padding: 1}}\n")
    code, out, err = cli("explain", spec, "up")
    assert code == 0, err
    # (5 − 1)·2 − 1 − 1 + 3 + 1 = 10 per axis (PyTorch's rule), not a convolution's floor((5 + 2 − 3)/2) + 1 = 3
    assert "(5 - 1)·2 - 1 - 1 + 3 + 1 = 10" in out and "outputs [2, 10, 10]" in out
    # 4 input channels each scatter a 3·3 kernel to 2 outputs: 3·3·2·4 + 2 biases = 74;
    # MACs: 4·5·5 = 100 input elements × 3·3·2 = 18 = 1,800
    assert "3·3·2·4 + 2 = 74" in out and "4·5·5 · 3·3·2 = 100·18 = 1,800" in out
    # in input units the window spans 1 + (3 − 1)/2 = 2, steps 1/2, starts at (1 − 2)/2 = −1/2
    assert "r = 1 + (2 - 1)·1 = 2; j = 1·1/2 = 1/2; s = 0 - 1/2·1 = -1/2" in out


def test_a_separable_convolution_is_worked_out_in_its_two_halves(cli, write):
    spec = write("input: [3, 8, 8]\nlayers:\n  - {name: s, separable_conv: {out: 5, kernel: 3, multiplier: 2}}\n")
    code, out, err = cli("explain", spec, "s")
    assert code == 0, err
    # depthwise: 3·2 = 6 filters of 3·3 taps, no bias (54); pointwise 6 → 5 (30) + 5 biases: 89.
    # 6·6 output positions: 36 · 6 · (9 + 5) = 3,024 MACs (1,944 depthwise + 1,080 pointwise)
    assert "3·3·3·2 + 3·2·5 + 5 = 89" in out and "6·6 · 3·2 · (3·3 + 5) = 3,024" in out


def test_a_default_pooling_stride_shows_its_windows(cli, write):
    spec = write("input: [1, 7, 7]\nlayers:\n  - {name: p, maxpool: {kernel: 2, ceil_mode: true}}\n")
    out = cli("explain", spec, "p")[1]
    # stride = kernel = 2; floor((7 − 2)/2) + 1 = 3, rounded up to 4 by ceil_mode
    assert "floor((7 + 0 + 0 - 2) / 2) + 1 = 3 (rounded up: ceil_mode, 4)" in out


# -- every worked figure agrees with the layer's own count ----------------------------------------------

def _shipped():
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent / "specs"
    return sorted(root.glob("zoo/*.yaml")) + sorted(root.glob("seed/*.yaml"))


def test_the_worked_figures_of_every_layer_of_every_shipped_spec_agree():
    from cnncalc.analysis import analyze
    from cnncalc.render.explain import explain_lines, worked_figures
    from cnncalc.spec import read_spec

    worked_types = set()
    for path in _shipped():
        spec = read_spec(str(path))
        report = analyze(spec)
        rows = {row.name: row for row in report.rows}
        for row in report.rows:
            if not row.inputs:
                continue
            layer = spec.graph.nodes[row.name].layer
            source = rows[row.inputs[0]]
            # raises WorkedDisagrees when a worked figure (or receptive-field step) differs from the count
            explain_lines(report, layer, row, source.output_shape, source.rf)
            if worked_figures(layer, [rows[name].output_shape for name in row.inputs]):
                worked_types.add(layer.type_name)
    # the types that work their figures out and appear in the shipped specs were all checked
    assert {"conv", "dense", "separable_conv", "conv_transpose", "linear", "local"} <= worked_types


def test_a_worked_figure_that_disagrees_is_an_internal_error(cli, write, monkeypatch):
    import pytest

    from cnncalc.layers.base import Worked
    from cnncalc.layers.conv import Conv
    from cnncalc.render.explain import WorkedDisagrees, worked_figures

    def wrong(self, inputs, facts):
        # a 3×3 conv 2 → 4 with bias has 3·3·2·4 + 4 = 76 parameters, not 75
        return (Worked("params", "kernel · C_in · C_out + bias", "3·3·2·4 + 3", 75),)

    layer = Conv(out=4, kernel=3)
    monkeypatch.setattr(Conv, "worked", wrong)
    with pytest.raises(WorkedDisagrees, match="conv: the worked params .* = 75 disagrees with its count 76"):
        worked_figures(layer, [(2, 8, 8)])
    code, _, err = cli("explain", write("input: [2, 8, 8]\nlayers:\n  - {name: c, conv: {out: 4, kernel: 3}}\n"), "c")
    assert code == 3 and "disagrees with its count 76" in err, err
