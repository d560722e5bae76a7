"""kNN on points in the plane: how k, the distance and the amount of data shape the regions."""

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from cs_utils.checks import integer_at_least
from cs_utils.explorers.controls import ChoiceControl, IntControl
from cs_utils.explorers.frontend import show_explorer
from cs_utils.explorers.toy_data import CLASS_COLOURS, EXTENT, grid_points, toy_points

METRICS = ("L2", "L1")


def pairwise_distances(A, B, metric="L2"):
    """Distances between every row of A and every row of B.

    Inputs:
    - A: float array of shape (M, D); B: float array of shape (N, D).
    - metric: "L2" (Euclidean) or "L1" (sum of absolute differences).

    Returns a float array of shape (M, N).
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    difference = A[:, None, :] - B[None, :, :]
    if metric == "L1":
        return np.abs(difference).sum(axis=2)
    return np.sqrt((difference ** 2).sum(axis=2))


def knn_predict(X_train, y_train, X_query, k, metric="L2"):
    """Label each query point by a majority vote of its k nearest training points.

    Ties between labels go to the smaller label, and ties between equally distant
    neighbours to the training point that comes first (as in Assignment 1).

    Inputs:
    - X_train: float array of shape (N, D); y_train: int array of shape (N,).
    - X_query: float array of shape (M, D).
    - k: number of neighbours, 1 <= k <= N.
    - metric: "L2" or "L1".

    Returns an int array of shape (M,).
    """
    k = integer_at_least(k, "k")
    if k > len(X_train):
        raise ValueError(f"k = {k} is larger than the {len(X_train)} training points")
    distances = pairwise_distances(X_query, X_train, metric)
    nearest = np.argsort(distances, axis=1, kind="stable")[:, :k]
    votes = np.zeros((len(X_query), int(y_train.max()) + 1), dtype=np.int64)
    np.add.at(votes, (np.arange(len(X_query))[:, None], y_train[nearest]), 1)
    return np.argmax(votes, axis=1)   # argmax returns the first (smallest) of tied labels


def decision_regions(X_train, y_train, k, metric="L2", resolution=120):
    """The label kNN gives to every point of a grid over the toy-data square.

    Returns:
    - coordinates: float array of shape (resolution,), the grid values along each axis.
    - labels: int array of shape (resolution, resolution); labels[i, j] is the label
      at (x, y) = (coordinates[j], coordinates[i]).
    """
    coordinates, points = grid_points(resolution)
    labels = knn_predict(X_train, y_train, points, k, metric)
    return coordinates, labels.reshape(resolution, resolution)


def draw_knn(k, metric, num_points, num_classes=3):
    """The decision regions of kNN on toy data; returns (figure, summary)."""
    X, y = toy_points(num_points, num_classes)
    if k > len(X):
        raise ValueError(f"k = {k} needs at least {k} points; there are {len(X)}")
    coordinates, regions = decision_regions(X, y, k, metric)
    wrong = int(np.sum(knn_predict(X, y, X, k, metric) != y))

    colours = CLASS_COLOURS[:num_classes]
    figure = Figure(figsize=(5.5, 5.0))
    ax = figure.add_subplot()
    ax.imshow(regions, origin="lower", extent=(-EXTENT, EXTENT, -EXTENT, EXTENT),
              cmap=ListedColormap(colours), vmin=0, vmax=num_classes - 1, alpha=0.3,
              interpolation="nearest")
    ax.scatter(X[:, 0], X[:, 1], c=[colours[label] for label in y], edgecolors="k", s=28)
    ax.set_xlim(-EXTENT, EXTENT)
    ax.set_ylim(-EXTENT, EXTENT)
    ax.set_aspect("equal")
    ax.set_title(f"kNN, k = {k}, {metric} distance, {len(X)} points")
    figure.tight_layout()
    summary = (f"k = {k}, {metric}: {wrong} of {len(X)} training points lie in a region "
               f"of another class")
    return figure, summary


def knn_explorer(static=None, **settings):
    """Explore kNN decision regions on 2-D toy data (k, L1/L2, number of points).

    settings: starting values (k, metric, num_points); static: see
    cs_utils.explorers.frontend. Returns the ipywidgets box or the static Figure.
    """
    controls = [[IntControl("k", 1, 1, 25, label="k"),
                 ChoiceControl("metric", "L2", METRICS, label="distance")],
                [IntControl("num_points", 60, 10, 200, step=10, label="points")]]
    return show_explorer("kNN decision regions", controls, draw_knn, static, settings)
