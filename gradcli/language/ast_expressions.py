"""The parser's callbacks for expressions: operators by precedence, calls, comprehensions,
subscripts, literals.

A mixin of gradcli.language.ast_builder._AstBuilder.
"""
from __future__ import annotations

from . import ast
from ..errors import Diagnostic, ParseError
from ..source import Label, Span
from .ast_tokens import _ALL_KEYWORDS, _token_span, _join, _string_value, _error, _TERNARY, _OR, _AND, _NOT, _COMPARISON, _UNARY, _POWER, _PRECEDENCE, _merged, _split_prefix, _unescape, _describe_node, _keyword_error


class ExpressionCallbacks:
    """Callbacks of gradcli.language.ast_builder._AstBuilder (see that module's docstring)."""

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
            kind = type(left)
            if (kind is ast.Compare or kind is ast.ChainedCompare) and id(left) not in self._outer:
                operands.append(self._chain(left, op, right, span))
                return
            operands.append(ast.Compare(op.value, left, right, span, _token_span(op)))
        elif level == _OR or level == _AND:
            operands.append(ast.BoolOp(op.value, left, right, span))
        else:
            value = op.value
            operands.append(ast.BinOp("**" if value == "^" else value, left, right, span, _token_span(op)))

    def _chain(self, left, op, right, span) -> ast.ChainedCompare:
        """`a < b` followed by `< c`: one more link, whose left operand is `b` itself.

        Python chains every comparison operator (`0 < i < n`, `a == b == c`,
        `x is not None != y`); a .grad file does not (LANGUAGE.md), E0110.
        """
        links = left.links if type(left) is ast.ChainedCompare else (left,)
        if self._grad_file:
            raise self._chained(links[0], _token_span(op))
        middle = links[-1].right
        link = ast.Compare(op.value, middle, right, _join(self._span(middle), self._span(right)), _token_span(op))
        return ast.ChainedCompare(links + (link,), span)

    def _chained(self, left, second: Span, why="a .grad model does not chain them (pasted Python code does)") -> ParseError:
        return _error("E0110", "comparisons cannot be chained", second,
                      label="a second comparison", labels=[Label(left.op_span, "first comparison")],
                      notes=[f"a comparison gives a bool tensor; {why}"],
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
