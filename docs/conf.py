"""Sphinx configuration of the netsurv documentation (``make docs``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

import netsurv

project = "netsurv"
author = "netsurv developers"
copyright = "netsurv developers"
version = release = netsurv.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "netsurv_docs",  # docs/_ext: pages generated from the code, executed notebooks
]

exclude_patterns = ["README.md", "_build", "_ext", "generated/fragments", "**.ipynb_checkpoints"]
root_doc = "index"

# MyST (Markdown pages) and MyST-NB (notebooks).  Notebooks are rendered with the outputs of
# the run that made them (netsurv_docs executes them, or the test suite did): never executed
# a second time by the build.
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"
nb_merge_streams = True

# API reference: autodoc + numpydoc; pages list the members explicitly (docs/api/*.md).
autodoc_typehints = "none"  # numpydoc sections carry the types; signatures stay readable
autodoc_member_order = "bysource"
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False

html_theme = "pydata_sphinx_theme"
html_title = f"netsurv {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_static_path: list[str] = []
html_show_sourcelink = False
