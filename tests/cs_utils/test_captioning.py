"""The captioning loader on a tiny fake COCO folder and on the generated stand-in."""

import http.server
import io
import json
import socket
import threading

import h5py
import numpy as np
import pytest

from cs_utils import captioning

# The tiny fake: 6 training and 3 validation images, 10 and 4 captions.
FAKE_WORDS = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat", "on", "mat", "dog", "sofa"]
FAKE_FEATURE_DIMS = {False: 4096, True: 512}
FAKE_SIZES = {"train": (6, 10), "val": (3, 4)}


def _fake_captions(rng, num_captions, length=17):
    """Distinct captions <START> w1 .. wk <END> <NULL>.. with k in 2..6: int32 (num_captions, 17)."""
    rows, seen = [], set()
    while len(rows) < num_captions:
        k = int(rng.integers(2, 7))
        words = rng.integers(3, len(FAKE_WORDS), k)  # <UNK> included, as in real captions
        row = np.zeros(length, dtype=np.int32)
        row[0], row[1:k + 1], row[k + 1] = 1, words, 2
        if row.tobytes() not in seen:
            seen.add(row.tobytes())
            rows.append(row)
    return np.stack(rows)


def write_fake_coco(folder, seed=0):
    """A tiny stand-in for the downloaded captioning data, in the real layout.

    Row i of each split's features is filled with 1000 * pca + i (pca 0 or 1),
    so a feature row names its image. Returns a dict of what was written:
    '<split>_captions', '<split>_image_idxs', '<split>_urls' and 'idx_to_word'.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    written = {"idx_to_word": list(FAKE_WORDS)}
    with h5py.File(folder / "coco2014_captions.h5", "w") as f:
        for split, (num_images, num_captions) in FAKE_SIZES.items():
            captions = _fake_captions(rng, num_captions)
            image_idxs = np.concatenate([np.arange(num_images),
                                         rng.integers(0, num_images, num_captions - num_images)])
            image_idxs = image_idxs.astype(np.int32)
            f.create_dataset(f"{split}_captions", data=captions)
            f.create_dataset(f"{split}_image_idxs", data=image_idxs)
            written[f"{split}_captions"], written[f"{split}_image_idxs"] = captions, image_idxs
    for split, (num_images, _) in FAKE_SIZES.items():
        for pca, dims in FAKE_FEATURE_DIMS.items():
            rows = np.repeat(np.arange(num_images, dtype=np.float32)[:, None] + 1000 * pca, dims, axis=1)
            with h5py.File(folder / captioning.features_file(split, pca), "w") as f:
                f.create_dataset("features", data=rows)
        urls = [f"http://images.example.org/{split}2014/{i:012d}.jpg" for i in range(num_images)]
        (folder / f"{split}2014_urls.txt").write_text("\n".join(urls) + "\n")
        written[f"{split}_urls"] = urls
    vocab = {"idx_to_word": FAKE_WORDS, "word_to_idx": {w: i for i, w in enumerate(FAKE_WORDS)}}
    (folder / "coco2014_vocab.json").write_text(json.dumps(vocab))
    return written


@pytest.fixture
def fake_real(tmp_path, monkeypatch):
    """A datasets folder with a complete fake COCO folder and nothing generated."""
    written = write_fake_coco(tmp_path / "coco_captioning")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COURSE_DATASET", raising=False)
    return tmp_path / "coco_captioning", written


@pytest.fixture
def no_generation(monkeypatch):
    """Record calls to the generator instead of generating; returns the list of parents."""
    from cs_utils import synthetic_captions

    made = []

    def fake_ensure(parent, *args, **kwargs):
        made.append(parent)
        return parent / "coco_captioning"

    monkeypatch.setattr(synthetic_captions, "ensure_generated", fake_ensure)
    return made


# --------------------------------------------------------------------------- choosing the data


def test_auto_prefers_the_real_data_when_complete(fake_real, no_generation):
    folder, _ = fake_real
    assert captioning.resolve_coco() == (folder, "coco")
    assert no_generation == []


@pytest.mark.parametrize("value", ["coco", "real", "cifar10", "COCO"])
def test_values_meaning_the_real_data_choose_coco(fake_real, monkeypatch, value):
    folder, _ = fake_real
    monkeypatch.setenv("COURSE_DATASET", value)
    assert captioning.selected_dataset() == "coco"
    assert captioning.resolve_coco() == (folder, "coco")


def test_auto_falls_back_to_generated_when_real_is_incomplete(fake_real, no_generation):
    folder, _ = fake_real
    (folder / "val2014_vgg16_fc7_pca.h5").unlink()
    root = folder.parent
    assert captioning.resolve_coco() == (root / "generated" / "coco_captioning", "generated")
    assert no_generation == [root / "generated"]


def test_generated_is_used_when_asked_even_with_real_data(fake_real, monkeypatch, no_generation):
    monkeypatch.setenv("COURSE_DATASET", "generated")
    folder, name = captioning.resolve_coco()
    assert name == "generated" and folder.parent.name == "generated"


def test_asking_for_missing_real_data_says_how_to_get_it(tmp_path, monkeypatch, no_generation):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_DATASET", "coco")
    with pytest.raises(FileNotFoundError, match=r"get_datasets\.sh coco") as error:
        captioning.load_coco_data()
    assert f"{tmp_path / 'coco_captioning'} does not exist" in str(error.value)
    assert no_generation == [] and list(tmp_path.iterdir()) == []
    (tmp_path / "coco_captioning").mkdir()
    with pytest.raises(FileNotFoundError, match=r"lacks coco2014_captions\.h5, coco2014_vocab"):
        captioning.resolve_coco()


def test_unknown_dataset_name_is_an_error(monkeypatch):
    monkeypatch.setenv("COURSE_DATASET", "imagenet")
    with pytest.raises(ValueError, match="'imagenet' is not one of auto, generated, coco"):
        captioning.resolve_coco()


# --------------------------------------------------------------------------- loading


def test_loads_the_real_layout_with_its_values(fake_real, capsys):
    folder, written = fake_real
    data = captioning.load_coco_data()
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("Dataset: COCO 2014 captions")
    assert data["dataset"] == "COCO 2014 captions" and data["base_dir"] == str(folder)
    for split, (num_images, num_captions) in FAKE_SIZES.items():
        np.testing.assert_array_equal(data[f"{split}_captions"], written[f"{split}_captions"])
        np.testing.assert_array_equal(data[f"{split}_image_idxs"], written[f"{split}_image_idxs"])
        assert data[f"{split}_captions"].dtype == np.int32
        features = data[f"{split}_features"]
        assert features.shape == (num_images, 512) and features.dtype == np.float32
        np.testing.assert_array_equal(features[:, 0], 1000 + np.arange(num_images))
        assert data[f"{split}_urls"].tolist() == written[f"{split}_urls"]
    assert data["idx_to_word"] == FAKE_WORDS
    assert data["word_to_idx"]["mat"] == 7 and len(data["word_to_idx"]) == len(FAKE_WORDS)


def test_full_features_instead_of_pca(fake_real):
    folder, _ = fake_real
    data = captioning.load_coco_data(folder, pca_features=False, verbose=False)
    assert data["train_features"].shape == (6, 4096)
    np.testing.assert_array_equal(data["val_features"][:, -1], [0, 1, 2])


def test_max_train_is_a_reproducible_subset(fake_real):
    folder, written = fake_real
    first = captioning.load_coco_data(folder, max_train=4, verbose=False)
    again = captioning.load_coco_data(folder, max_train=4, verbose=False)
    other = [captioning.load_coco_data(folder, max_train=4, seed=s, verbose=False)
             for s in range(1, 6)]
    assert first["train_captions"].shape == (4, 17)
    np.testing.assert_array_equal(first["train_captions"], again["train_captions"])
    assert any(not np.array_equal(first["train_captions"], o["train_captions"]) for o in other)
    # Each kept caption is one of the originals, still paired with its own image,
    # and no caption is kept twice; the features and the val split are untouched.
    rows = {row.tobytes(): i for i, row in enumerate(written["train_captions"])}
    kept = [rows[row.tobytes()] for row in first["train_captions"]]
    assert len(set(kept)) == 4
    np.testing.assert_array_equal(first["train_image_idxs"], written["train_image_idxs"][kept])
    assert first["train_features"].shape == (6, 512)
    assert len(first["val_captions"]) == 4
    whole = captioning.load_coco_data(folder, max_train=1000, verbose=False)
    np.testing.assert_array_equal(whole["train_captions"], written["train_captions"])


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10"])
def test_bad_max_train_is_an_error(fake_real, bad):
    folder, _ = fake_real
    with pytest.raises((ValueError, TypeError)):
        captioning.load_coco_data(folder, max_train=bad, verbose=False)


def test_missing_folder_or_file_is_a_clear_error(fake_real, tmp_path):
    folder, _ = fake_real
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        captioning.load_coco_data(tmp_path / "nowhere", verbose=False)
    (folder / "train2014_urls.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"lacks train2014_urls\.txt.*get_datasets\.sh"):
        captioning.load_coco_data(folder, verbose=False)


def test_damaged_hdf5_file_is_a_clear_error(fake_real):
    folder, _ = fake_real
    path = folder / "coco2014_captions.h5"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"coco2014_captions\.h5 is damaged or not an HDF5 file"):
        captioning.load_coco_data(folder, verbose=False)


def test_file_without_the_expected_dataset_is_a_clear_error(fake_real):
    folder, _ = fake_real
    with h5py.File(folder / "val2014_vgg16_fc7_pca.h5", "w") as f:
        f.create_dataset("fc7", data=np.zeros((3, 512), dtype=np.float32))
    with pytest.raises(ValueError, match="has no dataset features"):
        captioning.load_coco_data(folder, verbose=False)


def test_arrays_that_do_not_fit_together_are_an_error(fake_real):
    folder, _ = fake_real
    with h5py.File(folder / "coco2014_captions.h5", "a") as f:
        f["val_image_idxs"][0] = 3  # only images 0..2 exist
    with pytest.raises(ValueError, match="image_idxs point outside the 3 images"):
        captioning.load_coco_data(folder, verbose=False)


def test_vocabulary_without_the_special_tokens_is_an_error(fake_real):
    folder, _ = fake_real
    words = ["a", "<NULL>", "<START>", "<END>", "<UNK>"]
    vocab = {"idx_to_word": words, "word_to_idx": {w: i for i, w in enumerate(words)}}
    (folder / "coco2014_vocab.json").write_text(json.dumps(vocab))
    with pytest.raises(ValueError, match="must start with <NULL>, <START>, <END>, <UNK>"):
        captioning.load_coco_data(folder, verbose=False)


def test_loads_the_generated_folder(generated_captions_root, generated_captions_folder,
                                    monkeypatch, capsys):
    monkeypatch.setenv("COURSE_DATA_DIR", str(generated_captions_root))
    monkeypatch.setenv("COURSE_DATASET", "generated")
    data = captioning.load_coco_data()
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "generated" in out and "get_datasets.sh coco" in out
    assert data["dataset"] == "generated captioning scenes (offline stand-in)"
    assert data["base_dir"] == str(generated_captions_folder)
    assert data["idx_to_word"][:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    for split in ("train", "val"):
        n_img = len(data[f"{split}_urls"])
        assert data[f"{split}_features"].shape == (n_img, 512)
        assert data[f"{split}_captions"].shape[1] == 17
        assert data[f"{split}_urls"][5] == f"generated:{split}/000005"
        assert np.all(data[f"{split}_captions"][:, 0] == 1)
    wide = captioning.load_coco_data(generated_captions_folder, pca_features=False, verbose=False)
    assert wide["train_features"].shape[1] > 512


# --------------------------------------------------------------------------- using the data


def test_decode_captions_of_known_sequences():
    words = FAKE_WORDS
    one = np.array([1, 4, 5, 6, 4, 7, 2, 0, 0])
    assert captioning.decode_captions(one, words) == "a cat on a mat"
    several = np.array([
        [1, 4, 8, 2, 5, 5],     # words after <END> are ignored
        [1, 4, 3, 0, 9, 2],     # <UNK> is shown, <NULL> skipped
        [4, 5, 6, 7, 8, 9],     # no <START>, no <END>: every word
        [1, 2, 4, 4, 4, 4],     # an empty caption
    ])
    assert captioning.decode_captions(several, words) == [
        "a dog", "a <UNK> sofa", "a cat on mat dog sofa", ""]
    assert captioning.decode_captions(several[:0], words) == []


@pytest.mark.parametrize("bad", [np.array([1, 10, 2]), np.array([1.0, 4.0, 2.0]),
                                 np.zeros((2, 2, 2), dtype=int), np.array([-1, 4])])
def test_decode_captions_rejects_what_is_not_a_caption(bad):
    with pytest.raises(ValueError):
        captioning.decode_captions(bad, FAKE_WORDS)


def test_minibatch_pairs_captions_with_their_images(fake_real):
    folder, written = fake_real
    data = captioning.load_coco_data(folder, verbose=False)
    rows = {row.tobytes(): i for i, row in enumerate(written["train_captions"])}
    captions, features, urls = captioning.sample_coco_minibatch(data, batch_size=7, seed=3)
    assert captions.shape == (7, 17) and features.shape == (7, 512) and urls.shape == (7,)
    picked = [rows[row.tobytes()] for row in captions]
    assert len(set(picked)) == 7  # drawn without replacement
    image_idxs = written["train_image_idxs"][picked]
    np.testing.assert_array_equal(features[:, 0], 1000 + image_idxs)
    assert urls.tolist() == [written["train_urls"][i] for i in image_idxs]

    again = captioning.sample_coco_minibatch(data, batch_size=7, seed=3)
    np.testing.assert_array_equal(again[0], captions)
    rng = np.random.default_rng(3)
    from_generator = captioning.sample_coco_minibatch(data, batch_size=7, seed=rng)
    np.testing.assert_array_equal(from_generator[0], captions)
    draws = {captioning.sample_coco_minibatch(data, 2, seed=s)[0].tobytes() for s in range(10)}
    assert len(draws) > 1

    val_captions, val_features, _ = captioning.sample_coco_minibatch(data, 4, split="val", seed=0)
    val_rows = {row.tobytes(): i for i, row in enumerate(written["val_captions"])}
    val_idxs = written["val_image_idxs"][[val_rows[r.tobytes()] for r in val_captions]]
    np.testing.assert_array_equal(val_features[:, 0], 1000 + val_idxs)


@pytest.mark.parametrize("kwargs", [dict(batch_size=11), dict(batch_size=0),
                                    dict(split="test"), dict(batch_size=2.5)])
def test_minibatch_rejects_bad_arguments(fake_real, kwargs):
    folder, _ = fake_real
    data = captioning.load_coco_data(folder, verbose=False)
    with pytest.raises(ValueError):
        captioning.sample_coco_minibatch(data, **kwargs)


def test_generated_pictures_come_from_the_generated_folder(generated_captions_folder):
    data = captioning.load_coco_data(generated_captions_folder, verbose=False)
    with h5py.File(generated_captions_folder / "generated_images.h5", "r") as f:
        expected_train, expected_val = f["train_images"][17], f["val_images"][-1]
    picture = captioning.load_caption_image(data, "train", 17)
    assert picture.dtype == np.uint8 and picture.shape == (48, 48, 3)
    np.testing.assert_array_equal(picture, expected_train)
    last = len(data["val_urls"]) - 1
    np.testing.assert_array_equal(captioning.load_caption_image(data, "val", last), expected_val)
    with pytest.raises(ValueError, match="image_idx"):
        captioning.load_caption_image(data, "val", last + 1)


class _PictureServer:
    """Serves one PNG at /picture.png on 127.0.0.1 and 404 elsewhere."""

    def __init__(self, payload):
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != "/picture.png":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_real_pictures_are_downloaded_or_skipped_with_a_notice(fake_real, capsys):
    from PIL import Image

    folder, _ = fake_real
    data = captioning.load_coco_data(folder, verbose=False)
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    png = io.BytesIO()
    Image.fromarray(pixels).save(png, format="PNG")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    data["train_urls"] = data["train_urls"].astype(object)  # room for longer addresses
    with _PictureServer(png.getvalue()) as server:
        data["train_urls"][:3] = [server.url("/picture.png"), server.url("/gone.jpg"),
                                  f"http://127.0.0.1:{closed}/x.jpg"]
        np.testing.assert_array_equal(captioning.load_caption_image(data, "train", 0), pixels)
        assert capsys.readouterr().out == ""
        assert captioning.load_caption_image(data, "train", 1) is None
        assert "Could not download" in capsys.readouterr().out
        assert captioning.load_caption_image(data, "train", 2, timeout=5) is None
        notice = capsys.readouterr().out
    assert notice.startswith(f"Could not download http://127.0.0.1:{closed}/x.jpg")
    assert "offline" in notice and notice.count("\n") == 1


def test_vocabulary_whose_two_halves_disagree_is_an_error(fake_real):
    folder, _ = fake_real
    word_to_idx = {w: i for i, w in enumerate(FAKE_WORDS)}
    word_to_idx["cat"], word_to_idx["dog"] = word_to_idx["dog"], word_to_idx["cat"]
    vocab = {"idx_to_word": FAKE_WORDS, "word_to_idx": word_to_idx}
    (folder / "coco2014_vocab.json").write_text(json.dumps(vocab))
    with pytest.raises(ValueError, match="idx_to_word and word_to_idx do not agree"):
        captioning.load_coco_data(folder, verbose=False)
