"""Unknown dimensions, tracked symbolically, for the formulas of `[None, k]` models.

The None of a `[None, 3]` placeholder is a Dim. The shape rules below say where
it goes: the rows of X are the rows of X @ W, a softmax keeps its input's
shape, a reduction drops its axes. Where two unknown dimensions meet in a
broadcast (`pred - y`, both `[None, 1]`) neither is stretched: a batch meets a
batch, so they are taken to be one dimension (unless the fed run showed them
different). The shapes come from the ops' rules, never from the fed numbers,
so a formula made from them holds at every batch size.

Dims are merged in a union-find pass over the nodes in creation order (no
recursion), then every shape is rewritten with each class's representative:
two equal dimensions are then one object, and shapes compare with ==.

A dimension is written, in a formula, from a named tensor that has it:
`shape(X)[0]` (or `size(y)` when y's other dimensions are all 1); its
carriers are the named tensors with it, for `ones_like(X)` broadcasts.
"""
from __future__ import annotations

from ...engine.graph import Node
from ...engine.registry import PLACEHOLDER, VARIABLE


class Dim:
    """One unknown dimension (a class of equal ones, after the pass)."""

    __slots__ = ("parent", "fed", "value", "spelling", "carriers", "serial")
    _serials = 0

    def __init__(self, fed: int | None = None):
        self.parent = None  # union-find link; None for a representative
        self.fed = fed  # its size at the fed point, when a placeholder's feed says so
        self.value = None  # a static size it was proved equal to (an inner dimension of matmul)
        self.spelling = None  # (node, axis, text) of the named tensor it is written from
        self.carriers = []  # (name, shape) of the named tensors with this dimension
        Dim._serials += 1
        self.serial = Dim._serials

    def __repr__(self):
        return f"Dim#{self.serial}" + (f"({self.spelling[2]})" if self.spelling else "")


def is_dim(d) -> bool:
    return isinstance(d, Dim)


def find(d):
    """The representative of d's class (path halving: no recursion), or a static size."""
    if not isinstance(d, Dim):
        return d
    while d.parent is not None:
        if d.parent.parent is not None:
            d.parent = d.parent.parent
        d = d.parent
    return d.value if d.value is not None else d


def _root(d: Dim) -> Dim:
    while d.parent is not None:
        d = d.parent
    return d


def equate(a, b) -> bool:
    """Record that a and b are the same size; False when the fed run says they are not."""
    a, b = find(a), find(b)
    if a is b or a == b and not (is_dim(a) or is_dim(b)):
        return True
    if not is_dim(a) and not is_dim(b):
        return False
    if not is_dim(a):
        a, b = b, a
    ra = _root(a)
    if not is_dim(b):  # a Dim proved to be a static size
        if ra.fed is not None and ra.fed != b:
            return False
        ra.value = int(b)
        return True
    rb = _root(b)
    if ra.fed is not None and rb.fed is not None and ra.fed != rb.fed:
        return False
    rb.parent = ra
    ra.fed = ra.fed if ra.fed is not None else rb.fed
    return True


def broadcast(a: tuple, b: tuple, unify: bool = True) -> tuple:
    """NumPy broadcasting over sizes and Dims. With unify, two unknown dimensions that
    meet are made one (the pass); without, they must already be one (ValueError if not)."""
    if a == b:
        return a
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = find(a[-i]) if i <= len(a) else 1
        db = find(b[-i]) if i <= len(b) else 1
        if da is db or (not is_dim(da) and not is_dim(db) and da == db):
            out.append(da)
        elif db == 1 and not is_dim(db):
            out.append(da)
        elif da == 1 and not is_dim(da):
            out.append(db)
        elif is_dim(da) and is_dim(db):
            if unify and equate(da, db):
                out.append(find(da))
                continue
            fa, fb = _root(da).fed, _root(db).fed
            if fa is not None and fb is not None and 1 in (fa, fb):
                out.append(da if fb == 1 else db)  # the fed run showed them different: the one of size 1 there is stretched
            elif unify:
                out.append(da)
            else:
                raise ValueError("two unknown dimensions not known to be equal")
        elif is_dim(da) or is_dim(db):
            out.append(db if is_dim(da) else da)  # a Dim against a size: the size (the Dim is it, or 1)
        else:
            raise ValueError(f"sizes {da} and {db} do not broadcast")
    return tuple(reversed(out))


# ----- the pass -----

_SAME_AS_FIRST = {
    "softmax", "log_softmax", "cumsum", "cumprod", "l2_normalize", "dropout", "sort", "bias_add",
    "batch_normalization", "stop_gradient", "identity", "cast",
}
_LIKE_SECOND = {"sum_to_like", "unreduce", "reshape_like"}
_LIKE_FIRST = {"ones_like", "zeros_like"}


def symbolic_shapes(root: Node, broadcast_ops, name_of, fed: dict | None = None) -> dict:
    """node -> its shape with Dims for unknown sizes (None: rank unknown), for every
    node root depends on; named nodes become the Dims' spellings and carriers."""
    nodes = _ancestors(root)
    shapes: dict = {}
    for node in nodes:
        shapes[node] = _shape(node, shapes, broadcast_ops, fed)
    out = {n: (None if s is None else tuple(find(d) for d in s)) for n, s in shapes.items()}
    named = [(n, name_of(n)) for n in nodes]
    named = [(n, name) for n, name in named if name is not None and out[n] is not None]
    # placeholders first (X is the data a student names), then the order they were made in
    named.sort(key=lambda p: (p[0].op is not PLACEHOLDER and p[0].op is not VARIABLE, p[0].id))
    for n, name in named:
        shape = out[n]
        for axis, d in enumerate(shape):
            if not is_dim(d):
                continue
            d.carriers.append((name, shape))
            if d.spelling is None:
                alone = all(e == 1 and not is_dim(e) for j, e in enumerate(shape) if j != axis)
                d.spelling = (n, axis, f"size({name})" if alone else f"shape({name})[{axis}]")
    return out


def _ancestors(root: Node) -> list:
    seen, stack = {root}, [root]
    while stack:
        for i in stack.pop().inputs:
            if i not in seen:
                seen.add(i)
                stack.append(i)
    return sorted(seen, key=lambda n: n.id)


def _shape(node: Node, shapes: dict, broadcast_ops, fed) -> tuple | None:
    if node.shape is None:
        return None
    rank = len(node.shape)
    if node.op is PLACEHOLDER:
        given = (fed or {}).get(node)
        given = given if given is not None and len(given) == rank else None
        return tuple(Dim(None if given is None else int(given[i])) if d is None else d for i, d in enumerate(node.shape))
    if None not in node.shape:
        ruled = None
        try:
            ruled = _rule(node, [shapes.get(i) for i in node.inputs], broadcast_ops)
        except (ValueError, IndexError, KeyError, TypeError):
            pass
        if ruled is not None and len(ruled) == rank:  # a Dim the rule shows to be a size: that size
            for d, s in zip(ruled, node.shape):
                if is_dim(find(d)):
                    equate(d, s)
        return tuple(node.shape)
    try:
        ruled = _rule(node, [shapes.get(i) for i in node.inputs], broadcast_ops)
    except (ValueError, IndexError, KeyError, TypeError):  # a shape the rule does not expect: nothing proved
        ruled = None
    if ruled is None or len(ruled) != rank:
        ruled = (None,) * rank
    return tuple(s if s is not None else (find(r) if r is not None else Dim()) for r, s in zip(ruled, node.shape))


def _rule(node: Node, ins: list, broadcast_ops) -> tuple | None:
    """The output's shape from its inputs' (with Dims), or None when no rule says."""
    name = node.op.name
    attrs = node.attrs
    if any(s is None for s in ins) and name not in _LIKE_SECOND:
        return None
    if name in broadcast_ops and ins:
        out = ins[0]
        for s in ins[1:]:
            out = broadcast(out, s)
        return out
    if name in _SAME_AS_FIRST and ins:
        return ins[0]
    if name in _LIKE_FIRST:
        return ins[0]
    if name in _LIKE_SECOND:
        return ins[1]
    if name == "broadcast_like":
        return broadcast(ins[0], ins[1])
    if name == "matmul":
        return _matmul(ins[0], ins[1], attrs.get("transpose_a", False), attrs.get("transpose_b", False))
    if name.startswith("reduce_") or name in ("argmax", "argmin"):
        return _reduced(ins[0], attrs.get("axis"), attrs.get("keepdims", False))
    if name == "softmax_cross_entropy_with_logits":
        both = broadcast(ins[0], ins[1])
        return _reduced(both, attrs.get("axis", -1), False)
    if name == "sparse_softmax_cross_entropy_with_logits":
        labels, logits = ins
        for a, b in zip(labels, logits[:-1]):
            equate(a, b)
        return tuple(find(d) for d in logits[:-1])
    if name in ("transpose", "matrix_transpose"):
        x = ins[0]
        perm = attrs.get("perm")
        if name == "matrix_transpose":
            return x[:-2] + (x[-1], x[-2])
        perm = list(range(len(x)))[::-1] if perm is None else [int(p) % len(x) for p in perm]
        return tuple(x[p] for p in perm)
    if name == "expand_dims":
        x = list(ins[0])
        axis = int(attrs["axis"])
        axis = axis % (len(x) + 1)
        return tuple(x[:axis] + [1] + x[axis:])
    if name == "squeeze":
        x = ins[0]
        axis = attrs.get("axis")
        if axis is None:
            return tuple(d for d in x if is_dim(d) or d != 1) if not any(is_dim(d) for d in x) else None
        axes = {int(a) % len(x) for a in ((axis,) if isinstance(axis, int) else axis)}
        return tuple(d for i, d in enumerate(x) if i not in axes)
    return None


def _matmul(a: tuple, b: tuple, ta: bool, tb: bool) -> tuple | None:
    if len(a) < 2 or len(b) < 2:
        return None
    m, k1 = (a[-1], a[-2]) if ta else (a[-2], a[-1])
    k2, n = (b[-1], b[-2]) if tb else (b[-2], b[-1])
    equate(k1, k2)  # the inner dimensions of a product are one, always
    return broadcast(a[:-2], b[:-2]) + (find(m), find(n))


def _reduced(x: tuple, axis, keepdims) -> tuple:
    rank = len(x)
    if axis is None:
        axes = set(range(rank))
    else:
        axes = {int(a) % rank for a in ((axis,) if isinstance(axis, int) else axis)}
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in axes)
