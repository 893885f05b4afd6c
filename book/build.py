"""Build the book: the README as its home page, one page per notebook with its stored outputs, the teachers'
guide. Warnings are errors, and every link and image inside the built site is checked. Offline; nothing re-runs.

    python book/build.py            # what ./run.sh book runs; the site lands in build/book/html

The "Try it" page (book/try_it.md) runs the trained network in the reader's browser: build.py copies its script
(web/), ONNX Runtime Web's WebAssembly build (web/node_modules, which ``npm ci --prefix web`` installs; ./run.sh book
does) and the model (image/mnist_adder.onnx) into the site's try_it/ folder, and stops if one of them is missing.

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
# what the Try it page loads, beside it in try_it/: its own scripts, ONNX Runtime Web's plain WebAssembly build
# (one thread: what ort.wasm.min.mjs fetches then, checked in Chromium), and the model
TRY_IT_SCRIPTS = ("try_it.js", "prepare.js")
PEN = Path("mnist_adder_utils") / "pen.js"  # how the pad draws: the notebooks' drawing pad shares it
ONNX_RUNTIME_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
MODEL = Path("image") / "mnist_adder.onnx"


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
    # its links are written as they stand in the book, where the page sits at the root
    (SOURCE / "try_it.md").write_text(outside_links_to_repository((ROOT / "book" / "try_it.md").read_text(), "."))
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        book_notebook(path, SOURCE / "notebooks" / path.name)


def try_it_files(root=ROOT):
    """What the Try it page needs in its folder: {name there: the file in the checkout at ``root``}."""
    dist = root / "web" / "node_modules" / "onnxruntime-web" / "dist"
    return {
        **{name: root / "web" / name for name in TRY_IT_SCRIPTS},
        PEN.name: root / PEN,
        **{name: dist / name for name in ONNX_RUNTIME_FILES},
        MODEL.name: root / MODEL,
    }


def check_try_it_files(root=ROOT):
    """Stop with what to do when a file of the Try it page is missing, or ONNX Runtime Web is not the pinned one."""
    package = root / "web" / "node_modules" / "onnxruntime-web" / "package.json"
    if not package.is_file():
        sys.exit("error: the Try it page needs ONNX Runtime Web, not installed in web/node_modules: run npm ci --prefix web"
                 " (./run.sh book does it when web/node_modules is missing)")  # fmt: skip
    pinned = json.loads((root / "web" / "package.json").read_text())["dependencies"]["onnxruntime-web"]
    installed = json.loads(package.read_text())["version"]
    if installed != pinned:
        sys.exit(f"error: web/node_modules holds onnxruntime-web {installed}, web/package.json pins {pinned}:"
                 " run npm ci --prefix web")  # fmt: skip
    missing = [path.relative_to(root).as_posix() for path in try_it_files(root).values() if not path.is_file()]
    if missing:
        sys.exit("error: the Try it page needs these files, missing: " + ", ".join(missing))


def copy_try_it(site):
    """The Try it page's scripts, ONNX Runtime Web and the model into ``site``/try_it; their total size in bytes."""
    folder = site / "try_it"
    folder.mkdir()
    for name, path in try_it_files().items():
        shutil.copy(path, folder / name)
    return sum(path.stat().st_size for path in folder.iterdir())


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
    check_try_it_files()
    gather()
    shutil.rmtree(SITE, ignore_errors=True)
    build = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(ROOT / "book"), "-W", "--keep-going", "-q",
             str(SOURCE), str(SITE)]  # fmt: skip
    if subprocess.run(build).returncode:
        sys.exit("error: the book did not build without warnings (above)")
    try_it_bytes = copy_try_it(SITE)
    broken = broken_links(SITE)
    if broken:
        sys.exit("error: broken links in the book:\n  " + "\n  ".join(broken))
    pages = len([page for page in SITE.rglob("*.html") if "_static" not in page.relative_to(SITE).parts])
    print(f"built {pages} pages into {SITE.relative_to(ROOT)}, every internal link and image checked: open index.html")
    print(f"the Try it page's files (try_it/): {try_it_bytes / 1e6:.1f} MB, ONNX Runtime Web's WebAssembly the most of it")


if __name__ == "__main__":
    main()
