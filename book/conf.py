"""Sphinx settings for the book: the committed notebooks as pages, with their stored outputs (nothing re-runs).

Built by ``./run.sh book`` (book/build.py), which gathers the pages into build/book-source first.
"""

from mnist_adder_utils.notebook import REPOSITORY_URL

project = "mnist-adder"
author = "the mnist-adder authors"
extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["README.md"]  # a part of the home page (index.md), not a page of its own

# the outputs the notebooks were committed with: the book never runs them (and needs no data, GPU or internet)
nb_execution_mode = "off"
# a widget's live view needs a kernel; its static face (a screenshot or a line of text, stored beside it) shows instead
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_title = "mnist-adder"
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    "repository_branch": "main",
    "use_repository_button": True,
    "use_download_button": True,  # each notebook page offers its .ipynb
    "show_toc_level": 2,
}
html_last_updated_fmt = None
