#!/usr/bin/env bash
# One entry point that sets itself up: a virtual environment in .venv, PyTorch, this package
# with its test tools, and Graphviz (for the model graph). Run it from anywhere.
#
#   ./run.sh train [ARGS]   train the model (python -m mnist_adder_utils train ARGS)
#   ./run.sh test           lint, unit tests, every notebook under nbval (training ones 3 epochs), the Colab-like check
#   ./run.sh test-notebooks [NOTEBOOK...]  the notebooks alone under nbval (training ones 3 epochs), e.g. on full MNIST
#   ./run.sh test-full      lint, unit tests, every notebook under nbval with its full training runs (slow on a CPU)
#   ./run.sh colab-check    the notebooks as Colab runs them: its package versions, a fresh runtime each
#   ./run.sh notebooks      re-execute all notebooks in place (refreshes outputs and image/)
#   ./run.sh lab            open the tutorial in JupyterLab
#   ./run.sh book           build the book (a website of the notebooks, their stored outputs) into build/book/html
#
# TORCH_SPEC picks the PyTorch build, e.g. TORCH_SPEC="torch==2.14.1 torchvision==0.29.1".
set -euo pipefail
cd "$(dirname "$0")"
VENV=${MNIST_ADDER_VENV:-.venv}
PY="$VENV/bin/python"

setup() {
  if [ ! -x "$PY" ]; then
    echo "== creating $VENV"
    python3 -m venv "$VENV" || { echo "error: python3 -m venv failed; on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
  fi
  if ! "$PY" -c "import torch, torchvision" 2>/dev/null; then
    echo "== installing PyTorch (${TORCH_SPEC:-torch torchvision})"
    "$PY" -m pip install -q --upgrade pip
    # shellcheck disable=SC2086  # TORCH_SPEC holds several requirements
    "$PY" -m pip install -q ${TORCH_SPEC:-torch torchvision}
  fi
  if ! "$PY" -c "import mnist_adder_utils, nbval, ruff, pandas, onnxruntime" 2>/dev/null; then
    echo "== installing mnist_adder_utils with its test tools"
    "$PY" -m pip install -q -e ".[test]"
  fi
  if ! command -v dot >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "== installing Graphviz"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
    else
      echo "warning: Graphviz's 'dot' program is missing; the model graph needs it: sudo apt-get install graphviz (macOS: brew install graphviz)" >&2
    fi
  fi
}

colab_venv() {
  # a second environment with Colab's versions of what the package needs and of its Jupyter stack
  # (tests/colab/requirements.txt), and a stand-in google.colab imported at start-up, as Colab does
  # (tests/colab/google: it records each call)
  local venv=$1 py="$1/bin/python"
  if [ ! -x "$py" ]; then
    echo "== creating $venv (Colab's package versions)"
    python3 -m venv "$venv"
  fi
  if ! "$py" -c "import torch, torchvision, nbval" 2>/dev/null; then
    "$py" -m pip install -q --upgrade pip
    # shellcheck disable=SC2086  # TORCH_SPEC holds several requirements
    "$py" -m pip install -q ${TORCH_SPEC:-torch torchvision}
  fi
  "$py" -m pip install -q -r tests/colab/requirements.txt
  printf '%s\nimport google.colab\n' "$PWD/tests/colab" >"$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/colab_stand_in.pth"
}

build_wheel() {
  # the mnist-adder wheel a reader would get from PyPI, built from this checkout into folder $1 and checked; prints its path
  local folder=$1 wheels
  "$PY" -m pip wheel -q --no-deps --disable-pip-version-check -w "$folder" . >&2
  wheels=("$folder"/mnist_adder-*.whl)
  if [ ${#wheels[@]} -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
    echo "error: expected one mnist_adder wheel in $folder, found: ${wheels[*]}" >&2
    exit 1
  fi
  "$PY" scripts/release.py --check-wheel "${wheels[0]}" >&2
  echo "${wheels[0]}"
}

check_colab_calls() {
  # notebook 7 took Colab's branches: anywidget switched on Colab's widget manager, the upload used Colab's picker
  local calls=$1 call
  for call in "output.enable_custom_widget_manager" "files.upload uploaded_digit.png"; do
    if ! grep -qx "$call" "$calls"; then
      echo "error: the notebooks never called google.colab's $call (calls made: $(sort -u "$calls" | paste -sd ';'))" >&2
      exit 1
    fi
  done
  echo "google.colab calls made: $(sort "$calls" | uniq -c | paste -sd ';')"
}

colab_check() {
  # Each notebook in a fresh runtime of its own (mnist-adder and torchviz uninstalled, a scratch runs folder:
  # conftest.py), its install cell taking its Colab branch and installing this checkout's wheel, at quick settings
  # on the offline sample (full MNIST is checked elsewhere): nbval checks that every cell runs, not its outputs.
  local venv=${MNIST_ADDER_COLAB_VENV:-.venv-colab}
  colab_venv "$venv"
  local scratch
  scratch=$(mktemp -d)
  # shellcheck disable=SC2064  # the folder's name now: the variable is gone when the script exits
  trap "rm -rf '$scratch'" EXIT
  echo "== building the mnist-adder wheel"
  local wheel
  wheel=$(build_wheel "$scratch")
  "$venv/bin/python" -m pip uninstall -q -y mnist-adder torchviz >/dev/null 2>&1 || true
  echo "== what installing mnist-adder adds to Colab's packages"
  "$venv/bin/python" -m pip install -q --dry-run --report - "$wheel" | "$venv/bin/python" tests/colab/check_install_report.py
  local sample
  sample=$("$PY" -c "from mnist_adder_utils.data import _unpack_sample; print(_unpack_sample())")
  local notebook calls="$scratch/colab-calls.txt"
  for notebook in notebooks/[0-9]*.ipynb; do
    echo "== $notebook, as on Colab"
    "$venv/bin/python" -m pip uninstall -q -y mnist-adder torchviz >/dev/null 2>&1 || true
    PYDEVD_DISABLE_FILE_VALIDATION=1 MNIST_ADDER_INSTALL_FROM="$wheel" MNIST_ADDER_EPOCHS=1 MNIST_ADDER_DATA="$sample" \
      COLAB_STAND_IN_CALLS="$calls" COLAB_STAND_IN_UPLOADS="$PWD/tests/colab/uploaded_digit.png" \
      "$venv/bin/pytest" -q -p no:cacheprovider --nbval-lax --nbval-current-env --nbval-cell-timeout=900 "$notebook"
  done
  check_colab_calls "$calls"
}

strict_tests() {
  "$VENV/bin/ruff" check .
  # checkpoints and figures go to a scratch folder (conftest.py), outputs are sanitized (notebooks/conftest.py)
  "$VENV/bin/pytest" --nbval --nbval-current-env --nbval-cell-timeout=1800 "$@"
}

readers_files() {
  # what a test run must never touch: the reader's checkpoints (runs/) and the committed figures (image/);
  # a fresh clone has no runs/ yet
  local folder folders=()
  for folder in runs image; do
    if [ -d "$folder" ]; then folders+=("$folder"); fi
  done
  if [ ${#folders[@]} -gt 0 ]; then find "${folders[@]}" -type f -exec sha256sum {} + | sort; fi
}

leaves_readers_files_alone() {
  local before
  before=$(readers_files)
  "$@"
  if [ "$(readers_files)" != "$before" ]; then
    echo "error: the tests changed files in runs/ or image/; they must write only to their scratch folder" >&2
    exit 1
  fi
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
  train)
    setup
    exec "$PY" -m mnist_adder_utils train "$@" ;;
  test)
    setup
    # The training notebooks (4, 6 and 8) train 3 epochs here: every cell runs and is compared, and each training run must clear
    # its quick-run bar; test-full trains the recipes in full and checks the full-run bars.
    export MNIST_ADDER_EPOCHS="${MNIST_ADDER_EPOCHS:-3}"
    leaves_readers_files_alone strict_tests tests notebooks "$@"
    leaves_readers_files_alone colab_check ;;
  test-notebooks)
    setup
    export MNIST_ADDER_EPOCHS="${MNIST_ADDER_EPOCHS:-3}"
    leaves_readers_files_alone strict_tests "${@:-notebooks}" ;;
  test-full)
    setup
    unset MNIST_ADDER_EPOCHS
    leaves_readers_files_alone strict_tests tests notebooks "$@" ;;
  colab-check)
    setup
    colab_check ;;
  notebooks)
    setup
    cd notebooks
    for notebook in [0-9]*.ipynb; do
      echo "== executing $notebook"
      # no widget state: the bars leave their last line as text, and the explorer has a static figure beside it
      "../$PY" -m jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=3600 \
        --ExecutePreprocessor.store_widget_state=False "$notebook"
    done ;;
  lab)
    setup
    exec "$VENV/bin/jupyter" lab notebooks ;;
  book)
    setup
    if ! "$PY" -c "import myst_nb, sphinx_book_theme" 2>/dev/null; then
      echo "== installing the book's tools"
      "$PY" -m pip install -q -e ".[book]"
    fi
    # the Try it page's ONNX Runtime Web, pinned in web/package-lock.json; after that the book builds offline
    if [ ! -d web/node_modules ]; then
      command -v npm >/dev/null || { echo "error: the book's Try it page needs npm (Node.js) to install ONNX Runtime Web; on Debian/Ubuntu: apt-get install npm" >&2; exit 1; }
      echo "== installing ONNX Runtime Web for the Try it page (npm ci --prefix web)"
      npm ci --prefix web --ignore-scripts --no-audit --no-fund
    fi
    "$PY" book/build.py ;;
  *)
    sed -n '5,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac
