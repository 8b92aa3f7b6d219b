"""Tests for the diagnostics of the SMS Service Center integration."""

from http import HTTPStatus
from types import MappingProxyType
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_NAME
from homeassistant.helpers.json import json_dumps
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from syrupy.filters import props

from custom_components.smsservicecenter.const import (
    CONF_LOW_CREDITS_THRESHOLD,
    CONF_PHONE_NUMBER,
    SUBENTRY_TYPE_RECIPIENT,
)

from . import setup_integration
from .conftest import NO_SENDNAME, RECIPIENT_NUMBER, TOKEN, mock_endpoints

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
    from syrupy.assertion import SnapshotAssertion


def packet_requests(aioclient_mock: AiohttpClientMocker) -> int:
    """Return how many times the packet list was requested."""
    return sum(
        url.path.endswith("/packets") for _m, url, _d, _h in aioclient_mock.mock_calls
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "mock_api")
@pytest.mark.freeze_time("2026-05-04 10:00:00+00:00")
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Test the diagnostics of an account."""
    await setup_integration(hass, mock_config_entry)

    assert await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    ) == snapshot(exclude=props("created_at", "modified_at", "entry_id"))


@pytest.mark.usefixtures("mock_api")
async def test_diagnostics_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Test the diagnostics hold neither the token nor a phone number."""
    await setup_integration(hass, mock_config_entry)

    dump = json_dumps(
        await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    )

    assert TOKEN not in dump
    assert RECIPIENT_NUMBER not in dump
    assert RECIPIENT_NUMBER.removeprefix("+") not in dump
    assert "612345678" not in dump


@pytest.mark.usefixtures("mock_api")
async def test_diagnostics_redact_recipient_named_after_its_number(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Test a recipient that older versions named after its number is redacted."""
    number = "+31687654321"
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_add_subentry(
        mock_config_entry,
        ConfigSubentry(
            data=MappingProxyType({CONF_NAME: number, CONF_PHONE_NUMBER: number}),
            subentry_type=SUBENTRY_TYPE_RECIPIENT,
            title=number,
            unique_id=number,
        ),
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )

    assert "687654321" not in json_dumps(diagnostics)
    legacy = diagnostics["config_entry"]["subentries"][-1]
    assert legacy["title"] == "**REDACTED**"
    assert legacy["data"][CONF_NAME] == "**REDACTED**"
    # Names that are no phone number are kept.
    assert diagnostics["config_entry"]["subentries"][0]["title"] == "Alice"


async def test_diagnostics_without_default_sendname(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the diagnostics of an account without a default sendname."""
    mock_endpoints(aioclient_mock, sendname={"json": NO_SENDNAME})
    await setup_integration(hass, mock_config_entry)

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )

    assert diagnostics["account"]["sendname"] is None


async def test_diagnostics_packets_error(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the diagnostics report why the packet list could not be fetched."""
    mock_endpoints(aioclient_mock, packets={"status": HTTPStatus.BAD_GATEWAY})
    await setup_integration(hass, mock_config_entry)

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )

    assert diagnostics["packets"] is None
    assert diagnostics["packets_error"] == (
        "Server error from www.smsservicecenter.nl (HTTP 502)"
    )


@pytest.mark.usefixtures("mock_api")
async def test_diagnostics_cached_packets(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the diagnostics reuse the packets the coordinator already fetched."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        options={**mock_config_entry.options, CONF_LOW_CREDITS_THRESHOLD: 1000},
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert packet_requests(aioclient_mock) == 1

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )

    assert packet_requests(aioclient_mock) == 1
    assert isinstance(diagnostics["packets"], list)
    assert len(diagnostics["packets"]) == 6


async def test_diagnostics_mask_a_numeric_sender_name(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a sender name that is a phone number is masked, in the account and in a recipient."""
    subentry = next(iter(mock_config_entry.subentries.values()))
    object.__setattr__(
        subentry, "data", MappingProxyType({**subentry.data, "sendname": "0687654321"})
    )
    mock_endpoints(
        aioclient_mock,
        sendname={"json": {"status": "success", "details": "0612345987"}},
    )
    await setup_integration(hass, mock_config_entry)

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )

    dumped = json_dumps(diagnostics)
    assert "0612345987" not in dumped
    assert "0687654321" not in dumped
    assert diagnostics["account"]["sendname"].startswith("0612")
