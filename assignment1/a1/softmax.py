"""Softmax (cross-entropy) loss of a linear classifier, with loops and vectorized."""

import numpy as np


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and its gradient, computed with explicit loops.

    With scores s = X[i] @ W of example i, the classifier's probability of class k is
    exp(s[k]) / sum_j exp(s[j]), and the loss of the example is minus the log of the
    probability of its correct class y[i]. The total loss is the mean over the N
    examples plus reg * sum(W**2).

    Inputs:
    - W: (D, C) weights.
    - X: (N, D) minibatch of data, one example per row.
    - y: (N,) labels; y[i] = c means that X[i] has label c, 0 <= c < C.
    - reg: regularization strength (float).

    Returns a tuple:
    - loss: the loss (float).
    - dW: (D, C) gradient of the loss with respect to W.
    """
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    # Loop over the examples (and over the classes for dW). Subtracting the largest
    # score from all scores leaves the probabilities unchanged and keeps exp from
    # overflowing; with shifted scores, -log(p[y[i]]) is log(sum exp) - shifted[y[i]],
    # which stays finite even when p[y[i]] rounds to 0. Divide by N, then add the
    # regularization term and its gradient.
    ### BEGIN SOLUTION
    for i in range(num_train):
        scores = X[i] @ W
        shifted = scores - np.max(scores)
        exp_scores = np.exp(shifted)
        total = np.sum(exp_scores)
        loss += np.log(total) - shifted[y[i]]
        for j in range(num_classes):
            prob = exp_scores[j] / total
            dW[:, j] += (prob - (j == y[i])) * X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    ### END SOLUTION
    return float(loss), dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and its gradient, without Python loops.

    Inputs and outputs as in ``softmax_loss_naive``.
    """
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    # The same computation on the whole (N, C) score matrix: shift each row by its
    # maximum (keepdims=True keeps the shapes broadcastable), then the loss from the
    # log of the row sums, and dW as X.T times the (N, C) gradient of the scores.
    ### BEGIN SOLUTION
    rows = np.arange(num_train)
    scores = X @ W
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    sums = np.sum(exp_scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(sums)
    loss = -np.sum(log_probs[rows, y]) / num_train + reg * np.sum(W * W)

    dscores = exp_scores / sums
    dscores[rows, y] -= 1
    dW = X.T @ dscores / num_train + 2 * reg * W
    ### END SOLUTION
    return float(loss), dW
