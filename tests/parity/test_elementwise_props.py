"""Property tests for issue 10's element-wise and routing layer types: random shapes (flat [C] too) through
silu, hardswish, hardsigmoid, mish, prelu, scale, identity, stochastic_depth and channel_shuffle, and random
broadcasting operands of mul and add, built in torch by torch_builder.py (nn.SiLU, nn.PReLU, a (C, 1, 1)
nn.Parameter for scale, ShuffleNetV2's view-transpose-view, torch's own broadcasting) and run on the CPU.
cnncalc's output shape, parameters and MACs must equal torch's, and a configuration cnncalc rejects
(groups that do not divide the channels, shapes that do not broadcast) must fail in torch too, and the
other way round.
"""

from __future__ import annotations

from extras import require_torch

torch = require_torch()

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnncalc.analysis import analyze  # noqa: E402
from cnncalc.errors import SpecError  # noqa: E402
from cnncalc.spec import parse_spec  # noqa: E402
# cnncalc rejects ⇔ torch rejects: a configuration cnncalc rejects has no exported code (the export needs
# cnncalc's shapes), so these properties build torch's network with the independent reference builder
from torch_reference import build, measure  # noqa: E402
from props import PROPERTY, yaml_value  # noqa: E402


def check(input_shape, body: str, name: str):
    """Compare node ``name`` of the spec ``body`` (its layer lines) on ``input_shape``."""
    spec = parse_spec(f"input: {yaml_value(list(input_shape))}\nlayers:\n{body}", "prop.yaml")
    try:
        row = next(r for r in analyze(spec).rows if r.name == name)
    except SpecError:
        row = None
    try:
        measured = measure(build(spec, device="cpu"), torch.randn(1, *input_shape))[name]
    except (RuntimeError, ValueError):
        measured = None
    assert (row is None) == (measured is None), f"cnncalc {'rejects' if row is None else 'accepts'}, torch " \
                                                f"{'rejects' if measured is None else 'accepts'}"
    if row is not None:
        assert (row.output_shape, row.params, row.macs) == (measured.shape, measured.params, measured.macs)
    return row


shapes = st.integers(0, 3).flatmap(
    lambda ndim: st.tuples(st.integers(1, 12), *[st.integers(1, 7) for _ in range(ndim)]))

ONE_INPUT = {
    "silu": st.just({}), "swish": st.just({}), "hardswish": st.just({}), "hardsigmoid": st.just({}),
    "mish": st.just({}), "prelu": st.fixed_dictionaries({}, optional={"per_channel": st.booleans()}),
    "scale": st.just({}), "identity": st.just({}),
    "stochastic_depth": st.fixed_dictionaries({}, optional={"rate": st.sampled_from([0, 0.2, 0.5]),
                                                            "mode": st.sampled_from(["row", "batch"])}),
    # groups that do not divide the channels sometimes: both must refuse
    "channel_shuffle": st.fixed_dictionaries({"groups": st.integers(1, 5)}),
}


@PROPERTY
@given(shapes, st.sampled_from(sorted(ONE_INPUT)), st.data())
def test_one_input_types_match_torch(shape, type_name, data):
    args = data.draw(ONE_INPUT[type_name])
    layer = ", ".join(f"{k}: {yaml_value(v)}" for k, v in args.items())
    check(shape, f"  - {{name: x, {type_name}: {{{layer}}}}}\n", "x")


@st.composite
def operands(draw):
    """A [C, *spatial] input and 2 or 3 operands made from it: a 1×1 convolution to c channels, then an
    adaptive average pooling to the operand's sizes; c and every size the input's, 1, or (sometimes) another
    size, which must not broadcast."""
    ndim = draw(st.integers(1, 3))
    shape = (draw(st.integers(2, 6)), *[draw(st.integers(2, 6)) for _ in range(ndim)])

    def size(n):
        return draw(st.sampled_from([n, n, 1, 1, n + 1]))
    return shape, [(size(shape[0]), [size(n) for n in shape[1:]]) for _ in range(draw(st.integers(2, 3)))]


@PROPERTY
@given(operands(), st.sampled_from(["mul", "add"]))
def test_broadcasting_merges_match_torch(case, type_name):
    shape, parts = case
    body = "".join(f"  - {{name: p{i}, from: input, conv: {{out: {c}, kernel: 1}}}}\n"
                   f"  - {{name: q{i}, adaptive_avgpool: {{size: {yaml_value(sizes)}}}}}\n"
                   for i, (c, sizes) in enumerate(parts))
    names = ", ".join(f"q{i}" for i in range(len(parts)))
    row = check(shape, body + f"  - {{name: x, from: [{names}], {type_name}: {{}}}}\n", "x")
    if row is not None:
        # (inputs − 1) operations per output element; the output is the largest size on every axis
        out = [max(values) for values in zip(*[(c, *sizes) for c, sizes in parts])]
        assert row.output_shape == tuple(out)
        assert row.flops == (len(parts) - 1) * torch.Size(out).numel()
