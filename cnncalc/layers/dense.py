"""Fully connected layers."""

from __future__ import annotations

from cnncalc.errors import LayerArgError
from cnncalc.layers.base import BOOLEAN, POSITIVE_INT, WHOLE, Facts, KeepsInputForWeights, Layer, Worked, arg, register
from cnncalc.record import record
from cnncalc.shapes import product


@register("dense", "fc")
@record
class Dense(KeepsInputForWeights, Layer):
    """Fully connected: every output unit sees every input element. Needs a flat input [N]."""

    takes_fold = True
    flops_rule = "2·MACs (a multiply and an add each) + one add per output element if `bias`"

    out: int = arg(POSITIVE_INT, "output units")
    bias: bool = arg(BOOLEAN, "a learnable bias per output unit", True)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        if len(shape) != 1:
            raise LayerArgError(f"dense needs a flat input [N]; got {list(shape)}: put a flatten "
                                f"(or a global pooling) before it")
        macs = shape[0] * self.out
        return Facts(output=(self.out,), params=macs + (self.out if self.bias else 0), macs=macs,
                     flops=2 * macs + (self.out if self.bias else 0), rf=WHOLE)

    def worked(self, inputs, facts) -> tuple:
        return dense_worked(inputs[0][0], self.out, self.bias, "inputs", "outputs")


def dense_worked(n: int, out: int, bias: bool, ins: str, outs: str, positions: tuple = ()) -> tuple:
    """The parameters (n·out weights, out biases) and MACs (n·out at each position) of a fully connected
    map, with the numbers in; ``ins``, ``outs``: what n and out are called."""
    where = "positions · " if positions else ""
    at = f"{'·'.join(map(str, positions))} · " if positions else ""
    return (Worked("params", f"{ins} · {outs}" + (" + bias" if bias else ""),
                   f"{n}·{out}" + (f" + {out}" if bias else ""), n * out + (out if bias else 0)),
            Worked("macs", f"{where}{ins} · {outs}", f"{at}{n}·{out}", product(positions) * n * out))
