"""gradcli: values and gradients of small tensor models, with TensorFlow's tf.gradients meaning.

    import gradcli
    model = gradcli.load("samples/linear.grad")
    out = model.eval(feeds={"X": [[2], [3]], "Y": [[3], [2]]})

The API loads lazily: `import gradcli` (and the command line's start-up)
pulls in neither NumPy nor Lark until a model is loaded.
"""
from .source import Diagnostic, GradcliError, Span

__version__ = "0.1.0"
__all__ = ["Diagnostic", "GradcliError", "Model", "Span", "load", "loads", "__version__"]


def __getattr__(name):
    if name in ("load", "loads", "Model"):
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module 'gradcli' has no attribute {name!r}")
