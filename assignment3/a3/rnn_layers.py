"""Recurrent layers, as pairs of functions: a forward pass and the backward pass next to it.

A recurrent network reads a sequence x_1, ..., x_T one element at a time and carries a
hidden state h_t from step to step. Every step applies the SAME weights:

    h_t = step(x_t, h_{t-1}; Wx, Wh, b)

so a layer over a whole sequence is a loop over a step function, and its backward pass
is a loop over the step's backward pass run from the last step to the first
("backpropagation through time"). Because the weights are shared, their gradient is
the SUM of the gradients of every step; and because h_t feeds both the output at time
t and the step t + 1, the gradient reaching h_t is the sum of those two paths.

As in Assignment 2, a forward function returns ``(out, cache)``, its backward function
takes the upstream gradient (the shape of ``out``) and that cache and returns the
gradients with respect to the forward inputs, and a loss returns ``(loss, dx)``.

Shapes: N sequences in a minibatch, T time steps, D input features per step, H hidden
units, V words in the vocabulary. Sequences are ``(N, T, ...)`` arrays, batch first.
"""

import numpy as np


def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)), elementwise, without overflow (provided).

    Inputs:
    - x: float array of any shape.

    Returns an array of the shape and dtype of x, with values in [0, 1].
    """
    x = np.asarray(x)
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    exp_x = np.exp(x[~positive])
    out[~positive] = exp_x / (1.0 + exp_x)
    return out


# Vanilla RNN -------------------------------------------------------------------------

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a vanilla RNN with a tanh nonlinearity:

        next_h = tanh(x @ Wx + prev_h @ Wh + b)

    Inputs:
    - x: (N, D) input of this time step.
    - prev_h: (N, H) hidden state of the previous time step.
    - Wx: (D, H) input-to-hidden weights.
    - Wh: (H, H) hidden-to-hidden weights.
    - b: (H,) biases.

    Returns a tuple:
    - next_h: (N, H) the new hidden state.
    - cache: (x, prev_h, Wx, Wh, next_h).
    """
    next_h = None
    # One line of numpy. Keep next_h: tanh's derivative is written in terms of its output.
    ### BEGIN SOLUTION
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    ### END SOLUTION
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward pass of one vanilla RNN step.

    Inputs:
    - dnext_h: (N, H) upstream gradient of next_h.
    - cache: (x, prev_h, Wx, Wh, next_h) from rnn_step_forward.

    Returns a tuple:
    - dx: (N, D) gradient with respect to x.
    - dprev_h: (N, H) gradient with respect to prev_h.
    - dWx: (D, H) gradient with respect to Wx.
    - dWh: (H, H) gradient with respect to Wh.
    - db: (H,) gradient with respect to b.
    """
    x, prev_h, Wx, Wh, next_h = cache
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    # First the gradient of the pre-activation a = x @ Wx + prev_h @ Wh + b, using
    # d tanh(a) / da = 1 - tanh(a)**2 = 1 - next_h**2; then a is an affine function of
    # x and of prev_h, as in affine_backward. b was added to all N rows.
    ### BEGIN SOLUTION
    da = dnext_h * (1 - next_h ** 2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = np.sum(da, axis=0)
    ### END SOLUTION
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN over whole sequences: rnn_step_forward at t = 0, ..., T - 1.

    The step at time t reads x[:, t, :] and the hidden state of step t - 1 (h0 for
    t = 0); its new hidden state is h[:, t, :].

    Inputs:
    - x: (N, T, D) input sequences.
    - h0: (N, H) initial hidden state.
    - Wx: (D, H) input-to-hidden weights.
    - Wh: (H, H) hidden-to-hidden weights.
    - b: (H,) biases.

    Returns a tuple:
    - h: (N, T, H) hidden states of every time step.
    - cache: a list of the T caches of rnn_step_forward, cache[t] for time step t.
    """
    h, cache = None, None
    # Loop over time with rnn_step_forward; each step's hidden state is the next
    # step's prev_h. Collect the T hidden states into h and the T step caches into
    # the cache list.
    ### BEGIN SOLUTION
    T = x.shape[1]
    prev_h = h0
    hidden_states, cache = [], []
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        hidden_states.append(prev_h)
        cache.append(step_cache)
    h = np.stack(hidden_states, axis=1)
    ### END SOLUTION
    return h, cache


def rnn_backward(dh, cache):
    """Backward pass of a vanilla RNN over whole sequences.

    Inputs:
    - dh: (N, T, H) upstream gradient of every hidden state h[:, t, :] (from the
      layers above, not including the path through the later time steps).
    - cache: the list of step caches from rnn_forward.

    Returns a tuple:
    - dx: (N, T, D) gradient with respect to the inputs x.
    - dh0: (N, H) gradient with respect to the initial hidden state h0.
    - dWx: (D, H) gradient with respect to Wx.
    - dWh: (H, H) gradient with respect to Wh.
    - db: (H,) gradient with respect to b.
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # Walk the steps backwards, t = T - 1, ..., 0, with rnn_step_backward. Pitfall:
    # h[:, t, :] was used twice in the forward pass (as an output and as the next
    # step's prev_h), so the gradient reaching it is dh[:, t, :] PLUS the dprev_h that
    # step t + 1 sent back. Wx, Wh and b are shared by all steps: add up their
    # gradients. dh0 is what the first step sends back.
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    _, _, Wx, Wh, _ = cache[0]
    dx_steps = [None] * T
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros(H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dh_t = dh[:, t, :] + dprev_h
        dx_steps[t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh_t, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dx = np.stack(dx_steps, axis=1)
    dh0 = dprev_h
    ### END SOLUTION
    return dx, dh0, dWx, dWh, db


# Word embeddings ---------------------------------------------------------------------

def word_embedding_forward(x, W):
    """Look up the vector of every word: out[n, t, :] = W[x[n, t], :].

    Words are integers 0 <= x[n, t] < V; row i of W is the learned vector of word i.

    Inputs:
    - x: (N, T) integer array of word indices.
    - W: (V, D) word vectors.

    Returns a tuple:
    - out: (N, T, D) the vector of every word.
    - cache: (x, W).
    """
    out = None
    # Integer array indexing does the whole lookup in one step, without a loop.
    ### BEGIN SOLUTION
    out = W[x]
    ### END SOLUTION
    cache = (x, W)
    return out, cache


def word_embedding_backward(dout, cache):
    """Backward pass of the word embedding lookup.

    Word vectors cannot be differentiated with respect to the integer indices, so the
    only gradient is the one of W.

    Inputs:
    - dout: (N, T, D) upstream gradient of out.
    - cache: (x, W) from word_embedding_forward.

    Returns:
    - dW: (V, D) gradient with respect to W; rows of words that do not occur are 0.
    """
    x, W = cache
    dW = None
    # Row W[i] receives dout[n, t] from every position where x[n, t] == i. Pitfall:
    # the same word usually occurs several times, and dW[x] += dout counts each
    # repeated index only ONCE. np.add.at accumulates every occurrence.
    ### BEGIN SOLUTION
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    ### END SOLUTION
    return dW


# LSTM --------------------------------------------------------------------------------

def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One time step of an LSTM.

    All four gates come from one affine function of the input and the previous hidden
    state, a = x @ Wx + prev_h @ Wh + b of shape (N, 4H), split along its second axis
    into four blocks of H columns, IN THIS ORDER:

        i = sigmoid(a[:, 0:H])        input gate
        f = sigmoid(a[:, H:2H])       forget gate
        o = sigmoid(a[:, 2H:3H])      output gate
        g = tanh(a[:, 3H:4H])         candidate values

    and then

        next_c = f * prev_c + i * g
        next_h = o * tanh(next_c)

    Inputs:
    - x: (N, D) input of this time step.
    - prev_h: (N, H) previous hidden state.
    - prev_c: (N, H) previous cell state.
    - Wx: (D, 4H) input-to-gates weights.
    - Wh: (H, 4H) hidden-to-gates weights.
    - b: (4H,) biases.

    Returns a tuple:
    - next_h: (N, H) new hidden state.
    - next_c: (N, H) new cell state.
    - cache: (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_next_c), where i, f, o, g and
      tanh_next_c = tanh(next_c) all have shape (N, H).
    """
    next_h, next_c, cache = None, None, None
    # Compute a once, slice it into the four gates in the order of the docstring (use
    # the sigmoid function above), then next_c and next_h. Keep the gate values for
    # the backward pass, as in the cache of the docstring.
    ### BEGIN SOLUTION
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    tanh_next_c = np.tanh(next_c)
    next_h = o * tanh_next_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_next_c)
    ### END SOLUTION
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of one LSTM step.

    Inputs:
    - dnext_h: (N, H) upstream gradient of next_h.
    - dnext_c: (N, H) upstream gradient of next_c.
    - cache: (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_next_c) from
      lstm_step_forward.

    Returns a tuple:
    - dx: (N, D) gradient with respect to x.
    - dprev_h: (N, H) gradient with respect to prev_h.
    - dprev_c: (N, H) gradient with respect to prev_c.
    - dWx: (D, 4H) gradient with respect to Wx.
    - dWh: (H, 4H) gradient with respect to Wh.
    - db: (4H,) gradient with respect to b.
    """
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_next_c = cache
    dx, dprev_h, dprev_c, dWx, dWh, db = None, None, None, None, None, None
    # Walk the formulas of lstm_step_forward backwards. Pitfall: next_c reaches the
    # loss along two paths, directly (dnext_c) and through next_h = o * tanh(next_c);
    # add both. Then the gradients of i, f, o, g, the gradient of a (sigmoid'(z) =
    # s * (1 - s), tanh'(z) = 1 - t**2, with the blocks back in the order i, f, o, g)
    # and finally the affine part, as in rnn_step_backward.
    ### BEGIN SOLUTION
    dnext_c_total = dnext_c + dnext_h * o * (1 - tanh_next_c ** 2)
    di = dnext_c_total * g
    df = dnext_c_total * prev_c
    do = dnext_h * tanh_next_c
    dg = dnext_c_total * i
    dprev_c = dnext_c_total * f
    da = np.concatenate([di * i * (1 - i),
                         df * f * (1 - f),
                         do * o * (1 - o),
                         dg * (1 - g ** 2)], axis=1)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = np.sum(da, axis=0)
    ### END SOLUTION
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """An LSTM over whole sequences: lstm_step_forward at t = 0, ..., T - 1.

    The initial hidden state h0 is an input; the initial cell state is zero. Only the
    hidden states are returned: the cell states stay inside the layer.

    Inputs:
    - x: (N, T, D) input sequences.
    - h0: (N, H) initial hidden state.
    - Wx: (D, 4H) input-to-gates weights.
    - Wh: (H, 4H) hidden-to-gates weights.
    - b: (4H,) biases.

    Returns a tuple:
    - h: (N, T, H) hidden states of every time step.
    - cache: a list of the T caches of lstm_step_forward, cache[t] for time step t.
    """
    h, cache = None, None
    # As rnn_forward, carrying the cell state along with the hidden state; the first
    # cell state is zeros of h0's shape.
    ### BEGIN SOLUTION
    T = x.shape[1]
    prev_h = h0
    prev_c = np.zeros_like(h0)
    hidden_states, cache = [], []
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        hidden_states.append(prev_h)
        cache.append(step_cache)
    h = np.stack(hidden_states, axis=1)
    ### END SOLUTION
    return h, cache


def lstm_backward(dh, cache):
    """Backward pass of an LSTM over whole sequences.

    Inputs:
    - dh: (N, T, H) upstream gradient of every hidden state h[:, t, :].
    - cache: the list of step caches from lstm_forward.

    Returns a tuple:
    - dx: (N, T, D) gradient with respect to the inputs x.
    - dh0: (N, H) gradient with respect to the initial hidden state h0.
    - dWx: (D, 4H) gradient with respect to Wx.
    - dWh: (H, 4H) gradient with respect to Wh.
    - db: (4H,) gradient with respect to b.
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # As rnn_backward, with a second quantity carried backwards: the gradient of the
    # cell state, zero after the last step (no loss reads the cell states directly).
    # The hidden state's gradient again adds dh[:, t, :] and what step t + 1 sent back.
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    _, _, _, Wx, Wh, _, _, _, _, _ = cache[0]
    dx_steps = [None] * T
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dh_t = dh[:, t, :] + dprev_h
        dx_steps[t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh_t, dprev_c, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dx = np.stack(dx_steps, axis=1)
    dh0 = dprev_h
    ### END SOLUTION
    return dx, dh0, dWx, dWh, db


# GRU (the extra) ---------------------------------------------------------------------

def gru_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a gated recurrent unit (GRU).

    The input part xa = x @ Wx + b and the hidden part ha = prev_h @ Wh, both of shape
    (N, 3H), are split along their second axis into three blocks of H columns, IN THIS
    ORDER: update gate z, reset gate r, candidate n. Then

        z = sigmoid(xa[:, 0:H]   + ha[:, 0:H])
        r = sigmoid(xa[:, H:2H]  + ha[:, H:2H])
        n = tanh(xa[:, 2H:3H] + r * ha[:, 2H:3H])
        next_h = (1 - z) * n + z * prev_h

    This is the variant used by cuDNN and PyTorch: the reset gate scales the hidden
    part of the candidate AFTER the product with Wh (the original paper applies it to
    prev_h before), and the single bias b sits on the input side. z close to 1 keeps
    the old state; z close to 0 replaces it by the candidate.

    Inputs:
    - x: (N, D) input of this time step.
    - prev_h: (N, H) previous hidden state.
    - Wx: (D, 3H) input weights.
    - Wh: (H, 3H) hidden weights.
    - b: (3H,) biases.

    Returns a tuple:
    - next_h: (N, H) new hidden state.
    - cache: (x, prev_h, Wx, Wh, z, r, n, hn), where z, r, n and the hidden part of the
      candidate hn = ha[:, 2H:3H] all have shape (N, H).
    """
    next_h, cache = None, None
    # Compute xa and ha once, slice them in the order z, r, n, then next_h. Pitfall:
    # r multiplies only the hidden part of the candidate, not the input part.
    ### BEGIN SOLUTION
    H = prev_h.shape[1]
    xa = x @ Wx + b
    ha = prev_h @ Wh
    z = sigmoid(xa[:, :H] + ha[:, :H])
    r = sigmoid(xa[:, H:2 * H] + ha[:, H:2 * H])
    hn = ha[:, 2 * H:]
    n = np.tanh(xa[:, 2 * H:] + r * hn)
    next_h = (1 - z) * n + z * prev_h
    cache = (x, prev_h, Wx, Wh, z, r, n, hn)
    ### END SOLUTION
    return next_h, cache


def gru_step_backward(dnext_h, cache):
    """Backward pass of one GRU step.

    Inputs:
    - dnext_h: (N, H) upstream gradient of next_h.
    - cache: (x, prev_h, Wx, Wh, z, r, n, hn) from gru_step_forward.

    Returns a tuple:
    - dx: (N, D) gradient with respect to x.
    - dprev_h: (N, H) gradient with respect to prev_h.
    - dWx: (D, 3H) gradient with respect to Wx.
    - dWh: (H, 3H) gradient with respect to Wh.
    - db: (3H,) gradient with respect to b.
    """
    x, prev_h, Wx, Wh, z, r, n, hn = cache
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    # Work out the gradients of z, n, r and of the pre-activations, then of xa and ha:
    # they share the blocks of z and r but differ in the candidate block (ha's is
    # scaled by r). Pitfall: prev_h reaches next_h directly (through z * prev_h) as
    # well as through ha; add both.
    ### BEGIN SOLUTION
    dz = dnext_h * (prev_h - n)
    dn = dnext_h * (1 - z)
    dn_pre = dn * (1 - n ** 2)
    dr = dn_pre * hn
    dz_pre = dz * z * (1 - z)
    dr_pre = dr * r * (1 - r)
    dxa = np.concatenate([dz_pre, dr_pre, dn_pre], axis=1)
    dha = np.concatenate([dz_pre, dr_pre, dn_pre * r], axis=1)
    dx = dxa @ Wx.T
    dWx = x.T @ dxa
    db = np.sum(dxa, axis=0)
    dprev_h = dnext_h * z + dha @ Wh.T
    dWh = prev_h.T @ dha
    ### END SOLUTION
    return dx, dprev_h, dWx, dWh, db


def gru_forward(x, h0, Wx, Wh, b):
    """A GRU over whole sequences: gru_step_forward at t = 0, ..., T - 1.

    Inputs:
    - x: (N, T, D) input sequences.
    - h0: (N, H) initial hidden state.
    - Wx: (D, 3H) input weights.
    - Wh: (H, 3H) hidden weights.
    - b: (3H,) biases.

    Returns a tuple:
    - h: (N, T, H) hidden states of every time step.
    - cache: a list of the T caches of gru_step_forward, cache[t] for time step t.
    """
    h, cache = None, None
    # The same loop as rnn_forward, with gru_step_forward.
    ### BEGIN SOLUTION
    T = x.shape[1]
    prev_h = h0
    hidden_states, cache = [], []
    for t in range(T):
        prev_h, step_cache = gru_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        hidden_states.append(prev_h)
        cache.append(step_cache)
    h = np.stack(hidden_states, axis=1)
    ### END SOLUTION
    return h, cache


def gru_backward(dh, cache):
    """Backward pass of a GRU over whole sequences.

    Inputs:
    - dh: (N, T, H) upstream gradient of every hidden state h[:, t, :].
    - cache: the list of step caches from gru_forward.

    Returns a tuple:
    - dx: (N, T, D) gradient with respect to the inputs x.
    - dh0: (N, H) gradient with respect to the initial hidden state h0.
    - dWx: (D, 3H) gradient with respect to Wx.
    - dWh: (H, 3H) gradient with respect to Wh.
    - db: (3H,) gradient with respect to b.
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # The same loop as rnn_backward, with gru_step_backward.
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    _, _, Wx, Wh, _, _, _, _ = cache[0]
    dx_steps = [None] * T
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros(3 * H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dh_t = dh[:, t, :] + dprev_h
        dx_steps[t], dprev_h, dWx_t, dWh_t, db_t = gru_step_backward(dh_t, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dx = np.stack(dx_steps, axis=1)
    dh0 = dprev_h
    ### END SOLUTION
    return dx, dh0, dWx, dWh, db


# Temporal affine layer and temporal softmax loss -------------------------------------

def temporal_affine_forward(x, w, b):
    """The same affine layer applied at every time step: out[:, t, :] = x[:, t, :] @ w + b.

    Inputs:
    - x: (N, T, D) input sequences.
    - w: (D, M) weights.
    - b: (M,) biases.

    Returns a tuple:
    - out: (N, T, M) output.
    - cache: (x, w, b).
    """
    out = None
    # Treat the N * T vectors as the rows of one (N * T, D) matrix: one product, no
    # loop over time. Then give the result its (N, T, M) shape.
    ### BEGIN SOLUTION
    N, T, D = x.shape
    out = (x.reshape(N * T, D) @ w + b).reshape(N, T, w.shape[1])
    ### END SOLUTION
    cache = (x, w, b)
    return out, cache


def temporal_affine_backward(dout, cache):
    """Backward pass of the temporal affine layer.

    Inputs:
    - dout: (N, T, M) upstream gradient.
    - cache: (x, w, b) from temporal_affine_forward.

    Returns a tuple:
    - dx: (N, T, D) gradient with respect to x.
    - dw: (D, M) gradient with respect to w.
    - db: (M,) gradient with respect to b.
    """
    x, w, b = cache
    dx, dw, db = None, None, None
    # As affine_backward on the (N * T, D) matrix of the forward pass; w and b were
    # used at every time step, so their gradients sum over both N and T.
    ### BEGIN SOLUTION
    N, T, D = x.shape
    M = w.shape[1]
    dout_rows = dout.reshape(N * T, M)
    dx = (dout_rows @ w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T @ dout_rows
    db = np.sum(dout_rows, axis=0)
    ### END SOLUTION
    return dx, dw, db


def temporal_softmax_loss(x, y, mask):
    """Softmax loss at every time step, counting only the steps that the mask keeps.

    Captions have different lengths and are padded to a common length T with a
    <NULL> word; the mask is False at the padding so that it neither adds to the loss
    nor receives any gradient. The loss is summed over time steps and averaged over
    the N sequences of the minibatch:

        loss = -(1 / N) * sum over n, t with mask[n, t] of log softmax(x[n, t])[y[n, t]]

    Inputs:
    - x: (N, T, V) scores of every word of the vocabulary at every time step.
    - y: (N, T) integer targets, 0 <= y[n, t] < V.
    - mask: (N, T) boolean array; mask[n, t] says whether step t of sequence n counts.

    Returns a tuple:
    - loss: the loss (float).
    - dx: (N, T, V) gradient of the loss with respect to x (zero where mask is False).
    """
    N, T, V = x.shape
    if np.shape(y) != (N, T) or np.shape(mask) != (N, T):
        raise ValueError(f"temporal_softmax_loss: scores of shape {x.shape} need targets "
                         f"and a mask of shape {(N, T)}, got {np.shape(y)} and "
                         f"{np.shape(mask)}")
    loss, dx = None, None
    # As softmax_loss of Assignment 2 on the (N * T, V) matrix of scores (shift each
    # row by its maximum before exponentiating), with two changes: multiply by the
    # mask so masked steps add nothing to the loss and get no gradient, and divide by
    # N (the number of sequences), not by N * T.
    ### BEGIN SOLUTION
    x_rows = x.reshape(N * T, V)
    y_rows = y.reshape(N * T)
    mask_rows = mask.reshape(N * T)
    rows = np.arange(N * T)
    shifted = x_rows - np.max(x_rows, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    correct_log_probs = log_probs[rows, y_rows] * mask_rows
    loss = -np.sum(correct_log_probs) / N
    dx_rows = np.exp(log_probs)
    dx_rows[rows, y_rows] -= 1
    dx_rows *= mask_rows[:, None]
    dx_rows /= N
    dx = dx_rows.reshape(N, T, V)
    ### END SOLUTION
    return float(loss), dx


# Gradient clipping -------------------------------------------------------------------

def clip_grad_norm(grads, max_norm):
    """Scale a set of gradients together so that their global L2 norm is at most max_norm.

    The global norm is the L2 norm of all gradients taken as one long vector,
    sqrt(sum over k of sum(grads[k]**2)). If it exceeds max_norm, every gradient is
    multiplied by the same factor max_norm / norm, which keeps the direction of the
    update and shrinks its length to max_norm; otherwise nothing changes. This is what
    keeps an exploding gradient from throwing the parameters far away in one step.

    Inputs:
    - grads: dict from parameter names to gradient arrays of any shapes.
    - max_norm: the largest allowed global norm (a positive number).

    Returns a tuple:
    - clipped_grads: dict with the keys of grads; NEW arrays of the same shapes and
      dtypes (the arrays of grads are left unchanged).
    - total_norm: the global norm BEFORE clipping (float).
    """
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm: max_norm must be a positive number, got {max_norm!r}")
    clipped_grads, total_norm = None, None
    # One norm for all gradients together (not one per array). Scale only when it is
    # above max_norm, and build new arrays: never modify the arrays of grads in place.
    ### BEGIN SOLUTION
    total_norm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64))
                                   for g in grads.values())))
    scale = 1.0
    if total_norm > max_norm:
        scale = max_norm / total_norm
    clipped_grads = {name: g * scale for name, g in grads.items()}
    ### END SOLUTION
    return clipped_grads, total_norm
