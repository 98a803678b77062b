"""The parser's callbacks: each LALR reduction builds one AST node, with its span
taken from its first and last tokens (gradcli.language.parse drives them).

Nothing here recurses with the input's nesting: a callback builds one node
from children that are already built.
"""
from __future__ import annotations

import re

from . import ast
from ..errors import Diagnostic, ParseError
from ..source import Label, Source, Span

KEYWORDS = frozenset({"var", "placeholder", "fetch", "expect", "True", "False", "None"})
# Python's own keywords: never names either (the contextual lexer reads them as
# names where the keyword cannot appear)
PY_KEYWORDS = frozenset({"if", "elif", "else", "for", "in", "while", "with", "as", "def", "return", "lambda", "and",
                         "or", "not", "is", "pass", "break", "continue", "del", "assert", "raise", "global",
                         "nonlocal", "yield", "class", "try", "except", "finally", "async", "await", "import", "from"})
_ALL_KEYWORDS = KEYWORDS | PY_KEYWORDS
_KEYWORD_NOTE = "var, placeholder, fetch, expect, True, False and None are keywords"


def _token_span(token) -> Span:
    return Span(token.start_pos, token.end_pos, token.line, token.column, token.end_line, token.end_column)


def _join(first: Span, last: Span) -> Span:
    return Span(first.start, last.end, first.line, first.column, last.end_line, last.end_column)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}
_ESCAPE = re.compile(r"\\(.)")


def _string_value(text: str) -> str:
    body = text[1:-1]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)


def _error(code: str, message: str, span: Span, **kw) -> ParseError:
    return ParseError(Diagnostic(code, message, span, **kw))


class _AstBuilder:
    """The callbacks Lark calls on each reduction; each returns an AST node.

    A parenthesised expression is its inner node, but a parent's span must
    cover the parentheses (`(a + b) * c` starts at the `(`), so `paren`
    records the wider span of the inner node in `_outer`, by identity, for the
    duration of one parse. parse() holds a lock, so one parse at a time uses it.
    """

    def __init__(self):
        self._outer: dict[int, Span] = {}
        self._text = ""

    def begin(self, source: Source) -> None:
        self._outer = {}
        self._text = source.text

    def end(self) -> None:
        self._outer = {}
        self._text = ""

    def _span(self, node) -> Span:
        outer = self._outer
        if outer:
            span = outer.get(id(node))
            if span is not None:
                return span
        return node.span

    def _name(self, token) -> ast.Name:
        # The contextual lexer reads `var` as a NAME wherever the keyword
        # cannot appear, so keywords are refused here, once for every name.
        value = token.value
        if value in _ALL_KEYWORDS or ("." in value and not _ALL_KEYWORDS.isdisjoint(value.split("."))):
            raise _keyword_error(token)
        return ast.Name(value, _token_span(token))

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

    # --- expressions

    def expr(self, children):
        """A flat `[-] operand (op [-] operand)*` sequence -> one tree, by precedence.

        Shunting-yard with explicit stacks, so a 20,000-term sum needs no
        recursion. Unary operators wait on the operator stack at their level
        (tighter than `*`, looser than `**` on their right).
        """
        if len(children) == 1:
            return children[0]
        operands: list = []
        pending: list = []  # (precedence, token, is_unary)
        comparisons = []
        want_operand = True
        i, count = 0, len(children)
        while i < count:
            item = children[i]
            i += 1
            if not isinstance(item, str):  # an AST node; lark's Tokens are str
                operands.append(item)
                want_operand = False
            elif want_operand:
                pending.append((_NOT if item.type == "NOT" else _UNARY, item, True))
            else:
                value = item.value
                if item.type == "NOT":  # `not in`
                    item = _merged(item, children[i], "not in")
                    i += 1
                elif item.type == "IS" and i < count and isinstance(children[i], str) and children[i].type == "NOT":
                    item = _merged(item, children[i], "is not")
                    i += 1
                value = item.value
                level = _PRECEDENCE[value]
                if level == _COMPARISON:
                    comparisons.append(item)
                if value == "else":
                    while pending and pending[-1][0] > _TERNARY:
                        self._apply(pending.pop(), operands)
                    if not pending or pending[-1][1].value != "if":
                        raise _error("E0101", "'else' without 'if'", _token_span(item), label="unexpected 'else'")
                    if_token = pending.pop()[1]
                    pending.append((_TERNARY, (if_token, item), False))
                    want_operand = True
                    continue
                right_assoc = level == _POWER or level == _TERNARY
                while pending and (pending[-1][0] > level or (pending[-1][0] == level and not right_assoc)):
                    self._apply(pending.pop(), operands)
                pending.append((level, item, False))
                want_operand = True
        while pending:
            self._apply(pending.pop(), operands)
        return operands[0]

    def _apply(self, entry, operands) -> None:
        level, op, unary = entry
        if unary:
            operand = operands.pop()
            span = _join(_token_span(op), self._span(operand))
            if op.type == "NOT":
                operands.append(ast.Not(operand, span))
            else:
                operands.append(ast.UnaryOp(op.value, operand, span))
            return
        if level == _TERNARY:
            if type(op) is not tuple:
                raise _error("E0101", "expected 'else' in this conditional expression", _token_span(op),
                             label="'if' without 'else'", help=["write a if condition else b"])
            orelse = operands.pop()
            cond = operands.pop()
            body = operands.pop()
            operands.append(ast.IfExp(cond, body, orelse, _join(self._span(body), self._span(orelse))))
            return
        right = operands.pop()
        left = operands.pop()
        span = _join(self._span(left), self._span(right))
        if level == _COMPARISON:
            if type(left) is ast.Compare and id(left) not in self._outer:
                raise self._chained(left, op)
            operands.append(ast.Compare(op.value, left, right, span, _token_span(op)))
        elif level == _OR or level == _AND:
            operands.append(ast.BoolOp(op.value, left, right, span))
        else:
            value = op.value
            operands.append(ast.BinOp("**" if value == "^" else value, left, right, span, _token_span(op)))

    def _chained(self, left, second) -> ParseError:
        first = left.op_span
        return _error("E0110", "comparisons cannot be chained", _token_span(second),
                      label="a second comparison", labels=[Label(first, "first comparison")],
                      notes=["a comparison gives a bool tensor; gradcli does not chain them as Python does"],
                      help=["compare two values at a time"])

    def call(self, children):
        func, *args, close = children
        if type(func) in (ast.Number, ast.String, ast.Bool, ast.NoneLit):
            span = self._span(func)
            raise _error("E0114", f"cannot call {_describe_node(func)}", span,
                         label="not callable", help=["bind the value to a name, or call an op by its name"])
        positional, keywords = [], []
        pending_double = False
        for arg in args:
            if isinstance(arg, str):  # the `**` of `**kwargs`
                pending_double = True
                continue
            if pending_double:
                arg = ast.Starred(arg, self._span(arg), double=True)
                pending_double = False
                keywords.append(arg)
                continue
            if type(arg) is ast.Keyword or (type(arg) is ast.Starred and arg.double):
                keywords.append(arg)
            elif keywords:
                raise _error("E0115", "positional argument after a keyword argument", self._span(arg),
                             label="positional argument",
                             labels=[Label(keywords[-1].span, "keyword argument")],
                             help=["put positional arguments first"])
            else:
                positional.append(arg)
        return ast.Call(func, tuple(positional), tuple(keywords), _join(self._span(func), _token_span(close)))

    def call_gen(self, children):
        func, elt, *generators, close = children
        gen = ast.Comprehension("gen", elt, None, tuple(generators), _join(self._span(elt), self._span(generators[-1][1])))
        return ast.Call(func, (gen,), (), _join(self._span(func), _token_span(close)))

    def attribute(self, children):
        value, _dot, name = children
        return ast.Attribute(value, name.value, _join(self._span(value), _token_span(name)))

    def comp_for(self, children):
        _for, target, _in, iterable, *rest = children
        conditions = tuple(c for c in rest if not isinstance(c, str))
        self._any_target(target)
        return (target, iterable, conditions)

    def _comprehension(self, kind, children, key=None):
        open_, elt, *generators, close = children
        return ast.Comprehension(kind, elt, key, tuple(generators), _join(_token_span(open_), _token_span(close)))

    def list_comp(self, children):
        return self._comprehension("list", children)

    def gen_comp(self, children):
        return self._comprehension("gen", children)

    def set_comp(self, children):
        return self._comprehension("set", children)

    def dict_comp(self, children):
        open_, key, value, *rest = children
        return self._comprehension("dict", [open_, value, *rest], key)

    def dict_expr(self, children):
        keys, values = [], []
        for item in children[1:-1]:
            keys.append(item[0])
            values.append(item[1])
        return ast.DictExpr(tuple(keys), tuple(values), _join(_token_span(children[0]), _token_span(children[-1])))

    def dict_item(self, children):
        key, value = children
        if isinstance(key, str):  # `**mapping`
            return (None, value)
        return (key, value)

    def set_expr(self, children):
        return ast.ListExpr(tuple(children[1:-1]), _join(_token_span(children[0]), _token_span(children[-1])), "set")

    def ellipsis(self, children):
        return ast.EllipsisLit(_token_span(children[0]))

    def keyword(self, children):
        name, value = children
        if name.value in _ALL_KEYWORDS:
            raise _keyword_error(name)
        if "." in name.value:
            raise _error("E0101", f"expected a keyword argument name, found '{name.value}'", _token_span(name), label="not a name")
        name_node = self._name(name)
        return ast.Keyword(name.value, value, _join(name_node.span, self._span(value)), name_node.span)

    def index(self, children):
        value, *items, close = children
        return ast.Index(value, tuple(items), _join(self._span(value), _token_span(close)))

    def slice(self, children):
        start, colon, stop, colon2, step = children
        first = self._span(start) if start is not None else _token_span(colon)
        if step is not None:
            last = self._span(step)
        elif colon2 is not None:
            last = _token_span(colon2)
        elif stop is not None:
            last = self._span(stop)
        else:
            last = _token_span(colon)
        return ast.Slice(start, stop, step, _join(first, last))

    def name(self, children):
        token = children[0]
        # TF1's `placeholder("float", shape=[2, 1])` and `tf.placeholder(...)` are calls, not a
        # keyword misused: let the name through; _target refuses it as an assignment target
        if token.value == "placeholder" or token.value.endswith(".placeholder") and token.value.count("placeholder") == 1:
            return ast.Name(token.value, _token_span(token))
        return self._name(token)

    def number(self, children):
        token = children[0]
        text = token.value
        if "." in text or "e" in text or "E" in text:
            return ast.Number(float(text), text, _token_span(token))
        if len(text) > 4000:  # Python refuses int() of over 4300 digits; no such literal fits 64 bits anyway
            raise ParseError(Diagnostic("E0317", f"an integer literal of {len(text):,} digits does not fit in 64 bits", _token_span(token),
                                        help=["write it as a float (with a decimal point) if you mean a large number"]))
        return ast.Number(int(text), text, _token_span(token))

    def string(self, children):
        token = children[0]
        span = _join(_token_span(token), _token_span(children[-1]))
        if len(children) == 1 and token.value[0] in "\"'" and token.value[:3] not in ('"""', "'''"):
            return ast.String(_string_value(token.value), span)
        parts, formatted = [], False
        for t in children:
            prefix, body = _split_prefix(t.value)
            if "f" in prefix.lower():
                formatted = True
                parts.append(body)
            elif formatted:
                parts.append(body.replace("{", "{{").replace("}", "}}"))
            else:
                parts.append(_unescape(body) if "r" not in prefix.lower() else body)
        if formatted:
            return ast.FString("".join(parts), span)
        return ast.String("".join(parts), span)

    def true(self, children):
        return ast.Bool(True, _token_span(children[0]))

    def false(self, children):
        return ast.Bool(False, _token_span(children[0]))

    def none(self, children):
        return ast.NoneLit(_token_span(children[0]))

    def list_expr(self, children):
        return ast.ListExpr(tuple(children[1:-1]), _join(_token_span(children[0]), _token_span(children[-1])))

    def tuple_expr(self, children):
        return ast.ListExpr(tuple(children[1:-1]), _join(_token_span(children[0]), _token_span(children[-1])), "tuple")

    def paren(self, children):
        open_, expr, close = children
        self._outer[id(expr)] = _join(_token_span(open_), _token_span(close))
        return expr


# Operator precedence, loosest first, as in Python. `^` is power here.
_TERNARY, _OR, _AND, _NOT, _COMPARISON, _ADDITIVE, _MULTIPLICATIVE, _UNARY, _POWER = range(9)
_PRECEDENCE = {
    "if": _TERNARY, "else": _TERNARY, "or": _OR, "and": _AND, "in": _COMPARISON, "not in": _COMPARISON,
    "is": _COMPARISON, "is not": _COMPARISON,
    "<": _COMPARISON, "<=": _COMPARISON, ">": _COMPARISON, ">=": _COMPARISON, "==": _COMPARISON,
    "!=": _COMPARISON, "+": _ADDITIVE, "-": _ADDITIVE, "*": _MULTIPLICATIVE, "/": _MULTIPLICATIVE,
    "//": _MULTIPLICATIVE, "%": _MULTIPLICATIVE, "@": _MULTIPLICATIVE, "**": _POWER, "^": _POWER,
}


def _merged(first, second, value):
    """`not in` / `is not`: one operator token from two."""
    return type(first)("COMP_OP", value, first.start_pos, first.line, first.column, second.end_line, second.end_column, second.end_pos)


def _split_prefix(text: str):
    i = 0
    while text[i] not in "\"'":
        i += 1
    prefix, body = text[:i], text[i:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
    return prefix, body[len(quote):-len(quote)]


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)


def _is_any_dim(node) -> bool:
    return node is None or type(node) is ast.NoneLit or getattr(node, "type", None) == "QMARK"


def _describe_node(node) -> str:
    kinds = {
        ast.Call: "the result of a call", ast.Index: "an indexed value", ast.Number: "a number",
        ast.String: "a string", ast.ListExpr: "a list", ast.BinOp: "an arithmetic expression",
        ast.UnaryOp: "an arithmetic expression", ast.Compare: "a comparison",
    }
    if type(node) is ast.Name:
        return f"the dotted name '{node.id}'"
    return kinds.get(type(node), "an expression")


def _keyword_error(token) -> ParseError:
    word = next(part for part in token.value.split(".") if part in _ALL_KEYWORDS)
    return _error("E0105", f"keyword '{word}' cannot be used as a name", _token_span(token),
                  label="a keyword",
                  notes=["var, placeholder, fetch, expect, True, False and None are keywords"],
                  help=["choose another name"])
