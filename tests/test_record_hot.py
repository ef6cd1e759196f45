"""cnncalc.record after a class turns hot: the compiled ``__init__`` behaves as the generic one."""

from __future__ import annotations

import pytest

from cnncalc import record as records
from cnncalc.record import FrozenInstanceError, field, record


def _fresh_classes():
    @record
    class Base:
        a: int
        b: int = 2

    @record
    class Child(Base):
        c: list = field(default_factory=list)

        def __post_init__(self):
            object.__setattr__(self, "seen", True)

    return Base, Child


@pytest.mark.parametrize("hot", [False, True])
def test_same_behaviour_before_and_after_compiling(hot):
    Base, Child = _fresh_classes()
    if hot:
        for _ in range(records.HOT):
            Child(a=0)
        assert Child.__init__ is not records._init      # the specialised one is in place
    else:
        assert Child.__init__ is records._init
    child = Child(1, 3)
    assert (child.a, child.b, child.c, child.seen) == (1, 3, [], True)
    assert Child(a=1).c is not Child(a=1).c             # a fresh default each time
    assert Child(a=1) == Child(1, 2, [])
    for bad in (lambda: Child(), lambda: Child(a=1, z=2), lambda: Child(1, a=1), lambda: Child(1, 2, [], 4)):
        with pytest.raises(TypeError):
            bad()
    with pytest.raises(FrozenInstanceError):
        child.a = 5
    assert Base.__init__ is records._init               # each class turns hot on its own
