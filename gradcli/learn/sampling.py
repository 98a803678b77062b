"""The points `gradcli check` evaluates a model at: what one point must evaluate (claim
sides, gradients, bound tensors), the inputs it can evaluate without, the ranges and
draws of varied inputs, and the feeds of a point.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.evaluate import evaluate, needed_nodes
from ..engine.graph import Node
from ..engine.registry import PLACEHOLDER
from ..language.program import ListValue
from ..errors import GradcliError, fail


UNKNOWN_DIM = 3


DEFAULT_RANGE = (-2.0, 2.0)


@dataclass
class Point:
    index: int
    kind: str  # "fed" or "sampled"
    feeds: dict  # name -> ndarray: what this point sets (the varied inputs)
    finite: bool = True
    shown: dict = field(default_factory=dict)  # name -> value of every varied input here (for reports)
    redrawn: int = 0  # draws thrown away because the model was not finite there
    error: str | None = None  # why the model could not be evaluated here


@dataclass
class _Evaluation:
    values: dict  # node -> value of every evaluable watched node (and what they needed)
    finite: bool
    error: str | None = None


def _watched(resolved, calls) -> list[Node]:
    """Everything one point needs: claim sides, gradients and their ys, every bound tensor."""
    out = [n for c in resolved.claims for n in (c.lhs, c.rhs)]
    for c in calls:
        out += list(c.ys) + [x for x in c.xs if isinstance(x, Node)]
        out += [r for r in c.results if isinstance(r, Node)]
        out += [s for s in (c.grad_ys or []) if isinstance(s, Node)] + list(c.stop)
    for value in resolved.bindings.values():
        out += [v for v in (value.items if isinstance(value, ListValue) else [value]) if isinstance(v, Node)]
    out += list(resolved.inputs.values())
    return list(dict.fromkeys(out))


def _unevaluable(nodes, feeds) -> set:
    """The nodes that need a placeholder nobody fed (one pass in creation order)."""
    bad = set()
    for node in needed_nodes(nodes, feeds):
        if node in feeds:
            continue
        if (node.op is PLACEHOLDER and not node.inputs) or any(i in bad for i in node.inputs):
            bad.add(node)
    return bad


def _evaluate_point(model, watched, feeds, seed, raise_errors=False) -> _Evaluation:
    bad = _unevaluable(watched, feeds)
    nodes = [n for n in watched if n not in bad]
    try:
        values = evaluate(nodes, feeds, seed, model.max_elements)
    except GradcliError as e:
        if raise_errors:
            raise
        return _Evaluation({}, False, e.diagnostics[0].message if getattr(e, "diagnostics", None) else str(e))
    finite = all(values[n].dtype.kind != "f" or np.isfinite(values[n]).all() for n in nodes)
    return _Evaluation(values, finite)


def _names(resolved, fed) -> dict:
    by_node = {node: name for name, node in resolved.inputs.items()}
    return {by_node[node]: value for node, value in fed.items()}


def _shape(node: Node) -> tuple:
    if node.shape is None:
        return ()
    return tuple(UNKNOWN_DIM if d is None else d for d in node.shape)


def _bounds(name, node, bounds) -> tuple:
    lo, hi = bounds if bounds is not None else DEFAULT_RANGE
    if node.dtype.kind in "iu" and int(np.ceil(lo)) > int(np.floor(hi)):
        raise fail("E0011", f"--sample {name}={lo:g}:{hi:g} holds no integer, and '{name}' is {node.dtype.name}",
                   node.span, label=f"declared here as {node.dtype.name}", help=[f"give a range with at least one whole number, e.g. --sample {name}=0:3"])
    return (float(lo), float(hi))


def _draw(node: Node, bounds, shape, rng) -> np.ndarray:
    lo, hi = bounds
    if node.dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    if node.dtype.kind in "iu":
        return rng.integers(int(np.ceil(lo)), int(np.floor(hi)) + 1, size=shape).astype(node.dtype)
    return rng.uniform(lo, hi, size=shape).astype(node.dtype)


def _feeds_at(model, point: Point, fed) -> dict:
    """Feeds by node at a point: the user's feeds, overridden by what the point draws."""
    out = dict(fed)
    for name, value in point.feeds.items():
        out[model.resolved.inputs[name]] = value
    return out
