"""Build the book: the README as its home page, one page per notebook with its stored outputs, the teachers'
guide. Warnings are errors, and every link and image inside the built site is checked. Offline; nothing re-runs.

    python book/build.py            # what ./run.sh book runs; the site lands in build/book/html

The pages are gathered into build/book-source first, with three changes that only the book needs: each notebook's
solution cells (tag ``solution``) get myst-nb's ``hide-cell`` tag, so they sit closed behind a toggle; its Colab
install cell (a collapsed form) is left out, since a book reader runs nothing; and links that leave the book (to
files that are not pages, like benchmarks/README.md) point at the repository instead.
"""

import html.parser
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mnist_adder_utils.notebook import REPOSITORY_URL  # noqa: E402

SOURCE, SITE = ROOT / "build" / "book-source", ROOT / "build" / "book" / "html"
MARKDOWN_LINK = re.compile(r"\]\(([^)\s#]+)(#[^)\s]*)?\)")
DOCS = ROOT / "docs"  # each Markdown file there is a page of the book: the glossary, the results, the teachers' guide


def outside_links_to_repository(text, folder):
    """``text`` with each relative Markdown link to a file that is not a book page pointed at the repository."""

    def point(match):
        target, fragment = match.group(1), match.group(2) or ""
        if urlsplit(target).scheme or target.endswith((".ipynb", ".png", ".svg", ".jpg")):
            return match.group(0)
        if target == "../README.md":  # the home page
            return f"](../index.md{fragment})"
        path = (ROOT / folder / target).resolve()
        if path.parent == DOCS and path.suffix == ".md":  # a page of the book, at the same place
            return match.group(0)
        path = path.relative_to(ROOT)
        return f"]({REPOSITORY_URL}/blob/main/{path.as_posix()}{fragment})"

    return MARKDOWN_LINK.sub(point, text)


def book_notebook(path, destination):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "solution" in tags:
            tags.append("hide-cell")
        if cell["metadata"].get("cellView") == "form":  # the Colab install cell
            tags.append("remove-cell")
        if cell["cell_type"] == "markdown":
            cell["source"] = outside_links_to_repository("".join(cell["source"]), "notebooks")
    destination.write_text(json.dumps(notebook))


def gather():
    shutil.rmtree(SOURCE, ignore_errors=True)
    (SOURCE / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "book" / "index.md", SOURCE / "index.md")
    (SOURCE / "docs").mkdir()
    for page in sorted(DOCS.glob("*.md")):
        (SOURCE / "docs" / page.name).write_text(outside_links_to_repository(page.read_text(), "docs"))
    shutil.copytree(ROOT / "image", SOURCE / "image")
    (SOURCE / "README.md").write_text(outside_links_to_repository((ROOT / "README.md").read_text(), "."))
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        book_notebook(path, SOURCE / "notebooks" / path.name)


class Links(html.parser.HTMLParser):
    """The local links (href, src) of a page and the ids it defines."""

    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            value = attrs.get(name)
            if value and not urlsplit(value).scheme and not value.startswith(("//", "mailto:", "javascript:")):
                self.links.append(value)


def broken_links(site):
    """Each link or image inside ``site`` whose file, or whose #anchor in that file, does not exist."""
    pages = {}
    for page in site.rglob("*.html"):
        if "_static" in page.relative_to(site).parts:  # the theme's own templates, not pages
            continue
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        pages[page.resolve()] = parser
    broken = []
    for page, parser in pages.items():
        for link in parser.links:
            parts = urlsplit(link)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site.resolve())}: {link} (no such file)")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in pages[target].ids:
                broken.append(f"{page.relative_to(site.resolve())}: {link} (no such anchor)")
    return broken


def main():
    gather()
    shutil.rmtree(SITE, ignore_errors=True)
    build = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(ROOT / "book"), "-W", "--keep-going", "-q",
             str(SOURCE), str(SITE)]  # fmt: skip
    if subprocess.run(build).returncode:
        sys.exit("error: the book did not build without warnings (above)")
    broken = broken_links(SITE)
    if broken:
        sys.exit("error: broken links in the book:\n  " + "\n  ".join(broken))
    pages = len([page for page in SITE.rglob("*.html") if "_static" not in page.relative_to(SITE).parts])
    print(f"built {pages} pages into {SITE.relative_to(ROOT)}, every internal link and image checked: open index.html")


if __name__ == "__main__":
    main()
