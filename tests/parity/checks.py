# SPDX-License-Identifier: MIT
"""What the Python test scripts share.

require() skips the script (exit 77, which tests/run.sh counts as skipped)
when a Debian package it needs is missing; the tools' folder is on the
import path; check() counts results and finish() prints the closing line
"N passed, N failed" and gives the exit status.
"""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "..", "tools", "ttdetect")
sys.path.insert(0, TOOLS)

PACKAGES = {"torch": "python3-torch", "torchvision": "python3-torchvision",
            "numpy": "python3-numpy", "PIL": "python3-pil"}

_passed = 0
_failed = 0


def require(*modules):
    for m in modules:
        if importlib.util.find_spec(m) is None:
            print(f"{m} is not installed ({PACKAGES.get(m, m)}; make deps installs it)")
            sys.exit(77)


def check(ok, what):
    global _passed, _failed
    if ok:
        _passed += 1
    else:
        _failed += 1
        print(f"FAIL: {what}")


def finish():
    print(f"{_passed} passed, {_failed} failed")
    return 1 if _failed else 0
