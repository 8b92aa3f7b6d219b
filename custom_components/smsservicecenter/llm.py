"""LLM tools for the Assist API: text an exposed recipient, read the accounts' credits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import override

from homeassistant.components.homeassistant.exposed_entities import async_should_expose
from homeassistant.components.llm import LLMTools
from homeassistant.components.notify import DOMAIN as NOTIFY_DOMAIN
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.llm import (
    LLM_API_ASSIST,
    LLMContext,
    Tool,
    ToolAnnotations,
    ToolInput,
    ToolResult,
)
from homeassistant.helpers.service import async_get_config_entry
from homeassistant.util.json import JsonObjectType
import probatio

from .const import CONF_PHONE_NUMBER, CONF_SENDNAME, DOMAIN
from .coordinator import SmsServiceCenterConfigEntry
from .send import async_send_sms


@dataclass(frozen=True, slots=True)
class _Recipient:
    """A recipient the assistant may text: the phone number stays in here."""

    entry_id: str
    account: str
    phone_number: str
    sendname: str | None


class SendMessageTool(Tool):
    """Sends an SMS to a recipient whose notify entity is exposed to the assistant."""

    name = f"{DOMAIN}__send_message"
    title = "Send an SMS"
    description = (
        "Send a text message (SMS) to one of the recipients listed, for example when "
        "the user says 'text Alice that dinner is ready'. Only these recipients can "
        "be texted, never a phone number. Every SMS costs the user credits (about one "
        "per 160 characters, per 70 with emoji or other special characters): send "
        "only what the user asked for, once. When the result says queued, the "
        "message goes out later by itself: do not send it again."
    )
    annotations = ToolAnnotations(
        read_only=False, destructive=False, idempotent=False, open_world=True
    )
    integration = DOMAIN

    def __init__(self, recipients: dict[str, _Recipient]) -> None:
        """Offer the recipients by name; never their phone numbers."""
        self._recipients = recipients
        self.parameters = probatio.Schema(
            {
                probatio.Required("recipient", description="Who to text."): probatio.In(
                    sorted(recipients)
                ),
                probatio.Required(
                    "message", description="The text of the SMS."
                ): cv.string,
            }
        )

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: ToolInput, llm_context: LLMContext
    ) -> ToolResult:
        """Send the message through the integration's send path."""
        args = self.parameters(tool_input.tool_args)
        recipient = self._recipients[args["recipient"]]
        try:
            entry: SmsServiceCenterConfigEntry = async_get_config_entry(
                hass, DOMAIN, recipient.entry_id
            )
            outcome = await async_send_sms(
                hass,
                entry,
                [recipient.phone_number],
                args["message"],
                recipient.sendname,
            )
        except HomeAssistantError as err:
            return ToolResult(data={"error": str(err)}, error=True)
        return ToolResult(
            data={
                "message_id": outcome.message_id,
                "segments": outcome.segments,
                "credits_estimate": outcome.credits_estimate,
                "queued": outcome.queued,
                "test_mode": outcome.test_mode,
            }
        )


class GetCreditsTool(Tool):
    """Reads the credits and the daily limit of every loaded account."""

    name = f"{DOMAIN}__get_credits"
    title = "Get SMS credits"
    description = (
        "Get, for each SMS account, the credits left, the credits used today, the "
        "daily credit limit (null when there is none) and how many messages wait "
        "to be sent. Use it when the user asks how many text messages they can "
        "still send."
    )
    annotations = ToolAnnotations(
        read_only=True, destructive=False, idempotent=True, open_world=False
    )
    integration = DOMAIN

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: ToolInput, llm_context: LLMContext
    ) -> ToolResult:
        """Return the numbers of each loaded account."""
        return ToolResult(
            data={
                "accounts": [
                    account_credits(entry)
                    for entry in hass.config_entries.async_loaded_entries(DOMAIN)
                ]
            }
        )


def account_credits(entry: SmsServiceCenterConfigEntry) -> JsonObjectType:
    """Return an account's title, credits, use today, daily limit and queued messages."""
    runtime_data = entry.runtime_data
    usage = runtime_data.account.budget.daily
    return {
        "account": entry.title,
        "credits": runtime_data.coordinator.data.credits,
        "credits_used_today": usage.used,
        "daily_credit_limit": usage.limit or None,
        "queued_messages": len(runtime_data.account.outbox.messages),
    }


@callback
def _exposed_recipients(hass: HomeAssistant, assistant: str) -> dict[str, _Recipient]:
    """Return the recipients whose notify entity is exposed, by name and alias."""
    # A name that recipients of several accounts share gets the account's title
    # added; a name that still means more than one recipient is left out.
    entity_registry = er.async_get(hass)
    by_name: dict[str, dict[str, _Recipient]] = {}
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        for entity_entry in er.async_entries_for_config_entry(
            entity_registry, entry.entry_id
        ):
            if (
                entity_entry.domain != NOTIFY_DOMAIN
                or entity_entry.config_subentry_id is None
                or entity_entry.disabled
                or not async_should_expose(hass, assistant, entity_entry.entity_id)
            ):
                continue
            subentry = entry.subentries[entity_entry.config_subentry_id]
            recipient = _Recipient(
                entry.entry_id,
                entry.title,
                subentry.data[CONF_PHONE_NUMBER],
                subentry.data.get(CONF_SENDNAME) or None,
            )
            for name in er.async_get_entity_aliases(hass, entity_entry):
                by_name.setdefault(name, {})[entity_entry.entity_id] = recipient
    labelled: dict[str, dict[str, _Recipient]] = {}
    for name, recipients in by_name.items():
        for entity_id, recipient in recipients.items():
            label = name if len(recipients) == 1 else f"{name} ({recipient.account})"
            labelled.setdefault(label, {})[entity_id] = recipient
    return {
        label: next(iter(recipients.values()))
        for label, recipients in labelled.items()
        if len(recipients) == 1
    }


@callback
def async_get_tools(
    hass: HomeAssistant, llm_context: LLMContext, api_id: str
) -> LLMTools | None:
    """Return the SMS tools for the Assist API while an account is loaded."""
    if api_id != LLM_API_ASSIST or not hass.config_entries.async_loaded_entries(DOMAIN):
        return None
    tools: list[Tool] = [GetCreditsTool()]
    if recipients := _exposed_recipients(hass, llm_context.assistant):
        tools.insert(0, SendMessageTool(recipients))
    return LLMTools(tools=tools)
