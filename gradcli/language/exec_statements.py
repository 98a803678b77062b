"""Simple statements: assignments and their targets, expression statements and outputs, pass/break/return/del/assert."""
from __future__ import annotations

import numpy as np

from . import ast as A
from ..engine.graph import Node
from ..engine.registry import CONSTANT, VARIABLE
from ..errors import Diagnostic, fail
from .interpreter import Resolver
from .program import ListValue, Output
from .tf_runtime import BREAK, CONTINUE, BoundMethod, Builtin, Function, Initializer, Module, NoOpContext, Session, Signal, Tape, UpdateOp

_EFFECT_METHODS = frozenset({"assign", "assign_add", "assign_sub", "watch", "append", "extend", "insert", "update", "close", "run", "seed", "set_seed", "set_random_seed", "reset_default_graph", "enable_eager_execution", "disable_eager_execution", "disable_v2_behavior", "enable_v2_behavior", "print", "shuffle"})


class Statements:
    """A mixin of gradcli.language.executor.Interpreter (see this module's docstring)."""

    def stmt_gen(self, stmt):
        kind = type(stmt)
        if kind is A.Assign:
            return self.assign_gen(stmt)
        if kind is A.ExprStatement:
            return self.expr_stmt_gen(stmt)
        if kind is A.Block:
            return getattr(self, f"{stmt.kind}_gen")(stmt)
        if kind is A.AugAssign:
            return self.aug_gen(stmt)
        if kind is A.Simple:
            return self.simple_gen(stmt)
        return self.plain_gen(stmt)

    def plain_gen(self, stmt):
        kind = type(stmt)
        if kind is A.Import:
            self.import_stmt(stmt)
        elif kind is A.Unsupported:
            raise self.unsupported(stmt)
        elif kind is A.Expect and self.in_function:
            raise fail("E0207", "expect belongs at the top of the file, not in a function", stmt.span)
        else:
            self.statement_plain(stmt)
        return None
        yield  # a generator

    def statement_plain(self, stmt):
        Resolver.statement(self, stmt)

    def unsupported(self, node):
        what = {"class": "classes", "try": "try/except", "yield": "generators (yield)", "async": "async code", "await": "await", "raise": "raise", "global": "global", "nonlocal": "nonlocal"}.get(node.what, node.what)
        return fail("E0218", f"{what} {'are' if what.endswith('s') and what != 'raise' else 'is'} not supported in pasted code", node.span, label=f"'{node.what}' here", help=[node.help] if node.help else [])

    def assign_gen(self, stmt: A.Assign):
        value = stmt.value
        if isinstance(value, A.Call) and not stmt.unpack and len(stmt.targets) == 1 and not stmt.more and isinstance(value.func, A.Name) and self.scope is self.globals:
            short = self.call_spelling(value.func)
            if short == "Variable":
                self.tf_variable(stmt.targets[0], value)
            elif short == "placeholder":
                self.tf_placeholder(stmt.targets[0], value)
            if short in ("Variable", "placeholder"):
                given = next((k.value.value for k in value.kwargs if type(k) is A.Keyword and k.name == "name" and type(k.value) is A.String), None)
                self.name_tf_op(self.scope_get(stmt.targets[0].id), "Variable" if short == "Variable" else "Placeholder", given)
                return None
        result = yield self.eval_gen(value)
        for target in stmt.more:
            yield self.target_gen(target, result, stmt)
        if stmt.target is not None:
            yield self.target_gen(stmt.target, result, stmt)
        elif stmt.unpack:
            pieces = self.unpack(result, len(stmt.targets), stmt)
            for target, piece in zip(stmt.targets, pieces):
                self.bind(target, piece)
        else:
            self.bind(stmt.targets[0], result)
        return None

    def unpack(self, value, count, stmt):
        items = self.python_items(value)
        if items is not None:
            if len(items) != count:
                raise self.unpack_error(len(items), count, stmt, "a list of" if isinstance(value, (ListValue, list)) else "a tuple of" if isinstance(value, tuple) else "a value of")
            return items
        call = stmt.value
        if count == 2 and isinstance(call, A.Call) and isinstance(call.func, A.Name) and call.func.id.split(".")[-1] == "unique":
            # TensorFlow's `y, idx = tf.unique(x)`: say what differs, not that the shape is unknown
            raise fail("E0208", "gradcli's unique() returns only the unique values, not TensorFlow's (values, indices) pair", call.span,
                       label="the unique values", help=["write u = tf.unique(x): the indices are not computed"])
        return Resolver.unpack(self, value, count, stmt)

    def python_items(self, value):
        """The items of a Python sequence (a list, tuple, dict's keys, range, array rows), else None."""
        if isinstance(value, ListValue) and not value.numeric:
            return list(value.items)
        if isinstance(value, ListValue):
            return list(value.items)
        if isinstance(value, (list, tuple, range)):
            return list(value)
        if isinstance(value, dict):
            return list(value.keys())
        if isinstance(value, np.ndarray):
            if value.ndim == 0:
                raise fail("E0208", "cannot iterate over a 0-d array", None)
            return list(value)
        if isinstance(value, str):
            return list(value)
        return None

    def target_gen(self, target, value, stmt):
        """Assign to a name, an index, a starred name or a nested tuple, with an explicit stack."""
        work = [(target, value)]
        while work:
            t, v = work.pop()
            kind = type(t)
            if kind is A.Name and "." not in t.id:
                self.bind(t, v)
            elif kind is A.ListExpr:
                stars = [i for i, item in enumerate(t.items) if type(item) is A.Starred]
                if stars:
                    items = self.python_items(v)
                    if items is None:
                        items = list(self.unpack(v, len(t.items) - 1, stmt)) if False else self.tensor_rows(v, t.span)
                    i = stars[0]
                    after = len(t.items) - i - 1
                    if len(items) < len(t.items) - 1:
                        raise self.unpack_error(len(items), len(t.items) - 1, stmt, "a list of")
                    head, middle, tail = items[:i], items[i:len(items) - after], items[len(items) - after:]
                    parts = head + [ListValue(list(middle), t.span)] + tail
                    for item, piece in zip(t.items, parts):
                        work.append((item.value if type(item) is A.Starred else item, piece))
                else:
                    pieces = self.unpack(v, len(t.items), _Fake(t, stmt))
                    for item, piece in zip(reversed(t.items), reversed(list(pieces))):
                        work.append((item, piece))
            elif kind is A.Index:
                container = yield self.eval_gen(t.value)
                keys = []
                for item in t.items:
                    if isinstance(item, A.Slice):
                        raise fail("E0113", "cannot assign to a slice", t.span, help=["build a new list or tensor instead"])
                    keys.append((yield self.eval_gen(item)))
                key = keys[0] if len(keys) == 1 else tuple(keys)
                self.set_item(container, key, v, t.span)
            else:
                raise fail("E0113", f"cannot assign to {_what(t)}", t.span, label="not a name", help=["the left side of '=' is a name, or names separated by commas"])
        return None

    def set_item(self, container, key, value, span):
        if isinstance(container, dict):
            container[self.hashable(key, span)] = value
            return
        if isinstance(container, ListValue):
            if not isinstance(key, int):
                key = self.python_int(key, span)
            try:
                container.items[key] = value
            except IndexError:
                raise fail("E0309", f"index {key} is out of range for a list of {len(container.items)}", span) from None
            return
        if isinstance(container, np.ndarray):
            container[key] = self.python_value(value, span)
            return
        raise fail("E0113", "item assignment works on lists and dicts; tensors cannot be changed in place", span, help=["use tf.tensor_scatter_nd_update, or build a new tensor"])

    def tensor_rows(self, value, span):
        tensor = self.tensor(value, span)
        if not tensor.shape or tensor.shape[0] is None:
            raise fail("E0208", "cannot unpack a tensor whose first dimension is unknown", span)
        return self.graph.call("unstack", (tensor,), {"num": tensor.shape[0], "axis": 0}, span)

    def aug_gen(self, stmt: A.AugAssign):
        current = yield self.eval_gen(stmt.target)
        value = yield self.eval_gen(stmt.value)
        fake = A.BinOp(stmt.op, stmt.target, stmt.value, stmt.span, stmt.op_span)
        if isinstance(current, ListValue) and stmt.op == "+" and not current.numeric:
            current.items.extend(self.python_items(value) or [value])
            result = current
        else:
            result = self.binop(fake, current, value)
        yield self.target_gen(stmt.target, result, stmt)
        return None

    def expr_stmt_gen(self, stmt: A.ExprStatement):
        e = stmt.expr
        if isinstance(e, A.Call) and isinstance(e.func, A.Name):
            head = e.func.id.split(".")[0]
            value = self.scope_get(head)
            if isinstance(value, Module) and value.prefix is None:
                self.warn_once(("skip", value.name), Diagnostic("W0211", f"skipped: {value.name} is not a module gradcli runs", stmt.span, label="skipped", notes=[f"imported at line {value.span.line}"] if value.span else [], help=["gradcli shows values itself"]))
                return None
        value = yield self.eval_gen(e)
        if self.in_function or value is None:
            return None
        if isinstance(e, A.Call):
            name = e.func.id.split(".")[-1] if isinstance(e.func, A.Name) else (e.func.attr if isinstance(e.func, A.Attribute) else "")
            if name in _EFFECT_METHODS and (name != "run" or self.runs_an_effect(e)):
                return None
        if isinstance(value, (Function, Builtin, BoundMethod, Module, Session, Tape, NoOpContext)):
            return None
        self.output(stmt, [value])
        return None

    def runs_an_effect(self, call: A.Call) -> bool:
        """`sess.run(init)`, `sess.run(update)`, `op.run()`: run for their effect, not shown; a
        `sess.run(grad, {x: 1.0})` echoed at a REPL prompt shows its value, as IPython does."""
        if not call.args:
            return True
        return self.effect_fetch(call.args[0])

    def effect_fetch(self, fetch) -> bool:
        if isinstance(fetch, A.ListExpr):  # sess.run([init, update]): one level, as people write it
            return bool(fetch.items) and all(not isinstance(item, A.ListExpr) and self.effect_fetch(item) for item in fetch.items)
        if isinstance(fetch, A.Call):
            func = fetch.func
            name = func.id.split(".")[-1] if isinstance(func, A.Name) else (func.attr if isinstance(func, A.Attribute) else "")
            return name.startswith("assign") or name.endswith("initializer") or name.startswith("initialize_")
        if isinstance(fetch, A.Name):
            value = self.scope_get(fetch.id)
            items = self.python_items(value) if isinstance(value, (ListValue, list, tuple)) else [value]
            return bool(items) and all(isinstance(v, (Initializer, UpdateOp)) for v in items)
        return False

    def output(self, stmt, values):
        shown = [self.output_value(v, stmt.span) for v in values]
        line = stmt.span.line
        text = self.source.text.split("\n")[line - 1].strip() if self.source.text else ""
        if self.out_transcript:
            for prefix in (">>> ", "... "):
                text = text.removeprefix(prefix)
            import re

            text = re.sub(r"^In \[\d*\]: ?", "", text)
        self.out.outputs.append(Output(line, text, shown, stmt.span))

    def delete_name(self, target: A.Name) -> None:
        """`del x` (a tape, a session, any name): the name is unbound in the current scope."""
        scope = self.scope
        if target.id not in scope.vars:
            raise self.unknown_name(target)
        del scope.vars[target.id]
        if scope is self.globals and target.id in self.shown_set:
            self.shown_set.discard(target.id)
            self.out.shown.remove(target.id)

    def delete_item(self, container, keys, target: A.Index) -> None:
        """`del lst[i]`, `del lst[i:j]`, `del d[key]` on Python lists and dicts; what
        Python, NumPy and TensorFlow refuse is E0233."""
        if isinstance(container, dict):
            key = self.hashable(keys[0] if len(keys) == 1 else tuple(keys), target.span)
            if key not in container:
                raise fail("E0309", f"the key {key!r} is not in this dict", target.span)  # Python's KeyError
            del container[key]
            return
        if isinstance(container, ListValue) or type(container) is list:
            items = container.items if isinstance(container, ListValue) else container
            if len(keys) != 1:
                raise self.delete_refused(target, "an item of a list by several indices", "a list is indexed with one number or a slice")
            key = keys[0]
            if not isinstance(key, slice):
                key = self.python_int(key, target.span)
                if not -len(items) <= key < len(items):
                    raise fail("E0309", f"index {key} is out of range for a list of {len(items)}", target.span)  # Python's IndexError
            del items[key]
            return
        if isinstance(container, Node) and container.weak and container.op is CONSTANT and container.rank and type(target.value) is A.Name and target.value.id in self.scope.vars:
            # a list of numbers the script wrote (`l = [1, 2, 3]` is held as one literal tensor)
            items = container.attrs["value"].tolist()
            self.delete_item(items, keys, target)
            node = self.graph.constant(np.array(items, dtype=container.dtype).reshape((len(items),) + container.shape[1:]), weak=True, span=container.span)
            self.literals.add(node)
            self.assign_name(target.value.id, node, target.value.span, False)
            return
        if isinstance(container, Node):
            # TensorFlow 1's graph variables are RefVariables, eager ones ResourceVariables
            kind = ("RefVariable" if self.graph_mode else "ResourceVariable") if container.op is VARIABLE else ("Tensor" if self.graph_mode else "EagerTensor")
            raise self.delete_refused(target, "an element of a tensor", f"TensorFlow: '{kind}' object doesn't support item deletion",
                                      help="build a new tensor without it: tf.concat of slices, tf.boolean_mask or tf.gather")
        if isinstance(container, np.ndarray):
            raise self.delete_refused(target, "an element of a NumPy array", "NumPy: cannot delete array elements",
                                      help="build a new array without it: np.delete(a, index)")
        raise self.delete_refused(target, f"an item of {self.type_name(container)}", f"Python: {self.type_name(container)} does not support item deletion")

    def delete_refused(self, target, what, why, help="del a name (del tape), or an item of a list or dict (del d[key])"):
        return fail("E0233", f"cannot delete {what}", target.span, label="cannot be deleted", notes=[why], help=[help])

    def simple_gen(self, stmt: A.Simple):
        kind = stmt.kind
        if kind == "pass":
            return None
        if kind == "break" or kind == "continue":
            if not getattr(self, "loops", 0):
                raise fail("E0101", f"'{kind}' outside a loop", stmt.span, label="not in a loop")
            return BREAK if kind == "break" else CONTINUE
        if kind == "return":
            if not self.in_function:
                raise fail("E0101", "'return' outside a function", stmt.span, label="not in a function")
            value = None if stmt.value is None else (yield self.eval_gen(stmt.value))
            return Signal("return", value)
        if kind == "del":
            work = list(reversed(stmt.value))
            while work:  # left to right, as Python deletes a tuple of targets
                target = work.pop()
                if type(target) is A.ListExpr:
                    work.extend(reversed(target.items))
                elif type(target) is A.Index:
                    container = yield self.eval_gen(target.value)
                    keys = []
                    for item in target.items:
                        if isinstance(item, A.Slice):
                            bounds = []
                            for e in (item.start, item.stop, item.step):
                                bounds.append(None if e is None else self.python_int((yield self.eval_gen(e)), e.span))
                            keys.append(slice(*bounds))
                        else:
                            keys.append((yield self.eval_gen(item)))
                    self.delete_item(container, keys, target)
                elif type(target) is A.Attribute or "." in target.id:
                    raise self.delete_refused(target, "an attribute", "Python deletes no attribute of a tensor, a list or a dict")
                else:
                    self.delete_name(target)
            return None
        if kind == "assert":
            test = yield self.eval_gen(stmt.value)
            if not self.truth(test, stmt.value):
                message = ""
                if stmt.extra is not None:
                    message = self.python_str((yield self.eval_gen(stmt.extra)))
                raise fail("E0219", f"assertion failed{': ' + message if message else ''}", stmt.span, label="false here")
            return None
        raise AssertionError(kind)


class _Fake:
    """A stand-in statement for unpacking messages about a nested target."""

    def __init__(self, target, stmt):
        self.targets = target.items
        self.value = getattr(stmt, "value", stmt)
        self.span = getattr(stmt, "span", target.span)


def _what(node) -> str:
    return {A.Call: "the result of a call", A.Number: "a number", A.String: "a string", A.BinOp: "an arithmetic expression", A.Attribute: "an attribute", A.Name: "an attribute"}.get(type(node), "an expression")
