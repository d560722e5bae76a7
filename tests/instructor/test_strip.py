import ast

import pytest

from cs_utils.instructor.strip import StripError, has_markers, remove_markers, strip_source

SOURCE = '''import numpy as np


class Model:
    def loss(self, X):
        """Docstring."""
        scores = X @ self.W
        # Compute the loss from the scores.
        ### BEGIN SOLUTION
        loss = float(np.sum(scores ** 2))
        secret = "reference-only-line"
        ### END SOLUTION
        return loss


def helper(x):
    # Loop over rows.
    for row in x:
        ### BEGIN SOLUTION
        row *= 2
        ### END SOLUTION
    return x
'''


def test_regions_become_stubs_naming_the_function_and_file():
    out = strip_source(SOURCE, "a1/model.py")
    assert "reference-only-line" not in out and "row *= 2" not in out
    assert not has_markers(out)
    assert ('        raise NotImplementedError("Model.loss: write your code here '
            '(a1/model.py)")\n') in out
    assert '        raise NotImplementedError("helper: write your code here' in out
    # The teaching comments and the code outside the regions stay.
    assert "# Compute the loss from the scores." in out and "return loss" in out
    assert "for row in x:" in out
    ast.parse(out)


def test_stub_raises_when_called():
    namespace = {}
    exec(compile(strip_source(SOURCE, "m.py"), "m.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="helper"):
        namespace["helper"]([1])


def test_hidden_test_regions_are_removed():
    text = "def f():\n    x = 1\n    ### BEGIN HIDDEN TESTS\n    assert x == 1\n" \
           "    ### END HIDDEN TESTS\n    return x\n"
    assert strip_source(text) == "def f():\n    x = 1\n    return x\n"


@pytest.mark.parametrize("text, message", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "without a matching"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n",
     "inside the region"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "outside a function"),
    ("def f():\n    ### BEGIN HIDDEN TESTS\n    x = 1\n    ### END SOLUTION\n",
     "without a matching"),
])
def test_malformed_regions_are_reported_with_their_line(text, message):
    with pytest.raises(StripError, match=message):
        strip_source(text, "bad.py")


def test_remove_markers_keeps_the_solution_as_plain_code():
    plain = remove_markers(SOURCE)
    assert not has_markers(plain)
    assert "reference-only-line" in plain
    namespace = {}
    exec(compile(plain, "m.py", "exec"), namespace)
    assert namespace["helper"]([1.0]) == [1.0]  # floats are immutable: row *= 2 rebinds
