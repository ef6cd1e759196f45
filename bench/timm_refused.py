"""The nine timm/torchvision CNNs that issue 22 found refused by the ONNX import, exported to ONNX and analysed,
each figure beside torch's own count of the same model: parameters (``sum(p.numel())``), state (the persistent
buffers: ``state_dict()`` less the parameters, as cnncalc counts state), MACs (FlopCounterMode's FLOPs halved).

    PYTHONPATH=. python bench/timm_refused.py [--keep DIR] [--unfolded] [MODEL ...]

Needs torch, timm, torchvision, onnx (a research venv; none is a dependency of cnncalc). Prints one line per
model and exits 1 when a figure differs. A check, not a timed benchmark; tests/onnximport/test_timm_models.py runs
the same comparison when timm is installed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

MODELS = ("densenet121", "ecaresnet50d", "skresnet18", "resnest14d", "gcresnet50t", "convnextv2_atto",
          "mobileone_s0", "nf_resnet26", "tresnet_m")
SIZE = 224


def build(name: str):
    """The model, random weights, in eval mode: torchvision's densenet121, timm's others."""
    if name == "densenet121":
        import torchvision
        return torchvision.models.densenet121(weights=None).eval()
    import timm
    return timm.create_model(name, pretrained=False).eval()


def torch_figures(net, size: int = SIZE) -> tuple:
    """(parameters, state, MACs) as torch counts them."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    params = sum(p.numel() for p in net.parameters())
    names = {name for name, _ in net.named_parameters()}
    state = sum(t.numel() for name, t in net.state_dict().items()
                if name not in names and t.is_floating_point())
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        net(torch.randn(1, 3, size, size))
    return params, state, counter.get_total_flops() // 2


def export(net, path: Path, folded: bool = True, size: int = SIZE) -> Path:
    import torch
    # TrainingMode.PRESERVE keeps batch norm a node of its own (an eval export folds it into the conv before
    # it, and the file then holds fewer parameters than the model)
    torch.onnx.export(net, torch.randn(1, 3, size, size), str(path), opset_version=17, dynamo=False,
                      do_constant_folding=folded, training=torch.onnx.TrainingMode.PRESERVE)
    return path


def cnncalc_figures(path: Path) -> tuple:
    import cnncalc
    totals = cnncalc.analyze(str(path)).totals
    return totals.params, totals.state, totals.macs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", default=list(MODELS))
    parser.add_argument("--keep", help="a folder to write the ONNX files to (and reuse them from)")
    parser.add_argument("--unfolded", action="store_true", help="export with do_constant_folding=False")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    bad = 0
    for name in args.models:
        net = build(name)
        want = torch_figures(net)
        path = folder / f"{name}{'-unfolded' if args.unfolded else ''}.onnx"
        if not path.exists():
            export(net, path, folded=not args.unfolded)
        try:
            got = cnncalc_figures(path)
        except Exception as err:          # a refusal: shown, counted as a difference
            print(f"{name:18} refused: {str(err)[:300]}")
            bad += 1
            continue
        same = got == want
        bad += not same
        diff = "" if same else "  differs by " + ", ".join(f"{k} {g - w:+,}" for k, g, w in
                                                           zip(("params", "state", "MACs"), got, want) if g != w)
        print(f"{name:18} params {got[0]:>12,} state {got[1]:>9,} MACs {got[2]:>15,}  "
              f"{'exact' if same else 'torch ' + str(want)}{diff}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
