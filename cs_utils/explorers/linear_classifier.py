"""A 3-class linear classifier on points in the plane: weights, biases, lines and losses.

Class c scores a point x as s_c = x . W[:, c] + b[c]. Its line s_c = 0 is drawn with
an arrow along W[:, c], the side where the score grows; each point of the plane is
shaded with the class of the highest score. The losses are the student's own
``svm_loss_vectorized`` and ``softmax_loss_vectorized`` from Assignment 1.
"""

import functools

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from cs_utils.explorers.controls import FloatControl
from cs_utils.explorers.frontend import (StudentCode, result_number, result_tuple,
                                         show_explorer)
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


def folded(W, b, X):
    """The bias folded into the weights, as the course's loss functions take them.

    Inputs: W of shape (D, C), b of shape (C,), X of shape (N, D).
    Returns (W_full, X_full): W with b as one more row, of shape (D + 1, C), and X with
    a column of ones, of shape (N, D + 1); X_full @ W_full equals X @ W + b.
    """
    return np.vstack([W, b]), np.hstack([X, np.ones((len(X), 1))])


def mean_losses(losses, W, b, X, y):
    """The loss of each given loss function, without regularization (reg = 0).

    Inputs:
    - losses: dict of name -> loss function with the signature of
      a1.linear_svm.svm_loss_vectorized, loss(W, X, y, reg) -> (loss, dW).
    - W of shape (D, C), b of shape (C,), X of shape (N, D), y int array of shape (N,).

    Returns a dict of name -> float, in the order of losses.
    """
    W_full, X_full = folded(W, b, X)
    values = {}
    for name, loss in losses.items():
        function = getattr(loss, "__name__", name)
        value, _ = result_tuple(loss(W_full, X_full, y, 0.0), 2, function)
        values[name] = result_number(value, function)
    return values


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


LOSS_LABELS = {"SVM": "multiclass SVM (hinge) loss", "softmax": "softmax (cross-entropy) loss"}
# Where each loss is written, for the panel that asks for it.
LOSS_FILES = {"SVM": "a1/linear_svm.py", "softmax": "a1/softmax.py"}


def draw_linear_classifier(losses, **settings):
    """Regions, zero-score lines and the given losses for the weights in settings.

    losses: dict of name ("SVM", "softmax") -> loss function, as in mean_losses.
    Returns (figure, summary).
    """
    W, b = weights_from_settings(settings)
    X, y = toy_points(NUM_POINTS, NUM_CLASSES, seed=1)
    values = mean_losses(losses, W, b, X, y)
    accuracy = float(np.mean(np.argmax(class_scores(X, W, b), axis=1) == y))

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
    shown = [f"{name} loss {value:.3f}" for name, value in values.items()]
    ax.set_title("   ".join(shown + [f"accuracy {accuracy:.0%}"]), fontsize=10)
    figure.tight_layout()
    summary = ", ".join([f"{LOSS_LABELS[name]} {value:.3f}" for name, value in values.items()]
                        + [f"accuracy {accuracy:.0%} on {NUM_POINTS} points"])
    return figure, summary


def _probe(losses):
    """Each loss on four points and a small classifier."""
    W = np.array([[0.5, -0.3, 0.1], [0.2, 0.4, -0.6]])
    X = np.array([[1.0, 0.5], [-0.5, 1.0], [0.3, -1.2], [0.0, 0.0]])
    mean_losses(losses, W, np.array([0.1, 0.0, -0.1]), X, np.array([0, 1, 2, 1]))


def linear_classifier_explorer(svm_loss=None, softmax_loss=None, static=None, **settings):
    """Explore a 3-class linear classifier on 2-D points: one column of sliders per class
    (its two weights and its bias) moves that class's line, and your losses update.

    Inputs:
    - svm_loss: your svm_loss_vectorized (a1.linear_svm), or None.
    - softmax_loss: your softmax_loss_vectorized (a1.softmax), or None.
      Pass at least one; each is called as loss(W, X, y, reg=0) with the bias folded
      into W (shape (3, 3)) and a column of ones in X (shape (N, 3)).
    - static: see cs_utils.explorers.frontend.
    - settings: starting values (w0x, w0y, b0, ..., b2).

    Returns the ipywidgets box or the static Figure. Until the losses run, it shows a
    panel that says what to write or fix instead.
    """
    losses = {name: loss for name, loss in (("SVM", svm_loss), ("softmax", softmax_loss))
              if loss is not None}
    if not losses:
        raise TypeError("linear_classifier_explorer needs your svm_loss_vectorized, "
                        "your softmax_loss_vectorized, or both")
    student_code = [StudentCode(f"{getattr(loss, '__name__', name)} in {LOSS_FILES[name]}",
                                functools.partial(_probe, {name: loss}), (loss,))
                    for name, loss in losses.items()]
    controls = [[FloatControl(f"w{c}{axis}", float(DEFAULT_W[row, c]), -3.0, 3.0,
                              label=f"W[{row},{c}]") for c in range(NUM_CLASSES)]
                for row, axis in enumerate("xy")]
    controls.append([FloatControl(f"b{c}", float(DEFAULT_B[c]), -3.0, 3.0, label=f"b[{c}]")
                     for c in range(NUM_CLASSES)])
    return show_explorer("Linear classifier: weights, biases and losses", controls,
                         functools.partial(draw_linear_classifier, losses), static,
                         settings, student_code=student_code)
