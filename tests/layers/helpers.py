"""What the layer tests share.
"""

from __future__ import annotations

import math


def prod(values):
    return math.prod(values)


def window_of(rf):
    """The uniform window (hull) of a field, before a resizing layer's clamp bounds it (cnncalc/rf.py): what
    the layer's own window is when it reads the network input."""
    from cnncalc.rf import AxisRF
    if rf.hull is None:
        return rf
    return AxisRF(rf.hull[0], rf.stride, rf.hull[1], rf.extent, None, rf.exact)
