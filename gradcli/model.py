"""The Python API: load a model, evaluate it at feeds, ask for gradients.

What the commands call, and what notebooks and graders use directly:

    model = gradcli.load("samples/linear.grad")
    out = model.eval(feeds={"X": [[2], [3]], "Y": [[3], [2]]})
    dW, db = model.gradients("cost", ["W", "b"], feeds=...)
"""
from __future__ import annotations

import functools
import os
import stat

import numpy as np

from .engine.evaluate import evaluate, first_non_finite, needed_nodes
from .engine.gradients import Unconnected, gradients as build_gradients, seed_node
from .learn.claims import compare_sides
from .engine.graph import Node
from .engine.dtypes import dtype_name, shape_str
from .language.parse import parse
from .language.executor import resolve
from .language.program import Claim, Derivative, ListValue, Resolved
from .errors import Diagnostic, GradcliError, fail
from .source import Source, shorten

DEFAULT_MAX_ELEMENTS = 100_000_000
MAX_FILE_BYTES = 256 * 1024 * 1024  # the largest model or feed file read (README: limits)


def load(path, dtype: str | None = None, max_elements: int = DEFAULT_MAX_ELEMENTS, feeds: dict | None = None, seed: int = 0) -> "Model":
    """Read and build a .grad file ("-" is not special here; pass text to loads).

    feeds (name -> value) feed the runs a pasted script makes itself while it is built
    (a sess.run, a print), as --feed does; eval and gradients take their own feeds."""
    data = read_limited(path, "E0002", help=["check the path"])
    return loads_bytes(data, str(path), dtype, max_elements, feeds, seed)


def open_limited(path, code: str, help=(), what: str = "{}"):
    """`path` opened for reading as bytes, with its size (None for a pipe), when it is
    a regular file no larger than MAX_FILE_BYTES or a FIFO. A device (/dev/zero,
    /dev/urandom, a symlink to /dev/null), a directory or a socket is refused before
    anything is read, and so is a (perhaps sparse) file over the limit."""
    shown = what.format(shorten(str(path)))
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise fail(code, f"cannot read {shown}: it is a directory", help=list(help))
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
            raise fail(code, f"cannot read {shown}: not a regular file", help=["give a file, a pipe, or - for stdin"])
        if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FILE_BYTES:
            raise too_large(code, shown)
        return open(path, "rb"), (info.st_size if stat.S_ISREG(info.st_mode) else None)
    except OSError as e:
        raise fail(code, f"cannot read {shown}: {e.strerror or e}", help=list(help)) from None


def read_limited(path, code: str, help=(), what: str = "{}") -> bytes:
    """The bytes of a file (see open_limited), at most MAX_FILE_BYTES of them; `what`
    says what the file is in messages ("feed file '{}'")."""
    stream, _ = open_limited(path, code, help, what)
    with stream:
        return read_stream_limited(stream, code, what.format(shorten(str(path))))


def read_stream_limited(stream, code: str, name: str) -> bytes:
    """At most MAX_FILE_BYTES from a binary stream (a pipe, stdin); more is "file too large"."""
    try:
        data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise fail(code, f"cannot read {name}: {e.strerror or e}") from None
    if len(data) > MAX_FILE_BYTES:
        raise too_large(code, name)
    return data


def too_large(code: str, shown: str):
    return fail(code, f"cannot read {shown}: file too large (the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB)", help=["gradcli reads models and feed files of up to 256 MB"])


def loads(text: str, name: str = "<string>", dtype: str | None = None, max_elements: int = DEFAULT_MAX_ELEMENTS, feeds: dict | None = None, seed: int = 0) -> "Model":
    """Build a model from .grad source text (feeds: as for load)."""
    return Model(Source(name, text), dtype, max_elements, feeds=feeds, seed=seed)


def loads_bytes(data: bytes, name: str, dtype: str | None = None, max_elements: int = DEFAULT_MAX_ELEMENTS, feeds: dict | None = None, seed: int = 0) -> "Model":
    from .language.parse import decode_source

    return Model(decode_source(data, name), dtype, max_elements, feeds=feeds, seed=seed)


class Entry:
    """One fetched name: a tensor, a list (one value per element) or a None gradient.

    The records of this module are plain classes, not dataclasses: it loads on every
    run, and a dataclass is compiled as its module loads (gradcli.source.Span).
    """

    __slots__ = ("name", "kind", "value", "dtype", "derivative", "reason")

    def __init__(self, name: str, kind: str, value: object, dtype: object, derivative: object = None, reason: object = None):
        self.name = name
        self.kind = kind  # "tensor" or "list"
        self.value = value  # ndarray, None, or a list of ndarray/None
        self.dtype = dtype  # np.dtype, None, or a list
        self.derivative = derivative  # Derivative, or a list of them (None where not a gradient)
        self.reason = reason  # why a None gradient is None (a list for lists)

    def __repr__(self):
        return f"Entry(name={self.name!r}, kind={self.kind!r}, value={self.value!r}, dtype={self.dtype!r}, derivative={self.derivative!r}, reason={self.reason!r})"


class ClaimResult:
    __slots__ = ("claim", "lhs", "rhs", "max_abs_err", "ok", "missing", "reason")

    def __init__(self, claim: Claim, lhs: np.ndarray | None, rhs: np.ndarray | None, max_abs_err: float | None, ok: bool | None, missing: list | None = None, reason: str = ""):
        self.claim = claim
        self.lhs = lhs
        self.rhs = rhs
        self.max_abs_err = max_abs_err
        self.ok = ok  # None: not checked (an input was not fed, or both sides are not finite)
        self.missing = [] if missing is None else missing
        self.reason = reason  # why it fails (shapes differ) or was not checked (both sides NaN)

    def __repr__(self):
        return f"ClaimResult(claim={self.claim!r}, lhs={self.lhs!r}, rhs={self.rhs!r}, max_abs_err={self.max_abs_err!r}, ok={self.ok!r}, missing={self.missing!r}, reason={self.reason!r})"


class RunResult:
    __slots__ = ("entries", "claims", "warnings", "nodes_evaluated")

    def __init__(self, entries: list[Entry], claims: list[ClaimResult], warnings: list[Diagnostic], nodes_evaluated: int = 0):
        self.entries = entries
        self.claims = claims
        self.warnings = warnings
        self.nodes_evaluated = nodes_evaluated

    def __repr__(self):
        return f"RunResult(entries={self.entries!r}, claims={self.claims!r}, warnings={self.warnings!r}, nodes_evaluated={self.nodes_evaluated!r})"


def _located(method):
    """Errors found while running a model point into its source (feeds' own errors keep theirs)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except GradcliError as error:
            for d in error.diagnostics:
                if d.source is None and d.span is not None:
                    d.source = self.source
            raise

    return wrapper


class Model:
    """A built .grad program: its graph, names, claims and gradient calls."""

    def __init__(self, source: Source, dtype: str | None = None, max_elements: int = DEFAULT_MAX_ELEMENTS, expression: bool = False, feeds: dict | None = None, seed: int = 0):
        self.source = source
        self.max_elements = max_elements
        self.program = parse(source)
        self.expression = bool(expression)
        if expression:
            self.program = _expression_program(self.program, expression if isinstance(expression, dict) else {})
            dtype = dtype or "float64"
        self._asked_dtype = dtype
        self._fed_now = {}
        self._ran_with = (None, 0)
        self.resolved: Resolved = resolve(self.program, dtype, max_elements, feeds, seed)
        self._ran_with = (_feeds_key(feeds) if self.resolved.evaluated else None, seed)
        self.dtype = self.resolved.graph.float_dtype

    def rerun(self, feeds, seed=0) -> bool:
        """Run the script again when it evaluated tensors itself (sess.run, print) and the feeds changed."""
        if not self.resolved.evaluated:
            return False
        key = (_feeds_key(feeds), seed)
        if key == self._ran_with:
            return False
        self.resolved = resolve(self.program, self._asked_dtype, self.max_elements, feeds, seed)
        self._ran_with = key
        return True

    @property
    def graph(self):
        return self.resolved.graph

    @property
    def outputs(self) -> list:
        """What the script printed or echoed, in order (language.program.Output records;
        render.outputs lays them out as text or JSON)."""
        return list(getattr(self.resolved, "outputs", []))

    @property
    def warnings(self) -> list[Diagnostic]:
        return list(self.resolved.warnings)

    @property
    def inputs(self) -> dict[str, Node]:
        """Placeholders and variables by name: what can be fed."""
        return dict(self.resolved.inputs)

    def fetch_names(self, fetch=None) -> list[str]:
        if fetch:
            for name in fetch:
                self._value(name)
            return list(fetch)
        if self.resolved.fetches:
            return list(dict.fromkeys(name for name, _ in self.resolved.fetches))  # once each, in order
        # a name bound to a dtype or a string (dt = float32) is not a value to show
        bindings = self.resolved.bindings
        names = [n for n in self.resolved.shown if isinstance(bindings.get(n), (Node, ListValue, Unconnected)) or _tensor_dict(bindings.get(n))]
        return names

    # ----- feeds -----

    @_located
    def feed_dict(self, feeds: dict | None) -> dict[Node, np.ndarray]:
        """Feeds by name -> by node, converted to the declared dtype and checked against the declared shape."""
        out = {}
        for name, value in (feeds or {}).items():
            node = self._input(name)
            out[node] = convert_feed(name, value, node, self.source, self.max_elements)
        return out

    def _input(self, name: str) -> Node:
        if name in self.resolved.inputs:
            return self.resolved.inputs[name]
        choices = list(self.resolved.inputs)
        from difflib import get_close_matches  # here: only a misspelt name needs it
        close = get_close_matches(name, choices, n=1, cutoff=0.5)
        if name in self.resolved.bindings:
            message = f"'{name}' is not a placeholder or variable, so it cannot be fed"
        else:
            message = f"no placeholder or variable named '{name}'"
        help_ = [f"did you mean '{close[0]}'?"] if close else ([f"inputs of this model: {', '.join(choices)}"] if choices else ["this model has no placeholders or variables"])
        raise fail("E0404", message, help=help_)

    # ----- evaluation -----

    @_located
    def run(self, feeds: dict | None = None, fetch=None, seed: int = 0, claims: bool = True) -> RunResult:
        """Evaluate the fetched names (and the expect claims whose inputs are fed)."""
        self.rerun(feeds, seed)
        fed = self.feed_dict(feeds)
        self._fed_now = fed
        names = self.fetch_names(fetch)
        values_of = {name: self._value(name) for name in names}
        unfed = {}
        if (self.resolved.evaluated or self.resolved.outputs) and not fetch:
            # a script that ran its own sessions (or printed, as graph code prints a tensor's
            # description): a name whose placeholders it fed only in its feed_dict, or never,
            # is shown with its type, not evaluated
            for name in names:
                missing = _missing_inputs(_nodes_in(values_of[name]), fed)
                if missing:
                    unfed[name] = missing
        wanted = []
        for name, value in values_of.items():
            if name not in unfed:
                wanted.extend(_nodes_in(value))
        evaluable_claims = []
        claim_results = []
        if claims:
            for claim in self.resolved.claims:
                missing = _missing_inputs([claim.lhs, claim.rhs], fed)
                if missing:
                    claim_results.append(ClaimResult(claim, None, None, None, None, missing))
                else:
                    evaluable_claims.append(claim)
                    wanted += [claim.lhs, claim.rhs]
        values = evaluate(wanted, fed, seed, self.max_elements, keep="fetches")
        entries = [self._entry(name, values_of[name], values) if name not in unfed else self._unfed_entry(name, values_of[name], unfed[name]) for name in names]
        for claim in evaluable_claims:
            lhs, rhs = self.present(claim.lhs, values[claim.lhs]), self.present(claim.rhs, values[claim.rhs])
            c = compare_sides(claim, lhs, rhs)
            claim_results.append(ClaimResult(claim, lhs, rhs, c.err, c.ok, reason=c.reason))
        claim_results.sort(key=lambda c: c.claim.span.start)
        warnings = self.resolved.warnings + self._non_finite(wanted, fed, values, seed)
        return RunResult(entries, claim_results, warnings, values.evaluated)

    @_located
    def eval(self, feeds: dict | None = None, fetch=None, seed: int = 0) -> dict:
        """name -> ndarray, list (of ndarray or None), or None for a None gradient."""
        return {e.name: e.value for e in self.run(feeds, fetch, seed, claims=False).entries}

    @_located
    def gradients(self, ys, xs, feeds: dict | None = None, grad_ys=None, stop_gradients=None, unconnected_gradients: str = "none", seed: int = 0, **_compat):
        """tf.gradients by name: ys and xs are names (or lists of names); one value per x (None if unconnected).

        grad_ys is one seed per y (None for ones), as in TensorFlow; the other
        tf.gradients keywords (name, gate_gradients, ...) are accepted and ignored.
        """
        ys = [ys] if isinstance(ys, str) else list(ys)
        xs = [xs] if isinstance(xs, str) else list(xs)
        if grad_ys is not None and not isinstance(grad_ys, (list, tuple)):
            grad_ys = [grad_ys]
        request = self.gradient_request(ys, xs, grad_ys, stop_gradients or (), unconnected_gradients)
        nodes = [r for r in request.results if isinstance(r, Node)]
        values = evaluate(nodes, self.feed_dict(feeds), seed, self.max_elements, keep="fetches")
        return [self.present(r, values[r]) if isinstance(r, Node) else None for r in request.results]

    # ----- what `gradcli grad` asks -----

    def default_ys(self) -> list[str]:
        """Names bound by = to a tensor that is not a gradient result, in binding order;
        computed tensors first: a pasted script's `gw = sess.run(grad_W)` binds a NumPy
        constant, which no gradient can depend on (only a model of constants offers them)."""
        from .engine.registry import CONSTANT

        bindings = self.resolved.bindings
        names = [n for n in self.resolved.shown if isinstance(bindings.get(n), Node) and bindings[n] not in self.resolved.derivatives]
        computed = [n for n in names if bindings[n].op is not CONSTANT]
        return computed or names

    def default_xs(self) -> list[str]:
        """Every variable bound to a name, in declaration order (a pasted script's
        `[tf.Variable(...) for ...]` makes variables that no name can reach)."""
        from .engine.registry import VARIABLE

        bindings = self.resolved.bindings
        return [n for n, node in self.resolved.inputs.items() if node.op is VARIABLE and bindings.get(n) is node]

    @_located
    def gradient_request(self, ys, xs, seeds=None, stop=(), unconnected="none") -> "GradientRequest":
        """Build the gradient nodes of d(sum of ys)/d(each x), by name, once for any number of feeds.

        seeds: y name -> value (the command line's --grad-ys), or a list with one
        value or None per y (tf.gradients' grad_ys, where a y may appear twice).
        """
        y_nodes = [self._tensor(y) for y in ys]
        x_nodes = [self._tensor(x) for x in xs]
        grad_ys = None
        if isinstance(seeds, dict):
            seeds = [seeds.get(y) for y in ys]
        if seeds is not None and (len(seeds) != len(ys) or any(s is not None for s in seeds)):
            # a count that does not match is left for gradients() to report (E0501), not cut short here
            grad_ys = [None if s is None else seed_node(self.graph, s, y_nodes[i] if i < len(ys) else None, ys[i] if i < len(ys) else "?") for i, s in enumerate(seeds)]
        stop_nodes = [self._tensor(s) for s in stop]
        results = build_gradients(y_nodes, x_nodes, grad_ys, stop_nodes, unconnected)
        request = GradientRequest(list(ys), list(xs), y_nodes, x_nodes, results, stop_nodes, grad_ys)
        request.seeds, request.stop_names, request.unconnected = seeds, list(stop), unconnected
        return request

    @_located
    def run_gradients(self, request: "GradientRequest", feeds=None, seed: int = 0) -> "GradResult":
        if self.rerun(feeds, seed):
            request = self.gradient_request(request.ys, request.xs, request.seeds, request.stop_names, request.unconnected)
        fed = self.feed_dict(feeds)
        wanted = list(request.y_nodes) + [r for r in request.results if isinstance(r, Node)]
        values = evaluate(wanted, fed, seed, self.max_elements, keep="fetches")
        ys = {y: self.present(n, values[n]) for y, n in zip(request.ys, request.y_nodes)}
        grads, unconnected = {}, {}
        for x, r in zip(request.xs, request.results):
            if isinstance(r, Node):
                grads[x] = self.present(r, values[r])
            else:
                grads[x] = None
                unconnected[x] = r.reason
        warnings = self.resolved.warnings + self._non_finite(wanted, fed, values, seed)
        return GradResult(ys, grads, unconnected, warnings)

    def _non_finite(self, wanted, fed, values, seed=0) -> list[Diagnostic]:
        """W0601 at the first op that made a NaN or infinity, when a result has one.

        The run kept only its results, so the provenance comes from a second
        pass that keeps every value (paid only when a result is not finite).
        """
        if all(values[n].dtype.kind != "f" or np.isfinite(values[n]).all() for n in wanted if n in values):
            return []
        try:
            values = evaluate(wanted, fed, seed, self.max_elements)
        except GradcliError:  # too large to hold every value at once: no provenance
            return []
        found = first_non_finite(needed_nodes(wanted, fed), values)
        if found is None:
            return []
        d = found.diagnostic()
        d.source = self.source
        return [d]

    @_located
    def formulas(self, request: "GradientRequest", feeds: dict | None = None) -> dict[str, str]:
        """Each connected gradient as a .grad expression over the model's names (None: no formula)."""
        return {x: r.text for x, r in self.formula_results(request, feeds).items()}

    @_located
    def formula_results(self, request: "GradientRequest", feeds: dict | None = None) -> dict:
        """Each connected gradient's formula, its LaTeX, or why there is none (learn.formula.FormulaResult).

        The formulas hold at every feed; the shapes fed only keep apart two unknown
        dimensions the run showed different (y fed with one row, X with two)."""
        from .learn.latex import formula_result

        # a name stands for the tensor it is bound to at the end of the script: an
        # intermediate whose name was rebound later (v = sin(v), again) is written out
        names = {}
        for name, value in self.resolved.bindings.items():
            if isinstance(value, Node) and not (self.expression and name == "expr"):
                names.setdefault(value, name)
        fed = {}
        for name, value in (feeds or {}).items():
            node = self.resolved.inputs.get(name)
            if node is not None:
                fed[node] = np.shape(value)
        return {x: formula_result(r, names, fed) for x, r in zip(request.xs, request.results) if isinstance(r, Node)}

    @_located
    def why_none(self, y, x, stop_gradients=None) -> str | None:
        """Why the gradient of y with respect to x is None, in words; None when it is not."""
        (g,) = self.gradient_request([y], [x], stop=stop_gradients or ()).results
        return g.reason if isinstance(g, Unconnected) else None

    def check(self, **options):
        """What `gradcli check` prints: see gradcli.learn.check.check_model."""
        from .learn.check import check_model

        return check_model(self, **options)

    # ----- helpers -----

    def _value(self, name: str):
        if name in self.resolved.bindings:
            return self.resolved.bindings[name]
        from difflib import get_close_matches  # here: only a misspelt name needs it
        close = get_close_matches(name, list(self.resolved.bindings), n=1, cutoff=0.5)
        raise fail("E0201", f"unknown name '{name}'", help=[f"did you mean '{close[0]}'?"] if close else ["`fetch` and --fetch take names bound in the model"])

    def _tensor(self, name) -> Node:
        value = self._value(name)
        if not isinstance(value, Node):
            raise fail("E0505", f"'{name}' is not a tensor", help=["ys, xs and stop_gradients name tensors"])
        return value

    def present(self, node: Node, value: np.ndarray) -> np.ndarray:
        """A value as the user sees it: a weak literal takes int32 or the default float."""
        if node.weak:
            if value.dtype.kind == "f" and value.dtype != self.dtype:
                return value.astype(self.dtype)
            # int32, as TensorFlow converts a Python int, unless the value needs int64 (as TF does too)
            if value.dtype.kind in "iu" and value.dtype != np.int32:
                info = np.iinfo(np.int32)
                if value.size == 0 or (value.min() >= info.min and value.max() <= info.max):
                    return value.astype(np.int32)
        return value

    def _unfed_entry(self, name, value, missing) -> Entry:
        reason = f"not evaluated: needs {', '.join(missing)} (fed only inside the script)"
        if isinstance(value, Node):
            return Entry(name, "tensor", None, value.dtype, None, reason)
        items = value.items if isinstance(value, ListValue) else list(value.values())
        return Entry(name, "list", [None] * len(items), [getattr(v, "dtype", None) for v in items], [None] * len(items), [reason] * len(items))

    def _entry(self, name: str, value, values) -> Entry:
        derivatives = self.resolved.derivatives
        if _tensor_dict(value):
            vals = {k: self.present(v, values[v]) if isinstance(v, Node) else None for k, v in value.items()}
            return Entry(name, "dict", vals, {k: v.dtype if v is not None else None for k, v in vals.items()},
                         {k: derivatives.get(v) for k, v in value.items()},
                         {k: v.reason if isinstance(v, Unconnected) else None for k, v in value.items()})
        if isinstance(value, ListValue):
            items = value.items
            vals = [self.present(v, values[v]) if isinstance(v, Node) else None for v in items]
            return Entry(
                name,
                "list",
                vals,
                [v.dtype if v is not None else None for v in vals],
                [derivatives.get(v) for v in items],
                [v.reason if isinstance(v, Unconnected) else None for v in items],
            )
        if isinstance(value, Unconnected):
            return Entry(name, "tensor", None, None, derivatives.get(value), value.reason)
        if isinstance(value, Node):
            v = self.present(value, values[value])
            return Entry(name, "tensor", v, v.dtype, derivatives.get(value))
        raise fail("E0209", f"'{name}' is not a tensor and cannot be shown", self.resolved.binding_spans.get(name), help=["fetch names bound to tensors or lists"])


class GradientRequest:
    __slots__ = ("ys", "xs", "y_nodes", "x_nodes", "results", "stop", "grad_ys", "seeds", "stop_names", "unconnected")

    def __init__(self, ys: list[str], xs: list[str], y_nodes: list[Node], x_nodes: list[Node], results: list, stop: list[Node], grad_ys: list | None,
                 seeds: object = None, stop_names: list | None = None, unconnected: str = "none"):
        self.ys = ys
        self.xs = xs
        self.y_nodes = y_nodes
        self.x_nodes = x_nodes
        self.results = results  # Node or Unconnected per x
        self.stop = stop
        self.grad_ys = grad_ys
        self.seeds = seeds  # as asked, to build the request again after a rerun
        self.stop_names = [] if stop_names is None else stop_names
        self.unconnected = unconnected

    def __repr__(self):
        return "GradientRequest(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__) + ")"

    def derivative(self, x: str) -> Derivative:
        return Derivative(list(self.ys), x)


class GradResult:
    __slots__ = ("values", "gradients", "unconnected", "warnings")

    def __init__(self, values: dict, gradients: dict, unconnected: dict, warnings: list):
        self.values = values  # y name -> ndarray
        self.gradients = gradients  # x name -> ndarray or None
        self.unconnected = unconnected  # x name -> reason
        self.warnings = warnings

    def __repr__(self):
        return f"GradResult(values={self.values!r}, gradients={self.gradients!r}, unconnected={self.unconnected!r}, warnings={self.warnings!r})"


def _feeds_key(feeds):
    import json

    try:
        return json.dumps(feeds or {}, sort_keys=True, default=lambda v: np.asarray(v).tolist())
    except (TypeError, ValueError, RecursionError):
        return object()  # never equal: run again


def _nodes_in(value):
    if isinstance(value, Node):
        return [value]
    if isinstance(value, ListValue):
        return [v for v in value.items if isinstance(v, Node)]
    if _tensor_dict(value):
        return [v for v in value.values() if isinstance(v, Node)]
    return []


def _tensor_dict(value) -> bool:
    """A dict of tensors by string key (tape.gradient of a dict of sources)."""
    return isinstance(value, dict) and bool(value) and all(isinstance(k, str) and isinstance(v, (Node, Unconnected)) for k, v in value.items())


def _missing_inputs(nodes, fed) -> list[str]:
    from .engine.registry import PLACEHOLDER

    return [n.name for n in needed_nodes(nodes, fed) if n.op is PLACEHOLDER and not n.inputs and n not in fed]


def convert_feed(name: str, value, node: Node, source: Source | None = None, max_elements: int | None = None) -> np.ndarray:
    """A fed value as the declared dtype and (checked) shape; errors point at the declaration.

    Nothing wraps: an integer outside the declared dtype's range is an error (E0407),
    as is a value with more elements than `max_elements` (E0408)."""
    shown = shorten(name)

    def error(message, **kw):
        return fail("E0403" if "dtype" in kw.pop("kind", "") else "E0402", message, node.span, source=source, label=f"declared here as {dtype_name(node.dtype)}{shape_str(node.shape) if node.shape is not None else ''}", **kw)

    def not_numbers():
        return fail("E0406", f"the value for '{shown}' is not a rectangular array of numbers", node.span, source=source)

    try:
        array = np.asarray(value)
        if array.dtype == object:  # Python ints too large for int64/uint64: compare them as floats
            array = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise not_numbers() from None
    if array.dtype.kind not in "biuf":
        raise not_numbers()
    if max_elements is not None and array.size > max_elements:
        raise fail("E0408", f"the value for '{shown}' has {array.size:,} elements, over the limit of {max_elements:,}", node.span, source=source, help=["raise the limit with --max-elements if you mean it"])
    target = node.dtype
    if target.kind in "iu" and array.dtype.kind == "f":
        if np.isnan(array).any() or np.any(np.mod(array[np.isfinite(array)], 1) != 0):
            raise error(f"'{shown}' is {dtype_name(target)}, but the value fed is not a whole number", kind="dtype", help=[f"feed whole numbers, or declare {shown} as float"])
    if target.kind in "iu" and array.dtype.kind in "iuf" and array.size:
        _check_range(shown, array, target, node, source)
    if target == np.bool_ and array.dtype != np.bool_:
        if not np.isin(array, (0, 1)).all():
            raise error(f"'{shown}' is bool; feed true/false or 0/1", kind="dtype")
    with np.errstate(all="ignore"):
        converted = array.astype(target, copy=False)  # a fed .npy of the right dtype is used as it is
    if node.shape is not None:
        declared = tuple(node.shape)
        if len(declared) != converted.ndim or any(d is not None and d != a for d, a in zip(declared, converted.shape)):
            raise error(f"'{shown}' is declared with shape {shape_str(declared)}, but the value fed has shape {shape_str(converted.shape)}", help=[f"feed a value of shape {shape_str(declared)}"])
    return converted


def _check_range(shown: str, array: np.ndarray, target: np.dtype, node: Node, source) -> None:
    """E0407 when a value lies outside the integer dtype's range (NumPy would wrap it)."""
    info = np.iinfo(target)
    lo, hi = array.min(), array.max()
    if array.dtype.kind == "f":
        # info.min and info.max + 1 are powers of two, exact as floats; max itself is not
        outside = [v for v in (lo, hi) if float(v) < float(info.min) or float(v) >= float(info.max + 1)]
    else:
        outside = [v for v in (lo, hi) if int(v) < info.min or int(v) > info.max]
    if outside:
        bad = outside[0]
        bad_text = format(int(bad)) if array.dtype.kind in "iu" else repr(float(bad))
        raise fail(
            "E0407",
            f"'{shown}' is {dtype_name(target)}, whose range is {info.min} to {info.max}, but the value fed holds {shorten(bad_text)}",
            node.span,
            source=source,
            label=f"declared here as {dtype_name(target)}{shape_str(node.shape) if node.shape is not None else ''}",
            help=["feed a value inside the range, or declare " + ("a wider dtype (int64) or a float" if info.bits < 64 else "it as a float")],
        )


def expression_model(text: str, dtype: str = "float64", max_elements: int = DEFAULT_MAX_ELEMENTS, shapes: dict | None = None) -> Model:
    """`-e EXPR`: one expression bound to `expr`; its free names become float placeholders,
    of any shape, or of the shape given in `shapes` (name -> shape of the value to be fed)."""
    return Model(Source("<expr>", text), dtype, max_elements, expression=shapes or True)


def _expression_program(program, shapes: dict):
    """Wrap a lone expression as `placeholder n` for each free name, then `expr = EXPR`."""
    from .language import ast as A
    from .language.spellings import predefined

    statements = program.statements
    if len(statements) != 1 or not isinstance(statements[0], A.ExprStatement):
        span = statements[1].span if len(statements) > 1 else (statements[0].span if statements else None)
        raise fail("E0006", "-e takes one expression", span, source=program.source, help=["e.g. -e 'x**2 + x - 1'; write a .grad file for statements"])
    expr = statements[0].expr
    free, seen = [], set()
    stack = [expr]
    while stack:  # explicit stack: no recursion over the expression's depth
        node = stack.pop()
        if isinstance(node, A.Name):
            if node.id not in seen and "." not in node.id and predefined(node.id) is None:
                seen.add(node.id)
                free.append(node)
            continue
        if isinstance(node, A.Call):
            stack.extend(reversed([*node.args, *(k.value for k in node.kwargs)]))
        elif isinstance(node, (A.BinOp, A.Compare)):
            stack.extend((node.right, node.left))
        elif isinstance(node, A.ChainedCompare):
            stack.extend(reversed(node.links))
        elif isinstance(node, A.UnaryOp):
            stack.append(node.operand)
        elif isinstance(node, A.ListExpr):
            stack.extend(reversed(node.items))
        elif isinstance(node, A.Index):
            for item in reversed(node.items):
                if isinstance(item, A.Slice):
                    stack.extend(e for e in (item.step, item.stop, item.start) if e is not None)
                elif item is not None:
                    stack.append(item)
            stack.append(node.value)
    free.sort(key=lambda n: n.span.start)
    decls = [A.PlaceholderDecl(n, _fed_type(n, shapes.get(n.id)), None, n.span) for n in free]
    target = A.Name("expr", expr.span)
    return A.Program(decls + [A.Assign((target,), expr, False, expr.span)], program.source)


def _fed_type(name, shape):
    """`float[2, 3]` for a name fed with that shape (None: any shape)."""
    from .language import ast as A

    if shape is None:
        return None
    dims = tuple(A.Number(int(d), str(d), name.span) for d in shape)
    return A.TypeExpr(A.Name("float", name.span), dims, name.span)


def claim_model(expression: str, claims, wrt=None, dtype: str = "float64", max_elements: int = DEFAULT_MAX_ELEMENTS):
    """`check -e EXPR --claim [X=]CLAIM`: a model whose expects say d(EXPR)/dX == CLAIM.

    Returns (model, labels): labels[i] is how claim i reads (`∂expr/∂x == ...`).
    The expression and each claim are parsed alone first, so a syntax error
    points into the text the user typed; then one program is built from them.
    """
    import re

    base = expression_model(expression, dtype, max_elements)
    free = [name for name, node in base.resolved.inputs.items()]
    if not claims:
        raise fail("E0032", "check -e needs --claim", help=["e.g. gradcli check -e 'x**3' --claim '3*x**2'"])
    if not free:
        raise fail("E0032", "the expression has no free names, so there is no derivative to claim", help=["e.g. gradcli check -e 'x**3' --claim '3*x**2'"])
    explicit = list(wrt or [])
    for x in explicit:
        if x not in free:
            raise fail("E0032", f"--wrt {x}: the expression has no free name '{x}'", help=[f"its free names: {', '.join(free)}" if free else "the expression has no free names"])
    xs = explicit or free
    pairs = []
    for text in claims:
        m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)$", text, re.S)
        if m and m.group(1) in free:
            x, body = m.group(1), m.group(2)
        elif m and not re.match(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*\(", text):
            raise fail("E0032", f"--claim {m.group(1)}=...: the expression has no free name '{m.group(1)}'", help=[f"its free names: {', '.join(free)}" if free else "the expression has no free names"])
        elif len(xs) == 1:
            x, body = xs[0], text
        else:
            raise fail("E0032", f"--claim '{text}' does not say which derivative it is: the expression has {len(xs)} free names ({', '.join(xs)})", help=[f"write --claim {xs[0]}=EXPR, one per x"])
        if x not in xs:
            raise fail("E0032", f"--claim {x}=...: {x} is not in --wrt ({', '.join(xs)})")
        expression_model(body, dtype, max_elements)  # its own syntax errors, against its own text
        pairs.append((x, body.strip()))
    names = list(free)
    for _, body in pairs:
        names += [n for n in expression_model(body, dtype, max_elements).resolved.inputs if n not in names]
    lines = [f"placeholder {n}" for n in names] + [f"expr = ({expression})"]
    lines += [f"expect gradients(expr, {x})[0] == ({body})" for x, body in pairs]
    model = Model(Source("<expr>", "\n".join(lines) + "\n"), dtype, max_elements)
    labels = []
    for claim, (x, body) in zip(model.resolved.claims, pairs):
        claim.text = f"∂expr/∂{x} == {body}"
        claim.label = f"claim {len(labels) + 1}"  # the report's name for it: its line is of no file
        labels.append(claim.text)
    return model, labels
