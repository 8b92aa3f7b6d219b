"""Tests for the repair issues of the SMS Service Center integration."""

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smsservicecenter.const import CONF_LOW_CREDITS_THRESHOLD, DOMAIN
from custom_components.smsservicecenter.issues import (
    async_update_test_mode_issue,
    low_credits_issue_id,
    test_mode_issue_id as mode_issue_id,
)

from . import setup_integration
from .conftest import (
    RECIPIENT_NUMBER,
    call_send_sms_action,
    credits_json,
    mock_endpoints,
    next_poll,
    send_requests,
)

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.test_util.aiohttp import (
        AiohttpClientMocker,
    )

CHECKOUT_URL = "https://www.smsservicecenter.nl/order/checkout/{}"


def mock_account(
    aioclient_mock: AiohttpClientMocker,
    credits_: int,
    packets_response: dict[str, Any] | None = None,
) -> None:
    """Answer the API with this balance and packets response."""
    mock_endpoints(
        aioclient_mock, credits_=credits_json(credits_), packets=packets_response
    )


def low_credits_issue(
    hass: HomeAssistant, entry: MockConfigEntry
) -> ir.IssueEntry | None:
    """Return the low credits issue of an account, if it has one."""
    return ir.async_get(hass).async_get_issue(DOMAIN, low_credits_issue_id(entry))


async def setup_entry(
    hass: HomeAssistant, entry: MockConfigEntry, threshold: int = 10
) -> None:
    """Set up the account with this low credits threshold."""
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_LOW_CREDITS_THRESHOLD: threshold}
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("balance", "packet"),
    [
        ((5, 10), "nano"),
        ((5, 55), "nano"),
        ((5, 56), "micro"),
        ((0, 100), "micro"),
        ((0, 101), "mini"),
        ((0, 50_000), "giga"),
    ],
    ids=repr,
)
async def test_low_credits_issue(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    balance: tuple[int, int],
    packet: str,
) -> None:
    """Test the issue links to the smallest packet that restores the balance.

    When no packet is large enough, it links to the largest one.
    """
    credits_, threshold = balance
    mock_account(aioclient_mock, credits_)

    await setup_entry(hass, mock_config_entry, threshold)

    issue = low_credits_issue(hass, mock_config_entry)
    assert issue
    assert issue.translation_key == "low_credits"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert not issue.is_fixable
    assert issue.learn_more_url == CHECKOUT_URL.format(packet)
    assert issue.translation_placeholders
    assert issue.translation_placeholders["url"] == CHECKOUT_URL.format(packet)


async def test_low_credits_issue_placeholders(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the issue names the packet, its credits and its price in euros and cents."""
    mock_account(aioclient_mock, 5)

    await setup_entry(hass, mock_config_entry)

    issue = low_credits_issue(hass, mock_config_entry)
    assert issue
    assert issue.translation_placeholders == {
        "account": "SMS Service Center",
        "credits": "5",
        "threshold": "10",
        "packet": "Pakket Nano",
        "packet_credits": "50",
        "price_euros": "12",
        "price_cents": "50",
        "url": CHECKOUT_URL.format("nano"),
    }


@pytest.mark.parametrize(
    ("language", "price_cents", "price"),
    [
        ("en", 1250, "for €12.50:"),
        ("en", 80005, "for €800.05:"),
        ("nl", 1250, "voor € 12,50:"),
        ("nl", 80005, "voor € 800,05:"),
    ],
)
async def test_low_credits_issue_price_per_language(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    language: str,
    price_cents: int,
    price: str,
) -> None:
    """Test each translation writes the packet's price the way its language does."""
    packet = {
        "name": "Pakket Nano",
        "slug": "nano",
        "uuid": "d5d728d8-2add-46f2-9de3-4ef99615e668",
        "price": price_cents,
        "credits": 50,
        "url": CHECKOUT_URL.format("nano"),
    }
    mock_account(aioclient_mock, 5, {"json": {"data": [packet]}})
    await setup_entry(hass, mock_config_entry)
    issue = low_credits_issue(hass, mock_config_entry)
    assert issue
    assert issue.translation_placeholders

    translations = await async_get_translations(hass, language, "issues", {DOMAIN})
    description = translations[
        f"component.{DOMAIN}.issues.{issue.translation_key}.description"
    ].format(**issue.translation_placeholders)

    assert price in description


@pytest.mark.usefixtures("mock_api")
async def test_no_low_credits_issue(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test a balance at or above the threshold raises no issue nor fetches packets."""
    await setup_integration(hass, mock_config_entry)

    assert not low_credits_issue(hass, mock_config_entry)
    assert not any(
        url.path.endswith("/packets") for _m, url, _d, _h in aioclient_mock.mock_calls
    )


async def test_low_credits_issue_removed_after_recovery(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test the issue goes away once the balance is back above the threshold."""
    mock_account(aioclient_mock, 5)
    await setup_entry(hass, mock_config_entry)
    assert low_credits_issue(hass, mock_config_entry)

    mock_account(aioclient_mock, 250)
    await next_poll(hass, freezer)

    assert not low_credits_issue(hass, mock_config_entry)


@pytest.mark.parametrize(
    "packets_response",
    [
        {"status": HTTPStatus.INTERNAL_SERVER_ERROR},
        {"text": "<html></html>"},
        {"json": {"data": []}},
    ],
    ids=["server_error", "html", "no_packets"],
)
async def test_low_credits_issue_without_packet(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    packets_response: dict[str, Any],
) -> None:
    """Test the issue links to the website when no packet can be suggested."""
    mock_account(aioclient_mock, 5, packets_response)

    await setup_entry(hass, mock_config_entry)

    issue = low_credits_issue(hass, mock_config_entry)
    assert issue
    assert issue.translation_key == "low_credits_no_packet"
    assert issue.learn_more_url == "https://www.smsservicecenter.nl/"


async def test_packets_fetched_again_after_failure(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test a failed packet fetch is retried on the next poll."""
    mock_account(aioclient_mock, 5, {"status": HTTPStatus.INTERNAL_SERVER_ERROR})
    await setup_entry(hass, mock_config_entry)

    mock_account(aioclient_mock, 5)
    await next_poll(hass, freezer)

    issue = low_credits_issue(hass, mock_config_entry)
    assert issue
    assert issue.translation_key == "low_credits"
    assert issue.learn_more_url == CHECKOUT_URL.format("nano")


@pytest.mark.usefixtures("mock_api")
async def test_test_mode_issue(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Test the test mode notice is shown while sends are answered in test mode."""
    await setup_integration(hass, mock_config_entry)

    issue_id = mode_issue_id(mock_config_entry)

    async_update_test_mode_issue(hass, mock_config_entry, True)

    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue
    assert issue.translation_key == "test_mode"
    assert issue.translation_placeholders == {"account": "SMS Service Center"}
    # A notice: no repair flow can end test mode, only the provider can.
    assert issue.is_fixable is False

    async_update_test_mode_issue(hass, mock_config_entry, False)

    assert not issue_registry.async_get_issue(DOMAIN, issue_id)


def send_json(testmode: bool) -> dict[str, Any]:
    """Return the send endpoint's answer, in test mode or live."""
    return {
        "json": {
            "status": "success",
            "details": {"messageid": "message-1", "testmode": testmode},
        }
    }


def stored_test_mode(hass_storage: dict[str, Any], entry: MockConfigEntry) -> Any:
    """Return the test mode flag stored for an account."""
    return hass_storage[f"{DOMAIN}.{entry.entry_id}"]["data"]["test_mode"]


async def test_test_mode_survives_restart(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    issue_registry: ir.IssueRegistry,
    hass_storage: dict[str, Any],
) -> None:
    """Test an account stored in test mode is in test mode after a restart.

    The notice is raised at setup; the first send is not refused for the
    balance; a send answered live ends test mode, stored, and the balance is
    checked again.
    """
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 1,
        "key": f"{DOMAIN}.{mock_config_entry.entry_id}",
        "data": {"test_mode": True},
    }
    issue_id = mode_issue_id(mock_config_entry)
    mock_endpoints(aioclient_mock, credits_=credits_json(0), send=send_json(True))
    await setup_integration(hass, mock_config_entry)
    assert mock_config_entry.runtime_data.account.store.test_mode
    assert issue_registry.async_get_issue(DOMAIN, issue_id)

    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")
    await hass.async_block_till_done(wait_background_tasks=True)

    assert len(send_requests(aioclient_mock)) == 1
    assert issue_registry.async_get_issue(DOMAIN, issue_id)

    mock_endpoints(aioclient_mock, credits_=credits_json(0), send=send_json(False))
    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")
    await hass.async_block_till_done(wait_background_tasks=True)

    assert len(send_requests(aioclient_mock)) == 1
    assert not mock_config_entry.runtime_data.account.store.test_mode
    assert stored_test_mode(hass_storage, mock_config_entry) is False
    assert not issue_registry.async_get_issue(DOMAIN, issue_id)
    with pytest.raises(ServiceValidationError) as exc_info:
        await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")
    assert exc_info.value.translation_key == "insufficient_credits"
    assert len(send_requests(aioclient_mock)) == 1


@pytest.mark.usefixtures("mock_api")
async def test_test_mode_stored_after_send(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """Test a send answered in test mode is remembered in the account's store."""
    await setup_integration(hass, mock_config_entry)

    mock_endpoints(aioclient_mock, send=send_json(True))

    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")

    assert stored_test_mode(hass_storage, mock_config_entry) is True


@pytest.mark.usefixtures("mock_api")
@pytest.mark.parametrize("stored", [True, False])
async def test_stored_flag_wins_over_a_stale_issue(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    hass_storage: dict[str, Any],
    stored: bool,
) -> None:
    """Test the notice follows the stored flag, whatever issue was left behind."""
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 1,
        "key": f"{DOMAIN}.{mock_config_entry.entry_id}",
        "data": {"test_mode": stored},
    }
    async_update_test_mode_issue(hass, mock_config_entry, not stored)

    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.runtime_data.account.store.test_mode is stored
    issue = issue_registry.async_get_issue(DOMAIN, mode_issue_id(mock_config_entry))
    assert (issue is not None) is stored


@pytest.mark.usefixtures("mock_api")
@pytest.mark.parametrize(("issue_active", "test_mode"), [(True, True), (False, False)])
async def test_test_mode_taken_over_from_the_issue(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    issue_active: bool,
    test_mode: bool,
) -> None:
    """Test the flag of a version that kept it in the issue is taken over once.

    An issue that did not outlive a restart (inactive) does not count.
    """
    async_update_test_mode_issue(hass, mock_config_entry, True)
    if not issue_active:
        issue_registry = ir.async_get(hass)
        await issue_registry.async_load()
        issue = issue_registry.async_get_issue(DOMAIN, mode_issue_id(mock_config_entry))
        assert issue
        assert not issue.active

    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.runtime_data.account.store.test_mode is test_mode
    if test_mode:
        assert stored_test_mode(hass_storage, mock_config_entry) is True


async def test_issues_removed_with_entry(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Test removing the account removes its repair issues."""
    mock_account(aioclient_mock, 5)
    await setup_entry(hass, mock_config_entry)
    async_update_test_mode_issue(hass, mock_config_entry, True)
    assert low_credits_issue(hass, mock_config_entry)

    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert not low_credits_issue(hass, mock_config_entry)
    assert not issue_registry.async_get_issue(DOMAIN, mode_issue_id(mock_config_entry))
