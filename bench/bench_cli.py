"""Start-up and end-to-end numbers of the command line, whole processes.

    python bench/bench_cli.py              # 11 runs of each, alternating
    python bench/bench_cli.py --runs 21
    python bench/bench_cli.py --profile    # also import-time and cProfile tops

(1) `gradcli grad -e 'x**2 + x - 1' --wrt x --feed x=2` against
    `python -c "import numpy"` (target: <= 1.3x)
(2) `gradcli --help` against `python -c "import numpy"` (target: <= 0.5x)
(3) bench/mlp.grad as `gradcli eval` with every input from .npy files, against
    a hand-written NumPy script doing the same forward and backward pass from
    the same files and printing the same values (target: <= 1.15x)

Each pair alternates run by run so that drift hits both sides; the figures
are medians. When a target is missed the script says what dominates.
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
"""The MLP of bench/mlp.grad by hand: loss and the six gradients, printed."""
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
print("loss", loss)
for name in ("W1", "b1", "W2", "b2", "W3", "b3"):
    print("d" + name, np.array2string(grads[name], threshold=200, edgeitems=3, max_line_width=100))
'''


def timed(command, cwd=None, env=None) -> float:
    start = time.perf_counter()
    out = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed ({out.returncode}):\n{out.stderr.decode()[-2000:]}")
    return elapsed


def compare(label, ours, reference, runs, target, cwd=None, env=None):
    """Alternate the two commands `runs` times each; medians and their ratio."""
    timed(ours, cwd, env), timed(reference, cwd, env)  # warm the caches (grammar tables, page cache)
    a, b = [], []
    for _ in range(runs):
        a.append(timed(ours, cwd, env))
        b.append(timed(reference, cwd, env))
    ma, mb = statistics.median(a), statistics.median(b)
    ratio = ma / mb
    verdict = "ok" if ratio <= target else "MISSED"
    print(f"{label}")
    print(f"  gradcli    median {1000 * ma:8.1f} ms  (min {1000 * min(a):.1f}, max {1000 * max(a):.1f})")
    print(f"  reference  median {1000 * mb:8.1f} ms  (min {1000 * min(b):.1f}, max {1000 * max(b):.1f})")
    print(f"  ratio {ratio:.2f}x  (target <= {target}x: {verdict})")
    return ratio <= target


def write_mlp_inputs(folder: Path):
    rng = np.random.default_rng(0)
    np.save(folder / "X.npy", rng.standard_normal((BATCH, SIZES[0])))
    np.save(folder / "Y.npy", np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], BATCH)])
    for i, (m, n) in enumerate(zip(SIZES, SIZES[1:]), start=1):
        np.save(folder / f"W{i}.npy", rng.standard_normal((m, n)) * np.sqrt(2.0 / m))
        np.save(folder / f"b{i}.npy", np.zeros(n))
    (folder / "mlp_numpy.py").write_text(NUMPY_MLP)


def check_mlp_agrees(gradcli, folder: Path, env):
    """The two sides compute the same numbers (else the timing means nothing)."""
    import json

    feeds = [a for n in INPUTS for a in ("--feed", f"{n}=@{n}.npy")]
    out = subprocess.run([gradcli, "eval", str(MLP_MODEL), *feeds, "--json", "--fetch", "loss", "--fetch", "db1"], cwd=folder, env=env, capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    ns: dict = {}
    exec_numpy = (folder / "mlp_numpy.py").read_text().split("print(")[0]
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        exec(compile(exec_numpy, "mlp_numpy.py", "exec"), ns)  # our own reference script, not user input
    finally:
        os.chdir(cwd)
    assert abs(doc["values"]["loss"] - ns["loss"]) < 1e-10, (doc["values"]["loss"], ns["loss"])
    assert np.allclose(doc["values"]["db1"], ns["grads"]["b1"], rtol=1e-9, atol=1e-12)


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
    parser.add_argument("--runs", type=int, default=11, help="runs of each command (at least 9)")
    parser.add_argument("--profile", action="store_true", help="profile start-up even when the targets are met")
    parser.add_argument("--no-compile", action="store_true", help="do not byte-compile gradcli first")
    args = parser.parse_args(argv)
    if not args.no_compile:
        # An installed wheel has its .pyc files; with PYTHONDONTWRITEBYTECODE set (as in
        # some CI images) every run would compile gradcli's sources again (~50 ms).
        import compileall
        import gradcli

        compileall.compile_dir(str(Path(gradcli.__file__).parent), quiet=1)
    runs = max(args.runs, 9)
    # the console script pip installed beside this interpreter: a version manager's shim
    # on PATH (pyenv's is a bash script) would add its own start-up to gradcli's alone
    beside = Path(sys.executable).parent / "gradcli"
    gradcli = str(beside) if beside.exists() else shutil.which("gradcli")
    if gradcli is None:
        raise SystemExit("gradcli is not installed (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    numpy_import = [sys.executable, "-c", "import numpy"]
    grad_args = ["grad", "-e", "x**2 + x - 1", "--wrt", "x", "--feed", "x=2"]
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {runs} alternating runs each"
          f"{'' if args.no_compile else ', gradcli byte-compiled first'}\n")

    results = {}
    results["grad -e"] = compare("(1) gradcli grad -e 'x**2 + x - 1' --wrt x --feed x=2  vs  python -c 'import numpy'", [gradcli, *grad_args], numpy_import, runs, 1.3, env=env)
    results["--help"] = compare("(2) gradcli --help  vs  python -c 'import numpy'", [gradcli, "--help"], numpy_import, runs, 0.5, env=env)

    with tempfile.TemporaryDirectory(prefix="gradcli-bench-") as tmp:
        folder = Path(tmp)
        write_mlp_inputs(folder)
        check_mlp_agrees(gradcli, folder, env)
        feeds = [a for n in INPUTS for a in ("--feed", f"{n}=@{n}.npy")]
        results["mlp"] = compare("(3) gradcli eval bench/mlp.grad --feed X=@X.npy ...  vs  python mlp_numpy.py (same .npy files)", [gradcli, "eval", str(MLP_MODEL), *feeds], [sys.executable, "mlp_numpy.py"], runs, 1.15, cwd=folder, env=env)

    if args.profile or not results["grad -e"] or not results["mlp"]:
        print("\nprofile of `gradcli grad -e 'x**2 + x - 1' --wrt x --feed x=2`:")
        profile_startup(grad_args, env)
    missed = [k for k, ok in results.items() if not ok]
    print(f"\n{'all targets met' if not missed else 'targets missed: ' + ', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
