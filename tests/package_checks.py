"""Checks every student package gets, written once for the assignment tests.

- ``check_module_strips_cleanly``: the release's stripping leaves valid Python with one
  NotImplementedError per solution region and the teaching comment above each region;
- ``stubbed_functions``: which functions of a module the stripped copy stubs;
- ``run_stripped_package``: run a script against a stripped copy of the whole package,
  as a student's fresh release would run it.
"""

import ast
import os
import subprocess
import sys

from cs_utils.instructor.strip import BEGIN_SOLUTION, END_SOLUTION, strip_source
from tests.conftest import REPO_ROOT


def stripped(package_dir, module):
    """The release's version of ``package_dir/module``."""
    return strip_source((package_dir / module).read_text(), f"{package_dir.name}/{module}")


def check_module_strips_cleanly(package_dir, module, has_regions):
    source = (package_dir / module).read_text()
    text = stripped(package_dir, module)
    ast.parse(text)
    assert "SOLUTION" not in text
    regions = source.count(BEGIN_SOLUTION)
    assert regions == source.count(END_SOLUTION)
    if not has_regions:
        assert regions == 0 and text == source
        return
    assert regions > 0
    assert text.count("raise NotImplementedError(") == regions
    # The teaching comment right above every region survives the stripping.
    lines = source.splitlines()
    for number, line in enumerate(lines):
        if line.strip() == BEGIN_SOLUTION:
            assert lines[number - 1].strip().startswith("#"), f"{module}:{number + 1}: no instructions"


def stubbed_functions(package_dir, module):
    """Names of the functions whose stripped body raises NotImplementedError."""
    stubbed = set()
    for node in ast.walk(ast.parse(stripped(package_dir, module))):
        if isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Raise) and isinstance(inner.exc, ast.Call)
                        and getattr(inner.exc.func, "id", "") == "NotImplementedError"):
                    stubbed.add(node.name)
    return stubbed


def run_stripped_package(package_dir, modules, script, tmp_path):
    """Write the stripped modules to ``tmp_path/<package>`` and run ``script`` there.

    The student's copy comes first on the path; cs_utils comes from the repository.
    Returns (the CompletedProcess, the folder of the stripped copy).
    """
    target = tmp_path / package_dir.name
    target.mkdir()
    for module in modules:
        (target / module).write_text(stripped(package_dir, module))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)])}
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, env=env)
    return result, target
