"""Tests for cs_utils.captioning_solver.CaptioningSolver, on a tiny made-up captioning set."""

import types

import numpy as np
import pytest

from cs_utils.captioning_solver import CaptioningSolver
from cs_utils.optim import adam
from cs_utils.solver import Solver, sgd
from tests.conftest import add_assignment_to_path

add_assignment_to_path("assignment3")
from a3.captioning_rnn import CaptioningRNN  # noqa: E402  (needs the path above)

WORDS = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "dog", "cat", "runs", "sleeps", "red"]
NULL, START, END = 0, 1, 2


def tiny_coco_data(num_images=6, captions_per_image=2, feature_dim=8, seed=0):
    """A data dict with the keys and dtypes of load_coco_data's, of made-up captions.

    Caption k describes image k % num_images, and its first word encodes that image
    (word 4 + image), so a minibatch's captions and features can be matched up.
    """
    generator = np.random.default_rng(seed)
    num_captions = num_images * captions_per_image
    image_idxs = np.arange(num_captions) % num_images
    captions = np.full((num_captions, 7), NULL, dtype=np.int32)
    for k, image in enumerate(image_idxs):
        length = 2 + k % 3
        words = [4 + image] + list(generator.integers(4, len(WORDS), size=length - 1))
        captions[k, :length + 2] = [START, *words, END]
    features = generator.normal(size=(num_images, feature_dim)).astype(np.float32)
    features[:, 0] = np.arange(num_images)      # feature 0 of an image is its index
    return {
        "train_captions": captions, "train_image_idxs": image_idxs, "train_features": features,
        "val_captions": captions[:4], "val_image_idxs": image_idxs[:4], "val_features": features,
        "idx_to_word": list(WORDS), "word_to_idx": {w: i for i, w in enumerate(WORDS)},
        "train_urls": np.array([f"image{i}.png" for i in range(num_images)]),
        "val_urls": np.array([f"image{i}.png" for i in range(num_images)]),
        "dataset": "tiny made-up captions (tests)",
    }


def small_model(data, cell_type="rnn"):
    np.random.seed(0)
    return CaptioningRNN(data["word_to_idx"], input_dim=data["train_features"].shape[1],
                         wordvec_dim=8, hidden_dim=16, cell_type=cell_type)


class BatchRecorder:
    """A model that learns nothing and records every minibatch it is given."""

    def __init__(self):
        self.params = {"w": np.zeros(1)}
        self.batches = []

    def loss(self, features, captions):
        self.batches.append((features.copy(), captions.copy()))
        return 1.0, {"w": np.zeros(1)}


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_training_lowers_the_loss(cell_type):
    data = tiny_coco_data()
    solver = CaptioningSolver(small_model(data, cell_type), data, update_rule="adam",
                              optim_config={"learning_rate": 2e-2}, batch_size=6,
                              num_epochs=40, verbose=False, seed=0)
    assert solver.update_rule is adam
    solver.train()
    history = solver.loss_history
    assert len(history) == 40 * (12 // 6)
    assert np.mean(history[-5:]) < 0.25 * np.mean(history[:5])


def test_adam_is_known_by_name_only_to_the_captioning_solver():
    data = tiny_coco_data()
    assert CaptioningSolver(BatchRecorder(), data, update_rule="adam").update_rule is adam
    classification = {"X_train": np.zeros((4, 2)), "y_train": np.zeros(4, dtype=int),
                      "X_val": np.zeros((2, 2)), "y_val": np.zeros(2, dtype=int)}
    with pytest.raises(ValueError, match="'adam'"):
        Solver(BatchRecorder(), classification, update_rule="adam")
    with pytest.raises(ValueError, match="'rmsprop'.*the rules CaptioningSolver provides: 'sgd', 'adam'"):
        CaptioningSolver(BatchRecorder(), data, update_rule="rmsprop")


def test_names_are_looked_up_in_the_students_package_first_then_in_cs_utils_optim():
    data = tiny_coco_data()
    model = small_model(data)
    # Assignment 3's package has no optim module: the message says so, and "adam" is
    # the one cs_utils.optim provides.
    with pytest.raises(ValueError, match=r"a3\.optim \(no such module\); the rules "
                                         r"CaptioningSolver provides: 'sgd', 'adam'"):
        CaptioningSolver(model, data, update_rule="rmsprop")
    assert CaptioningSolver(model, data, update_rule="adam").update_rule is adam
    # An optim_module given is searched first.
    own = types.ModuleType("own_optim")
    own.adam = lambda w, dw, config=None: (w, config)
    solver = CaptioningSolver(model, data, update_rule="adam", optim_module=own)
    assert solver.update_rule is own.adam


def test_history_length_and_the_last_parameters_are_kept():
    data = tiny_coco_data()
    last_update = {}

    def recording_sgd(w, dw, config):
        next_w, config = sgd(w, dw, config)
        last_update[id(config)] = next_w
        return next_w, config

    model = small_model(data)
    solver = CaptioningSolver(model, data, update_rule=recording_sgd,
                              optim_config={"learning_rate": 0.1}, batch_size=5, num_epochs=3,
                              verbose=False, seed=1)
    solver.train()
    assert len(solver.loss_history) == 3 * (12 // 5)
    # No accuracy, no "best" epoch: the model keeps the parameters of the last update.
    assert solver.best_epoch is None
    for name, config in solver.optim_configs.items():
        assert model.params[name] is last_update[id(config)]

    big_batch = CaptioningSolver(small_model(data), data, batch_size=50, num_epochs=2,
                                 verbose=False, seed=1)
    big_batch.train()
    assert len(big_batch.loss_history) == 2          # at least one iteration per epoch


def test_minibatches_pair_captions_with_their_images_and_follow_the_seed():
    data = tiny_coco_data()

    def batches(seed):
        model = BatchRecorder()
        CaptioningSolver(model, data, batch_size=4, num_epochs=2, verbose=False,
                         seed=seed).train()
        return model.batches

    first, again, other = batches(3), batches(3), batches(4)
    assert len(first) == 2 * (12 // 4)
    for features, captions in first:
        assert features.shape == (4, 8) and captions.shape == (4, 7)
        assert np.all(captions[:, 0] == START)
        # The first word of each caption names its image; feature 0 is the image index.
        np.testing.assert_array_equal(captions[:, 1] - 4, features[:, 0])
    for (f1, c1), (f2, c2) in zip(first, again):
        np.testing.assert_array_equal(c1, c2)
        np.testing.assert_array_equal(f1, f2)
    assert any(not np.array_equal(c1, c2) for (_, c1), (_, c2) in zip(first, other))


def test_without_a_seed_the_global_generator_decides():
    data = tiny_coco_data()

    def captions_seen(global_seed):
        np.random.seed(global_seed)
        model = BatchRecorder()
        CaptioningSolver(model, data, batch_size=4, num_epochs=1, verbose=False).train()
        return [c for _, c in model.batches]

    np.testing.assert_array_equal(captions_seen(0), captions_seen(0))
    assert not np.array_equal(captions_seen(0), captions_seen(1))


def test_the_update_rule_and_learning_rate_decay_are_the_solvers():
    data = tiny_coco_data()
    solver = CaptioningSolver(BatchRecorder(), data, optim_config={"learning_rate": 0.2},
                              lr_decay=0.5, batch_size=6, num_epochs=3, verbose=False)
    assert solver.update_rule is sgd
    solver.train()
    assert solver.optim_configs["w"]["learning_rate"] == pytest.approx(0.2 * 0.5 ** 3)


def test_progress_output(capsys):
    data = tiny_coco_data()
    CaptioningSolver(BatchRecorder(), data, batch_size=4, num_epochs=2, print_every=2,
                     verbose=True, seed=0).train()
    out, err = capsys.readouterr()
    assert err == ""
    assert "(Iteration 1 / 6) loss: 1.000000" in out and "(Iteration 3 / 6)" in out
    assert "(Iteration 2 / 6)" not in out
    assert "(Epoch 1 / 2) mean training loss: 1.000000" in out and "(Epoch 2 / 2)" in out
    assert "6/6" in out                               # the text progress bar, on stdout
    assert "accuracy" not in out


def test_verbose_false_prints_nothing(capsys):
    data = tiny_coco_data()
    CaptioningSolver(BatchRecorder(), data, batch_size=4, num_epochs=2, verbose=False,
                     seed=0).train()
    assert capsys.readouterr() == ("", "")


def test_unknown_options_are_named_with_the_accepted_ones():
    data = tiny_coco_data()
    with pytest.raises(TypeError) as excinfo:
        CaptioningSolver(BatchRecorder(), data, learning_rate=1e-3, num_val_samples=10)
    message = str(excinfo.value)
    assert "CaptioningSolver" in message
    assert "learning_rate" in message and "num_val_samples" in message
    accepted = message.split("accepted options are:")[1]
    for option in ("update_rule", "optim_config", "lr_decay", "batch_size", "num_epochs",
                   "print_every", "verbose", "seed"):
        assert option in accepted
    assert "checkpoint_name" not in accepted and "num_train_samples" not in accepted


def test_bad_data_is_named():
    data = tiny_coco_data()
    del data["train_image_idxs"]
    with pytest.raises(KeyError, match="train_image_idxs"):
        CaptioningSolver(BatchRecorder(), data)
    data = tiny_coco_data()
    data["train_image_idxs"] = data["train_image_idxs"][:-1]
    with pytest.raises(ValueError, match="one image index per caption"):
        CaptioningSolver(BatchRecorder(), data)
    data = tiny_coco_data()
    data["train_image_idxs"] = data["train_image_idxs"] + 1
    with pytest.raises(ValueError, match="6 rows of train_features"):
        CaptioningSolver(BatchRecorder(), data)
    with pytest.raises(ValueError, match="batch_size"):
        CaptioningSolver(BatchRecorder(), tiny_coco_data(), batch_size=0)
