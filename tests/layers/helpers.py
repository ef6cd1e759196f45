"""What the layer tests share.
"""

from __future__ import annotations

import math


def prod(values):
    return math.prod(values)
