"""The PyTorch writers as companions of their types (cnncalc/export/code.py, cnncalc/pytorch/), without torch:
every type has one, found by the module-name rule; a type without one is refused by name; the module source
a writer declares (a Helper) is written into the file only when used, and its names are kept free."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncalc.errors import SpecError
from cnncalc.export import export_pytorch
from cnncalc.export.code import WRITERS, Helper, writable_types, writer_for
from cnncalc.layers import lookup, registry
from cnncalc.spec import parse_spec, read_spec

SPECS = Path(__file__).resolve().parents[2] / "specs"


def test_every_type_but_the_input_has_a_writer_in_its_companion_module():
    assert set(writable_types()) == set(registry()) - {"input"}
    for name in writable_types():
        cls = registry()[name]
        assert writer_for(cls).__module__ == cls.__module__.replace("cnncalc.layers.", "cnncalc.pytorch."), name


def test_a_type_without_a_writer_is_refused_by_name(monkeypatch):
    writer_for(lookup("relu6"))                     # imported, then taken away
    monkeypatch.delitem(WRITERS, "relu6")
    spec = read_spec(str(SPECS / "zoo" / "mobilenet_v2.yaml"))
    with pytest.raises(SpecError, match=r"layer 'features\.0\.2': relu6 has no PyTorch form in `cnncalc export`: no "
                                        r"writer registered for it in cnncalc\.pytorch\.activation"):
        export_pytorch(spec)


def test_a_helper_is_written_once_when_used_and_only_then():
    text = export_pytorch(read_spec(str(SPECS / "seed" / "spp.yaml"))).text
    assert text.count("class SPP(nn.Module):") == 1
    assert "class Unshared" not in text and "def tie" not in text and "import math" not in text
    plain = export_pytorch(read_spec(str(SPECS / "zoo" / "resnet18.yaml"))).text
    assert "class SPP" not in plain


def test_the_names_a_declared_helper_defines_stay_free():
    # a helper's source may define several names; a layer named like one gets another variable, so
    # forward() still calls the function
    assert Helper("Unshared", "def windows(x):\n    pass\n\n\nclass Unshared:\n    pass\n").defines() == \
        ("windows", "Unshared")
    # the same for pad_same (TensorFlow 'same' at stride 2, padded when forward runs)
    spec = parse_spec("input: [2, 6, 6]\nlayers:\n  - {name: pad_same, conv: {out: 2, kernel: 3, stride: 2, "
                      "padding: same}}\n  - {name: b, conv: {out: 2, kernel: 3, stride: 2, padding: same}}\n")
    text = export_pytorch(spec).text
    assert "pad_same_ = self.pad_same(pad_same(x, [3, 3], [2, 2], [1, 1]))" in text
    assert "b = self.b(pad_same(pad_same_, [3, 3], [2, 2], [1, 1]))" in text


def test_split_is_one_operation_for_all_its_parts():
    spec = parse_spec("input: [6, 4, 4]\nlayers:\n  - {name: s, split: {sizes: [1, 2, 3]}}\n"
                      "  - {name: c, from: [s.0, s.2], concat: {}}\n")
    text = export_pytorch(spec).text
    # three parts of 1, 2 and 3 channels, from one torch.split
    assert "s_0, s_1, s_2 = torch.split(x, [1, 2, 3], dim=1)" in text and text.count("torch.split") == 1


def test_stochastic_depth_at_rate_1_drops_everything_without_dividing_by_zero():
    """The written StochasticDepth in training: at p = 1 every factor is 0 (torchvision divides by 1 − p only
    when it is positive), so the output is 0, not NaN; at p = 1/2 each row is 0 or twice itself."""
    from extras import require_torch
    torch = require_torch()
    from cnncalc.pytorch.routing import STOCHASTIC_DEPTH
    namespace = {"torch": torch, "nn": torch.nn}
    exec(STOCHASTIC_DEPTH, namespace)
    x = torch.ones(8, 2, 3)
    assert torch.equal(namespace["StochasticDepth"](1.0, "row").train()(x), torch.zeros(8, 2, 3))
    y = namespace["StochasticDepth"](0.5, "row").train()(x)
    assert all(torch.equal(row, torch.zeros(2, 3)) or torch.equal(row, 2 * torch.ones(2, 3)) for row in y)
