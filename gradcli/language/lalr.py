"""gradcli's LALR(1) runtime: a contextual lexer and the LALR loop, driven by the tables
build_parser.py makes from grammar/gradcli.lark with Lark (_parser_tables.py).

It does what Lark's LALR parser with the contextual lexer does, so the tables are the
grammar's one meaning (tests/language/test_parser_artefact.py compares the two on a corpus):

- Lexing: in each parser state only the terminals that state accepts are tried, in Lark's
  order, the first that matches winning; a NAME that spells a keyword becomes the keyword
  where the state accepts it. Of those, only the terminals whose match can start with the
  character at hand are tried (build_parser reads that from each regex): a string terminal
  with str.startswith, a regex terminal with its own regex, compiled the first time it is
  needed. So a short model compiles the few regexes it meets, and no lexer is ever built.
- Parsing: the LALR loop of Lark's ParserState.feed_token, each reduction applying the rule's
  recipe (kept children, inlined `_rule`s, None slots, `?rule`) and calling the builder's
  method of the rule's name (a Tree when it has none, as Lark's default).
- Errors: UnexpectedCharacters and UnexpectedToken carry what syntax_errors.py reads: the
  position or the token, the terminals the state would take (Lark's `accepts`: those that
  would shift after the reductions they cause) and the value stack where the parser stopped.

Nothing recurses: the stacks are lists, and each callback builds one node from its children.
"""
from __future__ import annotations

import re


class Token(str):
    """A token: its text (the str itself and .value), its terminal name, where it starts and ends
    (1-based lines and columns; end_column is the column after the last character)."""

    __slots__ = ("type", "value", "start_pos", "line", "column", "end_line", "end_column", "end_pos")

    def __new__(cls, type, value, start_pos=None, line=None, column=None, end_line=None, end_column=None, end_pos=None):
        self = str.__new__(cls, value)
        self.type, self.value, self.start_pos, self.line, self.column = type, value, start_pos, line, column
        self.end_line, self.end_column, self.end_pos = end_line, end_column, end_pos
        return self

    def update(self, type=None, value=None) -> "Token":
        return Token.new_borrow_pos(type if type is not None else self.type, value if value is not None else self.value, self)

    @classmethod
    def new_borrow_pos(cls, type, value, token) -> "Token":
        return cls(type, value, token.start_pos, token.line, token.column, token.end_line, token.end_column, token.end_pos)

    def __repr__(self):
        return f"Token({self.type!r}, {self.value!r})"

    def __eq__(self, other):  # as Lark's: tokens of different types differ even with the same text
        if isinstance(other, Token) and self.type != other.type:
            return False
        return str.__eq__(self, other)

    __hash__ = str.__hash__


class Tree:
    """What a rule without a callback builds (the `_rule`s a parent inlines, and Lark's helper rules)."""

    __slots__ = ("data", "children")

    def __init__(self, data, children):
        self.data, self.children = data, children

    def __repr__(self):
        return f"Tree({self.data!r}, {self.children!r})"


class UnexpectedInput(Exception):
    pass


class UnexpectedCharacters(UnexpectedInput):
    """No terminal matches at pos_in_stream (allowed: the terminals the state's lexer tried)."""

    def __init__(self, pos, line, column, allowed):
        super().__init__(f"no terminal matches at {line}:{column}")
        self.pos_in_stream, self.line, self.column, self.allowed = pos, line, column, allowed
        self.token = None


class UnexpectedToken(UnexpectedInput):
    """The parser's state takes no `token` (accepts: the terminals it would take; value_stack:
    what was read so far, tokens and built nodes)."""

    def __init__(self, token, accepts, value_stack):
        super().__init__(f"unexpected {token.type} at {token.line}:{token.column}")
        self.token, self.accepts, self.value_stack = token, accepts, value_stack
        self.line, self.column, self.pos_in_stream = token.line, token.column, token.start_pos


class _StateLexer:
    """One contextual lexer: the terminals a set of parser states accepts."""

    __slots__ = ("names", "order", "allowed", "by_char")

    def __init__(self, names, order, ignore):
        self.names = frozenset(names)  # every terminal it accepts (keywords included)
        self.order = frozenset(order)  # the terminals its scanner tries (keywords folded into NAME are not)
        self.allowed = (self.order - ignore) or frozenset({"<END-OF-FILE>"})
        self.by_char = {}  # character -> ((terminal, its string or None), ...) to try, in order


class Parser:
    """The grammar's parser: `parse(text, builder, postlex)` -> what the start rule's callback returns."""

    def __init__(self, tables):
        t = tables
        self._states_raw, self._rules_raw = t.STATES, t.RULES
        self._symbols, self._offset = t.SYMBOLS, t.OFFSET
        self._actions = [None] * len(t.STATES)  # state -> {symbol: action}, made on first visit
        self._start, self._end = t.START, t.END
        self._lexers_raw, self._lexer_of = t.LEXERS, t.LEXER_OF
        self._lexers = [None] * len(t.LEXERS)
        self._regexps = {name: regexp for name, regexp, _ in t.TERMINALS}
        self._strings = {name: string for name, _, string in t.TERMINALS if string is not None}
        self._ignore = frozenset(t.IGNORE)
        self._newlines = frozenset(t.NEWLINES)
        self._keywords = {name: dict(words) for name, words in t.KEYWORDS}
        self._first = {char: names for char, names in t.FIRST}
        self._other = t.OTHER
        self._root_lexer = _StateLexer(t.ROOT, t.ROOT, self._ignore)
        self._compiled = {}  # terminal -> its regex's match, compiled on first use
        self._reducers = None  # rule -> its reducer, made on first use, for self._builder
        self._builder = self  # no builder yet (None is a builder with no callbacks)

    # ------------------------------------------------------------ tables, on first use

    def _state(self, state):
        pairs = self._states_raw[state]  # (symbol, action) as character pairs (build_parser.tables)
        symbols, offset = self._symbols, self._offset
        actions = self._actions[state] = {symbols[ord(s)]: ord(a) - offset for s, a in zip(pairs[::2], pairs[1::2])}
        return actions

    def _lexer(self, state):
        index = self._lexer_of[state]
        lexer = self._lexers[index]
        if lexer is None:
            lexer = self._lexers[index] = _StateLexer(*self._lexers_raw[index], self._ignore)
        return lexer

    def _reducer(self, index):
        """Rule `index` as (origin, length, function, ?rule, kept children, Nones after)."""
        origin, size, callback, expand1, include, append = self._rules_raw[index]
        function = getattr(self._builder, callback, None)
        if function is None:  # Lark's default: a tree named after the rule
            def function(children, _name=callback):
                return Tree(_name, children)
        reducer = self._reducers[index] = (origin, size, function, expand1, include, append)
        return reducer

    # ------------------------------------------------------------ lexing

    def _candidates(self, lexer, char):
        """What `lexer` tries where the text goes on with `char`: its terminals that can start so."""
        names = self._first.get(char, ()) if char < "\x80" else self._other
        strings = self._strings
        tried = lexer.by_char[char] = tuple((name, strings.get(name)) for name in names if name in lexer.order)
        return tried

    def _match(self, name):
        match = self._compiled[name] = re.compile(self._regexps[name]).match
        return match

    def _scan(self, lexer, text, pos):
        """(terminal, text) of the first of lexer's terminals that matches at pos, or (None, None)."""
        tried = lexer.by_char.get(text[pos])
        if tried is None:
            tried = self._candidates(lexer, text[pos])
        compiled = self._compiled
        for name, string in tried:
            if string is not None:  # a string terminal (a keyword, a bracket): no regex needed
                if text.startswith(string, pos):
                    return name, string
            else:
                found = (compiled.get(name) or self._match(name))(text, pos)
                if found is not None:
                    return name, found.group()
        return None, None

    def _tokens(self, text, stack):
        """The tokens of text, each lexed in the parser state it meets (stack[-1])."""
        lexers, lexer_of, lexer_for, scan = self._lexers, self._lexer_of, self._lexer, self._scan
        ignore, newlines, keywords = self._ignore, self._newlines, self._keywords
        pos, line, line_start, end = 0, 1, 0, len(text)
        while pos < end:
            state = stack[-1]
            lexer = lexers[lexer_of[state]] or lexer_for(state)
            kind, value = scan(lexer, text, pos)
            if kind is None:
                self._lexing_error(text, pos, line, pos - line_start + 1, lexer)
            start, start_line, column = pos, line, pos - line_start + 1
            pos += len(value)
            if kind in newlines:
                count = value.count("\n")
                if count:
                    line += count
                    line_start = start + value.rindex("\n") + 1
            if kind in ignore:
                continue
            words = keywords.get(kind)
            if words is not None:
                word = words.get(value)
                if word is not None and word in lexer.names:
                    kind = word
            yield Token(kind, value, start, start_line, column, line, pos - line_start + 1, pos)

    def _lexing_error(self, text, pos, line, column, lexer):
        """As Lark's contextual lexer: a terminal of another state here is an unexpected token
        (the state's stacks are added by parse), nothing at all is an unexpected character."""
        kind, value = self._scan(self._root_lexer, text, pos)
        if kind is None:
            raise UnexpectedCharacters(pos, line, column, set(lexer.allowed))
        kind = self._keywords.get(kind, {}).get(value, kind)
        end_line, end_column = line, column + len(value)
        if kind in self._newlines and "\n" in value:
            end_line = line + value.count("\n")
            end_column = len(value) - value.rindex("\n")
        token = Token(kind, value, pos, line, column, end_line, end_column, pos + len(value))
        raise UnexpectedToken(token, set(lexer.allowed), None)

    # ------------------------------------------------------------ parsing

    def parse(self, text, builder, postlex=None):
        if self._builder is not builder:
            self._builder, self._reducers = builder, [None] * len(self._rules_raw)
        stack, values = [self._start], []
        tokens = self._tokens(text, stack)
        if postlex is not None:
            tokens = postlex.process(tokens)
        token = None
        try:
            for token in tokens:
                self._feed(token, stack, values, False)
            # as Lark: the end borrows the last token's place (a token is false when its text is empty)
            end = Token.new_borrow_pos("$END", "", token) if token else Token("$END", "", 0, 1, 1)
            return self._feed(end, stack, values, True)
        except UnexpectedToken as error:
            if error.value_stack is None:  # raised by the lexer: the parser's state now
                error.value_stack = values
                error.accepts = self.accepts(stack) or error.accepts
            raise

    def _feed(self, token, stack, values, is_end):
        """Lark's ParserState.feed_token: reduce while the state says so, then shift the token."""
        actions_of, reducers, end_state = self._actions, self._reducers, self._end
        kind = token.type
        while True:
            state = stack[-1]
            actions = actions_of[state] or self._state(state)
            action = actions.get(kind)
            if action is None:
                raise UnexpectedToken(token, self.accepts(stack) or {s for s in actions if s.isupper()}, values)
            if action >= 0:
                stack.append(action)
                values.append(token)
                return None
            origin, size, function, expand1, include, append = reducers[-1 - action] or self._reducer(-1 - action)
            if size:
                taken = values[-size:]
                del values[-size:]
                del stack[-size:]
            else:
                taken = []
            if include is not None:  # Lark's ChildFilterLALR
                children = []
                for i, inline, nones in include:
                    if nones:
                        children += [None] * nones
                    if inline:  # a `_rule`: its children in its place
                        if children:
                            children += taken[i].children
                        else:  # the common left-recursive case: extend its list
                            children = taken[i].children
                    else:
                        children.append(taken[i])
                if append:
                    children += [None] * append
            else:
                children = taken
            value = children[0] if expand1 and len(children) == 1 else function(children)
            state = stack[-1]
            stack.append((actions_of[state] or self._state(state))[origin])
            values.append(value)
            if is_end and stack[-1] == end_state:
                return values[-1]

    def accepts(self, stack) -> set:
        """Lark's InteractiveParser.accepts: the terminals of the state that would be shifted
        after the reductions they cause (no callbacks: only the states are followed)."""
        accepted = set()
        state_actions = self._actions[stack[-1]] or self._state(stack[-1])
        for kind in state_actions:
            if not kind.isupper():  # a rule's name
                continue
            trial = list(stack)
            while True:
                actions = self._actions[trial[-1]] or self._state(trial[-1])
                action = actions.get(kind)
                if action is None:
                    break
                if action >= 0:
                    accepted.add(kind)
                    break
                origin, size = self._rules_raw[-1 - action][:2]
                if size:
                    del trial[-size:]
                actions = self._actions[trial[-1]] or self._state(trial[-1])
                trial.append(actions[origin])
                if kind == "$END" and trial[-1] == self._end:
                    accepted.add(kind)
                    break
        return accepted
