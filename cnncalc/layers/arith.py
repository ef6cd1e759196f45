"""Element-wise arithmetic with a constant (`arith`: x + c, x − c, c − x, x·c, x / c, c / x, x^c), the
square roots (`sqrt`, `rsqrt`), and the difference and quotient of two activations (`sub`, `div`; their sum
and product are cnncalc/layers/structure.py's `add` and `mul`). No parameters, no MACs, one FLOP per
element."""

from __future__ import annotations

from cnncalc.layers.base import (BOOLEAN, EPILOGUE, KEEPS_NOTHING, KEEPS_OUTPUT, NUMBER, Facts, Grads, Kept, Layer, arg,
                                 choice, register)
from cnncalc.layers.structure import broadcast
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


@record
class _Binary(Layer):
    """a op b of two activations, element by element, broadcasting as `add` does: 1 FLOP per output
    element."""

    arity = 2
    in_place = True

    def infer(self, inputs) -> Facts:
        out = broadcast(inputs, self.type_name)
        return Facts(output=out, flops=product(out))


@register("sub")
@record
class Sub(_Binary):
    """a − b of two activations (`from: [a, b]`), element by element; shapes broadcast as add's do: 1 FLOP
    per output element."""

    flops_rule = "1 per output element (a subtraction)"
    keeps = KEEPS_NOTHING       # the gradient is g and −g


@register("div")
@record
class Div(_Binary):
    """a / b of two activations (`from: [a, b]`), element by element; shapes broadcast as add's do: 1 FLOP
    per output element."""

    flops_rule = "1 per output element (a division)"
    saves_rule = "the divisor b when either gradient is computed, the dividend a when b's is (torch's div)"

    def saved_for_backward(self, inputs, output) -> tuple:
        return self.saved_when(inputs, output, Grads(inputs=(True, True), weights=False))

    def saved_when(self, inputs, output, grads) -> tuple:
        needs = grads.inputs
        return ((Kept(input=0),) if needs[1] else ()) + ((Kept(input=1),) if any(needs) else ())
