"""The student modules as a release ships them, for the explorer tests.

``released_module`` strips one instructor source file exactly as the release does
(``cs_utils.instructor.strip.strip_source``) and imports the result from a temporary
folder under a name of its own, so it never replaces the reference package (``a1``,
``a2``, ``a3``) that the other tests import.
"""

import importlib.util

from cs_utils.instructor.strip import strip_source
from tests.conftest import REPO_ROOT


def released_module(tmp_path, relative_source):
    """The stripped module of ``relative_source`` ("assignment1/a1/knn.py"), imported.

    Every graded function of it raises NotImplementedError, as a student's starting
    point does.
    """
    source = REPO_ROOT / relative_source
    name = "released_" + relative_source.replace("/", "_").removesuffix(".py")
    target = tmp_path / f"{name}.py"
    target.write_text(strip_source(source.read_text(encoding="utf-8"), relative_source),
                      encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
