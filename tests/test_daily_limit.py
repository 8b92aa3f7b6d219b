"""Tests for the daily credit limit: the send path, the repair issue, the sensor, storage."""

import asyncio
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smsservicecenter.const import (
    CONF_DAILY_CREDIT_LIMIT,
    CONF_DEFAULT_COUNTRY,
    CONF_LOW_CREDITS_THRESHOLD,
    CONF_OUTBOX_MINUTES,
    DOMAIN,
    OUTBOX_RETRY_MAX,
    OUTBOX_RETRY_MIN,
)
from custom_components.smsservicecenter.storage import DAILY_USAGE_SAVE_DELAY

from . import setup_integration
from .conftest import (
    BASE_URL,
    ENTRY_ID,
    RECIPIENT_NUMBER,
    TOKEN,
    assert_no_requests,
    call_send_sms_action,
    credits_json,
    mock_endpoints,
    send_requests,
)
from .test_outbox import CONNECTION_REFUSED, queued_count, tick
from .test_send_concurrency import held_answer, sent_json, spin_until, start_sends

USED_TODAY_ENTITY_ID = "sensor.sms_service_center_credits_used_today"
ISSUE_ID = f"daily_limit_reached_{ENTRY_ID}"
STORAGE_KEY = f"{DOMAIN}.{ENTRY_ID}"
OTHER_NUMBER = "+31687654321"
# 10:00 on 4 May 2026 in the tests' time zone, US/Pacific (UTC-7 in summer).
MORNING = "2026-05-04 17:00:00+00:00"
TODAY = "2026-05-04"


def limited_account(limit: int, outbox_minutes: int = 60) -> MockConfigEntry:
    """Return an account with a daily credit limit of ``limit``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SMS Service Center",
        entry_id=ENTRY_ID,
        data={CONF_API_TOKEN: TOKEN, CONF_URL: BASE_URL},
        options={
            CONF_LOW_CREDITS_THRESHOLD: 10,
            CONF_DEFAULT_COUNTRY: "NL",
            CONF_DAILY_CREDIT_LIMIT: limit,
            CONF_OUTBOX_MINUTES: outbox_minutes,
        },
    )


async def setup_limited(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    limit: int,
    outbox_minutes: int = 60,
) -> MockConfigEntry:
    """Set up an account with a daily credit limit against the mocked API."""
    mock_endpoints(aioclient_mock)
    entry = limited_account(limit, outbox_minutes)
    await setup_integration(hass, entry)
    return entry


async def send_one(hass: HomeAssistant, *recipients: str) -> Any:
    """Send a one-part message to ``recipients`` (the recipient of the tests by default)."""
    return await call_send_sms_action(
        hass, recipients=list(recipients or [RECIPIENT_NUMBER]), message="Alarm"
    )


def used_today(hass: HomeAssistant) -> str:
    """Return the state of the credits used today sensor."""
    state = hass.states.get(USED_TODAY_ENTITY_ID)
    assert state is not None
    return state.state


async def stored(hass: HomeAssistant, hass_storage: dict[str, Any]) -> tuple[Any, Any]:
    """Return the stored day and credits used of the account, once its delayed save ran."""
    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=DAILY_USAGE_SAVE_DELAY + 1)
    )
    await hass.async_block_till_done()
    data = hass_storage[STORAGE_KEY]["data"]
    return data["day"], data["credits_used"]


@pytest.mark.freeze_time(MORNING)
async def test_send_over_the_limit_is_refused(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Test sends go out up to the limit; the one that goes over it makes no request."""
    await setup_limited(hass, aioclient_mock, 3)
    await send_one(hass)
    await send_one(hass)
    assert used_today(hass) == "2"
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None

    with (
        assert_no_requests(aioclient_mock),
        pytest.raises(ServiceValidationError) as exc_info,
    ):
        await send_one(hass, RECIPIENT_NUMBER, OTHER_NUMBER)

    assert exc_info.value.translation_key == "daily_limit_reached"
    assert exc_info.value.translation_placeholders == {
        "credits_estimate": "2",
        "limit": "3",
        "left": "1",
    }
    assert (issue := issue_registry.async_get_issue(DOMAIN, ISSUE_ID))
    assert issue.translation_key == "daily_limit_reached"
    assert issue.translation_placeholders == {
        "account": "SMS Service Center",
        "limit": "3",
    }
    assert not issue.is_fixable
    assert issue.severity is ir.IssueSeverity.WARNING
    # What is left today still goes out.
    await send_one(hass)
    assert used_today(hass) == "3"
    assert len(send_requests(aioclient_mock)) == 3


@pytest.mark.freeze_time(MORNING)
async def test_no_limit_by_default(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test an account without the option counts the credits used but refuses nothing."""
    await setup_integration(hass, mock_config_entry)

    for _ in range(5):
        await send_one(hass)

    assert len(send_requests(mock_api)) == 5
    assert used_today(hass) == "5"


@pytest.mark.freeze_time(MORNING)
async def test_concurrent_sends_stay_within_the_limit(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Test 5 concurrent one-credit sends on a limit of 3: exactly 3 requests go out.

    The sends in flight count against the day's allowance before they are answered.
    """
    await setup_limited(hass, aioclient_mock, 3)
    release = asyncio.Event()
    send_answer, sends = held_answer(release, sent_json)
    mock_endpoints(aioclient_mock, send={"side_effect": send_answer})

    tasks = start_sends(hass, 5)
    await spin_until(lambda: len(sends) == 3 and sum(t.done() for t in tasks) == 2)
    assert used_today(hass) == "0"
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)

    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 2
    for error in refused:
        assert isinstance(error, ServiceValidationError)
        assert error.translation_key == "daily_limit_reached"
    assert len(send_requests(aioclient_mock)) == 3
    assert used_today(hass) == "3"


@pytest.mark.freeze_time(MORNING)
async def test_send_that_certainly_failed_gives_its_credits_back(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Test a send the provider refused before processing it does not count."""
    await setup_limited(hass, aioclient_mock, 1, outbox_minutes=0)
    mock_endpoints(aioclient_mock, send={"status": 429})

    with pytest.raises(HomeAssistantError):
        await send_one(hass)

    assert used_today(hass) == "0"
    mock_endpoints(aioclient_mock)
    await send_one(hass)
    assert used_today(hass) == "1"


@pytest.mark.freeze_time("2026-05-04 23:30:00-07:00")
async def test_queued_message_counts_when_it_is_sent(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test a message in the outbox counts once it goes out, and waits while it cannot."""
    await setup_limited(hass, aioclient_mock, 1)
    mock_endpoints(aioclient_mock, send=CONNECTION_REFUSED)
    response = await send_one(hass)
    assert response["queued"] is True
    assert used_today(hass) == "0"

    # A direct send uses today's only credit: the queued message must wait.
    mock_endpoints(aioclient_mock)
    await send_one(hass)
    assert used_today(hass) == "1"
    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    assert len(send_requests(aioclient_mock)) == 1
    assert queued_count(hass) == 1

    # After midnight it goes out, before it expires, and counts then.
    freezer.move_to("2026-05-05 00:00:00-07:00")
    await tick(hass, freezer, OUTBOX_RETRY_MAX)
    assert len(send_requests(aioclient_mock)) == 2
    assert queued_count(hass) == 0
    assert used_today(hass) == "1"


@pytest.mark.freeze_time(MORNING)
async def test_send_that_may_have_gone_out_counts(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """Test a send whose outcome is unknown counts as used, to be safe."""
    await setup_limited(hass, aioclient_mock, 1)
    mock_endpoints(
        aioclient_mock,
        send={"json": {"status": "success", "details": {"testmode": False}}},
    )

    with pytest.raises(HomeAssistantError) as exc_info:
        await send_one(hass)

    assert exc_info.value.translation_key == "send_outcome_unknown"
    assert used_today(hass) == "1"
    assert await stored(hass, hass_storage) == (TODAY, 1)
    with (
        assert_no_requests(aioclient_mock),
        pytest.raises(ServiceValidationError, match="daily credit limit"),
    ):
        await send_one(hass)


@pytest.mark.freeze_time(MORNING)
async def test_cancelled_send_counts(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """Test a send cancelled while its request was out counts as used, and is stored."""
    await setup_limited(hass, aioclient_mock, 2)
    release = asyncio.Event()
    send_answer, sends = held_answer(release, sent_json)
    mock_endpoints(aioclient_mock, send={"side_effect": send_answer})
    (task,) = start_sends(hass, 1)
    await spin_until(lambda: len(sends) == 1)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await hass.async_block_till_done()

    assert used_today(hass) == "1"
    assert await stored(hass, hass_storage) == (TODAY, 1)


@pytest.mark.freeze_time(MORNING)
async def test_test_mode_sends_are_not_counted(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """Test a send answered in test mode costs nothing of the day's allowance."""
    await setup_limited(hass, aioclient_mock, 1)
    mock_endpoints(
        aioclient_mock,
        send={
            "json": {
                "status": "success",
                "details": {"messageid": "message-1", "testmode": True},
            }
        },
    )

    for _ in range(3):
        await send_one(hass)

    assert len(send_requests(aioclient_mock)) == 3
    assert used_today(hass) == "0"
    assert await stored(hass, hass_storage) == (TODAY, 0)


@pytest.mark.freeze_time(MORNING)
async def test_restart_keeps_the_count(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """Test the credits used today are stored and read again at setup."""
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {"test_mode": False, "day": TODAY, "credits_used": 2},
    }
    await setup_limited(hass, aioclient_mock, 3)
    assert used_today(hass) == "2"

    await send_one(hass)

    assert await stored(hass, hass_storage) == (TODAY, 3)
    with (
        assert_no_requests(aioclient_mock),
        pytest.raises(ServiceValidationError, match="daily credit limit"),
    ):
        await send_one(hass)


@pytest.mark.freeze_time(MORNING)
@pytest.mark.parametrize(
    "data",
    [
        {"test_mode": False, "day": "2026-05-03", "credits_used": 3},
        {"test_mode": False},
        {"test_mode": False, "day": 20260504, "credits_used": "3"},
    ],
    ids=["yesterday", "before_the_limit_existed", "unreadable"],
)
async def test_stored_count_of_another_day_starts_at_zero(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
    data: dict[str, Any],
) -> None:
    """Test what was used on another day, or nothing readable, does not count today."""
    hass_storage[STORAGE_KEY] = {"version": 1, "key": STORAGE_KEY, "data": data}

    await setup_limited(hass, aioclient_mock, 3)

    assert used_today(hass) == "0"
    await send_one(hass)
    assert await stored(hass, hass_storage) == (TODAY, 1)


async def test_new_day_resets_the_count_and_clears_the_issue(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
    issue_registry: ir.IssueRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test local midnight starts a new day at 0 and removes the repair issue."""
    freezer.move_to("2026-05-04 23:59:50-07:00")
    await setup_limited(hass, aioclient_mock, 1)
    await send_one(hass)
    with pytest.raises(ServiceValidationError):
        await send_one(hass)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID)
    assert (state := hass.states.get(USED_TODAY_ENTITY_ID))
    assert state.attributes["last_reset"] == "2026-05-04T00:00:00-07:00"

    freezer.move_to("2026-05-05 00:00:00-07:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None
    assert (state := hass.states.get(USED_TODAY_ENTITY_ID))
    assert state.state == "0"
    assert state.attributes["last_reset"] == "2026-05-05T00:00:00-07:00"
    assert await stored(hass, hass_storage) == ("2026-05-05", 0)
    await send_one(hass)
    assert used_today(hass) == "1"


async def test_midnight_is_not_watched_after_unload(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Test an unloaded account no longer starts a new day at midnight."""
    freezer.move_to("2026-05-04 23:59:50-07:00")
    entry = await setup_limited(hass, aioclient_mock, 1)
    await send_one(hass)
    assert await hass.config_entries.async_unload(entry.entry_id)

    freezer.move_to("2026-05-05 00:00:00-07:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert await stored(hass, hass_storage) == (TODAY, 1)


@pytest.mark.freeze_time(MORNING)
async def test_raising_the_limit_clears_the_issue(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Test the issue stays over a reload while nothing is left, and goes when raised."""
    entry = await setup_limited(hass, aioclient_mock, 1)
    await send_one(hass)
    with pytest.raises(ServiceValidationError):
        await send_one(hass)
    options = dict(entry.options)

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID)

    hass.config_entries.async_update_entry(
        entry, options={**options, CONF_DAILY_CREDIT_LIMIT: 2}
    )
    await hass.async_block_till_done()

    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None
    assert used_today(hass) == "1"
    await send_one(hass)
    assert len(send_requests(aioclient_mock)) == 2


@pytest.mark.freeze_time(MORNING)
async def test_removing_the_account_removes_the_issue(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Test the daily limit issue goes with the account."""
    entry = await setup_limited(hass, aioclient_mock, 1)
    await send_one(hass)
    with pytest.raises(ServiceValidationError):
        await send_one(hass)

    assert await hass.config_entries.async_remove(entry.entry_id)

    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None


@pytest.mark.freeze_time(MORNING)
async def test_diagnostics_show_the_usage(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Test the diagnostics show the limit and what was used today."""
    entry = await setup_limited(hass, aioclient_mock, 3)
    await send_one(hass, RECIPIENT_NUMBER, OTHER_NUMBER)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics["daily_credit_limit"] == {
        "limit": 3,
        "day": TODAY,
        "credits_used": 2,
    }


@pytest.mark.freeze_time(MORNING)
@pytest.mark.parametrize(
    ("balance", "send"),
    [
        (0, None),
        (250, {"json": {"status": "error", "message": "Insufficient credits"}}),
    ],
    ids=["refused_by_the_balance", "refused_by_the_provider"],
)
async def test_send_refused_for_credits_gives_its_credits_back(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    balance: int,
    send: dict[str, Any] | None,
) -> None:
    """Test a send refused for lack of credits does not hold today's allowance.

    Whether the balance or the provider refused it, nothing was sent: once credits
    were bought, the day's whole limit can still be used.
    """
    entry = await setup_limited(hass, aioclient_mock, 1)
    mock_endpoints(aioclient_mock, credits_=credits_json(balance), send=send)
    await entry.runtime_data.coordinator.async_refresh()

    with pytest.raises(ServiceValidationError) as exc_info:
        await send_one(hass)

    assert exc_info.value.translation_key == "insufficient_credits"
    assert used_today(hass) == "0"
    mock_endpoints(aioclient_mock)
    await send_one(hass)
    assert used_today(hass) == "1"
    assert len(send_requests(aioclient_mock)) == 1


@pytest.mark.freeze_time(MORNING)
async def test_limit_lowered_below_the_credits_used_leaves_none(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Test a limit lowered below what was used today leaves 0 credits, never fewer.

    The refusal says 0 are left, and its repair issue stays over a reload.
    """
    entry = await setup_limited(hass, aioclient_mock, 3)
    await send_one(hass, RECIPIENT_NUMBER, OTHER_NUMBER)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_DAILY_CREDIT_LIMIT: 1}
    )
    await hass.async_block_till_done()

    with (
        assert_no_requests(aioclient_mock),
        pytest.raises(ServiceValidationError) as exc_info,
    ):
        await send_one(hass)

    assert exc_info.value.translation_placeholders == {
        "credits_estimate": "1",
        "limit": "1",
        "left": "0",
    }
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID)
    assert used_today(hass) == "2"


@pytest.mark.freeze_time(MORNING)
async def test_limit_holds_while_the_account_is_in_test_mode(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """Test concurrent sends of an account in test mode stay within the limit.

    The account may have left test mode since its last send: a send then costs its
    credits, so the daily limit holds the cost while the send is out.
    """
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {"test_mode": True, "day": TODAY, "credits_used": 0},
    }
    await setup_limited(hass, aioclient_mock, 1)
    release = asyncio.Event()
    send_answer, sends = held_answer(release, sent_json)
    mock_endpoints(aioclient_mock, send={"side_effect": send_answer})

    tasks = start_sends(hass, 2)
    await spin_until(lambda: len(sends) + sum(task.done() for task in tasks) == 2)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)

    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 1
    assert isinstance(refused[0], ServiceValidationError)
    assert refused[0].translation_key == "daily_limit_reached"
    assert len(send_requests(aioclient_mock)) == 1
    assert used_today(hass) == "1"
