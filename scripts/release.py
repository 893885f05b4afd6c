"""Prepare a release: stamp the version and the repository's URL into the notebooks and the README, build the
sdist and the wheel, check them, and print what a maintainer runs next.

    python scripts/release.py            # stamp, build into dist/, check
    python scripts/release.py --stamp-only
    python scripts/release.py --check-wheel dist/mnist_adder-X-py3-none-any.whl   # the check alone

The version is ``mnist_adder_utils.__version__`` and the URL ``mnist_adder_utils.notebook.REPOSITORY_URL``: the
one place each is kept. The notebooks' install cells pin the version and name the URL's git tag; their Colab
badges, and the README's, point at the URL. Building needs the ``build`` and ``twine`` packages.
"""

import argparse
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mnist_adder_utils import __version__  # noqa: E402
from mnist_adder_utils.notebook import REPOSITORY_URL  # noqa: E402

GIT_TAG_SOURCE = re.compile(r"git\+https://github\.com/[\w.-]+/[\w.-]+@v")
COLAB_BADGE_PATH = re.compile(r"colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/")


def stamp(text, version, url):
    """``text`` with the pinned release set to ``version``, and the install cell's git source and the Colab badges
    pointing at the repository ``url``."""
    slug = url.removeprefix("https://github.com/")
    text = re.sub(r'MNIST_ADDER_RELEASE = "[^"]*"', f'MNIST_ADDER_RELEASE = "{version}"', text)
    text = GIT_TAG_SOURCE.sub(f"git+{url}@v", text)
    return COLAB_BADGE_PATH.sub(f"colab.research.google.com/github/{slug}/blob/", text)


def stamp_notebook(path, version, url):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"][:2]:  # the title (badge) and the install cell
        source = stamp("".join(cell["source"]), version, url)
        cell["source"] = [line + "\n" for line in source.split("\n")[:-1]] + [source.split("\n")[-1]]
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def check_wheel(wheel):
    """The wheel holds every module of the package, its floors file, its pen and the bundled sample."""
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {f"mnist_adder_utils/{p.name}" for p in (ROOT / "mnist_adder_utils").glob("*.py")}
    modules |= {"mnist_adder_utils/floors.json", "mnist_adder_utils/pen.js"}
    sample = {f"mnist_adder_utils/mnist_sample/{p.name}" for p in (ROOT / "mnist_adder_utils" / "mnist_sample").glob("*.gz")}
    missing = sorted((modules | sample) - names)
    if missing:
        raise SystemExit(f"the wheel lacks {', '.join(missing)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stamp-only", action="store_true", help="stamp the notebooks and the README, build nothing")
    parser.add_argument(
        "--check-wheel", metavar="WHEEL", help="only check that WHEEL holds every module and the sample (no stamping, no build)"
    )
    args = parser.parse_args()
    if args.check_wheel:
        check_wheel(args.check_wheel)
        print(f"{Path(args.check_wheel).name} holds every module of the package and the bundled sample")
        return
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        stamp_notebook(path, __version__, REPOSITORY_URL)
    readme = ROOT / "README.md"
    readme.write_text(stamp(readme.read_text(), __version__, REPOSITORY_URL))
    print(f"stamped release {__version__} and {REPOSITORY_URL} into the notebooks and the README")
    if args.stamp_only:
        return
    dist = ROOT / "dist"
    for old in dist.glob(f"mnist_adder-{__version__}*"):
        old.unlink()
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], check=True)
    built = sorted(dist.glob(f"mnist_adder-{__version__}*"))
    subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, built)], check=True)
    check_wheel(next(p for p in built if p.suffix == ".whl"))
    print(f"\nbuilt and checked: {', '.join(p.name for p in built)}. Next, once CI passes on this commit:")
    print(f"  git tag v{__version__} && git push origin main v{__version__}")
    print(f"  python -m twine upload dist/mnist_adder-{__version__}*")


if __name__ == "__main__":
    main()
