"""Reads `pip install --dry-run --report -` on stdin: passes only if pip would add mnist-adder and torchviz.

Run against Colab's versions (tests/colab/requirements.txt), it shows that installing the package
there upgrades nothing Colab already has.
"""

import json
import sys

EXPECTED = {"mnist-adder", "torchviz"}

report = json.load(sys.stdin)
would_install = {item["metadata"]["name"].lower(): item["metadata"]["version"] for item in report["install"]}
for name, version in sorted(would_install.items()):
    print(f"would install: {name} {version}")
if set(would_install) != EXPECTED:
    sys.exit(f"error: on Colab's versions, installing mnist-adder would also change {sorted(set(would_install) - EXPECTED)}")
print("ok: on Colab's versions, installing mnist-adder adds only torchviz and itself")
