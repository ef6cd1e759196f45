"""cnncalc/execute/learnable.py: the tokens come first, then the sequence; the embedding is added."""

from __future__ import annotations

import numpy as np

from .helpers import make, rand, run


def test_class_token_prepends_the_drawn_tokens():
    x = rand(4, 5)
    got, drawn = run(make("class_token", tokens=2), x)
    assert got.shape == (4, 7)
    assert np.array_equal(got[:, :2], drawn["weight"]) and np.array_equal(got[:, 2:], x)


def test_position_embedding_adds_the_drawn_tensor():
    x = rand(4, 5)
    got, drawn = run(make("position_embedding"), x)
    assert np.array_equal(got, x + drawn["weight"])
