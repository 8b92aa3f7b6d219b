"""The recipient subentry flow: a phone number with its own notify entity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .api import SENDNAME_PATTERN
from .const import (
    CONF_DEFAULT_COUNTRY,
    CONF_PHONE_NUMBER,
    CONF_SENDNAME,
    DEFAULT_COUNTRY,
    SUBENTRY_TYPE_RECIPIENT,
)
from .message import InvalidPhoneNumberError, normalize_phone_number

RECIPIENT_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): TextSelector(),
        vol.Required(CONF_PHONE_NUMBER): TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEL)
        ),
        vol.Optional(CONF_SENDNAME): TextSelector(),
    }
)


class RecipientSubentryFlowHandler(ConfigSubentryFlow):
    """Add or change a recipient: a phone number with its own notify entity."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add a recipient."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = await self._async_validate_recipient(user_input, errors)
            if data is not None:
                self._async_abort_if_number_configured(data[CONF_PHONE_NUMBER])
                return self.async_create_entry(
                    title=data[CONF_NAME],
                    data=data,
                    unique_id=data[CONF_PHONE_NUMBER],
                )

        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                RECIPIENT_SCHEMA, user_input
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change the name, phone number or sendname of a recipient."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = await self._async_validate_recipient(user_input, errors)
            if data is not None:
                self._async_abort_if_number_configured(
                    data[CONF_PHONE_NUMBER], subentry.subentry_id
                )
                return self.async_update_and_abort(
                    self._get_entry(),
                    subentry,
                    title=data[CONF_NAME],
                    data=data,
                    unique_id=data[CONF_PHONE_NUMBER],
                    # An explicit reason uses this integration's own abort message.
                    reason="reconfigure_successful",
                )

        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECIPIENT_SCHEMA, user_input or subentry.data
            ),
            errors=errors,
        )

    async def _async_validate_recipient(
        self, user_input: Mapping[str, Any], errors: dict[str, str]
    ) -> dict[str, str] | None:
        """Return the subentry data for the input, or None after adding errors."""
        region = self._get_entry().options.get(CONF_DEFAULT_COUNTRY, DEFAULT_COUNTRY)
        phone_number: str | None = None
        try:
            # The first number of a region loads its metadata from disk.
            phone_number = await self.hass.async_add_executor_job(
                normalize_phone_number, user_input[CONF_PHONE_NUMBER], region
            )
        except InvalidPhoneNumberError:
            errors[CONF_PHONE_NUMBER] = "invalid_phone_number"
        # The name becomes the title and the notify entity's name: a blank one
        # must not fall back to the phone number, which would show it everywhere.
        name = user_input[CONF_NAME].strip()
        if not name:
            errors[CONF_NAME] = "name_required"
        sendname = user_input.get(CONF_SENDNAME, "").strip()
        if sendname and not SENDNAME_PATTERN.fullmatch(sendname):
            errors[CONF_SENDNAME] = "invalid_sendname"
        if phone_number is None or errors:
            return None

        data = {CONF_NAME: name, CONF_PHONE_NUMBER: phone_number}
        if sendname:
            data[CONF_SENDNAME] = sendname
        return data

    @callback
    def _async_abort_if_number_configured(
        self, phone_number: str, subentry_id: str | None = None
    ) -> None:
        """Abort when another recipient of the account has this phone number."""
        for subentry in self._get_entry().get_subentries_of_type(
            SUBENTRY_TYPE_RECIPIENT
        ):
            if (
                subentry.subentry_id != subentry_id
                and subentry.data.get(CONF_PHONE_NUMBER) == phone_number
            ):
                raise AbortFlow("already_configured")
