"""GradientTape methods (watch, gradient, jacobian) and optimizers' compute_gradients.

A mixin of gradcli.language.executor.Interpreter, assembled in tf_calls.TFCalls.
"""
from __future__ import annotations

from . import ast as A
from ..engine.gradients import Unconnected, gradients
from ..engine.graph import Node
from ..engine.registry import VARIABLE
from ..errors import fail
from .program import Derivative, GradientCall, ListValue
from .tf_runtime import StopRecording, Tape
from .tf_helpers import argument


class TapeCalls:
    """A mixin of gradcli.language.executor.Interpreter, through tf_calls.TFCalls."""

    # ----- tapes -----

    def tape_method(self, tape: Tape, name, node, positional, keywords):
        """A GradientTape method: the script's values in, the engine tape's answer out."""
        span = node.span
        engine = tape.engine
        if name == "watch":
            for item in self.flatten(argument(positional, keywords, 0, "tensor"), span):
                if isinstance(item, Node):
                    engine.watch(self.var_current.get(item, item) if item.op is VARIABLE else item)
            return None
        if name == "stop_recording":
            return StopRecording(tape)
        if name == "reset":
            engine.reset()
            return None
        if name == "watched_variables":
            return ListValue(engine.watched_variables(), span, kind="tuple")
        if name == "gradient":
            return self.tape_gradient(tape, node, positional, keywords)
        if name in ("jacobian", "batch_jacobian"):
            return self.tape_jacobian(tape, name, node, positional, keywords)
        raise fail("E0228", f"a GradientTape has no method '{name}'", span)

    def flatten(self, value, span):
        if isinstance(value, ListValue):
            return [x for v in value.items for x in self.flatten(v, span)]
        if isinstance(value, (list, tuple)):
            return [x for v in value for x in self.flatten(v, span)]
        if isinstance(value, dict):
            return [x for v in value.values() for x in self.flatten(v, span)]
        return [value]

    def tape_source(self, leaf, span):
        """A source as the engine tape takes it: a variable's current value, and the variable."""
        if isinstance(leaf, Node) and leaf.op is VARIABLE:
            return self.var_current.get(leaf, leaf), leaf
        if isinstance(leaf, Node):
            return leaf, None
        raise fail("E0505", f"a gradient source must be a tensor or a variable, not {self.type_name(leaf)}", span)

    def tape_gradient(self, tape, node, positional, keywords):
        span = node.span
        target = argument(positional, keywords, 0, "target")
        sources = argument(positional, keywords, 1, "sources")
        seeds = keywords.get("output_gradients", positional[2] if len(positional) > 2 else None)
        unconnected = keywords.get("unconnected_gradients", positional[3] if len(positional) > 3 else "none")
        ys = [self.tensor(t, span) for t in self.flatten(target, span)]
        leaves = self.flatten(sources, span)
        xs, variables = zip(*[self.tape_source(leaf, span) for leaf in leaves]) if leaves else ((), ())
        grad_ys = None
        if seeds is not None:
            grad_ys = [None if s is None else self.tensor(s, span) for s in self.flatten(seeds, span)]
        results = tape.engine.gradient(ys, xs, grad_ys, unconnected, span, variables=variables)
        self.record_tape_call(tape, ys, xs, grad_ys, results, span)
        texts = self.source_texts(node, leaves)
        of = [self.source.snippet(node.args[0].span)] if node.args else ["target"]
        for r, text in zip(results, texts):
            self.out.derivatives[r] = Derivative(of, text)
            if isinstance(r, Unconnected):
                r.of = of[0]
        it = iter(results)
        return self.renest(sources, it, span)

    def record_tape_call(self, tape, ys, xs, grad_ys, results, span, kind="gradient"):
        """What `gradcli check` cross-checks against finite differences, as for tf.gradients.

        The tape differentiates through the ops it recorded only: an op on the way
        from a source to a target that it did not record (computed before the tape
        started, inside stop_recording, or by NumPy) is a constant to it, so finite
        differences hold it at its value too (GradientCall.stop). Creation order is
        topological, so the walk stops at nodes older than the oldest source: in a
        training loop it visits this step's ops, not every earlier step's.
        """
        sources = [x for x in xs if isinstance(x, Node)]
        if not sources or not ys:
            return
        floor = min(x.id for x in sources)
        recorded = tape.engine.recorded
        seen, stack = set(), list(ys)
        while stack:
            n = stack.pop()
            if n in seen or n.id < floor:
                continue
            seen.add(n)
            stack.extend(n.inputs)
        depends, held = set(sources), []
        for n in sorted(seen, key=lambda n: n.id):
            if n not in depends and any(i in depends for i in n.inputs):
                depends.add(n)
                if n not in recorded:
                    held.append(n)
        self.out.gradient_calls.append(GradientCall(list(ys), list(xs), grad_ys, held, list(results), span, kind))

    def source_texts(self, node, leaves):
        if len(node.args) > 1 and isinstance(node.args[1], A.ListExpr) and len(node.args[1].items) == len(leaves):
            return [self.source.snippet(i.span) for i in node.args[1].items]
        if len(node.args) > 1 and len(leaves) == 1:
            return [self.source.snippet(node.args[1].span)]
        return [getattr(x, "name", None) or f"source {i}" for i, x in enumerate(leaves)]

    def renest(self, structure, it, span):
        if isinstance(structure, ListValue):
            return ListValue([self.renest(v, it, span) for v in structure.items], span, kind=structure.kind)
        if isinstance(structure, (list, tuple)):
            return ListValue([self.renest(v, it, span) for v in structure], span)
        if isinstance(structure, dict):
            return {k: self.renest(v, it, span) for k, v in structure.items()}
        return next(it)

    def tape_jacobian(self, tape, name, node, positional, keywords):
        span = node.span
        target = self.tensor(argument(positional, keywords, 0, "target"), span)
        source = positional[1] if len(positional) > 1 else keywords.get("sources", keywords.get("source"))
        unconnected = keywords.get("unconnected_gradients", "none")
        leaves = self.flatten(source, span)
        xs = [self.var_current.get(leaf, leaf) if isinstance(leaf, Node) and leaf.op is VARIABLE else self.tensor(leaf, span) for leaf in leaves]
        if name == "batch_jacobian":
            results = [tape.engine.batch_jacobian(target, x, unconnected, span) for x in xs[:1]]
        else:
            results = tape.engine.jacobian(target, xs, unconnected, span)
        if name == "jacobian":  # check's finite differences have no batch_jacobian layout
            self.record_tape_call(tape, [target], xs, None, results if isinstance(results, list) else [results], span, "jacobian")
        of = self.source.snippet(node.args[0].span) if node.args else "target"
        for j, leaf in zip(results, leaves):
            self.out.derivatives[j] = Derivative([of], getattr(leaf, "name", "source") or "source", "jacobian")
            if isinstance(j, Unconnected):
                j.of = of
        return self.renest(source, iter(results), span)

    # ----- optimizers -----

    def optimizer_method(self, opt, name, node, positional, keywords):
        span = node.span
        if name == "compute_gradients":
            loss = argument(positional, keywords, 0, "loss")
            var_list = keywords.get("var_list", positional[1] if len(positional) > 1 else None)
            if var_list is None:
                variables = [n for n in self.out.inputs.values() if n.op is VARIABLE and n not in self.nontrainable]
            else:
                variables = self.flatten(var_list, span)
            y = self.tensor(loss, span)
            xs = [self.var_current.get(v, v) for v in variables]
            results = gradients([y], xs, None, None, "none", span)
            self.name_gradients([y], xs, results)
            for r, v in zip(results, variables):
                self.out.derivatives[r] = Derivative([self.source.snippet(node.args[0].span) if node.args else "loss"], v.name or "var")
            return ListValue([ListValue([None if isinstance(r, Unconnected) else r, v], span, kind="tuple") for r, v in zip(results, variables)], span)
        if name in ("minimize", "apply_gradients"):
            raise self.training(node)
        raise fail("E0228", f"an optimizer has no method '{name}' in gradcli", span, help=["compute_gradients(loss, var_list) is supported"])
