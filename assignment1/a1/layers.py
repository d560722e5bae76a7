"""Layers as pairs of functions: a forward pass and the backward pass next to it.

A forward function returns ``(out, cache)``; its backward function takes the upstream
gradient ``dout`` (the shape of ``out``) and that cache, and returns the gradients
with respect to the forward inputs. A loss function returns ``(loss, dx)``.
"""

import numpy as np


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
    # Reshape x to (N, D) without changing x itself, then multiply and add b.
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
    # Every gradient has the shape of what it differentiates: dx must be reshaped
    # back to x's shape, and b was added to all N rows.
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
    # Elementwise maximum with 0; do not modify x in place (the cache keeps it).
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
    - dx: gradient with respect to x, of the shape of x.
    """
    x = cache
    dx = None
    # Which entries of x let the upstream gradient through? At x == 0 the ReLU has
    # no derivative; use 0 there.
    ### BEGIN SOLUTION
    dx = dout * (x > 0)
    ### END SOLUTION
    return dx


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss with margin 1, averaged over the N examples.

    Inputs:
    - x: (N, C) scores; x[i, j] is the score of class j for example i.
    - y: (N,) labels; y[i] = c means the correct class of example i is c, 0 <= c < C.

    Returns a tuple:
    - loss: the loss (float).
    - dx: (N, C) gradient of the loss with respect to x.
    """
    loss, dx = None, None
    # As in svm_loss_vectorized, without the weights and the regularization: the
    # correct class adds no margin, and the loss is a mean over N.
    ### BEGIN SOLUTION
    num_train = x.shape[0]
    rows = np.arange(num_train)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1)
    margins[rows, y] = 0
    loss = np.sum(margins) / num_train
    dx = (margins > 0).astype(x.dtype)
    dx[rows, y] = -np.sum(dx, axis=1)
    dx /= num_train
    ### END SOLUTION
    return float(loss), dx


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
    # As in softmax_loss_vectorized, without the weights and the regularization.
    # Shift each row by its maximum before exponentiating.
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


def affine_relu_forward(x, w, b):
    """An affine layer followed by a ReLU.

    Inputs:
    - x: (N, d_1, ..., d_k) input.
    - w: (D, M) weights.
    - b: (M,) biases.

    Returns a tuple:
    - out: (N, M) output of the ReLU.
    - cache: (affine cache, relu cache).
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    """Backward pass of affine_relu_forward.

    Inputs:
    - dout: (N, M) upstream gradient.
    - cache: (affine cache, relu cache) from affine_relu_forward.

    Returns a tuple (dx, dw, db), shaped like x, w and b.
    """
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)
