"""What the TFCalls mixins share: the tables of names they run, sentinels, and small predicates."""
from __future__ import annotations

import operator

import numpy as np

from . import ast as A
from ..engine.gradients import Unconnected
from ..engine.graph import Node
from ..engine.registry import CONSTANT, PLACEHOLDER
from ..errors import fail
from .program import ListValue

_PY_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "@": operator.matmul}
_PY_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}
_NOOP_TF = {"reset_default_graph", "enable_eager_execution", "disable_eager_execution", "disable_v2_behavior", "enable_v2_behavior", "set_random_seed", "random.set_seed", "compat.v1.disable_eager_execution", "logging.set_verbosity", "config.run_functions_eagerly", "executing_eagerly", "debugging.set_log_device_placement", "random.set_random_seed", "autograph.set_verbosity"}
_SCOPES = {"name_scope", "variable_scope", "device", "control_dependencies", "GradientTape.stop_recording"}
_INITIALIZERS = {"global_variables_initializer", "initialize_all_variables", "local_variables_initializer", "variables_initializer", "initializers.global_variables", "tables_initializer"}
_NP_SAFE = {"array", "asarray", "zeros", "ones", "full", "eye", "identity", "arange", "linspace", "zeros_like", "ones_like", "full_like", "concatenate", "stack", "vstack", "hstack", "reshape", "transpose", "dot", "matmul", "sum", "mean", "max", "min", "prod", "std", "var", "argmax", "argmin", "abs", "sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "square", "where", "clip", "maximum", "minimum", "allclose", "isclose", "squeeze", "expand_dims", "sign", "round", "cumsum", "diag", "trace", "outer", "sort", "argsort", "array_equal", "float32", "float64", "int32", "int64", "float16", "int8", "uint8", "bool_", "amax", "amin", "power", "log1p", "expm1", "floor", "ceil", "multiply", "add", "subtract", "divide", "negative", "shape", "size", "ndim", "isnan", "isinf", "isfinite", "linalg.norm", "linalg.inv", "linalg.det", "tile", "repeat", "flip", "meshgrid", "random.seed"}
_NP_RANDOM = {"rand", "randn", "random", "random_sample", "uniform", "normal", "randint", "choice", "permutation", "standard_normal", "binomial", "poisson", "exponential", "beta", "gamma", "shuffle"}
_TF_NUMPY_LIKE = {"float32", "float64", "int32", "int64", "bool", "float16"}


_NOT_RUNTIME = object()
_LEAVES_TAPE = object()  # a NumPy call on a tensor while a tape records: built with every tape paused


class _HeadOf:
    def __init__(self, node):
        self.head = node.span


def Resolver_call(self, node, args, name):
    """The .grad call path (ops, gradients, Variable/placeholder), with a Name func."""
    from .calls import CallResolver

    func = node.func
    if type(func) is A.Name and func.id == name and all(type(k) is A.Keyword for k in node.kwargs) and all(type(a) is not A.Starred for a in node.args):
        return CallResolver.call(self, node, args)
    if type(func) is not A.Name or func.id != name:
        func = A.Name(name, getattr(func, "span", node.span))
    fake = A.Call(func, tuple(a for a in node.args), tuple(k for k in node.kwargs if type(k) is A.Keyword), node.span)
    return CallResolver.call(self, fake, args)


def argument(positional, keywords, index: int, name: str):
    """A call's argument given by position or by keyword (None when it is neither),
    as a Python signature binds `f(a, b)` and `f(a, b=...)` alike."""
    return positional[index] if len(positional) > index else keywords.get(name)


def _too_big(node):
    return fail("E0317", "literal-only integer arithmetic gives a number that does not fit in 64 bits", node.span, help=["write a float (with a decimal point) if you mean a large number"])


def _tensorish_arg(value) -> bool:
    return isinstance(value, (Node, Unconnected)) or isinstance(value, ListValue) and (value.numeric or any(isinstance(v, Node) for v in value.items))


def _plain(value) -> bool:
    t = type(value)
    return t is int or t is float or t is bool or t is str or value is None or isinstance(value, (np.ndarray, np.generic))


def _literal(value) -> bool:
    return isinstance(value, Node) and value.op is CONSTANT and value.weak and value.shape == ()


def _py(value):
    if isinstance(value, Node):
        return value.attrs["value"].item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _tensorish(value) -> bool:
    return isinstance(value, (Node, np.ndarray, np.generic, int, float)) and not isinstance(value, bool) or isinstance(value, ListValue) and value.numeric


def _numeric_list(value) -> bool:
    return isinstance(value, ListValue) and value.numeric


def _nested_numbers(value):
    if isinstance(value, ListValue):
        return [_nested_numbers(v) for v in value.items]
    if isinstance(value, Node):
        return value.attrs["value"]
    return value


def _needs_input(node: Node) -> bool:
    from ..engine.evaluate import needed_nodes

    return any(n.op is PLACEHOLDER and not n.inputs for n in needed_nodes([node], {}))


def _unfed(nodes, feeds):
    from ..engine.evaluate import needed_nodes

    return [n for n in needed_nodes(list(nodes), feeds) if n.op is PLACEHOLDER and not n.inputs and n not in feeds]
