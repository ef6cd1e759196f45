"""PyTorch writer of netvlad (cnncalc/layers/vlad.py): the NetVLAD module written into the file."""

from __future__ import annotations

from cnncalc.export.code import Code, Helper, writes

NETVLAD = '''
class NetVLAD(nn.Module):
    """NetVLAD: soft-assignment softmax_k(w_k . x + b_k) as a 1x1 convolution D -> K, centres c (K x D),
    V(j, k) = sum_i a_k(x_i) (x_i(j) - c_k(j)), intra- and L2 normalisation."""

    def __init__(self, d, k, intra_norm):
        super().__init__()
        self.assign = nn.Conv1d(d, k, 1)
        self.centres = nn.Parameter(torch.rand(k, d))
        self.intra_norm = intra_norm

    def forward(self, x):
        x = torch.flatten(x, 2)
        a = torch.softmax(self.assign(x), dim=1)
        v = torch.einsum("bkn,bdn->bkd", a, x) - self.centres * a.sum(2).unsqueeze(-1)
        if self.intra_norm:
            v = F.normalize(v, dim=2)
        return F.normalize(torch.flatten(v, 1), dim=1)
'''


@writes("netvlad", helpers=(Helper("NetVLAD", NETVLAD),))
def netvlad(layer, shapes, out):
    return Code(modules=(("", f"NetVLAD({shapes[0][0]}, {layer.clusters}, {layer.intra_norm})"),),
                helpers=("NetVLAD",))
