"""The op registry and every op. Importing this package registers them all."""
from .. import registry
from . import broadcasting, unary, binary, reduce, array  # noqa: F401  (registration happens on import)
from . import structure, join_split, tile_pad, indexing, sums, construct, safe, nn, conv, linalg, products, sorting  # noqa: F401
from . import derivatives  # noqa: F401  (custom_gradient, jacobian_rows: made by the gradient machinery)
from ..registry import NAMES, NO_GRADIENT, NOT_DIFFERENTIABLE, OPS, OpDef, get

__all__ = ["NAMES", "NO_GRADIENT", "NOT_DIFFERENTIABLE", "OPS", "OpDef", "get", "registry"]
