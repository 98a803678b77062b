"""unbroadcast: how a gradient gets back to the shape of an input that broadcast, and the
sum_to ops it builds. Every broadcasting op's gradient rule (binary, array, linalg, nn,
sums) ends with it.
"""
from __future__ import annotations

import numpy as np

from ..graph import Node, apply
from ..dtypes import static_size
from ..registry import register

F = apply  # gradient rules read `F("cos", x)`

def unbroadcast(g: Node, x: Node) -> Node:
    """Sum a gradient back to the shape of the input it broadcast from.

    With both static shapes known this is a reduce over the broadcast axes
    (nothing at all when they match); otherwise `sum_to_like` does it at run
    time from x's actual shape.
    """
    if g.shape == x.shape and g.shape is not None and None not in g.shape:
        return g
    if static_size(g.shape) is not None and static_size(x.shape) is not None:
        return F("sum_to", g, shape=tuple(x.shape))
    return F("sum_to_like", g, x)


def _sum_to(g, shape):
    shape = tuple(shape)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape) if d == 1 and g.shape[i + lead] != 1)
    out = g.sum(axis=axes, keepdims=True) if axes else g
    return out.reshape(shape)


register(
    "sum_to(t, shape)",
    attrs=("shape",),
    forward=lambda g, shape: _sum_to(g, shape),
    infer=lambda i, a, s: (tuple(a["shape"]), i[0].dtype),
    grad=lambda g, n: (F("broadcast_to", g, shape=n.inputs[0].shape) if static_size(n.inputs[0].shape) is not None else F("broadcast_like", g, n.inputs[0]),),
    doc="sum a broadcast gradient back to a shape (made by gradients)",
    rule="∂/∂t = broadcast of the adjoint back to t's shape",
    tags=("internal",),
)
register(
    "sum_to_like(t, like)",
    forward=lambda g, like: _sum_to(g, np.shape(like)),
    infer=lambda i, a, s: (i[1].shape, i[0].dtype),
    grad=lambda g, n: (F("broadcast_like", g, n.inputs[0]), None),
    doc="sum a broadcast gradient back to the run-time shape of `like` (made by gradients)",
    rule="∂/∂t = broadcast of the adjoint back to t's shape",
    tags=("internal",),
)
