"""Joining tensors and cutting them apart: concat and stack, and their inverses
concat_part (made by gradients), unstack and split.

concat's gradient is concat_part and concat_part's is concat again, so that
gradients nest to any order; stack, unstack and split are slices.
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..dtypes import shape_mismatch, shape_str
from ...errors import fail
from ..registry import register
from .structure import invalid, merge_shapes, needs_known, one_axis, take_index

F = apply

def _concat_infer(inputs, attrs, span):
    if not inputs:
        raise fail("E0307", "concat needs at least one tensor", span)
    known = [x for x in inputs if x.rank is not None]
    for x in known[1:]:
        if x.rank != known[0].rank:
            raise shape_mismatch(known[0].shape, x.shape, span, inputs, what="be concatenated (their ranks differ)")
    if not known:
        return None, inputs[0].dtype
    rank = known[0].rank
    axis = one_axis(attrs["axis"], rank, span)
    if rank == 0:
        raise fail("E0304", "cannot concatenate scalars", span, help=["use stack to make a vector of scalars"])
    rest = [(x, x.shape[:axis] + x.shape[axis + 1:]) for x in inputs if x.shape is not None]
    for x, r in rest[1:]:
        if any(a is not None and b is not None and a != b for a, b in zip(rest[0][1], r)):
            raise shape_mismatch(rest[0][0].shape, x.shape, span, inputs, what=f"be concatenated along axis {axis}")
    merged = [next((r[i] for _, r in rest if r[i] is not None), None) for i in range(rank - 1)]
    sizes = [x.shape[axis] if x.shape is not None else None for x in inputs]
    total = None if None in sizes else sum(sizes)
    return tuple(merged[:axis]) + (total,) + tuple(merged[axis:]), inputs[0].dtype


def _concat_grad(g, n):
    return tuple(F("concat_part", g, *n.inputs, axis=n.attrs["axis"], index=i) for i in range(len(n.inputs)))


register(
    "concat(values, axis)",
    attrs=("axis",),
    forward=lambda *xs, axis: np.concatenate(xs, axis=int(axis)),
    infer=_concat_infer,
    grad=_concat_grad,
    rule="∂concat(xs)/∂xᵢ = the adjoint's slice where xᵢ went",
    doc="tensors joined along an existing axis",
    promote=True,
    aliases=("concatenate",),
)


def _concat_part(g, *values, axis, index):
    axis = int(axis) % g.ndim
    start = sum(v.shape[axis] for v in values[:index])
    return g[take_index(axis, g.ndim, slice(start, start + values[index].shape[axis]))]


def _concat_part_grad(gp, n):
    g, *values = n.inputs
    index = n.attrs["index"]
    pieces = [gp if j == index else F("zeros_like", v) for j, v in enumerate(values)]
    return (F("concat", *pieces, axis=n.attrs["axis"]),) + (None,) * len(values)


register(
    "concat_part(t, values, axis, index)",
    attrs=("axis", "index"),
    forward=_concat_part,
    infer=lambda i, a, s: (i[1 + a["index"]].shape, i[0].dtype),
    grad=_concat_part_grad,
    rule="∂/∂t = the adjoint placed at the part's position, zeros elsewhere",
    doc="the slice of t where values[index] sat in concat(values, axis) (made by gradients)",
    tags=("internal",),
)


def _stack_infer(inputs, attrs, span):
    if not inputs:
        raise fail("E0307", "stack needs at least one tensor", span)
    shape = merge_shapes(inputs, span, "be stacked (stack needs equal shapes)")
    if shape is None:
        one_axis(attrs.get("axis", 0), None, span, new=True)
        return None, inputs[0].dtype
    axis = one_axis(attrs.get("axis", 0), len(shape), span, new=True)
    return shape[:axis] + (len(inputs),) + shape[axis:], inputs[0].dtype


def _stack_grad(g, n):
    axis = n.attrs.get("axis", 0)
    rank = n.rank
    if rank is not None:
        axis = axis % rank
    return tuple(F("getitem", g, index=take_index(axis, rank, i)) for i in range(len(n.inputs)))


register(
    "stack(values, axis=0)",
    attrs=("axis",),
    forward=lambda *xs, axis=0: np.stack(xs, axis=int(axis)),
    infer=_stack_infer,
    grad=_stack_grad,
    rule="∂stack(xs)/∂xᵢ = the adjoint's i-th slice along axis",
    doc="equal-shaped tensors joined along a new axis",
    promote=True,
)


def _unstack(graph, inputs, attrs, span):
    x, num, axis = inputs[0], attrs.get("num"), int(attrs.get("axis", 0))
    pos = one_axis(axis, x.rank, span)
    size = x.shape[pos] if x.shape is not None else None
    if size is not None and num is not None and num != size:
        raise invalid(f"num={num} but axis {axis} of {shape_str(x.shape)} has size {size}", span)
    count = size if size is not None else num
    if count is None:
        raise needs_known(f"unstack needs the size of axis {axis}, which is unknown until evaluation", span, help=["pass num= or declare the shape"])
    if count > graph.max_elements:  # each piece is a node: a [1000000, 0] tensor holds no elements but a million pieces
        raise fail("E0305", f"unstack of a tensor of shape {shape_str(x.shape)} makes {count:,} pieces, over the limit of {graph.max_elements:,}", span, help=["raise the limit with --max-elements if you mean it"])
    where = pos if pos is not None else axis
    return [graph.apply("getitem", (x,), {"index": take_index(where, x.rank, i)}, span) for i in range(count)]


register(
    "unstack(value, num=None, axis=0)",
    attrs=("num", "axis"),
    lister=_unstack,
    rule="each piece is x[..., i, ...]; the gradient of a slice",
    doc="the slices of x along axis, as a list",
)


def _split_sizes(spec, size, axis, span):
    """Each piece's (start, stop) along the axis; stops count from the end after a -1 when the size is unknown."""
    if isinstance(spec, (int, np.integer)):
        if spec <= 0:
            raise invalid(f"cannot split into {spec} parts", span)
        if size is None:
            raise needs_known(f"split into {spec} parts needs the size of axis {axis}, which is unknown until evaluation", span, help=["give the sizes as a list, e.g. [2, -1]"])
        if size % spec:
            raise invalid(f"cannot split axis {axis} of size {size} into {spec} equal parts", span, help=["give the sizes as a list"])
        spec = [size // spec] * spec
    sizes = [int(s) for s in spec]
    if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
        raise invalid(f"split sizes {sizes} may hold one -1 and otherwise sizes of 0 or more", span)
    known = sum(s for s in sizes if s != -1)
    if size is not None:
        if -1 in sizes:
            if known > size:
                raise invalid(f"split sizes {sizes} add up to more than the {size} elements of axis {axis}", span)
            sizes[sizes.index(-1)] = size - known
        elif known != size:
            raise invalid(f"split sizes {sizes} add up to {known}, but axis {axis} has {size} elements", span)
    bounds, start = [], 0
    if -1 not in sizes:
        for s in sizes:
            bounds.append((start, start + s))
            start += s
        return bounds
    k = sizes.index(-1)
    for s in sizes[:k]:
        bounds.append((start, start + s))
        start += s
    tail = sum(sizes[k + 1:])
    bounds.append((start, -tail if tail else None))
    for s in sizes[k + 1:]:
        bounds.append((-tail, -tail + s if -tail + s else None))
        tail -= s
    return bounds


def _split(graph, inputs, attrs, span):
    x, axis = inputs[0], int(attrs.get("axis", 0))
    pos = one_axis(axis, x.rank, span)
    size = x.shape[pos] if x.shape is not None else None
    where = pos if pos is not None else axis
    bounds = _split_sizes(attrs["num_or_size_splits"], size, axis, span)
    return [graph.apply("getitem", (x,), {"index": take_index(where, x.rank, slice(a, b))}, span) for a, b in bounds]


register(
    "split(value, num_or_size_splits, axis=0)",
    attrs=("num_or_size_splits", "axis"),
    lister=_split,
    rule="each piece is a slice of x; the gradient of a slice",
    doc="x cut along axis into equal parts or parts of the given sizes, as a list",
)
