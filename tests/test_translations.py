"""Checks of the integration's metadata files: manifest, translations and icons."""

import ast
import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.helpers import service as service_helper
from homeassistant.helpers.selector import validate_selector
from homeassistant.util import slugify
from homeassistant.util.yaml import load_yaml_dict
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


# Rules of Home Assistant's hassfest (script/hassfest/*.py) for these files, checked
# here because hassfest itself is not installed with the test requirements.

# Translation keys: lowercase letters, digits, - and _, no doubled or edge separators.
TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
PLACEHOLDER = re.compile(r"{(\w+)}")
HTML_TAG = re.compile(r"<[a-z][\s\S]*>")
SINGLE_QUOTED_PLACEHOLDER = re.compile(r"'{\w+}'")
COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
# Hassfest refuses URLs in strings: they go in placeholders instead.
URL = re.compile(r"[a-z][a-z0-9+.-]*://|\bwww\.", re.IGNORECASE)

FLOW_KEYS = {"flow_title", "step", "error", "abort", "progress", "create_entry"}
STEP_KEYS = {
    "title",
    "description",
    "data",
    "data_description",
    "menu_options",
    "menu_option_descriptions",
    "submit",
    "sections",
}
SECTION_KEYS = {"name", "description", "data", "data_description"}
ENTITY_KEYS = {"name", "state", "state_attributes", "unit_of_measurement"}
# Only these platforms translate a unit of measurement.
PLATFORMS_WITH_UNIT_TRANSLATION = {"sensor", "number"}

# The rules of script/hassfest/quality_scale.py, by tier.
QUALITY_SCALE_RULES = {
    "bronze": {
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    },
    "silver": {
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    },
    "gold": {
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    },
    "platinum": {"async-dependency", "inject-websession", "strict-typing"},
}
QUALITY_SCALE_TIERS = list(QUALITY_SCALE_RULES)


def _leaves(tree: Any, prefix: str = "") -> dict[str, str]:
    """Return every string of a nested dictionary by its dotted path."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    leaves: dict[str, str] = {}
    for key, value in tree.items():
        leaves |= _leaves(value, f"{prefix}.{key}" if prefix else key)
    return leaves


def _placeholders(text: str) -> set[str]:
    """Return the placeholder names of a translated string."""
    return set(PLACEHOLDER.findall(text))


def _is_slug(value: str) -> bool:
    """Return whether a key is a slug, as Home Assistant's cv.slug demands."""
    return value == slugify(value)


def _check_flow(flow: dict[str, Any], path: str, *, subentry: bool = False) -> None:
    """Check a config, options or subentry flow block like hassfest does."""
    allowed = FLOW_KEYS | ({"entry_type", "initiate_flow"} if subentry else set())
    assert set(flow) <= allowed, path
    assert "step" in flow, path
    if subentry:
        # The frontend labels the add button and the subentry list with these.
        assert isinstance(flow["entry_type"], str), path
        assert isinstance(flow["initiate_flow"]["user"], str), path
    for step_id, step in flow["step"].items():
        assert set(step) <= STEP_KEYS, f"{path}.step.{step_id}"
        assert set(step.get("data_description", {})) <= set(step.get("data", {})), (
            f"{path}.step.{step_id}: data_description without data"
        )
        for name, section in step.get("sections", {}).items():
            assert set(section) <= SECTION_KEYS, f"{path}.step.{step_id}.{name}"
            assert set(section.get("data_description", {})) <= set(
                section.get("data", {})
            ), f"{path}.step.{step_id}.sections.{name}: data_description without data"


@pytest.mark.parametrize("name", ["strings.json", "translations/nl.json"])
def test_translation_strings_follow_hassfest_value_rules(name: str) -> None:
    """No HTML, edge spaces, quoted placeholders, combined references or URLs."""
    for path, value in _leaves(_load(name)).items():
        assert isinstance(value, str), path
        assert value, path
        assert value == value.strip(), f"{path}: leading or trailing whitespace"
        assert not HTML_TAG.search(value), f"{path}: HTML"
        assert not SINGLE_QUOTED_PLACEHOLDER.search(value), f"{path}: '{{...}}'"
        assert not COMBINED_REFERENCE.search(value), f"{path}: combined reference"
        assert not URL.search(value), f"{path}: URL, use a placeholder"


def test_strings_follow_the_hassfest_translations_schema() -> None:
    """The structure hassfest's translations schema accepts."""
    strings = _load("strings.json")
    assert set(strings) <= {
        "title",
        "config",
        "config_subentries",
        "options",
        "selector",
        "device_automation",
        "system_health",
        "config_panel",
        "application_credentials",
        "issues",
        "entity_component",
        "device",
        "entity",
        "exceptions",
        "services",
        "conversation",
        "common",
    }
    # A config flow title moved to the root "title" long ago.
    assert "title" not in strings["config"]
    _check_flow(strings["config"], "config")
    _check_flow(strings["options"], "options")
    for subentry_type, flow in strings["config_subentries"].items():
        _check_flow(flow, f"config_subentries.{subentry_type}", subentry=True)

    for platform, entities in strings["entity"].items():
        assert _is_slug(platform), platform
        for key, entity in entities.items():
            assert TRANSLATION_KEY.match(key), key
            assert set(entity) <= ENTITY_KEYS, f"{platform}.{key}"
            if "unit_of_measurement" in entity:
                assert platform in PLATFORMS_WITH_UNIT_TRANSLATION, f"{platform}.{key}"
            for state in entity.get("state", {}):
                assert TRANSLATION_KEY.match(state), f"{platform}.{key}.{state}"
            for attribute, translation in entity.get("state_attributes", {}).items():
                assert TRANSLATION_KEY.match(attribute), f"{platform}.{key}.{attribute}"
                assert set(translation) <= {"name", "state"}, attribute

    for key, exception in strings["exceptions"].items():
        assert _is_slug(key), key
        assert set(exception) == {"message"}, key

    for key, issue in strings["issues"].items():
        assert set(issue) in ({"title", "description"}, {"title", "fix_flow"}), key

    for action, service in strings["services"].items():
        assert TRANSLATION_KEY.match(action), action
        assert set(service) <= {"name", "description", "fields", "sections"}, action
        assert {"name", "description"} <= set(service), action
        for field, translation in service.get("fields", {}).items():
            assert TRANSLATION_KEY.match(field), f"{action}.{field}"
            assert set(translation) <= {"name", "description", "example"}, field
            assert {"name", "description"} <= set(translation), f"{action}.{field}"


@pytest.mark.parametrize("language", ["nl"])
def test_translation_keeps_the_placeholders(language: str) -> None:
    """A translation uses exactly the placeholders of the English string."""
    english = _leaves(_load("strings.json"))
    for path, value in _leaves(_load(f"translations/{language}.json")).items():
        assert _placeholders(value) == _placeholders(english[path]), path


# Words that would follow a count in the plural whatever the count: "1 credits".
COUNTED_NOUN = re.compile(
    r"{\w+}\s+(credits|messages|recipients|parts|berichten|ontvangers|delen)\b"
)


@pytest.mark.parametrize("name", ["strings.json", "translations/nl.json"])
def test_no_count_is_followed_by_a_plural_noun(name: str) -> None:
    """A number placeholder never precedes a plural noun, and counts have no unit.

    Translations have no plural forms here (exceptions are formatted by Python),
    so a count reads right for 1 only where no noun follows it: "Credits it
    needs: 1". A translated unit of measurement is such a noun after the state.
    """
    for path, value in _leaves(_load(name)).items():
        assert not COUNTED_NOUN.search(value), f"{path}: {value}"
    for key, entity in _load(name)["entity"]["sensor"].items():
        assert "unit_of_measurement" not in entity, key


def test_services_yaml_loads_with_home_assistant_and_hassfest_schema() -> None:
    """Home Assistant's own services.yaml schema and selectors accept every action.

    Hassfest also limits a custom integration's field to these keys and wants
    ``example`` and ``default`` to have a value.
    """
    raw = load_yaml_dict(str(INTEGRATION / "services.yaml"))
    services = service_helper._SERVICES_SCHEMA(raw)
    field_keys = {
        "example",
        "default",
        "required",
        "advanced",
        "selector",
        "filter",
        "name",
        "description",
    }
    for action, description in raw.items():
        assert _is_slug(action), action
        assert set(description) <= {"name", "description", "target", "fields"}
        for field, schema in description["fields"].items():
            assert set(schema) <= field_keys, f"{action}.{field}"
            for key in ("example", "default"):
                if key in schema:
                    assert schema[key] is not None, f"{action}.{field}.{key}"
            if "required" in schema:
                assert isinstance(schema["required"], bool), f"{action}.{field}"
            validate_selector(schema["selector"])
    assert set(services) == set(raw)


def test_icons_follow_the_hassfest_icons_schema() -> None:
    """Entity icons have a default and differ per state; actions use {"service": ...}."""
    icons = _load("icons.json")
    assert set(icons) <= {"config", "options", "issues", "services", "entity"}
    for platform, entities in icons["entity"].items():
        assert _is_slug(platform), platform
        for key, entity in entities.items():
            assert TRANSLATION_KEY.match(key), key
            assert set(entity) <= {"default", "state", "range", "state_attributes"}
            assert entity["default"].startswith("mdi:"), key
            for state, icon in entity.get("state", {}).items():
                assert TRANSLATION_KEY.match(state), f"{key}.{state}"
                assert icon.startswith("mdi:"), f"{key}.{state}"
                assert icon != entity["default"], f"{key}.{state} repeats the default"
    for action, icon in icons["services"].items():
        assert TRANSLATION_KEY.match(action), action
        assert set(icon) <= {"service", "sections"}, action
        assert icon["service"].startswith("mdi:"), action


def _code_translation_keys() -> dict[str, dict[str, set[str]]]:
    """Return the translation keys the code uses, by kind, with their placeholders.

    Kinds: "exceptions" and "issues", and "entity.<platform>" for entity
    descriptions and ``_attr_translation_key`` in a platform module. Keys that
    are not a string literal or a module-level string constant are skipped.
    """
    trees = {
        path.stem: ast.parse(path.read_text(encoding="utf-8"))
        for path in INTEGRATION.glob("*.py")
    }
    constants = {
        target.id: node.value.value
        for tree in trees.values()
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }

    def resolve(node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        return None

    found: dict[str, dict[str, set[str]]] = {}
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                if any(
                    isinstance(target, ast.Attribute)
                    and target.attr == "_attr_translation_key"
                    for target in node.targets
                ) and (key := resolve(node.value)):
                    found.setdefault(f"entity.{module}", {})[key] = set()
                continue
            if not isinstance(node, ast.Call):
                continue
            keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
            if "translation_key" not in keywords:
                continue
            key = resolve(keywords["translation_key"])
            if key is None:
                continue
            function = ast.unparse(node.func)
            if function.endswith("async_create_issue"):
                kind = "issues"
            elif "translation_domain" in keywords:
                kind = "exceptions"
            elif function.endswith("EntityDescription"):
                kind = f"entity.{module}"
            else:
                continue
            placeholders = keywords.get("translation_placeholders")
            names = (
                {resolve(k) for k in placeholders.keys if k is not None}
                if isinstance(placeholders, ast.Dict)
                else set()
            )
            found.setdefault(kind, {}).setdefault(key, set()).update(
                name for name in names if name
            )
    return found


def test_code_translation_keys_have_strings_and_icons() -> None:
    """Every translation key in the code has its strings, placeholders and icon."""
    strings = _load("strings.json")
    icons = _load("icons.json")
    used = _code_translation_keys()
    assert used["exceptions"]
    for key, placeholders in used["exceptions"].items():
        message = strings["exceptions"][key]["message"]
        assert _placeholders(message) == placeholders, key
    for key, placeholders in used["issues"].items():
        issue = strings["issues"][key]
        assert _placeholders(issue["title"] + issue["description"]) == placeholders, key
    platforms = {kind.split(".", 1)[1] for kind in used if kind.startswith("entity.")}
    assert platforms
    assert set(strings["entity"]) == platforms
    for platform in platforms:
        keys = set(used[f"entity.{platform}"])
        assert set(strings["entity"][platform]) == keys, platform
        assert set(icons["entity"][platform]) == keys, platform


def test_manifest_follows_the_hassfest_custom_integration_schema() -> None:
    """Known keys and values only, a version, and an https documentation URL."""
    manifest = _load("manifest.json")
    assert set(manifest) <= {
        "domain",
        "name",
        "integration_type",
        "config_flow",
        "mqtt",
        "zeroconf",
        "ssdp",
        "bluetooth",
        "homekit",
        "dhcp",
        "usb",
        "documentation",
        "quality_scale",
        "requirements",
        "dependencies",
        "after_dependencies",
        "codeowners",
        "loggers",
        "disabled",
        "iot_class",
        "single_config_entry",
        "preview_features",
        "version",
        "issue_tracker",
        "import_executor",
    }
    assert manifest["domain"] == INTEGRATION.name
    assert manifest["quality_scale"] in [
        *QUALITY_SCALE_TIERS,
        "custom",
        "no_score",
        "internal",
        "legacy",
    ]
    assert manifest["documentation"].startswith("https://")
    assert not manifest["documentation"].startswith(
        "https://www.home-assistant.io/integrations"
    )
    assert manifest["issue_tracker"].startswith("https://")
    AwesomeVersion(
        manifest["version"],
        ensure_strategy=[
            AwesomeVersionStrategy.CALVER,
            AwesomeVersionStrategy.SEMVER,
            AwesomeVersionStrategy.SIMPLEVER,
            AwesomeVersionStrategy.BUILDVER,
            AwesomeVersionStrategy.PEP440,
        ],
    )
    # Home Assistant's logger already covers the integration's own package;
    # "loggers" names the loggers of the requirements.
    assert f"custom_components.{INTEGRATION.name}" not in manifest.get("loggers", [])


def test_quality_scale_has_every_rule_with_a_valid_status() -> None:
    """Every hassfest rule, done or todo, or exempt with a reason."""
    rules = yaml.safe_load(
        (INTEGRATION / "quality_scale.yaml").read_text(encoding="utf-8")
    )["rules"]
    assert set(rules) == set().union(*QUALITY_SCALE_RULES.values())
    for name, rule in rules.items():
        if isinstance(rule, str):
            assert rule in {"done", "todo"}, name
            continue
        assert rule["status"] in {"done", "todo", "exempt"}, name
        assert set(rule) <= {"status", "comment"}, name
        if rule["status"] == "exempt":
            assert isinstance(rule.get("comment"), str), (
                f"{name}: exempt needs a comment"
            )


def test_quality_scale_is_the_highest_tier_met() -> None:
    """The manifest names the highest tier whose rules, and those below, are all met.

    A tier is met when each of its rules is done or exempt. Below bronze, a custom
    integration says "custom", the scale Home Assistant gives it anyway.
    """
    rules = yaml.safe_load(
        (INTEGRATION / "quality_scale.yaml").read_text(encoding="utf-8")
    )["rules"]
    met = {
        name
        for name, rule in rules.items()
        if (rule if isinstance(rule, str) else rule["status"]) in {"done", "exempt"}
    }
    highest = "custom"
    for tier in QUALITY_SCALE_TIERS:
        if not QUALITY_SCALE_RULES[tier] <= met:
            break
        highest = tier
    assert _load("manifest.json")["quality_scale"] == highest
