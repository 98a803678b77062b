"""Command lines built from every option of every gradcli command, for the fuzz tests
(tests/cli/test_fuzz_cli.py, tests/learn/test_fuzz_learn.py).

The options are read from the Click commands themselves, so an option added later is
fuzzed too. Each option appears now and then, mostly with a valid value, sometimes with an
edge or a hostile one: most command lines get past Click and run.
"""
from __future__ import annotations

from hypothesis import strategies as st

VALUES = {  # kind -> (valid, hostile)
    "name": (["x", "y", "W", "b", "X", "cost", "expr", "g", "pred", "dW"], ["nope", "a" * 300, "x\x1b[2J", "é", ""]),
    "feed": (["x=2", "X=[[2],[3]]", "Y=[[3],[2]]", "W=1.5", "b=0", "x=1,2,3", "x=-0.5", "y=1"],
             ["x=[[1],[1,2]]", "x=nan", "x=inf", "x=" + "9" * 30, "x=" + "1" * 5000, "n=4294967297", "x=@missing.npy",
              "x=@/dev/null.json", "x=", "=1", "x=" + "[" * 50, "x=\x1b]0;t\x07", "X=@/dev/zero.npy", "x=@empty.csv"]),
    "sample": (["x=-2:2", "W=0.5:1.5", "x=1:1", "X=0:1"], ["x=0:inf", "x=3:1", "x=nan:1", "x=a:b", "x", "n=0.1:0.2"]),
    "float": (["1e-7", "1e-3", "0"], ["-1", "nan", "inf", "1e308", "x"]),
    "int": (["0", "1", "2", "3"], ["-1", "17", "18", "1000000000000000000000", "1" * 5000, "x"]),
    "points": (["0", "1", "2"], ["-1", "1000000"]),
    "claim": (["x == x", "2*x", "x=2*x", "cos(x)"], ["sqrt(x - 5) == 3 * sqrt(x - 5)", "x ==", "y=1", "\x1b[2J"]),
    "feeds_file": (["feeds.json", "rows.jsonl"], ["missing.json", "/dev/null", "-", "bad.json", "/dev/zero"]),
    "expression": (["x**2 + x - 1", "sin(x) * y", "reduce_sum(x)", "x * W + b"], ["x +", "unstack(zeros([3, 0]))", "x % 0", "2 ** 100"]),
}


def _kind(param) -> str:
    import click

    if param.name in VALUES:
        return param.name
    if param.name in ("feeds", "grad_ys"):  # --feed's destination is `feeds`
        return "feed"
    if param.name == "claims":
        return "claim"
    if isinstance(param.type, (click.types.IntParamType, click.IntRange)):
        return "int"
    if isinstance(param.type, click.types.FloatParamType):
        return "float"
    return "name"


def option_values(param):
    """A strategy of argv pieces for one Click option."""
    import click

    flag = next((o for o in param.opts if o.startswith("--")), param.opts[0])
    if param.is_flag:
        return st.sampled_from([[], [], [flag]])
    if isinstance(param.type, click.Choice):
        valid, hostile = list(param.type.choices), ["bogus", ""]
    else:
        valid, hostile = VALUES[_kind(param)]
    value = st.one_of(*[st.sampled_from(valid)] * 4, st.sampled_from(hostile))
    count = st.sampled_from([0, 0, 0, 1, 2] if param.multiple else [0, 0, 1])
    return count.flatmap(lambda n: st.lists(value, min_size=n, max_size=n)).map(lambda vs: [piece for v in vs for piece in (flag, v)])


def _command_params():
    import click

    from gradcli.cli import cli

    ctx = click.Context(cli)
    return {name: [p for p in cli.get_command(ctx, name).params if isinstance(p, click.Option) and p.name != "help"]
            for name in cli.list_commands(ctx)}


COMMAND_PARAMS = _command_params()
