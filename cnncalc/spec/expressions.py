"""Expressions of the spec language (docs/spec.md, "Expressions"): a safe walk of Python's expression syntax
tree (no ``eval``), on exact numbers (ints and ``fractions.Fraction``), true/false and text.

``+ - * / // % **`` (``/`` exact), comparisons, ``and or not`` (on true/false), ``X if C else Y``, and the
functions min, max, round (Python's: half to even), floor, ceil, make_divisible (torchvision's
``_make_divisible``), quantize (to a multiple), log and exp. A YAML float in an expression is the exact
fraction of its decimal text (1.2 → 6/5).

log, exp and ``**`` are exact where the value is rational (``2 ** 10``, ``4 ** (1/2)``, ``log(8, 2)``); an
irrational value is a :class:`Real`, bounded as tightly as needed with :mod:`decimal` (whose ln and exp are
correctly rounded) and interval arithmetic, and may only end in a rounding function or a comparison, which
answers only when the bounds prove the answer (else "too close to call"): results stay exact and the same on
every machine.
"""

from __future__ import annotations

import ast
import decimal
import functools
import math
import operator
import re
from fractions import Fraction
from typing import Callable

from cnncalc.errors import Location, SpecError, brief
from cnncalc.spec.yamlsource import MAX_INT

MAX_LENGTH = 200                     # characters of one expression
_NUMBER = (int, Fraction)
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
               ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_WORDS = {"true": True, "false": False}


class Computed(Fraction):
    """A result of an expression that is not a whole number: a Fraction that remembers its expression, so
    that a layer argument that must be an int says which expression gave what."""

    __slots__ = ("expression",)
    expression: str

    def __repr__(self) -> str:
        return f"'{self.expression}' = {number_text(self)}"


def computed(value: Fraction, expression: str) -> Computed:
    out = Computed(value)
    out.expression = expression
    return out


def number_text(value) -> str:
    """An exact number for a message: 38.4, 1/3 (≈0.3333)."""
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d == 1:                        # a terminating decimal: written exactly
        digits = 0
        while (value * 10**digits).denominator != 1:
            digits += 1
        whole = int(value * 10**digits)
        sign, whole = ("-" if whole < 0 else ""), abs(whole)
        text = str(whole).rjust(digits + 1, "0")
        return f"{sign}{text[:-digits]}.{text[-digits:]}"
    return f"{value.numerator}/{value.denominator} (≈{float(value):.4g})"


def exact(value):
    """A value as expressions see it: a float becomes the fraction of its shortest decimal text (the text a
    YAML float was written as, up to 15 significant digits); ints, Fractions, bools and text stay."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not finite")
        return Fraction(repr(value))
    return value


def make_divisible(v, divisor, min_value=None) -> int:
    """torchvision's ``_make_divisible``: ``v`` rounded to the nearest multiple of ``divisor`` (halves up), at
    least ``min_value`` (default ``divisor``), and one more ``divisor`` if rounding lost more than 10 % of v.
    Exact: ``0.9·v`` is 9/10 of v, not a float product. ``v`` may be a :class:`Real`."""
    if min_value is None:
        min_value = divisor
    if isinstance(v, Real):
        shifted = real_arithmetic(operator.add, v, Fraction(divisor, 2))
        whole = floor_of(shifted) if order(shifted, 0) >= 0 else ceil_of(shifted)     # int() truncates
        new = max(min_value, whole // divisor * divisor)
        if order(new, real_arithmetic(operator.mul, Fraction(9, 10), v)) < 0:
            new += divisor
        return new
    new = max(min_value, int(v + Fraction(divisor, 2)) // divisor * divisor)
    if new < Fraction(9, 10) * v:
        new += divisor
    return new


def _is_number(value) -> bool:
    return (isinstance(value, _NUMBER) and not isinstance(value, bool)) or isinstance(value, Real)


def _kind(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if _is_number(value):
        return "a number"
    if isinstance(value, str):
        return "text"
    return brief(value)


def evaluate(text: str, loc: Location, names: Callable[[str], object] | None = None, shown: str = ""):
    """The value of an expression in which ``$name`` has been replaced by placeholders: ``names(placeholder)``
    gives each one's value. ``shown``: the expression as written (for messages); default ``text``."""
    shown = shown or text

    def fail(message: str):
        return SpecError(message, loc)

    def number(value, what: str):
        if not _is_number(value):
            raise fail(f"{what} in '{shown}' needs a number, got {_kind(value)} ({brief(value)})")
        return value

    def boolean(value, what: str):
        if not isinstance(value, bool):
            raise fail(f"{what} in '{shown}' needs true or false, got {_kind(value)} ({brief(value)})")
        return value

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or value is None:
                raise fail(f"'{shown}': write true and false in lower case; there is no None")
            if isinstance(value, int):
                return value
            if isinstance(value, float):
                return _decimal(ast.get_source_segment(source, node) or "", value)
            if isinstance(value, str):
                return value
            raise fail(f"'{shown}' has a constant expressions do not take: {brief(value)}")
        if isinstance(node, ast.Name):
            if node.id in _WORDS:
                return _WORDS[node.id]
            if names is not None and node.id.startswith("__v"):
                return names(node.id)
            raise fail(f"'{shown}': unknown name '{node.id}' (arguments are written $name; functions: "
                       f"{', '.join(FUNCTIONS)})")
        if isinstance(node, ast.UnaryOp):
            operand = walk(node.operand)
            if isinstance(node.op, ast.Not):
                return not boolean(operand, "'not'")
            if isinstance(node.op, (ast.USub, ast.UAdd)):
                value = number(operand, "a sign")
                if isinstance(value, Real):
                    return real_arithmetic(operator.sub, 0, value) if isinstance(node.op, ast.USub) else value
                return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base, exponent = number(walk(node.left), "'**'"), number(walk(node.right), "'**'")
            return power(base, exponent, lambda message: fail(f"'{shown}': {message}"))
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            left, right = number(walk(node.left), "arithmetic"), number(walk(node.right), "arithmetic")
            if not isinstance(right, Real) and right == 0 and isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)):
                raise fail(f"division by zero in '{shown}'")
            if isinstance(left, Real) or isinstance(right, Real):
                return _real_binary(node.op, left, right)
            if isinstance(node.op, ast.Div) and isinstance(left, int) and isinstance(right, int):
                return Fraction(left, right)
            return _ARITHMETIC[type(node.op)](left, right)
        if isinstance(node, ast.BoolOp):
            is_and = isinstance(node.op, ast.And)
            for item in node.values:
                value = boolean(walk(item), "'and'" if is_and else "'or'")
                if value is not is_and:
                    return value
            return is_and
        if isinstance(node, ast.Compare):
            left = walk(node.left)
            for op, right_node in zip(node.ops, node.comparators):
                right = walk(right_node)
                if isinstance(op, (ast.Eq, ast.NotEq)):
                    same = _kind(left) == _kind(right) and (order(left, right) == 0 if _is_number(left)
                                                            else left == right)
                    holds = same if isinstance(op, ast.Eq) else not same
                elif type(op) in _ORDER:
                    if not ((_is_number(left) and _is_number(right))
                            or (isinstance(left, str) and isinstance(right, str))):
                        raise fail(f"'{shown}' compares {_kind(left)} with {_kind(right)}")
                    holds = _ORDER[type(op)](order(left, right) if _is_number(left) else left,
                                             0 if _is_number(left) else right)
                else:
                    raise fail(f"'{shown}': expressions compare with == != < <= > >= only")
                if not holds:
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return walk(node.body) if boolean(walk(node.test), "'if'") else walk(node.orelse)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
            name = node.func.id
            if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                raise fail(f"'{shown}': {name}() takes plain arguments")
            args = [walk(a) for a in node.args]
            keywords = {k.arg: walk(k.value) for k in node.keywords}
            return _call(name, args, keywords, shown, loc)
        raise fail(f"'{shown}' is not an expression cnncalc evaluates (numbers, + - * / // %, comparisons, "
                   f"and/or/not, X if C else Y, {', '.join(FUNCTIONS)})")

    if len(shown) > MAX_LENGTH:
        raise fail(f"an expression is longer than {MAX_LENGTH} characters")
    source = text.strip()
    tree = _parse(source)
    if tree is None:
        raise fail(f"'{shown}' is not a valid expression")
    try:
        value = walk(tree)
        if isinstance(value, Real):
            raise fail(f"'{shown}' is irrational (≈{float(value):.6g}); an irrational value must end in round, "
                       f"floor, ceil, make_divisible or quantize")
    except TooClose:
        raise fail(f"'{shown}': too close to call: a rounding or comparison of an irrational value is not "
                   f"settled by {MAX_DIGITS} digits") from None
    except TooLarge:
        raise fail(f"'{shown}' rounds an irrational value beyond 10^18") from None
    except (decimal.DecimalException, OverflowError, ZeroDivisionError):     # a guard: bounds prevent these
        raise fail(f"'{shown}' cannot be evaluated exactly (an irrational intermediate out of range)") from None
    if _is_number(value):
        if isinstance(value, Fraction) and value.denominator == 1:
            value = int(value)
        if abs(value) > MAX_INT or (isinstance(value, Fraction) and value.denominator > MAX_INT):
            size = abs(value) if isinstance(value, int) else max(abs(value.numerator), value.denominator)
            raise fail(f"'{shown}' is {len(str(size))} digits long; spec integers are at most 10^18 (a "
                       f"fraction's parts too)")
        if isinstance(value, Fraction):
            value = computed(value, shown)
    return value


@functools.lru_cache(maxsize=4096)
def _parse(source: str):
    """The syntax tree of an expression, or None: kept, as a family evaluates the same texts per variant
    (the trees are only read)."""
    try:
        return ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _decimal(written: str, value: float) -> Fraction:
    """A float literal as the exact fraction of its text (1.2 → 6/5)."""
    try:
        return Fraction(written.replace("_", ""))
    except ValueError:
        return Fraction(repr(value))


def _real_binary(op, left, right):
    """left op right where one side is a Real: + - * / a Real, // an int, % a Real."""
    if isinstance(op, ast.FloorDiv):
        return floor_of(real_arithmetic(operator.truediv, left, right))
    if isinstance(op, ast.Mod):
        whole = floor_of(real_arithmetic(operator.truediv, left, right))
        return real_arithmetic(operator.sub, left, real_arithmetic(operator.mul, right, whole))
    return real_arithmetic(_ARITHMETIC[type(op)], left, right)


def _call(name: str, args: list, keywords: dict, shown: str, loc: Location):
    def fail(message: str):
        return SpecError(f"'{shown}': {message}", loc)
    if name == "make_divisible":
        unknown = set(keywords) - {"min_value"}
        if unknown or not 2 <= len(args) + len(keywords) <= 3 or (len(args) == 3 and keywords):
            raise fail("make_divisible takes (value, divisor) or (value, divisor, min_value)")
        value, divisor, *rest = args
        low = rest[0] if rest else keywords.get("min_value")
        if not _is_number(value):
            raise fail(f"make_divisible's value must be a number, got {brief(value)}")
        if not isinstance(divisor, int) or isinstance(divisor, bool) or divisor < 1:
            raise fail(f"make_divisible's divisor must be a positive int, got {brief(divisor)}")
        if low is not None and not (isinstance(low, int) and not isinstance(low, bool)):
            raise fail(f"make_divisible's min_value must be an int, got {brief(low)}")
        return make_divisible(value, divisor, low)
    if keywords:
        raise fail(f"{name}() takes no keyword arguments")
    for value in args:
        if not _is_number(value):
            raise fail(f"{name}() takes numbers, got {_kind(value)} ({brief(value)})")
    if name in ("min", "max"):
        if len(args) < 2:
            raise fail(f"{name}() needs two or more numbers")
        best = args[0]
        for value in args[1:]:
            if order(value, best) == (-1 if name == "min" else 1):
                best = value
        return best
    if name == "round":
        if len(args) == 2 and isinstance(args[1], int) and abs(args[1]) <= 18:
            if isinstance(args[0], Real):
                scale = Fraction(10) ** args[1]
                return Fraction(round_of(real_arithmetic(operator.mul, args[0], scale))) / scale
            return round(args[0], args[1])
        if len(args) != 1:
            raise fail("round takes (value) or (value, digits), digits an int of at most 18")
        return round_of(args[0])
    if name == "log":
        if len(args) not in (1, 2):
            raise fail("log takes (value) for the natural logarithm or (value, base)")
        return log(args[0], args[1] if len(args) == 2 else None, fail)
    if name == "quantize":
        if len(args) != 2 or isinstance(args[1], Real) or args[1] <= 0:
            raise fail("quantize takes (value, step), step a positive number")
        return quantize(args[0], args[1])
    if len(args) != 1:
        raise fail(f"{name}() takes one number")
    if name == "exp":
        if isinstance(args[0], Real) and (order(args[0], MAX_EXP) > 0 or order(args[0], -MAX_EXP) < 0) or \
                not isinstance(args[0], Real) and abs(args[0]) > MAX_EXP:
            raise fail(f"exp of a number beyond ±{MAX_EXP}")
        return 1 if not isinstance(args[0], Real) and args[0] == 0 else _exp(args[0])
    return floor_of(args[0]) if name == "floor" else ceil_of(args[0])


FUNCTIONS = ("min", "max", "round", "floor", "ceil", "make_divisible", "quantize", "log", "exp")


# --- log, exp and powers: exact where rational, otherwise bounded reals that only a rounding may end ---------

FIRST_DIGITS = 40                     # decimal digits of the first bounds of an irrational value
MAX_DIGITS = 640                      # the most digits tried before a rounding is "too close to call"
MAX_POWER_DIGITS = 4_000              # digits of an exact power's numerator or denominator
MAX_EXP = 10_000                      # |x| of exp(x) (and of y·log x in a power)


class Real:
    """An irrational value inside an expression (a log, exp or power that is not rational): not a number but
    the means to bound it. ``bounds(digits)`` gives Fractions ``lo <= value <= hi`` whose width shrinks as
    ``digits`` grows; a rounding (round, floor, ceil, make_divisible, quantize) and a comparison refine them
    until the answer is certain (``decide``). A Real never leaves an expression: ``evaluate`` refuses one."""

    __slots__ = ("_bounds", "_cache")

    def __init__(self, bounds: Callable[[int], tuple]):
        self._bounds = bounds
        self._cache: dict = {}

    def bounds(self, digits: int) -> tuple:
        if digits not in self._cache:
            self._cache[digits] = self._bounds(digits)
        return self._cache[digits]

    def __float__(self) -> float:
        lo, hi = self.bounds(FIRST_DIGITS)
        return float((lo + hi) / 2)


def _bounds_of(value, digits: int) -> tuple:
    return value.bounds(digits) if isinstance(value, Real) else (value, value)


class TooClose(Exception):
    """A rounding or comparison of an irrational value that MAX_DIGITS digits cannot decide."""


def decide(question: Callable[..., object], *values):
    """The answer ``question(lo, hi)`` gives once it is not None, refining the bounds of ``values`` (Reals)
    from FIRST_DIGITS digits, doubling, to MAX_DIGITS; TooClose past that. ``question`` gets the bounds of the
    values in order, flattened: (lo1, hi1, lo2, hi2, …)."""
    digits = FIRST_DIGITS
    while digits <= MAX_DIGITS:
        flat: list = []
        for value in values:
            flat.extend(_bounds_of(value, digits))
        answer = question(*flat)
        if answer is not None:
            return answer
        digits *= 2
    raise TooClose


def _same(f: Callable[[Fraction], object]):
    """A question for ``decide``: f of the lower bound if f gives the same at both bounds."""
    def question(lo, hi):
        a = f(lo)
        return a if a == f(hi) else None
    return question


class TooLarge(Exception):
    """A rounding of an irrational value beyond any spec integer (its digits are not worth computing)."""


def _rounding(f: Callable[[Fraction], int], value) -> int:
    if not isinstance(value, Real):
        return f(value)
    lo, hi = value.bounds(FIRST_DIGITS)
    if min(abs(lo), abs(hi)) > 10 * MAX_INT:
        raise TooLarge
    return decide(_same(f), value)


def floor_of(value) -> int:
    return _rounding(math.floor, value)


def ceil_of(value) -> int:
    return _rounding(math.ceil, value)


def round_of(value) -> int:
    """Python's round (halves to even). An irrational value is never a half, so only its bounds matter."""
    return _rounding(round, value)


def order(left, right) -> int:
    """-1, 0 or 1 as left <, ==, > right; two values of which one is irrational are never equal."""
    if not isinstance(left, Real) and not isinstance(right, Real):
        return (left > right) - (left < right)

    def question(llo, lhi, rlo, rhi):
        if lhi < rlo:
            return -1
        if llo > rhi:
            return 1
        return None
    return decide(question, left, right)


def _interval(op, a: tuple, b: tuple) -> tuple | None:
    if op is operator.add:
        return a[0] + b[0], a[1] + b[1]
    if op is operator.sub:
        return a[0] - b[1], a[1] - b[0]
    if op is operator.truediv:
        if b[0] <= 0 <= b[1]:
            return None                   # the divisor's bounds hold 0: finer bounds may not
        b = (1 / b[1], 1 / b[0])
    corners = [x * y for x in a for y in b]
    return min(corners), max(corners)


def real_arithmetic(op, left, right):
    """left op right (+ - * /) where one side is a Real: a Real."""
    def bounds(digits: int) -> tuple:
        while True:
            out = _interval(op, _bounds_of(left, digits), _bounds_of(right, digits))
            if out is not None:
                return out
            digits *= 2
            if digits > MAX_DIGITS:
                raise TooClose
    return Real(bounds)


def _decimal_bounds(value, digits: int, function: str) -> tuple:
    """Bounds of ln or exp (both increasing) over the bounds of ``value``. decimal's ln and exp are correctly
    rounded (within half a unit in the last place, |r|·10^(1-p)), so a margin of |r|·10^(2-p) holds the
    true value; the arguments are rounded outwards first."""
    lo, hi = _bounds_of(value, digits)
    while function == "ln" and lo <= 0:       # positive (log checked it), but not yet at these digits
        digits *= 2
        if digits > MAX_DIGITS:
            raise TooClose
        lo, hi = _bounds_of(value, digits)
    p = digits + 10
    down = decimal.Context(prec=p, rounding=decimal.ROUND_FLOOR, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    up = decimal.Context(prec=p, rounding=decimal.ROUND_CEILING, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    near = decimal.Context(prec=p, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    ends = []
    for end, context, sign in ((lo, down, -1), (hi, up, 1)):
        argument = context.divide(decimal.Decimal(end.numerator), decimal.Decimal(end.denominator))
        result = Fraction(near.ln(argument) if function == "ln" else near.exp(argument))
        ends.append(result + sign * abs(result) * Fraction(1, 10 ** (p - 2)))
    return ends[0], ends[1]


def _ln(value) -> Real:
    return Real(lambda digits: _decimal_bounds(value, digits, "ln"))


def _exp(value) -> Real:
    return Real(lambda digits: _decimal_bounds(value, digits, "exp"))


def _root(n: int, k: int):
    """The exact k-th root of n >= 0, or None."""
    if n < 2:
        return n
    r = _iroot(n, k)
    return r if r ** k == n else None


def _iroot(n: int, k: int) -> int:
    """floor(n ** (1/k)) for n >= 1 (Newton's method on ints)."""
    x = 1 << -(-n.bit_length() // k)         # >= the root
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


def _power_digits(base: Fraction, exponent: int) -> int:
    return abs(exponent) * max(len(str(abs(base.numerator))), len(str(base.denominator)))


def power(base, exponent, fail: Callable[[str], Exception]):
    """base ** exponent: exact when rational (an int exponent, or a root that exists), else a Real."""
    if isinstance(exponent, int) and not isinstance(base, Real):
        if base == 0 and exponent < 0:
            raise fail("0 to a negative power")
        if _power_digits(Fraction(base), exponent) > MAX_POWER_DIGITS:
            raise fail(f"the power is longer than {MAX_POWER_DIGITS} digits")
        return Fraction(base) ** exponent
    if not isinstance(base, Real):
        if base < 0:
            raise fail("a negative number to a fractional power")
        if base == 0:
            if order(exponent, 0) <= 0:
                raise fail("0 to a power that is not positive")
            return 0
        if base == 1:
            return 1
        if not isinstance(exponent, Real):
            exponent = Fraction(exponent)
            base = Fraction(base)
            num, den = _root(base.numerator, exponent.denominator), _root(base.denominator, exponent.denominator)
            if num is not None and den is not None:
                return power(Fraction(num, den), exponent.numerator, fail)
    elif order(base, 0) <= 0:
        raise fail("a power of a number that is not positive")
    product = real_arithmetic(operator.mul, exponent, _ln(base))
    if order(product, MAX_EXP) > 0 or order(product, -MAX_EXP) < 0:
        raise fail(f"a power beyond e^{MAX_EXP}")
    return _exp(product)


def log(value, base, fail: Callable[[str], Exception]):
    """The logarithm (natural, or to ``base``): exact when rational, else a Real. A rational log_b(x) is p/q
    with x^q = b^p; b being a q-th power with parts at most 10^18 (or an exact power of at most
    MAX_POWER_DIGITS digits) bounds q, so trying q up to 64 finds it."""
    if order(value, 0) <= 0:
        raise fail("the logarithm of a number that is not positive")
    if base is not None and (order(base, 0) <= 0 or order(base, 1) == 0):
        raise fail("a logarithm's base must be positive and not 1")
    if not isinstance(value, Real) and value == 1:
        return 0
    if base is None:
        return _ln(value)                     # ln of a rational other than 1 is irrational (Lindemann)
    if not isinstance(value, Real) and not isinstance(base, Real):
        x, b = Fraction(value), Fraction(base)
        estimate = real_arithmetic(operator.truediv, _ln(x), _ln(b))
        lo, hi = estimate.bounds(FIRST_DIGITS)
        for q in range(1, 65):
            p = round(lo * q)
            if (_power_digits(x, q) <= MAX_POWER_DIGITS and _power_digits(b, p) <= MAX_POWER_DIGITS
                    and x ** q == b ** p):
                return Fraction(p, q)
        return estimate
    return real_arithmetic(operator.truediv, _ln(value), _ln(base))


def quantize(value, step) -> Fraction | int:
    """``value`` to the nearest multiple of ``step`` (halves to the even multiple, as round): RegNet's
    quantised widths, ``round(w / 8) * 8``."""
    return round_of(real_arithmetic(operator.truediv, value, step) if isinstance(value, Real)
                    else Fraction(value) / step) * step
