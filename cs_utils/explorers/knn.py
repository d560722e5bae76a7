"""kNN on points in the plane: how k, the distance and the amount of data shape the regions.

The classifier is the student's own ``KNearestNeighbor`` from Assignment 1
(``a1/knn.py``): the explorer trains it on toy points, computes distances with
``compute_distances_no_loops`` and labels every point of a grid with ``predict_labels``.
"""

import functools

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from cs_utils.checks import integer_at_least
from cs_utils.explorers.controls import ChoiceControl, IntControl
from cs_utils.explorers.frontend import StudentCode, result_array, show_explorer
from cs_utils.explorers.toy_data import CLASS_COLOURS, EXTENT, grid_points, toy_points

# The names the controls show; the classifier takes them in lower case ("l2", "l1").
METRICS = ("L2", "L1")
STUDENT_WORK = "compute_distances_no_loops and predict_labels in a1/knn.py"
STUDENT_METHODS = ("train", "compute_distances_no_loops", "predict_labels")


def knn_labels(knn_class, X_train, y_train, X_query, k, metric="L2"):
    """The labels a freshly trained kNN classifier gives the query points.

    Inputs:
    - knn_class: a class like a1.knn.KNearestNeighbor, with train(X, y),
      compute_distances_no_loops(X, metric="l2" or "l1") and predict_labels(dists, k).
    - X_train: float array of shape (N, D); y_train: int array of shape (N,).
    - X_query: float array of shape (M, D).
    - k: number of neighbours, 1 <= k <= N.
    - metric: "L2" or "L1".

    Returns an int array of shape (M,).
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    k = integer_at_least(k, "k")
    if k > len(X_train):
        raise ValueError(f"k = {k} is larger than the {len(X_train)} training points")
    classifier = knn_class()
    classifier.train(X_train, y_train)
    dists = result_array(classifier.compute_distances_no_loops(X_query, metric=metric.lower()),
                         (len(X_query), len(X_train)), "compute_distances_no_loops")
    labels = result_array(classifier.predict_labels(dists, k=k), (len(X_query),),
                          "predict_labels")
    return labels.astype(np.int64)


def decision_regions(knn_class, X_train, y_train, k, metric="L2", resolution=120):
    """The label kNN gives to every point of a grid over the toy-data square.

    Inputs as in knn_labels; resolution: grid points along each axis.

    Returns:
    - coordinates: float array of shape (resolution,), the grid values along each axis.
    - labels: int array of shape (resolution, resolution); labels[i, j] is the label
      at (x, y) = (coordinates[j], coordinates[i]).
    """
    coordinates, points = grid_points(resolution)
    labels = knn_labels(knn_class, X_train, y_train, points, k, metric)
    return coordinates, labels.reshape(resolution, resolution)


def draw_knn(knn_class, k, metric, num_points, num_classes=3):
    """The decision regions of kNN on toy data; returns (figure, summary)."""
    X, y = toy_points(num_points, num_classes)
    if k > len(X):
        raise ValueError(f"k = {k} needs at least {k} points; there are {len(X)}")
    coordinates, regions = decision_regions(knn_class, X, y, k, metric)
    wrong = int(np.sum(knn_labels(knn_class, X, y, X, k, metric) != y))

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


def _probe(knn_class):
    """Both distances and two values of k on four training points."""
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    query = np.array([[0.2, 0.1], [0.9, 0.8], [0.5, 0.4]])
    for metric in METRICS:
        for k in (1, 3):
            knn_labels(knn_class, X, y, query, k, metric)


def knn_explorer(knn_class, static=None, **settings):
    """Explore kNN decision regions on 2-D toy data (k, L1/L2, number of points), drawn
    by your own classifier.

    Inputs:
    - knn_class: your KNearestNeighbor class (from a1.knn import KNearestNeighbor).
    - static: see cs_utils.explorers.frontend.
    - settings: starting values (k, metric, num_points).

    Returns the ipywidgets box or the static Figure. Until compute_distances_no_loops
    and predict_labels run, it shows a panel that says what to write or fix instead.
    """
    student_code = StudentCode(
        STUDENT_WORK, functools.partial(_probe, knn_class),
        tuple(getattr(knn_class, name) for name in STUDENT_METHODS
              if callable(getattr(knn_class, name, None))))
    controls = [[IntControl("k", 1, 1, 25, label="k"),
                 ChoiceControl("metric", "L2", METRICS, label="distance")],
                [IntControl("num_points", 60, 10, 200, step=10, label="points")]]
    return show_explorer("kNN decision regions", controls,
                         functools.partial(draw_knn, knn_class), static, settings,
                         student_code=student_code)
