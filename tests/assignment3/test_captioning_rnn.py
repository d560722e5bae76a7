"""The captioning model: its loss against a loop written out here, its gradients against
numerical ones, sampling against a model built by hand, and overfitting a tiny set."""

import math

import numpy as np
import pytest

from a3.captioning_rnn import CaptioningRNN, pick_next_words
from cs_utils.gradient_check import eval_numerical_gradient, rel_error
from tests.margins import assert_within
from tests.published import assert_reproduces

WORDS = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat", "sits", "on", "the", "mat"]
WORD_TO_IDX = {word: i for i, word in enumerate(WORDS)}
NULL, START, END = 0, 1, 2
CELL_TYPES = ["rnn", "lstm", "gru"]


def rng(seed):
    return np.random.default_rng(seed)


def make_model(cell_type="rnn", dtype=np.float64, scale=None, seed=0, input_dim=5, wordvec_dim=4,
               hidden_dim=6, word_to_idx=WORD_TO_IDX):
    """A small model; with ``scale`` every parameter is redrawn from N(0, scale**2)."""
    np.random.seed(seed)
    model = CaptioningRNN(word_to_idx, input_dim=input_dim, wordvec_dim=wordvec_dim,
                          hidden_dim=hidden_dim, cell_type=cell_type, dtype=dtype)
    if scale is not None:
        for k, name in enumerate(sorted(model.params)):
            shape = model.params[name].shape
            model.params[name] = (scale * rng(100 + k).normal(size=shape)).astype(dtype)
    return model


def captions_with_padding():
    """Three captions of different lengths, (3, 7): <START> words <END> <NULL>..."""
    return np.array([[START, 4, 5, 6, 7, END, NULL],
                     [START, 5, 6, END, NULL, NULL, NULL],
                     [START, 8, 9, 4, 5, 6, END]])


# Construction ---------------------------------------------------------------------------

@pytest.mark.parametrize("cell_type, blocks", [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_parameter_shapes_and_dtype(cell_type, blocks):
    model = CaptioningRNN(WORD_TO_IDX, input_dim=5, wordvec_dim=4, hidden_dim=6,
                          cell_type=cell_type)
    V = len(WORDS)
    expected = {"W_proj": (5, 6), "b_proj": (6,), "W_embed": (V, 4), "Wx": (4, blocks * 6),
                "Wh": (6, blocks * 6), "b": (blocks * 6,), "W_vocab": (6, V), "b_vocab": (V,)}
    assert {name: p.shape for name, p in model.params.items()} == expected
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert (model.null_idx, model.start_idx, model.end_idx) == (NULL, START, END)
    assert model.idx_to_word == WORDS


def test_bad_cell_type_is_a_value_error():
    with pytest.raises(ValueError, match="cell_type"):
        CaptioningRNN(WORD_TO_IDX, cell_type="transformer")


def test_a_vocabulary_without_null_or_with_bad_indices_is_a_value_error():
    with pytest.raises(ValueError, match="<NULL>"):
        CaptioningRNN({"<START>": 0, "<END>": 1, "a": 2})
    with pytest.raises(ValueError, match="indices"):
        CaptioningRNN({"<NULL>": 0, "<START>": 1, "<END>": 1})
    with pytest.raises(ValueError, match="indices"):
        CaptioningRNN({"<NULL>": 0, "<START>": -1, "<END>": 2})


# The loss-check vocabulary of the CS231n-family notebooks: no <START> or <END>, and
# indices that are not 0, ..., V - 1.
LOSS_ONLY_VOCABULARY = {"<NULL>": 0, "cat": 2, "dog": 3}


def test_a_loss_only_vocabulary_serves_the_loss_and_sample_says_why_it_cannot():
    model = make_model("rnn", scale=0.5, word_to_idx=LOSS_ONLY_VOCABULARY)
    assert model.params["W_embed"].shape[0] == 3 and model.params["b_vocab"].shape == (3,)
    assert (model.null_idx, model.start_idx, model.end_idx) == (0, None, None)
    assert model.idx_to_word == ["<NULL>", None, "cat"]
    loss, grads = model.loss(rng(1).normal(size=(2, 5)), np.array([[1, 2, 0], [2, 1, 1]]))
    assert np.isfinite(loss) and set(grads) == set(model.params)
    with pytest.raises(ValueError) as excinfo:
        model.sample(np.zeros((2, 5)))
    message = str(excinfo.value)
    assert "<START>, <END>" in message and "0, ..., 2" in message and "loss only" in message


def test_sample_needs_the_indices_0_to_V_minus_1():
    model = make_model("rnn", word_to_idx={"<NULL>": 0, "<START>": 1, "<END>": 5})
    with pytest.raises(ValueError, match="does not use the indices 0, ..., 2") as excinfo:
        model.sample(np.zeros((1, 5)))
    assert "<START>" not in str(excinfo.value)


def test_captions_outside_the_vocabulary_are_a_value_error():
    model = make_model()
    for bad in (len(WORDS), -1):
        captions = captions_with_padding()
        captions[1, 2] = bad
        with pytest.raises(ValueError, match="word indices 0, ..., 9"):
            model.loss(np.zeros((3, 5)), captions)


@pytest.mark.parametrize("cell_type, feature_range, published", [
    ("rnn", (-1.5, 0.3), 9.83235591003),
    ("lstm", (-0.5, 1.7), 9.82445935443),
])
def test_the_published_captioning_loss_is_reproduced(cell_type, feature_range, published):
    """The captioning-loss checks of the CS231n-family notebooks, with their setup."""
    N, D, W, H, T = 10, 20, 30, 40, 13
    V = len(LOSS_ONLY_VOCABULARY)
    model = CaptioningRNN(LOSS_ONLY_VOCABULARY, input_dim=D, wordvec_dim=W, hidden_dim=H,
                          cell_type=cell_type, dtype=np.float64)
    for name, value in model.params.items():
        model.params[name] = np.linspace(-1.4, 1.3, num=value.size).reshape(value.shape)
    features = np.linspace(*feature_range, num=N * D).reshape(N, D)
    captions = (np.arange(N * T) % V).reshape(N, T)
    loss, _ = model.loss(features, captions)
    assert_reproduces(loss, published, decimals=11)


def test_bad_inputs_are_value_errors():
    model = make_model()
    with pytest.raises(ValueError, match="features"):
        model.loss(np.zeros((3, 4)), captions_with_padding())
    with pytest.raises(ValueError, match="captions"):
        model.loss(np.zeros((3, 5)), captions_with_padding()[:2])
    with pytest.raises(ValueError, match="captions"):
        model.loss(np.zeros((3, 5)), captions_with_padding().astype(float))
    with pytest.raises(ValueError, match="temperature"):
        model.sample(np.zeros((2, 5)), temperature=-1.0)
    with pytest.raises(ValueError, match="max_length"):
        model.sample(np.zeros((2, 5)), max_length=0)


# Loss -----------------------------------------------------------------------------------

def test_rnn_loss_against_a_loop_over_words():
    model = make_model("rnn", scale=0.5)
    p = model.params
    features = rng(1).normal(size=(3, 5))
    captions = captions_with_padding()
    loss, _ = model.loss(features, captions)

    total = 0.0
    for n in range(3):
        h = features[n:n + 1] @ p["W_proj"] + p["b_proj"]
        for t in range(captions.shape[1] - 1):
            target = captions[n, t + 1]
            h = np.tanh(p["W_embed"][captions[n, t]] @ p["Wx"] + h @ p["Wh"] + p["b"])
            if target == NULL:
                continue
            scores = (h @ p["W_vocab"] + p["b_vocab"])[0]
            total -= scores[target] - math.log(np.sum(np.exp(scores)))
    assert loss == pytest.approx(total / 3, rel=1e-12)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_initial_loss_is_log_vocabulary_size_per_word(cell_type):
    model = make_model(cell_type, dtype=np.float32, input_dim=20, wordvec_dim=16, hidden_dim=32)
    model.params["W_vocab"] *= 1e-3              # small weights: nearly uniform scores
    features = rng(1).normal(size=(3, 20))
    captions = captions_with_padding()
    loss, grads = model.loss(features, captions)
    words_predicted = np.sum(captions[:, 1:] != NULL)                # 5 + 3 + 6
    assert loss == pytest.approx(words_predicted / 3 * math.log(len(WORDS)), rel=1e-3)
    assert all(grads[name].dtype == np.float32 for name in model.params)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_padding_after_the_end_changes_nothing(cell_type):
    model = make_model(cell_type, scale=0.5)
    features = rng(1).normal(size=(1, 5))
    short = np.array([[START, 4, 5, END]])
    padded = np.array([[START, 4, 5, END, NULL, NULL, NULL]])
    loss_short, grads_short = model.loss(features, short)
    loss_padded, grads_padded = model.loss(features, padded)
    assert loss_padded == pytest.approx(loss_short, rel=1e-12)
    for name in model.params:
        np.testing.assert_allclose(grads_padded[name], grads_short[name], rtol=1e-10, atol=1e-14)


def error_relative_to_scale(analytic, numerical):
    """Largest difference over the largest magnitude of the array.

    The finite differences of a whole caption loss (about 12 nats) carry an absolute
    noise of a few 1e-10, so rel_error's entry-by-entry ratio exceeds 1e-7 wherever a
    gradient entry happens to be near zero (below about 1e-3), whatever the code. Taken
    relative to the array's scale, a correct gradient is within 1e-7 and a wrong one is
    off by far more.
    """
    scale = max(np.abs(analytic).max(), np.abs(numerical).max())
    return float(np.abs(analytic - numerical).max() / scale)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_loss_gradients_match_numerical(cell_type):
    model = make_model(cell_type, scale=0.4)
    features = rng(1).normal(size=(3, 5))
    captions = captions_with_padding()
    loss, grads = model.loss(features, captions)
    assert set(grads) == set(model.params)
    for name, param in model.params.items():
        numerical = eval_numerical_gradient(lambda _: model.loss(features, captions)[0], param,
                                            verbose=False)
        assert grads[name].shape == param.shape, name
        assert error_relative_to_scale(grads[name], numerical) < 1e-7, f"{cell_type} {name}"
        assert_within(rel_error(grads[name], numerical), 1e-4, f"{cell_type} {name}")


# Sampling ---------------------------------------------------------------------------------

# "a" -> "cat" -> "sits" -> <END>; <START> -> "a"; <END> -> "a" (so a caption that is not
# cut off after <END> goes on with "a").
SUCCESSOR = {START: 4, 4: 5, 5: 6, 6: END, END: 4}


def successor_model():
    """An RNN whose next word depends only on its input word, via SUCCESSOR.

    Word i's vector is 3 * e_i and the hidden state is tanh(x @ I) (no memory, h0 = 0),
    so h is about e_i; W_vocab sends e_i to a score of 10 for SUCCESSOR[i].
    """
    V = len(WORDS)
    model = CaptioningRNN(WORD_TO_IDX, input_dim=3, wordvec_dim=V, hidden_dim=V,
                          dtype=np.float64)
    W_vocab = np.zeros((V, V))
    for word, successor in SUCCESSOR.items():
        W_vocab[word, successor] = 10.0
    model.params.update(W_proj=np.zeros((3, V)), b_proj=np.zeros(V), W_embed=3 * np.eye(V),
                        Wx=np.eye(V), Wh=np.zeros((V, V)), b=np.zeros(V), W_vocab=W_vocab,
                        b_vocab=np.zeros(V))
    return model


def test_sample_feeds_back_its_own_words_and_pads_after_the_end():
    captions = successor_model().sample(rng(0).normal(size=(2, 3)), max_length=7)
    expected = [4, 5, 6, END, NULL, NULL, NULL]
    assert captions.shape == (2, 7) and captions.dtype.kind == "i"
    np.testing.assert_array_equal(captions, [expected, expected])


def test_sample_cut_short_by_max_length():
    captions = successor_model().sample(np.zeros((1, 3)), max_length=2)
    np.testing.assert_array_equal(captions, [[4, 5]])


def greedy_caption(model, feature, max_length):
    """One image's greedy caption, written out word by word with the model's own step."""
    p = model.params
    h = feature[None, :] @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    word, caption = START, []
    while len(caption) < max_length:
        h, c = model.step(p["W_embed"][[word]], h, c)
        word = int(np.argmax(h @ p["W_vocab"] + p["b_vocab"]))
        caption.append(word)
        if word == END:
            break
    return caption + [NULL] * (max_length - len(caption))


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_temperature_zero_is_greedy(cell_type):
    model = make_model(cell_type, dtype=np.float32, scale=1.0, hidden_dim=12)
    # Large word vectors and scores, <NULL> and <END> unlikely: long, varied captions.
    model.params["W_embed"] *= 2
    model.params["W_vocab"] *= 2
    model.params["b_vocab"][:] = 0
    model.params["b_vocab"][[NULL, END]] = -5
    features = rng(1).normal(size=(6, 5))
    captions = model.sample(features, max_length=8)
    assert len({tuple(c) for c in captions.tolist()}) == 6
    assert captions.shape == (6, 8)
    expected = [greedy_caption(model, f, 8) for f in features]
    np.testing.assert_array_equal(captions, expected)
    np.testing.assert_array_equal(model.sample(features, max_length=8, temperature=0.0, seed=5),
                                  expected)


def random_captions_model(cell_type):
    """A model whose word distributions are broad, with <END> likely enough to occur."""
    model = make_model(cell_type, scale=0.3)
    model.params["b_vocab"][END] = 1.0
    return model


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_sampling_with_a_temperature_is_reproducible_from_the_seed(cell_type):
    model = random_captions_model(cell_type)
    features = rng(1).normal(size=(8, 5))
    first = model.sample(features, max_length=10, temperature=1.0, seed=3)
    again = model.sample(features, max_length=10, temperature=1.0, seed=3)
    other = model.sample(features, max_length=10, temperature=1.0, seed=4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert not np.array_equal(first, model.sample(features, max_length=10))


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_sampled_captions_are_null_after_their_end(cell_type):
    model = random_captions_model(cell_type)
    captions = model.sample(rng(1).normal(size=(20, 5)), max_length=12, temperature=1.0, seed=0)
    ended_early = 0
    for caption in captions.tolist():
        if END in caption:
            end = caption.index(END)
            assert caption[end + 1:] == [NULL] * (len(caption) - end - 1)
            ended_early += end < len(caption) - 2
    assert ended_early >= 5                          # the check above was exercised


def test_pick_next_words_follows_the_tempered_distribution():
    V = 3
    scores = np.tile(np.log([1.0, 2.0, 4.0]), (40000, 1))
    for temperature, weights in [(1.0, [1, 2, 4]), (2.0, [1, 2 ** 0.5, 2]), (0.5, [1, 4, 16])]:
        words = pick_next_words(scores, temperature, np.random.default_rng(0))
        assert words.shape == (40000,) and words.min() >= 0 and words.max() < V
        frequencies = np.bincount(words, minlength=V) / len(words)
        np.testing.assert_allclose(frequencies, np.array(weights) / np.sum(weights), atol=0.01)


def test_pick_next_words_greedy_and_extreme_temperatures():
    scores = np.array([[0.0, 3.0, 1.0], [5.0, -1.0, 4.9]], dtype=np.float32)
    np.testing.assert_array_equal(pick_next_words(scores, 0.0, None), [1, 0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        cold = pick_next_words(scores, 1e-6, np.random.default_rng(0))
    np.testing.assert_array_equal(cold, [1, 0])
    hot = pick_next_words(np.tile(scores[:1], (30000, 1)), 1e6, np.random.default_rng(1))
    np.testing.assert_allclose(np.bincount(hot, minlength=3) / 30000, [1 / 3] * 3, atol=0.015)


# Overfitting a tiny set ----------------------------------------------------------------------

def adam_step(params, grads, state, learning_rate=1e-2, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update of every parameter, in place (state holds t, m and v)."""
    state["t"] = state.get("t", 0) + 1
    t = state["t"]
    for name, grad in grads.items():
        m = state.setdefault(("m", name), np.zeros_like(grad))
        v = state.setdefault(("v", name), np.zeros_like(grad))
        m[...] = beta1 * m + (1 - beta1) * grad
        v[...] = beta2 * v + (1 - beta2) * grad ** 2
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        params[name] -= learning_rate * m_hat / (np.sqrt(v_hat) + eps)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_small_model_overfits_a_tiny_captioning_set(cell_type):
    features = rng(7).normal(size=(4, 12)).astype(np.float32)
    captions = np.array([[START, 4, 5, 6, 7, 8, 9, END],
                         [START, 8, 5, 6, END, NULL, NULL, NULL],
                         [START, 4, 9, END, NULL, NULL, NULL, NULL],
                         [START, 5, 7, 4, 6, END, NULL, NULL]])
    model = make_model(cell_type, dtype=np.float32, input_dim=12, wordvec_dim=16, hidden_dim=32)
    state, losses = {}, []
    for _ in range(150):
        loss, grads = model.loss(features, captions)
        losses.append(loss)
        adam_step(model.params, grads, state)
    assert losses[0] > 10
    assert losses[-1] < 0.05, losses[-1]
    # A model that has learnt its four captions writes them back, word for word.
    np.testing.assert_array_equal(model.sample(features, max_length=7), captions[:, 1:])
