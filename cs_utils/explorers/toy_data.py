"""Two-dimensional toy data for the classifier explorers, and the colours of its classes."""

import numpy as np

from cs_utils.checks import integer_at_least

# One colour per class, used for points, regions and lines alike.
CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")
# Where the points live: the square [-EXTENT, EXTENT] x [-EXTENT, EXTENT].
EXTENT = 3.0


def toy_points(num_points, num_classes=3, spread=1.0, seed=0):
    """Points in the plane drawn around one centre per class, the centres on a circle.

    Inputs:
    - num_points: number of points N (at least num_classes); the classes take turns,
      so their sizes differ by at most one.
    - num_classes: number of classes C, 2 to 5.
    - spread: standard deviation of the points around their centre.
    - seed: seed of the random generator; the first points do not change with N.

    Returns:
    - X: float array of shape (N, 2), clipped to the square of side 2 * EXTENT.
    - y: int array of shape (N,), labels in 0..C-1.
    """
    num_classes = integer_at_least(num_classes, "num_classes", 2)
    if num_classes > len(CLASS_COLOURS):
        raise ValueError(f"num_classes must be at most {len(CLASS_COLOURS)}, got {num_classes}")
    num_points = integer_at_least(num_points, "num_points", num_classes)
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(num_classes) / num_classes + np.pi / 2
    centres = 1.6 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    y = np.arange(num_points) % num_classes
    X = centres[y] + spread * rng.standard_normal((num_points, 2))
    return np.clip(X, -EXTENT, EXTENT), y


def grid_points(resolution, extent=EXTENT):
    """A square grid of query points covering [-extent, extent]^2.

    Returns:
    - coordinates: float array of shape (resolution,), the values along each axis.
    - points: float array of shape (resolution * resolution, 2), row by row (y outer).
    """
    resolution = integer_at_least(resolution, "resolution", 2)
    coordinates = np.linspace(-extent, extent, resolution)
    xx, yy = np.meshgrid(coordinates, coordinates)
    return coordinates, np.stack([xx.ravel(), yy.ravel()], axis=1)
