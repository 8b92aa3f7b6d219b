"""Tests for the public names of the API client package."""

from __future__ import annotations

import ast
from pathlib import Path

from custom_components.smsservicecenter import api
from custom_components.smsservicecenter.api import (
    DEFAULT_BASE_URL,
    HISTORY_PAGE_SIZE,
    MAX_SENDNAME_LENGTH,
    SENDNAME_PATTERN,
)


def test_constants() -> None:
    """The public constants have the documented values."""
    assert DEFAULT_BASE_URL == "https://www.smsservicecenter.nl/"
    assert MAX_SENDNAME_LENGTH == 11
    assert HISTORY_PAGE_SIZE == 50
    assert SENDNAME_PATTERN.fullmatch("NewName")


def test_public_names_exported() -> None:
    """Every name in ``__all__`` exists, the connection failure causes included."""
    assert all(hasattr(api, name) for name in api.__all__)
    assert {"ConnectionFailure", "SmsServiceCenterNotApiError"} <= set(api.__all__)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Return the level and module of every import in a source file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def test_no_home_assistant_imports() -> None:
    """The client package can be published as a library: it never imports Home Assistant."""
    package = Path(api.__file__).parent
    for path in package.glob("*.py"):
        for level, module in _imports(path):
            assert level > 0 or not module.startswith("homeassistant"), path.name
            # A module of the package never imports the package, which imports it.
            assert (level, module) != (1, ""), path.name
