"""PyTorch writer of grn (cnncalc/layers/grn.py): a module written into the exported file, timm's
GlobalResponseNorm in its channels-first form."""

from __future__ import annotations

from cnncalc.export.code import Code, Helper, writes

GRN = '''
class GRN(nn.Module):
    """ConvNeXt V2's global response normalisation, channels first: x + β + γ·x·N."""

    def __init__(self, channels, ndim, eps):
        super().__init__()
        shape = (1, channels) + (1,) * ndim
        self.weight = nn.Parameter(torch.zeros(shape))
        self.bias = nn.Parameter(torch.zeros(shape))
        self.eps = eps
        self.dims = tuple(range(2, 2 + ndim))

    def forward(self, x):
        g = x.norm(p=2, dim=self.dims, keepdim=True)
        n = g / (g.mean(dim=1, keepdim=True) + self.eps)
        return x + torch.addcmul(self.bias, self.weight, x * n)
'''


@writes("grn", helpers=(Helper("GRN", GRN),))
def grn(layer, shapes, out):
    shape = shapes[0]
    return Code(modules=(("", f"GRN({shape[0]}, {len(shape) - 1}, {layer.eps!r})"),), helpers=("GRN",))
