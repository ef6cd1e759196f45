"""The quick path of ONNX import (cnncalc/onnximport/light.py): its shapes are onnx's inferred shapes (the
oracle: onnx.shape_inference), its figures those of the full path, it never imports onnx, and it leaves
to the full path whatever it does not read."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import pytest

import cnncalc
from cnncalc.onnximport import light
from tests.onnximport.models import const, node, save, weights


def _models():
    """name → (nodes, input shape, initializers): one rule of light.py or more each."""
    return {
        "conv_pads_groups": ([node("Conv", ["x", "w", "b"], ["y"], name="c", group=2, dilations=[2, 1],
                                   strides=[2, 3], pads=[1, 0, 2, 1])],
                             [1, 8, 13, 11], {"w": weights(6, 4, 3, 2), "b": weights(6)}),
        "conv_same_upper": ([node("Conv", ["x", "w"], ["y"], name="c", strides=[2, 2], auto_pad="SAME_UPPER")],
                            [1, 3, 9, 8], {"w": weights(4, 3, 3, 3)}),
        "conv_valid_1d": ([node("Conv", ["x", "w"], ["y"], name="c", auto_pad="VALID", strides=[3])],
                          [2, 3, 17], {"w": weights(5, 3, 4)}),
        "pools": ([node("MaxPool", ["x"], ["m"], name="m", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
                   node("AveragePool", ["m"], ["a"], name="a", kernel_shape=[2, 3]),
                   node("Relu", ["a"], ["r"], name="r"),
                   node("GlobalAveragePool", ["r"], ["g"], name="g"),
                   node("Flatten", ["g"], ["y"], name="f")],
                  [1, 4, 15, 16], None),
        "resnet_block": ([node("Conv", ["x", "w1"], ["c1"], name="c1", pads=[1, 1, 1, 1]),
                          node("BatchNormalization", ["c1", "s", "b", "m", "v"], ["n1"], name="bn"),
                          node("Relu", ["n1"], ["r1"], name="r1"),
                          node("Add", ["r1", "x"], ["sum"], name="add"),
                          node("Identity", ["w2"], ["w2b"], name="alias"),
                          node("Conv", ["sum", "w2b"], ["y"], name="c2")],
                         [1, 4, 6, 6], {"w1": weights(4, 4, 3, 3), "s": weights(4), "b": weights(4),
                                        "m": weights(4), "v": weights(4), "w2": weights(8, 4, 1, 1)}),
        "flatten_from_the_end": ([node("Flatten", ["x"], ["f"], name="f", axis=-1),
                                  node("Flatten", ["f"], ["y"], name="g", axis=0)], [1, 2, 3, 4], None),
        "head": ([node("Flatten", ["x"], ["f"], name="f", axis=1),
                  node("Gemm", ["f", "w", "b"], ["g"], name="fc", transB=1),
                  node("Dropout", ["g"], ["d"], name="drop"),
                  node("Sigmoid", ["d"], ["y"], name="sig")],
                 [1, 2, 3, 4], {"w": weights(10, 24), "b": weights(10)}),
        "arithmetic": ([node("Relu", ["x"], ["r"], name="r"), node("Sqrt", ["r"], ["s"], name="s"),
                        node("GlobalAveragePool", ["x"], ["m"], name="m"), node("Sub", ["s", "m"], ["d"], name="d"),
                        node("Div", ["d", "c"], ["q"], name="q"), node("Pow", ["q", "c"], ["y"], name="p")],
                       [1, 3, 5, 4], {"c": np.array(2.0, np.float32)}),
        "reshape_concat": ([node("Reshape", ["x", "s"], ["r"], name="r"),
                            node("Relu", ["r"], ["a"], name="a"),
                            node("Concat", ["a", "r"], ["c"], name="cat", axis=1),
                            node("Mul", ["c", "c"], ["y"], name="mul")],
                           [1, 6, 4, 4], {"s": np.array([0, 3, -1, 4], np.int64)}),
    }


def _onnx_shapes(path) -> dict:
    inferred = onnx.shape_inference.infer_shapes(onnx.load(path), strict_mode=True)
    return {v.name: tuple(d.dim_value for d in v.type.tensor_type.shape.dim)
            for v in [*inferred.graph.value_info, *inferred.graph.output]}


@pytest.mark.parametrize("name", list(_models()))
def test_the_rules_give_onnx_shapes(tmp_path, name):
    nodes, shape, inits = _models()[name]
    path = save(tmp_path / f"{name}.onnx", nodes, shape, inits)
    model = light.load(path, None)
    assert model is not None, "the quick path left it to the full path"
    expected = _onnx_shapes(path)
    assert expected and {k: model.shapes[k] for k in expected} == expected


# shape rules only: Flatten from an axis other than 1 is no cnncalc layer (both paths refuse it)
SHAPES_ONLY = {"flatten_from_the_end"}


@pytest.mark.parametrize("name", sorted(set(_models()) - SHAPES_ONLY))
def test_the_figures_are_the_full_paths(tmp_path, name, monkeypatch):
    nodes, shape, inits = _models()[name]
    path = save(tmp_path / f"{name}.onnx", nodes, shape, inits)
    quick = cnncalc.analyze(path)
    monkeypatch.setattr(light, "load", lambda path, input_shape: None)
    full = cnncalc.analyze(path)
    assert quick.to_dict() == full.to_dict()


def test_the_quick_path_never_imports_onnx(tmp_path):
    nodes, shape, inits = _models()["resnet_block"]
    path = save(tmp_path / "m.onnx", nodes, shape, inits)
    code = (f"import sys, cnncalc; r = cnncalc.analyze({path!r}); "
            "print(r.totals.params, any(m == 'onnx' or m.startswith('onnx.') for m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # params: conv 4·4·9 = 144, batchnorm γ, β 2·4 = 8, conv 8·4 = 32: 184
    assert run.stdout.split() == ["184", "False"]


@pytest.mark.parametrize("nodes, inits", [
    ([node("Erf", ["x"], ["y"], name="e")], None),                                                # no rule
    ([node("MaxPool", ["x"], ["y"], name="m", kernel_shape=[2, 2], ceil_mode=1)], None),          # ceil mode
    ([const("s", np.array([1, -1], np.int64)), node("Reshape", ["x", "s"], ["y"], name="r")], None),  # a Constant
    ([node("Add", ["w", "w"], ["w2"], name="fold"), node("Add", ["x", "w2"], ["y"], name="a")],
     {"w": weights(1, 3, 1, 1)}),                                                                 # to fold
])
def test_what_it_does_not_read_goes_to_the_full_path(tmp_path, nodes, inits):
    path = save(tmp_path / "m.onnx", nodes, [1, 3, 5, 5], inits)
    assert light.load(path, None) is None


def test_a_declared_shape_that_disagrees_goes_to_the_full_path(tmp_path):
    # the model says the Relu's output is [1, 3, 4, 4]; it is [1, 3, 5, 5]: onnx decides (here: refuses)
    path = save(tmp_path / "m.onnx", [node("Relu", ["x"], ["y"], name="r")], [1, 3, 5, 5])
    model = onnx.load(path)
    model.graph.value_info.append(onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 3, 4, 4]))
    model.graph.output[0].CopyFrom(onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 3, 4, 4]))
    onnx.save(model, path)
    assert light.load(path, None) is None
    with pytest.raises(cnncalc.SpecError, match="inconsistent"):
        cnncalc.analyze(path)


def test_symbolic_sizes_take_input(tmp_path):
    # the quick path reads --input as the full path does: [3, 10, 12], conv 3×3 valid → [2, 8, 10]
    path = save(tmp_path / "m.onnx", [node("Conv", ["x", "w"], ["y"], name="c")], ["n", 3, "h", "w"],
                {"w": weights(2, 3, 3, 3)})
    model = light.load(path, (3, 10, 12))
    assert model is not None and model.shapes["y"] == (1, 2, 8, 10)
    assert light.load(path, None) is None         # the full path says which sizes --input must give
