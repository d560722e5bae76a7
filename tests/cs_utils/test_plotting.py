"""Image grids and figures: the arrays they show are the ones they were given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cs_utils.plotting import (  # noqa: E402
    plot_training_history,
    show_captioned_images,
    show_class_examples,
    show_weight_templates,
    visualize_grid,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


# --------------------------------------------------------------------------- visualize_grid


def test_visualize_grid_places_and_rescales_each_image():
    rng = np.random.default_rng(0)
    Xs = rng.uniform(-3, 7, size=(5, 4, 3, 2))
    grid = visualize_grid(Xs, ubound=10.0, padding=2)
    # 5 images -> a 3 x 3 grid of 4 x 3 cells with 2 pixels between them.
    assert grid.shape == (3 * 4 + 2 * 2, 3 * 3 + 2 * 2, 2)
    for i in range(5):
        row, col = i // 3, i % 3
        top, left = row * (4 + 2), col * (3 + 2)
        x = Xs[i]
        expected = 10.0 * (x - x.min()) / (x.max() - x.min())
        np.testing.assert_allclose(grid[top:top + 4, left:left + 3], expected)
    # Everything else (padding and the four unused cells) is zero.
    mask = np.ones(grid.shape[:2], dtype=bool)
    for i in range(5):
        top, left = (i // 3) * 6, (i % 3) * 5
        mask[top:top + 4, left:left + 3] = False
    assert np.all(grid[mask] == 0)


def test_visualize_grid_defaults_and_edge_cases():
    ones = np.ones((4, 2, 2, 3))
    grid = visualize_grid(ones)
    assert grid.shape == (5, 5, 3)
    assert np.all(grid == 0)  # constant images have no range to show
    ramp = np.arange(8.0).reshape(2, 2, 2)  # (N, H, W): one channel
    grid = visualize_grid(ramp)
    assert grid.shape == (5, 5, 1)
    np.testing.assert_allclose(grid[:2, :2, 0], [[0, 85], [170, 255]])
    with pytest.raises(ValueError):
        visualize_grid(np.zeros((2, 3)))


# --------------------------------------------------------------------------- class examples


def test_show_class_examples_shows_members_of_each_class():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(60, 8, 8, 3)).astype(np.float64)
    y = np.repeat(np.arange(3), 20)
    rng.shuffle(y)
    names = ["a", "b", "c"]
    fig = show_class_examples(X, y, names, samples_per_class=4)
    assert isinstance(fig, Figure)
    axes = np.array(fig.axes).reshape(4, 3)
    assert [axes[0, c].get_title() for c in range(3)] == names
    for c in range(3):
        shown = set()
        for r in range(4):
            img = np.asarray(axes[r, c].images[0].get_array())
            matches = [i for i in range(60) if np.allclose(img, X[i] / 255.0)]
            assert len(matches) == 1 and y[matches[0]] == c
            shown.add(matches[0])
        assert len(shown) == 4  # no image twice


def test_show_class_examples_handles_small_classes_and_channels_first():
    X = np.arange(3 * 3 * 4 * 4, dtype=np.float64).reshape(3, 3, 4, 4)  # (N, C, H, W)
    y = np.array([0, 1, 1])
    fig = show_class_examples(X, y, ["x", "y"], samples_per_class=2)
    assert len(image_axes(fig)) == 3
    img = np.asarray(image_axes(fig)[0].images[0].get_array())
    np.testing.assert_allclose(img, X[0].transpose(1, 2, 0) / 255.0)


def test_mean_subtracted_images_are_rescaled_for_display():
    X = np.linspace(-50, 50, 2 * 4 * 4 * 3).reshape(2, 4, 4, 3)
    fig = show_class_examples(X, np.array([0, 0]), ["only"], samples_per_class=2)
    for ax in image_axes(fig):
        img = np.asarray(ax.images[0].get_array())
        # Each image is stretched to its own range, even the one with no negative value.
        assert img.min() == 0.0 and img.max() == 1.0
        assert any(np.allclose(img, (x - x.min()) / (x.max() - x.min())) for x in X)


# --------------------------------------------------------------------------- weight templates


def test_show_weight_templates_drops_bias_and_shares_one_scale():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((32 * 32 * 3 + 1, 10))
    names = [f"class {c}" for c in range(10)]
    fig = show_weight_templates(W, names)
    axes = image_axes(fig)
    assert len(axes) == 10 and [ax.get_title() for ax in axes] == names
    body = W[:-1]
    low, high = body.min(), body.max()
    for c, ax in enumerate(axes):
        expected = (body[:, c].reshape(32, 32, 3) - low) / (high - low)
        np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), expected)


def test_show_weight_templates_other_layouts():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((4, 3 * 5 * 5))  # (C, D), channels-first images
    fig = show_weight_templates(W, list("abcd"), image_shape=(3, 5, 5), per_class_scale=True)
    for c, ax in enumerate(image_axes(fig)):
        t = W[c].reshape(3, 5, 5).transpose(1, 2, 0)
        expected = (t - t.min()) / (t.max() - t.min())
        np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), expected)
    with pytest.raises(ValueError, match="shape"):
        show_weight_templates(np.zeros((100, 10)), list("abcdefghij"))


# --------------------------------------------------------------------------- training curves


def test_plot_training_history_plots_the_given_values():
    loss = [2.3, 2.0, 1.7, 1.8, 1.2]
    fig = plot_training_history(loss)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    x, y = fig.axes[0].lines[0].get_data()
    np.testing.assert_array_equal(x, np.arange(5))
    np.testing.assert_array_equal(y, loss)

    fig = plot_training_history(loss, [0.1, 0.3, 0.5], [0.1, 0.25, 0.4])
    assert len(fig.axes) == 2
    lines = {line.get_label(): line.get_ydata() for line in fig.axes[1].lines}
    np.testing.assert_array_equal(lines["train"], [0.1, 0.3, 0.5])
    np.testing.assert_array_equal(lines["val"], [0.1, 0.25, 0.4])

    fig = plot_training_history(loss, val_acc_history=[0.2, 0.3])
    assert [line.get_label() for line in fig.axes[1].lines] == ["val"]


# --------------------------------------------------------------------------- show_captioned_images


def test_show_captioned_images_puts_each_caption_under_its_picture():
    pictures = [np.full((4, 5, 3), 10 * k, dtype=np.uint8) for k in range(3)]
    pictures[1] = None  # a picture that could not be downloaded
    fig = show_captioned_images(pictures, [["a", "b"], ["c", "d"], ["e", "f"]],
                                labels=["truth", "model"])
    assert len(fig.axes) == 3
    assert [ax.get_xlabel() for ax in fig.axes] == [
        "truth: a\nmodel: b", "truth: c\nmodel: d", "truth: e\nmodel: f"]
    assert [len(ax.images) for ax in fig.axes] == [1, 0, 1]
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), pictures[2])
    fig = show_captioned_images([pictures[0]], ["one line"])
    assert fig.axes[0].get_xlabel() == "one line"


def test_show_captioned_images_rejects_mismatched_input():
    picture = np.zeros((2, 2, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="as many captions as images"):
        show_captioned_images([picture, picture], ["only one"])
    with pytest.raises(ValueError, match="one caption per label"):
        show_captioned_images([picture], [["a"]], labels=["truth", "model"])
