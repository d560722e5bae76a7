"""Multiclass SVM (hinge) loss of a linear classifier, with loops and vectorized."""

import numpy as np


def svm_loss_naive(W, X, y, reg):
    """Multiclass SVM loss and its gradient, computed with explicit loops.

    With scores s = X[i] @ W of example i, its loss is

        L_i = sum over classes j != y[i] of max(0, s[j] - s[y[i]] + 1)

    and the total loss is the mean of L_i over the N examples plus reg * sum(W**2).

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
    # Loop over the examples and, inside, over the classes; the correct class y[i]
    # contributes no margin. Accumulate dW in the same loops: a positive margin
    # depends on W only through its columns j and y[i]. Then divide by N and add
    # the regularization term and its gradient.
    ### BEGIN SOLUTION
    for i in range(num_train):
        scores = X[i] @ W
        correct_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_score + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    ### END SOLUTION
    return float(loss), dW


def svm_loss_vectorized(W, X, y, reg):
    """Multiclass SVM loss and its gradient, without Python loops.

    Inputs and outputs as in ``svm_loss_naive``.
    """
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    # All scores at once as an (N, C) matrix; pick each row's correct-class score with
    # integer-array indexing (scores[np.arange(N), y]). Zero the margins of the correct
    # classes, or each example adds 1 to the loss. For dW, build an (N, C) matrix
    # saying how each score enters the loss and multiply it by X.
    ### BEGIN SOLUTION
    rows = np.arange(num_train)
    scores = X @ W
    correct_scores = scores[rows, y][:, None]
    margins = np.maximum(0, scores - correct_scores + 1)
    margins[rows, y] = 0
    loss = np.sum(margins) / num_train + reg * np.sum(W * W)

    dscores = (margins > 0).astype(W.dtype)
    dscores[rows, y] = -np.sum(dscores, axis=1)
    dW = X.T @ dscores / num_train + 2 * reg * W
    ### END SOLUTION
    return float(loss), dW
