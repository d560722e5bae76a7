from cs_utils.gradient_check import eval_numerical_gradient_array
from tests.conftest import add_assignment_to_path

add_assignment_to_path("assignment3")


def numerical_gradients(forward, arrays, upstream):
    """Numerical gradients of ``sum(forward() * upstream)`` with respect to each array.

    ``forward()`` returns an array of the shape of ``upstream`` computed from
    ``arrays``, which are perturbed in place (and restored): it must read them, not
    copies. This is what a backward pass computes for an upstream gradient.
    """
    return [eval_numerical_gradient_array(lambda _: forward(), a, upstream) for a in arrays]
