"""gradcli: values and gradients of small tensor models, with TensorFlow's tf.gradients meaning.

    import gradcli
    model = gradcli.load("samples/linear.grad")
    out = model.eval(feeds={"X": [[2], [3]], "Y": [[3], [2]]})

Everything loads lazily: `import gradcli` (and the command line's start-up,
`gradcli --help` included) pulls in neither NumPy nor Lark, nor even the
diagnostic types, until they are used.
"""
__version__ = "0.1.0"
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
