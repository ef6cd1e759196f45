"""Element-wise arithmetic with a constant (`arith`: x + c, x − c, c − x, x·c, x / c, c / x, x^c) and the
square roots (`sqrt`, `rsqrt`). No parameters (a constant is not learnt), no MACs, one FLOP per element."""

from __future__ import annotations

from cnncalc.layers.base import BOOLEAN, EPILOGUE, KEEPS_OUTPUT, NUMBER, Facts, Kept, Layer, arg, choice, register
from cnncalc.record import record
from cnncalc.shapes import product

OPS = ("add", "sub", "mul", "div", "pow")
SYMBOLS = {"add": "+", "sub": "−", "mul": "·", "div": "/", "pow": "^"}


@register("arith")
@record
class Arith(Layer):
    """x op c, element by element, with a constant c: `add` (x + c), `sub` (x − c), `mul` (x·c), `div`
    (x / c), `pow` (x^c); `reverse: true` puts the constant first (c − x, c / x, c^x). A residual scaled by a
    fixed factor (NF-ResNet's α and β, torch's `x * 0.2`), a branch's `+ 0` (MobileOne). No parameters, no
    MACs, 1 FLOP per element."""

    flops_rule = "1 per element (the one operation, a power included)"
    saves_rule = ("nothing for add, sub, mul and div by the constant; pow keeps its input (x^c), or its input "
                  "and its output (c^x); c / x one buffer of the input's size (torch computes it as reciprocal(x)·c and keeps "
                  "the reciprocal)")
    in_place = True
    fuses = EPILOGUE          # element-wise: runs in its producer's epilogue

    op: str = arg(choice(*OPS), "the operation: add, sub, mul, div or pow")
    value: float = arg(NUMBER, "the constant c")
    reverse: bool = arg(BOOLEAN, "the constant first: c − x, c / x, c^x", False)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        c, symbol = f"{self.value:g}", SYMBOLS[self.op]
        return Facts(output=tuple(shape), flops=product(shape),
                     label=f"{c} {symbol} x" if self.reverse else f"x {symbol} {c}")

    def saved_for_backward(self, inputs, output) -> tuple:
        if self.op == "pow":
            return (Kept(input=0), Kept(output=True)) if self.reverse else (Kept(input=0),)
        if self.op == "div" and self.reverse:
            return (Kept(elements=product(inputs[0])),)
        return ()


@register("sqrt")
@record
class Sqrt(Layer):
    """√x, element by element: 1 FLOP per element."""

    flops_rule = "1 per element (a square root)"
    keeps = KEEPS_OUTPUT          # torch: the gradient is g / (2·√x), from the output
    in_place = True
    fuses = EPILOGUE

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        return Facts(output=tuple(shape), flops=product(shape))


@register("rsqrt")
@record
class Rsqrt(Layer):
    """1 / √x, element by element (torch.rsqrt): 1 FLOP per element."""

    flops_rule = "1 per element (a reciprocal square root)"
    keeps = KEEPS_OUTPUT          # torch: the gradient is −g·y³ / 2, from the output y
    in_place = True
    fuses = EPILOGUE

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        return Facts(output=tuple(shape), flops=product(shape))
