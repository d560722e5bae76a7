"""RNN gradient flow explorer: backpropagated gradients against numerical ones, and the
vanishing, exploding and clipped regimes."""

import numpy as np
import pytest

from cs_utils.explorers.rnn_gradient_flow import (gradient_norms, hidden_state_gradients,
                                                  make_rnn, rnn_pre_activations)
from cs_utils.gradient_check import eval_numerical_gradient


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_hidden_state_gradients_match_numerical_ones(activation):
    weights = make_rnn(1.2, hidden_size=6, input_size=3, seed=2)
    x = np.random.default_rng(3).standard_normal((5, 3))
    a, h = rnn_pre_activations(x, weights, activation)
    grads = hidden_state_gradients(a, h, weights, activation)
    for t in range(5):
        def loss_from(h_t, t=t):
            """L as a function of h_t: run the remaining steps from it."""
            if t == 4:
                return float(h_t @ weights["g"])
            _, rest = rnn_pre_activations(x[t + 1:], weights, activation, h0=h_t)
            return float(rest[-1] @ weights["g"])
        numerical = eval_numerical_gradient(loss_from, h[t].copy(), verbose=False, h=1e-6)
        np.testing.assert_allclose(grads[t], numerical, rtol=1e-5, atol=1e-8)


def test_vanishing_and_exploding():
    small = gradient_norms(0.5, "tanh", num_steps=30)
    assert small[-1] == pytest.approx(1.0)
    assert small[0] < 1e-8 and np.all(np.diff(small) > 0)      # shrinks at every step back
    large = gradient_norms(3.0, "relu", num_steps=30)
    assert large[0] > 1e6


def test_clipping_caps_explosions_but_cannot_undo_vanishing():
    clipped = gradient_norms(3.0, "relu", num_steps=30, clip_threshold=5.0)
    assert np.all(clipped <= 5.0 + 1e-9) and clipped[0] == pytest.approx(5.0)
    vanishing = gradient_norms(0.5, "tanh", num_steps=30)
    np.testing.assert_allclose(gradient_norms(0.5, "tanh", num_steps=30, clip_threshold=5.0),
                               vanishing)


def test_bad_arguments():
    with pytest.raises(ValueError, match="weight_scale"):
        make_rnn(0.0)
    with pytest.raises(ValueError, match="activation"):
        gradient_norms(1.0, "sigmoid")
    with pytest.raises(ValueError, match="clip_threshold"):
        gradient_norms(1.0, "tanh", clip_threshold=-1.0)
