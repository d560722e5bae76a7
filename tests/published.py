"""Checking against values that the CS231n-family courses publish in their notebooks.

Instructors port those notebooks' checks ("expected_next_h = ...", "expected loss
9.83235591003"), so the reference solutions must reproduce each published value to the
digits it was printed with. The tests that do so sit beside the other tests of each
function; the notebooks hold the same values as visible checks for the students.
"""

import numpy as np


def assert_reproduces(value, published, decimals):
    """Assert that ``value`` rounds to ``published``, printed with ``decimals`` decimals:
    same shape, and no entry further from it than half a unit of the last decimal."""
    value = np.asarray(value, dtype=np.float64)
    published = np.asarray(published, dtype=np.float64)
    assert value.shape == published.shape, f"shape {value.shape}, published {published.shape}"
    distance = float(np.max(np.abs(value - published)))
    assert distance <= 0.5 * 10.0 ** -decimals, (
        f"{distance:.2e} away from the published values, printed with {decimals} decimals")
