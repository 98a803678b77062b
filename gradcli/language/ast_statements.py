"""The parser's callbacks for simple statements: declarations, fetch, expect, imports, assignments.

A mixin of gradcli.language.ast_builder._AstBuilder.
"""
from __future__ import annotations

from . import ast
from .ast_tokens import _token_span, _join, _error


class StatementCallbacks:
    """Callbacks of gradcli.language.ast_builder._AstBuilder (see that module's docstring)."""

    # --- statements

    def start(self, children):
        return children

    def suite(self, children):
        return [c for c in children if not isinstance(c, str)]

    def var_decl(self, children):
        keyword, name, type_, value = children
        return ast.VarDecl(self._name(name), type_, value, _join(_token_span(keyword), self._span(value)))

    def placeholder_decl(self, children):
        keyword, name, type_, default = children
        last = default if default is not None else type_
        name_node = self._name(name)
        end = self._span(last) if last is not None else name_node.span
        return ast.PlaceholderDecl(name_node, type_, default, _join(_token_span(keyword), end))

    def fetch(self, children):
        names = tuple(self._name(token) for token in children[1:])
        return ast.Fetch(names, _join(_token_span(children[0]), names[-1].span))

    def expect(self, children):
        keyword, expr = children
        if type(expr) is ast.ChainedCompare and id(expr) not in self._outer:  # a .grad form: never chained
            raise self._chained(expr.links[0], expr.links[1].op_span, "expect takes one == comparison")
        inner = self._span(expr)
        text = self._text[inner.start:inner.end]
        return ast.Expect(expr, text, _join(_token_span(keyword), inner))

    def import_stmt(self, children):
        span = _join(_token_span(children[0]), _token_span(children[-1]))
        words = [(t.type, t.value) for t in children]
        names = []
        if words[0][0] == "FROM":
            module = words[1][1] if len(words) > 1 and words[1][0] == "NAME" else ""
            rest = words[3:] if len(words) > 2 and words[2][0] == "IMPORT" else []
            i = 0
            while i < len(rest):
                kind, value = rest[i]
                if kind == "NAME":
                    alias = value
                    if i + 2 < len(rest) and rest[i + 1][0] == "AS":
                        alias = rest[i + 2][1]
                        i += 2
                    names.append((f"{module}.{value}", alias))
                elif kind == "MUL_OP":
                    names.append((f"{module}.*", "*"))
                i += 1
        else:
            rest = words[1:]
            i = 0
            while i < len(rest):
                kind, value = rest[i]
                if kind == "NAME":
                    alias = value.split(".")[0]
                    if i + 2 < len(rest) and rest[i + 1][0] == "AS":
                        alias = rest[i + 2][1]
                        i += 2
                    else:
                        value = value.split(".")[0] if "." in value else value
                    names.append((value, alias))
                i += 1
        return ast.Import(span, tuple(names))

    def assign(self, children):
        *targets, value = children
        first = targets[-1]
        span = _join(self._span(targets[0]), self._span(value))
        more = tuple(self._any_target(t) for t in targets[:-1])
        if type(first) is ast.ListExpr and first.kind == "tuple" and all(type(t) is ast.Name for t in first.items):
            names = tuple(self._target(t) for t in first.items)
            return ast.Assign(names, value, True, span, more=more)
        if type(first) is ast.Name and "." not in first.id:
            return ast.Assign((self._target(first),), value, False, span, more=more)
        target = self._any_target(first)
        return ast.Assign((), value, type(target) is ast.ListExpr, span, target=target, more=more)

    def aug_assign(self, children):
        target, op, value = children
        target = self._any_target(target)
        if type(target) not in (ast.Name, ast.Index):
            raise _error("E0113", "cannot use an augmented assignment here", self._span(target), label="not a name")
        return ast.AugAssign(target, op.value[:-1], value, _join(self._span(target), self._span(value)), _token_span(op))

    def _any_target(self, node):
        """A target of pasted code: a name, an index, a starred name, or a tuple/list of targets."""
        stack = [node]
        while stack:  # explicit stack: nested tuples need no recursion
            item = stack.pop()
            kind = type(item)
            if kind is ast.ListExpr and item.kind in ("list", "tuple"):
                stack.extend(item.items)
            elif kind is ast.Starred:
                stack.append(item.value)
            elif kind is ast.Index or kind is ast.Attribute:
                continue
            elif kind is ast.Name and "." in item.id:
                continue  # an attribute assignment: the interpreter says what it supports
            else:
                self._target(item)
        return node

    def tlist(self, children):
        items = tuple(c for c in children if not isinstance(c, str))
        last = children[-1]
        end = _token_span(last) if isinstance(last, str) else self._span(last)
        return ast.ListExpr(items, _join(self._span(items[0]), end), "tuple")

    def star(self, children):
        op, value = children
        if op.value != "*":
            raise _error("E0101", f"expected an expression, found '{op.value}'", _token_span(op), label="unexpected here")
        return ast.Starred(value, _join(_token_span(op), self._span(value)))

    def return_stmt(self, children):
        keyword, value = children
        end = self._span(value) if value is not None else _token_span(keyword)
        return ast.Simple("return", value, _join(_token_span(keyword), end))

    def pass_stmt(self, children):
        return ast.Simple("pass", None, _token_span(children[0]))

    def break_stmt(self, children):
        return ast.Simple("break", None, _token_span(children[0]))

    def continue_stmt(self, children):
        return ast.Simple("continue", None, _token_span(children[0]))

    def del_stmt(self, children):
        keyword, *targets = [c for c in children if not (isinstance(c, str) and c.type == "COMMA")]
        # Python's grammar: a del target is a name, a subscript, an attribute, or a tuple or
        # list of them; anything else is its SyntaxError "cannot delete ..."
        stack = list(targets)
        while stack:
            target = stack.pop()
            kind = type(target)
            if kind is ast.ListExpr and target.kind in ("list", "tuple"):
                stack.extend(target.items)
            elif kind not in (ast.Name, ast.Index, ast.Attribute):
                what = {ast.Call: "a function call", ast.Number: "a literal", ast.String: "a literal", ast.Bool: "a literal",
                        ast.NoneLit: "None", ast.Starred: "a starred expression"}.get(kind, "an expression")
                raise _error("E0113", f"cannot delete {what}", self._span(target), label="not a name",
                             notes=["del removes a name, a list or dict item, or a tuple of them"],
                             help=["del a name (del tape), or an item of a list or dict (del d[key])"])
        return ast.Simple("del", tuple(targets), _join(_token_span(keyword), self._span(targets[-1])))

    def assert_stmt(self, children):
        keyword, test, message = children
        end = self._span(message if message is not None else test)
        return ast.Simple("assert", test, _join(_token_span(keyword), end), message)

    def raise_stmt(self, children):
        keyword = children[0]
        return ast.Unsupported("raise", _token_span(keyword), "gradcli runs no exceptions: delete the raise")

    def global_stmt(self, children):
        word = children[0].value
        return ast.Unsupported(word, _join(_token_span(children[0]), _token_span(children[-1])),
                               f"pass values as arguments and return them instead of '{word}'")

    def yield_stmt(self, children):
        return ast.Unsupported("yield", _token_span(children[0]), "return a list instead of yielding values")

    def yield_expr(self, children):
        return ast.Unsupported("yield", _token_span(children[0]), "return a list instead of yielding values")
