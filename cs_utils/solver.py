"""The Solver: minibatch training of a classification model, shared by all assignments.

A model is anything with

- ``model.params``: a dict from parameter names (``"W1"``, ``"b1"``, ...) to numpy arrays;
- ``model.loss(X, y=None)``: with ``y=None`` the class scores of shape ``(N, C)``;
  with labels ``y`` of shape ``(N,)`` a pair ``(loss, grads)`` where ``grads`` has the
  keys and shapes of ``model.params``.

Example::

    from cs_utils.solver import Solver

    data = {"X_train": X_train, "y_train": y_train,   # (N_train, ...), (N_train,)
            "X_val": X_val, "y_val": y_val}           # (N_val, ...),   (N_val,)
    model = TwoLayerNet(input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10)
    solver = Solver(model, data, update_rule="sgd",
                    optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=5, batch_size=200, print_every=100)
    solver.train()
    solver.val_acc_history      # validation accuracy at the start and after each epoch

In Assignment 2 the update rule is one of your own functions: pass it
(``update_rule=optim.adam``) or name it (``update_rule="adam"``). A name selects the
rule of that name in the ``optim`` module of the model's own package (``a2.optim`` for
a model of ``a2``), imported only then, and otherwise one the solver provides (plain
``"sgd"``). All randomness comes from numpy's global generator, so a notebook that calls
``np.random.seed(0)`` first gets the same run every time.
"""

import copy
import importlib
import inspect
import os
import pickle
import sys
import tempfile
import types

import numpy as np

from .checks import integer_at_least
from .progress import progress_bar


def sgd(w, dw, config=None):
    """Plain stochastic gradient descent: ``next_w = w - learning_rate * dw``.

    Inputs:
    - w: parameter array of any shape.
    - dw: gradient of the loss with respect to ``w``, same shape as ``w``.
    - config: dict; ``learning_rate`` (default 1e-2) is read and stored in it.

    Returns ``(next_w, config)`` with ``next_w`` of the shape of ``w``.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    next_w = w - config["learning_rate"] * dw
    return next_w, config


BUILT_IN_UPDATE_RULES = {"sgd": sgd}

# The shared code's own package: a model of it has no student rules to look up.
SHARED_PACKAGE = __name__.partition(".")[0]

DEFAULT_OPTIONS = {
    "update_rule": "sgd",
    "optim_module": None,
    "optim_config": None,
    "lr_decay": 1.0,
    "batch_size": 100,
    "num_epochs": 10,
    "num_train_samples": 1000,
    "num_val_samples": None,
    "checkpoint_name": None,
    "print_every": 10,
    "verbose": True,
}

REQUIRED_DATA = ("X_train", "y_train", "X_val", "y_val")


class Solver:
    """Train a classification model with minibatch stochastic gradient descent.

    ``Solver(model, data, **options)``

    Inputs:
    - model: an object with ``params`` (dict of arrays) and ``loss(X, y=None)`` as
      described at the top of this module.
    - data: dict with ``X_train`` of shape ``(N_train, ...)``, ``y_train`` of shape
      ``(N_train,)`` holding integer labels, and ``X_val``, ``y_val`` likewise for the
      validation set. Other keys are ignored.

    Options (all keyword-only; defaults in brackets):
    - update_rule ["sgd"]: a function ``update(w, dw, config) -> (next_w, config)``,
      such as your ``optim.adam``, or the name of one (``"adam"``). A name is looked
      up first among the public functions of ``optim_module``, then among the rules
      this solver provides (``UPDATE_RULES``: ``"sgd"``).
    - optim_module [None]: the module whose update rules a name selects. None means
      the ``optim`` module of the package that the model's class belongs to
      (``a2.optim`` for ``a2.fc_net.FullyConnectedNet``), if that package has one; it
      is imported only when update_rule is a name, so the Solver never imports a
      student package by itself. Pass ``optim_module=optim`` for a model defined
      elsewhere (in a notebook cell, say).
    - optim_config [{}]: hyperparameters for the update rule, such as
      ``learning_rate``. Every parameter gets its own copy, which also carries the
      rule's state (momentum, moving averages, step count) from step to step.
    - lr_decay [1.0]: after each epoch ``learning_rate`` is multiplied by this.
    - batch_size [100]: examples per minibatch, drawn with replacement.
    - num_epochs [10]: epochs to train; an epoch is ``max(N_train // batch_size, 1)``
      iterations.
    - num_train_samples [1000]: training examples used to estimate the training
      accuracy after each epoch (None: all of them).
    - num_val_samples [None]: validation examples used likewise (None: all of them).
    - checkpoint_name [None]: if given, after each epoch the model and the training
      state are pickled to ``f"{checkpoint_name}_epoch_{epoch}.pkl"``.
    - print_every [10]: print the loss every this many iterations.
    - verbose [True]: show a progress bar and print progress; False trains silently.

    After ``train()`` the attributes ``loss_history`` (one loss per iteration),
    ``train_acc_history`` and ``val_acc_history`` (one accuracy at the start and one
    after each epoch) describe the run, ``best_val_acc`` and ``best_epoch`` name the
    best epoch, and ``model.params`` holds the parameters of that epoch. A model with
    batch normalization (``model.bn_params``, a list of dicts with the running
    statistics) gets that epoch's running statistics back as well.

    Subclasses train other kinds of models (``cs_utils.captioning_solver``) by
    overriding ``OPTIONS``, ``UPDATE_RULES`` (the rules they provide by name) and the hooks
    ``_load_data``, ``_load_options``, ``_num_train``, ``_sample_minibatch`` and
    ``_evaluate``.
    """

    OPTIONS = DEFAULT_OPTIONS
    UPDATE_RULES = BUILT_IN_UPDATE_RULES

    def __init__(self, model, data, **options):
        unknown = sorted(set(options) - set(self.OPTIONS))
        if unknown:
            accepted = ", ".join(self.OPTIONS)
            raise TypeError(f"{type(self).__name__} got unknown option(s) "
                            f"{', '.join(unknown)}; the accepted options are: {accepted}")
        settings = {**self.OPTIONS, **options}

        self.model = model
        self._load_data(data)
        self.update_rule_name, self.update_rule = self._resolve_update_rule(
            settings["update_rule"], settings["optim_module"])
        self.optim_config = dict(settings["optim_config"] or {})
        self.lr_decay = settings["lr_decay"]
        self.batch_size = integer_at_least(settings["batch_size"], "batch_size")
        self.num_epochs = integer_at_least(settings["num_epochs"], "num_epochs", minimum=0)
        self.print_every = integer_at_least(settings["print_every"], "print_every")
        self.verbose = bool(settings["verbose"])
        self._load_options(settings)

        self._reset()

    def _resolve_update_rule(self, update_rule, optim_module):
        """``(name, function)`` of the update rule given as a function or by name."""
        if optim_module is not None and not isinstance(optim_module, types.ModuleType):
            raise TypeError(f"optim_module must be a module, such as your optim "
                            f"(from a2 import optim), not {optim_module!r}")
        if callable(update_rule):
            name = getattr(update_rule, "__name__", None) or repr(update_rule)
            return name, update_rule
        if not isinstance(update_rule, str):
            raise TypeError(f"update_rule must be a name or a function "
                            f"update(w, dw, config) -> (next_w, config), not {update_rule!r}")
        searched = self._named_rule_sources(optim_module)
        for _, rules in searched:
            if rules is not None and update_rule in rules:
                return update_rule, rules[update_rule]
        raise ValueError(f"unknown update rule {update_rule!r}. Searched: "
                         f"{'; '.join(_describe_rules(where, rules) for where, rules in searched)}. "
                         f"Pass the function itself (update_rule=optim.adam), or the module "
                         f"that defines it (optim_module=optim)")

    def _named_rule_sources(self, optim_module):
        """Where a rule name is looked up, in order: ``[(where, rules), ...]``.

        ``rules`` maps names to functions; it is None where there is no module to search
        (``where`` then says why).
        """
        if optim_module is not None:
            sources = [(optim_module.__name__, update_rules_in(optim_module))]
        else:
            name, module = optim_module_of(self.model)
            if module is not None:
                sources = [(name, update_rules_in(module))]
            elif name is not None:
                sources = [(f"{name} (no such module)", None)]
            else:
                model_class = f"{type(self.model).__module__}.{type(self.model).__qualname__}"
                sources = [(f"no optim module ({model_class} is in no student package)", None)]
        sources.append((f"the rules {type(self).__name__} provides", dict(self.UPDATE_RULES)))
        return sources

    def _load_data(self, data):
        """Check ``data`` and keep its training and validation arrays."""
        missing = [key for key in REQUIRED_DATA if key not in data]
        if missing:
            raise KeyError(f"Solver data is missing {', '.join(missing)}; "
                           f"it needs {', '.join(REQUIRED_DATA)}")
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]
        for split in ("train", "val"):
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            if len(X) != len(y):
                raise ValueError(f"X_{split} has {len(X)} examples but y_{split} "
                                 f"has {len(y)} labels")
        if len(self.X_train) == 0:
            raise ValueError("X_train is empty")

    def _load_options(self, settings):
        """Keep the options that only this kind of training has."""
        self.num_train_samples = settings["num_train_samples"]
        self.num_val_samples = settings["num_val_samples"]
        self.checkpoint_name = settings["checkpoint_name"]

    def _reset(self):
        """Set up the bookkeeping; called once by the constructor."""
        self.epoch = 0
        self.best_val_acc = -1.0
        self.best_epoch = None
        self.best_params = {}
        self.best_bn_params = None
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self._bar = None
        # One independent copy of the configuration per parameter: the update rule
        # keeps each parameter's state (velocity, moments, ...) in its own copy.
        self.optim_configs = {name: copy.deepcopy(self.optim_config)
                              for name in self.model.params}

    def _num_train(self):
        """Number of training examples; an epoch is this many over the batch size."""
        return len(self.X_train)

    def _sample_minibatch(self):
        """The arguments of ``model.loss`` for a random minibatch: ``(X_batch, y_batch)``."""
        batch_mask = np.random.choice(self._num_train(), self.batch_size)
        return self.X_train[batch_mask], self.y_train[batch_mask]

    def _step(self):
        """One update of every parameter from a random minibatch; returns the loss."""
        loss, grads = self.model.loss(*self._sample_minibatch())
        loss = float(loss)
        self.loss_history.append(loss)

        for name, w in self.model.params.items():
            if name not in grads:
                raise KeyError(f"model.loss returned no gradient for parameter {name!r}")
            next_w, next_config = self.update_rule(w, grads[name], self.optim_configs[name])
            self.model.params[name] = next_w
            self.optim_configs[name] = next_config
        return loss

    def _decay_learning_rate(self):
        if self.lr_decay == 1.0:
            return
        for name, config in self.optim_configs.items():
            if "learning_rate" not in config:
                raise ValueError(
                    f"lr_decay needs a 'learning_rate' in the optimizer configuration, "
                    f"but the one of {name!r} has none: pass "
                    f"optim_config={{'learning_rate': ...}} or have the update rule "
                    f"store its default in config")
            config["learning_rate"] *= self.lr_decay

    def _record_accuracies(self):
        """Check train and validation accuracy; keep the parameters if they are the best."""
        train_acc = self.check_accuracy(self.X_train, self.y_train,
                                        num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val,
                                      num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if val_acc > self.best_val_acc:
            self.best_val_acc = val_acc
            self.best_epoch = self.epoch
            self.best_params = {name: np.array(w, copy=True)
                                for name, w in self.model.params.items()}
            # Batch normalization's running statistics belong with the parameters.
            self.best_bn_params = copy.deepcopy(getattr(self.model, "bn_params", None))
        return train_acc, val_acc

    def _evaluate(self, final_epoch):
        """Check the model before the first iteration and after every epoch."""
        train_acc, val_acc = self._record_accuracies()
        self._say(f"(Epoch {self.epoch} / {final_epoch}) "
                  f"train acc: {train_acc:.4f}; val acc: {val_acc:.4f}")

    def _restore_best(self):
        """Put the parameters (and running statistics) of the best epoch back in the model."""
        if self.best_epoch is None:
            return
        for name, w in self.best_params.items():
            self.model.params[name] = np.array(w, copy=True)
        if self.best_bn_params is not None:
            self.model.bn_params = copy.deepcopy(self.best_bn_params)
        self._say(f"Best validation accuracy {self.best_val_acc:.4f} "
                  f"(epoch {self.best_epoch}); its parameters are restored.")

    def _save_checkpoint(self):
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": self.update_rule_name,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        _atomic_pickle(checkpoint, filename)
        self._say(f"Saved checkpoint to {filename}")

    def train(self):
        """Train for ``num_epochs`` epochs, then restore the best parameters.

        An epoch is ``max(N_train // batch_size, 1)`` iterations. Accuracies are checked
        before the first iteration and after every epoch.
        """
        iterations_per_epoch = max(self._num_train() // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        final_epoch = self.epoch + self.num_epochs

        self._evaluate(final_epoch)

        bar = (progress_bar(total=num_iterations, desc="Training", unit="it", leave=True)
               if self.verbose and num_iterations else None)
        self._bar = bar
        try:
            for t in range(num_iterations):
                loss = self._step()
                if bar is not None:
                    bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
                    bar.update(1)
                if t % self.print_every == 0:
                    self._say(f"(Iteration {t + 1} / {num_iterations}) loss: {loss:f}")

                if (t + 1) % iterations_per_epoch == 0:
                    self.epoch += 1
                    self._decay_learning_rate()
                    self._evaluate(final_epoch)
                    self._save_checkpoint()
        finally:
            if bar is not None:
                bar.close()
            self._bar = None

        self._restore_best()

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of examples whose highest-scoring class is the label.

        Inputs:
        - X: data of shape ``(N, ...)``.
        - y: integer labels of shape ``(N,)``.
        - num_samples: if given and smaller than N, score a random subset of this many
          examples (drawn without replacement) instead of all N.
        - batch_size: examples per call to ``model.loss`` (bounds the memory used).

        Returns the accuracy as a float in [0, 1].
        """
        N = len(X)
        if N == 0:
            return 0.0
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples, replace=False)
            X, y = X[mask], y[mask]
            N = num_samples
        batch_size = integer_at_least(batch_size, "batch_size")

        predictions = []
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start:start + batch_size])
            predictions.append(np.argmax(scores, axis=1))
        y_pred = np.concatenate(predictions)
        return float(np.mean(y_pred == np.asarray(y)))

    def _say(self, message):
        """Print a progress line to stdout (when verbose), without breaking the bar."""
        if not self.verbose:
            return
        bar = self._bar
        if bar is not None:
            bar.write(message, file=sys.stdout)
        else:
            print(message, file=sys.stdout, flush=True)


def update_rules_in(module):
    """The update rules a module offers by name: its public functions, ``{name: function}``
    (those it imports count too: ``a2.optim`` offers the ``sgd`` it imports from here)."""
    return {name: value for name, value in vars(module).items()
            if not name.startswith("_") and inspect.isfunction(value)}


def optim_module_of(model):
    """``(name, module)`` of the ``optim`` module of the package of the model's class.

    For ``a2.fc_net.FullyConnectedNet`` it is ``("a2.optim", <module a2.optim>)``, imported
    here. ``module`` is None when the package has no ``optim`` module; both are None for
    a class outside any package (defined in a notebook) or in the shared code. An error
    raised while importing an existing ``optim`` module propagates.
    """
    module_name = type(model).__module__ or ""
    package, dot, _ = module_name.partition(".")
    if not dot or package == SHARED_PACKAGE:
        return None, None
    name = f"{package}.optim"
    try:
        return name, importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return name, None


def _describe_rules(where, rules):
    """One entry of the unknown-rule message: a place and the rule names found there."""
    if rules is None:
        return where
    return f"{where}: {', '.join(map(repr, rules)) if rules else 'no rules'}"


def _atomic_pickle(obj, filename):
    """Pickle ``obj`` to ``filename`` so that the file is either complete or absent."""
    folder = os.path.dirname(os.path.abspath(filename))
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=os.path.basename(filename) + ".",
                                     suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp_name, filename)
    except BaseException:
        if os.path.exists(temp_name):
            os.remove(temp_name)
        raise
