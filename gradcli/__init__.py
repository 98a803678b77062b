"""gradcli: values and gradients of small tensor models, with TensorFlow's tf.gradients meaning.

    import gradcli
    model = gradcli.load("samples/linear.grad")
    out = model.eval(feeds={"X": [[2], [3]], "Y": [[3], [2]]})

Everything loads lazily: `import gradcli` (and the command line's start-up,
`gradcli --help` included) pulls in neither NumPy nor Lark, nor even the
diagnostic types, until they are used.
"""
__version__ = "0.1.0"

import sys as _sys

_previous_sigint = None
_command = False  # this process is the `gradcli` command (set below), not a program importing gradcli


def _interrupted_while_starting(signum, frame):
    """Ctrl-C while the `gradcli` command is still starting: no traceback, exit 130, and
    with --json still one document (CLI.md). It imports nothing (an import cut short here
    would leave a half-loaded module) and exits from the handler itself: an exception
    raised in a signal handler can land in a callback of the import machinery, be
    "ignored", and let the command run on."""
    import os  # always loaded already

    args = _sys.argv[1:]
    if "--json" in args:
        command = next((a for a in args if not a.startswith("-")), None)
        shown = "null" if command is None else '"' + "".join(c if c.isalnum() or c in "-_." else "?" for c in command) + '"'
        doc = ('{"format_version": 1, "version": "%s", "command": %s, "ok": false, "model": null, "dtype": "float64", "seed": 0, '
               '"diagnostics": [{"severity": "error", "code": "E0098", "message": "interrupted", "file": null, "line": null, '
               '"column": null, "end_line": null, "end_column": null, "spans": [], "notes": [], "help": [], '
               '"rendered": "error[E0098]: interrupted"}]}\n') % (__version__, shown)
        os.write(1, doc.encode())
    else:
        os.write(2, b"error[E0098]: interrupted\n")
    os._exit(130)


def _restore_sigint():
    """Python's own Ctrl-C again (a KeyboardInterrupt, reported at the command edge)."""
    global _previous_sigint
    if _previous_sigint is not None:
        import _signal

        _signal.signal(_signal.SIGINT, _previous_sigint)
        _previous_sigint = None


if _sys.argv and (_sys.argv[0].rsplit("/", 1)[-1].startswith("gradcli") or _sys.argv[0].endswith("gradcli/__main__.py")):
    # This process is the `gradcli` command: from here until gradcli.cli.main starts
    # (Click loaded, the group built), Ctrl-C is the quiet exit above. A program
    # importing gradcli keeps its own.
    # `_signal` is the interpreter's own module, already loaded (`signal` takes 10 ms).
    import _signal

    _previous_sigint = _signal.signal(_signal.SIGINT, _interrupted_while_starting)
    _command = True

__all__ = ["Diagnostic", "GradcliError", "Model", "Span", "load", "loads", "__version__"]

_LAZY = {"load": "model", "loads": "model", "Model": "model", "Diagnostic": "errors", "GradcliError": "errors", "Span": "source"}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gradcli' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
