"""A small image-classification dataset the project generates: an offline CIFAR-10 stand-in.

The notebooks and tests must run without downloading anything, so the project
draws its own little dataset: 32x32 RGB pictures of ten kinds of simple scenes
(see CLASS_NAMES), each drawn with random position, size, colour, background,
clutter and noise. It has CIFAR-10's array shapes and its on-disk format (a
folder ``cifar-10-batches-py`` with five training batches, a test batch and
``batches.meta``, python pickles with the same keys), so the same loader reads
both. It is smaller: 5 x 1,000 training images and 1,000 test images, 10
balanced classes.

The task is learnable but not trivial. The colour of the disc, square,
triangle and ring and the layout of the landscape are visible to a linear
classifier on raw pixels; the stripes, checks and plus signs of any colour at
any place are not, but edge-direction features (HOG) see them. So, as on the
real data, a linear classifier does far better than chance without solving
the task (about 40% test accuracy), nearest neighbours do worse (about 33%),
and HOG + hue-histogram features (about 55%) or a hidden layer (about 50%)
help.

The same seed gives the same bytes every time (on one platform: a different
CPU could in principle round a rare pixel differently). Write the folder with::

    python -m cs_utils.synthetic [--out DIR] [--seed SEED]

Writing is atomic (a temporary folder renamed into place), so several
processes may generate at once; whoever comes second uses the finished folder.
"""

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from cs_utils.atomic_folder import write_folder_atomically

CLASS_NAMES = (
    "red disc",
    "blue square",
    "green triangle",
    "yellow ring",
    "plus sign",
    "vertical stripes",
    "horizontal stripes",
    "checkerboard",
    "landscape",
    "night sky",
)
NUM_CLASSES = len(CLASS_NAMES)
IMAGE_SIZE = 32
NUM_TRAIN_BATCHES = 5
IMAGES_PER_BATCH = 1000
DEFAULT_SEED = 231
FOLDER_NAME = "cifar-10-batches-py"
BATCH_FILES = tuple(f"data_batch_{i}" for i in range(1, NUM_TRAIN_BATCHES + 1)) + ("test_batch",)
META_FILE = "batches.meta"
INFO_FILE = "generated.json"
# Bump when the pictures change, so that old generated folders are replaced.
GENERATOR_VERSION = 2

# Nuisances that set the difficulty (values on the 0..1 intensity scale). Large
# blotches and colour casts move the pictures far apart in pixel space without
# changing their class: they hurt nearest neighbours much more than a linear
# classifier, as on the real data. With these values, on the default seed,
# softmax on raw pixels reaches about 38% test accuracy, 1-nearest-neighbour
# about 33%, softmax on HOG + hue histograms about 55%, and a two-layer net on
# pixels about 50%.
BLOTCH_SHADE = 0.15  # amplitude of the brightness blotches on backgrounds
BLOTCH_TINT = 0.08  # amplitude of the colour blotches on backgrounds
COLOUR_CAST = 0.2  # largest per-channel shift of a whole picture


# --------------------------------------------------------------------------- drawing
#
# Every drawing function works on n images of one class at once. Pixel
# coordinates are the centres of the pixels: Y and X below have shape (32, 32)
# and run from 0.5 to 31.5. Random parameters have shape (n, 1, 1) so that they
# broadcast against the grid. Shapes are drawn as soft masks ("alpha", values
# in [0, 1], about one pixel of anti-aliasing at the edge) painted over the
# picture with a colour. The draw_<class> functions take (rng, n) and return
# n pictures of their class, float32 (n, 32, 32, 3) with values about [0, 1];
# finish() then adds the nuisances common to all classes and quantizes.

_COORDS = np.arange(IMAGE_SIZE, dtype=np.float32) + 0.5
Y, X = np.meshgrid(_COORDS, _COORDS, indexing="ij")


def _u(rng, low, high, n):
    """n uniform numbers in [low, high), shaped (n, 1, 1) for broadcasting."""
    return rng.uniform(low, high, size=(n, 1, 1)).astype(np.float32)


def _mask(signed_distance):
    """Soft mask from a signed distance (negative inside): 1 inside, 0 outside."""
    return np.clip(0.5 - signed_distance, 0.0, 1.0)


def hsv_to_rgb(hsv):
    """Convert colours from HSV to RGB.

    Inputs:
    - hsv: float array of shape (..., 3), hue, saturation and value in [0, 1]
      (hue wraps around).

    Returns a float array of the same shape with R, G, B in [0, 1].
    """
    h, s, v = hsv[..., 0] % 1.0, hsv[..., 1], hsv[..., 2]
    k = (np.array([5.0, 3.0, 1.0], dtype=hsv.dtype) + h[..., None] * 6.0) % 6.0
    ramp = np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return v[..., None] - (v * s)[..., None] * ramp


def _colour(rng, n, hue, hue_jitter, sat=(0.55, 1.0), val=(0.55, 1.0)):
    """n RGB colours of shape (n, 1, 1, 3) around a hue (None: any hue)."""
    if hue is None:
        h = rng.uniform(0.0, 1.0, n)
    else:
        h = hue + rng.uniform(-hue_jitter, hue_jitter, n)
    s = rng.uniform(*sat, n)
    v = rng.uniform(*val, n)
    rgb = hsv_to_rgb(np.stack([h, s, v], axis=-1).astype(np.float32))
    return rgb[:, None, None, :]


def _paint(canvas, alpha, colour):
    """Paint colour (n, 1, 1, 3) or (n, 32, 32, 3) over canvas (n, 32, 32, 3) through alpha (n, 32, 32)."""
    canvas += alpha[..., None] * (colour - canvas)
    return canvas


def _rotate(rng, n, max_degrees):
    """Random rotations: returns cos and sin of shape (n, 1, 1)."""
    angle = np.deg2rad(_u(rng, -max_degrees, max_degrees, n))
    return np.cos(angle), np.sin(angle)


def _centre(rng, n, margin):
    """Random centres (cy, cx) of shape (n, 1, 1), at least margin pixels from the border."""
    return _u(rng, margin, IMAGE_SIZE - margin, n), _u(rng, margin, IMAGE_SIZE - margin, n)


def _smooth_noise(rng, n, cells=4):
    """Low-frequency noise in about [-1, 1], shape (n, 32, 32): a bilinear upsampling of a cells x cells grid."""
    grid = rng.uniform(-1.0, 1.0, size=(n, cells + 1, cells + 1)).astype(np.float32)
    t = (_COORDS / IMAGE_SIZE) * cells
    i0 = np.minimum(t.astype(np.int64), cells - 1)
    f = (t - i0)[None, :, None]
    rows = grid[:, i0, :] * (1 - f) + grid[:, i0 + 1, :] * f
    g = (t - i0)[None, None, :]
    return rows[:, :, i0] * (1 - g) + rows[:, :, i0 + 1] * g


def background(rng, n):
    """Random backgrounds, float32 (n, 32, 32, 3) in [0, 1].

    A muted colour with a linear gradient in a random direction and a few
    low-frequency blotches.
    """
    base = _colour(rng, n, None, 0.0, sat=(0.0, 0.7), val=(0.15, 0.95))
    other = _colour(rng, n, None, 0.0, sat=(0.0, 0.7), val=(0.15, 0.95))
    c, s = _rotate(rng, n, 180.0)
    t = ((X - 16.0) * c + (Y - 16.0) * s) / 32.0 + 0.5
    t = np.clip(t * _u(rng, 0.0, 1.0, n), 0.0, 1.0)
    canvas = base * (1.0 - t[..., None]) + other * t[..., None]
    shade = _smooth_noise(rng, n, cells=5)[..., None]
    tint = np.stack([_smooth_noise(rng, n, cells=5) for _ in range(3)], axis=-1)
    canvas += BLOTCH_SHADE * shade + BLOTCH_TINT * tint
    return canvas.astype(np.float32)


def clutter(rng, canvas, max_items=3, max_radius=4.0):
    """Paint 0 to max_items small discs and squares of any colour at random places."""
    n = canvas.shape[0]
    for _ in range(max_items):
        present = (rng.uniform(size=(n, 1, 1)) < 0.5).astype(np.float32)
        cy, cx = _centre(rng, n, 1.0)
        r = _u(rng, 1.5, max_radius, n)
        dy, dx = Y - cy, X - cx
        disc = np.sqrt(dx * dx + dy * dy) - r
        square = np.maximum(np.abs(dx), np.abs(dy)) - r * 0.85
        is_disc = rng.uniform(size=(n, 1, 1)) < 0.5
        alpha = _mask(np.where(is_disc, disc, square)) * present
        _paint(canvas, alpha, _colour(rng, n, None, 0.0))
    return canvas


def _object_scene(rng, n):
    """A background with clutter, for an object to be painted on: float32 (n, 32, 32, 3)."""
    canvas = background(rng, n)
    return clutter(rng, canvas)


def draw_red_disc(rng, n):
    """A red filled disc of random size and place over a cluttered background."""
    canvas = _object_scene(rng, n)
    r = _u(rng, 4.0, 10.0, n)
    cy, cx = _centre(rng, n, 4.0)
    alpha = _mask(np.sqrt((X - cx) ** 2 + (Y - cy) ** 2) - r)
    return _paint(canvas, alpha, _colour(rng, n, 0.0, 0.05))


def draw_blue_square(rng, n):
    """A blue filled square, slightly rotated, over a cluttered background."""
    canvas = _object_scene(rng, n)
    half = _u(rng, 3.5, 9.0, n)
    cy, cx = _centre(rng, n, 4.0)
    c, s = _rotate(rng, n, 20.0)
    u = (X - cx) * c + (Y - cy) * s
    v = -(X - cx) * s + (Y - cy) * c
    alpha = _mask(np.maximum(np.abs(u), np.abs(v)) - half)
    return _paint(canvas, alpha, _colour(rng, n, 0.63, 0.05))


def draw_green_triangle(rng, n):
    """A green upward-pointing triangle over a cluttered background."""
    canvas = _object_scene(rng, n)
    size = _u(rng, 5.0, 12.0, n)  # distance from the centre to a side, times 2
    cy, cx = _centre(rng, n, 5.0)
    dy, dx = Y - cy, X - cx
    # Upward-pointing equilateral triangle: intersection of three half-planes.
    d_bottom = dy - size * 0.5
    d_left = -0.866 * dx - 0.5 * dy - size * 0.5
    d_right = 0.866 * dx - 0.5 * dy - size * 0.5
    alpha = _mask(np.maximum(d_bottom, np.maximum(d_left, d_right)))
    return _paint(canvas, alpha, _colour(rng, n, 0.33, 0.05))


def draw_yellow_ring(rng, n):
    """A yellow ring (an annulus) over a cluttered background."""
    canvas = _object_scene(rng, n)
    r = _u(rng, 5.0, 11.0, n)
    width = _u(rng, 1.5, 3.5, n)
    cy, cx = _centre(rng, n, 5.0)
    dist = np.sqrt((X - cx) ** 2 + (Y - cy) ** 2)
    alpha = _mask(np.abs(dist - r) - width / 2)
    return _paint(canvas, alpha, _colour(rng, n, 0.15, 0.04))


def draw_plus_sign(rng, n):
    """A plus sign of any colour over a cluttered background."""
    canvas = _object_scene(rng, n)
    arm = _u(rng, 5.0, 11.0, n)
    thick = _u(rng, 1.2, 3.0, n)
    cy, cx = _centre(rng, n, 5.0)
    dy, dx = np.abs(Y - cy), np.abs(X - cx)
    bar_h = np.maximum(dx - arm, dy - thick)
    bar_v = np.maximum(dx - thick, dy - arm)
    alpha = _mask(np.minimum(bar_h, bar_v))
    return _paint(canvas, alpha, _colour(rng, n, None, 0.0))


def _stripes(rng, n, vertical):
    """Stripes across x (vertical) or y, in a random box, painted over a cluttered background."""
    canvas = _object_scene(rng, n)
    period = _u(rng, 4.0, 9.0, n)
    phase = _u(rng, 0.0, 1.0, n)
    c, s = _rotate(rng, n, 12.0)
    u = (X - 16.0) * c + (Y - 16.0) * s  # across vertical stripes
    v = -(X - 16.0) * s + (Y - 16.0) * c  # across horizontal stripes
    t = (u if vertical else v) / period + phase
    wave = np.cos(2 * np.pi * t)
    alpha = np.clip(wave * period / 2.0 + 0.5, 0.0, 1.0)  # about one pixel of blur
    # The stripes fill a random rectangle of at least half the picture.
    cy, cx = _centre(rng, n, 8.0)
    hh, hw = _u(rng, 8.0, 18.0, n), _u(rng, 8.0, 18.0, n)
    box = _mask(np.maximum(np.abs(Y - cy) - hh, np.abs(X - cx) - hw))
    return _paint(canvas, alpha * box, _colour(rng, n, None, 0.0))


def draw_vertical_stripes(rng, n):
    """A patch of near-vertical stripes of any colour and period."""
    return _stripes(rng, n, vertical=True)


def draw_horizontal_stripes(rng, n):
    """A patch of near-horizontal stripes of any colour and period."""
    return _stripes(rng, n, vertical=False)


def draw_checkerboard(rng, n):
    """A patch of checks of any colour and size."""
    canvas = _object_scene(rng, n)
    cell = _u(rng, 3.0, 6.0, n)
    oy, ox = _u(rng, 0.0, 6.0, n), _u(rng, 0.0, 6.0, n)
    wy = np.cos(np.pi * (Y + oy) / cell)
    wx = np.cos(np.pi * (X + ox) / cell)
    alpha = np.clip(wy * wx * cell + 0.5, 0.0, 1.0)
    cy, cx = _centre(rng, n, 8.0)
    hh, hw = _u(rng, 7.0, 16.0, n), _u(rng, 7.0, 16.0, n)
    box = _mask(np.maximum(np.abs(Y - cy) - hh, np.abs(X - cx) - hw))
    return _paint(canvas, alpha * box, _colour(rng, n, None, 0.0))


def _pick(rng, n, choices, probabilities):
    """n rows drawn from choices (k, m) with the given probabilities: float32 (n, m)."""
    which = rng.choice(len(choices), size=n, p=probabilities)
    return np.asarray(choices, dtype=np.float32)[which]


def _palette_colour(rng, n, palette, probabilities):
    """Colours (n, 1, 1, 3) from a palette of (hue, hue jitter, sat low, sat high, val low, val high)."""
    p = _pick(rng, n, palette, probabilities)
    u = rng.uniform(-1.0, 1.0, size=(3, n)).astype(np.float32)
    h = p[:, 0] + p[:, 1] * u[0]
    s = p[:, 2] + (p[:, 3] - p[:, 2]) * (u[1] + 1) / 2
    v = p[:, 4] + (p[:, 5] - p[:, 4]) * (u[2] + 1) / 2
    return hsv_to_rgb(np.stack([h, s, v], axis=-1))[:, None, None, :]


# Skies: clear blue, sunset, overcast. Grounds: grass, earth, sand, snow.
_SKIES = [(0.58, 0.05, 0.35, 0.85, 0.6, 1.0), (0.04, 0.06, 0.35, 0.75, 0.7, 1.0),
          (0.6, 0.1, 0.0, 0.15, 0.5, 0.9)]
_GROUNDS = [(0.27, 0.07, 0.45, 0.9, 0.25, 0.7), (0.08, 0.04, 0.4, 0.8, 0.2, 0.55),
            (0.12, 0.03, 0.2, 0.5, 0.6, 0.9), (0.6, 0.05, 0.0, 0.1, 0.8, 1.0)]


def draw_landscape(rng, n):
    """A sky over the ground: a horizon at a random height and tilt, hills, sometimes a sun."""
    sky = _palette_colour(rng, n, _SKIES, [0.55, 0.25, 0.2])
    haze = _colour(rng, n, None, 0.0, sat=(0.0, 0.2), val=(0.8, 1.0))
    t = (Y / IMAGE_SIZE)[None, :, :, None] * _u(rng, 0.0, 0.8, n)[..., None]
    canvas = (sky * (1 - t) + haze * t).astype(np.float32)
    clouds = np.clip(_smooth_noise(rng, n, cells=6) - _u(rng, 0.0, 0.6, n), 0.0, 1.0)
    _paint(canvas, clouds, _colour(rng, n, None, 0.0, sat=(0.0, 0.1), val=(0.75, 1.0)))
    sun = (rng.uniform(size=(n, 1, 1)) < 0.4).astype(np.float32)
    sy, sx = _u(rng, 3.0, 12.0, n), _u(rng, 3.0, 29.0, n)
    alpha = _mask(np.sqrt((X - sx) ** 2 + (Y - sy) ** 2) - _u(rng, 2.0, 4.5, n)) * sun
    _paint(canvas, alpha, _colour(rng, n, 0.13, 0.04, sat=(0.2, 0.7), val=(0.9, 1.0)))
    horizon = _u(rng, 11.0, 25.0, n) + (X - 16.0) * _u(rng, -0.3, 0.3, n)
    hills = _u(rng, 0.5, 3.5, n) * np.sin(X / _u(rng, 2.5, 6.0, n) + _u(rng, 0, 6.3, n))
    ground = _palette_colour(rng, n, _GROUNDS, [0.45, 0.25, 0.15, 0.15])
    _paint(canvas, _mask(horizon + hills - Y), ground)
    return clutter(rng, canvas, max_items=2, max_radius=3.0)


def draw_night_sky(rng, n):
    """A dark sky full of small bright stars, sometimes a pale moon."""
    canvas = background(rng, n)
    canvas *= _u(rng, 0.05, 0.45, n)[..., None]
    density = _u(rng, 0.3, 0.9, n)
    for _ in range(14):
        present = (rng.uniform(size=(n, 1, 1)) < density).astype(np.float32)
        sy, sx = _centre(rng, n, 0.5)
        r = _u(rng, 0.5, 1.3, n)
        alpha = _mask(np.sqrt((X - sx) ** 2 + (Y - sy) ** 2) - r) * present
        _paint(canvas, alpha, _colour(rng, n, 0.15, 0.5, sat=(0.0, 0.3), val=(0.8, 1.0)))
    moon = (rng.uniform(size=(n, 1, 1)) < 0.4).astype(np.float32)
    my, mx = _centre(rng, n, 5.0)
    alpha = _mask(np.sqrt((X - mx) ** 2 + (Y - my) ** 2) - _u(rng, 3.0, 5.5, n)) * moon
    return _paint(canvas, alpha, _colour(rng, n, 0.14, 0.03, sat=(0.05, 0.3), val=(0.85, 1.0)))


DRAWERS = (
    draw_red_disc,
    draw_blue_square,
    draw_green_triangle,
    draw_yellow_ring,
    draw_plus_sign,
    draw_vertical_stripes,
    draw_horizontal_stripes,
    draw_checkerboard,
    draw_landscape,
    draw_night_sky,
)


def finish(rng, canvas):
    """Jitter brightness and contrast, add pixel noise and quantize.

    Inputs:
    - canvas: float array of shape (n, 32, 32, 3), values about [0, 1].

    Returns a uint8 array of shape (n, 32, 32, 3).
    """
    n = canvas.shape[0]
    contrast = _u(rng, 0.75, 1.15, n)[..., None]
    brightness = _u(rng, -0.1, 0.1, n)[..., None]
    cast = rng.uniform(-COLOUR_CAST, COLOUR_CAST, size=(n, 1, 1, 3)).astype(np.float32)
    sigma = _u(rng, 0.02, 0.07, n)[..., None]
    noise = rng.standard_normal(size=canvas.shape).astype(np.float32) * sigma
    out = (canvas - 0.5) * contrast + 0.5 + brightness + cast + noise
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)


def draw_images(labels, rng):
    """Draw one picture per label.

    Inputs:
    - labels: int array of shape (n,), values in [0, 10).
    - rng: numpy Generator; the pictures depend only on its state and the labels.

    Returns a uint8 array of shape (n, 32, 32, 3).
    """
    labels = np.asarray(labels)
    images = np.empty((labels.shape[0], IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    for c, draw in enumerate(DRAWERS):
        idx = np.flatnonzero(labels == c)
        if idx.size:
            images[idx] = finish(rng, draw(rng, idx.size))
    return images


def make_batch(rng, size=IMAGES_PER_BATCH):
    """One balanced, shuffled batch: images uint8 (size, 32, 32, 3) and labels int64 (size,)."""
    labels = rng.permutation(np.arange(size) % NUM_CLASSES)
    return draw_images(labels, rng), labels


def generate(seed=DEFAULT_SEED, images_per_batch=IMAGES_PER_BATCH):
    """Draw the whole dataset.

    Returns a dict from batch file name (data_batch_1..5, test_batch) to
    (images uint8 (images_per_batch, 32, 32, 3), labels int64 (images_per_batch,)).
    Each batch has its own random stream derived from seed, so the same seed
    always gives the same pictures.
    """
    streams = np.random.SeedSequence(seed).spawn(len(BATCH_FILES))
    return {
        name: make_batch(np.random.default_rng(stream), images_per_batch)
        for name, stream in zip(BATCH_FILES, streams)
    }


# --------------------------------------------------------------------------- files


def to_cifar_rows(images):
    """(n, 32, 32, 3) uint8 images to CIFAR's rows: (n, 3072) uint8, all red, then green, then blue."""
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2).reshape(images.shape[0], -1))


def _batch_dict(name, images, labels):
    slugs = [CLASS_NAMES[c].replace(" ", "_") for c in labels]
    if name == "test_batch":
        title = "testing batch 1 of 1"
    else:
        title = f"training batch {name.rsplit('_', 1)[1]} of {NUM_TRAIN_BATCHES}"
    return {
        b"batch_label": title.encode(),
        b"labels": [int(c) for c in labels],
        b"data": to_cifar_rows(images),
        b"filenames": [f"{slug}_s_{name}_{i:05d}.png".encode() for i, slug in enumerate(slugs)],
    }


def write_folder(folder, batches, seed=DEFAULT_SEED):
    """Write batches (as returned by generate) to folder in CIFAR-10's pickle format."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    per_batch = None
    for name, (images, labels) in batches.items():
        per_batch = len(labels)
        with open(folder / name, "wb") as f:
            pickle.dump(_batch_dict(name, images, labels), f, protocol=4)
    meta = {
        b"num_cases_per_batch": per_batch,
        b"label_names": [name.encode() for name in CLASS_NAMES],
        b"num_vis": IMAGE_SIZE * IMAGE_SIZE * 3,
    }
    with open(folder / META_FILE, "wb") as f:
        pickle.dump(meta, f, protocol=4)
    info = {
        "description": "Generated offline stand-in for CIFAR-10 (cs_utils.synthetic)",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "class_names": list(CLASS_NAMES),
        "images_per_batch": per_batch,
    }
    (folder / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")


def read_info(folder):
    """The generator's description of a generated folder (a dict), or None if absent."""
    try:
        return json.loads((Path(folder) / INFO_FILE).read_text())
    except (OSError, ValueError):
        return None


def is_complete(folder, seed=DEFAULT_SEED, images_per_batch=IMAGES_PER_BATCH):
    """True if folder holds every file of a dataset made by this generator version, seed and size."""
    folder = Path(folder)
    info = read_info(folder)
    expected = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "images_per_batch": images_per_batch,
    }
    if not info or any(info.get(key) != value for key, value in expected.items()):
        return False
    return all((folder / name).is_file() for name in BATCH_FILES + (META_FILE,))


def default_parent():
    """Where the generated folder lives: <datasets>/generated."""
    from cs_utils.data import datasets_dir

    return datasets_dir() / "generated"


def ensure_generated(parent=None, seed=DEFAULT_SEED, images_per_batch=IMAGES_PER_BATCH):
    """Return the generated CIFAR-10 folder under parent, generating it if needed.

    Inputs:
    - parent: folder that holds ``cifar-10-batches-py`` (default <datasets>/generated).
    - seed: generator seed.
    - images_per_batch: images in each of the six batches (smaller for quick tests).

    Safe when several processes call it at once, and an incomplete or outdated
    folder is replaced: see ``cs_utils.atomic_folder``.

    Returns the Path of the ``cifar-10-batches-py`` folder.
    """
    parent = Path(parent) if parent is not None else default_parent()
    final = parent / FOLDER_NAME

    def done():
        return is_complete(final, seed, images_per_batch)

    def write(folder):
        write_folder(folder, generate(seed, images_per_batch), seed)

    return write_folder_atomically(final, write, done)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cs_utils.synthetic",
        description="Write the generated offline stand-in for CIFAR-10.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder to hold cifar-10-batches-py (default: <datasets>/generated)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument(
        "--images-per-batch",
        type=int,
        default=IMAGES_PER_BATCH,
        help=f"images in each batch (default {IMAGES_PER_BATCH}; smaller for quick tests)",
    )
    args = parser.parse_args(argv)
    if args.images_per_batch < NUM_CLASSES or args.images_per_batch % NUM_CLASSES:
        parser.error(f"--images-per-batch must be a positive multiple of {NUM_CLASSES}")
    start = time.perf_counter()
    parent = args.out if args.out is not None else default_parent()
    already = is_complete(parent / FOLDER_NAME, args.seed, args.images_per_batch)
    folder = ensure_generated(parent, args.seed, args.images_per_batch)
    verb = "Already present" if already else f"Generated in {time.perf_counter() - start:.1f} s"
    print(f"{verb}: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
