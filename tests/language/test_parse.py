"""The .grad grammar and parser: AST shapes, spans, syntax errors, hostile input."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcli.language import ast
from gradcli.language.parse import CODES, KEYWORDS, decode_source, grammar_text, parse
from gradcli.errors import Diagnostic, ParseError
from gradcli.source import Source

from conftest import ROOT as REPO


def program(text: str) -> ast.Program:
    return parse(Source("test.grad", text))


def only(text: str):
    statements = program(text).statements
    assert len(statements) == 1, statements
    return statements[0]


def value_of(text: str):
    """The expression of `y = <text>`."""
    statement = only(f"y = {text}\n")
    assert isinstance(statement, ast.Assign)
    return statement.value


def syntax_error(text: str) -> Diagnostic:
    with pytest.raises(ParseError) as caught:
        program(text)
    assert len(caught.value.diagnostics) == 1
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.source is not None and diagnostic.source.text == text
    return diagnostic


def where(span) -> tuple[int, int, int, int]:
    return (span.line, span.column, span.end_line, span.end_column)


# --- an unparser: fully parenthesised, so precedence shows in the text -----


def unparse(node) -> str:
    kind = type(node)
    if kind is ast.BinOp or kind is ast.Compare:
        return f"({unparse(node.left)} {node.op} {unparse(node.right)})"
    if kind is ast.UnaryOp:
        return f"({node.op}{unparse(node.operand)})"
    if kind is ast.Name:
        return node.id
    if kind is ast.Number:
        return node.text
    if kind is ast.String:
        return repr(node.value)
    if kind is ast.Bool:
        return str(node.value)
    if kind is ast.NoneLit:
        return "None"
    if kind is ast.ListExpr:
        return "[" + ", ".join(unparse(item) for item in node.items) + "]"
    if kind is ast.Call:
        args = [unparse(a) for a in node.args] + [f"{k.name}={unparse(k.value)}" for k in node.kwargs]
        return f"{unparse(node.func)}({', '.join(args)})"
    if kind is ast.Index:
        return f"{unparse(node.value)}[{', '.join(unparse(i) for i in node.items)}]"
    if kind is ast.Slice:
        parts = ["" if p is None else unparse(p) for p in (node.start, node.stop, node.step)]
        return ":".join(parts)
    raise AssertionError(f"unexpected node {node!r}")


def unparse_type(type_: ast.TypeExpr | None) -> str:
    if type_ is None:
        return ""
    if type_.dims is None:
        return f": {type_.dtype.id}"
    dims = ", ".join("?" if d is None else unparse(d) for d in type_.dims)
    return f": {type_.dtype.id}[{dims}]"


def unparse_statement(statement) -> str:
    kind = type(statement)
    if kind is ast.VarDecl:
        return f"var {statement.name.id}{unparse_type(statement.type)} = {unparse(statement.value)}"
    if kind is ast.PlaceholderDecl:
        default = "" if statement.default is None else f" = {unparse(statement.default)}"
        return f"placeholder {statement.name.id}{unparse_type(statement.type)}{default}"
    if kind is ast.Assign:
        targets = ", ".join(t.id for t in statement.targets)
        if statement.unpack and len(statement.targets) == 1:
            targets += ","
        return f"{targets} = {unparse(statement.value)}"
    if kind is ast.Fetch:
        return "fetch " + ", ".join(n.id for n in statement.names)
    if kind is ast.Expect:
        return f"expect {unparse(statement.expr)}"
    if kind is ast.ExprStatement:
        return unparse(statement.expr)
    if kind is ast.Import:
        return "import tensorflow"
    raise AssertionError(statement)


def unparse_program(prog: ast.Program) -> str:
    return "".join(unparse_statement(s) + "\n" for s in prog.statements)


# --- statements -----------------------------------------------------------


def test_var_declarations():
    plain = only("var x = 2.0\n")
    assert isinstance(plain, ast.VarDecl)
    assert (plain.name.id, plain.type, plain.value.value) == ("x", None, 2.0)
    typed = only("var W: float32[2, 1] = [[1], [2]]\n")
    assert typed.type.dtype.id == "float32"
    assert [d.value for d in typed.type.dims] == [2, 1]
    assert isinstance(typed.value, ast.ListExpr)


def test_placeholder_declarations():
    bare = only("placeholder X\n")
    assert isinstance(bare, ast.PlaceholderDecl)
    assert (bare.name.id, bare.type, bare.default) == ("X", None, None)
    typed = only("placeholder X: float[None, 3]\n")
    assert typed.type.dims[0] is None and typed.type.dims[1].value == 3
    question = only("placeholder X: float[?, 3] = zeros([2, 3])\n")
    assert question.type.dims[0] is None
    assert isinstance(question.default, ast.Call)


@pytest.mark.parametrize("text, dtype, dims", [
    ("float", "float", None),
    ("int32[]", "int32", ()),
    ("float32[2, 1]", "float32", (2, 1)),
    ("float[2,]", "float", (2,)),
    ("tf.float32[3]", "tf.float32", (3,)),
    ("np.float64", "np.float64", None),
    ("'float32'", "float32", None),
    ('"int64"[4]', "int64", (4,)),
    ("float[None, ?]", "float", (None, None)),
])
def test_types(text, dtype, dims):
    type_ = only(f"placeholder p: {text}\n").type
    assert type_.dtype.id == dtype
    got = None if type_.dims is None else tuple(None if d is None else d.value for d in type_.dims)
    assert got == dims


def test_type_dims_are_expressions():
    type_ = only("placeholder p: float[n, 2 * k]\n").type
    assert unparse(type_.dims[0]) == "n"
    assert unparse(type_.dims[1]) == "(2 * k)"


def test_assign_and_unpack():
    single = only("y = x\n")
    assert (tuple(t.id for t in single.targets), single.unpack) == (("y",), False)
    pair = only("dW, db = gradients(cost, [W, b])\n")
    assert (tuple(t.id for t in pair.targets), pair.unpack) == (("dW", "db"), True)
    one = only("g, = gradients(y, x)\n")
    assert (tuple(t.id for t in one.targets), one.unpack) == (("g",), True)
    trailing = only("a, b, = f(x)\n")
    assert tuple(t.id for t in trailing.targets) == ("a", "b") and trailing.unpack


def test_fetch_expect_import_and_bare_expression():
    fetch = only("fetch a, b, c\n")
    assert [n.id for n in fetch.names] == ["a", "b", "c"]
    expect = only("expect dW == reduce_sum((W * X + b - Y) * X)    # the hand derivation\n")
    assert isinstance(expect.expr, ast.Compare) and expect.expr.op == "=="
    assert expect.text == "dW == reduce_sum((W * X + b - Y) * X)"
    for text in ("import tensorflow as tf\n", "from tensorflow import keras\n",
                 "from a.b import (c,\n  d)\n", "import numpy as np, scipy\n", "from x import *\n"):
        assert isinstance(only(text), ast.Import), text
    bare = only("sess.run(y)\n")
    assert isinstance(bare, ast.ExprStatement) and unparse(bare.expr) == "sess.run(y)"


def test_import_span_covers_the_statement():
    statement = only("import tensorflow as tf\n")
    assert where(statement.span) == (1, 1, 1, 24)


def test_separators_comments_and_blank_lines():
    text = "# header\n\nvar x = 1; y = x  # trailing\n\n\n;z = y;\n# end"
    assert [type(s).__name__ for s in program(text).statements] == ["VarDecl", "Assign", "Assign"]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment", "# a\n# b\n", "   \n\t\n", ";;\n"])
def test_empty_programs(text):
    prog = program(text)
    assert prog.statements == [] and prog.source.text == text


def test_newlines_inside_brackets_are_ignored():
    prog = program("y = f(a,\n      b,\n)\nz = [1,\n  2] + (3\n  * 4)\n")
    assert [unparse(s.value) for s in prog.statements] == ["f(a, b)", "([1, 2] + (3 * 4))"]


def test_crlf_and_line_join():
    prog = program("var x = 1\r\ny = x + \\\n  2\r\n")
    assert unparse(prog.statements[1].value) == "(x + 2)"


def test_program_keeps_its_source():
    source = Source("m.grad", "y = 1\n")
    assert parse(source).source is source


# --- expressions ---------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("-x**2", "(-(x ** 2))"),
    ("2**-1", "(2 ** (-1))"),
    ("a**b**c", "(a ** (b ** c))"),
    ("a ^ b", "(a ** b)"),
    ("a ^ b ^ -c", "(a ** (b ** (-c)))"),
    ("a ** -b * c", "((a ** (-b)) * c)"),
    ("-a * b", "((-a) * b)"),
    ("- - x", "(-(-x))"),
    ("+x", "(+x)"),
    ("a - b - c", "((a - b) - c)"),
    ("a + b * c", "(a + (b * c))"),
    ("a * b / c // d % e @ f", "(((((a * b) / c) // d) % e) @ f)"),
    ("a + b < c * d", "((a + b) < (c * d))"),
    ("a == b", "(a == b)"),
    ("(a < b) < c", "((a < b) < c)"),
    ("(a + b) * c", "((a + b) * c)"),
    ("-(x)**2", "(-(x ** 2))"),
    ("f(x)**2", "(f(x) ** 2)"),
    ("a[0]**2", "(a[0] ** 2)"),
    ("x != -1", "(x != (-1))"),
])
def test_precedence(text, expected):
    assert unparse(value_of(text)) == expected


def test_bin_op_stores_caret_as_power():
    node = value_of("a ^ 2")
    assert node.op == "**"


@pytest.mark.parametrize("text, value, kind", [
    ("2", 2, int), ("2.0", 2.0, float), (".5", 0.5, float), ("1e-3", 1e-3, float),
    ("2.5E+4", 2.5e4, float), ("10.", 10.0, float), ("007", 7, int),
])
def test_numbers(text, value, kind):
    node = value_of(text)
    assert isinstance(node, ast.Number)
    assert node.value == value and type(node.value) is kind and node.text == text


def test_inf_and_nan_are_names():
    assert isinstance(value_of("inf"), ast.Name) and isinstance(value_of("nan"), ast.Name)


def test_strings_and_literals():
    assert value_of("'zero'").value == "zero"
    assert value_of('"zero"').value == "zero"
    assert value_of(r"'it\'s'").value == "it's"
    assert value_of("True").value is True and value_of("False").value is False
    assert isinstance(value_of("None"), ast.NoneLit)


def test_dotted_names_are_one_name():
    call = value_of("tf.math.log(x)")
    assert call.func.id == "tf.math.log"
    assert value_of("np.float64").id == "np.float64"


def test_calls_with_keywords_and_trailing_commas():
    call = value_of("gradients(y, [x], grad_ys=None, unconnected_gradients='zero',)")
    assert [unparse(a) for a in call.args] == ["y", "[x]"]
    assert [(k.name, unparse(k.value)) for k in call.kwargs] == [
        ("grad_ys", "None"), ("unconnected_gradients", "'zero'")]
    assert value_of("f()").args == () and value_of("f()").kwargs == ()


@pytest.mark.parametrize("text, expected", [
    ("a[0]", "a[0]"), ("a[-1]", "a[(-1)]"), ("a[1:3]", "a[1:3:]"), ("a[:, 0]", "a[::, 0]"),
    ("a[::2]", "a[::2]"), ("a[1:]", "a[1::]"), ("a[:n-1]", "a[:(n - 1):]"), ("g[0][1]", "g[0][1]"),
    ("a[0,]", "a[0]"),
])
def test_indexing(text, expected):
    assert unparse(value_of(text)) == expected


def test_lists_and_tuples():
    assert unparse(value_of("[[1.0, 2.0], [3.0, 4.0]]")) == "[[1.0, 2.0], [3.0, 4.0]]"
    assert unparse(value_of("[]")) == "[]"
    assert unparse(value_of("(a,)")) == "[a]"
    assert unparse(value_of("(a, b, c,)")) == "[a, b, c]"
    assert unparse(value_of("()")) == "[]"
    assert isinstance(value_of("(a)"), ast.Name)


# --- spans ---------------------------------------------------------------


def test_spans_of_representative_nodes():
    text = "var W: float32[2, 1] = 1.5\ny = (a + b) * f(x, k=2)[0]\nexpect y == 2\n"
    decl, assign, expect = program(text).statements
    assert where(decl.span) == (1, 1, 1, 27)
    assert where(decl.name.span) == (1, 5, 1, 6)
    assert where(decl.type.span) == (1, 8, 1, 21)
    assert where(decl.value.span) == (1, 24, 1, 27)
    product = assign.value
    assert where(assign.span) == (2, 1, 2, 27)
    assert text[product.span.start:product.span.end] == "(a + b) * f(x, k=2)[0]"
    assert where(product.op_span) == (2, 13, 2, 14)
    assert text[product.left.span.start:product.left.span.end] == "a + b"  # the node itself excludes ( )
    index = product.right
    call = index.value
    assert text[index.span.start:index.span.end] == "f(x, k=2)[0]"
    assert text[call.span.start:call.span.end] == "f(x, k=2)"
    keyword = call.kwargs[0]
    assert text[keyword.span.start:keyword.span.end] == "k=2"
    assert where(keyword.name_span) == (2, 20, 2, 21)
    assert where(expect.span) == (3, 1, 3, 14)
    assert expect.text == "y == 2"


def test_spans_across_lines_and_of_unary_and_slices():
    text = "y = f(a,\n      b)\nz = -x[1:]\n"
    first, second = program(text).statements
    assert where(first.value.span) == (1, 5, 2, 9)
    unary = second.value
    assert where(unary.span) == (3, 5, 3, 11)
    assert where(unary.operand.items[0].span) == (3, 8, 3, 10)


def test_spans_count_code_points_and_tabs_as_one_column():
    text = "s = 'αβγ'\tz = 1\n"
    prog = program(text.replace("\tz", ";\tz"))
    z = prog.statements[1]
    assert where(z.span) == (1, 12, 1, 17)


def test_expect_text_includes_outer_parentheses_of_operands():
    assert only("expect (a + b) == c\n").text == "(a + b) == c"
    assert only("expect (a == c)\n").text == "(a == c)"


# --- round trip ----------------------------------------------------------

ROUND_TRIP = [
    "var x = 2.0\ny = x**2 + x - 1\ngrad = gradients(y, x)\n",
    textwrap.dedent("""\
        placeholder X: float[2, 1]
        placeholder Y: float[2, 1]
        var W = 1.6649098
        var b = 0.54648024
        pred = X * W + b
        cost = 0.5 * reduce_sum((pred - Y) ** 2)
        dW, db = gradients(cost, [W, b])
        expect dW == reduce_sum((W * X + b - Y) * X)
        expect db == reduce_sum(W * X + b - Y)
        fetch cost, dW
        """),
    "g, = gradients(-x**2 ^ 3, [x], grad_ys=[[1, 0, 10]])\nh = a[1:3, :, ::2][0] @ b // 2 % 3\n",
    "placeholder t: int32[]\nplaceholder u: 'float32'[None, ?]\nz = f(a, b=c)(1)\n".replace("(1)", ""),
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_round_trip(text):
    first = unparse_program(program(text))
    assert unparse_program(program(first)) == first


# --- syntax errors ---------------------------------------------------------

ERRORS = [
    # (source, code, message, (line, column, end_line, end_column) of the primary span)
    ("y = x 2 3\n", "E0101", "expected an operator or end of line, found number 2", (1, 7, 1, 8)),
    ("y = f(x,,)\n", "E0101", "expected an expression or ')', found ','", (1, 9, 1, 10)),
    ("y = f(x y)\n", "E0101", "expected ')', ',', '=' or an operator, found name 'y'", (1, 9, 1, 10)),
    ("var 2 = 3\n", "E0101", "expected a name, found number 2", (1, 5, 1, 6)),
    ("y = f(x, (2 + 3)\n", "E0102", "unclosed '('", (1, 6, 1, 7)),
    ("y = f(a, b\nz = 3\n", "E0102", "unclosed '('", (1, 6, 1, 7)),
    ("y = [1,\n", "E0102", "unclosed '['", (1, 5, 1, 6)),
    ("y = x +\n", "E0103", "missing operand after '+', found end of input", (1, 7, 1, 8)),
    ("y = x +\nz = 1\n", "E0103", "missing operand after '+', found end of line", (1, 7, 1, 8)),
    ("y = x +", "E0103", "missing operand after '+', found end of input", (1, 7, 1, 8)),
    ("y = * 2\n", "E0103", "missing operand before '*'", (1, 5, 1, 6)),
    ("y = f(2 **)\n", "E0103", "missing operand after '**', found ')'", (1, 11, 1, 12)),
    ("z = y * * y\n", "E0103", "missing operand after '*', found '*'", (1, 9, 1, 10)),
    ("var x 2.0\n", "E0104", "missing '=' in variable declaration", (1, 7, 1, 10)),
    ("placeholder p: float 2\n", "E0104", "missing '=' in placeholder declaration", (1, 22, 1, 23)),
    ("x 2\n", "E0104", "missing '=' in assignment", (1, 3, 1, 4)),
    ("var = 3\n", "E0105", "keyword 'var' cannot be used as a name", (1, 1, 1, 4)),
    ("fetch = 2\n", "E0105", "keyword 'fetch' cannot be used as a name", (1, 1, 1, 6)),
    ("True = 1\n", "E0105", "keyword 'True' cannot be assigned to", (1, 1, 1, 5)),
    ("x = var + 1\n", "E0105", "keyword 'var' cannot be used as a name", (1, 5, 1, 8)),
    ("placeholder None\n", "E0105", "keyword 'None' cannot be used as a name", (1, 13, 1, 17)),
    ("fetch x, expect\n", "E0105", "keyword 'expect' cannot be used as a name", (1, 10, 1, 16)),
    ("y = f(placeholder=1)\n", "E0105", "keyword 'placeholder' cannot be used as a name", (1, 7, 1, 18)),
    ("y = x $ 2\n", "E0106", "invalid character '$'", (1, 7, 1, 8)),
    ("α = 1\n", "E0106", "invalid character 'α' (U+03B1)", (1, 1, 1, 2)),
    ("y = x\x00\n", "E0106", "invalid character U+0000", (1, 6, 1, 7)),
    ("var x =", "E0107", "unexpected end of input", (1, 8, 1, 8)),
    ("var x =\n", "E0107", "unexpected end of input", (1, 8, 1, 8)),  # a final newline changes nothing
    ("var x =\ny = 2\n", "E0107", "unexpected end of line", (1, 8, 1, 8)),
    ("fetch  # nothing\n", "E0107", "unexpected end of input", (1, 6, 1, 6)),
    ("fetch  # nothing\ny = 2\n", "E0107", "unexpected end of line", (1, 17, 1, 17)),
    ("placeholder x: 'float32\n", "E0109", "unterminated string", (1, 16, 1, 24)),
    ('y = f("abc)\n', "E0109", "unterminated string", (1, 7, 1, 12)),
    ("expect a < b < c\n", "E0110", "comparisons cannot be chained", (1, 14, 1, 15)),
    ("y = a == b != c\n", "E0110", "comparisons cannot be chained", (1, 12, 1, 14)),
    ("y = f(x]\n", "E0111", "mismatched closing bracket: expected ')', found ']'", (1, 8, 1, 9)),
    ("y = x)\n", "E0112", "unmatched ')'", (1, 6, 1, 7)),
    ("f(x) = 2\n", "E0113", "cannot assign to the result of a call", (1, 1, 1, 5)),
    ("x = 1\n    y = 2\n", "E0117", "unexpected indent", (2, 1, 2, 5)),
    ("if x:\ny = 2\n", "E0117", "expected an indented block", (2, 1, 2, 2)),
    ("2 = x\n", "E0113", "cannot assign to a number", (1, 1, 1, 2)),
    ("y = 2(3)\n", "E0114", "cannot call a number", (1, 5, 1, 6)),
    ("y = f(x=1, 2)\n", "E0115", "positional argument after a keyword argument", (1, 12, 1, 13)),
    ("placeholder X float[2, 1]\n", "E0116", "missing ':' before the type 'float'", (1, 15, 1, 20)),
    ("var x float32 = 1\n", "E0116", "missing ':' before the type 'float32'", (1, 7, 1, 14)),
]


@pytest.mark.parametrize("text, code, message, span", ERRORS, ids=[f"{e[1]}-{i}" for i, e in enumerate(ERRORS)])
def test_syntax_errors(text, code, message, span):
    diagnostic = syntax_error(text)
    assert (diagnostic.code, diagnostic.message, where(diagnostic.span)) == (code, message, span)
    assert diagnostic.severity == "error"
    assert diagnostic.message == diagnostic.message.rstrip(".")
    assert diagnostic.message[0].islower()


def test_every_code_is_documented_and_its_example_raises_it():
    assert sorted(CODES) == [f"E01{n:02d}" for n in range(1, len(CODES) + 1)]
    for code, (title, example) in CODES.items():
        assert title and title[0].islower() and not title.endswith("."), code
        with pytest.raises(ParseError) as caught:
            if code == "E0108":  # the example is bytes smuggled through surrogateescape
                decode_source(example.encode("utf-8", "surrogateescape"), "example.grad")
            else:
                parse(Source("example.grad", example))
        assert caught.value.diagnostics[0].code == code, (code, caught.value.diagnostics[0])


def test_every_tested_error_code_is_in_the_table():
    assert {code for _, code, _, _ in ERRORS} | {"E0108"} == set(CODES)


def test_unexpected_token_messages_never_name_lark_terminals():
    for text in ("y = x 2\n", "y = f(x y)\n", "var x: = 2\n", "y = a[1:2:3:4]\n", "fetch 1\n",
                 "y = (1 2)\n", "var x\n", "y = [1 2]\n", "placeholder\n", "y = f(=1)\n"):
        diagnostic = syntax_error(text)
        words = f"{diagnostic.message} {diagnostic.label}"
        for terminal in ("RPAR", "LPAR", "RSQB", "COMMA", "NAME", "NUMBER", "_NL", "__ANON", "ADD_OP",
                         "COLON", "EQUAL", "$END", "MUL_OP"):
            assert terminal not in words, (text, words)


def test_helps_that_explain_the_fix():
    assert syntax_error("expect a = b\n").help == ["use '==' to compare"]
    assert syntax_error("var x 2.0\n").help == ["add '=' between 'x' and '2.0'"]
    assert syntax_error("x = [1, 2\n 3]\n").help == ["add a ',' between the items"]
    assert syntax_error("y = f(a, b\nz = 3\n").notes == [
        "newlines inside brackets are ignored, so line 2 was read as part of this expression"]
    assert syntax_error("y = (1 +\n").notes == ["the input ends at 1:9 with this '(' still open"]
    assert "ASCII" in syntax_error("y = 日本 + 1\n").help[0]


def test_mismatched_bracket_points_at_both_brackets():
    diagnostic = syntax_error("y = [1, 2)\n")
    assert diagnostic.code == "E0111"
    assert [where(label.span) for label in diagnostic.labels] == [(1, 5, 1, 6)]


def test_chained_comparison_labels_the_first_comparison():
    diagnostic = syntax_error("expect a < b < c\n")
    assert [(where(l.span), l.text) for l in diagnostic.labels] == [((1, 10, 1, 11), "first comparison")]


def test_only_the_first_error_is_reported():
    with pytest.raises(ParseError) as caught:
        program("y = x +\nz = * 2\nw = (\n")
    assert [d.code for d in caught.value.diagnostics] == ["E0103"]


# --- decoding ---------------------------------------------------------------


def test_decode_source_reports_invalid_utf8_with_its_byte_offset():
    with pytest.raises(ParseError) as caught:
        decode_source("y = 'é'\nz = \xff\n".encode("latin-1"), "bad.grad")
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.code == "E0108"
    assert diagnostic.message == "invalid UTF-8 at byte offset 5"
    assert where(diagnostic.span) == (1, 6, 1, 7)
    assert diagnostic.source.name == "bad.grad"


def test_decode_source_rejects_binary_and_drops_a_bom():
    with pytest.raises(ParseError) as caught:
        decode_source(b"\x7fELF\x02\x01\x01\x00\x00\x00", "a.out")
    assert caught.value.diagnostics[0].code == "E0108"
    assert "NUL byte at byte offset 7" in caught.value.diagnostics[0].message
    source = decode_source(b"\xef\xbb\xbfy = 1\n", "bom.grad")
    assert source.text == "y = 1\n"
    assert decode_source("y = 'ü'\n".encode(), "u.grad").text == "y = 'ü'\n"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_decode_then_parse_never_fails_unexpectedly(data):
    try:
        parse(decode_source(data, "garbage.grad"))
    except ParseError as error:
        assert error.diagnostics and error.diagnostics[0].code.startswith("E01")


# --- hostile input ----------------------------------------------------------


def test_five_thousand_nested_parentheses():
    node = value_of("(" * 5000 + "x" + ")" * 5000)
    assert isinstance(node, ast.Name) and node.id == "x"
    nested = value_of("[" * 3000 + "1" + "]" * 3000)
    assert isinstance(nested, ast.ListExpr)


def test_deeply_nested_unary_and_power_chains():
    assert isinstance(value_of("-" * 5000 + "x"), ast.UnaryOp)
    assert isinstance(value_of("**".join(["x"] * 5000)), ast.BinOp)
    assert isinstance(value_of("f(" * 2000 + "x" + ")" * 2000), ast.Call)


def test_twenty_thousand_term_sum():
    node = value_of(" + ".join(["x"] * 20000))
    depth = 0
    while isinstance(node, ast.BinOp):
        assert isinstance(node.right, ast.Name)
        node, depth = node.left, depth + 1
    assert depth == 19999


def test_thirty_thousand_line_file():
    prog = program("var v = 0.5\n" + "v = sin(v) * 1.0001 + 0.1\n" * 30000)
    assert len(prog.statements) == 30001
    assert prog.statements[-1].span.line == 30001


def test_unclosed_bracket_at_the_top_of_a_long_file():
    text = "y = f(x\n" + "z = 1\n" * 5000
    assert syntax_error(text).code == "E0102"


def test_keywords_table_matches_the_spec():
    assert KEYWORDS == {"var", "placeholder", "fetch", "expect", "True", "False", "None"}


# --- random programs ----------------------------------------------------------

TOKENS = ["x", "y", "W", "tf.reduce_sum", "f", "var", "placeholder", "fetch", "expect", "True", "None",
          "import", "2", "1.5", ".5", "1e-3", "'s'", '"t"', "+", "-", "*", "/", "//", "%", "@", "**", "^",
          "<", "==", "!=", "=", ",", ":", "?", "(", ")", "[", "]", ";", "\n", " ", "#c\n", "\t", "\\\n",
          "$", "'", "α", "日"]


def _check_outcome(text: str) -> None:
    try:
        prog = parse(Source("random.grad", text))
    except ParseError as error:
        assert len(error.diagnostics) == 1
        diagnostic = error.diagnostics[0]
        assert diagnostic.code in CODES
        assert diagnostic.source is not None
        span = diagnostic.span
        assert span is not None and 0 <= span.start <= span.end <= len(text)
        assert (span.line, span.column) == diagnostic.source.position(span.start)
        assert diagnostic.message and diagnostic.message[0].islower()
    else:
        assert isinstance(prog, ast.Program)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_random_token_sequences_parse_or_raise_parse_error(tokens):
    _check_outcome(" ".join(tokens))
    _check_outcome("".join(tokens))


_VALID = ROUND_TRIP[1]


@st.composite
def mutations(draw):
    text = draw(st.sampled_from(ROUND_TRIP))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "duplicate"]))
        if action == "delete" and text:
            j = min(len(text), i + draw(st.integers(1, 3)))
            text = text[:i] + text[j:]
        elif action == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS + list("()[]=,:;.'\"#\\\n"))) + text[i:]
        else:
            j = min(len(text), i + draw(st.integers(1, 8)))
            text = text[:j] + text[i:j] + text[j:]
    return text


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_mutated_programs_parse_or_raise_parse_error(text):
    _check_outcome(text)


_leaf = st.sampled_from(["x", "y", "2", "0.5", "f(x)", "a[0]", "[x, 1]", "'s'", "True", "None"])
_expressions = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "//", "%", "@", "**", "^"]), inner).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"),
        inner.map(lambda e: f"-{e}"),
        inner.map(lambda e: f"({e})"),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: f"g({', '.join(items)})"),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_expressions)
def test_generated_expressions_round_trip(text):
    first = unparse(value_of(text))
    assert unparse(value_of(first)) == first


# --- loading ----------------------------------------------------------------


def _run(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=REPO)


def test_importing_the_parser_does_not_import_lark():
    result = _run("import sys, gradcli.language.parse; print('lark' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_grammar_text_reads_the_checkout_copy():
    assert grammar_text() == (REPO / "grammar" / "gradcli.lark").read_text(encoding="utf-8")


def test_grammar_text_prefers_the_copy_inside_an_installed_package(tmp_path):
    package = tmp_path / "gradcli"
    (package / "grammar").mkdir(parents=True)
    (package / "language").mkdir()
    for name in ("source.py", "errors.py", "codes.py", "language/ast.py", "language/parse.py", "language/ast_builder.py", "language/ast_statements.py", "language/ast_blocks.py", "language/ast_expressions.py", "language/ast_tokens.py", "language/syntax_errors.py", "language/lalr.py", "language/_parser_tables.py"):
        shutil.copy(REPO / "gradcli" / name, package / name)
    (package / "__init__.py").write_text("")
    (package / "language" / "__init__.py").write_text("")
    (package / "grammar" / "gradcli.lark").write_text(
        "// packaged copy\n" + grammar_text(), encoding="utf-8")
    code = ("import gradcli.language.parse as p; from gradcli.source import Source;"
            "print(p.grammar_text().splitlines()[0]); print(len(p.parse(Source('m', 'y = 1')).statements))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(tmp_path),
                                 "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["// packaged copy", "1"]


def test_parsing_reads_and_writes_no_cache_and_loads_no_pickle(tmp_path):
    result = _run("import sys, gradcli.language.parse as p; from gradcli.source import Source;"
                  "print(len(p.parse(Source('m', 'y = 1')).statements));"
                  "print(sorted(m for m in ('pickle', 'lark', 'logging') if m in sys.modules))",
                  XDG_CACHE_HOME=str(tmp_path / "cache"), HOME=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "[]"] and result.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_byte_offsets_count_a_leading_bom():
    with pytest.raises(ParseError) as caught:
        decode_source(b"\xef\xbb\xbfy = \xff\n", "bom.grad")
    assert caught.value.diagnostics[0].message == "invalid UTF-8 at byte offset 7"
