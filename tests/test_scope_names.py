"""Scope.auto_name: the first `type`+n (n past the type's counter) that is neither reserved nor taken, whether
or not it was peeked at first; checked against that rule written directly, over random sequences of calls."""

import random

from cnncalc.spec.scopes import Scope


def first_free(scope: Scope, type_name: str) -> str:
    n = scope.counters.get(type_name, 0) + 1
    while f"{type_name}{n}" in scope.reserved or f"{type_name}{n}" in scope.names:
        n += 1
    return f"{type_name}{n}"


def test_auto_names_follow_the_rule_with_and_without_peeking():
    rng = random.Random(7)
    for _ in range(200):
        scope = Scope(prefix="", input="input", env={})
        scope.reserved.update(f"{t}{rng.randint(1, 6)}" for t in ("relu", "conv") for _ in range(3))
        for _ in range(30):
            type_name = rng.choice(("relu", "conv"))
            action = rng.random()
            if action < 0.2:                       # someone takes a name explicitly in between
                scope.names[f"{type_name}{rng.randint(1, 12)}"] = "x"
                continue
            expected = first_free(scope, type_name)
            before = dict(scope.counters)
            assert scope.auto_name(type_name, peek=True) == expected
            assert scope.counters == before                  # a peek moves no counter
            if action < 0.8:
                if rng.random() < 0.3:             # a name taken between the peek and the taking
                    scope.names[f"{type_name}{rng.randint(1, 12)}"] = "x"
                    expected = first_free(scope, type_name)
                assert scope.auto_name(type_name) == expected
                scope.names[expected] = "x"
                assert scope.counters[type_name] == int(expected[len(type_name):])
