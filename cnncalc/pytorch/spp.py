"""PyTorch writer of spp (cnncalc/layers/spp.py): the SPP module written into the file."""

from __future__ import annotations

from cnncalc.export.code import Code, Helper, writes

SPP = '''
class SPP(nn.Module):
    """Spatial pyramid pooling: at level n, each axis of size a is pooled with window ceil(a / n) and stride
    floor(a / n); every level flattened and concatenated."""

    def __init__(self, levels, mode):
        super().__init__()
        self.levels, self.mode = levels, mode

    def forward(self, x):
        ndim = x.dim() - 2
        pool = ({1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d} if self.mode == "max"
                else {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d})[ndim]
        parts = []
        for n in self.levels:
            window = tuple(-(-a // n) for a in x.shape[2:])
            stride = tuple(a // n for a in x.shape[2:])
            parts.append(torch.flatten(pool(x, window, stride), 1))
        return torch.cat(parts, dim=1)
'''


@writes("spp", helpers=(Helper("SPP", SPP),))
def spp(layer, shapes, out):
    return Code(modules=(("", f"SPP({tuple(layer.levels)!r}, {layer.mode!r})"),), helpers=("SPP",))
