"""Layers as pairs of functions: a forward pass and the backward pass next to it.

A forward function returns ``(out, cache)``; its backward function takes the upstream
gradient ``dout`` (the shape of ``out``) and that cache, and returns the gradients with
respect to the forward inputs. A loss function returns ``(loss, dx)``.

Images are ``(N, C, H, W)`` arrays: N examples, C channels, H rows, W columns.
"""

import numpy as np


# Affine, ReLU and softmax (as in Assignment 1) ---------------------------------------

def affine_forward(x, w, b):
    """Forward pass of an affine (fully-connected) layer: out = x @ w + b.

    An input with more than two dimensions, (N, d_1, ..., d_k), is treated as N rows
    of D = d_1 * ... * d_k numbers.

    Inputs:
    - x: (N, d_1, ..., d_k) input.
    - w: (D, M) weights.
    - b: (M,) biases.

    Returns a tuple:
    - out: (N, M) output.
    - cache: (x, w, b).
    """
    out = None
    # As in Assignment 1 (you may bring your code from a1/layers.py): reshape x to
    # (N, D) without changing x itself, then multiply and add b.
    ### BEGIN SOLUTION
    out = x.reshape(x.shape[0], -1) @ w + b
    ### END SOLUTION
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of an affine layer.

    Inputs:
    - dout: (N, M) upstream gradient.
    - cache: (x, w, b) from affine_forward, with x of shape (N, d_1, ..., d_k),
      w (D, M) and b (M,).

    Returns a tuple:
    - dx: (N, d_1, ..., d_k) gradient with respect to x.
    - dw: (D, M) gradient with respect to w.
    - db: (M,) gradient with respect to b.
    """
    x, w, b = cache
    dx, dw, db = None, None, None
    # As in Assignment 1. dx must be reshaped back to x's shape, and b was added to
    # all N rows.
    ### BEGIN SOLUTION
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = np.sum(dout, axis=0)
    ### END SOLUTION
    return dx, dw, db


def relu_forward(x):
    """Forward pass of a layer of rectified linear units: out = max(0, x) elementwise.

    Inputs:
    - x: input of any shape.

    Returns a tuple:
    - out: output, of the shape of x.
    - cache: x.
    """
    out = None
    # As in Assignment 1: elementwise maximum with 0, without modifying x.
    ### BEGIN SOLUTION
    out = np.maximum(0, x)
    ### END SOLUTION
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of a layer of rectified linear units.

    Inputs:
    - dout: upstream gradient, of any shape.
    - cache: the input x of relu_forward, of the shape of dout.

    Returns:
    - dx: gradient with respect to x, of the shape of x (0 where x <= 0).
    """
    x = cache
    dx = None
    # As in Assignment 1: the gradient passes where x > 0 and is 0 elsewhere.
    ### BEGIN SOLUTION
    dx = dout * (x > 0)
    ### END SOLUTION
    return dx


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss, averaged over the N examples.

    Inputs:
    - x: (N, C) scores; x[i, j] is the score of class j for example i.
    - y: (N,) labels; y[i] = c means the correct class of example i is c, 0 <= c < C.

    Returns a tuple:
    - loss: the loss (float).
    - dx: (N, C) gradient of the loss with respect to x.
    """
    loss, dx = None, None
    # As in Assignment 1. Shift each row by its maximum before exponentiating.
    ### BEGIN SOLUTION
    num_train = x.shape[0]
    rows = np.arange(num_train)
    shifted = x - np.max(x, axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    sums = np.sum(exp_scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(sums)
    loss = -np.sum(log_probs[rows, y]) / num_train
    dx = exp_scores / sums
    dx[rows, y] -= 1
    dx /= num_train
    ### END SOLUTION
    return float(loss), dx


# Batch normalization and layer normalization -----------------------------------------

def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization.

    Each feature (column of x) is normalized to zero mean and unit variance, then
    scaled and shifted: out = gamma * x_hat + beta, with
    x_hat = (x - mean) / sqrt(var + eps).

    In 'train' mode mean and var are the statistics of the minibatch (var divides by
    N, like np.var), and the running statistics are updated with them:

        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var  = momentum * running_var  + (1 - momentum) * var

    In 'test' mode the running statistics are used in place of the minibatch ones and
    nothing is updated, so each example's output no longer depends on the others.

    Inputs:
    - x: (N, D) input.
    - gamma: (D,) scale.
    - beta: (D,) shift.
    - bn_param: dict with the keys
      - mode: 'train' or 'test' (required).
      - eps: added to the variance for numerical stability (default 1e-5).
      - momentum: weight of the old running statistics (default 0.9).
      - running_mean: (D,) running mean (zeros if missing).
      - running_var: (D,) running variance (ones if missing).
      The running statistics are stored back into bn_param.

    Returns a tuple:
    - out: (N, D) output.
    - cache: in 'train' mode the tuple (x_centered, std, x_hat, gamma) with
      x_centered = x - mean of shape (N, D), std = sqrt(var + eps) of shape (D,),
      x_hat of shape (N, D) and gamma of shape (D,); None in 'test' mode.
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        # Per-feature mean and variance over the N examples (axis 0), normalize, scale
        # and shift. Update running_mean and running_var with the formulas of the
        # docstring. Build the cache of the docstring for the backward passes.
        ### BEGIN SOLUTION
        mean = np.mean(x, axis=0)
        x_centered = x - mean
        var = np.mean(x_centered ** 2, axis=0)
        std = np.sqrt(var + eps)
        x_hat = x_centered / std
        out = gamma * x_hat + beta
        cache = (x_centered, std, x_hat, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
        ### END SOLUTION
    elif mode == "test":
        # Normalize with running_mean and running_var (and eps), then scale and shift.
        ### BEGIN SOLUTION
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        ### END SOLUTION
    else:
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', not {mode!r}")

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization, one node of the computational graph at a time.

    The forward pass in 'train' mode is the graph

        mean = sum(x) / N;  x_centered = x - mean;  var = sum(x_centered**2) / N;
        std = sqrt(var + eps);  x_hat = x_centered / std;  out = gamma * x_hat + beta

    (sums over the N examples), and this function walks it backwards.

    Inputs:
    - dout: (N, D) upstream gradient.
    - cache: (x_centered, std, x_hat, gamma) from batchnorm_forward in 'train' mode.

    Returns a tuple:
    - dx: (N, D) gradient with respect to x.
    - dgamma: (D,) gradient with respect to gamma.
    - dbeta: (D,) gradient with respect to beta.
    """
    x_centered, std, x_hat, gamma = cache
    dx, dgamma, dbeta = None, None, None
    # Walk the graph of the docstring from out back to x: x_hat, then std and var,
    # then x_centered, then mean. Pitfall: x reaches the output along two paths
    # (through x_centered directly and through mean), and x_centered feeds both
    # x_hat and var; add up the gradients of every path.
    ### BEGIN SOLUTION
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx_centered = dx_hat / std
    dstd = -np.sum(dx_hat * x_centered, axis=0) / std ** 2
    dvar = dstd / (2 * std)
    dx_centered += 2 * x_centered * dvar / N
    dmean = -np.sum(dx_centered, axis=0)
    dx = dx_centered + dmean / N
    ### END SOLUTION
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization in closed form.

    Working the chain rule out on paper for the whole graph at once, dx simplifies to
    one expression in dx_hat = dout * gamma, x_hat and std, with two means over the N
    examples. It needs no intermediate arrays and runs faster than batchnorm_backward.

    Inputs and returns as in batchnorm_backward.
    """
    x_centered, std, x_hat, gamma = cache
    dx, dgamma, dbeta = None, None, None
    # dgamma and dbeta as in batchnorm_backward; dx in the one expression you derived.
    # Check it against batchnorm_backward: both must give the same dx.
    ### BEGIN SOLUTION
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0)) / std
    ### END SOLUTION
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass of layer normalization.

    Each example (row of x) is normalized over its D features to zero mean and unit
    variance, then every feature is scaled and shifted: out = gamma * x_hat + beta.
    No statistic is shared between examples, so training and testing behave the same
    and there are no running statistics.

    Inputs:
    - x: (N, D) input.
    - gamma: (D,) scale.
    - beta: (D,) shift.
    - ln_param: dict with the optional key eps (default 1e-5), added to the variance.

    Returns a tuple:
    - out: (N, D) output.
    - cache: (x_centered, std, x_hat, gamma) with x_centered = x minus each row's mean
      (N, D), std = sqrt(var + eps) of each row (N, 1), x_hat (N, D), gamma (D,).
    """
    eps = ln_param.get("eps", 1e-5)
    out, cache = None, None
    # As in batchnorm_forward's 'train' mode, but with statistics over the features
    # of each example (axis 1). Keep the (N, 1) shapes so the statistics broadcast.
    ### BEGIN SOLUTION
    mean = np.mean(x, axis=1, keepdims=True)
    x_centered = x - mean
    var = np.mean(x_centered ** 2, axis=1, keepdims=True)
    std = np.sqrt(var + eps)
    x_hat = x_centered / std
    out = gamma * x_hat + beta
    cache = (x_centered, std, x_hat, gamma)
    ### END SOLUTION
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    Inputs:
    - dout: (N, D) upstream gradient.
    - cache: (x_centered, std, x_hat, gamma) from layernorm_forward.

    Returns a tuple:
    - dx: (N, D) gradient with respect to x.
    - dgamma: (D,) gradient with respect to gamma.
    - dbeta: (D,) gradient with respect to beta.
    """
    x_centered, std, x_hat, gamma = cache
    dx, dgamma, dbeta = None, None, None
    # gamma and beta are per feature, so their gradients sum over the examples
    # (axis 0); the normalization is per example, so dx is batchnorm's closed form
    # with the means taken over the features (axis 1).
    ### BEGIN SOLUTION
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = (dx_hat - np.mean(dx_hat, axis=1, keepdims=True)
          - x_hat * np.mean(dx_hat * x_hat, axis=1, keepdims=True)) / std
    ### END SOLUTION
    return dx, dgamma, dbeta


# Dropout -----------------------------------------------------------------------------

def dropout_forward(x, dropout_param):
    """Forward pass of inverted dropout.

    In 'train' mode each entry of x is kept with probability p and set to zero
    otherwise; the kept entries are divided by p, so that the expected value of every
    output equals its input. In 'test' mode the layer is the identity and draws no
    random numbers.

    Inputs:
    - x: input of any shape.
    - dropout_param: dict with the keys
      - p: probability of KEEPING each entry, 0 < p <= 1.
      - mode: 'train' or 'test'.
      - seed (optional): if given, the mask comes from a generator seeded with it, so
        every call draws the same mask (for gradient checks); numpy's global
        generator is left alone. Without a seed the mask comes from np.random, a new
        one at every call.

    Returns a tuple:
    - out: output, of the shape of x.
    - cache: (dropout_param, mask); in 'train' mode mask has the shape of x and holds
      0 for a dropped entry and 1 / p for a kept one; in 'test' mode mask is None.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if not 0 < p <= 1:
        raise ValueError(f"dropout_param['p'] is the probability of keeping a unit and must "
                         f"be in (0, 1], not {p!r}")
    seed = dropout_param.get("seed")
    rng = np.random if seed is None else np.random.RandomState(seed)

    mask, out = None, None
    if mode == "train":
        # Draw uniform numbers with rng.rand(*x.shape) (not np.random directly, so that
        # a seed fixes the mask), keep the entries whose number is below p, and build
        # the mask of the docstring (of x's dtype). Then out = x * mask.
        ### BEGIN SOLUTION
        mask = ((rng.rand(*x.shape) < p) / p).astype(x.dtype)
        out = x * mask
        ### END SOLUTION
    elif mode == "test":
        # What does inverted dropout do at test time?
        ### BEGIN SOLUTION
        out = x
        ### END SOLUTION
    else:
        raise ValueError(f"dropout_param['mode'] must be 'train' or 'test', not {mode!r}")

    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout.

    Inputs:
    - dout: upstream gradient, of any shape.
    - cache: (dropout_param, mask) from dropout_forward.

    Returns:
    - dx: gradient with respect to x, of the shape of dout.
    """
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    dx = None
    if mode == "train":
        # Reuse the forward pass's mask: never draw a new one here.
        ### BEGIN SOLUTION
        dx = dout * mask
        ### END SOLUTION
    elif mode == "test":
        dx = dout
    else:
        raise ValueError(f"dropout_param['mode'] must be 'train' or 'test', not {mode!r}")
    return dx


# Convolution and max pooling ---------------------------------------------------------

def conv_forward_naive(x, w, b, conv_param):
    """Forward pass of a convolutional layer, with loops.

    F filters, each spanning all C channels and HH x WW pixels, slide over the
    zero-padded input with the given stride. Like most libraries (and the lectures),
    the layer computes a cross-correlation: the filter is not flipped.

        out[n, f, i, j] = b[f] + sum over c, k, l of
                          w[f, c, k, l] * x_padded[n, c, i * stride + k, j * stride + l]

    Inputs:
    - x: (N, C, H, W) input.
    - w: (F, C, HH, WW) filter weights.
    - b: (F,) biases.
    - conv_param: dict with the keys
      - stride: step between neighbouring filter positions, in both directions.
      - pad: number of zero rows and columns added on every side of the input.

    Returns a tuple:
    - out: (N, F, H', W') output, with
      H' = 1 + (H + 2 * pad - HH) / stride and W' = 1 + (W + 2 * pad - WW) / stride.
    - cache: (x, w, b, conv_param).

    Raises ValueError if the filters do not tile the padded input exactly (H' or W'
    would not be an integer).
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    out = None
    # Compute H' and W' (raise a ValueError naming the sizes when a division is not
    # exact). Pad with np.pad, which returns a new array: x itself must not change.
    # Then loop over the output positions; at each, multiply the input window by the
    # filters and sum.
    ### BEGIN SOLUTION
    if (H + 2 * pad - HH) % stride or (W + 2 * pad - WW) % stride:
        raise ValueError(f"a {HH}x{WW} filter with stride {stride} and pad {pad} does not "
                         f"tile a {H}x{W} input: (size + 2 * pad - filter size) must be a "
                         f"multiple of the stride")
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w))
    for i in range(H_out):
        for j in range(W_out):
            window = x_padded[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            # (N, C, HH, WW) against (F, C, HH, WW), summed over C, HH, WW: (N, F).
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    ### END SOLUTION
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """Backward pass of a convolutional layer, with loops.

    Inputs:
    - dout: (N, F, H', W') upstream gradient.
    - cache: (x, w, b, conv_param) from conv_forward_naive.

    Returns a tuple:
    - dx: (N, C, H, W) gradient with respect to x.
    - dw: (F, C, HH, WW) gradient with respect to w.
    - db: (F,) gradient with respect to b.
    """
    x, w, b, conv_param = cache
    dx, dw, db = None, None, None
    # Loop over the output positions as in the forward pass. Each position adds to dw
    # (window times dout) and to the gradient of the PADDED input (filters times
    # dout); windows overlap, so accumulate with +=. Finally cut the padding off.
    ### BEGIN SOLUTION
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros_like(w)
    db = np.sum(dout, axis=(0, 2, 3))
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + HH)
            cols = slice(j * stride, j * stride + WW)
            d = dout[:, :, i, j]  # (N, F)
            dw += np.tensordot(d, x_padded[:, :, rows, cols], axes=([0], [0]))
            dx_padded[:, :, rows, cols] += np.tensordot(d, w, axes=([1], [0]))
    dx = dx_padded[:, :, pad:pad + H, pad:pad + W]
    ### END SOLUTION
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """Forward pass of a max-pooling layer, with loops.

    Each channel is pooled separately: a pool_height x pool_width window slides over
    it with the given stride (no padding), and each output is the window's maximum.

    Inputs:
    - x: (N, C, H, W) input.
    - pool_param: dict with the keys pool_height, pool_width and stride.

    Returns a tuple:
    - out: (N, C, H', W') output, with H' = 1 + (H - pool_height) / stride and
      W' = 1 + (W - pool_width) / stride.
    - cache: (x, pool_param).

    Raises ValueError if the windows do not tile the input exactly.
    """
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    out = None
    # Compute H' and W' (ValueError when a division is not exact), then loop over
    # the output positions and take the maximum of each window over its rows and
    # columns, for all examples and channels at once.
    ### BEGIN SOLUTION
    if (H - ph) % stride or (W - pw) % stride:
        raise ValueError(f"{ph}x{pw} pooling windows with stride {stride} do not tile a "
                         f"{H}x{W} input: (size - window size) must be a multiple of the "
                         f"stride")
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]
            out[:, :, i, j] = np.max(window, axis=(2, 3))
    ### END SOLUTION
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """Backward pass of a max-pooling layer, with loops.

    Each output's gradient goes to the one input that was the maximum of its window.
    When several entries of a window tie for the maximum, the first of them in
    row-major order (the one np.argmax picks) gets the whole gradient.

    Inputs:
    - dout: (N, C, H', W') upstream gradient.
    - cache: (x, pool_param) from max_pool_forward_naive.

    Returns:
    - dx: (N, C, H, W) gradient with respect to x.
    """
    x, pool_param = cache
    dx = None
    # Loop over the output positions; in each window find the position of the
    # maximum (np.argmax of the window flattened to (N, C, pool_height * pool_width))
    # and add dout there. Pitfall: a mask "x == max" sends the gradient to every tied
    # entry. Windows overlap when stride < pool size: accumulate with +=.
    ### BEGIN SOLUTION
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + ph)
            cols = slice(j * stride, j * stride + pw)
            window = x[:, :, rows, cols].reshape(N, C, -1)
            first_max = np.zeros_like(window)
            np.put_along_axis(first_max, np.argmax(window, axis=2)[:, :, None], 1, axis=2)
            dx[:, :, rows, cols] += first_max.reshape(N, C, ph, pw) * dout[:, :, i, j, None, None]
    ### END SOLUTION
    return dx


# Normalization for convolutional layers -------------------------------------------

def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of spatial batch normalization.

    Each channel is normalized with statistics over the examples and all pixel
    positions (N * H * W numbers per channel), and has its own gamma and beta.

    Inputs:
    - x: (N, C, H, W) input.
    - gamma: (C,) scale.
    - beta: (C,) shift.
    - bn_param: as in batchnorm_forward; running_mean and running_var have shape (C,).

    Returns a tuple:
    - out: (N, C, H, W) output.
    - cache: the cache of the batchnorm_forward call ('train' mode) or None ('test').
    """
    out, cache = None, None
    # Reuse batchnorm_forward: move the channel axis last (transpose), reshape to
    # (N * H * W, C), normalize, and undo both steps. Pitfall: reshaping to
    # (-1, C) without the transpose mixes channels.
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    x_rows = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out_rows, cache = batchnorm_forward(x_rows, gamma, beta, bn_param)
    out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    ### END SOLUTION
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial batch normalization.

    Inputs:
    - dout: (N, C, H, W) upstream gradient.
    - cache: from spatial_batchnorm_forward in 'train' mode.

    Returns a tuple:
    - dx: (N, C, H, W) gradient with respect to x.
    - dgamma: (C,) gradient with respect to gamma.
    - dbeta: (C,) gradient with respect to beta.
    """
    dx, dgamma, dbeta = None, None, None
    # The same reshapes around a batch-normalization backward pass.
    ### BEGIN SOLUTION
    N, C, H, W = dout.shape
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx_rows, dgamma, dbeta = batchnorm_backward_alt(dout_rows, cache)
    dx = dx_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    ### END SOLUTION
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Forward pass of group normalization.

    The C channels are split into G groups of C // G consecutive channels. Each
    example is normalized separately within each group, over the group's channels
    and all pixel positions ((C // G) * H * W numbers); then every channel is scaled
    and shifted by its own gamma and beta. As with layer normalization, training and
    testing behave the same.

    Inputs:
    - x: (N, C, H, W) input.
    - gamma: (1, C, 1, 1) scale.
    - beta: (1, C, 1, 1) shift.
    - G: number of groups; must divide C.
    - gn_param: dict with the optional key eps (default 1e-5), added to the variance.

    Returns a tuple:
    - out: (N, C, H, W) output.
    - cache: (x_hat, std, gamma, G) with x_hat the normalized input (N, C, H, W) and
      std = sqrt(var + eps) of each example and group, of shape (N, G, 1).
    """
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    if C % G:
        raise ValueError(f"{G} groups do not divide {C} channels evenly")
    out, cache = None, None
    # Reshape x to (N, G, (C // G) * H * W): each row of the last axis is one group
    # of one example. Normalize along that axis, reshape back, scale and shift.
    ### BEGIN SOLUTION
    groups = x.reshape(N, G, -1)
    x_centered = groups - np.mean(groups, axis=2, keepdims=True)
    std = np.sqrt(np.mean(x_centered ** 2, axis=2, keepdims=True) + eps)
    x_hat = (x_centered / std).reshape(N, C, H, W)
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma, G)
    ### END SOLUTION
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """Backward pass of group normalization.

    Inputs:
    - dout: (N, C, H, W) upstream gradient.
    - cache: (x_hat, std, gamma, G) from spatial_groupnorm_forward.

    Returns a tuple:
    - dx: (N, C, H, W) gradient with respect to x.
    - dgamma: (1, C, 1, 1) gradient with respect to gamma.
    - dbeta: (1, C, 1, 1) gradient with respect to beta.
    """
    x_hat, std, gamma, G = cache
    dx, dgamma, dbeta = None, None, None
    # dgamma and dbeta sum over the examples and pixels (keep the (1, C, 1, 1) shape).
    # For dx, use the closed form of batchnorm_backward_alt on the (N, G, -1) view,
    # with the means taken over the last axis.
    ### BEGIN SOLUTION
    N, C, H, W = dout.shape
    dbeta = np.sum(dout, axis=(0, 2, 3), keepdims=True)
    dgamma = np.sum(dout * x_hat, axis=(0, 2, 3), keepdims=True)
    dx_hat = (dout * gamma).reshape(N, G, -1)
    x_hat_groups = x_hat.reshape(N, G, -1)
    dx = (dx_hat - np.mean(dx_hat, axis=2, keepdims=True)
          - x_hat_groups * np.mean(dx_hat * x_hat_groups, axis=2, keepdims=True)) / std
    dx = dx.reshape(N, C, H, W)
    ### END SOLUTION
    return dx, dgamma, dbeta
