"""Regenerate gradcli/language/_parser_tables.py from grammar/gradcli.lark.

    python -m gradcli.language.build_parser          # rewrite the shipped tables
    python -m gradcli.language.build_parser --check  # exit 1 if they are out of date

Lark (a build and test dependency, never imported at run time) builds the
grammar's LALR parser here, and what its parser would do is written down as
plain Python literals (tuples, strings, ints: marshal loads them, with no deserialising
loop and no pickle) for gradcli's own runtime, lalr.py:

- the parse table: each state's actions (shift or goto to a state, or reduce by a rule),
  one string a state, its states numbered in a fixed order (Lark's vary from run to run);
- the terminals in the order Lark's lexers try them, the characters each can start with
  (read from its regex), what each contextual-lexer state tries, the keywords a NAME becomes;
- each rule's reduction recipe, as Lark's ParseTreeBuilder would apply it: the callback
  name (alias or rule name), `?rule` (a single child is returned as it is), the children
  kept (anonymous "tokens" filtered out unless `!rule`), `_rule`s inlined into the parent,
  and the None slots `[x]` leaves with maybe_placeholders.

Everything is read from Lark's own objects (its lexers' scanners and callbacks, its
parse-tree builder's wrappers), with asserts where gradcli's runtime assumes something of
them, so a Lark upgrade that changes them fails here, loudly.
tests/language/test_parser_artefact.py checks that the shipped tables match the grammar and
compares the runtime's ASTs and diagnostics with Lark's own LALR parser. Run this after every
change to the grammar or to the postlexer's `always_accept` in parse.py.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import types
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "_parser_tables.py"

# The options Lark builds the reference parser with (maybe_placeholders: `[x]` is None when absent).
OPTIONS = dict(parser="lalr", lexer="contextual", maybe_placeholders=True)
# Changes whenever the tables' format or their extraction changes (part of the inputs digest).
FORMAT = 3


def inputs_digest(grammar: str, always_accept) -> str:
    """What the shipped tables are a function of: the grammar, the options, the postlexer's terminals,
    Lark's version and this generator's format."""
    import lark

    key = repr((grammar, sorted(OPTIONS.items()), tuple(always_accept), lark.__version__, FORMAT))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _lark_runtime():
    """Lark's token class, for the postlexer of the reference parser (parse._postlexer)."""
    from lark import Token

    return types.SimpleNamespace(Token=Token)


def build_lark(transformer=None, grammar=None, postlexer=None):
    """Lark's own LALR parser for the grammar text: the reference the tables are made from and the
    tests compare with. grammar and postlexer (a function of the runtime, as parse._postlexer)
    default to gradcli's."""
    from lark import Lark

    from . import parse

    postlex = (postlexer or parse._postlexer)(_lark_runtime())
    return Lark(grammar if grammar is not None else parse.grammar_text(), postlex=postlex, transformer=transformer, **OPTIONS)


def _sort_key(terminal):
    # Lark's BasicLexer tries terminals in this order (the first alternative that matches wins)
    return (-terminal.priority, -terminal.pattern.max_width, -len(terminal.pattern.value), terminal.name)


def _keywords(lexer):
    """A lexer's UnlessCallbacks as {regexp terminal: {string: string terminal}}."""
    from lark.lexer import PatternStr, UnlessCallback

    lexer.scanner  # builds lexer.callback
    out = {}
    for name, callback in lexer.callback.items():
        assert isinstance(callback, UnlessCallback), (name, callback)
        words = {}
        for terminal in callback.scanner.terminals:
            assert isinstance(terminal.pattern, PatternStr) and not terminal.pattern.flags, terminal
            words[terminal.pattern.value] = terminal.name
        out[name] = words
    return out


def _canonical_order(table) -> list:
    """The states in the order a breadth-first walk from the start state meets them (symbols sorted)."""
    from lark.parsers.lalr_analysis import Shift

    order = [table.start_states["start"]]
    seen = set(order)
    for state in order:  # grows as it is walked
        for symbol, (action, arg) in sorted(table.states[state].items()):
            if action is Shift and arg not in seen:
                seen.add(arg)
                order.append(arg)
    order += sorted(set(table.states) - seen)
    return order


def _first_characters(regexp: str):
    """The ASCII characters a match of regexp can start with, and whether it can start with
    any other character. Read from the regex's parse tree; what it does not know is "any"
    (more candidates only costs a failed match at run time; fewer would be wrong)."""
    from re import _constants as C, _parser

    every = frozenset(map(chr, range(128)))
    categories = {
        C.CATEGORY_DIGIT: frozenset("0123456789"),
        C.CATEGORY_SPACE: frozenset(" \t\n\r\f\v\x1c\x1d\x1e\x1f"),
        C.CATEGORY_WORD: frozenset(c for c in every if c.isalnum() or c == "_"),
    }

    def sequence(items):  # -> (ASCII characters, other characters?, can match empty?)
        chars, other = set(), False
        for op, av in items:
            c, o, empty = item(op, av)
            chars |= c
            other |= o
            if not empty:
                return chars, other, False
        return chars, other, True

    def item(op, av):
        if op is C.LITERAL:
            return ({chr(av)} if av < 128 else set()), av >= 128, False
        if op is C.IN:
            chars, other, negate = set(), False, False
            for kind, value in av:
                if kind is C.NEGATE:
                    negate = True
                elif kind is C.LITERAL:
                    chars |= {chr(value)} if value < 128 else set()
                    other |= value >= 128
                elif kind is C.RANGE:
                    chars |= {chr(c) for c in range(value[0], min(value[1], 127) + 1)}
                    other |= value[1] >= 128
                elif kind is C.CATEGORY and value in categories:
                    chars |= categories[value]
                    other = True
                else:
                    return set(every), True, False
            return (set(every - chars) if negate else chars), other or negate, False
        if op is C.SUBPATTERN:
            _group, add_flags, _del_flags, pattern = av
            if add_flags & (C.SRE_FLAG_IGNORECASE | C.SRE_FLAG_VERBOSE):
                return set(every), True, True
            return sequence(pattern.data)
        if op is C.BRANCH:
            chars, other, empty = set(), False, False
            for alternative in av[1]:
                c, o, e = sequence(alternative.data)
                chars |= c
                other |= o
                empty |= e
            return chars, other, empty
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)):
            low, _high, pattern = av
            c, o, e = sequence(pattern.data)
            return c, o, e or low == 0
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):  # zero width: the next item starts the match
            return set(), False, True
        return set(every), True, True  # NOT_LITERAL, ANY, references, ...: anything

    chars, other, _empty = sequence(_parser.parse(regexp).data)
    return frozenset(chars), other


def tables(grammar=None, postlexer=None) -> dict:
    """The runtime's tables for the grammar, as a dict of plain literals."""
    from lark.parse_tree_builder import ChildFilterLALR, ChildFilterLALR_NoPlaceholders, ExpandSingleChild
    from lark.parsers.lalr_analysis import Reduce, Shift

    from . import parse

    built = build_lark(grammar=grammar, postlexer=postlexer)
    assert not built.lexer_conf.g_regex_flags and not built.lexer_conf.use_bytes
    frontend = built.parser
    contextual = getattr(frontend.lexer, "lexer", frontend.lexer)  # behind the postlexer's connector
    table = frontend.parser._parse_table
    always_accept = tuple(getattr((postlexer or parse._postlexer)(_lark_runtime()), "always_accept", ()))

    # terminals, in Lark's order; the root lexer tries every one (keywords folded into NAME)
    terminals = sorted(built.terminals, key=_sort_key)
    assert all(not t.pattern.flags for t in terminals)  # a string terminal is matched as its text
    rank = {t.name: i for i, t in enumerate(terminals)}
    root = contextual.root_lexer
    root_list = [t.name for t in root.scanner.terminals]
    assert root_list == sorted(root_list, key=rank.__getitem__)
    keywords = _keywords(root)
    newlines = root.newline_types
    ignore = frozenset(built.lexer_conf.ignore)

    # one entry per distinct contextual lexer: (its terminals, its scanner's order)
    lexers, lexer_of, seen = [], [], {}
    assert sorted(table.states) == list(range(len(table.states)))
    states = _canonical_order(table)  # new number -> Lark's (whose numbering varies from run to run)
    new_number = {state: i for i, state in enumerate(states)}
    for state in states:
        lexer = contextual.lexers[state]
        if id(lexer) not in seen:
            names = {t.name for t in lexer.terminals}
            order = [t.name for t in lexer.scanner.terminals]
            assert order == sorted(order, key=rank.__getitem__)
            assert lexer.ignore_types == ignore and lexer.newline_types == newlines & names
            # its keywords are the root's, less those it does not accept
            mine = {name: {w: k for w, k in words.items() if k in names} for name, words in keywords.items() if name in names}
            assert _keywords(lexer) == {name: words for name, words in mine.items() if words}
            seen[id(lexer)] = len(lexers)
            lexers.append((tuple(sorted(names)), tuple(order)))
        lexer_of.append(seen[id(lexer)])

    # character -> the terminals a match can start with, in Lark's order (OTHER: a non-ASCII one)
    first, other = {chr(c): [] for c in range(128)}, []
    for terminal in terminals:
        chars, beyond = _first_characters(terminal.pattern.to_regexp())
        for char in chars:
            first[char].append(terminal.name)
        if beyond:
            other.append(terminal.name)
    first = {char: names for char, names in first.items() if names}

    # reduction recipes, from the parse-tree builder's wrappers
    rules = list(built.rules)
    index = {rule: i for i, rule in enumerate(rules)}
    recipes = []
    for rule, chain in built._parse_tree_builder.rule_builders:
        expand1, include, append = False, None, 0
        for wrapper in chain:
            if wrapper is ExpandSingleChild:
                expand1 = True
            elif wrapper.func is ChildFilterLALR:
                include = tuple((i, bool(expand), nones) for i, expand, nones in wrapper.args[0])
                append = wrapper.args[1]
            elif wrapper.func is ChildFilterLALR_NoPlaceholders:
                include = tuple((i, bool(expand), 0) for i, expand in wrapper.args[0])
            else:
                raise AssertionError(f"a wrapper gradcli's runtime does not apply: {wrapper!r}")
        assert chain.index(ExpandSingleChild) == 0 if expand1 else True  # applied after the filter
        assert rule.options.template_source is None
        callback = str(rule.alias or rule.origin.name)
        recipes.append((str(rule.origin.name), len(rule.expansion), callback, expand1, include, append))
    assert [r for r, _ in built._parse_tree_builder.rule_builders] == rules

    # each state as one string of (symbol, action) character pairs: a string loads as one
    # object, where tuples of names and ints are thousands (the table's load time)
    symbols = sorted({str(symbol) for actions in table.states.values() for symbol in actions})
    symbol_index = {name: i for i, name in enumerate(symbols)}
    offset = len(rules) + 1
    encoded = []
    for state in states:
        pairs = []
        for symbol, (action, arg) in sorted(table.states[state].items()):
            if action is Shift:
                value = new_number[arg]
            else:
                assert action is Reduce
                value = -1 - index[arg]
            pairs.append(chr(symbol_index[str(symbol)]) + chr(value + offset))
        encoded.append("".join(pairs))
    assert len(symbols) < 0xD800 and len(states) + offset < 0xD800  # no surrogate characters

    return {
        "ALWAYS_ACCEPT": always_accept,
        "START": new_number[table.start_states["start"]],
        "END": new_number[table.end_states["start"]],
        "TERMINALS": tuple((t.name, t.pattern.to_regexp(), t.pattern.value if t.pattern.type == "str" else None)
                           for t in terminals),
        "ROOT": tuple(root_list),
        "FIRST": tuple((char, tuple(names)) for char, names in sorted(first.items())),
        "OTHER": tuple(other),
        "IGNORE": tuple(sorted(ignore)),
        "NEWLINES": tuple(sorted(newlines)),
        "KEYWORDS": tuple((name, tuple(sorted(words.items()))) for name, words in sorted(keywords.items())),
        "LEXERS": tuple(lexers),
        "LEXER_OF": tuple(lexer_of),
        "RULES": tuple(recipes),
        "SYMBOLS": tuple(symbols),
        "OFFSET": offset,
        "STATES": tuple(encoded),
    }


_COMMENTS = {
    "ALWAYS_ACCEPT": "terminals the postlexer needs lexed in every state",
    "START": "the parser's first state, and the state after `start` is reduced",
    "TERMINALS": "(name, regexp, the string or None), in the order Lark's lexers try them",
    "ROOT": "the root lexer's alternatives, in order (every terminal; keywords are NAMEs it retypes)",
    "FIRST": "character -> the terminals whose match can start with it, in that order",
    "OTHER": "the terminals whose match can start with a non-ASCII character",
    "KEYWORDS": "regexp terminal -> ((string, terminal it becomes where that one is accepted), ...)",
    "LEXERS": "one per contextual lexer: (terminals accepted, the terminals its scanner tries, in order)",
    "LEXER_OF": "state -> its lexer",
    "RULES": "(origin, length, callback, ?rule, kept children ((index, inline _rule, Nones before), ...) or None, Nones after)",
    "SYMBOLS": "the terminals and rules the parse table names",
    "STATES": ("state -> its actions, as character pairs: SYMBOLS[ord(first)], and ord(second) - OFFSET, which\n"
               "# shifts to (or goes to) that state when >= 0, and reduces by RULES[-1 - action] when < 0"),
}


def generate(grammar=None, postlexer=None) -> str:
    """The text of _parser_tables.py for the current grammar (or the given one)."""
    from . import parse

    grammar = grammar if grammar is not None else parse.grammar_text()
    data = tables(grammar, postlexer)
    lines = [
        "# gradcli's parser tables: generated by `python -m gradcli.language.build_parser` from",
        "# grammar/gradcli.lark (Lark's LALR analysis, read by gradcli/language/lalr.py).",
        "# Do not edit; regenerate after changing the grammar.",
        f"INPUTS_SHA256 = {inputs_digest(grammar, data['ALWAYS_ACCEPT'])!r}",
    ]
    for name, value in data.items():
        if name in _COMMENTS:
            lines.append(f"# {_COMMENTS[name]}")
        lines.append(f"{name} = {value!r}")
    return "\n".join(lines) + "\n"


def shipped_digest() -> str | None:
    """The INPUTS_SHA256 line of the shipped module, read as text (no import)."""
    if not OUTPUT.is_file():
        return None
    for line in OUTPUT.read_text(encoding="utf-8").splitlines()[:8]:
        if line.startswith("INPUTS_SHA256 = "):
            return line.split("=", 1)[1].strip().strip("'\"")
    return None


def current_digest() -> str:
    from . import parse

    return inputs_digest(parse.grammar_text(), parse._postlexer(_lark_runtime()).always_accept)


def load(text: str):
    """Generated tables' text as a module-like namespace (for tables of another grammar, in tests)."""
    namespace: dict = {}
    exec(compile(text, "<parser tables>", "exec"), namespace)
    return types.SimpleNamespace(**{k: v for k, v in namespace.items() if k.isupper()})


def reference_parser(builder, grammar=None, postlexer=None):
    """parse.parse_with's `run` for Lark's own parser (the tests' reference): text -> statements,
    Lark's exceptions as lalr.py's, with what syntax_errors reads of them."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    from . import lalr

    parser = build_lark(transformer=builder, grammar=grammar, postlexer=postlexer)

    def run(text):
        try:
            return parser.parse(text)
        except UnexpectedToken as error:
            state = error.interactive_parser.parser_state
            raise lalr.UnexpectedToken(error.token, set(error.accepts or error.expected or ()),
                                       list(state.value_stack)) from None
        except UnexpectedCharacters as error:
            raise lalr.UnexpectedCharacters(error.pos_in_stream, error.line, error.column, set(error.allowed)) from None

    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether the shipped tables are up to date")
    args = parser.parse_args(argv)
    if args.check:
        ok = shipped_digest() == current_digest()
        print("up to date" if ok else f"{OUTPUT.name} is out of date: run python -m gradcli.language.build_parser")
        return 0 if ok else 1
    OUTPUT.write_text(generate(), encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
