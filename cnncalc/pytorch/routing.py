"""PyTorch writers of identity, stochastic_depth and channel_shuffle (cnncalc/layers/routing.py)."""

from __future__ import annotations

from cnncalc.export.code import Code, Helper, number, writes

STOCHASTIC_DEPTH = '''
class StochasticDepth(nn.Module):
    """torchvision.ops.stochastic_depth: in training, a Bernoulli(1 - p) factor per sample (row) or for the
    batch, divided by 1 - p (not at p = 1, where every factor is 0); at inference or with p = 0 the input
    itself."""

    def __init__(self, p, mode):
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        size = [x.shape[0] if self.mode == "row" else 1] + [1] * (x.dim() - 1)
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(survival)
        if survival > 0.0:
            noise.div_(survival)
        return x * noise
'''


@writes("identity")
def identity(layer, shapes, out):
    return Code()


@writes("stochastic_depth", helpers=(Helper("StochasticDepth", STOCHASTIC_DEPTH),))
def stochastic_depth(layer, shapes, out):
    return Code(modules=(("", f"StochasticDepth({number(layer.rate)}, {layer.mode!r})"),),
                helpers=("StochasticDepth",))


CHANNEL_SHUFFLE = Helper("channel_shuffle", """
def channel_shuffle(x, groups: int):
    \"\"\"ShuffleNet's channel shuffle: the channels read as groups rows, written out column by column; every
    size from x itself.\"\"\"
    shape = list(x.shape)
    x = x.reshape([shape[0], groups, shape[1] // groups] + shape[2:])
    return torch.transpose(x, 1, 2).reshape(shape)
""")


@writes("channel_shuffle", helpers=(CHANNEL_SHUFFLE,))
def channel_shuffle(layer, shapes, out):
    return Code(expr=f"channel_shuffle({{0}}, {layer.groups})", helpers=("channel_shuffle",))
