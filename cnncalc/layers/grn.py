"""Global response normalisation (ConvNeXt V2, Woo et al. 2023): each channel's L2 norm over the positions,
divided by the norms' mean over the channels, rescales the input, with a learnt γ and β and a residual."""

from __future__ import annotations

from cnncalc.layers.base import NUMBER, WHOLE, Facts, Kept, Layer, Worked, arg, register, spatial_axes
from cnncalc.record import record
from cnncalc.shapes import product


@register("grn")
@record
class GRN(Layer):
    """ConvNeXt V2's global response normalisation on [C, …]: G_c = ‖x_c‖₂ over the positions,
    N_c = G_c / (mean over c of G + ε), y = x + β + γ·x·N (timm's GlobalResponseNorm, channels first). 2·C
    parameters (γ, β), no MACs; every output sees the whole input (the norms are over all positions)."""

    flops_rule = ("6 per element (a square and an add for the norms; the multiplies by N and by γ, the adds of "
                  "β and of x) + 3 per channel (a square root; an add to the mean; a divide) + 2 (the mean's "
                  "divide, + ε)")

    saves_rule = ("its input, x·N (the input's size), and per sample the norms G, N (C each) and the mean's "
                  "denominator (1), as torch's autograd keeps them for the module cnncalc exports")

    eps: float = arg(NUMBER, "ε added to the mean of the norms (does not change any count)", 1e-6)

    def infer(self, inputs) -> Facts:
        (shape,) = inputs
        spatial_axes(shape, self.type_name)
        channels = shape[0]
        return Facts(output=tuple(shape), params=2 * channels, flops=6 * product(shape) + 3 * channels + 2,
                     rf=WHOLE)

    def saved_for_backward(self, inputs, output) -> tuple:
        (shape,) = inputs
        return (Kept(input=0), Kept(elements=product(shape)), Kept(elements=2 * shape[0] + 1))

    def worked(self, inputs, facts) -> tuple:
        (shape,) = inputs
        c, n = shape[0], product(shape)
        return (Worked("params", "γ and β, one per channel: 2·C", f"2·{c}", 2 * c),
                Worked("flops", "6 per element + 3 per channel + 2", f"6·{n:,} + 3·{c} + 2", 6 * n + 3 * c + 2))
