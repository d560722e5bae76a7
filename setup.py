"""The one compiled module: the im2col behind ``cs_utils.fast_layers``.

Everything else about the package is in pyproject.toml. The extension is optional:
without a C compiler ``pip install -e .`` still succeeds, and fast_layers falls back
to pure numpy and says so.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("cs_utils._im2col_cython", ["cs_utils/_im2col_cython.pyx"], optional=True),
    ],
)
