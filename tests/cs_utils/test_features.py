"""HOG and hue-histogram features against slow, straightforward loop versions."""

import colorsys
import math

import numpy as np
import pytest

from cs_utils.features import color_histogram_hsv, extract_features, hog_feature


# --------------------------------------------------------------------------- loop references


def slow_gray(im):
    H, W = im.shape[:2]
    gray = np.zeros((H, W))
    for i in range(H):
        for j in range(W):
            r, g, b = (float(v) for v in im[i, j, :3])
            gray[i, j] = 0.299 * r + 0.587 * g + 0.114 * b
    return gray


def slow_hog(im, cell_size=8, num_bins=9):
    gray = slow_gray(im) if im.ndim == 3 else np.asarray(im, dtype=float)
    H, W = gray.shape
    cells_y, cells_x = H // cell_size, W // cell_size
    hist = np.zeros((cells_y, cells_x, num_bins))
    for i in range(cells_y * cell_size):
        for j in range(cells_x * cell_size):
            gx = (gray[i, j + 1] - gray[i, j - 1]) / 2 if 0 < j < W - 1 else 0.0
            gy = (gray[i + 1, j] - gray[i - 1, j]) / 2 if 0 < i < H - 1 else 0.0
            magnitude = math.sqrt(gx * gx + gy * gy)
            angle = math.degrees(math.atan2(gy, gx))
            if angle < 0:
                angle += 180.0
            if angle >= 180.0:
                angle -= 180.0
            b = min(int(angle // (180.0 / num_bins)), num_bins - 1)
            hist[i // cell_size, j // cell_size, b] += magnitude
    return (hist / cell_size**2).ravel()


def slow_hue_histogram(im, nbin, xmin, xmax, normalized):
    edges = [xmin + (xmax - xmin) * k / nbin for k in range(nbin + 1)]
    counts = np.zeros(nbin)
    for pixel in im.reshape(-1, 3):
        r, g, b = (min(max(float(v) / xmax, 0.0), 1.0) for v in pixel)
        hue = colorsys.rgb_to_hsv(r, g, b)[0] * xmax
        for k in range(nbin):
            last = k == nbin - 1
            if edges[k] <= hue < edges[k + 1] or (last and hue == edges[-1]):
                counts[k] += 1
                break
    if normalized and counts.sum() > 0:
        counts /= counts.sum()
    return counts


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# --------------------------------------------------------------------------- HOG


def test_hog_matches_loop_version_on_random_images(rng):
    for shape in [(32, 32, 3), (20, 27, 3), (16, 16)]:
        im = rng.uniform(0, 255, size=shape)
        got = hog_feature(im)
        expected = slow_hog(im)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_hog_matches_loop_version_on_uint8_image_with_other_cells(rng):
    im = rng.integers(0, 256, size=(24, 24, 3), dtype=np.uint8)
    got = hog_feature(im, cell_size=6, num_bins=12)
    np.testing.assert_allclose(got, slow_hog(im, cell_size=6, num_bins=12), atol=1e-10)


def test_hog_has_144_features_for_cifar_sized_image(rng):
    out = hog_feature(rng.uniform(0, 255, size=(32, 32, 3)))
    assert out.shape == (144,) and out.dtype == np.float64


def test_hog_of_horizontal_ramp_has_known_values():
    # Grey level 2 * column: gradient (2, 0) inside, orientation 0 degrees.
    im = np.repeat((2.0 * np.arange(32))[None, :], 32, axis=0)
    hist = hog_feature(im).reshape(4, 4, 9)
    assert np.all(hist[:, :, 1:] == 0)
    # Columns 1..30 have a central difference: 7 of them in the first and
    # last cell columns, 8 in the middle ones.
    interior_columns = np.array([7, 8, 8, 7])
    expected = 2.0 * 8 * interior_columns / 64.0
    np.testing.assert_allclose(hist[:, :, 0], np.broadcast_to(expected, (4, 4)))


def test_hog_puts_edges_in_the_right_orientation_bin():
    vertical_ramp = np.repeat(np.arange(32.0)[:, None], 32, axis=1)  # gradient along y: 90 deg
    diagonal = np.add.outer(np.arange(32.0), np.arange(32.0))  # gradient (1, 1): 45 deg
    anti = np.subtract.outer(np.arange(32.0), np.arange(32.0))  # gradient (-1, 1): 135 deg
    for image, bin_index in [(vertical_ramp, 4), (diagonal, 2), (anti, 6)]:
        per_bin = hog_feature(image).reshape(16, 9).sum(axis=0)
        # Only border pixels, where one difference is set to zero, vote elsewhere.
        assert per_bin[bin_index] > 0.9 * per_bin.sum()


def test_hog_uses_luma_weights_for_colour():
    green = np.zeros((16, 16, 3))
    green[:, :, 1] = np.repeat(np.arange(16.0)[None, :], 16, axis=0)
    grey = green[:, :, 1] * 0.587
    np.testing.assert_allclose(hog_feature(green), hog_feature(grey), atol=1e-12)


# --------------------------------------------------------------------------- hue histogram


def test_color_histogram_matches_loop_version(rng):
    im = rng.uniform(0, 255, size=(12, 10, 3))
    for nbin, normalized in [(10, True), (7, False)]:
        got = color_histogram_hsv(im, nbin=nbin, normalized=normalized)
        expected = slow_hue_histogram(im, nbin, 0, 255, normalized)
        np.testing.assert_allclose(got, expected)


def test_color_histogram_with_other_range(rng):
    im = rng.uniform(0, 1, size=(9, 9, 3))
    got = color_histogram_hsv(im, nbin=5, xmin=0.2, xmax=1.0, normalized=False)
    np.testing.assert_allclose(got, slow_hue_histogram(im, 5, 0.2, 1.0, False))


def test_color_histogram_of_pure_colours():
    im = np.zeros((2, 2, 3), dtype=np.uint8)
    im[0, 0] = (255, 0, 0)  # hue 0
    im[0, 1] = (0, 255, 0)  # hue 1/3 -> 85 -> bin 3 of 10
    im[1, 0] = (0, 0, 255)  # hue 2/3 -> 170 -> bin 6
    im[1, 1] = (128, 128, 128)  # grey: hue 0
    hist = color_histogram_hsv(im)
    expected = np.zeros(10)
    expected[[0, 3, 6]] = [0.5, 0.25, 0.25]
    np.testing.assert_allclose(hist, expected)
    assert hist.dtype == np.float64


# --------------------------------------------------------------------------- extract_features


def test_extract_features_stacks_each_image_features(rng):
    imgs = rng.uniform(0, 255, size=(5, 16, 16, 3))
    fns = [hog_feature, lambda im: color_histogram_hsv(im, nbin=4), lambda im: im.mean(axis=2)]
    out = extract_features(imgs, fns)
    assert out.shape == (5, 4 * 9 + 4 + 256)
    for n in range(5):
        expected = np.concatenate(
            [hog_feature(imgs[n]), color_histogram_hsv(imgs[n], nbin=4), imgs[n].mean(axis=2).ravel()]
        )
        np.testing.assert_array_equal(out[n], expected)


def test_extract_features_edge_cases(rng):
    assert extract_features(np.zeros((0, 8, 8, 3)), [hog_feature]).shape == (0, 0)
    assert extract_features(np.zeros((3, 8, 8, 3)), []).shape == (3, 0)
    one = extract_features(np.ones((1, 8, 8, 3)), [lambda im: np.array([im.sum()])])
    np.testing.assert_array_equal(one, [[192.0]])


def test_progress_bar_goes_to_stdout_never_stderr(rng, capsys):
    imgs = rng.uniform(0, 255, size=(4, 8, 8, 3))
    quiet = extract_features(imgs, [hog_feature], verbose=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    loud = extract_features(imgs, [hog_feature], verbose=True)
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "4/4" in captured.out
    np.testing.assert_array_equal(quiet, loud)


KERNEL_CELLS = [
    """
import sys
import numpy as np
from cs_utils.features import extract_features, hog_feature
X = np.random.default_rng(0).uniform(0, 255, (5, 8, 8, 3))
print(extract_features(X, [hog_feature], verbose=True).shape)
""",
    # Without ipywidgets tqdm.auto warns and falls back to a text bar; neither
    # may reach stderr.
    """
sys.modules["ipywidgets"] = None
for name in [m for m in sys.modules if m.startswith("tqdm")]:
    del sys.modules[name]
print(extract_features(X, [hog_feature], verbose=True).shape)
""",
]


def test_progress_bar_in_a_jupyter_kernel_never_writes_to_stderr(repo_root):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in KERNEL_CELLS])
    client = nbclient.NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(repo_root)}}
    )
    client.execute()
    for cell in nb.cells:
        streams = [o for o in cell.outputs if o["output_type"] == "stream"]
        assert not [o for o in streams if o["name"] == "stderr"], cell.outputs
        assert any("(5, 9)" in o["text"] for o in streams)
        assert not [o for o in cell.outputs if o["output_type"] == "error"]
    # First cell: a widget; second: a text bar on stdout.
    assert any(o["output_type"] == "display_data" for o in nb.cells[0].outputs)
    assert any("5/5" in o["text"] for o in nb.cells[1].outputs if o["output_type"] == "stream")
