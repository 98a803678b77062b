"""f-string bodies -> literal text and `{field!conversion:spec}` parts (the interpreter parses each field)."""
from __future__ import annotations


def fields(text: str):
    """Yield (literal, field or None, conversion, spec, offset) in order; `{{` and `}}` are braces."""
    i, n = 0, len(text)
    literal = []
    while i < n:
        c = text[i]
        if c == "{" and text[i + 1: i + 2] == "{":
            literal.append("{")
            i += 2
            continue
        if c == "}" and text[i + 1: i + 2] == "}":
            literal.append("}")
            i += 2
            continue
        if c != "{":
            literal.append(c)
            i += 1
            continue
        depth, j = 1, i + 1
        while j < n and depth:
            if text[j] in "([{":
                depth += 1
            elif text[j] in ")]}":
                depth -= 1
            j += 1
        body = text[i + 1: j - 1]
        field, conversion, spec = body, "", ""
        bracket = 0
        for k, ch in enumerate(body):
            if ch in "([{":
                bracket += 1
            elif ch in ")]}":
                bracket -= 1
            elif ch == "!" and bracket == 0 and body[k + 1: k + 2] in ("r", "s", "a") and body[k + 2: k + 3] in ("", ":"):
                field, rest = body[:k], body[k + 1:]
                conversion, _, spec = rest.partition(":")
                break
            elif ch == ":" and bracket == 0:
                field, spec = body[:k], body[k + 1:]
                break
        if field.rstrip().endswith("="):  # f"{x=}"
            literal.append(field)
            field = field.rstrip()[:-1]
        yield "".join(literal), field, conversion, spec, i
        literal = []
        i = j
    yield "".join(literal), None, "", "", n
