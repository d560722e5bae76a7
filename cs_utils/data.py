"""CIFAR-10 loading, the usual splits and preprocessing, on the real or the generated data.

Two datasets share one format and one loader:

- ``cifar10``: the real CIFAR-10 (python version), 50,000 training and 10,000
  test images, in ``<datasets>/cifar-10-batches-py``. ``datasets/get_datasets.sh``
  downloads it.
- ``generated``: the small offline stand-in that ``cs_utils.synthetic`` draws
  (5,000 training and 1,000 test images of ten kinds of simple scenes), in
  ``<datasets>/generated/cifar-10-batches-py``. It is generated on first use.

``<datasets>`` is the ``datasets`` folder at the root of the repository, or
``$COURSE_DATA_DIR`` when that is set. ``$COURSE_DATASET`` chooses: ``cifar10``,
``generated``, or ``auto`` (the default: the real data when it is complete,
the generated data otherwise).

In a notebook::

    from cs_utils.data import get_CIFAR10_data
    data = get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000)
    # prints one line saying which dataset is in use
"""

import os
import pickle
from pathlib import Path

import numpy as np

from cs_utils import synthetic

CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta")
DATASET_CHOICES = ("auto", "cifar10", "generated")

# Default split sizes: (num_training, num_validation, num_test, num_dev).
DEFAULT_SPLITS = {
    "cifar10": (49000, 1000, 1000, 500),
    "generated": (4000, 1000, 1000, 500),
}


# --------------------------------------------------------------------------- locating the data


def repo_root():
    """The repository root: the folder that holds the cs_utils package."""
    return Path(__file__).resolve().parent.parent


def datasets_dir():
    """The datasets folder: $COURSE_DATA_DIR if set, else <repository>/datasets."""
    override = os.environ.get("COURSE_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return repo_root() / "datasets"


def real_cifar10_dir():
    """Where the downloaded CIFAR-10 lives: <datasets>/cifar-10-batches-py."""
    return datasets_dir() / CIFAR10_FOLDER


def generated_cifar10_dir():
    """Where the generated stand-in lives: <datasets>/generated/cifar-10-batches-py."""
    return datasets_dir() / "generated" / CIFAR10_FOLDER


def is_complete_cifar10(folder):
    """True if folder holds every batch file of CIFAR-10's python version."""
    folder = Path(folder)
    return all((folder / name).is_file() for name in CIFAR10_FILES)


def selected_dataset():
    """The dataset $COURSE_DATASET asks for: 'auto' (default), 'cifar10' or 'generated'."""
    choice = os.environ.get("COURSE_DATASET", "").strip().lower() or "auto"
    aliases = {"cifar-10": "cifar10", "real": "cifar10", "synthetic": "generated"}
    choice = aliases.get(choice, choice)
    if choice not in DATASET_CHOICES:
        raise ValueError(
            f"COURSE_DATASET={os.environ['COURSE_DATASET']!r} is not one of "
            f"{', '.join(DATASET_CHOICES)}"
        )
    return choice


def resolve_cifar10(dataset=None, generate=True):
    """Find the CIFAR-10 folder to use.

    Inputs:
    - dataset: 'cifar10', 'generated' or 'auto'; None reads $COURSE_DATASET.
    - generate: draw the generated dataset if it is missing (a few seconds).

    Returns (folder, name): the Path of a ``cifar-10-batches-py`` folder and
    'cifar10' or 'generated'. Raises FileNotFoundError, with the command to
    run, when the real data is asked for and is not there.
    """
    choice = selected_dataset() if dataset is None else dataset.lower()
    if choice not in DATASET_CHOICES:
        raise ValueError(f"dataset must be one of {DATASET_CHOICES}, got {dataset!r}")
    real = real_cifar10_dir()
    if choice == "cifar10" or (choice == "auto" and is_complete_cifar10(real)):
        if not is_complete_cifar10(real):
            raise FileNotFoundError(
                f"CIFAR-10 was asked for (COURSE_DATASET=cifar10) but {real} is missing or "
                "incomplete. Download it with:  bash datasets/get_datasets.sh  "
                "(or unset COURSE_DATASET to use the generated offline dataset)."
            )
        return real, "cifar10"
    folder = generated_cifar10_dir()
    if generate:
        folder = synthetic.ensure_generated(folder.parent)
    return folder, "generated"


def describe_dataset(folder=None, name=None):
    """One line saying which dataset is in use, for notebooks to print.

    Inputs:
    - folder, name: as returned by resolve_cifar10; None resolves them now.

    Returns a string such as "Dataset: CIFAR-10 from /path/to/cifar-10-batches-py".
    """
    if folder is None or name is None:
        folder, name = resolve_cifar10()
    if name == "cifar10":
        return f"Dataset: CIFAR-10 from {folder}"
    num_train = synthetic.NUM_TRAIN_BATCHES * synthetic.IMAGES_PER_BATCH
    return (
        f"Dataset: generated offline stand-in for CIFAR-10 ({num_train:,} training and "
        f"{synthetic.IMAGES_PER_BATCH:,} test images of {synthetic.NUM_CLASSES} kinds of "
        "simple scenes; accuracies differ from the real data) "
        "\u2014 run datasets/get_datasets.sh for the real one"
    )


# --------------------------------------------------------------------------- reading files


def _unpickle(filename):
    with open(filename, "rb") as f:
        return pickle.load(f, encoding="bytes")


def _read_batch(filename):
    """One batch file as uint8 images (n, 32, 32, 3) and int64 labels (n,)."""
    batch = _unpickle(filename)
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    return images, labels


def _read_all(root):
    """All batches as uint8 images and int64 labels: (Xtr, ytr, Xte, yte)."""
    root = Path(root)
    parts = [_read_batch(root / f"data_batch_{i}") for i in range(1, 6)]
    Xtr = np.concatenate([X for X, _ in parts])
    ytr = np.concatenate([y for _, y in parts])
    Xte, yte = _read_batch(root / "test_batch")
    return Xtr, ytr, Xte, yte


def load_CIFAR_batch(filename):
    """Load one batch file of CIFAR-10's python version.

    Returns:
    - X: float64 array of shape (n, 32, 32, 3), pixel values 0..255 (n = 10,000
      for the real data, 1,000 for the generated data).
    - y: int64 array of shape (n,), labels in 0..9.
    """
    images, labels = _read_batch(filename)
    return images.astype(np.float64), labels


def load_CIFAR10(root=None):
    """Load all of CIFAR-10 from a ``cifar-10-batches-py`` folder.

    Inputs:
    - root: the folder; None picks one with resolve_cifar10().

    Returns (Xtr, ytr, Xte, yte): training images float64 (N_train, 32, 32, 3),
    training labels int64 (N_train,), test images float64 (N_test, 32, 32, 3)
    and test labels int64 (N_test,). Pixel values are 0..255.
    """
    if root is None:
        root, _ = resolve_cifar10()
    Xtr, ytr, Xte, yte = _read_all(root)
    return Xtr.astype(np.float64), ytr, Xte.astype(np.float64), yte


def load_class_names(root=None):
    """The class names of a ``cifar-10-batches-py`` folder, as a list of 10 strings."""
    if root is None:
        root, _ = resolve_cifar10()
    meta = _unpickle(Path(root) / "batches.meta")
    return [name.decode("utf-8") for name in meta[b"label_names"]]


# --------------------------------------------------------------------------- splits


def _split_sizes(name, n_train_total, n_test_total, num_training, num_validation, num_test,
                 num_dev):
    """Fill in default split sizes and check that the requested ones fit."""
    d_train, d_val, d_test, d_dev = DEFAULT_SPLITS[name]
    if num_training is None and num_validation is None:
        num_training = min(d_train, n_train_total)
        num_validation = min(d_val, n_train_total - num_training)
    elif num_training is None:
        num_training = min(d_train, max(n_train_total - num_validation, 0))
    elif num_validation is None:
        num_validation = min(d_val, max(n_train_total - num_training, 0))
    if num_test is None:
        num_test = min(d_test, n_test_total)
    if num_dev is None:
        num_dev = min(d_dev, num_training)

    sizes = dict(num_training=num_training, num_validation=num_validation,
                 num_test=num_test, num_dev=num_dev)
    for key, value in sizes.items():
        if int(value) != value or value < 0:
            raise ValueError(f"{key} must be a non-negative integer, got {value!r}")
    if num_training + num_validation > n_train_total:
        raise ValueError(
            f"num_training + num_validation = {num_training + num_validation} but the "
            f"{name} dataset has only {n_train_total} training images"
        )
    if num_test > n_test_total:
        raise ValueError(
            f"num_test = {num_test} but the {name} dataset has only {n_test_total} test images"
        )
    if num_dev > num_training:
        raise ValueError(
            f"num_dev = {num_dev} but the development set is drawn from the "
            f"{num_training} training images"
        )
    return int(num_training), int(num_validation), int(num_test), int(num_dev)


def get_CIFAR10_data(num_training=None, num_validation=None, num_test=None, num_dev=None,
                     subtract_mean=True, channels_first=False, seed=0, verbose=True):
    """Load CIFAR-10 (real or generated) and cut it into the course's splits.

    - training: the first num_training training images;
    - validation: the num_validation training images that follow them;
    - test: the first num_test test images;
    - dev: num_dev images drawn at random (without replacement, seeded) from
      the training split, for quick experiments.

    None means the dataset's default: 49000 / 1000 / 1000 / 500 for the real
    data, 4000 / 1000 / 1000 / 500 for the generated one (or what fits).

    Inputs:
    - subtract_mean: subtract the mean training image from every split. The
      mean comes from the training split only: statistics of the validation
      or test data must never shape the preprocessing.
    - channels_first: return images as (N, 3, 32, 32) instead of (N, 32, 32, 3).
    - seed: seed for choosing the dev images.
    - verbose: print the one-line notice of which dataset is in use.

    Returns a dict with
    - X_train, X_val, X_test, X_dev: float64 arrays of shape (N, 32, 32, 3)
      (or (N, 3, 32, 32) with channels_first);
    - y_train, y_val, y_test, y_dev: int64 arrays of shape (N,);
    - class_names: list of 10 strings;
    - dataset: 'cifar10' or 'generated';
    - mean_image: float64 (32, 32, 3) (or (3, 32, 32)), only with subtract_mean.

    Raises ValueError when more images are asked for than the dataset has.
    """
    folder, name = resolve_cifar10()
    if verbose:
        print(describe_dataset(folder, name))
    # Read the pixels as uint8 and convert only the images that are used.
    Xtr, ytr, Xte, yte = _read_all(folder)
    num_training, num_validation, num_test, num_dev = _split_sizes(
        name, len(ytr), len(yte), num_training, num_validation, num_test, num_dev
    )

    train = slice(0, num_training)
    val = slice(num_training, num_training + num_validation)
    dev = np.random.default_rng(seed).choice(num_training, num_dev, replace=False)
    data = {
        "X_train": Xtr[train], "y_train": ytr[train],
        "X_val": Xtr[val], "y_val": ytr[val],
        "X_test": Xte[:num_test], "y_test": yte[:num_test],
        "X_dev": Xtr[dev], "y_dev": ytr[dev],
    }
    # Fresh float64 arrays, so that changing one split never changes another.
    data = {
        key: value.astype(np.float64) if key.startswith("X") else np.array(value)
        for key, value in data.items()
    }

    if subtract_mean:
        if num_training == 0:
            raise ValueError("subtract_mean needs at least one training image")
        mean_image = data["X_train"].mean(axis=0)
        for split in ("train", "val", "test", "dev"):
            data[f"X_{split}"] -= mean_image
        data["mean_image"] = mean_image
    if channels_first:
        for split in ("train", "val", "test", "dev"):
            data[f"X_{split}"] = np.ascontiguousarray(data[f"X_{split}"].transpose(0, 3, 1, 2))
        if subtract_mean:
            data["mean_image"] = np.ascontiguousarray(data["mean_image"].transpose(2, 0, 1))

    data["class_names"] = load_class_names(folder)
    data["dataset"] = name
    return data
