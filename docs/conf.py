"""Sphinx configuration of the matdiff-magic documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (warnings are
errors; ``tests/test_docs.py`` runs exactly this). The build is offline: no intersphinx, and
the tutorials are rendered from the outputs stored in ``notebooks/`` (never executed here).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))   # autodoc imports the package from the source tree

import matdiff_magic  # noqa: E402

project = "matdiff-magic"
author = "The matdiff-magic contributors"
copyright = "the matdiff-magic contributors"
version = release = matdiff_magic.__version__

extensions = [
    "myst_nb",                 # Markdown (MyST) pages and the notebooks
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinx.ext.mathjax",
]

source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]

# --- MyST and the notebooks ----------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3          # [text](page.md#a-heading) links resolve
nb_execution_mode = "off"         # the tutorials show their stored outputs; nothing runs
# The notebooks store no widget view (notebooks/refresh_outputs.py drops it); should one
# appear, the static text/html rendering next to it is what the site shows.
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("html", "application/vnd.jupyter.widget-state+json", None),
]
nb_merge_streams = True

# --- API reference -------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "none"        # the numpydoc sections give the types
autodoc_class_signature = "mixed"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# --- HTML ----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "matdiff-magic"
html_static_path: list[str] = []
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}


# --- the contributor's guide ---------------------------------------------------------------
# contributing.md shows ../CONTRIBUTING.md when the file exists, followed by the page's own
# sections; without it, the page stands alone. The file's relative links are fitted to the
# site: into docs/, to a file the site shows as a page (the changelog, the benchmarks, the
# notebooks), or, for any other file of the repository, a code span with its path.
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
SITE_PAGES = {"README.md": "index.md", "CHANGELOG.md": "changelog.md",
              "CONTRIBUTING.md": "contributing.md", "benchmarks/README.md": "benchmarks.md",
              "notebooks/README.md": "tutorials/index.md"}


def _site_link(match: re.Match) -> str:
    image, text, target = match.groups()
    if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
        return match.group(0)                  # external, or an anchor in the page
    path, _, anchor = target.partition("#")
    path = path.removeprefix("./")
    anchor = "#" + anchor if anchor else ""
    if path.startswith("docs/"):
        return f"{image}[{text}]({path.removeprefix('docs/')}{anchor})"
    if path in SITE_PAGES:
        return f"{image}[{text}]({SITE_PAGES[path]}{anchor})"
    if re.fullmatch(r"notebooks/[^/]+\.ipynb", path):
        return f"[{text}](../{path})"          # a tutorial page (see tutorial_links)
    return f"{text} (`{path}`)" if text else f"`{path}`"


def contributing_source(page: str, guide: str | None) -> str:
    """The contributing page: the guide with its links fitted to the site, then the page's
    sections from its first second-level heading on."""
    if guide is None:
        return page
    own = page[page.index("\n## "):] if "\n## " in page else ""
    return _LINK.sub(_site_link, guide).rstrip() + "\n" + own


def _read_contributing(app, docname: str, source: list[str]) -> None:
    if docname == "contributing" and CONTRIBUTING.is_file():
        app.env.note_dependency(str(CONTRIBUTING))
        source[0] = contributing_source(source[0], CONTRIBUTING.read_text(encoding="utf-8"))


# --- links to the notebooks ----------------------------------------------------------------
# Pages link to the lecture notebooks where they live, ../notebooks/NAME.ipynb, so that the
# links work on a code host too; the site shows them as tutorials/NAME (symbolic links to
# the notebooks), and such a link becomes a link to that page.
NOTEBOOKS = (ROOT / "notebooks").resolve()
_NB_LINK = re.compile(r"(?<!!)\[([^\]`]+)\]\(([^)\s#]+\.ipynb)\)")


def tutorial_links(text: str, page_dir: Path, tutorials: Path) -> str:
    """``text`` with every Markdown link to a notebook of notebooks/ that the site shows
    under ``tutorials`` turned into a link to that page."""
    def sub(match: re.Match) -> str:
        target = (page_dir / match.group(2)).resolve()
        if target.parent == NOTEBOOKS and (tutorials / target.name).exists():
            return f"{{doc}}`{match.group(1)} </tutorials/{target.stem}>`"
        return match.group(0)
    return _NB_LINK.sub(sub, text)


def _read_links(app, docname: str, source: list[str]) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix == ".md":
        source[0] = tutorial_links(source[0], path.parent, Path(app.srcdir) / "tutorials")


def setup(app):
    app.connect("source-read", _read_contributing)
    app.connect("source-read", _read_links)
