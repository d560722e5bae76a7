"""What each assignment consists of: its notebooks and its student package.

The instructor tooling, ``collectSubmission.sh`` and the tests all read this one
table, so adding a notebook to an assignment means adding it here.
"""

from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Assignment:
    """An assignment folder: its notebooks (names without .ipynb) and its package."""

    name: str
    package: str
    notebooks: tuple
    modules: tuple
    root: Path = field(default=REPO_ROOT, compare=False)

    @property
    def folder(self):
        return Path(self.root) / self.name

    @property
    def notebook_files(self):
        """Notebook paths relative to the assignment folder."""
        return tuple(f"{nb}.ipynb" for nb in self.notebooks)

    @property
    def module_files(self):
        """The package's required modules, relative to the assignment folder."""
        return tuple(f"{self.package}/{m}" for m in self.modules)

    @property
    def required_files(self):
        """Everything a complete submission must contain."""
        return self.notebook_files + self.module_files


ASSIGNMENTS = {
    "assignment1": Assignment(
        name="assignment1",
        package="a1",
        notebooks=("knn", "svm", "softmax", "two_layer_net", "features"),
        modules=("__init__.py", "knn.py", "linear_svm.py", "softmax.py",
                 "linear_classifier.py", "layers.py", "two_layer_net.py"),
    ),
    "assignment2": Assignment(
        name="assignment2",
        package="a2",
        notebooks=("FullyConnectedNets", "BatchNormalization", "Dropout",
                   "ConvolutionalNetworks"),
        modules=("__init__.py", "layers.py", "layer_utils.py", "optim.py", "fc_net.py",
                 "cnn.py"),
    ),
    "assignment3": Assignment(
        name="assignment3",
        package="a3",
        notebooks=("RNN_Captioning", "LSTM_Captioning", "GradientFlow"),
        modules=("__init__.py", "rnn_layers.py", "captioning_rnn.py"),
    ),
}


class UnknownAssignmentError(ValueError):
    """No assignment of that name is in the table."""


def get_assignment(name):
    """Look an assignment up by folder name, with a clear error for unknown names.

    An ``Assignment`` is returned as it is (the tests grade small made-up ones).
    """
    if isinstance(name, Assignment):
        return name
    try:
        return ASSIGNMENTS[name]
    except KeyError:
        known = ", ".join(sorted(ASSIGNMENTS))
        raise UnknownAssignmentError(
            f"unknown assignment {name!r}; known assignments: {known}") from None
