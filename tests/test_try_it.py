"""The book's "Try it" page: its preparation of a drawing (web/prepare.js) against Python's (handwriting.mnist_style),
on pictures drawn in Chromium (tests/data/drawn_*.png, saved by scripts/check_try_it_in_chromium.py --save-fixtures)
and on many drawn here; the model's contract as the page uses it; the pinned ONNX Runtime Web; the build's file check.

Node.js runs the JavaScript; without ``node`` those tests are skipped.
"""

import base64
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import PIL
import pytest
from PIL import Image, ImageDraw, ImageFilter

from mnist_adder_utils.data import MNIST_MEAN, MNIST_STD
from mnist_adder_utils.export import INPUT_NAMES, OUTPUT_NAMES
from mnist_adder_utils.handwriting import BOX, CENTRE, NoDigitError, grayscale, mnist_style

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
FIXTURES = sorted((ROOT / "tests" / "data").glob("drawn_*.png"))
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node (Node.js) is missing: web/prepare.js is run under it")
# Pillow 13 resizes a picture whose height shrinks much more than its width vertically first, as prepare.js does;
# older Pillows went horizontally first, one level apart here and there
needs_pillow_13 = pytest.mark.skipif(int(PIL.__version__.split(".")[0]) < 13, reason="prepare.js resizes as Pillow 13 does")

# Reads a JSON list of calls on stdin, {"function": name, "args": [...]}, where {"bytes": base64} stands for a
# Uint8Array and {"floats": [...]} for a Float32Array; writes their results as a JSON list, typed arrays as lists.
NODE_SCRIPT = """
import { readFileSync } from "node:fs";
const web = await import(process.env.PREPARE_JS);
const decode = (arg) => arg && arg.bytes !== undefined ? new Uint8Array(Buffer.from(arg.bytes, "base64"))
  : arg && arg.floats !== undefined ? Float32Array.from(arg.floats) : arg;
const encode = (value) => ArrayBuffer.isView(value) ? Array.from(value)
  : Array.isArray(value) ? value.map(encode)
  : value && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]))
  : value;
const calls = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(calls.map(({ function: name, args }) => encode(web[name](...args.map(decode))))));
"""


def node(calls):
    """Each (function name, args) of web/prepare.js run under Node.js, in one process: their results."""

    def encode(arg):
        if isinstance(arg, np.ndarray) and arg.dtype == np.uint8:
            return {"bytes": base64.b64encode(arg.tobytes()).decode("ascii")}
        if isinstance(arg, np.ndarray):
            return {"floats": arg.astype(np.float64).ravel().tolist()}
        return arg

    payload = json.dumps([{"function": name, "args": [encode(arg) for arg in args]} for name, args in calls])
    env = {**os.environ, "PREPARE_JS": (WEB / "prepare.js").as_uri()}
    done = subprocess.run([NODE, "--input-type=module", "-e", NODE_SCRIPT], input=payload, capture_output=True, text=True,
                          env=env, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def pixels_for_the_page(picture):
    """The pixels prepare() gets for ``picture``: gray levels for a gray picture, RGBA (as a canvas gives) otherwise."""
    if picture.mode == "L":
        return np.asarray(picture, dtype=np.uint8)
    return np.asarray(picture.convert("RGBA"), dtype=np.uint8)


def prepared_by_both(pictures):
    """Each picture prepared by Python (a 28x28 uint8 array, or None for no digit) and by the page's JavaScript."""
    results = node([("prepare", [pixels_for_the_page(p), p.width, p.height]) for p in pictures])
    pairs = []
    for picture, result in zip(pictures, results, strict=True):
        try:
            python = mnist_style(picture).numpy()
        except NoDigitError:
            python = None
        page = np.array(result["pixels"], dtype=np.uint8).reshape(28, 28) if "pixels" in result else None
        pairs.append((python, page, result))
    return pairs


def scribble(rng):
    """A random picture of strokes as users send them: any size, thick or thin, tiny or large, anywhere, blurred or
    sharp, dark on light or light on dark, gray, coloured or transparent."""
    size = (int(rng.integers(8, 300)), int(rng.integers(8, 300)))
    ink = Image.new("L", size, 0)
    width, height = int(rng.integers(1, size[0] + 1)), int(rng.integers(1, size[1] + 1))  # the strokes' box
    left, top = int(rng.integers(0, size[0] - width + 1)), int(rng.integers(0, size[1] - height + 1))
    points = [(left + float(rng.random()) * width, top + float(rng.random()) * height) for _ in range(int(rng.integers(1, 6)))]
    pen = int(rng.integers(1, 30)) if rng.random() < 0.8 else int(rng.integers(1, 4))
    ImageDraw.Draw(ink).line(points, fill=int(rng.integers(80, 256)), width=pen, joint="curve")
    if rng.random() < 0.5:
        ink = ink.filter(ImageFilter.GaussianBlur(float(rng.random()) * 3))
    kind = rng.choice(["L dark on light", "L light on dark", "RGB", "RGBA", "RGBA on paper"])
    if kind == "L light on dark":
        return ink
    dark_on_light = Image.eval(ink, lambda value: 255 - value)
    if kind == "L dark on light":
        return dark_on_light
    if kind == "RGB":
        return Image.merge("RGB", [dark_on_light, Image.eval(dark_on_light, lambda v: v * 9 // 10), dark_on_light])
    colour = [Image.new("L", size, int(c)) for c in rng.integers(0, 120, size=3)]
    if kind == "RGBA":  # ink on a transparent page, as a drawing program saves it
        return Image.merge("RGBA", [*colour, ink])
    paper = Image.merge("RGBA", [*colour, Image.eval(ink, lambda value: 255 - value // 2)])  # half-transparent paper
    return paper


@needs_node
def test_gray_levels_are_pillows_for_every_ink_and_transparency():
    levels, alphas = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8))
    rng = np.random.default_rng(0)
    rgba = np.stack([levels, rng.integers(0, 256, levels.shape), levels[::-1], alphas], axis=-1).astype(np.uint8)
    python = np.round(grayscale(Image.fromarray(rgba, "RGBA")) * 255).astype(np.uint8)
    calls = [("grayLevel", [int(r), int(g), int(b), int(a)]) for r, g, b, a in rgba.reshape(-1, 4)]
    page = np.array(node(calls), dtype=np.uint8).reshape(256, 256)
    assert (page == python).all(), f"{(page != python).sum()} of 65,536 pixels differ"


@needs_node
@needs_pillow_13
def test_resizing_is_pillows_to_the_last_bit():
    rng = np.random.default_rng(1)
    cases = []
    for _ in range(300):
        height, width = int(rng.integers(1, 120)), int(rng.integers(1, 120))
        pixels = rng.integers(0, 256, (height, width), dtype=np.uint8)
        if rng.random() < 0.5:
            pixels = np.asarray(Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(2)))  # smooth, like ink
        grow = rng.random() < 0.5
        size = tuple(int(s) for s in (rng.integers(s, 4 * s + 2) if grow else rng.integers(1, s + 1) for s in (width, height)))
        cases.append((pixels, size, "bilinear" if grow else "box"))
    results = node([("resize", [pixels, p.shape[1], p.shape[0], *size, name]) for pixels, size, name in cases for p in [pixels]])
    for (pixels, size, name), result in zip(cases, results, strict=True):
        resample = Image.BILINEAR if name == "bilinear" else Image.BOX
        python = np.asarray(Image.fromarray(pixels).resize(size, resample))
        assert np.array_equal(np.array(result, dtype=np.uint8).reshape(python.shape), python), (pixels.shape, size, name)


@needs_node
def test_the_centre_of_mass_is_numpys_to_the_last_bit():
    rng = np.random.default_rng(2)
    shapes = [(int(h), int(w)) for h, w in rng.integers(1, 21, (300, 2))] + [(20, 20)] * 20 + [(20, 1), (1, 20), (1, 1)]
    arrays = []
    for index, shape in enumerate(shapes):
        pixels = rng.integers(0, 256, shape, dtype=np.uint8) * (rng.random(shape) < 0.5)
        if index % 3 == 0:  # symmetric pictures, whose centres fall exactly on halves
            pixels = np.maximum(pixels, pixels[::-1, ::-1])
        pixels.flat[0] = max(pixels.flat[0], 1)  # never all zero
        arrays.append(np.asarray(pixels, dtype=np.float32) / 255)
    results = node([("centreOfMass", [a, a.shape[1], a.shape[0]]) for a in arrays])
    for scaled, (centre_y, centre_x) in zip(arrays, results, strict=True):
        mass = scaled.sum()  # as mnist_style computes them
        python_y = (scaled.sum(axis=1) * np.arange(scaled.shape[0])).sum() / mass
        python_x = (scaled.sum(axis=0) * np.arange(scaled.shape[1])).sum() / mass
        assert (centre_y, centre_x) == (float(python_y), float(python_x)), scaled.shape


@needs_node
@needs_pillow_13
def test_pictures_of_every_kind_are_prepared_exactly_as_python_prepares_them():
    rng = np.random.default_rng(3)
    pictures = [scribble(rng) for _ in range(300)]
    differences = []
    for picture, (python, page, result) in zip(pictures, prepared_by_both(pictures), strict=True):
        assert (python is None) == (page is None), (picture.mode, picture.size, result)
        if python is not None:
            differences.append(int(np.abs(python.astype(int) - page).max()))
    assert len(differences) > 200 and max(differences) == 0, f"{sum(d > 0 for d in differences)} pictures differ"


@needs_node
def test_a_blank_or_flat_picture_is_no_digit_for_the_page_too():
    flat = [Image.new("RGBA", (280, 280), "white"), Image.new("L", (50, 30), 90), Image.new("RGBA", (20, 20), (0, 0, 0, 0))]
    faint = Image.new("L", (100, 100), 255)
    ImageDraw.Draw(faint).line([(20, 20), (80, 80)], fill=240, width=10)  # ink 6% darker than the page
    for python, page, result in prepared_by_both([*flat, faint]):
        assert python is None and page is None and result["noDigit"].startswith("no digit found")


def path_taken(picture):
    """How mnist_style treats ``picture``: "shrunk" (BOX), "grown" (BILINEAR) or "kept" to fit the 20-pixel box, and
    whether the pasted digit was cut off at the field's edge."""
    steps = {}
    mnist_style(picture, steps)
    cropped, scaled = steps["cropped"], steps["scaled"]
    mass = scaled.sum()
    centre_y = (scaled.sum(axis=1) * np.arange(scaled.shape[0])).sum() / mass
    centre_x = (scaled.sum(axis=0) * np.arange(scaled.shape[1])).sum() / mass
    top, left = round(CENTRE - centre_y), round(CENTRE - centre_x)
    cut = top < 0 or left < 0 or top + scaled.shape[0] > 28 or left + scaled.shape[1] > 28
    longer = max(cropped.shape)
    return ("shrunk" if longer > BOX else "grown" if longer < BOX else "kept"), cut


def test_the_pictures_drawn_in_chromium_take_every_path():
    assert {path.stem for path in FIXTURES} >= {"drawn_7", "drawn_tiny", "drawn_heavy_top"}, [p.name for p in FIXTURES]
    paths = {path.stem: path_taken(Image.open(path)) for path in FIXTURES}
    assert paths["drawn_7"] == ("shrunk", False)
    assert paths["drawn_tiny"][0] == "grown"
    assert paths["drawn_heavy_top"][1], "the heavy-topped digit is cut off at the field's edge"


@needs_node
def test_pictures_drawn_in_chromium_are_prepared_as_python_prepares_them():
    pictures = [Image.open(path) for path in FIXTURES]
    for path, (python, page, result) in zip(FIXTURES, prepared_by_both(pictures), strict=True):
        assert python is not None and page is not None, (path.name, result)
        difference = np.abs(python.astype(int) - page) / 255
        print(f"{path.name}: largest difference {difference.max() * 255:.0f}/255, mean {difference.mean() * 255:.3f}/255")
        assert difference.max() <= 2 / 255 and difference.mean() <= 0.5 / 255, path.name


def test_the_page_feeds_the_model_as_its_contract_says():
    page = (WEB / "try_it.js").read_text()
    for name in (*INPUT_NAMES, *OUTPUT_NAMES):
        assert f'"{name}"' in page or f"{name}:" in page, name
    assert f"MNIST_MEAN = {MNIST_MEAN}" in page and f"MNIST_STD = {MNIST_STD}" in page
    assert "numThreads = 1" in page  # GitHub Pages is not cross-origin isolated: no threads there


def test_onnx_runtime_web_is_pinned_exactly_and_locked():
    wanted = json.loads((WEB / "package.json").read_text())["dependencies"]["onnxruntime-web"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", wanted), f"pin an exact version, not {wanted}"
    lock = json.loads((WEB / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/onnxruntime-web"]["version"] == wanted


def load_build():
    spec = importlib.util.spec_from_file_location("book_build", ROOT / "book" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_book_build_stops_when_a_file_of_the_page_is_missing(tmp_path):
    build = load_build()
    for path in build.try_it_files(ROOT).values():
        copy = tmp_path / path.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(b"")
    pinned = json.loads((WEB / "package.json").read_text())["dependencies"]["onnxruntime-web"]
    (tmp_path / "web" / "package.json").write_text((WEB / "package.json").read_text())
    installed = tmp_path / "web" / "node_modules" / "onnxruntime-web" / "package.json"
    installed.write_text(json.dumps({"version": pinned}))
    build.check_try_it_files(tmp_path)  # all there
    installed.write_text(json.dumps({"version": "1.0.0"}))
    with pytest.raises(SystemExit, match=f"holds onnxruntime-web 1.0.0, web/package.json pins {pinned}"):
        build.check_try_it_files(tmp_path)
    installed.write_text(json.dumps({"version": pinned}))
    (tmp_path / "image" / "mnist_adder.onnx").unlink()
    (tmp_path / "web" / "node_modules" / "onnxruntime-web" / "dist" / "ort-wasm-simd-threaded.wasm").unlink()
    with pytest.raises(SystemExit, match="missing: .*ort-wasm-simd-threaded.wasm, image/mnist_adder.onnx"):
        build.check_try_it_files(tmp_path)
    shutil.rmtree(tmp_path / "web" / "node_modules")
    with pytest.raises(SystemExit, match="npm ci --prefix web"):
        build.check_try_it_files(tmp_path)
