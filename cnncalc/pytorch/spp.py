"""PyTorch writer of spp (cnncalc/layers/spp.py): the SPP module written into the file."""

from __future__ import annotations

from cnncalc.export.code import Code, Helper, writes

SPP = '''
class SPP(nn.Module):
    """Spatial pyramid pooling: at level n, each axis of size a is pooled with window ceil(a / n), written
    (a + n - 1) // n (torch's legacy ONNX exporter rounds -(-a // n) wrong), and stride floor(a / n); every
    level flattened and concatenated."""

    def __init__(self, levels: list[int], mode: str):
        super().__init__()
        self.levels, self.mode = levels, mode

    def forward(self, x):
        parts: list[torch.Tensor] = []
        sizes = x.shape[2:]
        for n in self.levels:
            window = [(a + n - 1) // n for a in sizes]
            stride = [a // n for a in sizes]
            parts.append(torch.flatten(spp_pool(x, self.mode == "max", window, stride), 1))
        return torch.cat(parts, dim=1)


def spp_pool(x, largest: bool, window: list[int], stride: list[int]):
    """Max (largest) or average pooling over len(window) spatial axes."""
    if len(window) == 1:
        return F.max_pool1d(x, window, stride) if largest else F.avg_pool1d(x, window, stride)
    if len(window) == 2:
        return F.max_pool2d(x, window, stride) if largest else F.avg_pool2d(x, window, stride)
    return F.max_pool3d(x, window, stride) if largest else F.avg_pool3d(x, window, stride)
'''


@writes("spp", helpers=(Helper("SPP", SPP),))
def spp(layer, shapes, out):
    return Code(modules=(("", f"SPP({list(layer.levels)!r}, {layer.mode!r})"),), helpers=("SPP",))
