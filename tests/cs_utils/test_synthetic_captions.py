"""The generated captioning data: captions that say what the pixels show, learnable features,
the real data's layout, determinism and safe writing."""

import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
from matplotlib.colors import rgb_to_hsv

from cs_utils import captioning, synthetic_captions

SMALL = dict(num_train=60, num_val=20)  # a quick folder for the writing tests
@pytest.fixture(scope="session")
def arrays(generated_captions_folder):
    """Everything in the folder, read with plain h5py and json (not the course loader)."""
    folder = generated_captions_folder
    out = {}
    with h5py.File(folder / "generated_images.h5", "r") as f:
        for key in f:
            out[key] = f[key][()]
        out["scene_columns"] = f["train_scenes"].attrs["columns"].split(",")
    with h5py.File(folder / "coco2014_captions.h5", "r") as f:
        for key in f:
            out[key] = f[key][()]
    for split in ("train", "val"):
        for suffix in ("", "_pca"):
            with h5py.File(folder / f"{split}2014_vgg16_fc7{suffix}.h5", "r") as f:
                out[f"{split}_features{suffix}"] = f["features"][()]
    out["vocab"] = json.loads((folder / "coco2014_vocab.json").read_text())
    return out


def texts_of(arrays, split):
    """Each caption of a split as a list of words."""
    words = arrays["vocab"]["idx_to_word"]
    return [[words[i] for i in row if i > 2] for row in arrays[f"{split}_captions"]]


# --------------------------------------------------------------------------- layout


def test_folder_has_the_real_layout_shapes_and_types(generated_captions_folder, arrays):
    names = sorted(p.name for p in generated_captions_folder.iterdir())
    assert names == sorted(captioning.REQUIRED_FILES + ("generated.json", "generated_images.h5"))
    info = json.loads((generated_captions_folder / "generated.json").read_text())
    n = {"train": synthetic_captions.NUM_TRAIN_IMAGES, "val": synthetic_captions.NUM_VAL_IMAGES}
    for split in ("train", "val"):
        captions, owners = arrays[f"{split}_captions"], arrays[f"{split}_image_idxs"]
        assert captions.dtype == np.int32 and captions.shape == (len(owners), 17)
        assert arrays[f"{split}_images"].shape == (n[split], 48, 48, 3)
        assert arrays[f"{split}_images"].dtype == np.uint8
        assert arrays[f"{split}_features"].shape == (n[split], synthetic_captions.RAW_DIM)
        assert arrays[f"{split}_features_pca"].shape == (n[split], 512)
        assert arrays[f"{split}_features_pca"].dtype == np.float32
        # 2 to 5 different captions for every image, grouped by image.
        counts = np.bincount(owners, minlength=n[split])
        assert counts.min() == 2 and counts.max() == 5
        assert np.all(np.diff(owners) >= 0)
        assert len({(o, c.tobytes()) for o, c in zip(owners, captions)}) == len(owners)
        urls = (generated_captions_folder / f"{split}2014_urls.txt").read_text().splitlines()
        assert urls == [f"generated:{split}/{i:06d}" for i in range(n[split])]
        assert info[f"num_{split}_captions"] == len(owners)
    assert 3 * n["train"] < len(arrays["train_captions"]) < 4 * n["train"]
    assert info["vocabulary_size"] == len(arrays["vocab"]["idx_to_word"])


def test_captions_are_start_words_end_then_padding(arrays):
    for split in ("train", "val"):
        captions = arrays[f"{split}_captions"]
        assert np.all(captions[:, 0] == 1)
        ends = (captions == 2).argmax(axis=1)
        assert np.all((captions == 2).sum(axis=1) == 1)
        assert ends.min() >= 5  # at least four words
        position = np.arange(captions.shape[1])
        words = (position > 0) & (position < ends[:, None])
        assert np.all(captions[words] > 3)  # real words only: no <UNK>, no padding inside
        assert np.all(captions[position > ends[:, None]] == 0)


def test_vocabulary_special_tokens_and_frequency_order(arrays):
    vocab = arrays["vocab"]
    words = vocab["idx_to_word"]
    assert words[:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert vocab["word_to_idx"] == {w: i for i, w in enumerate(words)}
    assert 30 <= len(words) <= 60
    for word in synthetic_captions.SHAPES + synthetic_captions.COLOURS + ("left", "above", "an"):
        assert word in words
    counts = np.bincount(arrays["train_captions"][:, 1:].ravel(), minlength=len(words))
    assert np.all(np.diff(counts[4:]) <= 0)  # most frequent first, as in the real data
    assert words[4] == "a"


# --------------------------------------------------------------------------- captions follow the pixels
#
# These checks read the pictures with their own simple measurements (which
# pixels are colourful, their mean hue, where they are, how many) and compare
# with what the captions say, without looking at the generator's scene table.

HUE_RANGES = {  # degrees, the usual names of hues
    "red": (-15, 15), "orange": (15, 45), "yellow": (45, 75),
    "green": (90, 150), "blue": (200, 250), "purple": (260, 300),
}


def colour_name(pixels):
    """The name of the mean colour of pixels (k, 3) in 0..255, or None."""
    hue = rgb_to_hsv(pixels.mean(axis=0) / 255.0)[0] * 360.0
    hue = hue - 360.0 if hue >= 345.0 else hue
    for name, (low, high) in HUE_RANGES.items():
        if low <= hue < high:
            return name
    return None


def shape_pixels(image):
    """Mask (48, 48) of the shapes: colourful pixels (backgrounds are greyish) among colourful ones."""
    rgb = image.astype(np.float64) / 255.0
    mask = rgb.max(axis=2) - rgb.min(axis=2) > 0.4
    padded = np.pad(mask, 1).astype(int)
    neighbours = sum(padded[1 + dy:49 + dy, 1 + dx:49 + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    return mask & (neighbours >= 5)  # drops the odd noisy background pixel


def measure_single(image):
    """What a picture of one shape shows: (colour, place, size, shape or None, background)."""
    mask = shape_pixels(image)
    ys, xs = np.nonzero(mask)
    cy, cx = (ys.min() + ys.max() + 1) / 2, (xs.min() + xs.max() + 1) / 2  # bounding box centre
    if abs(cx - 24) < 5 and abs(cy - 24) < 5:
        place = "middle"
    elif abs(cx - 24) > abs(cy - 24):
        place = "left" if cx < 24 else "right"
    else:
        place = "top" if cy < 24 else "bottom"
    area = mask.sum()
    size = "big" if area > 115 else "small"
    # Area against the disc through the farthest pixel from the centroid: about 0.9
    # for a circle, 2/pi for a square, 0.41 for a triangle. Small shapes have too
    # few pixels to tell.
    my, mx = ys.mean(), xs.mean()
    fill = area / (np.pi * (np.sqrt((ys - my) ** 2 + (xs - mx) ** 2).max() + 0.5) ** 2)
    shape = None
    if size == "big":
        shape = "circle" if fill > 0.81 else "square" if fill > 0.58 else "triangle"
    background = "dark" if image[~mask].mean() < 128 else "light"
    return colour_name(image[mask]), place, size, shape, background


def test_captions_of_single_shapes_say_what_is_drawn(arrays):
    images, scenes = arrays["train_images"], arrays["train_scenes"]
    measured = {i: measure_single(images[i]) for i in np.flatnonzero(scenes[:, 0] == 1)}
    vocabularies = {"colour": set(HUE_RANGES), "place": {"left", "right", "top", "bottom", "middle"},
                    "size": {"big", "small"}, "shape": {"circle", "square", "triangle"},
                    "background": {"dark", "light"}}
    agree = {kind: [] for kind in vocabularies}
    for words, owner in zip(texts_of(arrays, "train"), arrays["train_image_idxs"]):
        if owner not in measured:
            continue
        for (kind, vocabulary), value in zip(vocabularies.items(), measured[owner]):
            named = set(words) & vocabulary
            if named and value is not None:
                agree[kind].append(named == {value})
    rates = {kind: np.mean(v) for kind, v in agree.items()}
    print({kind: f"{rate:.3f} of {len(agree[kind])}" for kind, rate in rates.items()})
    assert min(len(v) for v in agree.values()) > 500
    assert rates == {kind: 1.0 for kind in agree}


def measure_pair(image):
    """What a picture of two shapes shows: (side by side?, colour of the left or top
    shape, colour of the other)."""
    ys, xs = np.nonzero(shape_pixels(image))
    side_by_side = np.ptp(xs) > np.ptp(ys)
    along = xs if side_by_side else ys
    # The two shapes are separated by the widest run of empty columns (or rows).
    occupied = np.unique(along)
    first = along <= occupied[np.diff(occupied).argmax()]
    return (side_by_side, colour_name(image[ys[first], xs[first]]),
            colour_name(image[ys[~first], xs[~first]]))


def test_captions_of_pairs_name_the_colours_in_the_right_order(arrays):
    images, scenes = arrays["train_images"], arrays["train_scenes"]
    measured = {i: measure_pair(images[i]) for i in np.flatnonzero(scenes[:, 0] == 2)}
    checked = 0
    for words, owner in zip(texts_of(arrays, "train"), arrays["train_image_idxs"]):
        colours = [w for w in words if w in HUE_RANGES]
        if owner not in measured or len(colours) != 2:
            continue
        side_by_side, *in_order = measured[owner]
        if "and" in words:
            assert sorted(colours) == sorted(in_order), words
            continue
        assert side_by_side == ("left" in words or "right" in words), words
        if "right" in words or "below" in words:
            in_order.reverse()  # the first shape named is the right or lower one
        assert colours == in_order, words
        checked += 1
    assert checked > 3000


# --------------------------------------------------------------------------- features


def test_features_are_computed_from_the_pixels(arrays):
    raw_train = synthetic_captions.raw_features(arrays["train_images"])
    raw_val = synthetic_captions.raw_features(arrays["val_images"][:50])
    mean, std = raw_train.mean(axis=0), raw_train.std(axis=0)
    std[std < 1e-6] = 1.0
    np.testing.assert_allclose(arrays["train_features"][:300], ((raw_train - mean) / std)[:300],
                               atol=2e-3)
    np.testing.assert_allclose(arrays["val_features"][:50], (raw_val - mean) / std, atol=2e-3)
    # Changing pixels changes the features: the same picture moved by 4 pixels.
    image = arrays["train_images"][:1]
    moved = np.roll(image, 4, axis=2)
    assert np.abs(synthetic_captions.raw_features(moved) - raw_train[:1]).max() > 0.05


def test_cell_histograms_match_a_loop_over_pixels():
    rng = np.random.default_rng(0)
    bins = 5
    position = rng.uniform(-7, 12, size=(2, 48, 48)).astype(np.float32)
    weight = rng.uniform(0, 1, size=(2, 48, 48)).astype(np.float32)
    expected = np.zeros((2, 6, 6, bins))
    for n in range(2):
        for y in range(48):
            for x in range(48):
                p, w = float(position[n, y, x]), float(weight[n, y, x])
                low = int(np.floor(p))
                expected[n, y // 8, x // 8, low % bins] += w * (1 - (p - low))
                expected[n, y // 8, x // 8, (low + 1) % bins] += w * (p - low)
    got = synthetic_captions._cell_histograms(position, weight, bins)
    np.testing.assert_allclose(got, expected / 64, rtol=1e-4, atol=1e-6)


def test_pca_features_are_decorrelated_with_training_statistics_only(arrays):
    train, val = arrays["train_features_pca"].astype(np.float64), arrays["val_features_pca"]
    np.testing.assert_allclose(train.mean(axis=0), 0.0, atol=1e-3)
    variances = train.var(axis=0)
    assert variances.mean() == pytest.approx(1.0, rel=1e-3)
    assert np.all(np.diff(variances) <= 1e-3 * variances[0])  # largest first
    cov = np.cov(train[:, :20], rowvar=False)
    off_diagonal = cov - np.diag(np.diag(cov))
    assert np.abs(off_diagonal).max() < 1e-3 * variances[0]
    assert np.abs(val.mean(axis=0)).max() > 1e-3  # val was not centred on its own mean
    # The components are projections of the standardized features: a least-squares
    # fit recovers every PCA feature from the wide ones.
    wide = arrays["train_features"][:2000].astype(np.float64)
    coefficients, *_ = np.linalg.lstsq(wide, train[:2000, :8], rcond=None)
    np.testing.assert_allclose(wide @ coefficients, train[:2000, :8], atol=1e-3)


def _softmax_heads(F, labels, sizes, steps=200, learning_rate=0.5, reg=1e-3):
    """Softmax regressions of several labels of the same samples, trained side by side.

    Inputs: F (N, D) features; labels (N, K) int, one column per label; sizes,
    the K numbers of classes. Returns weights (D + 1, sum(sizes)): the columns
    of label k are the k-th block.
    """
    X = np.hstack([F, np.ones((len(F), 1), dtype=F.dtype)])
    W = np.zeros((X.shape[1], sum(sizes)), dtype=F.dtype)
    edges = np.cumsum([0, *sizes])
    rows = np.arange(len(F))
    for _ in range(steps):
        scores = X @ W
        dscores = np.empty_like(scores)
        for k in range(len(sizes)):
            block = scores[:, edges[k]:edges[k + 1]]
            p = np.exp(block - block.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[rows, labels[:, k]] -= 1
            dscores[:, edges[k]:edges[k + 1]] = p
        W -= learning_rate * (X.T @ dscores / len(F) + reg * W)
    return W


def _head_accuracies(F, labels, sizes, W):
    scores = np.hstack([F, np.ones((len(F), 1), dtype=F.dtype)]) @ W
    edges = np.cumsum([0, *sizes])
    return [np.mean(scores[:, edges[k]:edges[k + 1]].argmax(axis=1) == labels[:, k])
            for k in range(len(sizes))]


def test_features_carry_what_the_captions_say(arrays):
    """Softmax regression from the PCA features names colours, shapes, sizes and places."""
    columns = arrays["scene_columns"]
    groups = {  # which pictures: [(label, scene column, classes)]
        "single": [("colour", "colour_a", 6), ("shape", "shape_a", 3), ("size", "size_a", 2),
                   ("place", "place", 5), ("background", "background", 2)],
        "pair": [("left/top colour", "colour_a", 6), ("right/bottom colour", "colour_b", 6),
                 ("left/top shape", "shape_a", 3), ("right/bottom size", "size_b", 2),
                 ("layout", "layout", 2)],
    }
    minimum = {"colour": 0.95, "shape": 0.75, "size": 0.9, "place": 0.95, "background": 0.95,
               "left/top colour": 0.9, "right/bottom colour": 0.9, "left/top shape": 0.7,
               "right/bottom size": 0.9, "layout": 0.95}
    accuracy = {}
    for group, heads in groups.items():
        def select(split):
            scenes = arrays[f"{split}_scenes"].astype(np.int64)
            chosen = scenes[:, 0] == (1 if group == "single" else 2)
            labels = scenes[chosen][:, [columns.index(col) for _, col, _ in heads]]
            return arrays[f"{split}_features_pca"][chosen], labels

        sizes = [c for _, _, c in heads]
        W = _softmax_heads(*select("train"), sizes)
        for (name, _, _), value in zip(heads, _head_accuracies(*select("val"), sizes, W)):
            accuracy[name] = value
    print({name: round(float(a), 3) for name, a in accuracy.items()})
    for name, value in minimum.items():
        assert accuracy[name] >= value, (name, accuracy[name])


# --------------------------------------------------------------------------- determinism and writing


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    first = synthetic_captions.ensure_generated(tmp_path / "one", **SMALL)
    second = synthetic_captions.ensure_generated(tmp_path / "two", **SMALL)
    other = synthetic_captions.ensure_generated(tmp_path / "three", seed=7, **SMALL)
    for name in synthetic_captions.ALL_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    for name in ("coco2014_captions.h5", "generated_images.h5"):
        assert (first / name).read_bytes() != (other / name).read_bytes(), name


def test_ensure_generated_reuses_a_complete_folder(generated_captions_root, generated_captions_folder):
    before = {p.name: p.stat().st_mtime_ns for p in generated_captions_folder.iterdir()}
    assert synthetic_captions.ensure_generated(generated_captions_root / "generated") \
        == generated_captions_folder
    assert {p.name: p.stat().st_mtime_ns for p in generated_captions_folder.iterdir()} == before


@pytest.mark.parametrize("damage", ["outdated", "other size", "incomplete", "empty"])
def test_outdated_or_broken_folder_is_replaced(tmp_path, damage):
    size = dict(num_train=80, num_val=20) if damage == "other size" else SMALL
    folder = synthetic_captions.ensure_generated(tmp_path, **size)
    if damage == "outdated":
        (folder / "generated.json").write_text('{"generator_version": 0, "seed": 231}')
    elif damage == "incomplete":
        (folder / "val2014_vgg16_fc7_pca.h5").unlink()
    elif damage == "empty":
        for p in folder.iterdir():
            p.unlink()
    assert not synthetic_captions.is_complete(folder, **SMALL)
    assert synthetic_captions.ensure_generated(tmp_path, **SMALL) == folder
    assert synthetic_captions.is_complete(folder, **SMALL)
    with h5py.File(folder / "val2014_vgg16_fc7_pca.h5", "r") as f:
        assert f["features"].shape == (SMALL["num_val"], 512)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coco_captioning"]


def test_leftovers_of_a_killed_generator_are_cleaned_up(tmp_path):
    old = tmp_path / ".coco_captioning.tmp-dead"
    fresh = tmp_path / ".coco_captioning.tmp-busy"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "coco2014_captions.h5").write_bytes(b"half written")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    synthetic_captions.ensure_generated(tmp_path, **SMALL)
    assert not old.exists()
    assert fresh.exists()  # may belong to a generator that is still running


def test_parallel_writers_leave_one_identical_complete_folder(tmp_path):
    out_dir = tmp_path / "parallel"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = [sys.executable, "-m", "cs_utils.synthetic_captions", "--out", str(out_dir),
               "--num-train", str(SMALL["num_train"]), "--num-val", str(SMALL["num_val"])]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    for out, err, code in results:
        assert code == 0, err
        assert str(out_dir / "coco_captioning") in out
    assert sorted(p.name for p in out_dir.iterdir()) == ["coco_captioning"]
    reference = synthetic_captions.ensure_generated(tmp_path / "reference", **SMALL)
    for name in synthetic_captions.ALL_FILES:
        assert (out_dir / "coco_captioning" / name).read_bytes() == (reference / name).read_bytes()


def test_command_line_reports_an_existing_folder(generated_captions_root, generated_captions_folder,
                                                 capsys):
    assert synthetic_captions.main(["--out", str(generated_captions_root / "generated")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Already present") and str(generated_captions_folder) in out


def test_generation_is_on_first_load_under_the_datasets_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_DATASET", "generated")
    ensure = synthetic_captions.ensure_generated
    monkeypatch.setattr(synthetic_captions, "ensure_generated", lambda parent: ensure(parent, **SMALL))
    data = captioning.load_coco_data(verbose=False)
    folder = tmp_path / "generated" / "coco_captioning"
    assert data["base_dir"] == str(folder)
    assert synthetic_captions.is_complete(folder, **SMALL)
    assert data["train_features"].shape == (SMALL["num_train"], 512)
