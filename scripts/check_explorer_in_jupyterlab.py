"""Use notebook 07's explorer and drawing pad in JupyterLab as a reader would, in a headless Chromium.

Opens a scratch copy of notebooks/ in JupyterLab (JupyterLab autosaves, the committed notebooks stay
untouched), runs all cells of 07, then moves the number slider with the keyboard, types an image index into
the other slider, presses "random image", and checks that each one redraws the answer. On the drawing pad it
clears the picture, draws a 7 with the mouse, and checks that the answer appears and follows the number. It
uploads a photographed 7 (tests/colab/uploaded_digit.png) through the upload button and checks the answer. It
fails on any error output. It reads what a reader sees: the text in the page. It needs a browser, which CI does
not install, so it is run by hand (its tools are pinned in scripts/browser-check-requirements.txt):

    apt-get install -y chromium && .venv/bin/pip install -r scripts/browser-check-requirements.txt
    .venv/bin/python scripts/check_explorer_in_jupyterlab.py --screenshot image/explorer.png \
        --pad-screenshot image/drawing_pad.png
"""

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK = "07_results_explorer.ipynb"
UPLOADED_PICTURE = NOTEBOOKS.parent / "tests" / "colab" / "uploaded_digit.png"
TOKEN = "explorer-check"
RUN_ALL_SECONDS = 600  # without a checkpoint the notebook trains a short run first


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_lab(folder, port):
    # the checkout's checkpoints (if any), so the notebook need not train
    env = {"MNIST_ADDER_RUNS": str(NOTEBOOKS.parent / "runs"), **os.environ, "MNIST_ADDER_IMAGE_DIR": str(folder / "image")}
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={folder}", "--allow-root"]  # fmt: skip
    log = open(folder / "jupyterlab.log", "w")  # noqa: SIM115  (closed with the scratch folder)
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(120):
        if server.poll() is not None:
            sys.exit("error: JupyterLab stopped:\n" + (folder / "jupyterlab.log").read_text()[-2000:])
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=1)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    sys.exit("error: JupyterLab did not start within a minute")


def wait_until(condition, seconds=10):
    """Poll ``condition`` until it holds or ``seconds`` pass (the kernel redraws asynchronously)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.25)


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        raise SystemExit(1)


def use_explorer(page, url, screenshot):
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    select_kernel = page.locator(".jp-Dialog button", has_text="Select")  # JupyterLab asks when the kernel is slow to start
    with contextlib.suppress(PlaywrightTimeout):
        select_kernel.click(timeout=10_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.get_by_text("Run All Cells", exact=True).click()
    print("running all cells", flush=True)
    explorer = page.locator(".widget-vbox").first
    explorer.wait_for(timeout=RUN_ALL_SECONDS * 1000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", state="attached", timeout=60_000)
    print("all cells ran", flush=True)
    errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
    check(errors.count() == 0, f"no error or warning output in the notebook ({errors.count()} found)")
    explorer.scroll_into_view_if_needed()

    def readouts():
        # the text in the page (inner_text, which asks for the rendered text, reads these readouts as empty)
        return [text.strip() for text in explorer.locator(".widget-readout").all_text_contents()]

    def answer():
        return explorer.locator(".widget-output img").get_attribute("src")

    def changed_after(action, expected_readouts, what):
        before = answer()
        action()
        wait_until(lambda: readouts() == expected_readouts and answer() != before)
        check(readouts() == expected_readouts and answer() != before, f"{what}: sliders {readouts()}, answer redrawn")

    wait_until(lambda: readouts() == ["0", "3"])  # a cell scrolled into view is laid out a moment later
    shown = readouts()
    check(shown == ["0", "3"] and answer() is not None, f"the explorer shows image 0 + 3 ({shown})")
    number_handle = explorer.locator(".noUi-handle").nth(1)

    def number_right_twice():
        number_handle.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")

    changed_after(number_right_twice, ["0", "5"], "number slider moved with the arrow keys")

    def type_index():
        explorer.locator(".widget-readout").first.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("42")
        page.keyboard.press("Enter")

    changed_after(type_index, ["42", "5"], "test image 42 typed into the slider")
    before = readouts()
    explorer.locator("button", has_text="random image").click()
    wait_until(lambda: readouts() != before)
    check(readouts()[0] != "42" and readouts()[1] == "5", f"'random image' picked another image ({readouts()})")
    if screenshot:
        time.sleep(1)
        explorer.screenshot(path=screenshot)
        print(f"saved {screenshot}")


def use_drawing_pad(page, screenshot):
    canvas = page.locator("canvas.mnist-adder-pad")
    check(canvas.count() == 1, "the drawing pad is shown")
    pad_box = page.locator(".widget-hbox", has=canvas).last
    pad_box.scroll_into_view_if_needed()

    def answer():
        return pad_box.locator(".widget-output").text_content().strip()

    pad_box.locator("button", has_text="clear").click()
    wait_until(lambda: "draw a digit" in answer())
    check("draw a digit" in answer(), f"'clear' empties the pad ({answer()!r})")
    box = canvas.bounding_box()
    scale = box["width"] / 280
    page.mouse.click(box["x"] + 140 * scale, box["y"] + 140 * scale)  # a tap: a dot, which the network reads as something
    wait_until(lambda: answer().startswith("digit"))
    check(answer().startswith("digit"), f"a tap leaves a mark that is read: {answer()!r}")
    pad_box.locator("button", has_text="clear").click()
    wait_until(lambda: "draw a digit" in answer())
    page.mouse.move(box["x"] + 70 * scale, box["y"] + 60 * scale)
    page.mouse.down()
    for x, y in ((140, 60), (210, 60), (170, 145), (130, 230)):  # a 7: across, then down to the left
        page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=8)
    page.mouse.up()
    wait_until(lambda: "+ 3 =" in answer())
    check(answer().startswith("digit 7") and "+ 3 = 10" in answer(), f"a 7 drawn with the mouse is read: {answer()!r}")
    slider = pad_box.locator(".noUi-handle").first
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_until(lambda: "+ 5 =" in answer())
    check("7 + 5 = 12" in answer(), f"the answer follows the number slider: {answer()!r}")
    if screenshot:
        time.sleep(1)
        pad_box.screenshot(path=screenshot)
        print(f"saved {screenshot}")


def use_upload(page, picture):
    box = page.locator(".widget-vbox", has=page.locator(".widget-upload")).last
    box.scroll_into_view_if_needed()
    check("10 MB" in box.text_content(), "the upload button says its size limit beside it")
    with page.expect_file_chooser() as chooser:  # the button opens the browser's file dialog, as for a reader
        box.locator(".widget-upload").click()
    chooser.value.set_files(str(picture))

    def answer():
        return box.locator(".widget-output").text_content().strip()

    wait_until(answer)
    check(answer().startswith("digit 7") and "7 + 3 = 10" in answer(), f"an uploaded photo of a 7 is read: {answer()!r}")
    wait_until(lambda: box.locator(".widget-output img").count() == 1)  # the picture may come a moment after the text
    check(box.locator(".widget-output img").count() == 1, "with the picture the network read")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium", help="the browser")
    parser.add_argument("--screenshot", help="save a picture of the explorer here")
    parser.add_argument("--pad-screenshot", help="save a picture of the drawing pad here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "notebooks"
        shutil.copytree(NOTEBOOKS, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        port = free_port()
        server = start_lab(folder, port)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                try:
                    use_explorer(page, f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?token={TOKEN}", args.screenshot)
                    use_drawing_pad(page, args.pad_screenshot)
                    use_upload(page, UPLOADED_PICTURE)
                except (Exception, SystemExit):
                    page.screenshot(path="explorer-check-failed.png")
                    print("the page as it was: explorer-check-failed.png")
                    raise
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
