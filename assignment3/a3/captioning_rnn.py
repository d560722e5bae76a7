"""An image-captioning model: a recurrent network that writes a sentence about an image.

The image enters as a feature vector (from a convolutional network trained on another
task) and becomes the recurrent network's initial hidden state. The caption is a
sequence of word indices that starts with <START> and ends with <END>, padded with
<NULL> to a common length. In training the network reads the true caption one word
at a time and, at every step, scores every word of the vocabulary as the next one:

    features --affine--> h0
    captions[:, :-1] --embedding--> x --RNN / LSTM / GRU (from h0)--> h
    h --temporal affine--> scores --masked softmax loss against captions[:, 1:]

Feeding the true previous word during training is called teacher forcing. At test
time there is no true caption: the network starts from <START> and feeds back the
word it chose itself, one step at a time (``sample``).

Special words (the same in the real COCO vocabulary): <NULL> = 0, <START> = 1,
<END> = 2, <UNK> = 3 (a word that is not in the vocabulary). The loss needs only
<NULL> (it masks the padding), so a small made-up vocabulary such as
{'<NULL>': 0, 'cat': 2, 'dog': 3} is enough to check it; sampling needs <START>, <END>
and the indices 0, ..., V - 1.
"""

import numpy as np

from cs_utils.checks import integer_at_least

from .rnn_layers import (gru_backward, gru_forward, gru_step_forward, lstm_backward, lstm_forward,
                         lstm_step_forward, rnn_backward, rnn_forward, rnn_step_forward,
                         temporal_affine_backward, temporal_affine_forward, temporal_softmax_loss,
                         word_embedding_backward, word_embedding_forward)

# For each cell type: how many blocks of H columns Wx, Wh and b have, and the layer
# over whole sequences as (forward, backward).
GATE_BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}
SEQUENCE_LAYERS = {
    "rnn": (rnn_forward, rnn_backward),
    "lstm": (lstm_forward, lstm_backward),
    "gru": (gru_forward, gru_backward),
}
# The words sample needs besides <NULL>: it starts from <START> and stops at <END>.
SAMPLING_WORDS = ("<START>", "<END>")


def pick_next_words(scores, temperature, rng):
    """Choose the next word of every sequence from its scores.

    With temperature 0 the choice is greedy: the highest-scoring word. With a
    temperature T > 0 the word is drawn at random from the distribution
    softmax(scores / T): a small T sharpens it towards the greedy choice, T = 1 is the
    model's own distribution, a large T flattens it towards uniform.

    Inputs:
    - scores: (N, V) scores of every word of the vocabulary, for N sequences.
    - temperature: a number >= 0.
    - rng: a numpy random Generator (np.random.default_rng(seed)); the only source of
      randomness, so the same seed gives the same words.

    Returns:
    - words: (N,) integer array of word indices.
    """
    if not temperature >= 0:
        raise ValueError(f"temperature must be a number >= 0, got {temperature!r}")
    words = None
    # Temperature 0: argmax of each row. Otherwise compute the probabilities in
    # float64, shifting each row of scores / temperature by its maximum before
    # exponentiating (a small temperature makes the scores huge). One uniform number
    # u per row picks the first word whose cumulative probability reaches u; a word
    # index can never be V or more.
    ### BEGIN SOLUTION
    if temperature == 0:
        words = np.argmax(scores, axis=1)
    else:
        logits = np.asarray(scores, dtype=np.float64) / temperature
        logits -= np.max(logits, axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= np.sum(probs, axis=1, keepdims=True)
        u = rng.random((scores.shape[0], 1))
        words = np.sum(np.cumsum(probs, axis=1) < u, axis=1)
        words = np.minimum(words, scores.shape[1] - 1)
    ### END SOLUTION
    return words


class CaptioningRNN:
    """Writes captions for image features with a vanilla RNN, an LSTM or a GRU.

    Sizes: N images per minibatch, D = input_dim image features, W = wordvec_dim
    numbers per word vector, H = hidden_dim hidden units, V = len(word_to_idx) words,
    captions of T + 1 words (T inputs and T targets).

    Attributes:
    - params: dict of the learnable parameters, with G = 1 for 'rnn', 4 for 'lstm'
      and 3 for 'gru':
      - 'W_proj' (D, H), 'b_proj' (H,): image features to the initial hidden state;
      - 'W_embed' (V, W): the word vectors;
      - 'Wx' (W, G * H), 'Wh' (H, G * H), 'b' (G * H,): the recurrent layer;
      - 'W_vocab' (H, V), 'b_vocab' (V,): hidden states to word scores.
    - cell_type: 'rnn', 'lstm' or 'gru'.
    - word_to_idx: dict from words to indices (0, ..., V - 1 in a captioning
      vocabulary); idx_to_word: list of V entries, idx_to_word[i] the word of index i
      (None where word_to_idx has no word of that index).
    - null_idx, start_idx, end_idx: the indices of <NULL>, <START> and <END> (None for
      a word the vocabulary lacks).
    - dtype: numpy type of the parameters and computations.
    """

    def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128, hidden_dim=128,
                 cell_type="rnn", dtype=np.float32):
        """Initialize a model; the weights come from numpy's global generator.

        Inputs:
        - word_to_idx: dict from each of the V words to its index, distinct integers
          >= 0. The loss needs <NULL>; sample also needs <START>, <END> and the
          indices 0, ..., V - 1, and says what is missing.
        - input_dim: D, the size of an image feature vector.
        - wordvec_dim: W, the size of a word vector.
        - hidden_dim: H, the size of the hidden state.
        - cell_type: 'rnn', 'lstm' or 'gru'.
        - dtype: np.float32 to train, np.float64 for gradient checks.
        """
        if cell_type not in SEQUENCE_LAYERS:
            raise ValueError(f"cell_type must be one of {tuple(SEQUENCE_LAYERS)}, "
                             f"not {cell_type!r}")
        if "<NULL>" not in word_to_idx:
            raise ValueError("the vocabulary has no <NULL>: the loss needs it to mask the "
                             "padding of the captions")
        indices = list(word_to_idx.values())
        if (not all(isinstance(i, (int, np.integer)) and i >= 0 for i in indices)
                or len(set(indices)) != len(indices)):
            raise ValueError("the indices of word_to_idx must be distinct integers >= 0")
        vocab_size = len(word_to_idx)
        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = dict(word_to_idx)
        self.idx_to_word = [None] * vocab_size
        for word, index in word_to_idx.items():
            if index < vocab_size:
                self.idx_to_word[index] = word
        self.null_idx = word_to_idx["<NULL>"]
        self.start_idx = word_to_idx.get("<START>")
        self.end_idx = word_to_idx.get("<END>")

        V, D, W, H = vocab_size, input_dim, wordvec_dim, hidden_dim
        G = GATE_BLOCKS[cell_type]
        # Word vectors start small; each weight matrix is scaled by 1 / sqrt(fan_in) so
        # that hidden states and scores start at a moderate size; biases start at zero.
        self.params = {
            "W_proj": np.random.randn(D, H) / np.sqrt(D),
            "b_proj": np.zeros(H),
            "W_embed": np.random.randn(V, W) / 100,
            "Wx": np.random.randn(W, G * H) / np.sqrt(W),
            "Wh": np.random.randn(H, G * H) / np.sqrt(H),
            "b": np.zeros(G * H),
            "W_vocab": np.random.randn(H, V) / np.sqrt(H),
            "b_vocab": np.zeros(V),
        }
        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def _sampling_vocabulary_problems(self):
        """What keeps sample from using this vocabulary (empty if nothing does).

        Returns a list of phrases about word_to_idx: the missing <START> or <END>, and
        indices other than 0, ..., V - 1 (sample writes the indices of the model's V
        score rows, which must name the words).
        """
        problems = []
        missing = [word for word in SAMPLING_WORDS if word not in self.word_to_idx]
        if missing:
            problems.append(f"has no {', '.join(missing)}")
        V = len(self.word_to_idx)
        if sorted(self.word_to_idx.values()) != list(range(V)):
            problems.append(f"does not use the indices 0, ..., {V - 1}")
        return problems

    def _check_features(self, features):
        """features as a (N, D) array of the model's dtype, or a clear ValueError."""
        features = np.asarray(features)
        D = self.params["W_proj"].shape[0]
        if features.ndim != 2 or features.shape[1] != D:
            raise ValueError(f"features must have shape (N, {D}), got {features.shape}")
        return features.astype(self.dtype, copy=False)

    def loss(self, features, captions):
        """Training loss and gradients for a minibatch of images and their captions.

        The input words are captions[:, :-1] and the targets captions[:, 1:]: at every
        step the model is asked for the next word. Targets that are <NULL> (padding)
        are masked out of the loss.

        Inputs:
        - features: (N, D) image features.
        - captions: (N, T + 1) integer word indices, each row <START> ... <END> <NULL>...

        Returns a tuple:
        - loss: the temporal softmax loss, summed over time and averaged over N (float).
        - grads: dict with the keys of self.params; grads[k] is the gradient of the
          loss with respect to self.params[k], of the same shape.
        """
        features = self._check_features(features)
        captions = np.asarray(captions)
        if (captions.ndim != 2 or captions.shape[0] != features.shape[0]
                or captions.shape[1] < 2 or captions.dtype.kind not in "iu"):
            raise ValueError(f"captions must be integers of shape ({features.shape[0]}, T + 1) "
                             f"with T >= 1, got {captions.dtype} {captions.shape}")
        V = self.params["W_embed"].shape[0]
        if captions.min() < 0 or captions.max() >= V:
            raise ValueError(f"captions must hold word indices 0, ..., {V - 1} (the model "
                             f"has {V} words), got {captions.min()} to {captions.max()}")
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != self.null_idx

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]
        sequence_forward, sequence_backward = SEQUENCE_LAYERS[self.cell_type]

        loss, grads = 0.0, {}
        # Forward: (1) h0 = features @ W_proj + b_proj, (N, H); (2) the word vectors of
        # captions_in, (N, T, W); (3) sequence_forward from h0 (the RNN, LSTM or GRU
        # layer of self.cell_type), (N, T, H); (4) temporal_affine_forward to word
        # scores, (N, T, V); (5) temporal_softmax_loss against captions_out with mask.
        # Backward: the same layers in reverse order, each with its backward function;
        # the gradient of h0 gives those of W_proj and b_proj.
        ### BEGIN SOLUTION
        h0 = features @ W_proj + b_proj
        word_vectors, embed_cache = word_embedding_forward(captions_in, W_embed)
        h, sequence_cache = sequence_forward(word_vectors, h0, Wx, Wh, b)
        scores, vocab_cache = temporal_affine_forward(h, W_vocab, b_vocab)
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

        dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, vocab_cache)
        dword_vectors, dh0, grads["Wx"], grads["Wh"], grads["b"] = sequence_backward(
            dh, sequence_cache)
        grads["W_embed"] = word_embedding_backward(dword_vectors, embed_cache)
        grads["W_proj"] = features.T @ dh0
        grads["b_proj"] = np.sum(dh0, axis=0)
        ### END SOLUTION
        return float(loss), grads

    def step(self, x, prev_h, prev_c):
        """One time step of the model's recurrent cell (provided, for sample).

        Inputs:
        - x: (N, W) word vectors of this step.
        - prev_h: (N, H) previous hidden state.
        - prev_c: (N, H) previous cell state; only the LSTM has one, the other cells
          pass it through unchanged.

        Returns a tuple (next_h, next_c), both (N, H).
        """
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        if self.cell_type == "lstm":
            next_h, next_c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
            return next_h, next_c
        step_forward = gru_step_forward if self.cell_type == "gru" else rnn_step_forward
        next_h, _ = step_forward(x, prev_h, Wx, Wh, b)
        return next_h, prev_c

    def sample(self, features, max_length=30, temperature=0.0, seed=None):
        """Write a caption for each image, one word at a time.

        The first input word is <START>; at every later step the input is the word the
        model chose at the step before (its OWN word, not a true caption). Each word
        is chosen by pick_next_words: greedily with temperature 0, drawn from
        softmax(scores / temperature) otherwise. Once a caption has produced <END>,
        its remaining positions are <NULL>.

        Inputs:
        - features: (N, D) image features.
        - max_length: the number of words to produce, L.
        - temperature: 0 for greedy captions, > 0 for random ones.
        - seed: seed of the random generator used with temperature > 0 (None: a
          different draw every call).

        Returns:
        - captions: (N, L) integer word indices (without the leading <START>).

        Raises ValueError for a vocabulary without <START> or <END>, or whose indices
        are not 0, ..., V - 1 (one that serves the loss only).
        """
        problems = self._sampling_vocabulary_problems()
        if problems:
            raise ValueError(f"sample needs a captioning vocabulary, but this model's "
                             f"word_to_idx {' and '.join(problems)}: such a vocabulary "
                             f"serves the loss only")
        features = self._check_features(features)
        max_length = integer_at_least(max_length, "max_length")
        if not temperature >= 0:
            raise ValueError(f"temperature must be a number >= 0, got {temperature!r}")
        rng = np.random.default_rng(seed)
        N = features.shape[0]
        captions = np.full((N, max_length), self.null_idx, dtype=np.int32)

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]
        # Start from h0 as in loss, a zero cell state (np.zeros_like(h0)) and the input
        # word <START> for every image. At each of the max_length steps: look up the
        # vectors of the input words, advance the cell with self.step, score the
        # vocabulary, choose the next words with pick_next_words(scores, temperature,
        # rng), and write them into captions unless that caption has already ended.
        # Pitfall: the chosen words are the next step's input words.
        ### BEGIN SOLUTION
        h = features @ W_proj + b_proj
        c = np.zeros_like(h)
        words = np.full(N, self.start_idx)
        finished = np.zeros(N, dtype=bool)
        for t in range(max_length):
            x = W_embed[words]
            h, c = self.step(x, h, c)
            scores = h @ W_vocab + b_vocab
            next_words = pick_next_words(scores, temperature, rng)
            captions[:, t] = np.where(finished, self.null_idx, next_words)
            finished |= next_words == self.end_idx
            words = next_words
        ### END SOLUTION
        return captions
