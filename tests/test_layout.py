"""The package's layout, as its docstring sketches it: every module listed, and each imports only from those above it."""

import ast
import re
from pathlib import Path

import pytest

import mnist_adder_utils

PACKAGE = Path(mnist_adder_utils.__file__).parent
LAYOUT = re.findall(r"^    (\w+) {2,}\S", mnist_adder_utils.__doc__, flags=re.M)


def own_imports(module):
    """The package's modules that ``module`` imports, at its top or inside its functions."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    return {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1}


def test_the_sketch_lists_every_module_once():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert sorted(LAYOUT) == sorted(modules)


def test_each_module_imports_only_from_those_above_it():
    for position, module in enumerate(LAYOUT):
        below = own_imports(module) - set(LAYOUT[:position])
        assert not below, f"{module} imports {sorted(below)}, listed below it in the package's sketch"


def test_every_name_the_package_offers_and_every_module_resolve_on_first_use():
    # the package imports its modules lazily (so --help needs no torch): each name still leads to the real thing
    for name in mnist_adder_utils.__all__:
        home = mnist_adder_utils._HOMES[name]
        assert getattr(mnist_adder_utils, name) is getattr(getattr(mnist_adder_utils, home), name), name
    assert {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"} <= set(dir(mnist_adder_utils))
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        mnist_adder_utils.no_such_name  # noqa: B018
