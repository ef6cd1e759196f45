"""Display formatting: exact to three significant digits, no floats."""

import pytest

from cnncalc.render import fmt


@pytest.mark.parametrize("n, text", [
    (0, "0"), (999, "999"), (1000, "1.00K"), (1234, "1.23K"), (9995, "10.0K"),   # half-even: 9.995 → 10.0
    (99949, "99.9K"), (999499, "999K"), (999500, "1.00M"),                       # rounding moves the unit up
    (25_557_032, "25.6M"), (4_089_184_256, "4.09G"), (138_357_544, "138M"),
    (10**12, "1.00T"), (10**15 + 5 * 10**12, "1.00P"), (-1500, "-1.50K"),
])
def test_human(n, text):
    assert fmt.human(n) == text


@pytest.mark.parametrize("n, text", [(0, "0 B"), (1023, "1023 B"), (1024, "1.00 KiB"),
                                     (46_796_448, "44.6 MiB"), (2**30, "1.00 GiB")])
def test_nbytes(n, text):
    assert fmt.nbytes(n) == text


def test_count_is_exact():
    assert fmt.count(10**12 + 1) == "1,000,000,000,001"
