"""A small captioning dataset the project generates: an offline stand-in for COCO captions.

Each picture (48x48 RGB) shows one or two shapes (circle, square, triangle) in
one of six colours, small or big, on a dark or light background. One shape
sits on the left, right, top, bottom or in the middle; two shapes sit side by
side or one above the other. Every picture has 2 to 5 captions, different
phrasings of what is drawn::

    a big red circle to the left of a small blue square
    a small square to the right of a big circle
    there is a small green triangle on a dark background

The image features are computed from the pixels, never from the scene
description: over a 6x6 grid of cells, the mean colour, a chroma-weighted
hue histogram, a histogram of edge directions and the mean chroma, plus the
largest of those values over coarser regions. That is 1,200 numbers a
picture, standardized with the training statistics (the wide "fc7" variant);
their PCA to 512 dimensions, fitted on the training pictures, is the "pca"
variant. Colour, shape, size and place are all recoverable from them: on the
default seed, a softmax regression on the PCA features names a lone shape's
colour and place on every validation picture, its size on 97% and its shape
on 90% of them (see tests/cs_utils/test_synthetic_captions.py).

Everything is written in the layout of the real data (see cs_utils.captioning:
same file names, HDF5 datasets, vocabulary and URL files; the URL of training
image 123 is ``generated:train/000123``), so one loader reads both. Two
files more: ``generated_images.h5`` holds the pictures (``train_images``,
``val_images``, uint8 (N, 48, 48, 3)) and the scene of each picture
(``train_scenes``, ``val_scenes``, int16 (N, 10), columns SCENE_COLUMNS, -1 where
a column does not apply), and ``generated.json`` describes the folder.

The same seed gives the same bytes every time (on one platform). Write the
folder with::

    python -m cs_utils.synthetic_captions [--out DIR] [--seed SEED]

Writing is atomic (a temporary folder renamed into place), so several
processes may generate at once; whoever comes second uses the finished folder.
"""

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import h5py
import numpy as np

from cs_utils.captioning import (
    CAPTIONS_FILE,
    COCO_FOLDER,
    END,
    GENERATED_IMAGES_FILE,
    GENERATED_INFO_FILE,
    GENERATED_URL_PREFIX,
    NULL,
    SPECIAL_TOKENS,
    START,
    VOCAB_FILE,
    features_file,
    urls_file,
)
from cs_utils.atomic_folder import write_folder_atomically
from cs_utils.synthetic import _mask, hsv_to_rgb

IMAGE_SIZE = 48
NUM_TRAIN_IMAGES = 4000
NUM_VAL_IMAGES = 500
CAPTIONS_PER_IMAGE = (2, 5)  # fewest and most
CAPTION_LENGTH = 17  # <START>, at most 15 words, <END>, as in the real data
PCA_DIM = 512
DEFAULT_SEED = 231
# Bump when pictures, captions or features change, so that old folders are replaced.
GENERATOR_VERSION = 1

SHAPES = ("circle", "square", "triangle")
COLOURS = ("red", "orange", "yellow", "green", "blue", "purple")
COLOUR_HUES = (0.0, 0.085, 0.155, 0.33, 0.62, 0.78)
SIZES = ("small", "big")
SIZE_RADII = ((4.0, 5.5), (7.5, 9.0))  # radius range in pixels, per size
BACKGROUNDS = ("dark", "light")
PLACES = ("left", "right", "top", "bottom", "middle")  # where a single shape sits
LAYOUTS = ("side by side", "one above the other")  # how two shapes sit
# The columns of a scene table: for two shapes, shape A is the left (or top) one.
SCENE_COLUMNS = ("num_shapes", "background", "place", "layout",
                 "shape_a", "colour_a", "size_a", "shape_b", "colour_b", "size_b")
TWO_SHAPE_FRACTION = 0.6

_COORDS = np.arange(IMAGE_SIZE, dtype=np.float32) + 0.5
_Y, _X = np.meshgrid(_COORDS, _COORDS, indexing="ij")
_EXTENT = 1.22  # half-width of any shape, in radii (the triangle is the widest)
_CHUNK = 500  # pictures drawn and featurized at a time, to bound memory


# --------------------------------------------------------------------------- scenes


def sample_scenes(rng, n):
    """Draw n scene descriptions.

    Returns a dict of arrays of shape (n,), one per SCENE_COLUMNS entry (indices
    into SHAPES, COLOURS, SIZES, BACKGROUNDS, PLACES, LAYOUTS; -1 where a
    column does not apply: 'place' for two shapes, 'layout' and the b columns
    for one), plus float32 arrays 'cx_a', 'cy_a', 'r_a', 'cx_b', 'cy_b', 'r_b'
    (centres and radii in pixels), 'angle_a', 'angle_b' (small rotations of
    squares, radians). Two shapes of one picture always differ in shape or colour.
    """
    num = np.where(rng.uniform(size=n) < TWO_SHAPE_FRACTION, 2, 1)
    two = num == 2
    s = {"num_shapes": num, "background": rng.integers(0, len(BACKGROUNDS), n)}
    s["place"] = np.where(two, -1, rng.integers(0, len(PLACES), n))
    s["layout"] = np.where(two, rng.integers(0, len(LAYOUTS), n), -1)
    for part in "ab":
        s[f"shape_{part}"] = rng.integers(0, len(SHAPES), n)
        s[f"colour_{part}"] = rng.integers(0, len(COLOURS), n)
        s[f"size_{part}"] = rng.integers(0, len(SIZES), n)
        low = np.array([r[0] for r in SIZE_RADII])[s[f"size_{part}"]]
        high = np.array([r[1] for r in SIZE_RADII])[s[f"size_{part}"]]
        s[f"r_{part}"] = low + (high - low) * rng.uniform(size=n)
        s[f"angle_{part}"] = rng.uniform(-0.15, 0.15, n)
    # Shape b of a pair differs from shape a in shape or colour: shift its colour if not.
    same = two & (s["shape_a"] == s["shape_b"]) & (s["colour_a"] == s["colour_b"])
    s["colour_b"] = np.where(same, (s["colour_b"] + rng.integers(1, len(COLOURS), n)) % len(COLOURS),
                             s["colour_b"])
    for key in ("shape_b", "colour_b", "size_b"):
        s[key] = np.where(two, s[key], -1)

    _place_single(rng, s)
    _place_pairs(rng, s)
    for key in ("cx_a", "cy_a", "r_a", "cx_b", "cy_b", "r_b", "angle_a", "angle_b"):
        s[key] = s[key].astype(np.float32)
    return s


def _place_single(rng, s):
    """Centres of lone shapes: inside the region their place word names."""
    n = len(s["num_shapes"])
    e = _EXTENT * s["r_a"]
    lo, hi = e + 1.0, IMAGE_SIZE - 1.0 - e  # the shape stays in the picture
    along = rng.uniform(18.0, 30.0, n)  # the coordinate the place word does not fix
    near = lo + (16.0 - lo).clip(0) * rng.uniform(size=n)  # left / top
    far = hi - (hi - 32.0).clip(0) * rng.uniform(size=n)  # right / bottom
    mid = rng.uniform(21.0, 27.0, n)
    place = s["place"]
    s["cx_a"] = np.select([place == 0, place == 1, place == 4], [near, far, mid], along)
    s["cy_a"] = np.select([place == 2, place == 3, place == 4], [near, far, rng.uniform(21.0, 27.0, n)],
                          along)
    s["cx_b"] = np.zeros(n)
    s["cy_b"] = np.zeros(n)


def _place_pairs(rng, s):
    """Centres of pairs: a before b along the layout's axis, never overlapping."""
    two = s["num_shapes"] == 2
    n = len(two)
    ea, eb = _EXTENT * s["r_a"], _EXTENT * s["r_b"]
    gap = 2.0
    slack = np.maximum(IMAGE_SIZE - 2.0 - 2 * ea - 2 * eb - gap, 0.0)
    cuts = np.sort(rng.uniform(size=(n, 2)), axis=1)  # slack split into margin, gap, margin
    first = 1.0 + slack * cuts[:, 0] + ea
    second = first + ea + gap + slack * (cuts[:, 1] - cuts[:, 0]) + eb
    across_a = IMAGE_SIZE / 2 + rng.uniform(-3.0, 3.0, n)
    across_b = IMAGE_SIZE / 2 + rng.uniform(-3.0, 3.0, n)
    side_by_side = s["layout"] == 0
    for key, along, across in (("a", first, across_a), ("b", second, across_b)):
        cx = np.where(side_by_side, along, across)
        cy = np.where(side_by_side, across, along)
        s[f"cx_{key}"] = np.where(two, cx, s[f"cx_{key}"])
        s[f"cy_{key}"] = np.where(two, cy, s[f"cy_{key}"])


def scene_table(scenes):
    """The integer columns of scenes as one int16 array (n, len(SCENE_COLUMNS))."""
    return np.stack([scenes[c] for c in SCENE_COLUMNS], axis=1).astype(np.int16)


# --------------------------------------------------------------------------- drawing


def _circle(dx, dy, r, angle):
    return np.sqrt(dx * dx + dy * dy) - r


def _square(dx, dy, r, angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.maximum(np.abs(c * dx + s * dy), np.abs(c * dy - s * dx)) - 0.85 * r


def _triangle(dx, dy, r, angle):
    """An upright equilateral triangle of circumradius 1.4 r, centred on its bounding box."""
    big_r = 1.4 * r
    ty = dy - big_r / 4.0
    half = np.float32(np.sqrt(3.0) / 2.0)
    return np.maximum(np.maximum(ty, half * dx - 0.5 * ty), -half * dx - 0.5 * ty) - big_r / 2.0


# Signed distances (negative inside) from pixel offsets dx, dy (n, 48, 48) to
# shapes of radius r and rotation angle (n, 1, 1), in the order of SHAPES.
_SIGNED_DISTANCES = (_circle, _square, _triangle)


def _shape_alpha(shape, cx, cy, r, angle):
    """Soft masks float32 (n, 48, 48) of shapes given per picture as arrays (n,); shape -1 is none."""
    alpha = np.zeros((len(shape), IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    for k, distance in enumerate(_SIGNED_DISTANCES):
        rows = np.flatnonzero(shape == k)
        if rows.size:
            x, y, radius, turn = (np.asarray(v, dtype=np.float32)[rows, None, None]
                                  for v in (cx, cy, r, angle))
            alpha[rows] = _mask(distance(_X - x, _Y - y, radius, turn))
    return alpha


def _backgrounds(rng, kind):
    """Backgrounds (n, 48, 48, 3) in [0, 1]: dark (kind 0) or light (kind 1), muted, with a gradient."""
    n = len(kind)
    value = np.where(kind == 0, rng.uniform(0.05, 0.3, n), rng.uniform(0.7, 0.92, n))
    hsv = np.stack([rng.uniform(size=n), rng.uniform(0.0, 0.25, n), value], axis=-1)
    base = hsv_to_rgb(hsv.astype(np.float32))[:, None, None, :]
    angle = rng.uniform(0, 2 * np.pi, n).astype(np.float32)[:, None, None]
    ramp = ((_X - 24.0) * np.cos(angle) + (_Y - 24.0) * np.sin(angle)) / IMAGE_SIZE
    strength = rng.uniform(0.0, 0.15, n).astype(np.float32)[:, None, None]
    return np.clip(base + (ramp * strength)[..., None], 0.0, 1.0).astype(np.float32)


def _shape_colours(rng, colour):
    """RGB colours (n, 1, 1, 3) around the hues of the colour indices (n,)."""
    n = len(colour)
    hue = np.asarray(COLOUR_HUES)[colour] + rng.uniform(-0.02, 0.02, n)
    hsv = np.stack([hue, rng.uniform(0.75, 1.0, n), rng.uniform(0.75, 1.0, n)], axis=-1)
    return hsv_to_rgb(hsv.astype(np.float32))[:, None, None, :]


def draw_scenes(scenes, rng):
    """Draw pictures of scenes (as returned by sample_scenes).

    Returns a uint8 array (n, 48, 48, 3). Colours, the background and pixel
    noise are drawn from rng, so the same scenes and rng state give the same
    pictures.
    """
    n = len(scenes["num_shapes"])
    images = np.empty((n, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    for start in range(0, n, _CHUNK):
        part = slice(start, min(start + _CHUNK, n))
        canvas = _backgrounds(rng, scenes["background"][part])
        for key in "ab":
            alpha = _shape_alpha(scenes[f"shape_{key}"][part], scenes[f"cx_{key}"][part],
                                 scenes[f"cy_{key}"][part], scenes[f"r_{key}"][part],
                                 scenes[f"angle_{key}"][part])
            colour = _shape_colours(rng, np.maximum(scenes[f"colour_{key}"][part], 0))
            canvas += alpha[..., None] * (colour - canvas)
        noise = rng.standard_normal(canvas.shape, dtype=np.float32) * np.float32(0.03)
        images[part] = np.clip(np.rint((canvas + noise) * 255.0), 0, 255).astype(np.uint8)
    return images


# --------------------------------------------------------------------------- captions

_PLACE_PHRASES = {"left": "on the left", "right": "on the right", "top": "at the top",
                  "bottom": "at the bottom", "middle": "in the middle"}


def _a(words):
    """words with the right indefinite article in front: 'a red circle', 'an orange square'."""
    return ("an " if words[0] in "aeiou" else "a ") + words


def _single_captions(size, colour, shape, place, background):
    """Every phrasing of a scene with one shape (a list of strings, at most 15 words)."""
    where = _PLACE_PHRASES[place]
    return [
        f"{_a(f'{size} {colour} {shape}')} {where}",
        f"{_a(f'{colour} {shape}')} {where} of the picture",
        f"there is {_a(f'{size} {colour} {shape}')} on a {background} background",
        f"a {size} {shape} that is {colour}",
        f"one {colour} {shape} {where}",
        f"{_a(f'{colour} {shape}')} on a {background} background",
        f"a picture of {_a(f'{size} {colour} {shape}')}",
    ]


def _pair_captions(a, b, layout, background):
    """Every phrasing of a scene with shapes a and b, each (size, colour, shape); a is left or top."""
    before, after = ("to the left of", "to the right of") if layout == 0 else ("above", "below")
    (sa, ca, ha), (sb, cb, hb) = a, b
    return [
        f"{_a(f'{sa} {ca} {ha}')} {before} {_a(f'{sb} {cb} {hb}')}",
        f"{_a(f'{sb} {cb} {hb}')} {after} {_a(f'{sa} {ca} {ha}')}",
        f"there is {_a(f'{ca} {ha}')} {before} the {cb} {hb}",
        f"{_a(f'{ca} {ha}')} and {_a(f'{cb} {hb}')} on a {background} background",
        f"a {sa} {ha} {before} a {sb} {hb}",
        f"{_a(f'{cb} {hb}')} {after} {_a(f'{ca} {ha}')}",
    ]


def scene_captions(scenes, i):
    """Every phrasing that describes scene i (a list of strings)."""
    bg = BACKGROUNDS[scenes["background"][i]]
    a = (SIZES[scenes["size_a"][i]], COLOURS[scenes["colour_a"][i]], SHAPES[scenes["shape_a"][i]])
    if scenes["num_shapes"][i] == 1:
        return _single_captions(*a, PLACES[scenes["place"][i]], bg)
    b = (SIZES[scenes["size_b"][i]], COLOURS[scenes["colour_b"][i]], SHAPES[scenes["shape_b"][i]])
    return _pair_captions(a, b, scenes["layout"][i], bg)


def vocabulary_words():
    """Every word a caption can use, sorted alphabetically (a list)."""
    texts = []
    for size in SIZES:
        for colour in COLOURS:
            for place in PLACES:
                texts += _single_captions(size, colour, SHAPES[0], place, BACKGROUNDS[0])
            for layout in range(len(LAYOUTS)):
                texts += _pair_captions((size, colour, SHAPES[0]), (size, colour, SHAPES[0]),
                                        layout, BACKGROUNDS[0])
    words = {word for text in texts for word in text.split()}
    return sorted(words | set(SHAPES + COLOURS + SIZES + BACKGROUNDS))


def choose_captions(scenes, rng):
    """Pick 2 to 5 different phrasings for every scene.

    Returns (texts, image_idxs): a list of caption strings and an int32 array
    of the scene each belongs to, grouped by scene in order.
    """
    texts, owners = [], []
    low, high = CAPTIONS_PER_IMAGE
    counts = rng.integers(low, high + 1, len(scenes["num_shapes"]))
    for i, count in enumerate(counts):
        options = scene_captions(scenes, i)
        for k in rng.choice(len(options), size=count, replace=False):
            texts.append(options[k])
            owners.append(i)
    return texts, np.asarray(owners, dtype=np.int32)


def build_vocabulary(train_texts):
    """idx_to_word: the special tokens, then every vocabulary word by training frequency.

    Words are ordered by how often they occur in train_texts (most frequent
    first, ties alphabetical), as in the real data; words of the vocabulary
    that never occur come last. Returns (idx_to_word list, word_to_idx dict).
    """
    counts = Counter(word for text in train_texts for word in text.split())
    words = sorted(vocabulary_words(), key=lambda w: (-counts[w], w))
    idx_to_word = list(SPECIAL_TOKENS) + words
    return idx_to_word, {w: i for i, w in enumerate(idx_to_word)}


def encode_captions(texts, word_to_idx, length=CAPTION_LENGTH):
    """Captions as word indices: int32 (len(texts), length), <START> words <END> <NULL>..."""
    out = np.full((len(texts), length), NULL, dtype=np.int32)
    for row, text in enumerate(texts):
        words = text.split()
        if len(words) > length - 2:
            raise ValueError(f"caption longer than {length - 2} words: {text!r}")
        out[row, 0] = START
        out[row, 1:len(words) + 1] = [word_to_idx[w] for w in words]
        out[row, len(words) + 1] = END
    return out


# --------------------------------------------------------------------------- features

GRID = 6  # cells a side; 48 / 6 = 8 pixels a cell
HUE_BINS = 12
ORIENTATION_BINS = 8
CHANNELS = 3 + HUE_BINS + ORIENTATION_BINS + 1  # per cell: RGB, hues, edges, saturation
# Max-pooled regions on top of the 6x6 mean grid: 3x3, 2x2 and the whole picture.
COARSE_GRIDS = (3, 2, 1)
RAW_DIM = CHANNELS * (GRID * GRID + sum(g * g for g in COARSE_GRIDS))


_CELL = IMAGE_SIZE // GRID
# The grid cell of every pixel, numbered row by row: int64 (48, 48).
_CELL_OF_PIXEL = (np.arange(IMAGE_SIZE)[:, None] // _CELL) * GRID \
    + np.arange(IMAGE_SIZE)[None, :] // _CELL


def _cell_histograms(position, weight, bins):
    """Soft histograms of each grid cell.

    Inputs:
    - position: float (n, 48, 48), in units of bins and circular (any real
      number; k + bins is bin k).
    - weight: float (n, 48, 48), what each pixel adds.
    - bins: number of bins.

    A value between the centres of bins k and k + 1 is shared between them in
    proportion to its distance; bin bins - 1 wraps around to bin 0. A cell's
    histogram is divided by its number of pixels.

    Returns float32 (n, GRID, GRID, bins).
    """
    n = position.shape[0]
    low = np.floor(position)
    frac = position - low
    low = low.astype(np.int64) % bins
    slot = (np.arange(n)[:, None, None] * GRID * GRID + _CELL_OF_PIXEL) * bins
    totals = np.bincount((slot + low).ravel(), (weight * (1 - frac)).ravel(), n * GRID * GRID * bins)
    totals += np.bincount((slot + (low + 1) % bins).ravel(), (weight * frac).ravel(),
                          n * GRID * GRID * bins)
    return (totals / (_CELL * _CELL)).astype(np.float32).reshape(n, GRID, GRID, bins)


def cell_statistics(images):
    """Mean measurements in each cell of a GRID x GRID grid: float32 (n, GRID, GRID, CHANNELS).

    Inputs: images, uint8 (n, 48, 48, 3).

    Channels, averaged over the cell's pixels: R, G, B in [0, 1]; HUE_BINS
    bins of hue, weighted by chroma; ORIENTATION_BINS bins of unsigned edge
    direction of the luminance, weighted by the gradient magnitude; the
    chroma. Hue and chroma are the angle and length of a colour in an opponent
    plane (red against green and blue, green against blue): grey pixels have
    no chroma and vote for no hue.
    """
    rgb = images.astype(np.float32) / 255.0
    n = rgb.shape[0]
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    red_green = r - 0.5 * (g + b)
    yellow_blue = np.float32(np.sqrt(3.0) / 2.0) * (g - b)
    chroma = np.sqrt(red_green * red_green + yellow_blue * yellow_blue)
    # Angles as fractions of a turn; _cell_histograms wraps them around, so a
    # negative angle needs no fixing, and for edges a half turn is a whole one.
    hue = np.arctan2(yellow_blue, red_green) / np.float32(2 * np.pi)
    gray = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    gx = np.zeros_like(gray)
    gy = np.zeros_like(gray)
    gx[:, :, 1:-1] = (gray[:, :, 2:] - gray[:, :, :-2]) / 2
    gy[:, 1:-1, :] = (gray[:, 2:, :] - gray[:, :-2, :]) / 2
    magnitude = np.sqrt(gx * gx + gy * gy)
    direction = np.arctan2(gy, gx) / np.float32(np.pi)

    plain = np.concatenate([rgb, chroma[..., None]], axis=-1)
    means = plain.reshape(n, GRID, _CELL, GRID, _CELL, 4).mean(axis=(2, 4))
    return np.concatenate([
        means[..., :3],
        _cell_histograms(hue * HUE_BINS, chroma, HUE_BINS),
        _cell_histograms(direction * ORIENTATION_BINS, magnitude, ORIENTATION_BINS),
        means[..., 3:],
    ], axis=-1)


def raw_features(images):
    """Pixel statistics over a spatial grid: float32 (n, RAW_DIM) from uint8 (n, 48, 48, 3).

    The cell_statistics of the 6x6 grid of 8x8-pixel cells, then the largest
    cell value over each region of a 3x3 and a 2x2 grid and over the whole
    picture. Position and colour stay recoverable: a red shape on the left
    raises the red hue bins of the left cells.
    """
    n = images.shape[0]
    out = np.empty((n, RAW_DIM), dtype=np.float32)
    for start in range(0, n, _CHUNK):
        part = slice(start, min(start + _CHUNK, n))
        cells = cell_statistics(images[part])
        m = cells.shape[0]
        pieces = [cells.reshape(m, -1)]
        for coarse in COARSE_GRIDS:
            k = GRID // coarse
            regions = cells.reshape(m, coarse, k, coarse, k, CHANNELS).max(axis=(2, 4))
            pieces.append(regions.reshape(m, -1))
        out[part] = np.concatenate(pieces, axis=1)
    return out


def fit_features(train_raw, val_raw, pca_dim=PCA_DIM):
    """Standardize raw features and reduce them by PCA, with training statistics only.

    Inputs:
    - train_raw, val_raw: float32 (N_train, R) and (N_val, R) raw features.
    - pca_dim: number of principal components kept (at most R).

    Returns a dict of float32 arrays: 'train', 'val' (standardized, (N, R)) and
    'train_pca', 'val_pca' ((N, pca_dim): the projections on the top
    principal components of the standardized training features, largest
    first, each component's sign fixed so its largest coefficient is
    positive, all scaled by one number so the training features' mean
    variance per dimension is 1).
    """
    mean = train_raw.mean(axis=0, dtype=np.float64)
    std = train_raw.std(axis=0, dtype=np.float64)
    std[std < 1e-6] = 1.0
    train = (train_raw - mean) / std
    val = (val_raw - mean) / std
    cov = train.T @ train / len(train)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:pca_dim]
    vectors = vectors[:, order]
    signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(vectors.shape[1])])
    vectors *= signs
    scale = 1.0 / np.sqrt(values[order].mean())
    return {
        "train": train.astype(np.float32),
        "val": val.astype(np.float32),
        "train_pca": (train @ vectors * scale).astype(np.float32),
        "val_pca": (val @ vectors * scale).astype(np.float32),
    }


# --------------------------------------------------------------------------- the whole dataset


def generate(seed=DEFAULT_SEED, num_train=NUM_TRAIN_IMAGES, num_val=NUM_VAL_IMAGES):
    """Draw the whole dataset in memory.

    Returns a dict with, for split in ('train', 'val'): '<split>_images' uint8
    (N, 48, 48, 3), '<split>_scenes' (the dict of sample_scenes),
    '<split>_texts' (list of caption strings), '<split>_captions' int32
    (N_cap, 17), '<split>_image_idxs' int32 (N_cap,), '<split>_features'
    float32 (N, RAW_DIM), '<split>_features_pca' float32 (N, PCA_DIM); and
    'idx_to_word', 'word_to_idx'. Each split has its own random stream derived
    from seed.
    """
    if min(num_train, num_val) < 1:
        raise ValueError(f"need at least one image per split, got {num_train} and {num_val}")
    data = {}
    raw = {}
    streams = np.random.SeedSequence(seed).spawn(2)
    for split, n, stream in (("train", num_train, streams[0]), ("val", num_val, streams[1])):
        rng = np.random.default_rng(stream)
        scenes = sample_scenes(rng, n)
        data[f"{split}_scenes"] = scenes
        data[f"{split}_images"] = draw_scenes(scenes, rng)
        texts, owners = choose_captions(scenes, rng)
        data[f"{split}_texts"] = texts
        data[f"{split}_image_idxs"] = owners
        raw[split] = raw_features(data[f"{split}_images"])
    idx_to_word, word_to_idx = build_vocabulary(data["train_texts"])
    data["idx_to_word"], data["word_to_idx"] = idx_to_word, word_to_idx
    features = fit_features(raw["train"], raw["val"])
    for split in ("train", "val"):
        data[f"{split}_captions"] = encode_captions(data[f"{split}_texts"], word_to_idx)
        data[f"{split}_features"] = features[split]
        data[f"{split}_features_pca"] = features[f"{split}_pca"]
    return data


def _write_h5(path, arrays, attrs=None):
    """Write arrays (name -> array) to a new HDF5 file, without timestamps (same bytes each time)."""
    with h5py.File(path, "w", track_order=True) as f:
        for name, value in arrays.items():
            dataset = f.create_dataset(name, data=value, track_times=False)
            for key, attr in (attrs or {}).get(name, {}).items():
                dataset.attrs[key] = attr


def write_folder(folder, data, seed=DEFAULT_SEED):
    """Write a generated dataset (as returned by generate) in the captioning layout."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_h5(folder / CAPTIONS_FILE, {
        f"{split}_{key}": data[f"{split}_{key}"]
        for split in ("train", "val") for key in ("captions", "image_idxs")
    })
    for split in ("train", "val"):
        _write_h5(folder / features_file(split, pca_features=False),
                  {"features": data[f"{split}_features"]})
        _write_h5(folder / features_file(split, pca_features=True),
                  {"features": data[f"{split}_features_pca"]})
        n = len(data[f"{split}_images"])
        lines = [f"{GENERATED_URL_PREFIX}{split}/{i:06d}\n" for i in range(n)]
        (folder / urls_file(split)).write_text("".join(lines), encoding="utf-8")
    vocab = {"idx_to_word": data["idx_to_word"], "word_to_idx": data["word_to_idx"]}
    (folder / VOCAB_FILE).write_text(json.dumps(vocab, indent=1) + "\n", encoding="utf-8")
    columns = {"columns": ",".join(SCENE_COLUMNS)}
    _write_h5(folder / GENERATED_IMAGES_FILE, {
        "train_images": data["train_images"],
        "val_images": data["val_images"],
        "train_scenes": scene_table(data["train_scenes"]),
        "val_scenes": scene_table(data["val_scenes"]),
    }, attrs={"train_scenes": columns, "val_scenes": columns})
    info = {
        "description": "Generated offline stand-in for the COCO captioning data "
                       "(cs_utils.synthetic_captions); the 'vgg16_fc7' files hold features "
                       "computed from the pixels, not VGG-16 activations",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "num_train_images": len(data["train_images"]),
        "num_val_images": len(data["val_images"]),
        "num_train_captions": len(data["train_captions"]),
        "num_val_captions": len(data["val_captions"]),
        "image_size": IMAGE_SIZE,
        "vocabulary_size": len(data["idx_to_word"]),
        "feature_dims": {"raw": int(data["train_features"].shape[1]),
                         "pca": int(data["train_features_pca"].shape[1])},
        "scene_columns": list(SCENE_COLUMNS),
        "names": {"shapes": SHAPES, "colours": COLOURS, "sizes": SIZES,
                  "backgrounds": BACKGROUNDS, "places": PLACES, "layouts": LAYOUTS},
    }
    (folder / GENERATED_INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


ALL_FILES = (CAPTIONS_FILE, VOCAB_FILE, GENERATED_IMAGES_FILE, GENERATED_INFO_FILE) + tuple(
    name for split in ("train", "val")
    for name in (features_file(split, False), features_file(split, True), urls_file(split))
)


def read_info(folder):
    """The generator's description of a generated folder (a dict), or None if absent."""
    try:
        return json.loads((Path(folder) / GENERATED_INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(folder, seed=DEFAULT_SEED, num_train=NUM_TRAIN_IMAGES, num_val=NUM_VAL_IMAGES):
    """True if folder holds every file of a dataset made by this generator version, seed and size."""
    folder = Path(folder)
    info = read_info(folder)
    expected = {"generator_version": GENERATOR_VERSION, "seed": seed,
                "num_train_images": num_train, "num_val_images": num_val}
    if not info or any(info.get(key) != value for key, value in expected.items()):
        return False
    return all((folder / name).is_file() for name in ALL_FILES)


def default_parent():
    """Where the generated folder lives: <datasets>/generated (as for the CIFAR-10 stand-in)."""
    from cs_utils.data import datasets_dir

    return datasets_dir() / "generated"


def ensure_generated(parent=None, seed=DEFAULT_SEED, num_train=NUM_TRAIN_IMAGES,
                     num_val=NUM_VAL_IMAGES):
    """Return the generated ``coco_captioning`` folder under parent, generating it if needed.

    Inputs:
    - parent: folder that holds ``coco_captioning`` (default <datasets>/generated).
    - seed: generator seed.
    - num_train, num_val: pictures in each split (smaller for quick tests).

    Safe when several processes call it at once, and an incomplete or outdated
    folder is replaced: see ``cs_utils.atomic_folder``.

    Returns the Path of the ``coco_captioning`` folder.
    """
    parent = Path(parent) if parent is not None else default_parent()
    final = parent / COCO_FOLDER

    def done():
        return is_complete(final, seed, num_train, num_val)

    def write(folder):
        write_folder(folder, generate(seed, num_train, num_val), seed)

    return write_folder_atomically(final, write, done)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cs_utils.synthetic_captions",
        description="Write the generated offline stand-in for the COCO captioning data.",
    )
    parser.add_argument("--out", type=Path, default=None,
                        help="folder to hold coco_captioning (default: <datasets>/generated)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument("--num-train", type=int, default=NUM_TRAIN_IMAGES,
                        help=f"training pictures (default {NUM_TRAIN_IMAGES})")
    parser.add_argument("--num-val", type=int, default=NUM_VAL_IMAGES,
                        help=f"validation pictures (default {NUM_VAL_IMAGES})")
    args = parser.parse_args(argv)
    if args.num_train < 1 or args.num_val < 1:
        parser.error("--num-train and --num-val must be positive")
    start = time.perf_counter()
    parent = args.out if args.out is not None else default_parent()
    already = is_complete(parent / COCO_FOLDER, args.seed, args.num_train, args.num_val)
    folder = ensure_generated(parent, args.seed, args.num_train, args.num_val)
    verb = "Already present" if already else f"Generated in {time.perf_counter() - start:.1f} s"
    print(f"{verb}: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
