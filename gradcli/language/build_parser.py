"""Regenerate gradcli/language/_parser_tables.py from grammar/gradcli.lark.

    python -m gradcli.language.build_parser          # rewrite the shipped tables
    python -m gradcli.language.build_parser --check  # exit 1 if they are out of date

Lark (a build and test dependency, never imported at run time) builds the
grammar's LALR parser here, and what its parser would do is written down as
plain Python literals (tuples, strings, ints: the module loads as one marshal
constant, with no deserialising loop and no pickle) for gradcli's own runtime,
lalr.py:

- the parse table: each state's actions (shift or goto to a state, or reduce by a rule);
- the terminals in the order Lark's lexers try them, the root lexer's alternatives (one
  master regex), what each contextual-lexer state accepts, the keywords a NAME becomes;
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
FORMAT = 1


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


def _covered(name, keywords, by_name, rank) -> bool:
    """Whether a regexp that folds string terminal `name` matches wherever it does, and is tried before it."""
    for regexp_name, words in keywords.items():
        if name in words.values():
            regexp = by_name[regexp_name].pattern.to_regexp()
            plain = not any(mark in regexp for mark in ("(?=", "(?!", "(?<", "\\b", "\\B", "$", "^", "\\Z", "\\A"))
            if plain and rank[regexp_name] < rank[name]:
                return True
    return False


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

    # terminals, in Lark's order; the root lexer (every terminal) is the master regex
    terminals = sorted(built.terminals, key=_sort_key)
    assert all(not t.pattern.flags for t in terminals)  # a string terminal is matched as its text
    rank = {t.name: i for i, t in enumerate(terminals)}
    root = contextual.root_lexer
    root_list = [t.name for t in root.scanner.terminals]
    assert root_list == sorted(root_list, key=rank.__getitem__)
    keywords = _keywords(root)
    newlines = root.newline_types
    ignore = frozenset(built.lexer_conf.ignore)

    by_name = {t.name: t for t in terminals}
    # one entry per distinct contextual lexer: (its terminals, its scanner's order, the fast set)
    lexers, lexer_of, seen = [], [], {}
    states = sorted(table.states)
    assert states == list(range(len(states)))
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
            # Strings the root lexer folds into NAME but this lexer tries on their own (it has
            # no NAME): where one matches, NAME (tried before it) matches too, so the master
            # regex's match comes before it; unless its folding regexp could fail where it
            # matches (a lookaround), or comes after it: then nothing after it is fast.
            extra = [rank[n] for n in order if n not in root_list and not _covered(n, keywords, by_name, rank)]
            first_extra = min(extra, default=len(rank))
            fast = [n for n in order if n in root_list and rank[n] < first_extra]
            seen[id(lexer)] = len(lexers)
            lexers.append((tuple(sorted(names)), tuple(order), tuple(fast)))
        lexer_of.append(seen[id(lexer)])

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

    actions = []
    for state in states:
        keys, values = [], []
        for symbol, (action, arg) in table.states[state].items():
            keys.append(str(symbol))
            if action is Shift:
                values.append(int(arg))
            else:
                assert action is Reduce
                values.append(-1 - index[arg])
        actions.append((tuple(keys), tuple(values)))

    return {
        "ALWAYS_ACCEPT": always_accept,
        "START": table.start_states["start"],
        "END": table.end_states["start"],
        "TERMINALS": tuple((t.name, t.pattern.to_regexp(), t.pattern.value if t.pattern.type == "str" else None)
                           for t in terminals),
        "ROOT": tuple(root_list),
        "IGNORE": tuple(sorted(ignore)),
        "NEWLINES": tuple(sorted(newlines)),
        "KEYWORDS": tuple((name, tuple(sorted(words.items()))) for name, words in sorted(keywords.items())),
        "LEXERS": tuple(lexers),
        "LEXER_OF": tuple(lexer_of),
        "RULES": tuple(recipes),
        "STATES": tuple(actions),
    }


_COMMENTS = {
    "ALWAYS_ACCEPT": "terminals the postlexer needs lexed in every state",
    "START": "the parser's first state, and the state after `start` is reduced",
    "TERMINALS": "(name, regexp, the string or None), in the order Lark's lexers try them",
    "ROOT": "the root lexer's alternatives, in order: the master regex",
    "KEYWORDS": "regexp terminal -> ((string, terminal it becomes where that one is accepted), ...)",
    "LEXERS": "one per contextual lexer: (terminals accepted, its scanner's order, root matches taken as they are)",
    "LEXER_OF": "state -> its lexer",
    "RULES": "(origin, length, callback, ?rule, kept children ((index, inline _rule, Nones before), ...) or None, Nones after)",
    "STATES": "state -> ((symbol, ...), (action, ...)): action >= 0 shifts to (or goes to) that state, -1 - r reduces rule r",
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
