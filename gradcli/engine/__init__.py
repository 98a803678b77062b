"""The engine: dtypes, the op registry, the graph, ops, the gradient loop, evaluation.

No text syntax and no terminal: every floor above reads from here. Importing
any engine module runs this first, which registers every op (engine/ops/), so
the registry is complete before a graph looks a name up.
"""
from . import ops  # noqa: F401  (registration happens on import)
