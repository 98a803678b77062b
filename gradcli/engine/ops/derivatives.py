"""Ops made by the gradient machinery rather than written by users: a custom
gradient (@tf.custom_gradient) and a jacobian whose size is known only at run time.

Both are internal: `gradcli ops` does not list them.
"""
from __future__ import annotations

import numpy as np

from ...errors import fail
from ...source import Label
from ..dtypes import shape_str
from ..registry import CONSTANT, LEAVES, register

# ----- custom_gradient(output, *inputs): output's value, grad_fn's gradients -----


def _custom_infer(inputs, attrs, span):
    return inputs[0].shape, inputs[0].dtype


def _custom_grad(g, node):
    """[None for the output (its own ops are not differentiated through)] + grad_fn([g])."""
    inputs = node.inputs[1:]
    sent = node.attrs["grad_fn"]([g])
    if sent is None or not isinstance(sent, (list, tuple)):
        sent = [sent]
    sent = list(sent)
    if len(sent) != len(inputs):
        raise fail(
            "E0511",
            f"the custom gradient function returned {len(sent)} gradient{'s' if len(sent) != 1 else ''} for {len(inputs)} input{'s' if len(inputs) != 1 else ''}",
            node.span,
            label="gradient defined here" if node.span is not None else "",
            help=["grad_fn(upstream) returns one gradient per input of the decorated function (None for none)"],
        )
    out = [None]
    for x, gx in zip(inputs, sent):
        if gx is None:
            out.append(None)
            continue
        if gx.dtype != x.dtype and gx.weak:
            gx = gx.graph.apply("cast", (gx,), {"dtype": x.dtype}, gx.span)
        if not _shapes_fit(gx.shape, x.shape):
            labels = [Label(x.span, f"input is {shape_str(x.shape)}")] if x.span is not None and x.span != node.span else []
            raise fail(
                "E0511",
                f"the custom gradient for {x.describe()} has shape {shape_str(gx.shape)}, but {x.describe()} has shape {shape_str(x.shape)}",
                gx.span or node.span,
                labels=labels,
                help=["a gradient has exactly the shape of its input"],
            )
        out.append(gx)
    return out


def _shapes_fit(a, b) -> bool:
    if a is None or b is None:
        return True
    if len(a) != len(b):
        return False
    return all(x is None or y is None or x == y for x, y in zip(a, b))


register(
    "custom_gradient(output, inputs)",
    attrs=("grad_fn",),
    forward=lambda out, *inputs, grad_fn: out,
    infer=_custom_infer,
    grad=_custom_grad,
    rule="∂/∂inputs = what the decorated function's grad_fn returns for the adjoint",
    doc="a value whose gradient is given by a function (@tf.custom_gradient)",
    tags=("internal",),
)


# ----- jacobian_rows(y, x, *frontier): a jacobian whose size is known only at run time -----
#
# The gradient graph of y with respect to x is built once, seeded by a stand-in
# node; at evaluation each one-hot seed runs that subgraph (NumPy forwards) on
# the values of the nodes it reads from outside (the frontier, this op's inputs).


def _rows_infer(inputs, attrs, span):
    y, x = inputs[0], inputs[1]
    if y.shape is None or x.shape is None:
        return None, x.dtype
    if attrs.get("batch"):
        return (y.shape[0] if y.shape[0] is not None else x.shape[0],) + tuple(y.shape[1:]) + tuple(x.shape[1:]), x.dtype
    return tuple(y.shape) + tuple(x.shape), x.dtype


def _rows_forward(y, x, *frontier_values, seed, out, sub, frontier, batch=False):
    y_shape, x_shape = np.shape(y), np.shape(x)
    if batch:
        rows_of = y_shape[0] if y_shape else 1
        n = int(np.prod(y_shape[1:], dtype=np.int64))
        shape = y_shape + x_shape[1:]
    else:
        rows_of = 1
        n = int(np.size(y))
        shape = y_shape + x_shape
    if n == 0 or int(np.prod(shape, dtype=np.int64)) == 0:
        return np.zeros(shape, dtype=x.dtype)
    known = dict(zip(frontier, frontier_values))
    rows = []
    for i in range(n):
        one_hot = np.zeros((rows_of, n), dtype=seed.dtype)
        one_hot[:, i] = 1  # with batch: element i of every row at once
        values = dict(known)
        values[seed] = one_hot.reshape(y_shape)
        for node in sub:
            op = node.op
            if op is CONSTANT:
                values[node] = node.attrs["value"]
                continue
            args = [values[i] for i in node.inputs]
            if op in LEAVES:
                values[node] = args[0]
                continue
            result = op.forward(*args, run_seed=0, **node.attrs) if op.random else op.forward(*args, **node.attrs)
            values[node] = np.asarray(result, dtype=node.dtype)
        rows.append(np.broadcast_to(values[out], x_shape))
    stacked = np.stack(rows, axis=1 if batch else 0)
    return stacked.reshape(shape).astype(x.dtype, copy=False)


def _rows_grad(g, node):
    """With static sizes: the rows replayed as graph nodes (one copy of the gradient
    subgraph per one-hot seed, as an unrolled jacobian), differentiated with respect to
    the values the subgraph reads (the frontier, held apart by stop_gradients so that
    each gets its partial derivative and the loop carries them on)."""
    from ..dtypes import static_size
    from ..gradients import gradients

    y, x = node.inputs[0], node.inputs[1]
    if static_size(y.shape) is None or static_size(x.shape) is None:
        raise fail(
            "E0507",
            "a jacobian whose shape is known only from the feeds cannot be differentiated again",
            node.span,
            label="this jacobian's size comes from the feeds",
            help=["declare the placeholders with full shapes to differentiate a jacobian again"],
        )
    frontier = list(node.inputs[2:])
    if not frontier:
        return [None] * len(node.inputs)
    replayed = replay_rows(node)
    total = node.graph.apply("reduce_sum", (node.graph.apply("multiply", (replayed, g), {}, node.span),), {}, node.span)
    partials = gradients([total], frontier, stop_gradients=frontier, span=node.span)
    return [None, None] + [p if not _unconnected(p) else None for p in partials]


def _unconnected(value) -> bool:
    from ..gradients import Unconnected

    return isinstance(value, Unconnected)


def replay_rows(node):
    """The jacobian_rows node's value as ordinary graph nodes (static sizes only)."""
    graph = node.graph
    attrs = node.attrs
    y, x = node.inputs[0], node.inputs[1]
    seed, out, sub, batch = attrs["seed"], attrs["out"], attrs["sub"], attrs.get("batch", False)
    y_shape, x_shape = tuple(y.shape), tuple(x.shape)
    if batch:
        rows_of, n = y_shape[0], int(np.prod(y_shape[1:], dtype=np.int64))
        shape = y_shape + x_shape[1:]
    else:
        rows_of, n = 1, int(np.prod(y_shape, dtype=np.int64))
        shape = y_shape + x_shape
    if n == 0 or int(np.prod(shape, dtype=np.int64)) == 0:
        return graph.constant(np.zeros(shape, x.dtype))
    rows = []
    for i in range(n):
        one_hot = np.zeros((rows_of, n), dtype=seed.dtype)
        one_hot[:, i] = 1
        copies = {seed: graph.constant(one_hot.reshape(y_shape))}
        for old in sub:
            inputs = tuple(copies.get(inp, inp) for inp in old.inputs)
            if old.op is CONSTANT:
                copies[old] = old
                continue
            copies[old] = graph.apply(old.op, inputs, {k: v for k, v in old.attrs.items() if k != "stream"}, old.span)
        row = copies.get(out, out)
        if tuple(row.shape) != x_shape:
            row = graph.apply("broadcast_to", (row,), {"shape": x_shape}, node.span)
        rows.append(row)
    axis = 1 if batch else 0
    stacked = graph.apply("stack", tuple(rows), {"axis": axis}, node.span) if len(rows) > 1 else graph.apply("expand_dims", (rows[0],), {"axis": axis}, node.span)
    return graph.apply("reshape", (stacked,), {"shape": shape}, node.span)


register(
    "jacobian_rows(y, x, values)",
    attrs=("seed", "out", "sub", "frontier", "batch"),
    forward=_rows_forward,
    infer=_rows_infer,
    grad=_rows_grad,
    random=False,
    rule="∂/∂(what its gradient graph reads) = the rows replayed as graph nodes (static sizes only)",
    doc="a jacobian built from one gradient graph run once per element of y (made by jacobian)",
    tags=("internal",),
)
