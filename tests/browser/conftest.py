import pytest

from tests.browser.jupyter import load_playwright


@pytest.fixture
def sync_playwright():
    """playwright's sync_playwright (the test skips, or fails in CI, without a browser)."""
    return load_playwright()
