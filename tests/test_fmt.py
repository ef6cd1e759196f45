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


# Past the largest unit (P, PiB) the display is scientific, three significant digits, half-even. Each
# expected text is worked out by hand: the digits of n, the exponent = number of digits − 1.
@pytest.mark.parametrize("n, text", [
    (999_499_999_999_999_999, "999P"),            # 999.4999…P rounds down: still a unit
    (999_500_000_000_000_000, "1.00e18"),         # 999.5P rounds (half-even) to 1000P: no unit left
    (10**18, "1.00e18"),
    (1_000_000_000_000_000_008_000 * 10**15, "1.00e36"),   # the '1000000000000000008000P'
    (1245 * 10**17, "1.24e20"),                   # 124.5 → 124 (even)
    (1255 * 10**17, "1.26e20"),                   # 125.5 → 126 (even)
    (9996 * 10**17, "1.00e21"),                   # 999.6 → 1000: the exponent moves up
    (-(10**19), "-1.00e19"),
])
def test_human_beyond_p_is_scientific(n, text):
    assert fmt.human(n) == text


@pytest.mark.parametrize("n, text", [
    (1023 * 2**50, "1023 PiB"),
    (2**60, "1.15e18 B"),                         # 2^60 = 1,152,921,504,606,846,976
    (3_552_713_678_800_500_957_777 * 2**50, "4.00e36 B"),  # the PiB figure: 3.5527e21 × 1.1259e15
    (5 * 10**36, "5.00e36 B"),
])
def test_nbytes_beyond_pib_is_scientific(n, text):
    assert fmt.nbytes(n) == text


def test_the_byte_kind_is_units_own():
    # fmt names the kind without importing units (start-up time of the table path); the two must agree
    from cnncalc import units
    assert fmt.BYTES == units.BYTES and fmt.amount(2048, units.BYTES) == "2.00 KiB"
