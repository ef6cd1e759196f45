"""PyTorch writers of relative_position_bias (cnncalc/layers/attention.py): a module holding the table and its
index, as torchvision's Swin Transformer does; and of shifted_window_mask: a module holding the mask."""

from __future__ import annotations

from cnncalc.export.code import Code, Helper, writes

RELATIVE_POSITION_BIAS = '''
class RelativePositionBias(nn.Module):
    """Swin's relative position bias: a table [(2·wh − 1)(2·ww − 1), heads] gathered by the offset of each
    (query, key) pair of a wh×ww window and added to the scores [B, …, N, N], the heads fastest in the
    leading axes."""

    def __init__(self, heads, wh, ww):
        super().__init__()
        self.heads = heads
        self.table = nn.Parameter(torch.zeros((2 * wh - 1) * (2 * ww - 1), heads))
        ys, xs = torch.meshgrid(torch.arange(wh), torch.arange(ww), indexing="ij")
        cells = torch.stack([ys.flatten(), xs.flatten()])                      # [2, N]
        rel = cells[:, :, None] - cells[:, None, :]                           # query − key
        self.register_buffer("index", (rel[0] + wh - 1) * (2 * ww - 1) + rel[1] + ww - 1, persistent=False)

    def forward(self, x):
        n = x.shape[-1]
        bias = self.table[self.index].permute(2, 0, 1)                        # [heads, N, N]
        return (x.reshape(x.shape[0], -1, self.heads, n, n) + bias).reshape(x.shape)
'''


@writes("relative_position_bias", helpers=(Helper("RelativePositionBias", RELATIVE_POSITION_BIAS),))
def relative_position_bias(layer, shapes, out):
    wh, ww = layer.size()
    return Code(modules=(("", f"RelativePositionBias({layer.heads}, {wh}, {ww})"),),
                helpers=("RelativePositionBias",))

SHIFTED_WINDOW_MASK = '''
class ShiftedWindowMask(nn.Module):
    """Swin's mask of shifted windows: -100 where a query and a key of a window of the cyclically shifted
    [H, W] map come from different regions (along each axis [0, H - w), [H - w, H - s), [H - s, H)), added
    to the scores [B, ..., N, N] whose leading axes hold windows x heads, the heads fastest."""

    def __init__(self, heads, window, shift, height, width):
        super().__init__()
        self.heads = heads

        def band(n):
            i = torch.arange(n)
            return (i >= n - window).long() + (i >= n - shift).long()

        regions = 3 * band(height)[:, None] + band(width)[None, :]             # [H, W]
        regions = regions.reshape(height // window, window, width // window, window)
        regions = regions.permute(0, 2, 1, 3).reshape(-1, window * window)     # [windows, N]
        mask = (regions[:, :, None] != regions[:, None, :]).float() * -100.0
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x):
        n = x.shape[-1]
        return (x.reshape(x.shape[0], -1, self.heads, n, n) + self.mask[:, None]).reshape(x.shape)
'''


@writes("shifted_window_mask", helpers=(Helper("ShiftedWindowMask", SHIFTED_WINDOW_MASK),))
def shifted_window_mask(layer, shapes, out):
    height, width = layer.size
    return Code(modules=(("", f"ShiftedWindowMask({layer.heads}, {layer.window}, {layer.shift}, {height}, {width})"),),
                helpers=("ShiftedWindowMask",))
