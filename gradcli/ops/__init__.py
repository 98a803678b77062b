"""The op registry and every op. Importing this package registers them all."""
from . import registry
from . import math, reduce, array  # noqa: F401  (registration happens on import)
from .registry import NAMES, NO_GRADIENT, NOT_DIFFERENTIABLE, OPS, OpDef, get

_EXTRA = ("structure", "construct", "nn", "linalg")
for _name in _EXTRA:
    try:
        __import__(f"{__name__}.{_name}")
    except ModuleNotFoundError as e:  # modules still being written
        if e.name != f"{__name__}.{_name}":
            raise

__all__ = ["NAMES", "NO_GRADIENT", "NOT_DIFFERENTIABLE", "OPS", "OpDef", "get", "registry"]
