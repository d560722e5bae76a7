"""Hand-made image features: histograms of oriented gradients and of hues.

A linear classifier on raw pixels has to learn every position of an object
separately. Features that summarise local edge directions (HOG) and the colours
present (a hue histogram) throw position away and often make the same
classifier better. These functions are provided to students; they are not
student work.

Typical use in a notebook::

    from cs_utils.features import extract_features, hog_feature, color_histogram_hsv

    feature_fns = [hog_feature, lambda im: color_histogram_hsv(im, nbin=10)]
    X_train_feats = extract_features(X_train, feature_fns, verbose=True)
"""

import numpy as np
from matplotlib.colors import rgb_to_hsv

from cs_utils.progress import progress_bar

# ITU-R BT.601 luma weights for red, green and blue.
_LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])


def rgb2gray(im):
    """Grayscale version of an RGB image.

    Inputs:
    - im: array of shape (H, W, 3) (or (H, W), returned as float64 unchanged).

    Returns a float64 array of shape (H, W): 0.299 R + 0.587 G + 0.114 B.
    """
    im = np.asarray(im, dtype=np.float64)
    if im.ndim == 2:
        return im
    if im.ndim != 3 or im.shape[2] < 3:
        raise ValueError(f"expected an image of shape (H, W, 3) or (H, W), got {im.shape}")
    return im[:, :, :3] @ _LUMA_WEIGHTS


def image_gradients(gray):
    """Central-difference gradients of a grayscale image.

    Inputs:
    - gray: float array of shape (H, W).

    Returns (gx, gy), two float64 arrays of shape (H, W):
    gx[i, j] = (gray[i, j+1] - gray[i, j-1]) / 2 and gy[i, j] = (gray[i+1, j] -
    gray[i-1, j]) / 2 inside the image; zero on the border columns (gx) and
    rows (gy), where a central difference does not exist.
    """
    gray = np.asarray(gray, dtype=np.float64)
    gx = np.zeros_like(gray)
    gy = np.zeros_like(gray)
    gx[:, 1:-1] = (gray[:, 2:] - gray[:, :-2]) / 2.0
    gy[1:-1, :] = (gray[2:, :] - gray[:-2, :]) / 2.0
    return gx, gy


def hog_feature(im, cell_size=8, num_bins=9):
    """Histogram of oriented gradients of the grayscale version of an image.

    The image is cut into cells of cell_size x cell_size pixels (rows and columns
    that do not fill a whole cell are ignored). In every cell, each pixel votes
    for the bin of its gradient orientation, with its gradient magnitude as the
    weight. Orientations are unsigned, in [0, 180) degrees, split into num_bins
    equal bins (20 degrees each for 9 bins). A cell's histogram is divided by
    the number of pixels in the cell, so it is the mean magnitude per bin.

    Inputs:
    - im: array of shape (H, W, 3) (RGB) or (H, W) (grayscale), any real dtype.
    - cell_size: side of a square cell in pixels.
    - num_bins: number of orientation bins.

    Returns a float64 array of shape ((H // cell_size) * (W // cell_size) * num_bins,),
    ordered by cell row, then cell column, then orientation bin. For a 32x32
    image with the defaults that is 4 * 4 * 9 = 144 numbers.
    """
    gray = rgb2gray(im)
    gx, gy = image_gradients(gray)
    cells_y, cells_x = gray.shape[0] // cell_size, gray.shape[1] // cell_size
    height, width = cells_y * cell_size, cells_x * cell_size
    gx, gy = gx[:height, :width], gy[:height, :width]

    magnitude = np.hypot(gx, gy)
    orientation = np.rad2deg(np.arctan2(gy, gx)) % 180.0
    bins = np.minimum((orientation / (180.0 / num_bins)).astype(np.int64), num_bins - 1)

    rows = np.arange(height)[:, None] // cell_size
    cols = np.arange(width)[None, :] // cell_size
    index = (rows * cells_x + cols) * num_bins + bins
    histogram = np.bincount(
        index.ravel(), weights=magnitude.ravel(), minlength=cells_y * cells_x * num_bins
    )
    return histogram / float(cell_size * cell_size)


def color_histogram_hsv(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """Histogram of the hues of an image.

    The RGB pixel values (assumed to lie in [0, xmax]) are converted to HSV; the
    hue, scaled to [0, xmax], is counted in nbin equal bins spanning
    [xmin, xmax]. Grey pixels (zero saturation) have hue 0 and fall in the
    first bin when xmin is 0.

    Inputs:
    - im: array of shape (H, W, 3), RGB values in [0, xmax], any real dtype.
    - nbin: number of histogram bins.
    - xmin, xmax: range of the bins (xmax is also the largest pixel value).
    - normalized: if True, return the fraction of the counted pixels in each
      bin (the histogram sums to 1); otherwise return the counts.

    Returns a float64 array of shape (nbin,).
    """
    im = np.asarray(im, dtype=np.float64)
    if im.ndim != 3 or im.shape[2] != 3:
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {im.shape}")
    hsv = rgb_to_hsv(np.clip(im / xmax, 0.0, 1.0))
    hue = hsv[:, :, 0] * xmax
    edges = np.linspace(xmin, xmax, nbin + 1)
    counts, _ = np.histogram(hue, bins=edges)
    counts = counts.astype(np.float64)
    if normalized:
        total = counts.sum()
        if total > 0:
            counts /= total
    return counts


def extract_features(imgs, feature_fns, verbose=False):
    """Apply feature functions to every image and stack the results.

    Inputs:
    - imgs: array of shape (N, H, W, C) (or (N, H, W)), any real dtype.
    - feature_fns: list of k functions; the i-th takes one image (H, W, C) and
      returns a 1-D array of length F_i (anything else is flattened).
    - verbose: show a progress bar (a widget in Jupyter, text on stdout in a
      terminal; never on stderr).

    Returns a float64 array of shape (N, F_1 + ... + F_k): row n holds the
    features of image n, those of feature_fns[0] first.
    """
    imgs = np.asarray(imgs)
    num_images = imgs.shape[0]
    if num_images == 0 or not feature_fns:
        return np.zeros((num_images, 0))

    # The first image tells how long each feature vector is.
    first = [np.ravel(fn(imgs[0])) for fn in feature_fns]
    dims = [f.size for f in first]
    features = np.empty((num_images, sum(dims)), dtype=np.float64)
    features[0] = np.concatenate(first)

    bounds = np.concatenate([[0], np.cumsum(dims)])
    rest = range(1, num_images)
    if verbose:
        rest = progress_bar(rest, desc="features", initial=1, total=num_images)
    for n in rest:
        for fn, start, stop in zip(feature_fns, bounds[:-1], bounds[1:]):
            features[n, start:stop] = np.ravel(fn(imgs[n]))
    return features
