"""Every shipped spec through both of torch's ONNX exporters (issue 24's Done-when), the check CI makes on
one spec of each kind of exported code (tests/export/test_onnx_exporters.py, REPRESENTATIVE): the exported
PyTorch file, torch.onnx.export with dynamo False and True, onnxruntime's output against eager torch within
1e-5. About six minutes on two cores, so a benchmark-style run rather than a test; it prints one line per
spec and exporter and exits 1 if any disagrees.

    python bench/exporters_all.py            # needs the parity extra (torch, onnxscript) and onnxruntime
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main() -> int:
    import _pytest.outcomes

    from cnncalc.spec import read_spec
    from tests.export.test_onnx_exporters import SHIPPED, SMALLER, exported_agree
    failed = 0
    for path in SHIPPED:
        for dynamo in (False, True):
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as folder:
                try:
                    exported_agree(path, Path(folder), dynamo, SMALLER.get(path.stem, read_spec(str(path)).input_shape))
                    verdict = "agrees"
                except _pytest.outcomes.Skipped as skip:
                    verdict = f"skipped: {skip.msg}"
                except Exception as err:          # a disagreement or an exporter's failure: reported, counted
                    verdict = f"FAILS: {type(err).__name__}: {str(err).splitlines()[0][:200]}"
                    failed += 1
            print(f"{path.parent.name}:{path.stem:28} {'dynamo' if dynamo else 'legacy':7} "
                  f"{time.perf_counter() - started:6.1f} s  {verdict}", flush=True)
    print(f"{len(SHIPPED)} specs × 2 exporters: {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
