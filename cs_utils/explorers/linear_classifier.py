"""A 3-class linear classifier on points in the plane: weights, biases, lines and losses.

Class c scores a point x as s_c = x . W[:, c] + b[c]. Its line s_c = 0 is drawn with
an arrow along W[:, c], the side where the score grows; each point of the plane is
shaded with the class of the highest score.
"""

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from cs_utils.explorers.controls import FloatControl
from cs_utils.explorers.frontend import show_explorer
from cs_utils.explorers.toy_data import CLASS_COLOURS, EXTENT, grid_points, toy_points

NUM_CLASSES = 3
NUM_POINTS = 45
# A mediocre starting classifier, for the student to improve.
DEFAULT_W = np.array([[0.5, -0.2, 0.3],
                      [0.2, 0.4, -0.6]])
DEFAULT_B = np.array([0.0, 0.5, 0.0])


def class_scores(X, W, b):
    """Scores of a linear classifier.

    Inputs: X of shape (N, D), W of shape (D, C), b of shape (C,).
    Returns scores of shape (N, C).
    """
    return X @ W + b


def mean_hinge_loss(scores, y, margin=1.0):
    """Multiclass SVM loss averaged over the points (no regularization).

    Each point i adds sum over j != y[i] of max(0, scores[i, j] - scores[i, y[i]] + margin).

    Inputs: scores of shape (N, C), y int array of shape (N,).
    Returns a float.
    """
    rows = np.arange(len(y))
    excess = scores - scores[rows, y][:, None] + margin
    excess[rows, y] = 0.0
    return float(np.maximum(excess, 0.0).sum() / len(y))


def mean_cross_entropy_loss(scores, y):
    """Softmax (cross-entropy) loss averaged over the points (no regularization).

    Each point i adds -log(exp(scores[i, y[i]]) / sum_j exp(scores[i, j])), computed
    with the largest score of the row subtracted first so that exp cannot overflow.

    Inputs: scores of shape (N, C), y int array of shape (N,).
    Returns a float.
    """
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    return float(np.mean(log_norm - shifted[np.arange(len(y)), y]))


def zero_score_segment(w, b, extent=EXTENT):
    """Where the line w . x + b = 0 crosses the square [-extent, extent]^2.

    Inputs: w of shape (2,), b a float.
    Returns a float array of shape (2, 2) (two end points, one per row), or None when
    the line misses the square or w is zero.
    """
    w = np.asarray(w, dtype=np.float64)
    if not np.any(w):
        return None
    crossings = []
    for axis in (0, 1):
        other = 1 - axis
        if w[other] == 0:
            continue
        for fixed in (-extent, extent):
            value = -(b + w[axis] * fixed) / w[other]
            if -extent - 1e-12 <= value <= extent + 1e-12:
                point = np.empty(2)
                point[axis], point[other] = fixed, value
                crossings.append(point)
    unique = []
    for point in crossings:
        if all(np.linalg.norm(point - seen) > 1e-9 for seen in unique):
            unique.append(point)
    return np.array(unique[:2]) if len(unique) >= 2 else None


def weights_from_settings(settings):
    """W of shape (2, 3) and b of shape (3,) from the slider values w{c}x, w{c}y, b{c}."""
    W = np.array([[settings[f"w{c}x"] for c in range(NUM_CLASSES)],
                  [settings[f"w{c}y"] for c in range(NUM_CLASSES)]])
    b = np.array([settings[f"b{c}"] for c in range(NUM_CLASSES)])
    return W, b


def draw_linear_classifier(**settings):
    """Regions, zero-score lines and both losses for the weights in settings."""
    W, b = weights_from_settings(settings)
    X, y = toy_points(NUM_POINTS, NUM_CLASSES, seed=1)
    scores = class_scores(X, W, b)
    svm, softmax = mean_hinge_loss(scores, y), mean_cross_entropy_loss(scores, y)
    accuracy = float(np.mean(np.argmax(scores, axis=1) == y))

    coordinates, grid = grid_points(150)
    regions = np.argmax(class_scores(grid, W, b), axis=1).reshape(150, 150)
    colours = CLASS_COLOURS[:NUM_CLASSES]
    figure = Figure(figsize=(5.5, 5.0))
    ax = figure.add_subplot()
    ax.imshow(regions, origin="lower", extent=(-EXTENT, EXTENT, -EXTENT, EXTENT),
              cmap=ListedColormap(colours), vmin=0, vmax=NUM_CLASSES - 1, alpha=0.25,
              interpolation="nearest")
    for c in range(NUM_CLASSES):
        segment = zero_score_segment(W[:, c], b[c])
        if segment is None:
            continue
        ax.plot(segment[:, 0], segment[:, 1], color=colours[c], linewidth=2)
        middle = segment.mean(axis=0)
        direction = 0.6 * W[:, c] / np.linalg.norm(W[:, c])
        ax.annotate("", xy=middle + direction, xytext=middle,
                    arrowprops={"arrowstyle": "->", "color": colours[c], "linewidth": 2})
    ax.scatter(X[:, 0], X[:, 1], c=[colours[label] for label in y], edgecolors="k", s=30)
    ax.set_xlim(-EXTENT, EXTENT)
    ax.set_ylim(-EXTENT, EXTENT)
    ax.set_aspect("equal")
    ax.set_title(f"SVM loss {svm:.3f}   softmax loss {softmax:.3f}   accuracy {accuracy:.0%}",
                 fontsize=10)
    figure.tight_layout()
    summary = (f"multiclass SVM (hinge) loss {svm:.3f}, softmax (cross-entropy) loss "
               f"{softmax:.3f}, accuracy {accuracy:.0%} on {NUM_POINTS} points")
    return figure, summary


def linear_classifier_explorer(static=None, **settings):
    """Explore a 3-class linear classifier on 2-D points: one column of sliders per class
    (its two weights and its bias) moves that class's line; SVM and softmax losses update.

    settings: starting values (w0x, w0y, b0, ..., b2); static: see
    cs_utils.explorers.frontend. Returns the ipywidgets box or the static Figure.
    """
    controls = [[FloatControl(f"w{c}{axis}", float(DEFAULT_W[row, c]), -3.0, 3.0,
                              label=f"W[{row},{c}]") for c in range(NUM_CLASSES)]
                for row, axis in enumerate("xy")]
    controls.append([FloatControl(f"b{c}", float(DEFAULT_B[c]), -3.0, 3.0, label=f"b[{c}]")
                     for c in range(NUM_CLASSES)])
    return show_explorer("Linear classifier: weights, biases and losses", controls,
                         draw_linear_classifier, static, settings)
