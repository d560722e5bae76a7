"""Linear classifiers trained by minibatch stochastic gradient descent."""

import numpy as np
from cs_utils.progress import progress_bar

from .linear_svm import svm_loss_vectorized
from .softmax import softmax_loss_vectorized


class LinearClassifier:
    """A linear classifier: the scores of the rows of X are X @ W.

    Attributes:
    - W: (D, C) weights, created by the first call to ``train`` (None before).

    Subclasses choose the loss by overriding ``loss``.
    """

    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100,
              batch_size=200, verbose=False):
        """Train the classifier with minibatch stochastic gradient descent.

        On the first call, W is initialised to 0.001 * randn(D, C) with C = max(y) + 1;
        later calls continue from the current W.

        Inputs:
        - X: (N, D) training data, one example per row.
        - y: (N,) labels; y[i] = c means that X[i] has label c, 0 <= c < C.
        - learning_rate: step size of each update (float).
        - reg: regularization strength (float).
        - num_iters: number of update steps.
        - batch_size: number of examples in each minibatch.
        - verbose: show a progress bar with the current loss.

        Returns:
        - loss_history: list of num_iters floats, the minibatch loss before each step.
        """
        num_train, dim = X.shape
        num_classes = int(np.max(y)) + 1
        if self.W is None:
            self.W = 0.001 * np.random.randn(dim, num_classes)

        loss_history = []
        steps = progress_bar(range(num_iters), disable=not verbose, desc=type(self).__name__)
        for it in steps:
            # Draw batch_size example indices uniformly at random, with replacement, and
            # take those rows: X_batch (batch_size, D) and y_batch (batch_size,).
            ### BEGIN SOLUTION
            indices = np.random.choice(num_train, batch_size, replace=True)
            X_batch = X[indices]
            y_batch = y[indices]
            ### END SOLUTION

            loss, grad = self.loss(X_batch, y_batch, reg)
            loss_history.append(loss)

            # Update self.W in place: one step of size learning_rate against the gradient.
            ### BEGIN SOLUTION
            self.W -= learning_rate * grad
            ### END SOLUTION

            if verbose and it % 10 == 0:
                steps.set_postfix(loss=f"{loss:.4f}")
        return loss_history

    def predict(self, X):
        """Predict labels with the trained weights.

        Inputs:
        - X: (N, D) data, one example per row.

        Returns:
        - y_pred: (N,) integer array; y_pred[i] is the class with the highest score
          for X[i].
        """
        y_pred = np.zeros(X.shape[0], dtype=np.int64)
        # The class with the largest score for each row of X.
        ### BEGIN SOLUTION
        y_pred = np.argmax(X @ self.W, axis=1)
        ### END SOLUTION
        return y_pred

    def loss(self, X_batch, y_batch, reg):
        """Loss and gradient on a minibatch; subclasses override this.

        Inputs:
        - X_batch: (B, D) minibatch of data.
        - y_batch: (B,) labels of the minibatch.
        - reg: regularization strength (float).

        Returns a tuple:
        - loss: the loss (float).
        - dW: (D, C) gradient of the loss with respect to self.W.
        """
        raise NotImplementedError("use a subclass of LinearClassifier, such as LinearSVM or Softmax")


class LinearSVM(LinearClassifier):
    """A linear classifier trained with the multiclass SVM loss."""

    def loss(self, X_batch, y_batch, reg):
        return svm_loss_vectorized(self.W, X_batch, y_batch, reg)


class Softmax(LinearClassifier):
    """A linear classifier trained with the softmax (cross-entropy) loss."""

    def loss(self, X_batch, y_batch, reg):
        return softmax_loss_vectorized(self.W, X_batch, y_batch, reg)
