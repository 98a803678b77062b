"""TensorFlow and NumPy spellings: which dotted names mean which op, and predefined names."""
from __future__ import annotations

import functools
import math

from ..errors import fail

BINARY = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "//": "floordiv", "%": "floormod", "@": "matmul", "**": "pow"}
COMPARE = {"<": "less", "<=": "less_equal", ">": "greater", ">=": "greater_equal", "==": "equal", "!=": "not_equal"}

# TensorFlow namespaces stripped down to the op name, longest first
_TF_PREFIXES = ("tf.compat.v1.", "tf.compat.v2.", "tf.keras.backend.", "tf.math.", "tf.nn.", "tf.linalg.", "tf.random.", "tf.dtypes.", "tf.raw_ops.", "tf.")
# names whose TensorFlow 2 spelling differs from the op's
_RENAMED = {"random.normal": "random_normal", "random.uniform": "random_uniform", "linalg.inv": "inv", "linalg.det": "det", "math.divide": "divide", "linalg.trace": "trace", "linalg.diag": "diag", "linalg.diag_part": "diag_part", "linalg.norm": "norm"}
_DTYPES = {"float": "float", "float32": "float32", "float64": "float64", "double": "float64", "int": "int", "int32": "int32", "int64": "int64", "bool": "bool"}
_CONSTANTS = {"inf": math.inf, "nan": math.nan, "pi": math.pi, "e": math.e}


@functools.lru_cache(maxsize=1024)
def short_name(name: str) -> str:
    """`tf.math.log` -> `log`, `tf.random.normal` -> `random_normal`; other names unchanged."""
    if name.startswith("tf."):
        rest = name[3:]
        for prefix in ("compat.v1.", "compat.v2."):
            if rest.startswith(prefix):
                rest = rest[len(prefix):]
        if rest in _RENAMED:
            return _RENAMED[rest]
        for prefix in _TF_PREFIXES:
            if ("tf." + rest).startswith(prefix) and prefix != "tf.":
                return rest[len(prefix) - 3:]
        return rest
    if name.startswith("np.") or name.startswith("numpy."):
        return name.split(".", 1)[1]  # NumPy's own names (arcsin, power, amax) are registry aliases
    return name


def resolve_call(name: str, span) -> str:
    """The op a called name means; `np.` reaches only ops whose arguments NumPy shares."""
    short = short_name(name)
    if name.startswith(("np.", "numpy.")):
        from ..engine.ops import NAMES

        rest = name.split(".", 1)[1]
        op = NAMES.get(short)
        if op is not None and op.numpy:  # the registry says which ops NumPy spells alike
            return short
        suggestion = _nearest_op(rest)
        raise fail(
            "E0203",
            f"{name} is not supported: NumPy's arguments differ from gradcli's",
            span,
            help=[f"use {suggestion}(...) with TensorFlow's arguments (`gradcli ops` shows them)" if suggestion else "`gradcli ops` lists every op"],
        )
    return short


def _nearest_op(name: str) -> str | None:
    import difflib

    from ..engine.ops import NAMES

    last = name.split(".")[-1]
    if last in NAMES:
        return last
    guesses = {"arange": "range", "concatenate": "concat", "clip": "clip_by_value", "zeros": "zeros", "ones": "ones", "full": "fill", "linalg.inv": "inv", "linalg.det": "det", "linalg.norm": "norm", "random.normal": "random_normal", "random.uniform": "random_uniform", "cumsum": "cumsum", "einsum": "einsum", "stack": "stack", "squeeze": "squeeze"}
    if name in guesses:
        return guesses[name]
    close = difflib.get_close_matches(last, list(NAMES), n=1, cutoff=0.7)
    return close[0] if close else None


def predefined(name: str):
    """("dtype", name) or ("constant", value) for a predefined name, else None."""
    if name in _DTYPES:
        return "dtype", _DTYPES[name]
    if name in ("inf", "nan"):
        return "constant", _CONSTANTS[name]
    head, _, rest = name.partition(".")
    if head == "tf":
        rest = rest.removeprefix("dtypes.")
        if rest in _DTYPES and rest not in ("float", "int"):
            return "dtype", _DTYPES[rest]
    if head in ("np", "numpy"):
        if rest in _DTYPES and rest not in ("float", "int"):
            return "dtype", _DTYPES[rest]
        if rest == "bool_":
            return "dtype", "bool"
        if rest in _CONSTANTS:
            return "constant", _CONSTANTS[rest]
    return None
