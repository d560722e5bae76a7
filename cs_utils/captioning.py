"""Image-captioning data: the real COCO captions or the generated stand-in, one loader for both.

Two datasets share one on-disk layout, a folder ``coco_captioning`` holding

- ``coco2014_captions.h5``: datasets ``train_captions`` and ``val_captions``
  (int32 (N_cap, 17): word indices, ``<START>`` first, then the words,
  ``<END>``, then ``<NULL>`` padding) and ``train_image_idxs`` and
  ``val_image_idxs`` (int (N_cap,): the image each caption describes);
- ``train2014_vgg16_fc7.h5`` and ``val2014_vgg16_fc7.h5``: dataset ``features``,
  float32 (N_img, D) image features (D = 4096 for COCO);
- ``train2014_vgg16_fc7_pca.h5`` and ``val2014_vgg16_fc7_pca.h5``: the same
  features reduced to 512 dimensions by PCA;
- ``coco2014_vocab.json``: ``idx_to_word`` (a list) and ``word_to_idx`` (a dict);
- ``train2014_urls.txt`` and ``val2014_urls.txt``: one image address a line,
  line i for image i.

The datasets:

- ``coco``: the real COCO 2014 captions with VGG-16 features, in
  ``<datasets>/coco_captioning``; ``datasets/get_datasets.sh`` downloads it.
- ``generated``: the offline stand-in that ``cs_utils.synthetic_captions``
  draws (simple scenes of one or two shapes, captions that say what is drawn,
  features computed from the pixels), in ``<datasets>/generated/coco_captioning``.
  It is generated on first use (a few seconds). Its image addresses read
  ``generated:train/000123`` and its pictures are in one more file of the folder.

``<datasets>`` and ``$COURSE_DATASET`` work as for CIFAR-10 (see cs_utils.data):
``generated`` forces the stand-in; ``coco`` (or ``real``, or ``cifar10``: "the
real data") forces COCO; ``auto`` (the default) uses COCO when its folder is
complete and the stand-in otherwise.

In a notebook::

    from cs_utils.captioning import load_coco_data, decode_captions, sample_coco_minibatch
    data = load_coco_data(max_train=5000)   # prints which dataset is in use
    captions, features, urls = sample_coco_minibatch(data, batch_size=4, seed=0)
    print(decode_captions(captions, data["idx_to_word"]))
"""

import io
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import h5py
import numpy as np

from cs_utils import data as cifar_data

COCO_FOLDER = "coco_captioning"
CAPTIONS_FILE = "coco2014_captions.h5"
VOCAB_FILE = "coco2014_vocab.json"
SPLITS = ("train", "val")
SPECIAL_TOKENS = ("<NULL>", "<START>", "<END>", "<UNK>")
NULL, START, END, UNK = 0, 1, 2, 3
# Files of the generated stand-in only: its pictures and its description.
GENERATED_IMAGES_FILE = "generated_images.h5"
GENERATED_INFO_FILE = "generated.json"
GENERATED_URL_PREFIX = "generated:"

DATASET_CHOICES = ("auto", "coco", "generated")
_REAL_NAMES = ("coco", "coco2014", "coco_captioning")
DESCRIPTIONS = {
    "coco": "COCO 2014 captions",
    "generated": "generated captioning scenes (offline stand-in)",
}


def _check_split(split):
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'val', got {split!r}")


def features_file(split, pca_features=True):
    """File name of a split's image features, e.g. 'train2014_vgg16_fc7_pca.h5'."""
    _check_split(split)
    return f"{split}2014_vgg16_fc7{'_pca' if pca_features else ''}.h5"


def urls_file(split):
    """File name of a split's image addresses, e.g. 'val2014_urls.txt'."""
    _check_split(split)
    return f"{split}2014_urls.txt"


# Every file the loader needs, in the order get_datasets.sh lists them.
REQUIRED_FILES = (
    CAPTIONS_FILE,
    VOCAB_FILE,
    *(features_file(s, pca) for s in SPLITS for pca in (False, True)),
    *(urls_file(s) for s in SPLITS),
)


# --------------------------------------------------------------------------- locating the data


def real_coco_dir():
    """Where the downloaded captioning data lives: <datasets>/coco_captioning."""
    return cifar_data.datasets_dir() / COCO_FOLDER


def generated_coco_dir():
    """Where the generated stand-in lives: <datasets>/generated/coco_captioning."""
    return cifar_data.datasets_dir() / "generated" / COCO_FOLDER


def missing_files(folder):
    """The names of REQUIRED_FILES that are not non-empty files in folder (a list)."""
    folder = Path(folder)
    return [name for name in REQUIRED_FILES
            if not (folder / name).is_file() or (folder / name).stat().st_size == 0]


def is_complete_coco(folder):
    """True if folder holds every file of the captioning layout."""
    return not missing_files(folder)


def is_generated(folder):
    """True if folder was written by cs_utils.synthetic_captions."""
    return (Path(folder) / GENERATED_INFO_FILE).is_file()


def selected_dataset():
    """The captioning dataset $COURSE_DATASET asks for: 'auto' (default), 'coco' or 'generated'.

    The values CIFAR-10 understands mean the same here: 'cifar10' and 'real'
    ask for the real data, which for captioning is COCO.
    """
    raw = os.environ.get("COURSE_DATASET", "").strip().lower()
    if raw in _REAL_NAMES:
        return "coco"
    try:
        choice = cifar_data.selected_dataset()
    except ValueError:
        raise ValueError(
            f"COURSE_DATASET={raw!r} is not one of auto, generated, coco "
            "(real and cifar10 also mean the real data)"
        ) from None
    return "coco" if choice == "cifar10" else choice


def resolve_coco(dataset=None, generate=True):
    """Find the captioning folder to use.

    Inputs:
    - dataset: 'coco', 'generated' or 'auto'; None reads $COURSE_DATASET.
    - generate: draw the generated stand-in if it is missing (a few seconds).

    Returns (folder, name): the Path of a ``coco_captioning`` folder and 'coco'
    or 'generated'. Raises FileNotFoundError, with the command to run, when the
    real data is asked for and is not complete.
    """
    choice = selected_dataset() if dataset is None else dataset.lower()
    if choice not in DATASET_CHOICES:
        raise ValueError(f"dataset must be one of {DATASET_CHOICES}, got {dataset!r}")
    real = real_coco_dir()
    if choice == "coco" or (choice == "auto" and is_complete_coco(real)):
        missing = missing_files(real)
        if missing:
            problem = f"lacks {', '.join(missing)}" if real.is_dir() else "does not exist"
            raise FileNotFoundError(
                f"The COCO captioning data was asked for (COURSE_DATASET) but {real} {problem}. "
                "Download it with:  bash datasets/get_datasets.sh coco  "
                "(or unset COURSE_DATASET to use the generated offline dataset)."
            )
        return real, "coco"
    folder = generated_coco_dir()
    if generate:
        from cs_utils import synthetic_captions  # it imports this module's layout names

        folder = synthetic_captions.ensure_generated(folder.parent)
    return folder, "generated"


def describe_dataset(folder=None, name=None):
    """One line saying which captioning dataset is in use, for notebooks to print.

    Inputs:
    - folder, name: as returned by resolve_coco; None resolves them now.
    """
    if folder is None or name is None:
        folder, name = resolve_coco()
    if name == "coco":
        return f"Dataset: {DESCRIPTIONS['coco']} with VGG-16 features, from {folder}"
    return (
        f"Dataset: {DESCRIPTIONS['generated']}: pictures of one or two shapes with captions "
        "that say what is drawn; features computed from the pixels, not VGG-16 "
        "\u2014 run datasets/get_datasets.sh coco for the real one"
    )


# --------------------------------------------------------------------------- reading files


def _read_h5(path, names):
    """The named datasets of an HDF5 file as numpy arrays (a dict), with clear errors."""
    path = Path(path)
    try:
        with h5py.File(path, "r") as f:
            absent = [name for name in names if name not in f]
            if absent:
                raise ValueError(
                    f"{path} has no dataset {', '.join(absent)}; it is not a captioning "
                    "file of the expected layout. Download it again with "
                    "bash datasets/get_datasets.sh coco (or delete a generated folder)."
                )
            return {name: np.asarray(f[name]) for name in names}
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing") from None
    except OSError as error:
        raise ValueError(
            f"{path} is damaged or not an HDF5 file ({error}). Download the data again "
            "with bash datasets/get_datasets.sh coco (or delete a generated folder)."
        ) from None


def _read_vocab(path):
    try:
        vocab = json.loads(Path(path).read_text(encoding="utf-8"))
        idx_to_word = list(vocab["idx_to_word"])
        word_to_idx = {str(w): int(i) for w, i in vocab["word_to_idx"].items()}
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing") from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            f"{path} is not a vocabulary file of the expected layout ({error!r})"
        ) from None
    if tuple(idx_to_word[: len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
        raise ValueError(f"{path}: the vocabulary must start with {', '.join(SPECIAL_TOKENS)}")
    size = len(idx_to_word)
    if not all(0 <= i < size and idx_to_word[i] == w for w, i in word_to_idx.items()):
        raise ValueError(f"{path}: idx_to_word and word_to_idx do not agree")
    return idx_to_word, word_to_idx


def _read_urls(path):
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing") from None
    return np.array([line.strip() for line in lines if line.strip()])


def _check_split_arrays(folder, split, captions, image_idxs, features, urls, vocab_size):
    """Raise ValueError unless a split's arrays fit together."""
    where = f"{folder} ({split} split)"
    if captions.ndim != 2 or not np.issubdtype(captions.dtype, np.integer):
        raise ValueError(f"{where}: captions must be a 2-D integer array, "
                         f"got {captions.dtype} {captions.shape}")
    if image_idxs.shape != (captions.shape[0],):
        raise ValueError(f"{where}: {captions.shape[0]} captions but image_idxs has "
                         f"shape {image_idxs.shape}")
    if features.ndim != 2:
        raise ValueError(f"{where}: features must be 2-D, got shape {features.shape}")
    if len(urls) != features.shape[0]:
        raise ValueError(f"{where}: {features.shape[0]} images have features but {len(urls)} have URLs")
    if image_idxs.size and (image_idxs.min() < 0 or image_idxs.max() >= features.shape[0]):
        raise ValueError(f"{where}: image_idxs point outside the {features.shape[0]} images")
    if captions.size and (captions.min() < 0 or captions.max() >= vocab_size):
        raise ValueError(f"{where}: captions hold word indices outside the vocabulary of {vocab_size}")


def load_coco_data(base_dir=None, max_train=None, pca_features=True, seed=0, verbose=True):
    """Load the captioning data (real COCO or the generated stand-in) into one dictionary.

    Inputs:
    - base_dir: a ``coco_captioning`` folder; None picks one with resolve_coco()
      (generating the stand-in if it is needed and missing).
    - max_train: keep only this many training captions, drawn at random without
      replacement (seeded, so the same seed gives the same captions); None keeps all.
      The training features keep every image, so train_image_idxs stay valid.
    - pca_features: the 512-dimensional PCA features (True) or the full ones.
    - seed: seed of the max_train draw.
    - verbose: print the one-line notice of which dataset is in use.

    Returns a dict with
    - train_captions, val_captions: int32 (N_cap, T) word indices (T = 17), each
      <START> ... <END> then <NULL> padding;
    - train_image_idxs, val_image_idxs: int (N_cap,), the row of the split's
      features (and URLs) that each caption describes;
    - train_features, val_features: float32 (N_img, D), D = 512 with pca_features;
    - idx_to_word: list of V words, <NULL>, <START>, <END>, <UNK> first;
    - word_to_idx: dict word -> index;
    - train_urls, val_urls: str arrays (N_img,), where each image comes from;
    - dataset: a short description ('COCO 2014 captions' or
      'generated captioning scenes (offline stand-in)');
    - base_dir: the folder read, as a string (load_caption_image uses it).

    Raises FileNotFoundError for a missing folder or file and ValueError for a
    damaged one, each saying how to get the data again.
    """
    if base_dir is None:
        folder, name = resolve_coco()
    else:
        folder = Path(base_dir)
        if not folder.is_dir():
            raise FileNotFoundError(
                f"{folder} is not a folder. Download the captioning data with "
                "bash datasets/get_datasets.sh coco, or pass base_dir=None for the generated one."
            )
        name = "generated" if is_generated(folder) else "coco"
    missing = missing_files(folder)
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(missing)}. Download the captioning data with "
            "bash datasets/get_datasets.sh coco (a generated folder is remade when deleted)."
        )
    if max_train is not None and (int(max_train) != max_train or max_train < 1):
        raise ValueError(f"max_train must be a positive integer or None, got {max_train!r}")
    if verbose:
        print(describe_dataset(folder, name))

    caption_keys = [f"{s}_{k}" for s in SPLITS for k in ("captions", "image_idxs")]
    result = _read_h5(folder / CAPTIONS_FILE, caption_keys)
    result["train_captions"] = result["train_captions"].astype(np.int32, copy=False)
    result["val_captions"] = result["val_captions"].astype(np.int32, copy=False)
    idx_to_word, word_to_idx = _read_vocab(folder / VOCAB_FILE)
    for split in SPLITS:
        features = _read_h5(folder / features_file(split, pca_features), ["features"])["features"]
        result[f"{split}_features"] = features.astype(np.float32, copy=False)
        result[f"{split}_urls"] = _read_urls(folder / urls_file(split))
        _check_split_arrays(folder, split, result[f"{split}_captions"],
                            result[f"{split}_image_idxs"], result[f"{split}_features"],
                            result[f"{split}_urls"], len(idx_to_word))
    result["idx_to_word"] = idx_to_word
    result["word_to_idx"] = word_to_idx

    if max_train is not None and max_train < len(result["train_captions"]):
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(result["train_captions"]), int(max_train), replace=False))
        result["train_captions"] = result["train_captions"][keep]
        result["train_image_idxs"] = result["train_image_idxs"][keep]
    result["dataset"] = DESCRIPTIONS[name]
    result["base_dir"] = str(folder)
    return result


# --------------------------------------------------------------------------- using the data


def decode_captions(captions, idx_to_word):
    """Turn word indices back into text.

    Inputs:
    - captions: int array of shape (T,) for one caption or (N, T) for several.
    - idx_to_word: list of V words.

    Returns a string for one caption, a list of N strings for several: the
    words joined by spaces, stopping at <END>, leaving out <NULL> and <START>.
    """
    captions = np.asarray(captions)
    if captions.ndim not in (1, 2) or not (np.issubdtype(captions.dtype, np.integer)
                                           or captions.size == 0):
        raise ValueError(f"captions must be an integer array of shape (T,) or (N, T), "
                         f"got {captions.dtype} {captions.shape}")
    if captions.size and (captions.min() < 0 or captions.max() >= len(idx_to_word)):
        raise ValueError(f"captions hold indices outside the vocabulary of {len(idx_to_word)} words")

    def decode_one(row):
        words = []
        for index in row:
            if index == END:
                break
            if index not in (NULL, START):
                words.append(idx_to_word[index])
        return " ".join(words)

    if captions.ndim == 1:
        return decode_one(captions.tolist())
    return [decode_one(row) for row in captions.tolist()]


def sample_coco_minibatch(data, batch_size=100, split="train", seed=None):
    """A random minibatch of captions with the features and URLs of their images.

    Inputs:
    - data: the dictionary of load_coco_data.
    - batch_size: number of captions, drawn without replacement.
    - split: 'train' or 'val'.
    - seed: None (fresh randomness), an int, or a numpy Generator (used as is,
      so a training loop can pass its own).

    Returns (captions, features, urls): int32 (batch_size, T), float32
    (batch_size, D) and str (batch_size,); row i of features and urls belongs
    to the image caption i describes.
    """
    _check_split(split)
    captions = data[f"{split}_captions"]
    if int(batch_size) != batch_size or not 1 <= batch_size <= len(captions):
        raise ValueError(f"batch_size must be between 1 and the {len(captions)} {split} captions, "
                         f"got {batch_size!r}")
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(captions), int(batch_size), replace=False)
    image_idxs = data[f"{split}_image_idxs"][pick]
    return captions[pick], data[f"{split}_features"][image_idxs], data[f"{split}_urls"][image_idxs]


def load_caption_image(data, split, image_idx, timeout=10.0):
    """The picture of one image of a split, for display next to its captions.

    Inputs:
    - data: the dictionary of load_coco_data.
    - split: 'train' or 'val'.
    - image_idx: the image's row in data[split + '_features'] (as in the
      *_image_idxs arrays).
    - timeout: seconds to wait for a download (real COCO only).

    Returns a uint8 array of shape (H, W, 3), or None when the picture cannot
    be had (real COCO offline, or its address gone): a one-line notice says why.
    Generated pictures come from the generated folder itself; real COCO
    pictures are downloaded from their URL.
    """
    _check_split(split)
    urls = data[f"{split}_urls"]
    if int(image_idx) != image_idx or not 0 <= image_idx < len(urls):
        raise ValueError(f"image_idx must be between 0 and {len(urls) - 1}, got {image_idx!r}")
    url = str(urls[int(image_idx)])
    if url.startswith(GENERATED_URL_PREFIX):
        return _generated_image(Path(data["base_dir"]), url)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            payload = response.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        print(f"Could not download {url} ({reason}); is this computer offline? No picture shown.")
        return None
    from PIL import Image  # Pillow comes with matplotlib

    try:
        with Image.open(io.BytesIO(payload)) as picture:
            return np.asarray(picture.convert("RGB"), dtype=np.uint8)
    except OSError as error:
        print(f"{url} is not a readable picture ({error}); no picture shown.")
        return None


def _generated_image(folder, url):
    """The picture named by a generated address 'generated:<split>/<index>': uint8 (H, W, 3)."""
    try:
        split, index = url[len(GENERATED_URL_PREFIX):].split("/")
        _check_split(split)
        index = int(index)
    except ValueError:
        raise ValueError(f"{url!r} is not a generated image address") from None
    path = folder / GENERATED_IMAGES_FILE
    try:
        with h5py.File(path, "r") as f:
            return np.asarray(f[f"{split}_images"][index], dtype=np.uint8)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing: delete {folder} and load the data again "
                                "to regenerate it") from None
