"""Tests for the automation blueprints, loaded by Home Assistant's blueprint integration."""

from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.blueprint import importer
from homeassistant.core import HomeAssistant, ServiceCall, State
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smsservicecenter.const import (
    CONF_OUTBOX_MINUTES,
    DOMAIN,
    OUTBOX_RETRY_MIN,
)

from . import setup_integration
from .conftest import (
    ENTRY_ID,
    RECIPIENT_NUMBER,
    call_send_sms_action,
    mock_endpoints,
    send_requests,
)

BLUEPRINTS = Path(__file__).parent.parent / "blueprints" / "automation" / DOMAIN
REPOSITORY = "https://github.com/smsservicecenter-ha/ha-smsservicecenter"
SEND_BLUEPRINT = "send_sms_on_state_change.yaml"
NOT_SENT_BLUEPRINT = "sms_not_sent.yaml"
DOOR = "binary_sensor.front_door"
MESSAGES = "event.sms_service_center_messages"
RATE_LIMITED = {"status": HTTPStatus.TOO_MANY_REQUESTS}
REFUSED = {"json": {"status": "error", "message": "Recipient blocked"}}


@pytest.fixture(autouse=True)
def blueprint_folder(hass: HomeAssistant, tmp_path: Path) -> None:
    """Put the blueprints where Home Assistant looks for them: <config>/blueprints/."""
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints" / "automation" / DOMAIN)


async def use_blueprint(hass: HomeAssistant, name: str, **inputs: Any) -> None:
    """Set up an automation from one of the blueprints with these inputs."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {"path": f"{DOMAIN}/{name}", "input": inputs}
            }
        },
    )
    await hass.async_block_till_done()
    assert (state := hass.states.get("automation.automation_0"))
    assert state.state == "on"


def set_door(hass: HomeAssistant, state: str, **attributes: Any) -> None:
    """Set the state of a front door sensor."""
    hass.states.async_set(
        DOOR,
        state,
        {"friendly_name": "Front door", "device_class": "door", **attributes},
    )


@pytest.mark.parametrize("name", [SEND_BLUEPRINT, NOT_SENT_BLUEPRINT])
async def test_import_from_github(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, name: str
) -> None:
    """Test each blueprint imports from its GitHub address, which is its source_url."""
    url = f"{REPOSITORY}/blob/main/blueprints/automation/{DOMAIN}/{name}"
    aioclient_mock.get(
        f"https://raw.githubusercontent.com/smsservicecenter-ha/ha-smsservicecenter/main/blueprints/automation/{DOMAIN}/{name}",
        text=(BLUEPRINTS / name).read_text(encoding="utf-8"),
    )

    imported = await importer.fetch_blueprint_from_url(hass, url)

    assert imported.blueprint.domain == "automation"
    assert imported.blueprint.metadata["source_url"] == url
    assert imported.suggested_filename == f"smsservicecenter-ha/{name[:-5]}"


async def test_send_on_state_change(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test an SMS with the default message goes out when the entity reaches the state."""
    await setup_integration(hass, mock_config_entry)

    set_door(hass, "off")
    await use_blueprint(
        hass,
        SEND_BLUEPRINT,
        watched_entity=DOOR,
        to_state="on",
        recipient="notify.alice",
    )

    set_door(hass, "on")
    await hass.async_block_till_done()
    set_door(hass, "off")
    await hass.async_block_till_done()

    assert send_requests(mock_api) == [
        {
            "numbers": RECIPIENT_NUMBER,
            "message": "Front door: Open",
            "sendname": "AliceHome",
        }
    ]


async def test_send_on_every_change(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_api: AiohttpClientMocker,
) -> None:
    """Test that without a state every change of state sends, with the user's message.

    A change of attributes only, or to and from unavailable, sends nothing.
    """
    await setup_integration(hass, mock_config_entry)

    set_door(hass, "off")
    await use_blueprint(
        hass,
        SEND_BLUEPRINT,
        watched_entity=DOOR,
        recipient="notify.alice",
        message="The {{ name | lower }} is {{ state | lower }}",
    )

    for state, attributes in (
        ("on", {}),
        ("on", {"battery": 80}),
        ("unavailable", {}),
        ("on", {}),
        ("off", {}),
    ):
        set_door(hass, state, **attributes)
        await hass.async_block_till_done()

    assert [body["message"] for body in send_requests(mock_api)] == [
        "The front door is open",
        "The front door is closed",
    ]


async def not_sent_automation(hass: HomeAssistant) -> list[ServiceCall]:
    """Set up the automation for messages not sent; return the calls of its action."""
    calls = async_mock_service(hass, "notify", "mobile_app_phone")
    await use_blueprint(
        hass,
        NOT_SENT_BLUEPRINT,
        messages_entity=MESSAGES,
        fallback_actions=[
            {
                "action": "notify.mobile_app_phone",
                "data": {"title": "{{ event_type }}", "message": "{{ message }}"},
            }
        ],
    )
    return calls


def account(outbox_minutes: int = 60) -> MockConfigEntry:
    """Return the account, without recipients, with an outbox of these minutes."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SMS Service Center",
        entry_id=ENTRY_ID,
        data={"api_token": "test-token", "url": "https://www.smsservicecenter.nl/"},
        options={CONF_OUTBOX_MINUTES: outbox_minutes},
    )


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delay: timedelta
) -> None:
    """Move the clock on and run what is due."""
    freezer.tick(delay)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize(
    ("outbox_minutes", "retry", "event_type", "message"),
    [
        (
            1,
            RATE_LIMITED,
            "expired",
            (
                "An SMS of SMS Service Center to one recipient was not sent: it waited "
                "too long in the outbox."
            ),
        ),
        (
            60,
            REFUSED,
            "failed",
            "An SMS of SMS Service Center to one recipient was not sent: it failed.",
        ),
    ],
)
async def test_fallback_when_not_sent(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    *,
    outbox_minutes: int,
    retry: dict[str, Any],
    event_type: str,
    message: str,
) -> None:
    """Test the user's action runs once when a message from the outbox is not sent."""
    mock_endpoints(aioclient_mock)
    await setup_integration(hass, account(outbox_minutes))
    calls = await not_sent_automation(hass)
    await call_send_sms_action(hass, recipients=["0612345678"], message="Sent")
    mock_endpoints(aioclient_mock, send=RATE_LIMITED)
    await call_send_sms_action(hass, recipients=["0612345678"], message="Queued")
    assert (state := hass.states.get(MESSAGES))
    assert state.attributes["event_type"] == "queued"
    assert not calls

    mock_endpoints(aioclient_mock, send=retry)
    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    await tick(hass, freezer, OUTBOX_RETRY_MIN)
    await tick(hass, freezer, timedelta(minutes=10))

    assert (state := hass.states.get(MESSAGES))
    assert state.attributes["event_type"] == event_type
    assert [call.data for call in calls] == [{"title": event_type, "message": message}]

    await hass.config_entries.async_reload(ENTRY_ID)
    await hass.async_block_till_done()
    assert len(calls) == 1


@pytest.mark.usefixtures("mock_api")
async def test_no_fallback_for_a_restored_event(hass: HomeAssistant) -> None:
    """Test the last event, restored when the account sets up, runs nothing."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(MESSAGES, dt_util.utcnow().isoformat()),
                {
                    "last_event_type": "failed",
                    "last_event_attributes": {"recipients": 1, "queued": True},
                },
            )
        ],
    )
    calls = await not_sent_automation(hass)

    await setup_integration(hass, account())

    assert (state := hass.states.get(MESSAGES))
    assert state.attributes["event_type"] == "failed"
    assert not calls
