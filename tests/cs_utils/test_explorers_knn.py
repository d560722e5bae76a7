"""kNN explorer: predictions against a slow loop, distances by hand, ties, toy data."""

import numpy as np
import pytest

from cs_utils.explorers.knn import decision_regions, knn_predict, pairwise_distances
from cs_utils.explorers.toy_data import EXTENT, grid_points, toy_points


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


def test_distances_by_hand():
    A = np.array([[0.0, 0.0], [1.0, 1.0]])
    B = np.array([[3.0, 4.0]])
    np.testing.assert_allclose(pairwise_distances(A, B, "L2"), [[5.0], [np.sqrt(13.0)]])
    np.testing.assert_allclose(pairwise_distances(A, B, "L1"), [[7.0], [5.0]])
    with pytest.raises(ValueError, match="metric"):
        pairwise_distances(A, B, "cosine")


@pytest.mark.parametrize("metric", ["L1", "L2"])
@pytest.mark.parametrize("k", [1, 4, 9])
def test_predictions_match_a_slow_loop(k, metric):
    X, y = toy_points(40, seed=3)
    query = np.random.default_rng(5).uniform(-3, 3, size=(60, 2))
    np.testing.assert_array_equal(knn_predict(X, y, query, k, metric),
                                  slow_knn(X, y, query, k, metric))


def test_ties_go_to_the_smaller_label_and_k1_recalls_training_labels():
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    y = np.array([2, 0])
    assert knn_predict(X, y, np.array([[0.0, 5.0]]), k=2).tolist() == [0]
    X, y = toy_points(30, seed=1)
    np.testing.assert_array_equal(knn_predict(X, y, X, k=1), y)


def test_l1_and_l2_can_disagree():
    # The query is 3 from A in L1 (2.1 in L2) and 2.5 from B in both.
    X = np.array([[1.5, 1.5], [2.5, 0.0]])
    y = np.array([0, 1])
    query = np.array([[0.0, 0.0]])
    assert knn_predict(X, y, query, 1, "L2").tolist() == [0]
    assert knn_predict(X, y, query, 1, "L1").tolist() == [1]


def test_bad_k_is_refused():
    X, y = toy_points(10)
    with pytest.raises(ValueError, match="larger than"):
        knn_predict(X, y, X, k=11)
    with pytest.raises(ValueError, match="k must be an integer"):
        knn_predict(X, y, X, k=0)


def test_decision_regions_cover_the_square_with_every_class():
    X, y = toy_points(60)
    coordinates, regions = decision_regions(X, y, k=5, resolution=50)
    assert coordinates[0] == -EXTENT and coordinates[-1] == EXTENT
    assert regions.shape == (50, 50)
    assert set(np.unique(regions)) == {0, 1, 2}
    # regions[i, j] is the label at (coordinates[j], coordinates[i]).
    point = np.array([[coordinates[7], coordinates[31]]])
    assert regions[31, 7] == knn_predict(X, y, point, 5)[0]


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
