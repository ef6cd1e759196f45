"""PyTorch writer of linear (cnncalc/layers/linear.py): nn.Linear on the channels, moved last and back."""

from __future__ import annotations

from cnncalc.export.code import Helper, args, channels_last, writes

LINEAR2D = Helper("Linear2d", """
class Linear2d(nn.Linear):
    \"\"\"nn.Linear on the channels of an [N, C, H, W] tensor: its parameters are nn.Linear's.\"\"\"

    def forward(self, x):
        return F.linear(x.permute(0, 2, 3, 1), self.weight, self.bias).permute(0, 3, 1, 2)
""")


@writes("linear", helpers=(LINEAR2D,))
def linear(layer, shapes, out):
    return channels_last("nn.Linear(" + args(shapes[0][0], layer.out, bias=(layer.bias, True)) + ")", shapes[0],
                         LINEAR2D)
