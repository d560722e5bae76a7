"""Finding, loading and splitting CIFAR-10, real (a small fake here) or generated."""

import pickle

import numpy as np
import pytest

from cs_utils import data

REAL_TRAIN_PER_BATCH = 40
REAL_TEST = 30


def write_fake_cifar10(folder, seed=0):
    """A tiny stand-in for the downloaded CIFAR-10, written the way the real one is.

    Returns the rows and labels written: train (200, 3072) uint8 and (200,),
    test (30, 3072) uint8 and (30,).
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    rows, labels = [], []
    for i in range(1, 6):
        r = rng.integers(0, 256, size=(REAL_TRAIN_PER_BATCH, 3072), dtype=np.uint8)
        y = rng.integers(0, 10, size=REAL_TRAIN_PER_BATCH)
        batch = {b"batch_label": f"training batch {i} of 5".encode(), b"labels": y.tolist(),
                 b"data": r, b"filenames": [b"x.png"] * REAL_TRAIN_PER_BATCH}
        (folder / f"data_batch_{i}").write_bytes(pickle.dumps(batch, protocol=2))
        rows.append(r)
        labels.append(y)
    test_rows = rng.integers(0, 256, size=(REAL_TEST, 3072), dtype=np.uint8)
    test_labels = rng.integers(0, 10, size=REAL_TEST)
    batch = {b"batch_label": b"testing batch 1 of 1", b"labels": test_labels.tolist(),
             b"data": test_rows, b"filenames": [b"y.png"] * REAL_TEST}
    (folder / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
    names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse",
             b"ship", b"truck"]
    meta = {b"num_cases_per_batch": 10000, b"label_names": names, b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return np.concatenate(rows), np.concatenate(labels), test_rows, test_labels


def image_from_row(row):
    """Slow reference: CIFAR row (3072,) to an image (32, 32, 3), pixel by pixel."""
    img = np.zeros((32, 32, 3))
    for c in range(3):
        for i in range(32):
            for j in range(32):
                img[i, j, c] = row[c * 1024 + i * 32 + j]
    return img


@pytest.fixture
def fake_real(tmp_path, monkeypatch):
    """A datasets folder with a complete fake real CIFAR-10 and no generated data."""
    written = write_fake_cifar10(tmp_path / "cifar-10-batches-py")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COURSE_DATASET", raising=False)
    return tmp_path, written


@pytest.fixture
def use_generated(generated_root, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(generated_root))
    monkeypatch.setenv("COURSE_DATASET", "generated")
    return generated_root


# --------------------------------------------------------------------------- locating


def test_datasets_dir_defaults_to_repository_and_follows_environment(monkeypatch, tmp_path,
                                                                     repo_root):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    assert data.datasets_dir() == repo_root / "datasets"
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert data.datasets_dir() == tmp_path
    assert data.real_cifar10_dir() == tmp_path / "cifar-10-batches-py"
    assert data.generated_cifar10_dir() == tmp_path / "generated" / "cifar-10-batches-py"


def test_auto_prefers_the_real_data_when_complete(fake_real):
    root, _ = fake_real
    assert data.resolve_cifar10() == (root / "cifar-10-batches-py", "cifar10")
    assert data.describe_dataset() == f"Dataset: CIFAR-10 from {root / 'cifar-10-batches-py'}"


def test_auto_falls_back_to_generated_when_real_is_incomplete(fake_real, generated_root,
                                                               monkeypatch):
    root, _ = fake_real
    (root / "cifar-10-batches-py" / "data_batch_3").unlink()
    # Point at a folder with the same broken real data and a generated copy.
    (root / "generated").symlink_to(generated_root / "generated", target_is_directory=True)
    folder, name = data.resolve_cifar10()
    assert name == "generated"
    assert folder == root / "generated" / "cifar-10-batches-py"
    line = data.describe_dataset(folder, name)
    assert "generated" in line and "datasets/get_datasets.sh" in line and "\n" not in line


def test_asking_for_missing_real_data_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_DATASET", "cifar10")
    with pytest.raises(FileNotFoundError, match="get_datasets.sh"):
        data.resolve_cifar10()
    with pytest.raises(FileNotFoundError, match="get_datasets.sh"):
        data.get_CIFAR10_data()
    assert not (tmp_path / "generated").exists()


def test_unknown_dataset_name_is_an_error(monkeypatch):
    monkeypatch.setenv("COURSE_DATASET", "imagenet")
    with pytest.raises(ValueError, match="imagenet"):
        data.resolve_cifar10()


def test_generated_data_is_made_on_first_use(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_DATASET", "generated")
    made = []

    def fake_ensure(parent, *args, **kwargs):
        made.append(parent)
        return parent / "cifar-10-batches-py"

    monkeypatch.setattr(data.synthetic, "ensure_generated", fake_ensure)
    assert data.resolve_cifar10() == (tmp_path / "generated" / "cifar-10-batches-py", "generated")
    assert made == [tmp_path / "generated"]


# --------------------------------------------------------------------------- loading


def test_load_CIFAR_batch_reads_channel_major_rows(fake_real):
    root, (rows, labels, _, _) = fake_real
    X, y = data.load_CIFAR_batch(root / "cifar-10-batches-py" / "data_batch_1")
    assert X.shape == (REAL_TRAIN_PER_BATCH, 32, 32, 3) and X.dtype == np.float64
    assert y.shape == (REAL_TRAIN_PER_BATCH,) and y.dtype == np.int64
    for n in (0, 7, REAL_TRAIN_PER_BATCH - 1):
        np.testing.assert_array_equal(X[n], image_from_row(rows[n]))
    np.testing.assert_array_equal(y, labels[:REAL_TRAIN_PER_BATCH])


def test_load_CIFAR10_concatenates_the_five_batches(fake_real):
    root, (rows, labels, test_rows, test_labels) = fake_real
    Xtr, ytr, Xte, yte = data.load_CIFAR10(root / "cifar-10-batches-py")
    assert Xtr.shape == (5 * REAL_TRAIN_PER_BATCH, 32, 32, 3)
    assert Xte.shape == (REAL_TEST, 32, 32, 3)
    np.testing.assert_array_equal(Xtr[123], image_from_row(rows[123]))
    np.testing.assert_array_equal(Xte[-1], image_from_row(test_rows[-1]))
    np.testing.assert_array_equal(ytr, labels)
    np.testing.assert_array_equal(yte, test_labels)
    assert data.load_class_names(root / "cifar-10-batches-py")[:2] == ["airplane", "automobile"]


# --------------------------------------------------------------------------- splits


def test_generated_splits_defaults_and_contents(use_generated, capsys):
    folder = use_generated / "generated" / "cifar-10-batches-py"
    Xtr, ytr, Xte, yte = data.load_CIFAR10(folder)
    d = data.get_CIFAR10_data()

    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("Dataset: generated")
    assert d["dataset"] == "generated"
    assert d["class_names"][0] == "red disc" and len(d["class_names"]) == 10

    sizes = {k: len(d[f"y_{k}"]) for k in ("train", "val", "test", "dev")}
    assert sizes == {"train": 4000, "val": 1000, "test": 1000, "dev": 500}
    for split in ("train", "val", "test", "dev"):
        assert d[f"X_{split}"].shape[1:] == (32, 32, 3)
        assert d[f"X_{split}"].dtype == np.float64 and d[f"y_{split}"].dtype == np.int64

    # The mean comes from the training split alone and is removed everywhere.
    mean = Xtr[:4000].mean(axis=0)
    np.testing.assert_allclose(d["mean_image"], mean)
    np.testing.assert_allclose(d["X_train"] + mean, Xtr[:4000], atol=1e-9)
    np.testing.assert_allclose(d["X_val"] + mean, Xtr[4000:5000], atol=1e-9)
    np.testing.assert_allclose(d["X_test"] + mean, Xte[:1000], atol=1e-9)
    np.testing.assert_array_equal(d["y_val"], ytr[4000:5000])
    np.testing.assert_array_equal(d["y_test"], yte[:1000])
    assert not np.allclose(d["mean_image"], Xtr.mean(axis=0))  # not the mean of all images

    # Dev images are distinct training images with their own labels.
    restored = (d["X_dev"] + mean).reshape(500, -1)
    train_rows = {row.tobytes(): i for i, row in enumerate(Xtr[:4000].reshape(4000, -1))}
    idx = [train_rows[np.rint(r).tobytes()] for r in restored]
    assert len(set(idx)) == 500
    np.testing.assert_array_equal(d["y_dev"], ytr[idx])


def test_sizes_seed_and_no_mean(use_generated, capsys):
    d = data.get_CIFAR10_data(num_training=300, num_validation=50, num_test=20, num_dev=10,
                              subtract_mean=False, seed=3)
    Xtr, ytr, Xte, _ = data.load_CIFAR10(use_generated / "generated" / "cifar-10-batches-py")
    assert "mean_image" not in d
    np.testing.assert_array_equal(d["X_train"], Xtr[:300])
    np.testing.assert_array_equal(d["X_val"], Xtr[300:350])
    np.testing.assert_array_equal(d["X_test"], Xte[:20])
    again = data.get_CIFAR10_data(num_training=300, num_validation=50, num_test=20, num_dev=10,
                                  subtract_mean=False, seed=3)
    other = data.get_CIFAR10_data(num_training=300, num_validation=50, num_test=20, num_dev=10,
                                  subtract_mean=False, seed=4)
    np.testing.assert_array_equal(d["X_dev"], again["X_dev"])
    assert not np.array_equal(d["X_dev"], other["X_dev"])
    assert capsys.readouterr().out.count("Dataset:") == 3


def test_what_fits_when_one_size_is_given(use_generated):
    d = data.get_CIFAR10_data(num_training=4600, verbose=False)
    assert (len(d["y_train"]), len(d["y_val"])) == (4600, 400)
    d = data.get_CIFAR10_data(num_validation=2000, verbose=False)
    assert (len(d["y_train"]), len(d["y_val"])) == (3000, 2000)


def test_channels_first(use_generated):
    d = data.get_CIFAR10_data(num_training=100, num_validation=10, num_test=10, num_dev=5,
                              verbose=False)
    c = data.get_CIFAR10_data(num_training=100, num_validation=10, num_test=10, num_dev=5,
                              channels_first=True, verbose=False)
    for split in ("train", "val", "test", "dev"):
        assert c[f"X_{split}"].shape[1:] == (3, 32, 32)
        np.testing.assert_array_equal(c[f"X_{split}"], d[f"X_{split}"].transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(c["mean_image"], d["mean_image"].transpose(2, 0, 1))


def test_splits_do_not_share_memory(use_generated):
    d = data.get_CIFAR10_data(num_training=100, num_validation=10, num_test=10, num_dev=5,
                              verbose=False)
    arrays = [d[f"X_{s}"] for s in ("train", "val", "test", "dev")]
    for i, a in enumerate(arrays):
        for b in arrays[i + 1:]:
            assert not np.shares_memory(a, b)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_training=4500, num_validation=600), "only 5000 training images"),
        (dict(num_training=5001), "only 5000 training images"),
        (dict(num_test=1001), "only 1000 test images"),
        (dict(num_training=100, num_dev=101), "num_dev"),
        (dict(num_training=-1), "non-negative"),
    ],
)
def test_asking_for_too_much_is_a_clear_error(use_generated, kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.get_CIFAR10_data(verbose=False, **kwargs)


def test_real_dataset_defaults_shrink_to_what_exists(fake_real, capsys):
    root, (rows, labels, test_rows, _) = fake_real
    d = data.get_CIFAR10_data()
    assert capsys.readouterr().out.strip() == (
        f"Dataset: CIFAR-10 from {root / 'cifar-10-batches-py'}"
    )
    assert d["dataset"] == "cifar10"
    assert (len(d["y_train"]), len(d["y_val"]), len(d["y_test"]), len(d["y_dev"])) == (
        200, 0, 30, 200)
    assert d["class_names"][-1] == "truck"
    mean = np.stack([image_from_row(r) for r in rows]).mean(axis=0)
    np.testing.assert_allclose(d["mean_image"], mean)
    np.testing.assert_allclose(d["X_test"][5] + mean, image_from_row(test_rows[5]), atol=1e-9)
