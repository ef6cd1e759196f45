"""Property tests: crop (explicit amounts, and centred like another layer) and upsample like another layer,
against torch slicing and F.interpolate(x, size=y.shape[2:]) (tests/parity/torch_builder.py builds the spec)."""

from __future__ import annotations

from extras import require_torch

torch = require_torch()

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.errors import SpecError  # noqa: E402
from cnncalc.spec import parse_spec  # noqa: E402
from props import PROPERTY, yaml_value  # noqa: E402
from torch_builder import build  # noqa: E402


def _torch_output(text):
    spec = parse_spec(text, "prop.yaml")
    net = build(spec, device="cpu")
    outputs = net(torch.zeros((1, *spec.input_shape)))
    return spec, outputs


@PROPERTY
@given(st.lists(st.integers(1, 9), min_size=1, max_size=3), st.data())
def test_crop_amount_matches_torch_slicing(sizes, data):
    ndim = len(sizes)
    pair = st.lists(st.integers(0, 4), min_size=2, max_size=2)
    amount = data.draw(st.one_of(st.integers(0, 4), st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim),
                                 st.lists(pair, min_size=ndim, max_size=ndim)))
    text = f"input: {yaml_value([2, *sizes])}\nlayers:\n  - crop: {{amount: {yaml_value(amount)}}}\n"
    pairs = [amount] * ndim if isinstance(amount, int) else amount
    pairs = [p if isinstance(p, list) else [p, p] for p in pairs]
    fits = all(b + a < n for n, (b, a) in zip(sizes, pairs))
    try:
        report = analyze(parse_spec(text, "prop.yaml"))
    except SpecError:
        assert not fits
        return
    assert fits
    x = torch.arange(2 * torch.tensor(sizes).prod().item(), dtype=torch.float32).reshape(1, 2, *sizes)
    expected = x[(slice(None), slice(None), *(slice(b, n - a) for n, (b, a) in zip(sizes, pairs)))]
    spec, outputs = _torch_output(text)
    assert tuple(expected.shape[1:]) == report.rows[-1].output_shape
    assert tuple(outputs[spec.graph.output].shape[1:]) == report.rows[-1].output_shape


@PROPERTY
@given(st.lists(st.integers(1, 12), min_size=2, max_size=2), st.lists(st.integers(1, 12), min_size=2, max_size=2),
       st.sampled_from(["nearest", "bilinear"]))
def test_like_matches_torch(sizes, target, mode):
    text = (f"input: {yaml_value([1, *sizes])}\nlayers:\n  - {{name: ref, adaptive_avgpool: {{size: {yaml_value(target)}}}}}\n"
            f"  - {{name: up, from: input, upsample: {{like: ref, mode: {mode}}}}}\n"
            f"  - {{from: input, crop: {{like: ref}}}}\n")
    grows = any(m > n for n, m in zip(sizes, target))
    try:
        report = analyze(parse_spec(text, "prop.yaml"))
    except SpecError as err:
        assert grows and "cannot grow" in str(err)
        return
    assert not grows
    x = torch.randn(1, 1, *sizes)
    up = torch.nn.functional.interpolate(x, size=tuple(target), mode=mode)
    rows = {row.name: row for row in report.rows}
    assert tuple(up.shape[1:]) == rows["up"].output_shape
    spec, outputs = _torch_output(text)
    for row in report.rows:
        assert tuple(outputs[row.name].shape[1:]) == row.output_shape
