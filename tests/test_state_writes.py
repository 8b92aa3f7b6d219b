"""Tests for the states a send or a poll writes: one per entity that changed, no more."""

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from homeassistant.components.notify import DOMAIN as NOTIFY_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
)
from homeassistant.core import Event, HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from . import setup_integration
from .conftest import (
    RECIPIENT_NUMBER,
    call_send_sms_action,
    credits_json,
    mock_endpoints,
    next_poll,
    settle_sends,
)

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory

CREDITS = "sensor.sms_service_center_credits"
USED_TODAY = "sensor.sms_service_center_credits_used_today"
MESSAGES = "sensor.sms_service_center_messages_last_30_days"
LAST_MESSAGE = "sensor.sms_service_center_last_message_sent"
LOW_CREDITS = "binary_sensor.sms_service_center_low_credits"
EVENT = "event.sms_service_center_messages"


@pytest.fixture
async def state_writes(
    hass: HomeAssistant,
    entity_registry_enabled_by_default: None,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> Counter[str]:
    """Count the states written per entity ID once the account is set up.

    Every entity is enabled, the history sensors too. A state counts when it
    changed, and when it was only reported again.
    """
    await setup_integration(hass, mock_config_entry)
    writes: Counter[str] = Counter()

    @callback
    def count(event: Event[Any]) -> None:
        writes[event.data["entity_id"]] += 1

    @callback
    def every_event(_event_data: Any) -> bool:
        return True

    hass.bus.async_listen(EVENT_STATE_CHANGED, count)
    hass.bus.async_listen(EVENT_STATE_REPORTED, count, event_filter=every_event)
    return writes


async def send_to_alice(hass: HomeAssistant) -> None:
    """Send a message with notify.send_message to Alice's notify entity."""
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        "send_message",
        {ATTR_ENTITY_ID: "notify.alice", "message": "Hello"},
        blocking=True,
    )


async def send_with_action(hass: HomeAssistant) -> None:
    """Send a message with smsservicecenter.send_sms."""
    await call_send_sms_action(hass, recipients=[RECIPIENT_NUMBER], message="Hello")


@pytest.mark.parametrize(
    ("send", "written"),
    [
        (send_with_action, {CREDITS, USED_TODAY, MESSAGES, LAST_MESSAGE, EVENT}),
        (
            send_to_alice,
            {CREDITS, USED_TODAY, MESSAGES, LAST_MESSAGE, EVENT, "notify.alice"},
        ),
    ],
    ids=["send_sms", "notify_entity"],
)
async def test_a_send_writes_each_changed_state_once(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    state_writes: Counter[str],
    send: Callable[[HomeAssistant], Any],
    written: set[str],
) -> None:
    """Test a send writes the states it changed, once each; the balance read after it none."""
    await send(hass)
    await hass.async_block_till_done()

    assert state_writes == Counter(written)
    state_writes.clear()
    mock_endpoints(aioclient_mock, credits_=credits_json(249))
    await settle_sends(hass)

    assert not state_writes


async def test_a_poll_writes_only_what_changed(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    state_writes: Counter[str],
) -> None:
    """Test a poll that finds nothing new writes nothing, and one that does only that."""
    await next_poll(hass, freezer)

    assert not state_writes

    mock_endpoints(aioclient_mock, credits_=credits_json(5))
    await next_poll(hass, freezer)

    assert state_writes == Counter({CREDITS: 1, LOW_CREDITS: 1})


async def test_a_failed_poll_writes_every_entity_unavailable(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    state_writes: Counter[str],
) -> None:
    """Test the entities of the account's status become unavailable when a poll fails."""
    mock_endpoints(aioclient_mock, credits_={"status": 500})
    await next_poll(hass, freezer)

    assert state_writes == Counter(
        {
            CREDITS: 1,
            MESSAGES: 1,
            LAST_MESSAGE: 1,
            LOW_CREDITS: 1,
            "text.sms_service_center_sender_name": 1,
        }
    )
    assert mock_config_entry.runtime_data.coordinator.last_update_success is False


@pytest.mark.freeze_time("2026-05-04 23:59:50-07:00")
async def test_a_new_day_writes_the_credits_used_today_again(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    state_writes: Counter[str],
) -> None:
    """Test midnight writes the credits used today with the new day's start, though still 0."""
    freezer.move_to("2026-05-05 00:00:00-07:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert state_writes == Counter({USED_TODAY: 1})
    assert (state := hass.states.get(USED_TODAY))
    assert state.state == "0"
    assert state.attributes["last_reset"] == "2026-05-05T00:00:00-07:00"
