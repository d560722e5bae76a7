"""The generated CIFAR-10 stand-in: file format, determinism, safe writing, calibration."""

import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cs_utils import synthetic
from cs_utils.features import color_histogram_hsv, extract_features, hog_feature

FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]


def unpickle(path):
    with open(path, "rb") as f:
        return pickle.load(f, encoding="bytes")


@pytest.fixture(scope="session")
def generated_arrays(generated_folder):
    """(Xtr, ytr, Xte, yte) read with plain pickle: (5000, 32, 32, 3) uint8 etc."""

    def read(name):
        batch = unpickle(generated_folder / name)
        X = batch[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return X, np.array(batch[b"labels"])

    parts = [read(f"data_batch_{i}") for i in range(1, 6)]
    Xte, yte = read("test_batch")
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), Xte, yte)


# --------------------------------------------------------------------------- format


def test_cifar_row_layout_is_channel_major():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 32, 32, 3), dtype=np.uint8)
    rows = synthetic.to_cifar_rows(images)
    assert rows.shape == (3, 3072) and rows.dtype == np.uint8
    for n in range(3):
        for c in range(3):
            for i in (0, 5, 31):
                for j in (0, 17, 31):
                    assert rows[n, c * 1024 + i * 32 + j] == images[n, i, j, c]


def test_batches_have_cifar_keys_types_and_sizes(generated_folder):
    assert sorted(p.name for p in generated_folder.iterdir()) == sorted(FILES + ["generated.json"])
    all_names = set()
    for name in FILES[:-1]:
        batch = unpickle(generated_folder / name)
        assert set(batch) == {b"batch_label", b"labels", b"data", b"filenames"}
        assert isinstance(batch[b"data"], np.ndarray)
        assert batch[b"data"].dtype == np.uint8 and batch[b"data"].shape == (1000, 3072)
        labels = batch[b"labels"]
        assert isinstance(labels, list) and all(type(v) is int for v in labels)
        assert np.bincount(labels, minlength=10).tolist() == [100] * 10
        assert isinstance(batch[b"batch_label"], bytes)
        assert len(batch[b"filenames"]) == 1000
        assert all(isinstance(f, bytes) and f.endswith(b".png") for f in batch[b"filenames"])
        all_names.update(batch[b"filenames"])
    assert len(all_names) == 6000
    assert unpickle(generated_folder / "test_batch")[b"batch_label"] == b"testing batch 1 of 1"

    meta = unpickle(generated_folder / "batches.meta")
    assert meta == {
        b"num_cases_per_batch": 1000,
        b"label_names": [name.encode() for name in synthetic.CLASS_NAMES],
        b"num_vis": 3072,
    }
    assert len(set(synthetic.CLASS_NAMES)) == 10


def test_generation_is_deterministic_and_depends_on_the_seed():
    a = synthetic.generate(seed=5, images_per_batch=30)
    b = synthetic.generate(seed=5, images_per_batch=30)
    c = synthetic.generate(seed=6, images_per_batch=30)
    for name in synthetic.BATCH_FILES:
        np.testing.assert_array_equal(a[name][0], b[name][0])
        np.testing.assert_array_equal(a[name][1], b[name][1])
        assert not np.array_equal(a[name][0], c[name][0])
        assert a[name][0].shape == (30, 32, 32, 3) and a[name][0].dtype == np.uint8
        assert np.bincount(a[name][1]).tolist() == [3] * 10
    assert not np.array_equal(a["data_batch_1"][0], a["data_batch_2"][0])


def test_written_files_are_byte_identical(tmp_path):
    batches = synthetic.generate(seed=3, images_per_batch=20)
    synthetic.write_folder(tmp_path / "a", batches, seed=3)
    synthetic.write_folder(tmp_path / "b", synthetic.generate(seed=3, images_per_batch=20), seed=3)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


# --------------------------------------------------------------------------- classes look like their names


def test_classes_look_like_their_names(generated_arrays):
    Xtr, ytr, _, _ = generated_arrays
    X = Xtr.astype(np.float64)
    names = list(synthetic.CLASS_NAMES)
    r, g, b = X[..., 0], X[..., 1], X[..., 2]
    excess = {
        "red disc": r - np.maximum(g, b),
        "blue square": b - np.maximum(r, g),
        "green triangle": g - np.maximum(r, b),
        "yellow ring": np.minimum(r, g) - b,
    }
    for name, per_pixel in excess.items():
        per_class = [per_pixel[ytr == c].mean() for c in range(10)]
        assert int(np.argmax(per_class)) == names.index(name), name

    brightness = [X[ytr == c].mean() for c in range(10)]
    assert int(np.argmin(brightness)) == names.index("night sky")

    gray = X.mean(axis=-1)
    dx = np.abs(np.diff(gray, axis=2)).mean(axis=(1, 2))
    dy = np.abs(np.diff(gray, axis=1)).mean(axis=(1, 2))
    ratio = [np.median(dx[ytr == c] / dy[ytr == c]) for c in range(10)]
    assert ratio[names.index("vertical stripes")] > 1.3
    assert ratio[names.index("horizontal stripes")] < 0.75

    sky_minus_ground = (X[:, :10, :, 2].mean(axis=(1, 2)) - X[:, -10:, :, 2].mean(axis=(1, 2)))
    per_class = [sky_minus_ground[ytr == c].mean() for c in range(10)]
    assert int(np.argmax(per_class)) == names.index("landscape")
    assert per_class[names.index("landscape")] > 40


# --------------------------------------------------------------------------- calibration


def _accuracy(pred, y):
    return float(np.mean(pred == y))


def _softmax_regression(F, y, reg=1e-3, learning_rate=0.5, steps=300):
    """Weights (D, 10) of an L2-regularized softmax classifier, by full-batch gradient descent."""
    W = np.zeros((F.shape[1], 10))
    onehot = np.eye(10)[y]
    for _ in range(steps):
        scores = F @ W
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=1, keepdims=True)
        W -= learning_rate * (F.T @ (p - onehot) / len(y) + 2 * reg * W)
    return W


def test_calibration_linear_knn_and_features(generated_arrays):
    """The task carries signal, and the usual ordering of methods holds.

    Measured on 2,000 training images to keep the test quick; with all of
    them every accuracy is a little higher.
    """
    Xtr, ytr, Xte, yte = generated_arrays
    n = 2000
    Xtr, ytr = Xtr[:n], ytr[:n]
    A = Xtr.reshape(n, -1).astype(np.float32)
    C = Xte.reshape(len(Xte), -1).astype(np.float32)
    mean = A.mean(axis=0)
    A -= mean
    C -= mean
    targets = np.eye(10, dtype=np.float32)[ytr]

    # Linear least squares (ridge) on raw pixels, in the dual form.
    gram = A @ A.T + np.float32(1e7) * np.eye(n, dtype=np.float32)
    W = A.T @ np.linalg.solve(gram, targets - targets.mean(axis=0))
    linear_acc = _accuracy((C @ W).argmax(axis=1), yte)
    assert 0.33 <= linear_acc <= 0.65

    # 1-nearest neighbour on raw pixels.
    d = (C**2).sum(axis=1)[:, None] - 2 * C @ A.T + (A**2).sum(axis=1)[None, :]
    knn_acc = _accuracy(ytr[d.argmin(axis=1)], yte)
    assert 0.25 <= knn_acc < linear_acc

    # A linear classifier on HOG + hue histograms does better.
    fns = [hog_feature, lambda im: color_histogram_hsv(im, nbin=10)]
    F = extract_features(np.concatenate([Xtr, Xte]), fns)
    F = (F - F[:n].mean(axis=0)) / (F[:n].std(axis=0) + 1e-8)
    F = np.hstack([F, np.ones((len(F), 1))])
    Ftr, Fte = F[:n], F[n:]
    Wf = _softmax_regression(Ftr, ytr)
    feature_acc = _accuracy((Fte @ Wf).argmax(axis=1), yte)
    print(f"ridge {linear_acc:.3f}, 1-NN {knn_acc:.3f}, softmax on features {feature_acc:.3f}")
    assert feature_acc >= linear_acc + 0.05


# --------------------------------------------------------------------------- writing safely


def test_ensure_generated_reuses_a_complete_folder(generated_root, generated_folder):
    before = {p.name: p.stat().st_mtime_ns for p in generated_folder.iterdir()}
    assert synthetic.ensure_generated(generated_root / "generated") == generated_folder
    after = {p.name: p.stat().st_mtime_ns for p in generated_folder.iterdir()}
    assert before == after


@pytest.mark.parametrize("damage", ["outdated", "other size", "incomplete", "empty"])
def test_outdated_or_broken_folder_is_replaced(tmp_path, damage):
    folder = synthetic.ensure_generated(tmp_path, images_per_batch=20 if damage == "other size" else 10)
    if damage == "outdated":
        (folder / "generated.json").write_text('{"generator_version": 0, "seed": 231}')
    elif damage == "incomplete":
        (folder / "test_batch").unlink()
    else:
        for p in folder.iterdir():
            p.unlink()
    assert not synthetic.is_complete(folder, images_per_batch=10)
    assert synthetic.ensure_generated(tmp_path, images_per_batch=10) == folder
    assert synthetic.is_complete(folder, images_per_batch=10)
    assert len(unpickle(folder / "test_batch")[b"labels"]) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-10-batches-py"]


def test_leftovers_of_a_killed_generator_are_cleaned_up(tmp_path):
    old = tmp_path / ".cifar-10-batches-py.tmp-dead"
    fresh = tmp_path / ".cifar-10-batches-py.tmp-busy"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "data_batch_1").write_bytes(b"half written")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    synthetic.ensure_generated(tmp_path, images_per_batch=10)
    assert not old.exists()
    assert fresh.exists()  # may belong to a generator that is still running


def test_parallel_writers_leave_one_identical_complete_folder(tmp_path):
    out_dir, reference = tmp_path / "parallel", tmp_path / "reference"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = [sys.executable, "-m", "cs_utils.synthetic", "--out", str(out_dir),
               "--images-per-batch", "100"]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    for out, err, code in results:
        assert code == 0, err
        assert str(out_dir / "cifar-10-batches-py") in out
    # Nothing left behind but the finished folder, and it holds the same bytes
    # as a folder generated in this process.
    assert sorted(p.name for p in out_dir.iterdir()) == ["cifar-10-batches-py"]
    folder = synthetic.ensure_generated(reference, images_per_batch=100)
    assert synthetic.is_complete(out_dir / "cifar-10-batches-py", images_per_batch=100)
    for name in FILES:
        assert (out_dir / "cifar-10-batches-py" / name).read_bytes() == (folder / name).read_bytes()


def test_command_line_reports_an_existing_folder(generated_root, generated_folder, capsys):
    assert synthetic.main(["--out", str(generated_root / "generated")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Already present") and str(generated_folder) in out


def test_generated_folder_is_readable_by_others(generated_folder):
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    assert generated_folder.stat().st_mode & 0o055 == 0o055
    assert Path(generated_folder).parent.is_dir()
