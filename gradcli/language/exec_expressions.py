"""Expressions: a generator on the explicit stack; conditions; the lazy forms (and/or, a if c else b, comprehensions, f-strings)."""
from __future__ import annotations

import numpy as np

from . import ast as A
from ..engine.gradients import Unconnected
from ..engine.graph import Node
from ..errors import GradcliError, fail
from .interpreter import Resolver, _children
from .program import ListValue
from .tf_runtime import Pending, drive, Function, Scope


class Expressions:
    """A mixin of gradcli.language.executor.Interpreter (see this module's docstring)."""

    def truth(self, value, expr) -> bool:
        if isinstance(value, (bool, int, float, str, np.generic)) or value is None:
            return bool(value)
        if isinstance(value, (list, tuple, dict, range)):
            return bool(value)
        if isinstance(value, ListValue):
            return bool(value.items)
        if isinstance(value, np.ndarray):
            if value.size != 1:
                raise fail("E0223", "the truth value of an array with more than one element is ambiguous", expr.span, help=["use .any() or .all()"])
            return bool(value)
        if isinstance(value, Node):
            array = self.value_now(value, expr.span, condition=True)
            if array.size != 1:
                raise fail("E0223", f"a condition on a tensor of shape {list(array.shape)} is ambiguous", expr.span, help=["reduce it first: tf.reduce_all(...) or tf.reduce_any(...)"])
            return bool(array.reshape(()))
        if isinstance(value, Unconnected):
            return False
        return True

    def expr(self, root):
        return drive(self.eval_gen(root))

    def eval_gen(self, root):
        values = []
        stack = [(root, None)]
        while stack:
            node, done = stack.pop()
            if done is not None:
                n = done
                if n:
                    args = values[-n:]
                    del values[-n:]
                else:
                    args = []
                result = self.combine(node, args)
                if type(result) is Pending:
                    result = yield result.gen
                values.append(result)
                continue
            kind = type(node)
            if kind is A.Number:
                values.append(node.value)
                continue
            if kind is A.Name:
                values.append(self.lookup(node))
                continue
            if kind in _LAZY:
                values.append((yield getattr(self, _LAZY[kind])(node)))
                continue
            kids = _kids(node)
            if not kids:
                result = self.leaf(node)
                if type(result) is Pending:
                    result = yield result.gen
                values.append(result)
                continue
            stack.append((node, len(kids)))
            stack.extend((k, None) for k in reversed(kids))
        return values[0]

    def leaf(self, node):
        kind = type(node)
        if kind is A.String:
            return node.value
        if kind is A.Bool:
            return node.value
        if kind is A.NoneLit:
            return None
        if kind is A.EllipsisLit:
            return Ellipsis
        if kind is A.Unsupported:
            raise self.unsupported(node)
        if kind is A.Lambda:
            return Function("<lambda>", node.params, {}, node.body, self.scope, True, node.span)
        if kind is A.DictExpr:
            return {}
        if kind in (A.Call, A.ListExpr, A.Index):
            return self.combine(node, [])
        return Resolver.leaf(self, node)

    def combine(self, node, args):
        kind = type(node)
        if kind is A.ListExpr:
            if node.kind == "set":
                return set(self.hashable(a, node.span) for a in args)
            args = self.unstarred(node.items, args)
            numeric = bool(args) and all(_is_number(a) or (isinstance(a, ListValue) and a.numeric) for a in args)
            depth = 1 + max((a.depth for a in args if isinstance(a, ListValue)), default=0)
            if depth > 32:
                raise fail("E0306", "lists nested more than 32 deep", node.span, help=["a tensor of that rank is not what you meant"])
            return ListValue(list(args), node.span, numeric=numeric, depth=depth, kind=node.kind)
        if kind is A.DictExpr:
            out = {}
            i = 0
            for key in node.keys:
                if key is None:
                    out.update(args[i])
                    i += 1
                else:
                    out[self.hashable(args[i], key.span)] = args[i + 1]
                    i += 2
            return out
        if kind is A.Attribute:
            return self.get_attr(args[0], node.attr, node.span)
        if kind is A.Starred:
            return args[0]
        if kind is A.Call:
            return self.call_value(node, args)
        if kind is A.Not:
            return not self.truth(args[0], node.operand)
        if kind is A.Index:
            return self.index_value(node, args)
        return Resolver.combine(self, node, args)  # operators and lists as in .grad

    # lazily evaluated forms: and/or, a if c else b, comprehensions, f-strings
    def boolop_gen(self, node: A.BoolOp):
        left = yield self.eval_gen(node.left)
        truth = self.truth(left, node.left)
        if node.op == "and" and not truth or node.op == "or" and truth:
            return left
        return (yield self.eval_gen(node.right))

    def chain_gen(self, node: A.ChainedCompare):
        """`a < b < c` as Python runs it: `(a < b) and (b < c)`, `b` evaluated once,
        stopping at the first false link (whose result is the value, as `and` gives)."""
        links = node.links
        left = yield self.eval_gen(links[0].left)
        result = None
        for i, link in enumerate(links):
            right = yield self.eval_gen(link.right)
            result = self.compare(link, left, right)
            if i + 1 < len(links) and not self.chain_truth(result, node, link):
                return result
            left = right
        return result

    def chain_truth(self, result, node, link) -> bool:
        """A link's truth, as `and` takes it; a tensor link says what the chain means."""
        if not isinstance(result, Node):
            return self.truth(result, link)
        try:
            return self.truth(result, link)
        except GradcliError as error:
            text = self.source.text[node.span.start:node.span.end] if self.source.text else ""
            parts = [self.source.text[k.span.start:k.span.end] for k in node.links] if text else []
            meaning = " and ".join(f"({p})" for p in parts)
            for d in error.diagnostics:
                d.notes = list(d.notes) + [f"Python runs the chained comparison {text} as {meaning}: 'and' needs a Python bool of {parts[0] if parts else 'the first comparison'}"]
                d.help = [f"for an elementwise test, write tf.logical_and({', '.join(parts)})" if len(parts) == 2 else "for an elementwise test, combine the comparisons with tf.logical_and"]
            raise

    def ifexp_gen(self, node: A.IfExp):
        cond = yield self.eval_gen(node.cond)
        return (yield self.eval_gen(node.body if self.truth(cond, node.cond) else node.orelse))

    def comprehension_gen(self, node: A.Comprehension):
        outer = self.scope
        self.scope = Scope({}, outer)
        results = []
        try:
            # nested generators as an explicit list of iterators
            gens = node.generators
            iterators = [None] * len(gens)
            first = yield self.eval_gen(gens[0][1])
            iterators[0] = iter(self.iterate(first, gens[0][1].span))
            level = 0
            while level >= 0:
                try:
                    item = next(iterators[level])
                except StopIteration:
                    level -= 1
                    continue
                self.count_iteration(_Head(node))
                target, _, conditions = gens[level]
                yield self.target_gen(target, item, node)
                ok = True
                for condition in conditions:
                    if not self.truth((yield self.eval_gen(condition)), condition):
                        ok = False
                        break
                if not ok:
                    continue
                if level + 1 < len(gens):
                    level += 1
                    values = yield self.eval_gen(gens[level][1])
                    iterators[level] = iter(self.iterate(values, gens[level][1].span))
                    continue
                if node.kind == "dict":
                    key = yield self.eval_gen(node.key)
                    results.append((key, (yield self.eval_gen(node.elt))))
                else:
                    results.append((yield self.eval_gen(node.elt)))
        finally:
            self.scope = outer
        if node.kind == "dict":
            return {self.hashable(k, node.span): v for k, v in results}
        if node.kind == "set":
            return set(self.hashable(v, node.span) for v in results)
        return ListValue(results, node.span, numeric=bool(results) and all(_is_number(a) for a in results))

    def fstring_gen(self, node: A.FString):
        from .fstrings import fields

        out = []
        for literal, field, conversion, spec, offset in fields(node.text):
            out.append(literal)
            if field is None:
                continue
            expr = self.parse_field(field, node, offset)
            value = yield self.eval_gen(expr)
            if spec and "{" in spec:  # a nested field: f"{x:{width}}"
                inner = spec.strip("{}")
                spec = str((yield self.eval_gen(self.parse_field(inner, node, offset))))
            out.append(self.format_value(value, spec or "", conversion, node.span))
        return "".join(out)

    def parse_field(self, text, node, offset):
        from .parse import parse
        from ..source import Source

        try:
            program = parse(Source(self.source.name, text.strip()))
        except GradcliError:
            raise fail("E0101", f"cannot read the f-string field {{{text}}}", node.span) from None
        if len(program.statements) != 1 or not isinstance(program.statements[0], A.ExprStatement):
            raise fail("E0101", f"cannot read the f-string field {{{text}}}", node.span)
        return _respan(program.statements[0].expr, node.span)


class _Head:
    def __init__(self, node):
        self.head = node.span


def _is_number(value) -> bool:
    return type(value) in (int, float, bool) or (isinstance(value, np.generic) and not isinstance(value, np.bool_) and np.asarray(value).dtype.kind in "iuf")


_LAZY = {A.BoolOp: "boolop_gen", A.ChainedCompare: "chain_gen", A.IfExp: "ifexp_gen", A.Comprehension: "comprehension_gen", A.FString: "fstring_gen"}


def _kids(node):
    kind = type(node)
    if kind is A.Call:
        kids = tuple(node.args) + tuple(k.value for k in node.kwargs)
        if not isinstance(node.func, A.Name):
            kids = (node.func,) + kids
        return tuple(k.value if type(k) is A.Starred else k for k in kids)
    if kind is A.Attribute or kind is A.Starred:
        return (node.value,)
    if kind is A.Not:
        return (node.operand,)
    if kind is A.DictExpr:
        kids = []
        for k, v in zip(node.keys, node.values):
            if k is not None:
                kids.append(k)
            kids.append(v)
        return tuple(kids)
    if kind is A.ListExpr:
        return tuple(k.value if type(k) is A.Starred else k for k in node.items)
    return _children(node)


def _respan(expr, span):
    """Give a parsed f-string field the span of its f-string (explicit stack)."""
    stack = [expr]
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, A.Node):
            continue
        seen.add(id(node))
        if hasattr(node, "span"):
            try:
                node.span = span
            except AttributeError:
                pass
        for name in getattr(node, "__slots__", ()):
            child = getattr(node, name, None)
            if isinstance(child, A.Node):
                stack.append(child)
            elif isinstance(child, tuple):
                stack.extend(c for c in child if isinstance(c, A.Node))
    return expr
