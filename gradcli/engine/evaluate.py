"""The forward pass: values of the nodes a fetch needs, and only those.

Memory: with keep="fetches" each intermediate is dropped right after its last
use, so a run holds the fetched results plus what is still needed. Either way
the elements held at once (feeds, kept results, intermediates still needed;
a view counts as its own elements) are bounded by LIVE_FACTOR times the
per-tensor limit (`--max-elements`): a run that would go over is refused
(E0305) before the op that would cross the bound allocates.
"""
from __future__ import annotations

import numpy as np

from .graph import Node
from .dtypes import shape_str, static_size
from .registry import CONSTANT, LEAVES, PLACEHOLDER, VARIABLE
from ..errors import Diagnostic, fail
from ..source import Label


def needed_nodes(fetches, fed) -> list[Node]:
    """Every node the fetches depend on, in evaluation (creation) order.

    A fed node's inputs are not needed: its value comes from the feed. The walk
    uses an explicit stack, so graph depth costs no Python recursion.
    """
    seen = set()
    stack = [n for n in fetches if isinstance(n, Node)]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node not in fed:
            stack.extend(node.inputs)
    return sorted(seen, key=lambda n: n.id)


# the elements a run may hold at once, as a multiple of the one-tensor limit
LIVE_FACTOR = 4


class Values(dict):
    """node -> value, as evaluate() returns it; `evaluated` counts the nodes computed or fed,
    including intermediates already released."""

    evaluated = 0


class NonFinite:
    """Where the first NaN or infinity of a run appeared, for a precise warning."""

    __slots__ = ("node", "value", "inputs")

    def __init__(self, node: Node, value: np.ndarray, inputs: list[np.ndarray]):
        self.node, self.value, self.inputs = node, value, inputs

    def diagnostic(self) -> Diagnostic:
        kind = "NaN" if np.isnan(self.value).any() else "an infinite value"
        args = ", ".join(_brief(v) for v in self.inputs)
        return Diagnostic(
            "W0601",
            f"{self.node.op.name}() produced {kind}",
            self.node.span,
            label=f"{self.node.op.name}({args})" if self.inputs else "",
            notes=[f"inputs were {args}; everything before was finite"] if self.inputs else [],
        )


def _brief(value) -> str:
    a = np.asarray(value)
    if a.size == 1:
        return f"{a.reshape(()).item():g}"
    return f"{a.dtype.name}{shape_str(a.shape)}"


def evaluate(fetches, feeds: dict[Node, np.ndarray] | None = None, seed: int = 0, max_elements: int | None = None, keep: str = "all") -> Values:
    """Values of the nodes needed for `fetches`; feeds replace the fed nodes' values.

    keep="all" returns the value of every needed node (explain and graph show
    them); keep="fetches" returns the fetches' values only and releases each
    intermediate after its last use. With max_elements, one tensor over it,
    or more than LIVE_FACTOR * max_elements elements held at once, is refused
    (E0305) before it is allocated.

    Raises FeedError (E0401) listing every missing placeholder at once, and
    EvalError (E03xx) at the span of the op that failed.
    """
    feeds = feeds or {}
    order = needed_nodes(fetches, feeds)
    missing = [n for n in order if n.op is PLACEHOLDER and not n.inputs and n not in feeds]
    if missing:
        raise missing_feeds(missing)
    last_use = _last_uses(order, fetches, feeds) if keep == "fetches" else None
    bound = None if max_elements is None else LIVE_FACTOR * max_elements
    live = 0  # elements held in `values`
    values = Values()
    values.evaluated = len(order)
    with np.errstate(all="ignore"):
        for index, node in enumerate(order):
            if node in feeds:
                out = feeds[node]
            else:
                op = node.op
                if op is CONSTANT:
                    out = node.attrs["value"]
                else:
                    args = [values[i] for i in node.inputs]
                    if op in LEAVES:  # a placeholder's default or a variable's initial value
                        out = _as_declared(args[0], node)
                    else:
                        size = static_size(node.shape)
                        if max_elements is not None:
                            if size is None:
                                size = _check_runtime_size(node, args, max_elements)
                            if size is not None and live + size > bound:
                                raise _over_live_bound(node, live, size, bound, max_elements)
                        try:
                            if op.random:
                                out = op.forward(*args, run_seed=seed, **node.attrs)
                            else:
                                out = op.forward(*args, **node.attrs)
                        except (ValueError, IndexError, np.linalg.LinAlgError, TypeError, ZeroDivisionError, OverflowError) as e:
                            raise runtime_error(node, e, args) from None
                        if not isinstance(out, np.ndarray) or out.dtype != node.dtype:
                            out = np.asarray(out, dtype=node.dtype)
                        del args
            values[node] = out
            live += np.size(out)
            if bound is not None and live > bound:  # a feed, or a size no shape rule foretold
                raise _over_live_bound(node, live - np.size(out), np.size(out), bound, max_elements)
            if last_use is not None and node not in feeds:
                for i in node.inputs:
                    if last_use.get(i) == index and i in values:
                        live -= np.size(values.pop(i))
    return values


def _last_uses(order: list[Node], fetches, feeds) -> dict[Node, int]:
    """node -> position in `order` of its last consumer, for the nodes to release there.

    Fetches are never released. One dict of ints and no list per node: a
    list for each of 100,000 nodes would wake the garbage collector over the
    whole graph many times (seconds on a long chain).
    """
    last: dict[Node, int] = {}
    for index, node in enumerate(order):
        if node not in feeds:
            for i in node.inputs:
                last[i] = index
    for n in fetches:
        if isinstance(n, Node):
            last.pop(n, None)
    return last


def _over_live_bound(node: Node, live: int, size: int, bound: int, limit: int):
    return fail(
        "E0305",
        f"{node.op.name}() would bring the elements held at once to {live + size:,}, over the limit of {bound:,} "
        f"({LIVE_FACTOR} x --max-elements {limit:,})",
        node.span,
        label=f"{size:,} more elements" if size else "",
        notes=["held at once: the feeds, the results kept for output, and intermediates still needed"],
        help=["raise the limit with --max-elements if you mean it"],
    )


def _as_declared(value: np.ndarray, node: Node) -> np.ndarray:
    if value.dtype != node.dtype:
        value = value.astype(node.dtype)
    if node.shape is not None and value.shape != tuple(node.shape):
        if len(value.shape) == len(node.shape) and all(d is None or d == v for d, v in zip(node.shape, value.shape)):
            return value
        if node.op is VARIABLE and static_size(node.shape) is not None:
            return np.broadcast_to(value, node.shape).copy()
    return value


def missing_feeds(missing: list[Node]):
    from .dtypes import dtype_name

    names = ", ".join(n.name for n in missing)
    first = missing[0]
    labels = [Label(n.span, "declared here") for n in missing[1:] if n.span is not None]
    lines = [f"{n.name}: {dtype_name(n.dtype)}{shape_str(n.shape) if n.shape is not None else ''}" for n in missing]
    example = " ".join(f"--feed {n.name}=..." for n in missing[:3])
    return fail(
        "E0401",
        f"missing feed{'s' if len(missing) > 1 else ''} for {names}",
        first.span,
        label="needs a value",
        labels=labels,
        notes=["placeholders to feed: " + "; ".join(lines)],
        help=[f"give {'them' if len(missing) > 1 else 'it'} on the command line, e.g. {example}"],
    )


def runtime_error(node: Node, error: Exception, args) -> Exception:
    op = node.op.name
    if isinstance(error, np.linalg.LinAlgError):
        return fail("E0308", f"{op}() failed: the matrix is singular", node.span, help=["a singular matrix has no inverse; check the values fed"])
    if isinstance(error, ZeroDivisionError):  # integer kernels, as TensorFlow's InvalidArgumentError
        return fail("E0318", f"{op}(): {error}", node.span, help=["cast to float first if you mean inf or NaN"])
    if isinstance(error, IndexError):
        return fail("E0309", f"index out of range in {op}(): {error}", node.span)
    shapes = ", ".join(shape_str(np.shape(a)) for a in args)
    if isinstance(error, ValueError) and "broadcast" in str(error):
        # shapes that were unknown until the feeds came: the static check's words, at run time
        labels = [Label(i.span, shape_str(np.shape(a))) for i, a in zip(node.inputs, args) if i.span is not None]
        return fail("E0302", f"shapes {shapes.replace(', ', ' and ')} cannot broadcast in {op}()", node.span, labels=labels, notes=["dimensions must be equal or 1, compared from the last one backwards"])
    message = str(error).splitlines()[0].strip() if str(error) else type(error).__name__
    return fail("E0310", f"{op}() cannot run on inputs of shapes {shapes}: {message}", node.span)


class _Probe:
    """A node's stand-in with the run-time shape, for re-running a shape rule."""

    def __init__(self, node: Node, value):
        self.shape, self.dtype, self.weak, self.span = np.shape(value), node.dtype, node.weak, node.span
        self.op, self.attrs, self.graph, self.name = node.op, node.attrs, node.graph, node.name

    @property
    def rank(self):
        return len(self.shape)


def _check_runtime_size(node: Node, args, limit: int) -> int | None:
    """Refuse an output too large before allocating it, once input shapes are known; its size, if known."""
    probes = tuple(_Probe(inp, value) for inp, value in zip(node.inputs, args))
    try:
        shape, _ = node.op.infer(probes, node.attrs, node.span)
    except Exception:  # the forward pass reports shape errors in its own words
        return None
    size = static_size(shape)
    if size is None:
        return None
    if size > limit:
        raise fail(
            "E0305",
            f"{node.op.name}() would make a tensor of shape {shape_str(shape)} with {size:,} elements, over the limit of {limit:,}",
            node.span,
            help=["raise the limit with --max-elements if you mean it"],
        )
    return size


def first_non_finite(order: list[Node], values: dict[Node, np.ndarray]) -> NonFinite | None:
    """The first node, in evaluation order, that made a NaN or infinity from finite inputs."""
    for node in order:
        v = values.get(node)
        if v is None or v.dtype.kind not in "fc" or np.isfinite(v).all():
            continue
        args = [values[i] for i in node.inputs if i in values]
        if node.op in LEAVES or all(a.dtype.kind not in "fc" or np.isfinite(a).all() for a in args):
            return NonFinite(node, v, args if node.op not in LEAVES else [])
    return None
