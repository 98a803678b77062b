"""graph without --of draws the model's loss and says what its adjoints are the derivative of;
explain shows the broadcast-sum step (the axes summed to fit a smaller input)."""
from __future__ import annotations

import numpy as np

import gradcli
from gradcli.learn.explain import default_loss, explain_model, graph_data, summed_axes
from conftest import LINEAR, LINEAR_FEEDS, invoke, strict_json

FEEDS = {"X": [[2], [3]], "Y": [[3], [2]]}


def test_default_loss_is_the_y_of_the_first_gradients_call():
    assert default_loss(gradcli.load(LINEAR)) == "cost"
    assert default_loss(gradcli.loads("var x = 1.0\ny = x * x\n")) is None


def test_graph_without_of_draws_the_loss_with_its_adjoints():
    doc = strict_json(invoke("graph", LINEAR, *LINEAR_FEEDS, "--json").stdout)
    assert [r["name"] for r in doc["roots"]] == ["cost"] and doc["adjoints_of"] == ["cost"]
    text = invoke("graph", LINEAR, *LINEAR_FEEDS).stdout
    assert text.splitlines()[0] == "(each adjoint is ∂cost/∂node: the derivative of cost with respect to that node)"
    # the adjoint of W is the gradient dW (12.3762 in CLI.md's example)
    data = graph_data(gradcli.load(LINEAR), ["cost"], FEEDS)
    (w,) = [n for n in data.nodes.values() if n.name == "W"]
    assert float(w.adjoint) == float(gradcli.load(LINEAR).gradients("cost", "W", feeds=FEEDS)[0])


def test_graph_of_several_names_says_their_sum():
    data = graph_data(gradcli.load(LINEAR), ["cost", "pred"], FEEDS)
    assert data.adjoints_of == ["cost", "pred"]


def test_summed_axes():
    assert summed_axes((2, 1), ()) == (0, 1)
    assert summed_axes((4, 3), (3,)) == (0,)
    assert summed_axes((4, 3), (1, 3)) == (0,)
    assert summed_axes((4, 3), (4, 3)) is None


def test_explain_shows_the_broadcast_sum_to_a_scalar_parameter():
    ex = explain_model(gradcli.load(LINEAR), ["cost"], ["b"], FEEDS)
    sent = [s for step in ex.backward for s in step.sent if s.to_name == "b"]
    assert sent and sent[0].summed_axes == (0, 1) and sent[0].summed_from == (2, 1)
    assert np.shape(sent[0].value) == ()
    out = invoke("explain", LINEAR, "--of", "cost", "--wrt", "b", *LINEAR_FEEDS).stdout
    assert "(broadcast sum: b was broadcast from [] to [2, 1], so its share is summed over axes [0, 1])" in out
    doc = strict_json(invoke("explain", LINEAR, "--of", "cost", "--wrt", "b", *LINEAR_FEEDS, "--json").stdout)
    assert any(s.get("summed_axes") == [0, 1] for step in doc["backward"] for s in step["sent"])
