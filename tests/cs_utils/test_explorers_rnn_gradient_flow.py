"""RNN gradient flow explorer: the reference RNN's backpropagated gradients against
numerical ones and a plain loop, the vanishing, exploding and clipped regimes, and the
panel while the RNN is not written."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from cs_utils.explorers.rnn_gradient_flow import (StudentRNN, gradient_norms,
                                                  hidden_state_gradients, hidden_states,
                                                  make_rnn, rnn_gradient_flow_explorer)
from cs_utils.gradient_check import eval_numerical_gradient
from tests.conftest import add_assignment_to_path
from tests.cs_utils.released_stubs import released_module

add_assignment_to_path("assignment3")
from a3.rnn_layers import clip_grad_norm, rnn_step_backward, rnn_step_forward  # noqa: E402

RNN = StudentRNN(rnn_step_forward, rnn_step_backward, clip_grad_norm)


def plain_forward(x, weights, h0):
    """The hidden states of a tanh RNN, one step at a time, in plain numpy."""
    states, h = [], h0
    for x_t in x:
        h = np.tanh(x_t @ weights["Wx"] + h @ weights["Wh"] + weights["b"])
        states.append(h)
    return np.array(states)


def plain_gradient_norms(weight_scale, num_steps, clip_threshold=None, seed=0):
    """The explorer's gradient norms, computed with the chain rule written out here."""
    weights = make_rnn(weight_scale, seed=seed)
    x = np.random.default_rng(seed + 1).standard_normal((num_steps, weights["Wx"].shape[0]))
    h = plain_forward(x, weights, np.zeros(weights["Wh"].shape[0]))
    dh, norms = weights["g"], []
    for t in range(num_steps - 1, -1, -1):
        if clip_threshold is not None and np.linalg.norm(dh) > clip_threshold:
            dh = dh * clip_threshold / np.linalg.norm(dh)
        norms.append(np.linalg.norm(dh))
        dh = (dh * (1 - h[t] ** 2)) @ weights["Wh"].T
    return np.array(norms[::-1])


def test_hidden_states_match_a_plain_loop():
    weights = make_rnn(1.2, hidden_size=6, input_size=3, seed=2)
    x = np.random.default_rng(3).standard_normal((5, 3))
    h0 = np.random.default_rng(4).standard_normal(6)
    h, caches = hidden_states(RNN, x, weights, h0)
    assert len(caches) == 5
    np.testing.assert_allclose(h, plain_forward(x, weights, h0))


def test_hidden_state_gradients_match_numerical_ones():
    weights = make_rnn(1.2, hidden_size=6, input_size=3, seed=2)
    x = np.random.default_rng(3).standard_normal((5, 3))
    h, caches = hidden_states(RNN, x, weights)
    grads = hidden_state_gradients(RNN, caches, weights["g"])
    for t in range(5):
        def loss_from(h_t, t=t):
            """L as a function of h_t: run the remaining steps from it."""
            rest = plain_forward(x[t + 1:], weights, h_t)
            return float((rest[-1] if len(rest) else h_t) @ weights["g"])
        numerical = eval_numerical_gradient(loss_from, h[t].copy(), verbose=False, h=1e-6)
        np.testing.assert_allclose(grads[t], numerical, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("weight_scale, clip_threshold", [(0.5, None), (3.0, None),
                                                          (3.0, 5.0), (0.9, 0.5)])
def test_norms_match_the_chain_rule_written_out(weight_scale, clip_threshold):
    np.testing.assert_allclose(gradient_norms(RNN, weight_scale, 30, clip_threshold),
                               plain_gradient_norms(weight_scale, 30, clip_threshold),
                               rtol=1e-9)


def test_vanishing_and_exploding():
    small = gradient_norms(RNN, 0.5, num_steps=30)
    assert small[-1] == pytest.approx(1.0)
    assert small[0] < 1e-8 and np.all(np.diff(small) > 0)      # shrinks at every step back
    large = gradient_norms(RNN, 3.0, num_steps=50)
    assert large[0] > 1e5


def test_clipping_caps_explosions_but_cannot_undo_vanishing():
    clipped = gradient_norms(RNN, 3.0, num_steps=50, clip_threshold=5.0)
    assert np.all(clipped <= 5.0 + 1e-9) and clipped[0] == pytest.approx(5.0)
    vanishing = gradient_norms(RNN, 0.5, num_steps=30)
    np.testing.assert_allclose(gradient_norms(RNN, 0.5, num_steps=30, clip_threshold=5.0),
                               vanishing)


def test_bad_arguments():
    with pytest.raises(ValueError, match="weight_scale"):
        make_rnn(0.0)
    with pytest.raises(ValueError, match="clip_threshold"):
        gradient_norms(RNN, 1.0, clip_threshold=-1.0)


def test_the_figure_reports_the_first_norm():
    figure = rnn_gradient_flow_explorer(rnn_step_forward, rnn_step_backward, clip_grad_norm,
                                        static=True, weight_scale=0.5, num_steps=30)
    assert figure.axes[0].get_title() == "vanilla tanh RNN, recurrent weight scale 0.5"
    np.testing.assert_allclose(figure.axes[0].get_lines()[0].get_ydata(),
                               plain_gradient_norms(0.5, 30))


def test_the_released_stub_gives_the_panel(tmp_path, capsys):
    stub = released_module(tmp_path, "assignment3/a3/rnn_layers.py")
    figure = rnn_gradient_flow_explorer(stub.rnn_step_forward, stub.rnn_step_backward,
                                        stub.clip_grad_norm, static=True)
    assert isinstance(figure, Figure) and not figure.axes
    assert ("Write rnn_step_forward in a3/rnn_layers.py first, then run this cell again."
            in capsys.readouterr().out)
    # The steps written, the clipping not yet: the panel asks for clip_grad_norm.
    rnn_gradient_flow_explorer(rnn_step_forward, rnn_step_backward, stub.clip_grad_norm,
                               static=True)
    assert ("Write clip_grad_norm in a3/rnn_layers.py first, then run this cell again."
            in capsys.readouterr().out)
