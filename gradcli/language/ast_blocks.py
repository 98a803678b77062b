"""The parser's callbacks for compound statements (if, for, while, with, def, lambda, decorators,
unsupported ones), assignment targets and types.

A mixin of gradcli.language.ast_builder._AstBuilder.
"""
from __future__ import annotations

from . import ast
from ..source import Span
from .ast_tokens import _KEYWORD_NOTE, _token_span, _join, _string_value, _error, _is_any_dim, _describe_node


class BlockCallbacks:
    """Callbacks of gradcli.language.ast_builder._AstBuilder (see that module's docstring)."""

    # --- compound statements

    def _suite_end(self, suite, fallback) -> Span:
        return suite[-1].span if suite else fallback

    def if_stmt(self, children):
        keyword, test, body, *rest = children
        tests, bodies = [test], [body]
        orelse = None
        for item in rest:
            if type(item) is tuple:
                tests.append(item[0])
                bodies.append(item[1])
        if len(rest) >= 2 and rest[-2] is not None and not isinstance(rest[-2], tuple):
            orelse = rest[-1]
        last = orelse if orelse else bodies[-1]
        head = _join(_token_span(keyword), self._span(test))
        return ast.Block("if", {"tests": tests, "bodies": bodies, "orelse": orelse or []},
                         _join(head, self._suite_end(last, head)), head)

    def elif_clause(self, children):
        _, test, body = children
        return (test, body)

    def for_stmt(self, children):
        keyword, target, _in, iterable, body, _else, orelse = children
        head = _join(_token_span(keyword), self._span(iterable))
        self._any_target(target)
        return ast.Block("for", {"target": target, "iter": iterable, "body": body, "orelse": orelse or []},
                         _join(head, self._suite_end(orelse or body, head)), head)

    def while_stmt(self, children):
        keyword, test, body, _else, orelse = children
        head = _join(_token_span(keyword), self._span(test))
        return ast.Block("while", {"test": test, "body": body, "orelse": orelse or []},
                         _join(head, self._suite_end(orelse or body, head)), head)

    def with_stmt(self, children):
        keyword, *items, body = children
        head = _join(_token_span(keyword), self._span(items[-1][0]) if items[-1][1] is None else self._span(items[-1][1]))
        return ast.Block("with", {"items": items, "body": body}, _join(head, self._suite_end(body, head)), head)

    def with_item(self, children):
        value, _as, target = children
        if target is not None:
            self._any_target(target)
        return (value, target)

    def funcdef(self, children):
        keyword, name, params, _returns, body = children
        head = _join(_token_span(keyword), _token_span(name))
        return ast.Block("def", {"name": self._name(name), "params": tuple(params or ()), "body": body, "decorators": ()},
                         _join(head, self._suite_end(body, head)), head)

    def lambda_param(self, children):
        name, default = children
        return self.param([name, None, default])

    def lambda_star(self, children):
        return self.star_param([children[0], children[1], None])

    def lambda_kwargs(self, children):
        return self.kwargs_param([children[0], children[1], None])

    def lambda_params(self, children):
        return [c for c in children if not isinstance(c, str)]

    def parameters(self, children):
        return [c for c in children if not isinstance(c, str)]

    def param(self, children):
        name, _annotation, default = children
        span = _join(_token_span(name), self._span(default)) if default is not None else _token_span(name)
        return ast.Param(self._name(name).id, default, "", span)

    def star_param(self, children):
        op, name, _annotation = children
        if op.value == "/":
            return ast.Param(None, None, "/", _token_span(op))
        if op.value != "*":
            raise _error("E0101", f"expected a parameter, found '{op.value}'", _token_span(op), label="unexpected here")
        span = _join(_token_span(op), _token_span(name)) if name is not None else _token_span(op)
        return ast.Param(name.value if name is not None else None, None, "*", span)

    def kwargs_param(self, children):
        op, name, _annotation = children
        if op.value != "**":
            raise _error("E0101", f"expected a parameter, found '{op.value}'", _token_span(op), label="unexpected here")
        return ast.Param(name.value, None, "**", _join(_token_span(op), _token_span(name)))

    def decorated(self, children):
        *decorators, target = children
        if type(target) is ast.Block:
            target.parts["decorators"] = tuple(decorators)
            target.span = _join(decorators[0].span, target.span)
        return target

    def decorator(self, children):
        at, value = children
        if at.value != "@":
            raise _error("E0101", f"expected a statement, found '{at.value}'", _token_span(at), label="unexpected here")
        return ast.Starred(value, _join(_token_span(at), self._span(value)))

    def classdef(self, children):
        return ast.Unsupported("class", _join(_token_span(children[0]), _token_span(children[1])),
                               "write functions instead: def model(x): ... with the variables made outside")

    def try_stmt(self, children):
        return ast.Unsupported("try", _token_span(children[0]), "delete the try/except: gradcli reports every error itself")

    def except_clause(self, children):
        return None

    def async_stmt(self, children):
        return ast.Unsupported("async", _token_span(children[0]), "delete 'async': gradcli runs the code in order")

    def await_expr(self, children):
        return ast.Unsupported("await", _token_span(children[0]), "delete 'await'")

    def targets(self, children):
        items = [c for c in children if not isinstance(c, str)]
        if len(items) == 1 and not isinstance(children[-1], str):
            return items[0]
        last = children[-1]
        end = _token_span(last) if isinstance(last, str) else self._span(last)
        return ast.ListExpr(tuple(items), _join(self._span(items[0]), end), "tuple")

    def lambdef(self, children):
        keyword, params, body = children
        return ast.Lambda(tuple(params or ()), body, _join(_token_span(keyword), self._span(body)))

    def _target(self, node) -> ast.Name:
        if type(node) is ast.Name and node.id == "placeholder":
            raise _error("E0105", "keyword 'placeholder' cannot be used as a name", node.span, label="a keyword",
                         notes=[_KEYWORD_NOTE], help=["choose another name"])
        if type(node) is ast.Name and "." not in node.id:
            return node
        span = self._span(node)
        if isinstance(node, (ast.Bool, ast.NoneLit)):
            word = self._text[span.start:span.end]
            raise _error("E0105", f"keyword '{word}' cannot be assigned to", span,
                         label="a keyword, not a name",
                         notes=["var, placeholder, fetch, expect, True, False and None are keywords"],
                         help=["choose another name"])
        what = _describe_node(node)
        raise _error("E0113", f"cannot assign to {what}", span, label="not a name",
                     help=["the left side of '=' is a name, or names separated by commas"])

    def expr_stmt(self, children):
        expr = children[0]
        return ast.ExprStatement(expr, self._span(expr))

    # --- types

    def type_plain(self, children):
        dtype = self._dtype(children[0])
        return ast.TypeExpr(dtype, None, dtype.span)

    def type_shaped(self, children):
        dtype = self._dtype(children[0])
        dims = tuple(None if _is_any_dim(d) else d for d in children[1:-1])
        return ast.TypeExpr(dtype, dims, _join(dtype.span, _token_span(children[-1])))

    def _dtype(self, token) -> ast.Name:
        # A string dtype ("float32") becomes the name it spells; the resolver
        # checks it like any dtype name.
        if token.type == "STRING":
            return ast.Name(_string_value(token.value), _token_span(token))
        return self._name(token)
