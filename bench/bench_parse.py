"""Time parsing and resolution of a 10,000-line chain: `python bench/bench_parse.py [lines] [repeats]`.

Each line `v = sin(v) * 1.0001 + 0.1` holds 3 ops (sin, *, +). The issue's
target for parse + resolution is <= 40 us per op. Parsing and resolution are
timed separately, best of several runs, after a warm-up parse that builds (or
loads) the parser.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradcli.language.parse import parse  # noqa: E402
from gradcli.language.executor import resolve  # noqa: E402
from gradcli.source import Source  # noqa: E402

OPS_PER_LINE = 3


def chain(lines: int) -> str:
    return "var v = 0.5\n" + "v = sin(v) * 1.0001 + 0.1\n" * lines


def main(lines: int = 10_000, repeats: int = 5) -> None:
    start = time.perf_counter()
    parse(Source("warmup.grad", "var v = 0.5\n"))
    first = time.perf_counter() - start

    source = Source("chain.grad", chain(lines))
    best_parse = best_resolve = best_total = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        program = parse(source)
        parsed = time.perf_counter()
        resolve(program)
        done = time.perf_counter()
        best_parse = min(best_parse, parsed - start)
        best_resolve = min(best_resolve, done - parsed)
        best_total = min(best_total, done - start)
    assert len(program.statements) == lines + 1

    ops = lines * OPS_PER_LINE
    print(f"first parse (builds or loads the parser): {first * 1e3:.1f} ms")
    print(f"{lines} lines, {ops} ops, best of {repeats}:")
    for what, best in (("parse", best_parse), ("resolve", best_resolve), ("parse + resolve", best_total)):
        print(f"  {what:<16}{best * 1e3:8.1f} ms  {best / lines * 1e6:6.1f} us/line  {best / ops * 1e6:5.1f} us/op")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
