"""tile and pad, and untile (made by gradients): tile's gradient sums the copies with
untile, whose own gradient is tile again; pad's gradient slices the padding off.
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..registry import register
from .structure import invalid

F = apply

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
