"""Whole-process figures of the command line (issue 13's table), from paired, alternating runs.

    python bench/bench_cli.py                    # the table: start-up, MLP (time and peak RSS), chain
    python bench/bench_cli.py --runs 21          # more pairs (at least 9)
    python bench/bench_cli.py --scaling          # also every command on 1k/3k/10k-line chains and a 20,000-term sum
    python bench/bench_cli.py --only startup     # one row: startup, help, mlp, chain
    python bench/bench_cli.py --only none --scaling --scaling-commands 'grad --formula'   # one scaling row
    python bench/bench_cli.py --native-blas      # both sides without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
    python bench/bench_cli.py --profile          # also import-time and cProfile tops of the one-liner
    python bench/bench_cli.py --gradcli PATH     # measure another build (e.g. a wrapper running an old checkout)

Rows (targets from issue 13):
(1) `gradcli grad -e 'x**2 + x - 1' --wrt x --feed x=2` over `python -c "import numpy"`   <= 1.3x
(2) `gradcli --help` over `python -c "import numpy"`                                    <= 0.5x
(3) bench/mlp.grad (784-1024-1024-10, batch 1024) as `gradcli eval --json` from .npy
    feeds, over a hand-written NumPy script reading the same files                      <= 1.15x,
    peak RSS                                                                            <= 1.2x
(4) a 10,000-line chain `v{i+1} = sin(v{i}) * 1.0001 + 0.1` with its gradient, whole
    process: microseconds per op (3 ops a line)                                         <= 60,
    and t(30k ops) / t(3k ops)                                                          <= 12

A ratio is computed for each pair of runs (ours, then the reference, alternating, so
drift and load hit both sides) and reported as median [lower quartile, upper quartile].
The machine is shared and noisy: when valgrind is installed, rows (1) and (2) are also
given in instructions (callgrind), which do not depend on load.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MLP_MODEL = HERE / "mlp.grad"
SIZES = (784, 1024, 1024, 10)
BATCH = 1024
INPUTS = ["X", "Y", "W1", "b1", "W2", "b2", "W3", "b3"]

NUMPY_MLP = '''\
"""The MLP of bench/mlp.grad by hand: loss and the six gradients, printed as JSON."""
import json
import numpy as np

P = {n: np.load(n + ".npy", allow_pickle=False) for n in ("X", "Y", "W1", "b1", "W2", "b2", "W3", "b3")}
X, Y = P["X"], P["Y"]
a1 = X @ P["W1"] + P["b1"]
h1 = np.maximum(a1, 0)
h2 = np.tanh(h1 @ P["W2"] + P["b2"])
logits = h2 @ P["W3"] + P["b3"]
shifted = logits - logits.max(axis=1, keepdims=True)
logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
loss = -(Y * logp).sum(axis=1).mean()
d3 = (np.exp(logp) - Y) / X.shape[0]
grads = {"W3": h2.T @ d3, "b3": d3.sum(axis=0)}
d2 = (d3 @ P["W3"].T) * (1 - h2 * h2)
grads["W2"], grads["b2"] = h1.T @ d2, d2.sum(axis=0)
d1 = (d2 @ P["W2"].T) * (a1 > 0)
grads["W1"], grads["b1"] = X.T @ d1, d1.sum(axis=0)
print(json.dumps({"loss": float(loss), **{"d" + k: v.tolist() for k, v in grads.items()}}))
'''


# the same, printed as text the way `gradcli eval` prints (NumPy's summarised arrays)
NUMPY_MLP_TEXT = NUMPY_MLP.replace(
    'print(json.dumps({"loss": float(loss), **{"d" + k: v.tolist() for k, v in grads.items()}}))',
    'print("loss", loss)\nfor name in ("W1", "b1", "W2", "b2", "W3", "b3"):\n'
    '    print("d" + name, np.array2string(grads[name], threshold=200, edgeitems=3, max_line_width=100))',
)


# ----------------------------------------------------------------- running


def run(command, cwd=None, env=None, timeout=None):
    """(seconds, peak RSS in MB) of one run of `command`, its output discarded; CPU seconds in CPU[-1]."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            proc.returncode = -9
            return None, None
        time.sleep(0.002)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    CPU.append(usage.ru_utime + usage.ru_stime)
    err = proc.stderr.read()
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


CPU: list[float] = []  # CPU seconds (user + system) of each run, in order: steadier than wall time on a loaded machine


def quartiles(values):
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], statistics.median(values), q[2]


def paired(ours, reference, runs, cwd=None, env=None):
    """Alternate the two commands; per-pair ratios of time and of peak RSS."""
    run(ours, cwd, env), run(reference, cwd, env)  # warm the page cache
    a, b, ra, rb = [], [], [], []
    ca, cb = [], []
    for _ in range(runs):
        t, m = run(ours, cwd, env)
        a.append(t), ra.append(m), ca.append(CPU[-1])
        t, m = run(reference, cwd, env)
        b.append(t), rb.append(m), cb.append(CPU[-1])
    PAIRED_CPU[:] = [ca, cb]
    return a, b, ra, rb


PAIRED_CPU: list = [[], []]  # the CPU seconds of the last paired() call, ours and the reference's


def report_ratio(label, a, b, target, unit="time"):
    ratios = [x / y for x, y in zip(a, b)]
    lo, med, hi = quartiles(ratios)
    verdict = "ok" if med <= target else "MISSED"
    print(f"  {unit} ratio  {med:.2f}x  [{lo:.2f}, {hi:.2f}]  (target <= {target}x: {verdict})")
    return med <= target, (lo, med, hi)


def instructions(command, cwd=None, env=None):
    """Instructions executed by `command` (callgrind), or None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                         cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in out.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[-1])
    return None


# ----------------------------------------------------------------- rows


def startup_row(label, ours, reference, runs, target, env, use_valgrind):
    print(label)
    a, b, _, _ = paired(ours, reference, runs, env=env)
    print(f"  gradcli    median {1000 * statistics.median(a):7.1f} ms   reference median {1000 * statistics.median(b):7.1f} ms")
    ok, q = report_ratio(label, a, b, target)
    report_ratio(label, *PAIRED_CPU, target, unit="CPU ")
    if use_valgrind:
        ia, ib = instructions(ours, env=env), instructions(reference, env=env)
        if ia and ib:
            print(f"  instructions  {ia / 1e6:.0f} M vs {ib / 1e6:.0f} M: {ia / ib:.2f}x")
    return ok


def write_mlp_inputs(folder: Path):
    rng = np.random.default_rng(0)
    np.save(folder / "X.npy", rng.standard_normal((BATCH, SIZES[0])))
    np.save(folder / "Y.npy", np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], BATCH)])
    for i, (m, n) in enumerate(zip(SIZES, SIZES[1:]), start=1):
        np.save(folder / f"W{i}.npy", rng.standard_normal((m, n)) * np.sqrt(2.0 / m))
        np.save(folder / f"b{i}.npy", np.zeros(n))
    (folder / "mlp_numpy.py").write_text(NUMPY_MLP)
    (folder / "mlp_numpy_text.py").write_text(NUMPY_MLP_TEXT)


def mlp_row(gradcli, runs, env):
    label = "(3) gradcli eval bench/mlp.grad --json --feed X=@X.npy ...  vs  python mlp_numpy.py (same .npy files)"
    print(label)
    with tempfile.TemporaryDirectory(prefix="gradcli-bench-") as tmp:
        folder = Path(tmp)
        write_mlp_inputs(folder)
        feeds = [a for n in INPUTS for a in ("--feed", f"{n}=@{n}.npy")]
        ours = [gradcli, "eval", str(MLP_MODEL), *feeds, "--json"]
        reference = [sys.executable, "mlp_numpy.py"]
        # the two sides compute the same numbers (else the timing means nothing); checked in a
        # child process, so that this one stays small: a child's peak RSS counts from its parent's
        check = (
            "import json, subprocess, sys, numpy as np\n"
            f"doc = json.loads(subprocess.run({ours!r}, capture_output=True, text=True, check=True).stdout)\n"
            f"ref = json.loads(subprocess.run({reference!r}, capture_output=True, text=True, check=True).stdout)\n"
            "assert abs(doc['values']['loss'] - ref['loss']) < 1e-10, (doc['values']['loss'], ref['loss'])\n"
            "for k in ('dW1', 'db1', 'dW2', 'db2', 'dW3', 'db3'):\n"
            "    assert np.allclose(doc['values'][k], ref[k], rtol=1e-9, atol=1e-12), k\n"
        )
        subprocess.run([sys.executable, "-c", check], cwd=folder, env=env, check=True)
        a, b, ra, rb = paired(ours, reference, runs, cwd=folder, env=env)
        print(f"  gradcli    median {1000 * statistics.median(a):7.1f} ms, {statistics.median(ra):6.1f} MB peak RSS")
        print(f"  reference  median {1000 * statistics.median(b):7.1f} ms, {statistics.median(rb):6.1f} MB peak RSS")
        ok_time, _ = report_ratio(label, a, b, 1.15)
        report_ratio(label, *PAIRED_CPU, 1.15, unit="CPU ")
        ok_mem, _ = report_ratio(label, ra, rb, 1.2, unit="RSS ")
        print("(3b) the same as text: gradcli eval (no --json)  vs  python mlp_numpy_text.py")
        a, b, ra, rb = paired([gradcli, "eval", str(MLP_MODEL), *feeds], [sys.executable, "mlp_numpy_text.py"], runs, cwd=folder, env=env)
        print(f"  gradcli    median {1000 * statistics.median(a):7.1f} ms, {statistics.median(ra):6.1f} MB peak RSS")
        print(f"  reference  median {1000 * statistics.median(b):7.1f} ms, {statistics.median(rb):6.1f} MB peak RSS")
        report_ratio(label, a, b, 1.15)
        report_ratio(label, *PAIRED_CPU, 1.15, unit="CPU ")
        report_ratio(label, ra, rb, 1.2, unit="RSS ")
    return ok_time and ok_mem


def chain_text(lines: int) -> str:
    body = "".join(f"v{i + 1} = sin(v{i}) * 1.0001 + 0.1\n" for i in range(lines))
    return f"var v0 = 0.5\n{body}g = gradients(v{lines}, v0)\nfetch v{lines}, g\n"


def sum_text(terms: int) -> str:
    return "var x = 0.5\ny = " + " + ".join(f"sin(x + {i}.0)" for i in range(terms)) + "\ng = gradients(y, x)\nfetch y, g\n"


def chain_row(gradcli, runs, env):
    label = "(4) gradcli eval on a chain v{i+1} = sin(v{i}) * 1.0001 + 0.1 with its gradient, 1,000 and 10,000 lines"
    print(label)
    with tempfile.TemporaryDirectory(prefix="gradcli-bench-") as tmp:
        folder = Path(tmp)
        for n in (1000, 10000):
            (folder / f"chain{n}.grad").write_text(chain_text(n))
        small, big, _, _ = paired([gradcli, "eval", "chain10000.grad"], [gradcli, "eval", "chain1000.grad"], max(5, runs // 2), cwd=folder, env=env)
    cpu_small, cpu_big = PAIRED_CPU
    per_op = [1e6 * t / 30000 for t in small]
    lo, med, hi = quartiles(per_op)
    print(f"  10,000 lines (30,000 ops): {statistics.median(small):.2f} s, {med:.1f} us/op [{lo:.1f}, {hi:.1f}] (target <= 60: {'ok' if med <= 60 else 'MISSED'})")
    clo, cmed, chi = quartiles([1e6 * t / 30000 for t in cpu_small])
    print(f"  in CPU time: {statistics.median(cpu_small):.2f} s, {cmed:.1f} us/op [{clo:.1f}, {chi:.1f}]")
    ok_growth, _ = report_ratio(label, small, big, 12, unit="t(30k ops)/t(3k ops)")
    report_ratio(label, cpu_small, cpu_big, 12, unit="CPU t(30k ops)/t(3k ops)")
    return med <= 60 and ok_growth


# ----------------------------------------------------------------- scaling


SCALING_COMMANDS = {
    "eval": lambda m, last: ["eval", m],
    "grad": lambda m, last: ["grad", m, "--of", last, "--wrt", "v0" if last != "y" else "x"],
    "check": lambda m, last: ["check", m],
    "explain": lambda m, last: ["explain", m, "--of", last, "--wrt", "v0" if last != "y" else "x"],
    "graph": lambda m, last: ["graph", m],
    "grad --formula": lambda m, last: ["grad", m, "--of", last, "--wrt", "v0" if last != "y" else "x", "--formula"],
}


def scaling(gradcli, env, timeout, runs=1, commands=None):
    """Each command (or those named in `commands`) on chains of 1k, 3k, 10k lines and a 20,000-term sum (median of `runs`)."""
    unknown = set(commands or ()) - set(SCALING_COMMANDS)
    if unknown:
        raise SystemExit(f"unknown scaling command(s): {', '.join(sorted(unknown))}; known: {', '.join(SCALING_COMMANDS)}")
    print(f"\nscaling (whole process, CPU seconds, median of {runs}; growth 1k -> 10k is 10 for a linear command; runs over {timeout:g} s of wall time are cut)")
    print(f"  {'command':16} {'1k':>8} {'3k':>8} {'10k':>8} {'10k/1k':>7} {'20k-term sum':>13}")
    with tempfile.TemporaryDirectory(prefix="gradcli-bench-") as tmp:
        folder = Path(tmp)
        for n in (1000, 3000, 10000):
            (folder / f"chain{n}.grad").write_text(chain_text(n))
        (folder / "sum.grad").write_text(sum_text(20000))
        for name, args in SCALING_COMMANDS.items():
            if commands and name not in commands:
                continue
            cells = []
            for model, last in (("chain1000.grad", "v1000"), ("chain3000.grad", "v3000"), ("chain10000.grad", "v10000"), ("sum.grad", "y")):
                times = []
                for _ in range(runs):
                    try:
                        t, _ = run([gradcli, *args(model, last)], cwd=folder, env=env, timeout=timeout)
                        t = CPU[-1] if t is not None else None  # CPU seconds: the machine may be loaded
                    except SystemExit as failed:  # a command that refuses the model: say so, go on
                        t = None
                        print(f"  ({name} on {model} failed: {str(failed).splitlines()[-1][:100]})")
                    if t is None:
                        break
                    times.append(t)
                cells.append(statistics.median(times) if len(times) == runs else None)
            fmt = lambda t: f"{t:7.2f}s" if t is not None else f">{timeout:5.0f}s"  # noqa: E731
            growth = f"{cells[2] / cells[0]:6.1f}x" if cells[0] and cells[2] else "     -"
            print(f"  {name:16} {fmt(cells[0])} {fmt(cells[1])} {fmt(cells[2])} {growth:>7} {fmt(cells[3]):>13}")


# ----------------------------------------------------------------- profile


def profile_startup(gradcli_args, env):
    """What dominates start-up: the biggest cumulative imports, and a cProfile top."""
    print("\n  -- python -X importtime, largest cumulative imports --")
    probe = f"import sys; sys.argv = ['gradcli', *{gradcli_args!r}]; from gradcli.cli import main; main()"
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", probe], capture_output=True, text=True, env=env)
    rows = []
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line[len("import time:"):].split("|")
            if cumulative.strip().isdigit():
                rows.append((int(cumulative), name.rstrip()))
    for cumulative, name in sorted(rows, reverse=True)[:12]:
        print(f"  {cumulative / 1000:8.1f} ms  {name}")
    print("\n  -- cProfile, top by own time --")
    code = (
        "import cProfile, pstats, sys, io\n"
        f"sys.argv = ['gradcli', *{gradcli_args!r}]\n"
        "from gradcli.cli import main\n"
        "p = cProfile.Profile()\n"
        "p.enable()\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "p.disable()\n"
        "s = io.StringIO(); pstats.Stats(p, stream=s).sort_stats('tottime').print_stats(15); sys.stderr.write(s.getvalue())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    body = out.stderr.split("ncalls", 1)
    print("  ncalls" + body[1] if len(body) == 2 else out.stderr[-4000:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="pairs of runs of each row (at least 9)")
    parser.add_argument("--only", default="startup,help,mlp,chain", help="comma-separated rows: startup, help, mlp, chain")
    parser.add_argument("--scaling", action="store_true", help="also the scaling table of every command")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a scaling run is cut")
    parser.add_argument("--scaling-commands", help="comma-separated scaling rows, e.g. 'grad,grad --formula' (default: all)")
    parser.add_argument("--scaling-runs", type=int, default=1, help="runs of each scaling cell (the median is shown)")
    parser.add_argument("--native-blas", action="store_true", help="unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for both sides")
    parser.add_argument("--no-valgrind", action="store_true", help="no instruction counts")
    parser.add_argument("--profile", action="store_true", help="profile the one-liner's start-up")
    parser.add_argument("--no-compile", action="store_true", help="do not byte-compile gradcli first")
    parser.add_argument("--gradcli", help="the gradcli command to measure (default: the one installed beside this python)")
    args = parser.parse_args(argv)
    if not args.no_compile:
        # An installed wheel has its .pyc files; with PYTHONDONTWRITEBYTECODE set (as here)
        # an editable install would compile gradcli's sources on every run.
        import compileall
        import gradcli

        compileall.compile_dir(str(Path(gradcli.__file__).parent), quiet=1)
    runs = max(args.runs, 9)
    # the console script pip installed beside this interpreter: a version manager's shim
    # on PATH (pyenv's is a bash script) would add its own start-up to gradcli's alone
    beside = Path(sys.executable).parent / "gradcli"
    gradcli = args.gradcli or (str(beside) if beside.exists() else shutil.which("gradcli"))
    if gradcli is None:
        raise SystemExit("gradcli is not installed (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    if args.native_blas:
        env = {k: v for k, v in env.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    only = set(args.only.split(","))
    numpy_import = [sys.executable, "-c", "import numpy"]
    grad_args = ["grad", "-e", "x**2 + x - 1", "--wrt", "x", "--feed", "x=2"]
    valgrind = not args.no_valgrind and shutil.which("valgrind") is not None
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"{runs} alternating pairs; OPENBLAS_CORETYPE={env.get('OPENBLAS_CORETYPE', '(unset)')}\n")
    results = {}
    if "startup" in only:
        results["grad -e"] = startup_row("(1) gradcli grad -e 'x**2 + x - 1' --wrt x --feed x=2  vs  python -c 'import numpy'", [gradcli, *grad_args], numpy_import, runs, 1.3, env, valgrind)
    if "help" in only:
        results["--help"] = startup_row("(2) gradcli --help  vs  python -c 'import numpy'", [gradcli, "--help"], numpy_import, runs, 0.5, env, valgrind)
    if "mlp" in only:
        results["mlp"] = mlp_row(gradcli, runs, env)
    if "chain" in only:
        results["chain"] = chain_row(gradcli, runs, env)
    if args.scaling:
        commands = [c.strip() for c in args.scaling_commands.split(",")] if args.scaling_commands else None
        scaling(gradcli, env, args.timeout, args.scaling_runs, commands)
    if args.profile:
        print("\nprofile of `gradcli grad -e 'x**2 + x - 1' --wrt x --feed x=2`:")
        profile_startup(grad_args, env)
    missed = [k for k, ok in results.items() if not ok]
    print(f"\n{'all targets met' if not missed else 'targets missed: ' + ', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
