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
    # 8 channels × 2 filters each = 16 outputs of 3·3 weights and a bias: 16·9 + 16 = 160 parameters;
    # MACs: 16·16·16 outputs × 9 taps = 36,864
    assert "Parameters: 160" in out and "MACs: 36,864" in out
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
