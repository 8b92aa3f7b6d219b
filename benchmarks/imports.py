"""The import time (CPU) of the integration's package and its platforms, warm (bytecode cached).

Each measurement is a fresh Python process that first imports what Home Assistant
has imported before it loads the integration (its core and the entity components
of the platforms), then times importing the package and its platforms.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from e2e.harness import REPO_ROOT

PACKAGE = "custom_components.smsservicecenter"
PLATFORMS = ("binary_sensor", "event", "notify", "sensor", "text")
# Home Assistant's startup code imports its core and helpers before any integration.
PRELOADED = (
    "homeassistant.bootstrap",
    "homeassistant.helpers.update_coordinator",
    *(f"homeassistant.components.{platform}" for platform in PLATFORMS),
)
SCRIPT = """
import importlib, sys, time
preloaded, modules = sys.argv[1].split(","), sys.argv[2].split(",")
for name in preloaded:
    importlib.import_module(name)
start = time.process_time()
for name in modules:
    importlib.import_module(name)
print(time.process_time() - start, "phonenumbers" in sys.modules)
"""


def _import_once() -> tuple[float, bool]:
    """Return the CPU seconds the import took and whether it imported phonenumbers."""
    modules = [PACKAGE, *(f"{PACKAGE}.{platform}" for platform in PLATFORMS)]
    output = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", SCRIPT, ",".join(PRELOADED), ",".join(modules)],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
        text=True,
    ).stdout.split()
    return float(output[0]), output[1] == "True"


def measure_import(rounds: int) -> tuple[float, bool]:
    """Return the median import CPU time in seconds and whether phonenumbers came with it."""
    _import_once()  # Writes the bytecode: the measurements are warm.
    results = [_import_once() for _ in range(rounds)]
    return statistics.median(seconds for seconds, _ in results), results[0][1]
