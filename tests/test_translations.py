"""Checks of the integration's metadata files: manifest, translations and icons."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "smsservicecenter"


def _load(name: str) -> Any:
    """Return the parsed JSON file of the integration."""
    return json.loads((INTEGRATION / name).read_text(encoding="utf-8"))


def _key_paths(tree: Any, prefix: str = "") -> set[str]:
    """Return the paths of all leaves of a nested dictionary."""
    if not isinstance(tree, dict):
        return {prefix}
    return {
        path
        for key, value in tree.items()
        for path in _key_paths(value, f"{prefix}.{key}" if prefix else key)
    }


def test_manifest_keys_are_sorted_like_hassfest() -> None:
    """Hassfest wants domain, name, then the other keys in alphabetical order."""
    keys = list(_load("manifest.json"))
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_has_the_keys_a_custom_integration_needs() -> None:
    """A custom integration needs these keys for hassfest and HACS."""
    manifest = _load("manifest.json")
    assert manifest["domain"] == "smsservicecenter"
    assert manifest["config_flow"] is True
    assert manifest["integration_type"] == "service"
    assert manifest["iot_class"] == "cloud_polling"
    for key in (
        "codeowners",
        "documentation",
        "issue_tracker",
        "requirements",
        "version",
    ):
        assert manifest[key]


def test_english_translation_is_strings_json() -> None:
    """Custom integrations ship strings.json as translations/en.json unchanged."""
    assert (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8") == (
        INTEGRATION / "strings.json"
    ).read_text(encoding="utf-8")


def test_strings_use_no_key_references() -> None:
    """Home Assistant does not resolve [%key:...%] references for custom integrations."""
    assert "[%key:" not in (INTEGRATION / "strings.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("language", ["nl"])
def test_translation_has_every_key(language: str) -> None:
    """Every translation covers exactly the keys of strings.json."""
    assert _key_paths(_load(f"translations/{language}.json")) == _key_paths(
        _load("strings.json")
    )


def test_every_action_has_an_icon_and_strings() -> None:
    """Each action in services.yaml has an icon and a translated name for every field."""
    services = yaml.safe_load(
        (INTEGRATION / "services.yaml").read_text(encoding="utf-8")
    )
    icons = _load("icons.json")["services"]
    strings = _load("strings.json")["services"]
    assert set(services) == set(icons) == set(strings)
    for action, description in services.items():
        assert set(description["fields"]) == set(strings[action]["fields"])
