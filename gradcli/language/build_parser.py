"""Regenerate gradcli/language/_lark_standalone.py from grammar/gradcli.lark.

    python -m gradcli.language.build_parser          # rewrite the shipped parser
    python -m gradcli.language.build_parser --check  # exit 1 if it is out of date

The shipped parser is Lark's stand-alone LALR generator output: Lark's
runtime (lexer, LALR driver, Indenter) and the grammar's tables as Python
literals, in one module. Loading it imports no Lark, reads no cache and no
pickle, and builds no tables (tests/language/test_parser_artefact.py checks
that it matches the grammar). Run this after every change to the grammar or
to the postlexer's `always_accept` in parse.py; it needs Lark installed, the
shipped parser does not.

A few lines of Lark's runtime are replaced (each replacement must match
exactly once, so a Lark upgrade that moves them fails here, loudly):
`logging` (an import this parser never uses for anything but silence),
`pickle` (no pickle is ever loaded: the tables are literals), and the
optional `regex` and `interegular` imports (not used by this grammar).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import sys
import types
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "_lark_standalone.py"

# The options the shipped parser is built with (at run time parse.py adds the
# transformer and the postlexer, the two options a stand-alone parser takes).
OPTIONS = dict(parser="lalr", lexer="contextual", maybe_placeholders=True)

_NULL_LOGGER = '''\
class _NullLogger:
    """gradcli: Lark's logger, silent (logging is never imported)."""

    def _nothing(self, *args, **kwargs):
        pass

    debug = info = warning = error = exception = setLevel = addHandler = _nothing


logger = _NullLogger()
'''

_NO_PICKLE = '''\
class pickle:  # gradcli: no pickle is ever loaded or written
    HIGHEST_PROTOCOL = 0

    @staticmethod
    def load(*args, **kwargs):
        raise TypeError("gradcli's parser loads no pickles")

    dump = loads = dumps = load
'''

_LAZY_STATES = '''

class _LazyStates(dict):
    """gradcli: the parse table, each state's actions made from the data on first use."""

    def __init__(self, raw, tokens, memo):
        super().__init__()
        self._raw, self._tokens, self._memo = raw, tokens, memo

    def __missing__(self, state):
        # the data holds each state as text, "token,action,argument;..." (build_parser._compact)
        tokens, memo = self._tokens, self._memo
        actions = {}
        text = self._raw[state]
        for item in text.split(";") if text else ():
            token, action, arg = item.split(",")
            arg = int(arg)
            actions[tokens[int(token)]] = (Reduce, memo[arg]) if action == "1" else (Shift, arg)
        self[state] = actions
        return actions

    def _fill(self):
        if dict.__len__(self) < len(self._raw):
            for state in self._raw:
                self[state]

    def __contains__(self, state):
        return state in self._raw

    def __len__(self):
        return len(self._raw)

    def __iter__(self):
        return iter(self._raw)

    def keys(self):
        self._fill()
        return dict.keys(self)

    def values(self):
        self._fill()
        return dict.values(self)

    def items(self):
        self._fill()
        return dict.items(self)

    def get(self, state, default=None):
        return self[state] if state in self._raw else default


class _LazyAccepts:
    """gradcli: state -> the terminals it accepts, read from the (lazy) parse table when asked."""

    def __init__(self, states):
        self._states = states

    def __getitem__(self, state):
        return list(self._states[state].keys())

    def __len__(self):
        return len(self._states)

    def __iter__(self):
        return iter(self._states)

    def items(self):
        return ((state, list(actions.keys())) for state, actions in self._states.items())
'''

# (old text, new text): each old text must occur exactly once in Lark's output
_REPLACEMENTS = [
    ("import logging\n", ""),
    (
        'logger: logging.Logger = logging.getLogger("lark")\n'
        "logger.addHandler(logging.StreamHandler())\n##\n\n##\n\n"
        "logger.setLevel(logging.CRITICAL)\n",
        _NULL_LOGGER,
    ),
    ("try:\n    import regex\n    _has_regex = True\nexcept ImportError:\n    _has_regex = False\n",
     "regex = None\n_has_regex = False  # gradcli: the optional `regex` module is never imported\n"),
    ("import pickle, zlib, base64\n", _NO_PICKLE),
    # One object per grammar symbol instead of one per occurrence in a rule (symbols are
    # compared by name and never changed after loading): half the objects the tables make.
    (
        "        if '__type__' in data:  ##\n\n"
        "            class_ = namespace[data['__type__']]\n"
        "            return class_.deserialize(data, memo)\n",
        "        if '__type__' in data:\n"
        "            kind = data['__type__']\n"
        "            if kind == 'Terminal' or kind == 'NonTerminal':  # gradcli: symbols shared\n"
        "                key = (kind, data['name'], data.get('filter_out'))\n"
        "                symbol = _SYMBOLS.get(key)\n"
        "                if symbol is None:\n"
        "                    symbol = _SYMBOLS[key] = namespace[kind].deserialize(data, memo)\n"
        "                return symbol\n"
        "            class_ = namespace[kind]\n"
        "            return class_.deserialize(data, memo)\n",
    ),
    ("def _deserialize(data: Any, namespace: Dict[str, Any], memo: Dict) -> Any:\n",
     "_SYMBOLS: Dict = {}\n\n\ndef _deserialize(data: Any, namespace: Dict[str, Any], memo: Dict) -> Any:\n"),
    # The parse table: each state's actions are made the first time the parser is in that state
    # (a model visits a few dozen of the grammar's states; making all of them was most of the
    # load time of a large grammar). Iterating the table makes every state first, so any other
    # use sees the whole table.
    (
        "        tokens = data['tokens']\n"
        "        states = {\n"
        "            state: {tokens[token]: ((Reduce, Rule.deserialize(arg, memo)) if action==1 else (Shift, arg))\n"
        "                    for token, (action, arg) in actions.items()}\n"
        "            for state, actions in data['states'].items()\n"
        "        }\n"
        "        return cls(states, data['start_states'], data['end_states'])\n",
        "        states = _LazyStates(data['states'], data['tokens'], memo)  # gradcli: made on first use\n"
        "        return cls(states, data['start_states'], data['end_states'])\n"
        + _LAZY_STATES,
    ),
    (
        "    states: Dict[int, Collection[str]] = {idx:list(t.keys()) for idx, t in parse_table.states.items()}\n",
        "    states = _LazyAccepts(parse_table.states)  # gradcli: a state's terminals, when first asked\n",
    ),
    # A memo reference (every Reduce action of the table is one) returns before the class's
    # namespace is built: a third of the time it takes to load the tables.
    (
        "        namespace = getattr(cls, '__serialize_namespace__', [])\n"
        "        namespace = {c.__name__:c for c in namespace}\n\n"
        "        fields = getattr(cls, '__serialize_fields__')\n\n"
        "        if '@' in data:\n"
        "            return memo[data['@']]\n",
        "        if '@' in data:  # gradcli: a memo reference first, before any other work\n"
        "            return memo[data['@']]\n\n"
        "        namespace = getattr(cls, '__serialize_namespace__', [])\n"
        "        namespace = {c.__name__:c for c in namespace}\n\n"
        "        fields = getattr(cls, '__serialize_fields__')\n",
    ),
]


def inputs_digest(grammar: str, always_accept) -> str:
    """What the shipped parser is a function of: the grammar, the options, the postlexer's terminals, Lark's version."""
    import lark

    key = repr((grammar, sorted(OPTIONS.items()), tuple(always_accept), lark.__version__))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _lark_runtime():
    """Lark's own classes under the names the shipped module gives them, for parse._postlexer."""
    from lark import Token
    from lark.indenter import Indenter
    from lark.lark import PostLex

    return types.SimpleNamespace(Token=Token, Indenter=Indenter, PostLex=PostLex)


def build_lark(transformer=None, grammar=None, postlexer=None):
    """A Lark parser built from the grammar text, the way the shipped one was (tests compare the two).

    grammar and postlexer (a function of the runtime, as parse._postlexer) default to gradcli's.
    """
    from lark import Lark

    from . import parse

    postlex = (postlexer or parse._postlexer)(_lark_runtime())
    return Lark(grammar if grammar is not None else parse.grammar_text(), postlex=postlex, transformer=transformer, **OPTIONS)


def generate(grammar=None, postlexer=None) -> str:
    """The text of _lark_standalone.py for the current grammar (or the given one)."""
    import lark
    from lark.tools.standalone import gen_standalone

    from . import parse

    grammar = grammar if grammar is not None else parse.grammar_text()
    always_accept = (postlexer or parse._postlexer)(_lark_runtime()).always_accept
    built = build_lark(grammar=grammar, postlexer=postlexer)
    # The postlexer shaped the tables (its terminals are kept) but is given again at load
    # time: it is no part of the data (Lark would write the object's repr).
    built.options.postlex = None
    serialize = built.memo_serialize
    built.memo_serialize = lambda types: _compact(*serialize(types))
    out = io.StringIO()
    gen_standalone(built, out=out)
    text = out.getvalue()
    for old, new in _REPLACEMENTS:
        count = text.count(old)
        if count != 1:
            raise SystemExit(f"Lark {lark.__version__}'s stand-alone output has {count} copies of {old[:40]!r}, expected 1: update build_parser.py")
        text = text.replace(old, new)
    header = (
        "# gradcli's parser: generated by `python -m gradcli.language.build_parser` from\n"
        "# grammar/gradcli.lark. Do not edit; regenerate after changing the grammar.\n"
        f"INPUTS_SHA256 = {inputs_digest(grammar, always_accept)!r}\n"
        f"ALWAYS_ACCEPT = {tuple(always_accept)!r}\n"
    )
    return header + text


def _compact(data, memo):
    """The parse table's states as text, one string a state: a dict of strings loads as constants,
    where a dict of dicts of tuples is built object by object at import (a third of the load
    time of the pasted-code grammar). _LazyStates reads a state's string on first use."""
    table = data["parser"]["parser"]
    states = {}
    for state, actions in table["states"].items():
        items = []
        for token, (action, arg) in actions.items():
            if action == 1:
                assert isinstance(arg, dict) and set(arg) == {"@"}, arg  # a Reduce names its rule in the memo
                arg = arg["@"]
            items.append(f"{int(token)},{int(action)},{int(arg)}")
        states[state] = ";".join(items)
    table["states"] = states
    return data, memo


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether the shipped parser is up to date")
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
