"""Layer types, one module per family. Importing this package registers all of them."""

from cnncalc.layers.base import REGISTRY, Facts, Layer, all_type_names, lookup, register  # noqa: F401
from cnncalc.layers import activation, conv, dense, norm, pool, structure  # noqa: F401,E402
from cnncalc.layers import adaptive, local, misc, resample, separable, spp, transpose, vlad  # noqa: F401,E402
