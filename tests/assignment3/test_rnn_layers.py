"""Vanilla RNN, word embeddings, temporal affine and softmax layers, gradient clipping,
and the package as a whole.

Forward passes are held against loops over plain Python numbers, backward passes
against numerical gradients. The last section checks every module of a3: ``hello()``,
and that the release's stripping of the solution regions leaves valid Python that
raises NotImplementedError.
"""

import math
import textwrap

import numpy as np
import pytest

import a3
from a3.rnn_layers import (clip_grad_norm, rnn_backward, rnn_forward, rnn_step_backward,
                           rnn_step_forward, sigmoid, temporal_affine_backward,
                           temporal_affine_forward, temporal_softmax_loss,
                           word_embedding_backward, word_embedding_forward)
from cs_utils.gradient_check import eval_numerical_gradient, rel_error
from tests.assignment3.conftest import numerical_gradients
from tests.conftest import REPO_ROOT
from tests.package_checks import check_module_strips_cleanly, run_stripped_package, stubbed_functions
from tests.margins import assert_within
from tests.published import assert_reproduces


def rng(seed):
    return np.random.default_rng(seed)


def rnn_step_by_hand(x, prev_h, Wx, Wh, b):
    """tanh(x Wx + prev_h Wh + b), one number at a time."""
    N, H = len(x), len(b)
    return np.array([[math.tanh(sum(x[n][k] * Wx[k][j] for k in range(len(Wx)))
                                + sum(prev_h[n][k] * Wh[k][j] for k in range(H)) + b[j])
                      for j in range(H)] for n in range(N)])


# sigmoid -------------------------------------------------------------------------------

def test_sigmoid_values_and_no_overflow():
    x = np.array([-1000.0, -2.0, 0.0, 3.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = sigmoid(x)
    expected = [0.0, 1 / (1 + math.exp(2.0)), 0.5, 1 / (1 + math.exp(-3.0)), 1.0]
    np.testing.assert_allclose(out, expected, rtol=1e-15, atol=1e-300)
    assert sigmoid(np.zeros((2, 3), dtype=np.float32)).dtype == np.float32


# Vanilla RNN ---------------------------------------------------------------------------

def test_rnn_step_forward_against_a_loop():
    x = rng(0).normal(size=(3, 4))
    prev_h = rng(1).normal(size=(3, 5))
    Wx = rng(2).normal(size=(4, 5)) * 0.5
    Wh = rng(3).normal(size=(5, 5)) * 0.5
    b = rng(4).normal(size=5)
    next_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)
    np.testing.assert_allclose(next_h, rnn_step_by_hand(x, prev_h, Wx, Wh, b), rtol=1e-12)


def test_rnn_step_forward_reproduces_the_published_check():
    """The rnn_step_forward check of the CS231n-family notebooks, with its setup."""
    N, D, H = 3, 10, 4
    x = np.linspace(-0.4, 0.7, num=N * D).reshape(N, D)
    prev_h = np.linspace(-0.2, 0.5, num=N * H).reshape(N, H)
    Wx = np.linspace(-0.1, 0.9, num=D * H).reshape(D, H)
    Wh = np.linspace(-0.3, 0.7, num=H * H).reshape(H, H)
    b = np.linspace(-0.2, 0.4, num=H)
    next_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)
    assert_reproduces(next_h, [[-0.58172089, -0.50182032, -0.41232771, -0.31410098],
                               [0.66854692, 0.79562378, 0.87755553, 0.92795967],
                               [0.97934501, 0.99144213, 0.99646691, 0.99854353]], decimals=8)


def test_rnn_step_backward_matches_numerical():
    x = rng(0).normal(size=(3, 4))
    prev_h = rng(1).normal(size=(3, 5))
    Wx = rng(2).normal(size=(4, 5)) * 0.5
    Wh = rng(3).normal(size=(5, 5)) * 0.5
    b = rng(4).normal(size=5)
    dnext_h = rng(5).normal(size=(3, 5))
    inputs = (x, prev_h, Wx, Wh, b)
    _, cache = rnn_step_forward(*inputs)
    analytic = rnn_step_backward(dnext_h, cache)
    numerical = numerical_gradients(
        lambda: rnn_step_forward(*inputs)[0], inputs, dnext_h)
    for name, a, n, value in zip(("dx", "dprev_h", "dWx", "dWh", "db"), analytic, numerical, inputs):
        assert a.shape == value.shape, name
        assert_within(rel_error(a, n), 1e-7, name)


def test_rnn_forward_two_steps_by_hand():
    # One sequence of two numbers through a one-unit RNN.
    x = np.array([[[0.5], [-1.0]]])
    h0 = np.array([[0.2]])
    Wx, Wh, b = np.array([[0.8]]), np.array([[-0.6]]), np.array([0.1])
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    h1 = math.tanh(0.5 * 0.8 + 0.2 * -0.6 + 0.1)
    h2 = math.tanh(-1.0 * 0.8 + h1 * -0.6 + 0.1)
    np.testing.assert_allclose(h, [[[h1], [h2]]], rtol=1e-14)
    assert len(cache) == 2


def test_rnn_forward_reproduces_the_published_check():
    N, T, D, H = 2, 3, 4, 5
    x = np.linspace(-0.1, 0.3, num=N * T * D).reshape(N, T, D)
    h0 = np.linspace(-0.3, 0.1, num=N * H).reshape(N, H)
    Wx = np.linspace(-0.2, 0.4, num=D * H).reshape(D, H)
    Wh = np.linspace(-0.4, 0.1, num=H * H).reshape(H, H)
    b = np.linspace(-0.7, 0.1, num=H)
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    assert_reproduces(h, [[[-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251],
                           [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316],
                           [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525]],
                          [[-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671],
                           [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768],
                           [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043]]],
                      decimals=8)


def test_rnn_forward_against_a_loop():
    N, T, D, H = 2, 3, 4, 5
    x = rng(0).normal(size=(N, T, D))
    h0 = rng(1).normal(size=(N, H))
    Wx = rng(2).normal(size=(D, H)) * 0.5
    Wh = rng(3).normal(size=(H, H)) * 0.5
    b = rng(4).normal(size=H)
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    assert h.shape == (N, T, H)
    prev = h0
    for t in range(T):
        prev = rnn_step_by_hand(x[:, t, :], prev, Wx, Wh, b)
        np.testing.assert_allclose(h[:, t, :], prev, rtol=1e-12)


@pytest.mark.parametrize("upstream", ["every step", "last step only"])
def test_rnn_backward_matches_numerical(upstream):
    N, T, D, H = 2, 4, 3, 5
    x = rng(0).normal(size=(N, T, D))
    h0 = rng(1).normal(size=(N, H))
    Wx = rng(2).normal(size=(D, H)) * 0.5
    Wh = rng(3).normal(size=(H, H)) * 0.5
    b = rng(4).normal(size=H)
    dh = rng(5).normal(size=(N, T, H))
    if upstream == "last step only":
        # Every earlier gradient then flows back through the hidden-to-hidden path.
        dh[:, :-1, :] = 0
    inputs = (x, h0, Wx, Wh, b)
    _, cache = rnn_forward(*inputs)
    analytic = rnn_backward(dh, cache)
    numerical = numerical_gradients(lambda: rnn_forward(*inputs)[0], inputs, dh)
    for name, a, n, value in zip(("dx", "dh0", "dWx", "dWh", "db"), analytic, numerical, inputs):
        assert a.shape == value.shape, name
        assert_within(rel_error(a, n), 1e-7, name)
    assert np.abs(analytic[0][:, 0, :]).max() > 1e-3     # the first input gets a gradient


# Word embeddings -----------------------------------------------------------------------

def test_word_embedding_forward_looks_up_rows():
    W = np.arange(12, dtype=float).reshape(4, 3)
    x = np.array([[0, 3, 3], [2, 0, 1]])
    out, _ = word_embedding_forward(x, W)
    expected = [[[0, 1, 2], [9, 10, 11], [9, 10, 11]], [[6, 7, 8], [0, 1, 2], [3, 4, 5]]]
    np.testing.assert_array_equal(out, expected)


def test_word_embedding_forward_reproduces_the_published_check():
    x = np.asarray([[0, 3, 1, 2], [2, 1, 0, 3]])
    W = np.linspace(0, 1, num=5 * 3).reshape(5, 3)
    out, _ = word_embedding_forward(x, W)
    assert_reproduces(out, [[[0.0, 0.07142857, 0.14285714], [0.64285714, 0.71428571, 0.78571429],
                             [0.21428571, 0.28571429, 0.35714286], [0.42857143, 0.5, 0.57142857]],
                            [[0.42857143, 0.5, 0.57142857], [0.21428571, 0.28571429, 0.35714286],
                             [0.0, 0.07142857, 0.14285714], [0.64285714, 0.71428571, 0.78571429]]],
                      decimals=8)


def test_word_embedding_backward_adds_every_repeated_index():
    W = rng(0).normal(size=(5, 2))
    x = np.array([[1, 3, 1], [3, 3, 0]])
    dout = np.arange(12, dtype=float).reshape(2, 3, 2)
    _, cache = word_embedding_forward(x, W)
    dW = word_embedding_backward(dout, cache)
    expected = np.zeros((5, 2))
    for n in range(2):
        for t in range(3):
            expected[x[n, t]] += dout[n, t]
    # Word 3 occurs three times, word 1 twice; words 2 and 4 never.
    np.testing.assert_array_equal(dW, expected)
    np.testing.assert_array_equal(dW[3], dout[0, 1] + dout[1, 0] + dout[1, 1])
    numerical = eval_numerical_gradient(
        lambda _: np.sum(word_embedding_forward(x, W)[0] * dout), W, verbose=False)
    assert_within(rel_error(dW, numerical), 1e-9)


# Temporal affine -----------------------------------------------------------------------

def test_temporal_affine_forward_is_affine_at_every_step():
    x = rng(0).normal(size=(2, 3, 4))
    w = rng(1).normal(size=(4, 5))
    b = rng(2).normal(size=5)
    out, _ = temporal_affine_forward(x, w, b)
    assert out.shape == (2, 3, 5)
    for n in range(2):
        for t in range(3):
            np.testing.assert_allclose(out[n, t], x[n, t] @ w + b, rtol=1e-12)


def test_temporal_affine_backward_matches_numerical():
    x = rng(0).normal(size=(2, 3, 4))
    w = rng(1).normal(size=(4, 5))
    b = rng(2).normal(size=5)
    dout = rng(3).normal(size=(2, 3, 5))
    inputs = (x, w, b)
    _, cache = temporal_affine_forward(*inputs)
    analytic = temporal_affine_backward(dout, cache)
    numerical = numerical_gradients(
        lambda: temporal_affine_forward(*inputs)[0], inputs, dout)
    for name, a, n, value in zip(("dx", "dw", "db"), analytic, numerical, inputs):
        assert a.shape == value.shape, name
        assert_within(rel_error(a, n), 1e-7, name)


# Temporal softmax loss -----------------------------------------------------------------

def test_temporal_softmax_loss_uniform_scores_by_hand():
    N, T, V = 2, 3, 4
    x = np.zeros((N, T, V))
    y = np.array([[1, 2, 0], [3, 0, 0]])
    mask = np.array([[True, True, False], [True, False, False]])
    loss, dx = temporal_softmax_loss(x, y, mask)
    # Three steps count, each costing log(4); summed over time, averaged over N = 2.
    assert loss == pytest.approx(3 * math.log(4) / 2, rel=1e-12)
    expected = np.zeros((N, T, V))
    for n, t in [(0, 0), (0, 1), (1, 0)]:
        expected[n, t] = 0.25 / N
        expected[n, t, y[n, t]] -= 1 / N
    np.testing.assert_allclose(dx, expected, rtol=1e-12, atol=1e-15)


def test_temporal_softmax_loss_one_step_by_hand():
    x = np.array([[[1.0, 2.0, 3.0]]])
    loss, dx = temporal_softmax_loss(x, np.array([[2]]), np.array([[True]]))
    total = math.exp(1) + math.exp(2) + math.exp(3)
    assert loss == pytest.approx(-math.log(math.exp(3) / total), rel=1e-12)
    np.testing.assert_allclose(dx[0, 0], [math.exp(1) / total, math.exp(2) / total,
                                          math.exp(3) / total - 1], rtol=1e-12)


def test_temporal_softmax_loss_all_masked_is_zero():
    x = rng(0).normal(size=(3, 4, 5))
    y = rng(1).integers(0, 5, size=(3, 4))
    loss, dx = temporal_softmax_loss(x, y, np.zeros((3, 4), dtype=bool))
    assert loss == 0
    assert not np.any(dx)


def test_temporal_softmax_loss_ignores_masked_scores():
    x = rng(0).normal(size=(3, 4, 5))
    y = rng(1).integers(0, 5, size=(3, 4))
    mask = rng(2).random((3, 4)) < 0.6
    loss, dx = temporal_softmax_loss(x, y, mask)
    changed = x.copy()
    changed[~mask] = 100 * rng(3).normal(size=(np.sum(~mask), 5))
    loss_changed, dx_changed = temporal_softmax_loss(changed, y, mask)
    assert loss_changed == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(dx_changed, dx, rtol=1e-12)
    assert not np.any(dx[~mask])


def test_temporal_softmax_loss_averages_over_sequences_not_steps():
    x = rng(0).normal(size=(4, 6, 5))
    y = rng(1).integers(0, 5, size=(4, 6))
    mask = rng(2).random((4, 6)) < 0.7
    loss, _ = temporal_softmax_loss(x, y, mask)
    per_sequence = [temporal_softmax_loss(x[n:n + 1], y[n:n + 1], mask[n:n + 1])[0] for n in range(4)]
    assert loss == pytest.approx(np.mean(per_sequence), rel=1e-12)
    # The same sequences three times over: the same average.
    tripled = temporal_softmax_loss(np.concatenate([x] * 3), np.concatenate([y] * 3),
                                    np.concatenate([mask] * 3))[0]
    assert tripled == pytest.approx(loss, rel=1e-12)
    # Twice the time steps (the sequence repeated in time): twice the loss.
    longer = temporal_softmax_loss(np.concatenate([x, x], axis=1), np.concatenate([y, y], axis=1),
                                   np.concatenate([mask, mask], axis=1))[0]
    assert longer == pytest.approx(2 * loss, rel=1e-12)


def test_temporal_softmax_loss_gradient_matches_numerical():
    x = rng(0).normal(size=(3, 4, 6))
    y = rng(1).integers(0, 6, size=(3, 4))
    mask = rng(2).random((3, 4)) < 0.6
    _, dx = temporal_softmax_loss(x, y, mask)
    numerical = eval_numerical_gradient(lambda _: temporal_softmax_loss(x, y, mask)[0], x,
                                        verbose=False)
    assert_within(rel_error(dx, numerical), 1e-7)


def test_temporal_softmax_loss_large_scores_are_stable():
    x = np.array([[[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 1000.0]]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss, dx = temporal_softmax_loss(x, np.array([[1, 2]]), np.array([[True, True]]))
    assert loss == pytest.approx(1000.0 + math.log(3), rel=1e-12)
    assert np.all(np.isfinite(dx))


def test_temporal_softmax_loss_rejects_mismatched_shapes():
    x = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        temporal_softmax_loss(x, np.zeros((2, 4), dtype=int), np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="mask"):
        temporal_softmax_loss(x, np.zeros((2, 3), dtype=int), np.ones(6, dtype=bool))


# Gradient clipping ---------------------------------------------------------------------

def test_clip_grad_norm_above_the_threshold_by_hand():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0], [4.0]])}
    before = {k: v.copy() for k, v in grads.items()}
    clipped, total_norm = clip_grad_norm(grads, max_norm=1.0)
    assert total_norm == pytest.approx(5.0, rel=1e-15)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0], rtol=1e-15)
    np.testing.assert_allclose(clipped["b"], [[0.0], [0.8]], rtol=1e-15)
    for name in grads:
        np.testing.assert_array_equal(grads[name], before[name])    # input unchanged
        assert clipped[name] is not grads[name]


def test_clip_grad_norm_keeps_direction_and_reaches_max_norm():
    grads = {"W": 10 * rng(0).normal(size=(4, 5)), "b": 10 * rng(1).normal(size=5),
             "W32": (10 * rng(2).normal(size=(3, 3))).astype(np.float32)}
    expected_norm = math.sqrt(sum(float(np.sum(g.astype(float) ** 2)) for g in grads.values()))
    clipped, total_norm = clip_grad_norm(grads, max_norm=2.5)
    assert total_norm == pytest.approx(expected_norm, rel=1e-6)
    new_norm = math.sqrt(sum(float(np.sum(g.astype(float) ** 2)) for g in clipped.values()))
    assert new_norm == pytest.approx(2.5, rel=1e-6)
    for name, g in grads.items():
        assert clipped[name].shape == g.shape and clipped[name].dtype == g.dtype
        np.testing.assert_allclose(clipped[name], g * (2.5 / expected_norm), rtol=1e-6)


def test_clip_grad_norm_below_the_threshold_changes_nothing():
    grads = {"W": np.array([[0.3, -0.4]]), "b": np.array([1.2])}
    clipped, total_norm = clip_grad_norm(grads, max_norm=10.0)
    assert total_norm == pytest.approx(1.3, rel=1e-15)
    for name, g in grads.items():
        np.testing.assert_array_equal(clipped[name], g)
        assert clipped[name] is not g


@pytest.mark.parametrize("max_norm", [0, -1.0])
def test_clip_grad_norm_rejects_a_non_positive_threshold(max_norm):
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm({"W": np.ones(2)}, max_norm)


# The package as a whole ----------------------------------------------------------------

PACKAGE = REPO_ROOT / "assignment3" / "a3"
MODULES = ["__init__.py", "rnn_layers.py", "captioning_rnn.py"]


def test_hello_names_the_package(capsys):
    a3.hello()
    printed = capsys.readouterr().out
    assert "a3" in printed and str(PACKAGE.resolve()) in printed


def test_package_has_the_expected_modules():
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == sorted(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_module_strips_to_valid_python_without_solutions(module):
    check_module_strips_cleanly(PACKAGE, module, has_regions=module != "__init__.py")


def test_every_student_function_has_a_region():
    expected = {
        "rnn_layers.py": {"rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
                          "word_embedding_forward", "word_embedding_backward",
                          "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
                          "gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward",
                          "temporal_affine_forward", "temporal_affine_backward",
                          "temporal_softmax_loss", "clip_grad_norm"},
        "captioning_rnn.py": {"pick_next_words", "loss", "sample"},
    }
    for module, names in expected.items():
        assert stubbed_functions(PACKAGE, module) == names, module


def test_stripped_package_imports_and_raises_not_implemented(tmp_path):
    script = textwrap.dedent("""
        import numpy as np
        import a3
        from a3 import rnn_layers
        from a3.captioning_rnn import CaptioningRNN
        a3.hello()
        x, h = np.zeros((2, 3)), np.zeros((2, 4))
        words = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3}
        model = CaptioningRNN(words, input_dim=3, wordvec_dim=3, hidden_dim=4)
        calls = [
            lambda: rnn_layers.rnn_step_forward(x, h, np.zeros((3, 4)), np.zeros((4, 4)), np.zeros(4)),
            lambda: rnn_layers.lstm_forward(np.zeros((2, 1, 3)), h, np.zeros((3, 16)),
                                            np.zeros((4, 16)), np.zeros(16)),
            lambda: rnn_layers.temporal_softmax_loss(np.zeros((2, 1, 3)), np.zeros((2, 1), int),
                                                     np.ones((2, 1), bool)),
            lambda: rnn_layers.clip_grad_norm({"W": x}, 1.0),
            lambda: model.loss(x, np.array([[1, 2], [1, 2]])),
            lambda: model.sample(x, max_length=3),
        ]
        for call in calls:
            try:
                call()
            except NotImplementedError:
                continue
            raise SystemExit("a stub did not raise NotImplementedError")
        assert model.params["Wx"].shape == (3, 4)
        print("stubs ok")
    """)
    result, target = run_stripped_package(PACKAGE, MODULES, script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stubs ok" in result.stdout and str(target) in result.stdout
