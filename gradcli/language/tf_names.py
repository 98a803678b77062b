"""TensorFlow's names for graph-mode tensors, and what print() shows of one.

In TensorFlow 1 graph code a tensor has no value until a session runs it, so
`print(t)` shows its symbolic description, `Tensor("add:0", shape=(2,),
dtype=float32)` (str), and inside a list `<tf.Tensor 'add:0' shape=(2,)
dtype=float32>` (repr); a variable shows as `<tf.Variable 'Variable:0' shape=()
dtype=float32_ref>`. Eager code prints values, as before.

Names follow TensorFlow's rules where gradcli builds the same op: operators
get the overload's name (`+` is "add", `*` "mul", `/` "truediv", `**` "pow",
unary `-` "Neg"), functions their op type ("Add", "MatMul", "Sum", "Mean",
"Const", "Placeholder", "Variable"), `name=` wins, and a name already used
gets TensorFlow's `_1`, `_2` suffix (case-insensitively, as
`ops.Graph.unique_name` does). tf.gradients names its results in a
"gradients" scope: `gradients/AddN` when x reaches the ys through several ops,
else `gradients/<consumer>_grad/<op>` after the op that consumes x, with the
op TensorFlow 1's gradient function ends in for the common ops (Reshape for
broadcasting arithmetic, MatMul, Tile for Sum, truediv for Mean, ...).
Approximate: the ops a composite spelling builds inside, name scopes
(`tf.name_scope` is a no-op here), and gradient op names for ops outside the
table (the op gradcli's rule ends in, in TensorFlow's CamelCase).

A mixin of gradcli.language.executor.Interpreter, assembled in tf_calls.TFCalls.
"""
from __future__ import annotations

from ..engine.graph import Node
from ..engine.registry import CONSTANT, PLACEHOLDER, VARIABLE
from .program import ListValue
from .tf_runtime import UpdateOp

# Python operators -> the name TensorFlow's overload gives the op it makes
OPERATOR_NAMES = {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "//": "floordiv", "%": "mod", "**": "pow", "@": "matmul",
                  "neg": "Neg", "<": "Less", "<=": "LessEqual", ">": "Greater", ">=": "GreaterEqual", "==": "Equal", "!=": "NotEqual"}

# gradcli op -> TensorFlow's op type, where CamelCase of the op's name is not it
_FUNCTION_NAMES = {
    "subtract": "Sub", "multiply": "Mul", "divide": "truediv", "negative": "Neg", "matmul": "MatMul", "constant": "Const",
    "reduce_sum": "Sum", "reduce_mean": "Mean", "reduce_max": "Max", "reduce_min": "Min", "reduce_prod": "Prod",
    "reduce_logsumexp": "ReduceLogSumExp", "getitem": "strided_slice", "where": "Select", "transpose": "transpose",
    "concat": "concat", "stack": "stack", "zeros": "zeros", "ones": "ones", "zeros_like": "zeros_like", "ones_like": "ones_like",
    "random_normal": "random_normal", "random_uniform": "random_uniform", "gather": "GatherV2", "range": "range",
    "linspace": "LinSpace", "log_softmax": "LogSoftmax", "l2_loss": "L2Loss", "relu6": "Relu6", "bias_add": "BiasAdd",
    "squared_difference": "SquaredDifference", "expand_dims": "ExpandDims", "floormod": "FloorMod", "floordiv": "FloorDiv",
    "matrix_inverse": "MatrixInverse", "matrix_determinant": "MatrixDeterminant", "add_n": "AddN", "one_hot": "one_hot",
    "clip_by_value": "clip_by_value", "pow": "Pow", "softplus": "Softplus", "mean_squared_error": "mean_squared_error",
    "losses.mean_squared_error": "mean_squared_error", "norm": "norm", "moments": "moments", "dropout": "dropout",
    "conv2d": "Conv2D", "max_pool2d": "MaxPool", "avg_pool2d": "AvgPool", "tensordot": "Tensordot", "einsum": "einsum",
    "softmax_cross_entropy_with_logits": "softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits": "logistic_loss",
    "l2_normalize": "l2_normalize", "unstack": "unstack", "reduce_variance": "reduce_variance", "reduce_std": "reduce_std",
    "batch_normalization": "batchnorm", "eye": "eye", "leaky_relu": "LeakyRelu", "cumsum": "Cumsum", "argmax": "ArgMax", "argmin": "ArgMin",
}

# the op TensorFlow 1's gradient function of an op ends in, for its input 0 (input 1 takes the `_1` name)
_BROADCASTING = frozenset({"add", "subtract", "multiply", "divide", "pow", "maximum", "minimum", "squared_difference", "floordiv", "floormod"})
_GRAD_OPS = {
    "matmul": "MatMul", "reduce_sum": "Tile", "reduce_mean": "truediv", "square": "Mul_1", "sqrt": "SqrtGrad",
    "rsqrt": "RsqrtGrad", "exp": "mul", "log": "mul", "sin": "mul", "cos": "mul", "tan": "mul", "abs": "mul",
    "tanh": "TanhGrad", "sigmoid": "SigmoidGrad", "relu": "ReluGrad", "relu6": "Relu6Grad", "elu": "EluGrad",
    "softplus": "SoftplusGrad", "negative": "Neg", "reshape": "Reshape", "transpose": "transpose", "cast": "Cast",
    "reduce_max": "truediv", "reduce_min": "truediv", "reduce_prod": "Reshape", "softmax": "sub_1", "getitem": "StridedSliceGrad",
    "concat": "Slice", "stack": "unstack", "tile": "Sum", "expand_dims": "Reshape", "squeeze": "Reshape", "log1p": "mul",
    "reciprocal": "ReciprocalGrad", "identity": "Identity", "gather": "Reshape", "bias_add": "BiasAddGrad",
}


def camel(op_name: str) -> str:
    """TensorFlow's op-type spelling of a gradcli op name: reduce_sum -> ReduceSum."""
    return "".join(part[:1].upper() + part[1:] for part in op_name.split(".")[-1].split("_"))


def function_name(op_name: str) -> str:
    return _FUNCTION_NAMES.get(op_name) or camel(op_name)


def is_python_value(node: Node) -> bool:
    """A number or list the script wrote (`n = 2`, `l = [1, 2]`): held as a weak constant,
    printed as Python prints it, never as a tensor."""
    return node.op is CONSTANT and node.weak


def shape_text(shape) -> str:
    """TensorShape's str(): (), (2,), (None, 2), <unknown>."""
    if shape is None:
        return "<unknown>"
    dims = ["None" if d is None else str(d) for d in shape]
    return "(" + dims[0] + ",)" if len(dims) == 1 else "(" + ", ".join(dims) + ")"


class Symbolic:
    """A graph-mode tensor as print() shows it: TensorFlow's text, and its dtype and shape for JSON."""

    __slots__ = ("text", "tensor_dtype", "tensor_shape")

    def __init__(self, text: str, dtype: str, shape):
        self.text = text
        self.tensor_dtype = dtype
        self.tensor_shape = None if shape is None else [d for d in shape]

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


class TFNames:
    """A mixin of gradcli.language.executor.Interpreter, through tf_calls.TFCalls."""

    def prints_descriptions(self) -> bool:
        """Pasted graph code: print(t) and str(t) describe a tensor, as TensorFlow 1 does. A .grad
        model (graph code too, by its declarations) has no sessions: it prints values."""
        return self.graph_mode and not self.source.name.endswith(".grad")

    def unique_tf_name(self, name: str) -> str:
        """ops.Graph.unique_name: `add`, then `add_1`, `add_2`; names compare case-insensitively."""
        used = self.tf_used
        key = name.lower()
        i = used.get(key, 0)
        used[key] = i + 1
        if i == 0:
            return name
        base = key
        while key in used:
            key = f"{base}_{i}"
            i += 1
        used[key] = 1
        return f"{name}_{i - 1}"

    def name_tf_op(self, value, base: str, given=None) -> None:
        """Give a graph-mode tensor made now its TensorFlow name (the first name wins)."""
        if not self.graph_mode or type(value) is not Node or value.id in self.tf_names or is_python_value(value):
            return
        self.tf_names[value.id] = self.unique_tf_name(given if isinstance(given, str) and given else base)

    def name_call_result(self, value, spelling: str, keywords) -> None:
        """An op called by name (tf.add, tf.matmul, tf.constant): TensorFlow's op type, or name=."""
        if not self.graph_mode:
            return
        given = keywords.get("name") if keywords else None
        if type(value) is Node:
            if value.op is VARIABLE:
                base = "Variable"
            elif value.op is PLACEHOLDER:
                base = "Placeholder"
            else:
                base = function_name(value.op.name)
            self.name_tf_op(value, base, given)
        elif isinstance(value, ListValue) and spelling not in ("gradients", "hessians"):
            for item in value.items:  # unstack, split: one op, outputs :0, :1, ... (approximated as one name each)
                if type(item) is Node:
                    self.name_tf_op(item, function_name(item.op.name), given)

    def tf_name(self, node: Node) -> str:
        name = self.tf_names.get(node.id)
        if name is None:  # made inside a composite spelling or a gradient: named when first shown
            base = "Variable" if node.op is VARIABLE else "Placeholder" if node.op is PLACEHOLDER else function_name(node.op.name)
            name = self.tf_names[node.id] = self.unique_tf_name(base)
        return name

    # ----- gradients -----

    def name_gradients(self, ys, xs, results, grad_ys=None, scope="gradients") -> None:
        """tf.gradients' results, named as TensorFlow 1 names them (see the module doc)."""
        if not self.graph_mode:
            return
        scope = self.unique_tf_name(scope)
        sources = [x for x in xs if isinstance(x, Node)]
        if not sources:
            return
        floor = min(x.id for x in sources)
        seen, stack = set(), [y for y in ys if isinstance(y, Node)]
        while stack:  # the ys' ancestors no older than the oldest x (creation order is topological)
            n = stack.pop()
            if n in seen or n.id < floor:
                continue
            seen.add(n)
            stack.extend(n.inputs)
        on_path = set(sources)
        consumers: dict = {}
        for n in sorted(seen, key=lambda n: n.id):
            if n in on_path:
                continue
            for k, i in enumerate(n.inputs):
                if i in on_path:
                    consumers.setdefault(i, []).append((n, k))
            if any(i in on_path for i in n.inputs):
                on_path.add(n)
        # every tensor reached through several ops gets its gradients summed by an AddN, made
        # as the loop walks back from the ys (newest first)
        addn = {}
        for n in sorted((n for n, c in consumers.items() if len(c) > 1), key=lambda n: -n.id):
            addn[n] = "AddN" if not addn else f"AddN_{len(addn)}"
        seeds = list(grad_ys or [])
        for x, r in zip(xs, results):
            if type(r) is not Node or r.id in self.tf_names:
                continue
            edges = consumers.get(x, [])
            if len(edges) > 1:
                name = f"{scope}/{addn[x]}"
            elif edges:
                consumer, k = edges[0]
                op = consumer.op.name
                grad_op = ("Reshape" if k == 0 else "Reshape_1") if op in _BROADCASTING else ("MatMul" if k == 0 else "MatMul_1") if op == "matmul" else _GRAD_OPS.get(op) or function_name(r.op.name)
                name = f"{scope}/{self.tf_name(consumer)}_grad/{grad_op}"
            elif x in ys and len(seeds) > list(ys).index(x) and isinstance(seeds[list(ys).index(x)], Node):
                name = self.tf_name(seeds[list(ys).index(x)])
            else:
                name = f"{scope}/Fill"  # d y/d y: the default grad_ys, ones
            self.tf_names[r.id] = name

    # ----- what print() shows -----

    def symbolic_values(self, values: list) -> list:
        """print()'s arguments in graph code: each tensor as TensorFlow's str() (top level) or
        repr() (inside a list, tuple or dict, as Python prints containers)."""
        return [self.symbolic(v, top=True) for v in values]

    def symbolic(self, value, top=False):
        if isinstance(value, Node):
            if is_python_value(value):
                return value
            return self.tensor_text(value, top)
        if isinstance(value, ListValue):
            if value.numeric or not any(isinstance(v, (Node, ListValue, list, tuple, dict, UpdateOp)) for v in value.items):
                return value
            items = [self.symbolic(v) for v in value.items]
            return tuple(items) if value.kind == "tuple" else items
        if isinstance(value, (list, tuple)):
            out = [self.symbolic(v) for v in value]
            return tuple(out) if isinstance(value, tuple) else out
        if isinstance(value, dict):
            return {k: self.symbolic(v) for k, v in value.items()}
        if isinstance(value, UpdateOp):  # printed, not run: TensorFlow 1's assign returns the variable's ref tensor
            var = value.variable
            text = f'Tensor("{value.tf_name}:0", shape={shape_text(var.shape)}, dtype={var.dtype.name}_ref)' if top else f"<tf.Tensor '{value.tf_name}:0' shape={shape_text(var.shape)} dtype={var.dtype.name}_ref>"
            return Symbolic(text, var.dtype.name, var.shape)
        return value

    def tensor_text(self, node: Node, top: bool) -> Symbolic:
        name = self.tf_name(node) + ":0"
        dtype = node.dtype.name
        if node.weak:  # a weak tensor shows the dtype it stands for: the default float, int32
            dtype = self.graph.float_dtype.name if node.dtype.kind == "f" else "int32" if node.dtype.kind in "iu" else dtype
        shape = node.shape
        if node.op is VARIABLE:  # TensorFlow 1's variables are reference tensors: str and repr alike
            return Symbolic(f"<tf.Variable '{name}' shape={shape_text(shape)} dtype={dtype}_ref>", dtype, shape)
        if top:
            shape_part = f", shape={shape_text(shape)}" if shape is not None else ""
            return Symbolic(f'Tensor("{name}"{shape_part}, dtype={dtype})', dtype, shape)
        return Symbolic(f"<tf.Tensor '{name}' shape={shape_text(shape)} dtype={dtype}>", dtype, shape)
