"""The rules table: each op's .grad spelling (public calls, elementwise algebra, constants),
and gradients' internal helpers written with public ops."""
from __future__ import annotations

import numpy as np

from ...engine.graph import Node
from .expr import (ATOM, COMPARE, MUL, Call, Expr, Mul, Num, Sym, add, call, compare, float_text, is_num, mul, number_text,
                   raw, where, wrap)
from .realize import Value, _list, _static, materialize, realize
from .sig import SCALAR, FormulaUnavailable, Sig


def _constant(node: Node, sig: Sig) -> Value:
    value = node.attrs["value"]
    if value.size and (value == value.reshape(-1)[0]).all() if value.dtype.kind != "f" else value.size and np.array_equal(value, np.full(value.shape, value.reshape(-1)[0]), equal_nan=True):
        first = value.reshape(-1)[0]
        return Value(Num(first.item() if value.dtype.kind in "biu" else float(first)), sig)
    if value.dtype.kind not in "biuf":
        raise FormulaUnavailable("a constant that is not numbers")
    text = np.array2string(value, separator=", ", threshold=10**9, max_line_width=10**9, formatter={"all": float_text if value.dtype.kind == "f" else number_text})
    return Value(raw(text.replace("\n", ""), sig, ATOM), sig)


def _elementwise(node: Node, a: list[Expr]) -> Expr:
    name = node.op.name
    sig = SCALAR
    for e in a:
        sig = sig.union(e.sig)
    if name == "add":
        return add([(1, a[0]), (1, a[1])])
    if name == "add_n":
        return add([(1, e) for e in a])
    if name == "subtract":
        return add([(1, a[0]), (-1, a[1])])
    if name == "negative":
        return mul(-1, [(a[0], Num(1))])
    if name in ("identity", "broadcast_like"):
        return a[0]
    if name == "cast":
        if is_num(a[0]) and node.dtype.kind in "fiu":
            value = float(a[0].value)
            return Num(value if node.dtype.kind == "f" else int(value))
        if node.inputs[0].dtype == node.dtype or node.inputs[0].weak:
            return a[0]
        return call("cast", [a[0], raw(_dtype_text(node.dtype, node), SCALAR)], sig)
    if name == "multiply":
        return mul(1, [(a[0], Num(1)), (a[1], Num(1))])
    if name == "divide":
        return mul(1, [(a[0], Num(1)), (a[1], Num(-1))])
    if name == "pow":
        return mul(1, [(a[0], a[1])])
    if name == "square":
        return mul(1, [(a[0], Num(2))])
    if name == "reciprocal":
        return mul(1, [(a[0], Num(-1))])
    if name == "rsqrt":
        return mul(1, [(call("sqrt", [a[0]], a[0].sig), Num(-1))])
    if name in COMPARE:
        return compare(COMPARE[name], a[0], a[1])
    if name == "where":
        return where(a[0], a[1], a[2])
    if name == "relu_grad":
        return where(compare(">", a[1], Num(0)), a[0], Num(0.0))
    # the gradient kernels of engine/ops/unary.py (their 0 where dy is 0 is not spelled)
    if name == "sqrt_grad":
        return mul(0.5, [(a[1], Num(1)), (a[0], Num(-1))])
    if name == "rsqrt_grad":
        return mul(-0.5, [(a[1], Num(1)), (a[0], Num(3))])
    if name == "reciprocal_grad":
        return mul(-1, [(a[1], Num(1)), (a[0], Num(2))])
    if name == "relu6_grad":
        return where(call("logical_and", [compare(">", a[1], Num(0)), compare("<", a[1], Num(6))], sig), a[0], Num(0))
    if name == "leaky_relu_grad":
        return where(compare(">", a[1], Num(0)), a[0], mul(node.attrs.get("alpha", 0.2), [(a[0], Num(1))]))
    if name == "leaky_relu":
        return call("leaky_relu", a, sig, [("alpha", number_text(node.attrs.get("alpha", 0.2)))] if node.attrs.get("alpha", 0.2) != 0.2 else [])
    if all(is_num(e) for e in a) and name in _FOLDABLE:
        with np.errstate(all="ignore"):
            return Num(float(_FOLDABLE[name](*[float(e.value) for e in a])))
    return call(name, a, sig)


_SHAPE_ONLY = {"reshape", "expand_dims", "squeeze", "transpose", "matrix_transpose", "broadcast_to", "tile", "reshape_like"}
_FOLDABLE = {"abs": abs, "sign": np.sign, "maximum": max, "minimum": min}


def _vjp_getitem(node: Node, values, sigs) -> Expr:
    """The adjoint of x[i] placed back into zeros shaped like x: exactly gradients' own definition."""
    t, like = node.inputs[0], node.inputs[1]
    x = values[like].expr
    if not isinstance(x, Sym):
        raise FormulaUnavailable("indexing an unnamed tensor")
    m = materialize(realize(values[t], values, sigs))
    index = node.attrs["index"]
    items = index if isinstance(index, tuple) else (index,)
    if like.rank == 1 and _static(like.shape) and len(items) == 1 and isinstance(items[0], (int, np.integer)) and m.sig == SCALAR:
        n = like.shape[0]
        return mul(1, [(m, Num(1)), (call("one_hot", [Num(int(items[0]) % n), Num(n)], sigs[node]), Num(1))])
    index = _index_text(index)
    return raw(f"gradients(reduce_sum(stop_gradient({m.text}) * {x.text}[{index}]), {x.text})[0]", sigs[node])


def _index_text(index) -> str:
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for i in items:
        if isinstance(i, (int, np.integer)):
            out.append(str(int(i)))
        elif isinstance(i, slice):
            parts = ["" if p is None else str(int(p)) for p in (i.start, i.stop, i.step)]
            out.append(":".join(parts[:2]) + (f":{parts[2]}" if parts[2] else ""))
        else:
            raise FormulaUnavailable("an index gradcli cannot print")
    return ", ".join(out)


def _dtype_text(dtype, node: Node) -> str:
    """`float` for the run's default float, so a formula reads back under --dtype float32 too."""
    return "float" if np.dtype(dtype) == node.graph.float_dtype else np.dtype(dtype).name


def _attr_text(value, node: Node | None = None) -> str:
    if isinstance(value, np.dtype):
        return _dtype_text(value, node) if node is not None else value.name
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_attr_text(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value + '"'
    if value is None or isinstance(value, (bool, np.bool_)):
        return str(bool(value)) if value is not None else "None"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return number_text(value)
    raise FormulaUnavailable(f"an attribute gradcli cannot print: {value!r}")


def _public_call(node: Node, args: list[Expr], sig: Sig) -> Expr:
    op = node.op
    if op.lister is not None or op.random:
        raise FormulaUnavailable(f"{op.name}() cannot be restated")
    if op.name == "getitem":
        return Expr(f"{wrap(args[0], ATOM)}[{_index_text(node.attrs['index'])}]", ATOM, sig)
    if op.name == "matmul" and any(_scalar_part(a)[0] for a in args):
        # (2/N) * X^T (pred - y), as a textbook writes it: numbers and counts come out of the product
        outside, inside = [], []
        for a in args:
            factors, rest = _scalar_part(a)
            outside += factors
            inside.append(rest)
        return mul(1, [(_public_call(node, inside, sig), Num(1))] + outside)
    if op.name == "matmul" and not node.attrs.get("transpose_a") and not node.attrs.get("transpose_b"):
        e = Call(f"{wrap(args[0], MUL)} @ {wrap(args[1], MUL + 1)}", MUL, sig)
        e.fn, e.args, e.kwargs = "@", (args[0], args[1]), ()
        return e
    positional, kwargs = [], []
    inputs = iter(args)
    for p in op.params:
        if p.kind == "attr":
            value = node.attrs.get(p.name, p.default)
            if p.name == "dtype":
                if value is None or (np.dtype(value) == node.graph.float_dtype and not p.required):
                    continue
            elif not p.required and _same(value, p.default):
                continue
            if p.required and not kwargs:
                positional.append(raw(_attr_text(value, node), SCALAR))
            else:
                kwargs.append((p.name, _attr_text(value, node)))
        elif p.kind == "tensors" and p.name == "operands":
            positional.extend(inputs)
        elif p.kind == "tensors":
            items = list(inputs)
            positional.append(raw("[" + ", ".join(a.text for a in items) + "]", SCALAR))
        else:
            a = next(inputs, None)
            if a is None:
                continue
            if kwargs:
                kwargs.append((p.name, a.text))
            else:
                positional.append(a)
    return call(op.name, positional, sig, kwargs)


def _scalar_part(e: Expr) -> tuple[list, Expr]:
    """A product's factors that are one number for every element (2, 1/cast(shape(X)[0], float)), and the rest."""
    if not isinstance(e, Mul) or e.sig == SCALAR:
        return [], e
    scalar = [(b, x) for b, x in e.factors if b.sig == SCALAR and x.sig == SCALAR]
    rest = [(b, x) for b, x in e.factors if not (b.sig == SCALAR and x.sig == SCALAR)]
    if not rest or (not scalar and e.coef == 1):
        return [], e
    return [(Num(e.coef), Num(1))] + scalar, mul(1, rest)


def _same(a, b) -> bool:
    try:
        return bool(a == b) or (isinstance(a, tuple) and list(a) == b)
    except Exception:
        return False




# ----- internal ops (gradients' helpers) written with public ops -----
# The engine knows no text syntax, so the spellings live here, keyed by op name;
# tests/learn/test_formula_coverage.py fails when an op of the registry has neither
# a spelling nor an entry in NO_FORMULA.

def _static_shape(node: Node) -> tuple:
    if not _static(node.shape):
        raise FormulaUnavailable(f"{node.op.name}() of a shape unknown before evaluation")
    return tuple(node.shape)


def _concat_part(node: Node, args, sig) -> Expr:
    """concat's gradient for input i: the adjoint's slice where x_i went, g[:, start:stop]."""
    g, parts = node.inputs[0], node.inputs[1:]
    rank = len(_static_shape(g))
    axis = int(node.attrs["axis"]) % rank
    index = int(node.attrs["index"])
    start = sum(_static_shape(p)[axis] for p in parts[:index])
    stop = start + _static_shape(parts[index])[axis]
    items = [":"] * axis + [f"{start}:{stop}"]
    return Expr(f"{wrap(args[0], ATOM)}[{', '.join(items)}]", ATOM, sig)


def _untile(node: Node, args, sig) -> Expr:
    """tile's gradient: the copies summed, reduce_sum(reshape(g, [m0, d0, m1, d1, ...]), axis=[0, 2, ...])."""
    like = _static_shape(node.inputs[1])
    pairs = [n for m, d in zip(node.attrs["multiples"], like) for n in (int(m), d)]
    shaped = call("reshape", [args[0]], Sig(frozenset(), tuple(pairs)), [("shape", _list(pairs))])
    return call("reduce_sum", [shaped], sig, [("axis", _list(range(0, len(pairs), 2)))])


def _gather_grad(node: Node, args, sig) -> Expr:
    """gather's gradient along axis 0: the rows added back where they came from."""
    like = _static_shape(node.inputs[2])
    if int(node.attrs.get("axis", 0)) % max(len(like), 1) != 0:
        raise FormulaUnavailable("gather_grad() along an axis other than 0 has no public equivalent here")
    return call("unsorted_segment_sum", [args[0], args[1], Num(int(like[0]))], sig)


def _diag_like(node: Node, args, sig) -> Expr:
    """diag's gradient back into a square matrix: diag(d)."""
    like = _static_shape(node.inputs[1])
    if len(like) < 2 or like[-1] != like[-2]:
        raise FormulaUnavailable("diag_like() into a matrix that is not square")
    return call("diag", [args[0]], sig)


def _sizes(like: Node, e: Expr) -> Expr:
    """The shape of the tensor `like` (whose expression is e): shape(x) for a name, else its sizes."""
    if isinstance(e, Sym):
        return raw(f"shape({e.text})", SCALAR)
    if _static(like.shape):
        return raw(_list(like.shape), SCALAR)
    return raw(f"shape({e.text})", SCALAR)


def _backprop_call(public: str, node: Node, positional: list, sig: Sig) -> Expr:
    """public(positional..., the node's attributes as the public op takes them)."""
    from ...engine.registry import NAMES  # noqa: PLC0415 - the public op's signature: its attributes' order and defaults

    op = NAMES[public]
    kwargs = []
    for p in op.params:
        if p.kind != "attr":
            continue
        value = node.attrs.get(p.name, None if p.required else p.default)
        if p.required:
            positional.append(raw(_attr_text(value, node), SCALAR))
        elif not _same(value, p.default) and value is not None:
            kwargs.append((p.name, _attr_text(value, node)))
    return call(public, positional, sig, kwargs)


def _conv2d_input_grad(node: Node, args, sig) -> Expr:
    """conv2d's gradient for its input: conv2d_backprop_input(shape(x), w, g, strides, padding), as TensorFlow names it."""
    g, w, like = args
    return _backprop_call("conv2d_backprop_input", node, [_sizes(node.inputs[2], like), w, g], sig)


def _conv2d_filter_grad(node: Node, args, sig) -> Expr:
    """conv2d's gradient for its filters: conv2d_backprop_filter(x, shape(w), g, strides, padding)."""
    x, g, like = args
    return _backprop_call("conv2d_backprop_filter", node, [x, _sizes(node.inputs[2], like), g], sig)


def _max_pool_grad(node: Node, args, sig) -> Expr:
    x, g = args
    return _backprop_call("max_pool2d_backprop", node, [x, g], sig)


def _avg_pool_grad(node: Node, args, sig) -> Expr:
    g, like = args
    return _backprop_call("avg_pool2d_backprop", node, [_sizes(node.inputs[1], like), g], sig)


def _gather_nd_grad(node: Node, args, sig) -> Expr:
    """gather_nd's gradient: the adjoint added into zeros at the coordinates, tf.scatter_nd(indices, g, shape(x))."""
    g, indices, like = args
    return call("scatter_nd", [indices, g, _sizes(node.inputs[2], like)], sig)


def _eye_like(node: Node, args, sig) -> Expr:
    """Ones on the diagonal in x's shape: eye(n, m), times ones_like(x) for a batch of matrices."""
    shape = node.inputs[0].shape
    if shape is None or len(shape) < 2 or None in shape[-2:] or np.dtype(node.dtype) != node.graph.float_dtype:
        raise FormulaUnavailable("eye_like() of a shape or dtype unknown before evaluation")
    n, m = shape[-2:]
    eye = call("eye", [Num(int(n))] + ([Num(int(m))] if m != n else []), Sig(frozenset(), (int(n), int(m))))
    if len(shape) == 2:
        return eye
    return mul(1, [(eye, Num(1)), (call("ones_like", [args[0]], args[0].sig), Num(1))])


def _cholesky_phi(node: Node, args, sig) -> Expr:
    """cholesky's mask: the lower triangle with half the diagonal, x * [[0.5, 0.0], [1.0, 0.5]]."""
    shape = node.inputs[0].shape
    if shape is None or not shape or shape[-1] is None:
        raise FormulaUnavailable("cholesky_phi() of a matrix whose size is unknown before evaluation")
    n = int(shape[-1])
    rows = ["[" + ", ".join("0.5" if j == i else "1.0" if j < i else "0.0" for j in range(n)) + "]" for i in range(n)]
    return mul(1, [(args[0], Num(1)), (raw("[" + ", ".join(rows) + "]", Sig(frozenset(), (n, n))), Num(1))])


_INTERNAL_SPELLINGS = {
    "gather_nd_grad": _gather_nd_grad, "eye_like": _eye_like, "cholesky_phi": _cholesky_phi,
    "concat_part": _concat_part, "untile": _untile, "gather_grad": _gather_grad, "diag_like": _diag_like,
    "conv2d_input_grad": _conv2d_input_grad, "conv2d_filter_grad": _conv2d_filter_grad,
    "max_pool_grad": _max_pool_grad, "avg_pool_grad": _avg_pool_grad,
}

# internal ops the translation handles itself (sums back to a shape, masks, indexing)
HANDLED_INTERNAL = {"sum_to_like", "sum_to", "broadcast_like", "unreduce", "relu_grad", "reshape_like", "getitem_grad",
                    # the elementwise gradient kernels, which _elementwise writes out
                    "sqrt_grad", "rsqrt_grad", "reciprocal_grad", "relu6_grad", "leaky_relu_grad"} | set(_INTERNAL_SPELLINGS)

# internal ops with no formula, and why (the message says so)
NO_FORMULA = {
    "max_pool_grad_grad": "max pooling's second-order helper (the adjoint read at each window's maximum)",
    "custom_gradient": "a gradient written in Python",
    "determinant_sign": "a helper of det's gradient",
    "einsum_embed": "einsum's gradient into a repeated index",
    "jacobian_rows": "jacobian's stacked rows",
    "prod_derivative": "reduce_prod's gradient with zeros",
    "put_along_axis": "a scatter along an axis",
    "take_along_axis": "a gather along an axis",
    "top_k_indices": "top_k's indices",
}
