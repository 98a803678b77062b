"""The interpreter's values at work: Python arithmetic, attributes and methods,
builtins, NumPy, and TensorFlow's runtime (variables, sessions, tapes, optimizers).

A mixin of gradcli.language.executor.Interpreter, assembled from one mixin per concern:
tf_values (tensors from Python values, evaluation now, fetches), py_operators (arithmetic,
comparison, formatting, indexing, iteration), value_methods (attributes and method calls),
tf_spelled (tf./np./math. spellings called, tf.cond, tf.while_loop, custom gradients),
tf_sessions (variables and sessions), tf_gradients (tapes and optimizers), np_calls (NumPy
and math), py_builtins (Python's builtins) and tf_names (graph tensors' TensorFlow names,
and what print() shows of one); tf_helpers holds what they share.
"""
from __future__ import annotations

from .np_calls import NumPyCalls
from .py_builtins import BuiltinCalls
from .py_operators import PyOperators
from .tf_gradients import TapeCalls
from .tf_names import TFNames
from .tf_sessions import SessionCalls
from .tf_spelled import SpelledCalls
from .tf_values import TensorValues
from .value_methods import MethodCalls


class TFCalls(TensorValues, PyOperators, MethodCalls, SpelledCalls, SessionCalls, TapeCalls, NumPyCalls, BuiltinCalls, TFNames):
    """The runtime calls of gradcli.language.executor.Interpreter (see this module's docstring)."""
