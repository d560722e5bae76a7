"""kNN explorer: the reference classifier's regions against a slow loop, ties, toy data,
and the panel that stands in while the classifier is not written."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from cs_utils.explorers.knn import decision_regions, draw_knn, knn_explorer, knn_labels
from cs_utils.explorers.toy_data import EXTENT, grid_points, toy_points
from tests.conftest import add_assignment_to_path
from tests.cs_utils.released_stubs import released_module

add_assignment_to_path("assignment1")
from a1.knn import KNearestNeighbor  # noqa: E402  (the reference solution)


def slow_knn(X_train, y_train, query, k, metric):
    labels = []
    for q in query:
        if metric == "L1":
            d = [sum(abs(a - b) for a, b in zip(q, p)) for p in X_train]
        else:
            d = [sum((a - b) ** 2 for a, b in zip(q, p)) ** 0.5 for p in X_train]
        order = sorted(range(len(d)), key=lambda i: (d[i], i))[:k]
        votes = {}
        for i in order:
            votes[int(y_train[i])] = votes.get(int(y_train[i]), 0) + 1
        best = max(votes.values())
        labels.append(min(label for label, count in votes.items() if count == best))
    return np.array(labels)


@pytest.mark.parametrize("metric", ["L1", "L2"])
@pytest.mark.parametrize("k", [1, 4, 9])
def test_labels_match_a_slow_loop(k, metric):
    X, y = toy_points(40, seed=3)
    query = np.random.default_rng(5).uniform(-3, 3, size=(60, 2))
    labels = knn_labels(KNearestNeighbor, X, y, query, k, metric)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, slow_knn(X, y, query, k, metric))


def test_ties_go_to_the_smaller_label_and_k1_recalls_training_labels():
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    y = np.array([2, 0])
    assert knn_labels(KNearestNeighbor, X, y, np.array([[0.0, 5.0]]), k=2).tolist() == [0]
    X, y = toy_points(30, seed=1)
    np.testing.assert_array_equal(knn_labels(KNearestNeighbor, X, y, X, k=1), y)


def test_l1_and_l2_can_disagree():
    # The query is 3 from A in L1 (2.1 in L2) and 2.5 from B in both.
    X = np.array([[1.5, 1.5], [2.5, 0.0]])
    y = np.array([0, 1])
    query = np.array([[0.0, 0.0]])
    assert knn_labels(KNearestNeighbor, X, y, query, 1, "L2").tolist() == [0]
    assert knn_labels(KNearestNeighbor, X, y, query, 1, "L1").tolist() == [1]


def test_bad_settings_are_refused_before_the_classifier_runs():
    X, y = toy_points(10)
    with pytest.raises(ValueError, match="larger than"):
        knn_labels(KNearestNeighbor, X, y, X, k=11)
    with pytest.raises(ValueError, match="k must be an integer"):
        knn_labels(KNearestNeighbor, X, y, X, k=0)
    with pytest.raises(ValueError, match="metric"):
        knn_labels(KNearestNeighbor, X, y, X, k=1, metric="cosine")


def test_decision_regions_cover_the_square_with_every_class():
    X, y = toy_points(60)
    coordinates, regions = decision_regions(KNearestNeighbor, X, y, k=5, resolution=50)
    assert coordinates[0] == -EXTENT and coordinates[-1] == EXTENT
    assert regions.shape == (50, 50)
    assert set(np.unique(regions)) == {0, 1, 2}
    # regions[i, j] is the label at (coordinates[j], coordinates[i]).
    point = np.array([[coordinates[7], coordinates[31]]])
    assert regions[31, 7] == slow_knn(X, y, point, 5, "L2")[0]


def test_the_figure_counts_training_points_in_a_region_of_another_class():
    figure = knn_explorer(KNearestNeighbor, static=True, k=7, metric="L1", num_points=40)
    assert figure.axes[0].get_title() == "kNN, k = 7, L1 distance, 40 points"
    X, y = toy_points(40)
    wrong = int(np.sum(slow_knn(X, y, X, 7, "L1") != y))
    _, summary = draw_knn(KNearestNeighbor, k=7, metric="L1", num_points=40)
    assert summary == f"k = 7, L1: {wrong} of 40 training points lie in a region of another class"


def test_the_released_stub_gives_the_panel_instead_of_a_crash(tmp_path, capsys):
    stub = released_module(tmp_path, "assignment1/a1/knn.py")
    figure = knn_explorer(stub.KNearestNeighbor, static=True)
    message = ("Write compute_distances_no_loops and predict_labels in a1/knn.py first, "
               "then run this cell again.")
    assert isinstance(figure, Figure) and not figure.axes
    assert " ".join(text.get_text() for text in figure.texts).replace("\n", " ") == message
    assert message in capsys.readouterr().out


def test_toy_points_are_balanced_stable_and_checked():
    X, y = toy_points(31, num_classes=3)
    assert X.shape == (31, 2) and np.bincount(y).tolist() == [11, 10, 10]
    assert np.all(np.abs(X) <= EXTENT)
    X_more, _ = toy_points(60, num_classes=3)
    np.testing.assert_array_equal(X_more[:31], X)      # more points add, never move
    _, points = grid_points(3, extent=1.0)
    np.testing.assert_array_equal(points[:4], [[-1, -1], [0, -1], [1, -1], [-1, 0]])
    with pytest.raises(ValueError):
        toy_points(2, num_classes=3)
    with pytest.raises(ValueError):
        toy_points(20, num_classes=6)
