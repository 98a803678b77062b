"""Shape and structure ops: transpose, expand_dims, squeeze, concat, stack,
unstack, split, tile and pad, and the helpers the other shape-minded op modules
(indexing, sums) share.

Every gradient here moves the adjoint back to where its elements came from,
with an op whose own gradient is the forward op again (concat and concat_part,
tile and untile), so that gradients nest to any order.
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..dtypes import shape_mismatch, shape_str
from ...errors import fail
from .array import _reshape_grad as reshape_back
from .reduce import normalize_axes
from ..registry import register

F = apply


def invalid(message, span, help=()):
    """E0311: a static argument no tensor of this shape can take."""
    return fail("E0311", message, span, help=list(help))


def needs_known(message, span, help=()):
    """E0313: a dimension must be known before evaluation to build the graph."""
    return fail("E0313", message, span, help=list(help))


def one_axis(axis, rank, span, new=False):
    """A single axis as a non-negative int; `new` counts the position after the last axis.
    None when the rank is unknown and the axis counts from the end."""
    if rank is None:
        return int(axis) if axis >= 0 else None
    if new:
        if not -rank - 1 <= axis <= rank:
            raise fail("E0304", f"axis {axis} is out of range for a new axis of a tensor of rank {rank}", span, help=[f"use an axis from {-rank - 1} to {rank}"])
        return int(axis) % (rank + 1)
    return normalize_axes(int(axis), rank, span)[0]


def merge_shapes(nodes, span, what):
    """The one shape several tensors must share; unknown dimensions take a known one's size."""
    shape = None
    for x in nodes:
        if x.shape is None:
            continue
        if shape is None:
            shape = x.shape
            continue
        if len(shape) != len(x.shape) or any(a is not None and b is not None and a != b for a, b in zip(shape, x.shape)):
            raise shape_mismatch(shape, x.shape, span, nodes, what=what)
        shape = tuple(a if a is not None else b for a, b in zip(shape, x.shape))
    return shape


def take_index(axis, rank, item):
    """An index tuple that applies `item` along `axis` (from the end when negative and the rank unknown)."""
    if axis >= 0:
        return (slice(None),) * axis + (item,)
    return (Ellipsis, item) + (slice(None),) * (-axis - 1)


# ----- transpose, expand_dims, squeeze -----

def _perm(perm, rank, span):
    perm = tuple(int(p) for p in perm)
    rank = len(perm) if rank is None else rank
    fixed = tuple(p % rank if -rank <= p < rank else p for p in perm) if rank else perm
    if sorted(fixed) != list(range(rank)):
        raise invalid(f"perm {list(perm)} is not a permutation of the {rank} axes", span, help=[f"list each of 0 to {rank - 1} once"] if rank else [])
    return fixed


def _transpose_infer(inputs, attrs, span):
    x, perm = inputs[0], attrs.get("perm")
    if perm is None:
        return (None if x.shape is None else tuple(reversed(x.shape))), x.dtype
    perm = _perm(perm, x.rank, span)
    return (tuple(None for _ in perm) if x.shape is None else tuple(x.shape[p] for p in perm)), x.dtype


def _transpose_grad(g, n):
    perm = n.attrs.get("perm")
    if perm is None:
        return (F("transpose", g),)
    return (F("transpose", g, perm=tuple(int(i) for i in np.argsort(_perm(perm, None, None)))),)


register(
    "transpose(a, perm=None)",
    attrs=("perm",),
    forward=lambda x, perm=None: np.transpose(x, None if perm is None else tuple(perm)),
    infer=_transpose_infer,
    grad=_transpose_grad,
    rule="∂transpose(x)/∂x = the adjoint transposed by the inverse permutation",
    doc="axes permuted by perm (reversed by default)",
    numpy=True,
    domain=(-2.0, 2.0),
)
def _matrix_transpose_infer(inputs, attrs, span):
    x = inputs[0]
    if x.rank is not None and x.rank < 2:
        raise fail("E0302", f"matrix_transpose needs matrices (rank 2 or more), got a tensor of shape {shape_str(x.shape)}", x.span or span)
    return (None if x.shape is None else x.shape[:-2] + (x.shape[-1], x.shape[-2])), x.dtype


register(
    "matrix_transpose(a)",
    forward=lambda x: np.swapaxes(x, -1, -2),
    infer=_matrix_transpose_infer,
    grad=lambda g, n: (F("matrix_transpose", g),),
    rule="∂xᵀ/∂x = the adjoint transposed back",
    doc="the last two axes swapped (batched matrix transpose)",
    domain=(-2.0, 2.0),
    test_shapes=(((2, 3),), ((2, 3, 4),)),
)


def _expand_dims_infer(inputs, attrs, span):
    x = inputs[0]
    axis = one_axis(attrs["axis"], x.rank, span, new=True)
    if x.shape is None:
        return None, x.dtype
    return x.shape[:axis] + (1,) + x.shape[axis:], x.dtype


register(
    "expand_dims(input, axis)",
    attrs=("axis",),
    forward=lambda x, axis: np.expand_dims(x, int(axis)),
    infer=_expand_dims_infer,
    # a negative axis names the same position counted from the end of the output
    grad=lambda g, n: (F("squeeze", g, axis=n.attrs["axis"]),),
    rule="∂expand_dims(x)/∂x = the adjoint with that axis squeezed out",
    doc="x with a new axis of size 1 inserted at axis",
    numpy=True,
    domain=(-2.0, 2.0),
)


def _squeeze_axes(axis):
    return None if axis is None else (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)


def _squeeze_infer(inputs, attrs, span):
    x, axes = inputs[0], _squeeze_list(attrs.get("axis"))
    if x.shape is None:
        return None, x.dtype
    if axes is None:
        if None in x.shape:
            return None, x.dtype  # which axes go depends on the run-time shape
        return tuple(d for d in x.shape if d != 1), x.dtype
    axes = normalize_axes(axes, x.rank, span)
    for a in axes:
        if x.shape[a] not in (1, None):
            raise invalid(f"cannot squeeze axis {a} of a {shape_str(x.shape)} tensor: its size is {x.shape[a]}", span, help=["only axes of size 1 can be squeezed"])
    return tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype


def _squeeze_list(axis):
    """squeeze's axis: None and [] (TensorFlow's default) both mean every size-1 axis."""
    axes = _squeeze_axes(axis)
    return None if axes == () else axes


register(
    "squeeze(input, axis=None)",
    attrs=("axis",),
    forward=lambda x, axis=None: np.squeeze(x, _squeeze_list(axis)),
    infer=_squeeze_infer,
    grad=lambda g, n: reshape_back(g, n),
    rule="∂squeeze(x)/∂x = the adjoint reshaped back",
    doc="x without its axes of size 1 (or only those listed)",
    numpy=True,
    domain=(-2.0, 2.0),
    test_shapes=(((1, 3),), ((2, 1, 3),)),
)


# ----- concat, stack and their inverses -----

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


# ----- tile and pad -----

def _ints(values, what, rank, span):
    values = tuple(int(v) for v in values)
    if rank is not None and len(values) != rank:
        raise invalid(f"{what} has {len(values)} entries for a tensor of rank {rank}", span, help=[f"give one entry per axis ({rank})"])
    return values


def _tile_infer(inputs, attrs, span):
    x = inputs[0]
    multiples = _ints(attrs["multiples"], "multiples", x.rank, span)
    if any(m < 0 for m in multiples):
        raise invalid(f"multiples {list(multiples)} cannot be negative", span)
    shape = x.shape if x.shape is not None else (None,) * len(multiples)
    return tuple(None if d is None else d * m for d, m in zip(shape, multiples)), x.dtype


def _untile(g, like, multiples):
    pairs = [n for m, d in zip(multiples, like.shape) for n in (int(m), d)]
    return g.reshape(pairs).sum(axis=tuple(range(0, len(pairs), 2)))


register(
    "tile(input, multiples)",
    attrs=("multiples",),
    forward=lambda x, multiples: np.tile(x, tuple(int(m) for m in multiples)),
    infer=_tile_infer,
    grad=lambda g, n: (F("untile", g, n.inputs[0], multiples=n.attrs["multiples"]),),
    rule="∂tile(x)/∂x = the sum of the adjoint over the copies",
    doc="x repeated multiples[i] times along each axis i",
    domain=(-2.0, 2.0),
)
register(
    "untile(t, like, multiples)",
    attrs=("multiples",),
    forward=_untile,
    infer=lambda i, a, s: (i[1].shape, i[0].dtype),
    grad=lambda g, n: (F("tile", g, multiples=n.attrs["multiples"]), None),
    rule="∂/∂t = the adjoint tiled again",
    doc="the sum of tile's copies, back to the shape of `like` (made by gradients)",
    tags=("internal",),
)


def _pad_infer(inputs, attrs, span):
    x = inputs[0]
    pads = [tuple(int(v) for v in p) for p in attrs["paddings"]]
    _ints(range(len(pads)), "paddings", x.rank, span)
    if any(len(p) != 2 or min(p) < 0 for p in pads):
        raise invalid(f"paddings {[list(p) for p in pads]} must be [before, after] pairs of sizes 0 or more", span)
    shape = x.shape if x.shape is not None else (None,) * len(pads)
    return tuple(None if d is None else d + a + b for d, (a, b) in zip(shape, pads)), x.dtype


register(
    "pad(tensor, paddings)",
    attrs=("paddings",),
    forward=lambda x, paddings: np.pad(x, [tuple(int(v) for v in p) for p in paddings]),
    infer=_pad_infer,
    grad=lambda g, n: (F("getitem", g, index=tuple(slice(int(a), -int(b) if b else None) for a, b in n.attrs["paddings"])),),
    rule="∂pad(x)/∂x = the adjoint without the padding",
    doc="x surrounded by zeros: paddings[i] = [before, after] along axis i",
    domain=(-2.0, 2.0),
)
