"""Open the built book in a headless Chromium as a reader would, and check what the reader should see.

The home page: the chapter list holds every notebook and the teachers' guide, and its first figure has loaded.
Notebook 7's page: its figures have loaded, the explorer shows its static face (a screenshot), a solution sits
closed behind a toggle, and pressing the toggle opens it. Saves a screenshot of the home page for the README.
It needs a browser, which CI does not install, so it is run by hand after ``./run.sh book``:

    apt-get install -y chromium && .venv/bin/pip install -r scripts/browser-check-requirements.txt
    .venv/bin/python scripts/check_book_in_chromium.py --screenshot image/book.png
"""

import argparse
import functools
import http.server
import shutil
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

SITE = Path(__file__).resolve().parents[1] / "build" / "book" / "html"
NOTEBOOK_PAGES = 10


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        raise SystemExit(1)


def loaded_images(page, selector):
    """How many of the images ``selector`` finds the browser can load and decode (some load only when scrolled to)."""
    script = """images => Promise.all(images.map(image => {
        const copy = new Image();
        copy.src = image.src;
        return copy.decode().then(() => 1, () => 0);
    })).then(loaded => loaded.reduce((a, b) => a + b, 0))"""
    return page.eval_on_selector_all(selector, script)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def check_home(page, url, screenshot):
    page.goto(url)
    chapters = [text.strip() for text in page.locator("nav.bd-docs-nav a.reference.internal").all_text_contents()]
    notebooks = [title for title in chapters if title[:2].rstrip(".").isdigit()]
    check(len(notebooks) == NOTEBOOK_PAGES, f"the chapter list holds the {NOTEBOOK_PAGES} notebooks ({len(notebooks)} found)")
    check(any("Teaching" in title for title in chapters), "and the teachers' guide")
    local = "article img:not([src^='http'])"  # the Colab badges are on the internet
    figures = page.locator(local).count()
    check(figures > 0 and loaded_images(page, local) == figures, f"the home page's {figures} figures load")
    if screenshot:
        page.screenshot(path=screenshot)
        print(f"saved {screenshot}")


def check_notebook_page(page, url):
    page.goto(url)
    local = "article img:not([src^='http'])"  # the Colab badge is on the internet
    images = page.locator(local).count()
    check(images > 0 and loaded_images(page, local) == images, f"notebook 7's {images} figures all load")
    for widget in ("prediction_explorer(", "draw_and_predict("):
        cell = page.locator("div.cell", has=page.locator(".cell_input", has_text=widget))
        check(cell.locator(".cell_output img").count() == 1, f"{widget[:-1]}'s cell shows its screenshot")
    solution = page.locator("article details.hide").first
    check(solution.count() == 1 and solution.get_attribute("open") is None, "a solution sits closed behind a toggle")
    check(not solution.locator(".cell_input").first.is_visible(), "its code is out of sight")
    solution.locator("summary").click()
    check(solution.get_attribute("open") is not None and solution.locator(".cell_input").first.is_visible(),
          "the toggle opens it")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium", help="the browser")
    parser.add_argument("--screenshot", help="save a picture of the home page here")
    args = parser.parse_args()
    if not (SITE / "index.html").is_file():
        raise SystemExit(f"error: no book at {SITE}: build it first with ./run.sh book")
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            check_home(page, f"{base}/index.html", args.screenshot)
            check_notebook_page(page, f"{base}/notebooks/07_results_explorer.html")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
