"""Open the book's "Try it" page in a headless Chromium, draw on it as a reader would, and check what it answers.

The page loads from the built site alone (nothing leaves localhost), and fetches exactly the files book/build.py
copies into try_it/. With the number 5 picked, a 7 drawn with the mouse (a top bar and a diagonal, a thick pen like
a finger's) is read as 7 with the sum 12; the 28x28 picture the page shows is the one Python's mnist_style makes of
the same drawing, and ONNX Runtime Web's probabilities are Python ONNX Runtime's. A cleared pad gives a message,
not a prediction. Then the time from a stroke's end (pointerup) to the answer on the page, over 20 strokes: its
median, printed and checked against 50 ms. Opened as a file, the page says it needs a web server.

It needs a browser, which CI does not install, so it is run by hand after ``./run.sh book``:

    apt-get install -y chromium && .venv/bin/pip install -r scripts/browser-check-requirements.txt
    .venv/bin/python scripts/check_try_it_in_chromium.py --screenshot image/try_it.png --save-fixtures tests/data

--save-fixtures writes the drawings as the pad holds them (drawn_7.png, drawn_tiny.png: a tap, smaller than
MNIST's 20-pixel box, drawn_heavy_top.png: a 7 whose bar is gone over four times), which tests/test_try_it.py
prepares with both web/prepare.js and mnist_style.
"""

import argparse
import base64
import functools
import gzip
import http.server
import io
import shutil
import statistics
import sys
import threading
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mnist_adder_utils.data import MNIST_MEAN, MNIST_STD  # noqa: E402
from mnist_adder_utils.export import PROBABILITY_TOLERANCE  # noqa: E402
from mnist_adder_utils.handwriting import mnist_style  # noqa: E402

SITE = ROOT / "build" / "book" / "html"
PAGE_FILES = {"try_it.js", "prepare.js", "pen.js", "ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs",
              "ort-wasm-simd-threaded.wasm", "mnist_adder.onnx"}  # fmt: skip
REPEATS = 20
LATENCY_AIM_MS = 50

# strokes in the pad's own pixels (280x280), each a list of points the mouse passes through
SEVEN = [[(70, 62), (215, 58), (120, 245)]]
TINY = [[(246, 34)]]  # a tap
HEAVY_TOP = [[(40, 40), (240, 40), (240, 54), (40, 54), (40, 68), (240, 68), (240, 82), (40, 82), (240, 82), (150, 255)]]
OTHER_DRAWINGS = {"drawn_tiny.png": ("a tap", TINY), "drawn_heavy_top.png": ("a heavy-topped 7", HEAVY_TOP)}


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        raise SystemExit(1)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# Times each stroke: from its pointerup on the pad (seen first, on the way down to the pad) to the page's
# "try-it:answer" event, which it sends once the answer is on the page. Keeps each answer's details.
TIMER = """() => {
    window.answers = [];
    window.latencies = [];
    let up = null;
    window.addEventListener("pointerup", (event) => {
        if (event.target.id === "try-it-pad") up = performance.now();
    }, true);
    document.getElementById("try-it").addEventListener("try-it:answer", (event) => {
        if (up !== null && event.detail.digit) window.latencies.push(performance.now() - up);
        up = null;
        window.answers.push(event.detail);
    });
}"""


def draw(page, strokes):
    """Draw ``strokes`` on the pad with the mouse, several pointer moves between points; wait for the answer."""
    box = page.locator("#try-it-pad").bounding_box()
    scale = box["width"] / 280
    answers = page.evaluate("window.answers.length")
    for stroke in strokes:
        points = [(box["x"] + x * scale, box["y"] + y * scale) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=8)
        page.mouse.up()
    page.wait_for_function(f"window.answers.length >= {answers + len(strokes)}")
    return page.evaluate("window.answers[window.answers.length - 1]")


def clear(page):
    answers = page.evaluate("window.answers.length")
    page.locator("#try-it-clear").click()
    page.wait_for_function(f"window.answers.length > {answers}")


def pad_picture(page):
    from PIL import Image

    url = page.evaluate("document.getElementById('try-it-pad').toDataURL('image/png')")
    return Image.open(io.BytesIO(base64.b64decode(url.partition(",")[2])))


def shown_input(page):
    """The 28x28 picture the page shows as what the network receives."""
    rgba = page.evaluate("""() => Array.from(document.getElementById("try-it-input").getContext("2d")
        .getImageData(0, 0, 28, 28).data)""")
    return np.array(rgba, dtype=np.uint8).reshape(28, 28, 4)[:, :, 0]


def compare_with_python(page, name, answer, session):
    """The page's 28x28 picture against mnist_style's of the pad's pixels; its probabilities against ONNX Runtime's."""
    picture = pad_picture(page)
    python = mnist_style(picture).numpy()
    difference = np.abs(python.astype(int) - shown_input(page))
    check(difference.max() <= 2, f"{name}: the page's 28x28 picture is mnist_style's of the same drawing (largest "
                                 f"difference {difference.max()}/255, mean {difference.mean():.3f}/255)")  # fmt: skip
    if session is not None and answer["digit"]:
        image = ((shown_input(page).astype(np.float32) - 255 * MNIST_MEAN) / (255 * MNIST_STD)).reshape(1, 1, 28, 28)
        number = np.eye(10, dtype=np.float32)[[answer["number"]]]
        digit_log_probs, sum_logits = session.run(None, {"image": image, "number_onehot": number})
        sum_probs = np.exp(sum_logits - sum_logits.max()) / np.exp(sum_logits - sum_logits.max()).sum()
        largest = max(np.abs(np.exp(digit_log_probs[0]) - answer["digitProbs"]).max(),
                      np.abs(sum_probs[0] - answer["sumProbs"]).max())  # fmt: skip
        check(largest <= PROBABILITY_TOLERANCE, f"{name}: ONNX Runtime Web's probabilities are Python ONNX Runtime's "
                                                f"(largest difference {largest:.1e})")  # fmt: skip
    return picture


def check_loading(page, base):
    """Open the page, wait for the network; what it fetched. Returns the list the page's own errors go to."""
    outside, loaded, problems = [], [], []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
               else (outside.append(route.request.url), route.abort()))  # fmt: skip
    page.on("requestfinished", lambda request: loaded.append(request))
    # the page's own errors and ONNX Runtime's (the theme's are its own business)
    page.on("console", lambda message: message.type == "error" and "/try_it/" in message.location["url"]
            and problems.append(message.text))  # fmt: skip
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{base}/try_it.html")
    page.wait_for_function("document.getElementById('try-it').dataset.state !== 'loading'", timeout=60_000)
    check(page.locator("#try-it").get_attribute("data-state") == "ready",
          "the network loads: " + page.locator("#try-it-status").inner_text())  # fmt: skip
    check(not outside, f"nothing is fetched from outside the site (tried: {outside})")
    fetched = {request.url.rsplit("/", 1)[1] for request in loaded if "/try_it/" in request.url}
    check(fetched == PAGE_FILES, f"it fetches exactly the files in try_it/: {', '.join(sorted(fetched))}")
    total = sum(request.sizes()["responseBodySize"] for request in loaded)
    wasm = (SITE / "try_it" / "ort-wasm-simd-threaded.wasm").read_bytes()
    model = (SITE / "try_it" / "mnist_adder.onnx").stat().st_size
    print(f"      the page's whole download: {total / 1e6:.1f} MB ({len(loaded)} files; ONNX Runtime's WebAssembly "
          f"{len(wasm) / 1e6:.1f} MB of it, {len(gzip.compress(wasm)) / 1e6:.1f} MB gzipped, as a server that compresses "
          f"sends it; the model {model / 1e3:.0f} KB)")  # fmt: skip
    touch_action = page.eval_on_selector("#try-it-pad", "pad => getComputedStyle(pad).touchAction")
    check(touch_action == "none", "a finger on the pad draws instead of scrolling (touch-action: none)")
    return problems


def check_answers(page, session, screenshot):
    """The 7 with 5 picked, the cleared pad, the other drawings; the drawings as the pad held them, by file name."""
    page.locator("#try-it-number label", has_text="5").click()
    answer = draw(page, SEVEN)
    digit, sum_shown = page.locator("#try-it-digit").inner_text(), page.locator("#try-it-sum").inner_text()
    check((digit, sum_shown) == ("7", "12"), f"with 5 picked, a drawn 7 reads as {digit}, sum {sum_shown}: "
                                             + page.locator("#try-it-answer").inner_text().replace("\n", " "))  # fmt: skip
    check(page.locator(".try-it-bar").count() == 10 and page.locator("#try-it-bars").is_visible(),
          "ten bars show the digit's probabilities")  # fmt: skip
    drawings = {"drawn_7.png": compare_with_python(page, "the 7", answer, session)}
    if screenshot:
        page.locator("#try-it").screenshot(path=screenshot)
        print(f"saved {screenshot}")
    clear(page)
    check(page.locator("#try-it-digit").count() == 0 and not page.locator("#try-it-bars").is_visible(),
          "a cleared pad gives no prediction, but: " + page.locator("#try-it-answer").inner_text())  # fmt: skip
    for name, (what, strokes) in OTHER_DRAWINGS.items():
        answer = draw(page, strokes)
        drawings[name] = compare_with_python(page, what, answer, session)
        clear(page)
    return drawings


def check_opened_as_a_file(browser):
    """A page opened as a file runs no modules: it must say so, rather than load forever."""
    page = browser.new_page()
    page.goto((SITE / "try_it.html").as_uri())
    status = page.locator("#try-it-status").inner_text()
    check("needs a web server" in status, f"opened as a file, the page says what to do: {status}")
    page.close()


def check_latency(page):
    for _ in range(REPEATS):
        draw(page, SEVEN)
        clear(page)
    latencies = page.evaluate("window.latencies")[-REPEATS:]
    median = statistics.median(latencies)
    print(f"      from pointerup to the answer on the page, {REPEATS} strokes: median {median:.1f} ms "
          f"(fastest {min(latencies):.1f}, slowest {max(latencies):.1f})")  # fmt: skip
    check(median < LATENCY_AIM_MS, f"the answer follows the stroke in under {LATENCY_AIM_MS} ms (median)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium", help="the browser")
    parser.add_argument("--screenshot", help="save a picture of the page's pad and answer here")
    parser.add_argument("--save-fixtures", metavar="DIR", help="save the drawings as PNG files here, for the tests")
    args = parser.parse_args()
    if not (SITE / "try_it.html").is_file():
        raise SystemExit(f"error: no Try it page at {SITE}: build the book first with ./run.sh book")
    try:
        import onnxruntime

        session = onnxruntime.InferenceSession(str(SITE / "try_it" / "mnist_adder.onnx"), providers=["CPUExecutionProvider"])
    except ImportError:
        print("note: onnxruntime is not installed: the page's probabilities are not compared with Python's")
        session = None
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            problems = check_loading(page, f"http://127.0.0.1:{server.server_address[1]}")
            page.evaluate(TIMER)
            drawings = check_answers(page, session, args.screenshot)
            check_latency(page)
            check(not problems, f"no errors from the page's scripts or ONNX Runtime ({problems})")
            check_opened_as_a_file(browser)
            browser.close()
    finally:
        server.shutdown()
    if args.save_fixtures:
        folder = Path(args.save_fixtures)
        folder.mkdir(parents=True, exist_ok=True)
        for name, picture in drawings.items():
            picture.save(folder / name)
        print(f"saved {', '.join(drawings)} into {folder}")


if __name__ == "__main__":
    main()
