"""Reading an ONNX model without its weights (cnncalc/onnximport/slim.py): the data of large and external
tensors is never loaded, hostile declarations are never allocated, and the figures are those of the full
model."""

from __future__ import annotations

import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import cnncalc
from cnncalc.onnximport import slim
from tests.onnximport.models import const, node, save


def test_large_weights_are_left_in_the_file_and_counted(tmp_path):
    # conv 32 → 64, 3×3: weight [64, 32, 3, 3] = 18,432 float32 = 73,728 bytes > SMALL_BYTES (65,536);
    # bias 64 values (256 bytes) is kept. params 18,432 + 64 = 18,496; MACs 64·6·6·(32·9) = 663,552
    w = np.arange(64 * 32 * 9, dtype=np.float32).reshape(64, 32, 3, 3)
    conv = node("Conv", ["x", "w", "b"], ["y"], name="conv")
    path = save(tmp_path / "m.onnx", [conv], [1, 32, 8, 8], {"w": w, "b": np.ones(64, np.float32)})
    data, stubs = slim.read(path)
    assert set(stubs) == {"w"} and stubs["w"].shape == (64, 32, 3, 3) and stubs["w"].elem_type == TensorProto.FLOAT
    assert os.path.getsize(path) - len(data) >= w.nbytes
    kept = onnx.ModelProto.FromString(data).graph.initializer
    assert [(t.name, list(t.dims), len(t.raw_data)) for t in kept] == [("w", [64, 32, 3, 3], 0), ("b", [64], 256)]
    report = cnncalc.analyze(path)
    assert (report.totals.params, report.totals.macs, report.output_shape) == (18_496, 663_552, (64, 6, 6))


def test_the_slim_bytes_are_the_model_less_its_large_data(tmp_path):
    # every field but the large tensor's data survives: the slim model equals the full one with that data cleared
    w = np.zeros((64, 32, 3, 3), np.float32)
    path = save(tmp_path / "m.onnx", [node("Conv", ["x", "w"], ["y"], name="conv")], [1, 32, 8, 8], {"w": w})
    data, _ = slim.read(path)
    full = onnx.load(path)
    full.graph.initializer[0].ClearField("raw_data")
    assert onnx.ModelProto.FromString(data) == full


def _declared(name: str, dims) -> TensorProto:
    """A float tensor with ``dims`` and no data."""
    tensor = TensorProto(name=name, data_type=TensorProto.FLOAT)
    tensor.dims.extend(dims)
    return tensor


def _external(tmp_path, location: str, dims=(4, 3, 3, 3)):
    """A Conv whose weight says it is stored in the file ``location`` (which does not exist)."""
    weight = _declared("w", dims)
    weight.data_location = TensorProto.EXTERNAL
    entry = weight.external_data.add()
    entry.key, entry.value = "location", location
    graph = helper.make_graph([node("Conv", ["x", "w"], ["y"], name="conv")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "model" / "m.onnx"
    path.parent.mkdir()
    path.write_bytes(model.SerializeToString())
    return str(path)


@pytest.mark.parametrize("quick", [True, False])
@pytest.mark.parametrize("location", ["../../../../etc/passwd", "/etc/shadow", "weights.bin"])
def test_external_data_is_never_read(tmp_path, location, quick, monkeypatch):
    # the weight [4, 3, 3, 3] is counted from its dims (108 params; MACs 4·6·6·27 = 3,888) and no file but the
    # model is opened: the files named do not exist (or may not be read), and open() is watched; by the quick
    # path (cnncalc/onnximport/light.py) and by onnx's
    path = _external(tmp_path, location)
    if not quick:
        from cnncalc.onnximport import light
        monkeypatch.setattr(light, "load", lambda path, input_shape: None)
    opened = []
    real = open

    def watch(file, *args, **kw):
        opened.append(str(file))
        return real(file, *args, **kw)
    monkeypatch.setattr("builtins.open", watch)
    report = cnncalc.analyze(path)
    assert (report.totals.params, report.totals.macs) == (108, 3_888)
    assert not [f for f in opened if not f.startswith(str(tmp_path)) and f.endswith(("passwd", "shadow", ".bin"))]
    assert not any("weights.bin" in f or "passwd" in f or "shadow" in f for f in opened)


def test_declared_sizes_are_not_allocated(tmp_path, cli):
    # a ConstantOfShape declaring 2^40 float32 (4 TiB) feeding an Add: the value is never computed (it stays a
    # shape-only stub), so the Add's constant operand is refused by name, without a MemoryError
    nodes = [const("shape", np.array([1, 4, 1 << 20, 1 << 20], np.int64)),
             node("ConstantOfShape", ["shape"], ["big"], name="fill"),
             node("Relu", ["x"], ["r"], name="relu"),
             node("Concat", ["r", "big"], ["y"], name="cat", axis=1)]
    path = save(tmp_path / "m.onnx", nodes, [1, 4, 1 << 20, 1 << 20])
    code, _, err = cli("analyze", path)
    assert code == 2 and "Concat ×1" in err and "'cat'" in err and "Traceback" not in err


def test_a_tensor_declaring_more_than_it_holds_is_a_stub(tmp_path):
    # dims [2^30] with no data: declared 4 GiB, held 0 bytes; it is a stub, not an error nor an allocation
    weight = _declared("w", [1 << 30])
    graph = helper.make_graph([node("Relu", ["x"], ["y"], name="relu")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [weight])
    path = tmp_path / "m.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    _, stubs = slim.read(str(path))
    assert stubs["w"].shape == (1 << 30,)
    assert cnncalc.analyze(str(path)).output_shape == (3, 4, 4)


def _scores_plus(tmp_path, heads: int, n: int, data: bytes = b""):
    """Attention scores [1, heads, n, n] (a MatMul of the input by its transpose) plus a constant initializer
    declared [heads, n, n] that holds ``data`` (raw float32 bytes): what the relative-bias and window-mask
    patterns look at."""
    weight = _declared("c", [heads, n, n])
    weight.raw_data = data
    nodes = [node("Transpose", ["x"], ["xt"], name="t", perm=[0, 1, 3, 2]),
             node("MatMul", ["x", "xt"], ["scores"], name="scores"), node("Add", ["scores", "c"], ["y"], name="add")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, heads, n, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [weight])
    path = tmp_path / "m.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    return str(path)


def test_a_declared_attention_constant_is_not_built(tmp_path, cli):
    # 3 heads of 4,096 tokens (64×64 windows): the constant declares 3·4096² = 50,331,648 values (192 MiB) and
    # holds none. It is over what the attention patterns look at (FOLD_ELEMENTS, 262,144): they neither read
    # it nor build the 16.8 M relative offsets, and it is what any added weight is, a learnable tensor
    # counted by its declared shape (nothing allocated)
    report = cnncalc.analyze(_scores_plus(tmp_path, 3, 4096))
    assert [(r.type, r.params) for r in report.rows[-1:]] == [("position_embedding", 3 * 4096 * 4096)]


def test_an_attention_constant_holding_less_than_it_declares_is_not_read(tmp_path, cli):
    # 3·144² = 62,208 values declared (243 KiB: left in the file, under the look-at limit), 16 bytes held: its
    # values cannot be read (the dimensions ask for more than the data), so it is refused, not an error
    code, _, err = cli("analyze", _scores_plus(tmp_path, 3, 144, np.zeros(4, np.float32).tobytes()))
    assert code == 2 and "Traceback" not in err and "internal error" not in err


def test_values_of_a_stub_are_refused_with_the_reason(tmp_path, cli):
    # a Reshape whose target is a large constant: its values are not loaded, so the Reshape is refused
    target = np.ones(20_000, np.int64)       # 160,000 bytes
    nodes = [node("Reshape", ["x", "s"], ["y"], name="reshape")]
    path = save(tmp_path / "m.onnx", nodes, [1, 3, 4, 4], {"s": target})
    code, _, err = cli("analyze", path)
    assert code == 2 and "Reshape ×1" in err and "Traceback" not in err


@pytest.mark.parametrize("cut", [1, 7, 100, -3])
def test_truncated_files_are_not_onnx_models(tmp_path, cli, cut):
    w = np.zeros((64, 32, 3, 3), np.float32)
    path = save(tmp_path / "m.onnx", [node("Conv", ["x", "w"], ["y"], name="conv")], [1, 32, 8, 8], {"w": w})
    data = open(path, "rb").read()
    with open(path, "wb") as handle:
        handle.write(data[:cut] if cut > 0 else data[:len(data) + cut])
    code, _, err = cli("analyze", path)
    assert code == 2 and "not an ONNX model" in err and "Traceback" not in err


def test_a_stub_refuses_its_values():
    from cnncalc.onnximport.mapping import Unmapped
    stub = slim.Stub((3, 4), TensorProto.FLOAT)
    assert (stub.size, stub.ndim) == (12, 2)
    for read in (float, int, list, lambda s: s.reshape(-1), lambda s: np.asarray(s) + 0):
        with pytest.raises(Unmapped, match=r"shape \[3, 4\]"):
            read(stub)


def test_weights_of_a_weight_only_node_keep_their_shape(tmp_path):
    # a Transpose of a large weight (as exporters write Linear's weight for MatMul): folded to a stub of the
    # transposed shape [300, 100], so the MatMul is a dense layer of 100 outputs: params 300·100 = 30,000
    w = np.zeros((100, 300), np.float32)     # 120,000 bytes: a stub
    nodes = [node("Transpose", ["w"], ["wt"], name="t", perm=[1, 0]),
             node("MatMul", ["x", "wt"], ["y"], name="fc")]
    report = cnncalc.analyze(save(tmp_path / "m.onnx", nodes, [1, 300], {"w": w}))
    assert (report.totals.params, report.output_shape) == (30_000, (100,))


def test_numpy_helper_roundtrip_of_small_constants(tmp_path):
    # small constants keep their values: a Pad of pads [0, 0, 1, 2, 0, 0, 3, 4] (int64, 64 bytes):
    # [3, 5, 5] → [3, 5 + 1 + 3, 5 + 2 + 4] = [3, 9, 11]
    pads = numpy_helper.from_array(np.array([0, 0, 1, 2, 0, 0, 3, 4], np.int64), "p")
    report = cnncalc.analyze(save(tmp_path / "m.onnx", [node("Pad", ["x", "p"], ["y"], name="pad")], [1, 3, 5, 5],
                                  {"p": numpy_helper.to_array(pads)}))
    assert report.output_shape == (3, 9, 11)
