"""nbgrader's settings in this folder: those of the nbgrader_config.py one folder up.

nbgrader reads the nbgrader_config.py of the folder it runs in; with this file,
`nbgrader validate` gives the same verdicts here as in the folder above.
"""

from pathlib import Path

load_subconfig("nbgrader_config.py",  # noqa: F821 (provided by nbgrader's config loader)
               path=str(Path(__file__).resolve().parent.parent))
