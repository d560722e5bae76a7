"""Pictures of the data and of training: image grids, class examples, weight templates, curves.

Each function draws a new matplotlib figure and returns it. In a notebook the
figure appears when the cell ends; write the call as a statement (or end it
with ``;``) so that the returned figure is not shown a second time as the
cell's value::

    from cs_utils.plotting import show_class_examples
    show_class_examples(data["X_train"] + data["mean_image"], data["y_train"],
                        data["class_names"]);
"""

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Tile a batch of images into one big image.

    Each image is rescaled on its own to span [0, ubound] (a constant image
    becomes 0). The images fill a square grid of ceil(sqrt(N)) x ceil(sqrt(N))
    cells row by row, with padding pixels of 0 between cells; unused cells stay 0.

    Inputs:
    - Xs: array of shape (N, H, W, C) (or (N, H, W), treated as C = 1).
    - ubound: the largest value of the output.
    - padding: pixels between neighbouring images.

    Returns a float64 array of shape (G * H + (G - 1) * padding,
    G * W + (G - 1) * padding, C) with G = ceil(sqrt(N)).
    """
    Xs = np.asarray(Xs, dtype=np.float64)
    if Xs.ndim == 3:
        Xs = Xs[..., None]
    if Xs.ndim != 4:
        raise ValueError(f"expected images of shape (N, H, W, C), got {Xs.shape}")
    N, H, W, C = Xs.shape
    grid_size = int(math.ceil(math.sqrt(N)))
    grid_height = H * grid_size + padding * (grid_size - 1)
    grid_width = W * grid_size + padding * (grid_size - 1)
    grid = np.zeros((grid_height, grid_width, C))
    for i in range(N):
        row, col = divmod(i, grid_size)
        y0, x0 = row * (H + padding), col * (W + padding)
        img = Xs[i]
        low, high = img.min(), img.max()
        scaled = (img - low) / (high - low) * ubound if high > low else np.zeros_like(img)
        grid[y0:y0 + H, x0:x0 + W] = scaled
    return grid


def _as_hwc(img):
    """An image as (H, W, C) or (H, W); (C, H, W) with C in {1, 3} is transposed."""
    img = np.asarray(img, dtype=np.float64)
    if img.ndim == 3 and img.shape[0] in (1, 3) and img.shape[-1] not in (1, 3):
        img = img.transpose(1, 2, 0)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    return img


def _displayable(img, pixel_values):
    """Values in [0, 1] for imshow: pixel values (0..255) are divided by 255, anything else min-max scaled."""
    img = _as_hwc(img)
    if pixel_values:
        return img / 255.0
    low, high = img.min(), img.max()
    return (img - low) / (high - low) if high > low else np.zeros_like(img)


def show_class_examples(X, y, class_names, samples_per_class=7, seed=0):
    """A column of random examples for every class.

    Inputs:
    - X: images of shape (N, H, W, 3) (or (N, 3, H, W)), pixel values 0..255.
      If any value lies outside 0..255 (mean-subtracted images, say) each
      image is rescaled to its own range; they look better with the mean
      added back.
    - y: int array of shape (N,), labels in 0..C-1.
    - class_names: list of C strings, the column titles.
    - samples_per_class: images per column (fewer if a class has fewer).
    - seed: seed for choosing the examples.

    Returns the matplotlib Figure.
    """
    y = np.asarray(y)
    X = np.asarray(X)
    pixel_values = bool(X.size) and X.min() >= 0 and X.max() <= 255
    num_classes = len(class_names)
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(
        samples_per_class, num_classes, squeeze=False,
        figsize=(1.1 * num_classes, 1.1 * samples_per_class + 0.4),
    )
    for c, name in enumerate(class_names):
        members = np.flatnonzero(y == c)
        chosen = rng.choice(members, min(samples_per_class, members.size), replace=False)
        for row in range(samples_per_class):
            ax = axes[row, c]
            ax.axis("off")
            if row < chosen.size:
                ax.imshow(_displayable(X[chosen[row]], pixel_values), interpolation="nearest")
        axes[0, c].set_title(name, fontsize=8)
    fig.tight_layout()
    return fig


def show_weight_templates(W, class_names, image_shape=(32, 32, 3), per_class_scale=False):
    """Show each class's weights of a linear classifier on pixels as an image.

    Inputs:
    - W: weights of shape (D, C) with D = prod(image_shape), or (D + 1, C) with
      the bias as the last row (it is dropped). (C, D) and (C, D + 1) work too.
    - class_names: list of C strings.
    - image_shape: shape of one image, (H, W, 3) or (3, H, W).
    - per_class_scale: rescale each template on its own instead of all with
      the same minimum and maximum (which keeps the templates comparable).

    Returns the matplotlib Figure (one row of C images).
    """
    W = np.asarray(W, dtype=np.float64)
    D = int(np.prod(image_shape))
    C = len(class_names)
    if W.ndim != 2:
        raise ValueError(f"expected a 2-D weight matrix, got shape {W.shape}")
    if W.shape[1] != C and W.shape[0] == C:
        W = W.T
    if W.shape[1] != C or W.shape[0] not in (D, D + 1):
        raise ValueError(
            f"W has shape {W.shape}; expected ({D}, {C}) or ({D + 1}, {C}) for images "
            f"of shape {tuple(image_shape)} and {C} classes"
        )
    templates = W[:D].T.reshape((C,) + tuple(image_shape))
    low, high = templates.min(), templates.max()

    fig, axes = plt.subplots(1, C, squeeze=False, figsize=(1.2 * C, 1.6))
    for c, name in enumerate(class_names):
        t = _as_hwc(templates[c])
        lo, hi = (t.min(), t.max()) if per_class_scale else (low, high)
        shown = (t - lo) / (hi - lo) if hi > lo else np.zeros_like(t)
        ax = axes[0, c]
        ax.imshow(shown, interpolation="nearest")
        ax.set_title(name, fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_training_history(loss_history, train_acc_history=None, val_acc_history=None):
    """Plot the training loss per iteration and, when given, accuracies per epoch.

    Inputs:
    - loss_history: sequence of T losses, one per iteration.
    - train_acc_history, val_acc_history: sequences of E accuracies, one per
      epoch (either may be None).

    Returns the matplotlib Figure: one axes for the loss, a second one below
    it for the accuracies when any are given.
    """
    has_acc = train_acc_history is not None or val_acc_history is not None
    fig, axes = plt.subplots(2 if has_acc else 1, 1, squeeze=False,
                             figsize=(8, 6.5 if has_acc else 3.5))
    ax = axes[0, 0]
    ax.plot(np.arange(len(loss_history)), np.asarray(loss_history, dtype=np.float64),
            ".", markersize=3, alpha=0.6)
    ax.set_title("Training loss")
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Loss")
    if has_acc:
        ax = axes[1, 0]
        for history, label in ((train_acc_history, "train"), (val_acc_history, "val")):
            if history is not None:
                ax.plot(np.arange(len(history)), np.asarray(history, dtype=np.float64),
                        "-o", markersize=3, label=label)
        ax.set_title("Classification accuracy")
        ax.set_xlabel("Epoch")
        ax.set_ylabel("Accuracy")
        ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def show_captioned_images(images, captions, labels=None, width=3.2):
    """Show pictures side by side, each with lines of text under it (captions).

    Inputs:
    - images: sequence of K pictures, each a uint8 array (H, W, 3) or None (a picture
      that could not be had: an empty frame is drawn instead).
    - captions: sequence of K entries, each a string or a list of L strings (one
      line each; every entry has the same L).
    - labels: None, or L names printed before the lines ("truth", "model", ...).
    - width: width of one picture in inches.

    Returns the matplotlib Figure, one axes per picture.
    """
    if len(images) != len(captions) or not len(images):
        raise ValueError(f"give as many captions as images (and at least one): "
                         f"{len(images)} images, {len(captions)} captions")
    lines = [[c] if isinstance(c, str) else list(c) for c in captions]
    if labels is not None and any(len(entry) != len(labels) for entry in lines):
        raise ValueError(f"every picture needs one caption per label {list(labels)}")
    rows = max(len(entry) for entry in lines)
    fig, axes = plt.subplots(1, len(images), squeeze=False,
                             figsize=(width * len(images), width + 0.4 * rows))
    for ax, image, entry in zip(axes[0], images, lines):
        if image is not None:
            ax.imshow(image)
        if labels is not None:
            entry = [f"{label}: {text}" for label, text in zip(labels, entry)]
        # About 15 characters of 8-point text per inch; long captions take two lines.
        ax.set_xlabel("\n".join(textwrap.fill(line, int(15 * width)) for line in entry),
                      fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig
