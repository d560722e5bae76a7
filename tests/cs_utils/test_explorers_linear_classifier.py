"""Linear classifier explorer: losses against slow loops and known values, the drawn lines."""

import math

import numpy as np
import pytest

from cs_utils.explorers.linear_classifier import (class_scores, draw_linear_classifier,
                                                  mean_cross_entropy_loss, mean_hinge_loss,
                                                  zero_score_segment)


def slow_hinge(scores, y):
    total = 0.0
    for row, label in zip(scores, y):
        total += sum(max(0.0, row[j] - row[label] + 1.0) for j in range(len(row)) if j != label)
    return total / len(y)


def slow_cross_entropy(scores, y):
    return sum(-math.log(math.exp(row[label]) / sum(math.exp(s) for s in row))
               for row, label in zip(scores, y)) / len(y)


def test_losses_match_slow_loops():
    rng = np.random.default_rng(0)
    scores, y = rng.normal(size=(20, 3)), rng.integers(0, 3, size=20)
    assert mean_hinge_loss(scores, y) == pytest.approx(slow_hinge(scores, y))
    assert mean_cross_entropy_loss(scores, y) == pytest.approx(slow_cross_entropy(scores, y))


def test_losses_at_known_points():
    y = np.array([0, 2])
    equal = np.zeros((2, 3))
    assert mean_hinge_loss(equal, y) == pytest.approx(2.0)        # (C - 1) * margin
    assert mean_cross_entropy_loss(equal, y) == pytest.approx(math.log(3))
    confident = np.array([[5.0, 0.0, 0.0], [0.0, 0.0, 5.0]])
    assert mean_hinge_loss(confident, y) == 0.0
    huge = 1000.0 * confident                                       # no overflow
    assert mean_cross_entropy_loss(huge, y) == pytest.approx(0.0, abs=1e-12)
    assert mean_cross_entropy_loss(-huge, y) == pytest.approx(5000.0 + math.log(2))


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


def test_summary_reports_the_losses_of_the_settings():
    settings = {**{f"w{c}x": 0.0 for c in range(3)}, **{f"w{c}y": 0.0 for c in range(3)},
                **{f"b{c}": 0.0 for c in range(3)}}
    _, summary = draw_linear_classifier(**settings)
    assert "hinge) loss 2.000" in summary and f"entropy) loss {math.log(3):.3f}" in summary
