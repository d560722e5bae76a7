"""Linear classifier explorer: the reference losses, called as the explorer calls them,
against slow loops and known values; the drawn lines; the panel for unwritten losses."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from cs_utils.explorers.linear_classifier import (class_scores, draw_linear_classifier, folded,
                                                  linear_classifier_explorer, mean_losses,
                                                  zero_score_segment)
from tests.conftest import add_assignment_to_path
from tests.cs_utils.released_stubs import released_module

add_assignment_to_path("assignment1")
from a1.linear_svm import svm_loss_vectorized  # noqa: E402  (the reference solutions)
from a1.softmax import softmax_loss_vectorized  # noqa: E402

BOTH = {"SVM": svm_loss_vectorized, "softmax": softmax_loss_vectorized}


def slow_hinge(scores, y):
    total = 0.0
    for row, label in zip(scores, y):
        total += sum(max(0.0, row[j] - row[label] + 1.0) for j in range(len(row)) if j != label)
    return total / len(y)


def slow_cross_entropy(scores, y):
    return sum(-math.log(math.exp(row[label]) / sum(math.exp(s) for s in row))
               for row, label in zip(scores, y)) / len(y)


def losses_of_scores(scores, y):
    """mean_losses for a score matrix given directly: X = scores, W = I, b = 0."""
    C = scores.shape[1]
    return mean_losses(BOTH, np.eye(C), np.zeros(C), scores, y)


def test_folding_the_bias_keeps_the_scores():
    rng = np.random.default_rng(2)
    W, b, X = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(5, 2))
    W_full, X_full = folded(W, b, X)
    assert W_full.shape == (3, 3) and X_full.shape == (5, 3)
    np.testing.assert_allclose(X_full @ W_full, X @ W + b)


def test_losses_match_slow_loops():
    rng = np.random.default_rng(0)
    W, b, X = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(20, 2))
    y = rng.integers(0, 3, size=20)
    values = mean_losses(BOTH, W, b, X, y)
    scores = [[sum(X[i, d] * W[d, c] for d in range(2)) + b[c] for c in range(3)]
              for i in range(20)]
    assert list(values) == ["SVM", "softmax"]
    assert values["SVM"] == pytest.approx(slow_hinge(scores, y))
    assert values["softmax"] == pytest.approx(slow_cross_entropy(scores, y))


def test_losses_at_known_points():
    y = np.array([0, 2])
    equal = losses_of_scores(np.zeros((2, 3)), y)
    assert equal["SVM"] == pytest.approx(2.0)                     # (C - 1) * margin
    assert equal["softmax"] == pytest.approx(math.log(3))
    confident = np.array([[5.0, 0.0, 0.0], [0.0, 0.0, 5.0]])
    assert losses_of_scores(confident, y)["SVM"] == 0.0
    huge = 1000.0 * confident                                       # no overflow
    assert losses_of_scores(huge, y)["softmax"] == pytest.approx(0.0, abs=1e-12)
    assert losses_of_scores(-huge, y)["softmax"] == pytest.approx(5000.0 + math.log(2))


def test_scores_shape_and_values():
    X = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 0.0]])
    np.testing.assert_allclose(class_scores(X, W, np.array([0.0, 1.0, 2.0])), [[2.0, 3.0, 1.0]])


@pytest.mark.parametrize("w, b", [((1.0, 2.0), 0.5), ((0.0, 1.0), -1.0), ((3.0, 0.0), 2.0),
                                  ((-1.0, 1.0), 0.0)])
def test_zero_score_segment_lies_on_the_line_and_spans_the_square(w, b):
    segment = zero_score_segment(np.array(w), b, extent=3.0)
    assert segment.shape == (2, 2)
    np.testing.assert_allclose(segment @ np.array(w) + b, 0.0, atol=1e-12)
    assert np.all(np.abs(segment) <= 3.0 + 1e-9)
    # Both ends on the border of the square.
    assert np.all(np.isclose(np.abs(segment).max(axis=1), 3.0))


def test_zero_score_segment_misses():
    assert zero_score_segment(np.array([0.0, 0.0]), 1.0) is None
    assert zero_score_segment(np.array([1.0, 0.0]), 10.0, extent=3.0) is None


ZERO = {**{f"w{c}x": 0.0 for c in range(3)}, **{f"w{c}y": 0.0 for c in range(3)},
        **{f"b{c}": 0.0 for c in range(3)}}


def test_summary_reports_the_losses_it_was_given():
    _, summary = draw_linear_classifier(BOTH, **ZERO)
    assert "hinge) loss 2.000" in summary and f"entropy) loss {math.log(3):.3f}" in summary
    figure, summary = draw_linear_classifier({"SVM": svm_loss_vectorized}, **ZERO)
    assert summary.startswith("multiclass SVM (hinge) loss 2.000, accuracy")
    assert "softmax" not in summary and "softmax" not in figure.axes[0].get_title()


def test_the_explorer_needs_at_least_one_loss():
    with pytest.raises(TypeError, match="svm_loss_vectorized"):
        linear_classifier_explorer(static=True)


def test_released_stubs_give_the_panel_naming_what_to_write(tmp_path, capsys):
    svm_stub = released_module(tmp_path, "assignment1/a1/linear_svm.py")
    softmax_stub = released_module(tmp_path, "assignment1/a1/softmax.py")
    figure = linear_classifier_explorer(svm_stub.svm_loss_vectorized, static=True)
    assert isinstance(figure, Figure) and not figure.axes
    assert ("Write svm_loss_vectorized in a1/linear_svm.py first, then run this cell again."
            in capsys.readouterr().out)
    # The SVM written, the softmax not yet: the panel asks for the softmax loss.
    linear_classifier_explorer(svm_loss_vectorized, softmax_stub.softmax_loss_vectorized,
                               static=True)
    out = capsys.readouterr().out
    assert "Write softmax_loss_vectorized in a1/softmax.py first, then run this cell again." in out
    assert "svm_loss" not in out


def test_a_loss_without_its_gradient_is_named(capsys):
    def svm_loss_vectorized(W, X, y, reg):      # returns the loss alone
        return 1.0

    linear_classifier_explorer(svm_loss_vectorized, static=True)
    assert ("svm_loss_vectorized returned a float, where a tuple of 2 was expected: fix it "
            "and run this cell again." in capsys.readouterr().out)
