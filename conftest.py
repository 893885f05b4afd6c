"""Every pytest run here (the unit tests, nbval on the notebooks, ./run.sh test) keeps its files in a scratch folder.

The notebooks and the command line keep checkpoints in runs/ and figures in image/; a test run that wrote there
would replace a reader's trained model and the committed figures. So before anything runs, $MNIST_ADDER_RUNS and
$MNIST_ADDER_IMAGE_DIR point into a fresh temporary folder, which the notebooks' kernels inherit; so does
$MNIST_ADDER_PROGRESS=off, which turns the progress bars off. Paths in that
folder are shown as ../runs in outputs (notebooks/nbval_sanitize.cfg), as they are in the committed notebooks.
"""

import os
import shutil
import tempfile
from pathlib import Path

SCRATCH_PREFIX = "mnist-adder-test-"  # notebooks/nbval_sanitize.cfg recognises the folder by this name
_scratch = []


def pytest_configure(config):
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    _scratch.append(scratch)
    os.environ["MNIST_ADDER_RUNS"] = str(scratch / "runs")
    os.environ["MNIST_ADDER_IMAGE_DIR"] = str(scratch / "image")
    os.environ["MNIST_ADDER_PROGRESS"] = "off"  # progress.py: no bars, whose thousands of widget messages nbval reads late


def pytest_unconfigure(config):
    for scratch in _scratch:
        shutil.rmtree(scratch, ignore_errors=True)
