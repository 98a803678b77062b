"""Jacobians and Hessians, built from tf.gradients (engine/gradients.py): one gradient
graph per seed row for a small y, or one jacobian_rows node that runs a seeded gradient
graph once per row at evaluation.
"""
from __future__ import annotations

import numpy as np

from .graph import Node, apply
from .dtypes import dtype_name, is_float, static_size
from .gradients import gradients
from ..source import Span
from ..errors import fail

UNROLL_AT_MOST = 32  # a jacobian with more rows than this is one gradient graph run per row


def jacobian(y: Node, x: Node, span: Span | None = None, recorded=None) -> Node:
    """dy/dx of shape y.shape + x.shape; zeros where y does not depend on x.

    A small y (static size, at most UNROLL_AT_MOST elements): one gradient graph
    per element, stacked. A larger y, or a size known only from the feeds: one
    gradient graph, run once per element at evaluation by NumPy (jacobian_rows),
    which is replayed as graph nodes if it is differentiated again."""
    _check_jacobian_args(y, x, span, "jacobian")
    graph = y.graph
    n = static_size(y.shape)
    if n is not None and static_size(x.shape) is not None:
        _check_jacobian_size(y, n * static_size(x.shape), span, f"jacobian of {y.describe()} ({n:,} elements) with respect to {x.describe()} ({static_size(x.shape):,})")
    if n is None or static_size(x.shape) is None or n > UNROLL_AT_MOST:
        return _jacobian_rows(y, x, span, recorded, batch=False)
    if not is_float(y.dtype) or n == 0:
        return graph.constant(np.zeros(tuple(y.shape) + tuple(x.shape), x.dtype))
    rows = []
    for i in range(n):
        seed = np.zeros(n, dtype=y.dtype)
        seed[i] = 1
        (g,) = gradients([y], [x], grad_ys=[graph.constant(seed.reshape(y.shape))], unconnected_gradients="zero", span=span, recorded=recorded)
        rows.append(g)
    stacked = apply("stack", *rows, axis=0, span=span) if len(rows) > 1 else apply("expand_dims", rows[0], axis=0, span=span)
    return apply("reshape", stacked, shape=tuple(y.shape) + tuple(x.shape), span=span)


def batch_jacobian(y: Node, x: Node, span: Span | None = None, recorded=None) -> Node:
    """d y[b, ...] / d x[b, ...] for every b, shape y.shape + x.shape[1:] (TensorFlow's
    batch_jacobian: row b of y depends only on row b of x). One gradient graph per
    element of a row, each seeding every row at once."""
    _check_jacobian_args(y, x, span, "batch_jacobian")
    if y.shape is None or x.shape is None:  # the rank comes from the feeds
        return _jacobian_rows(y, x, span, recorded, batch=True)
    for t, what in ((y, "target"), (x, "source")):
        if len(t.shape) == 0:
            raise fail("E0505", f"batch_jacobian needs a {what} with a batch dimension, but {t.describe()} is a scalar", span, help=["batch_jacobian(y, x) takes y of shape [batch, ...] and x of shape [batch, ...]"])
    if y.shape[0] is not None and x.shape[0] is not None and y.shape[0] != x.shape[0]:
        raise fail("E0505", f"batch_jacobian needs the same batch size: the target has {y.shape[0]} rows, the source {x.shape[0]}", span, help=["the first dimension of both is the batch"])
    graph = y.graph
    inner_y, inner_x = tuple(y.shape[1:]), tuple(x.shape[1:])
    t, batch = static_size(inner_y), y.shape[0] if y.shape[0] is not None else x.shape[0]
    if batch is not None and t is not None and static_size(inner_x) is not None:
        _check_jacobian_size(y, batch * t * static_size(inner_x), span, f"batch_jacobian of {y.describe()} with respect to {x.describe()}")
    if t is None or static_size(inner_x) is None or t > UNROLL_AT_MOST:
        return _jacobian_rows(y, x, span, recorded, batch=True)
    if not is_float(y.dtype) or t == 0 or batch == 0:
        if batch is not None:
            return graph.constant(np.zeros((batch,) + inner_y + inner_x, x.dtype))
        return _jacobian_rows(y, x, span, recorded, batch=True)
    rows = []
    for i in range(t):
        mask = np.zeros(t, dtype=y.dtype)
        mask[i] = 1
        mask = mask.reshape((1,) + inner_y)
        if batch is not None and y.shape[0] is not None:
            seed = graph.constant(np.broadcast_to(mask, (batch,) + inner_y).copy())
        else:
            seed = apply("multiply", apply("ones_like", y, span=span), graph.constant(mask), span=span)
        (g,) = gradients([y], [x], grad_ys=[seed], unconnected_gradients="zero", span=span, recorded=recorded)
        rows.append(g)
    stacked = apply("stack", *rows, axis=1, span=span) if len(rows) > 1 else apply("expand_dims", rows[0], axis=1, span=span)
    return apply("reshape", stacked, shape=(batch if batch is not None else -1,) + inner_y + inner_x, span=span)


def _check_jacobian_size(y: Node, size: int, span, what: str):
    """Refuse a Jacobian or Hessian over the graph's element limit before any seed row is made."""
    limit = getattr(y.graph, "max_elements", None)
    if limit is not None and size > limit:
        raise fail(
            "E0305",
            f"{what} would have {size:,} elements, over the limit of {limit:,}",
            span,
            help=["raise the limit with --max-elements if you mean it"],
        )


def _check_jacobian_args(y: Node, x: Node, span, what: str):
    if not is_float(x.dtype):
        raise fail("E0508", f"{what} with respect to {x.describe()}, an {dtype_name(x.dtype)} tensor", span, help=["integer tensors are constants for gradients; cast to float first"])


def _jacobian_rows(y: Node, x: Node, span, recorded, batch: bool) -> Node:
    """A jacobian_rows node: the gradient graph of y seeded by a stand-in, which the op
    runs once per element of y (of a row of y with batch) on the feeds' shapes."""
    graph = y.graph
    seed = graph.placeholder("jacobian seed", y.dtype, y.shape, span=span)
    (g,) = gradients([y], [x], grad_ys=[seed], unconnected_gradients="zero", span=span, recorded=recorded)
    # the nodes that depend on the seed (all made after it), and what they read from outside
    seen, stack = set(), [g]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.id > seed.id:
            stack.extend(node.inputs)
    depends = {seed}
    for node in sorted(seen, key=lambda n: n.id):
        if node.id > seed.id and any(i in depends for i in node.inputs):
            depends.add(node)
    sub = tuple(sorted(depends - {seed}, key=lambda n: n.id))
    frontier = tuple(sorted({i for n in sub for i in n.inputs if i not in depends}, key=lambda n: n.id))
    if g not in depends:  # the gradient does not depend on the seed: every row is g itself
        sub, frontier = (), (g,)
    attrs = {"seed": seed, "out": g, "sub": sub, "frontier": frontier, "batch": batch}
    return graph.apply("jacobian_rows", (y, x, *frontier), attrs, span)


def hessians(ys, xs, span: Span | None = None, recorded=None) -> list[Node]:
    """For each x the Hessian of sum(ys), shape x.shape + x.shape; zeros when linear or unconnected."""
    ys, xs = list(ys), list(xs)
    float_ys = [y for y in ys if is_float(y.dtype)]
    out = []
    for x in xs:
        n = static_size(x.shape)
        if n is not None:
            _check_jacobian_size(x, n * n, span, f"the Hessian with respect to {x.describe()} ({n:,} elements)")
        if not float_ys:
            if n is not None:
                out.append(x.graph.constant(np.zeros(tuple(x.shape) * 2, x.dtype)))
            else:
                out.append(jacobian(apply("zeros_like", x, span=span), x, span, recorded))
            continue
        total = float_ys[0] if len(float_ys) == 1 and float_ys[0].shape == () else apply("add_n", *[apply("reduce_sum", y) for y in float_ys], span=span)
        (g,) = gradients([total], [x], unconnected_gradients="zero", span=span, recorded=recorded)
        out.append(jacobian(g, x, span, recorded))
    return out

