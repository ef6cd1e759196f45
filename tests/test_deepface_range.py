"""docs/verify.md's statement about seed:deepface, held: it analyses from 1×72×72 up, and verify's per-layer
weight limit (50,000,000) admits it up to 141×141, so at its own 3×152×152 the refusal names 3,141,141.

By hand, at an input of n×n (no padding anywhere): C1 11×11 → n−10; M2 3×3/2 with ceil_mode →
ceil((n−10−3)/2)+1; C3 9×9 → −8; L4 9×9 → −8; L5 7×7/2 → floor((m−7)/2)+1; L6 5×5 → −4. At n = 72: 62, 31, 23,
15, 5, 1; at n = 71: 61, 30, 22, 14, 4, and L6's 5×5 kernel no longer fits. L4 (16 → 16 channels, 9×9 kernel,
one weight set and one bias per output position, side s): s²·(9·9·16·16 + 16) = 20,752·s². n = 141: 131, 65, 57,
s = 49: 49,825,552 ≤ 50,000,000; n = 142: 132, 66, 58, s = 50: 51,880,000; n = 152: 142, 71, 63, s = 55:
62,774,800."""

from __future__ import annotations

import pytest

from cnncalc.errors import SpecError
from cnncalc.spec import read_spec
from cnncalc.analysis import analyze


def l4_weights(n: int) -> int:
    report = analyze(read_spec("seed:deepface", (1, n, n)))
    return next(row.params for row in report.rows if row.name == "L4")


def test_least_input_is_72():
    assert analyze(read_spec("seed:deepface", (1, 72, 72))).output_shape == (4030,)
    with pytest.raises(SpecError, match="L6"):
        analyze(read_spec("seed:deepface", (1, 71, 71)))


def test_l4_weights_cross_the_verify_limit_between_141_and_142():
    assert l4_weights(141) == 20_752 * 49 ** 2 == 49_825_552
    assert l4_weights(142) == 20_752 * 50 ** 2 == 51_880_000
    assert l4_weights(152) == 20_752 * 55 ** 2 == 62_774_800


def test_verify_at_152_refuses_naming_141(cli):
    code, _, err = cli("verify", "seed:deepface")
    assert code == 2 and "62,774,800 weights" in err and "try --input 3,141,141" in err
