"""Config flow for the SMS Service Center integration."""

from itertools import chain, count
import logging
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.const import CONF_API_TOKEN, CONF_URL, UnitOfTime
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    CountrySelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import slugify
import voluptuous as vol

from .account_check import async_remember_account_check
from .api import (
    DEFAULT_BASE_URL,
    SmsServiceCenterApiError,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterClient,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterResponseError,
    SmsServiceCenterValidationError,
)
from .const import (
    CONF_ADVANCED,
    CONF_DAILY_CREDIT_LIMIT,
    CONF_DEFAULT_COUNTRY,
    CONF_LOW_CREDITS_THRESHOLD,
    CONF_OUTBOX_MINUTES,
    DEFAULT_COUNTRY,
    DEFAULT_DAILY_CREDIT_LIMIT,
    DEFAULT_LOW_CREDITS_THRESHOLD,
    DEFAULT_OUTBOX_MINUTES,
    DEFAULT_TITLE,
    DOMAIN,
    SUBENTRY_TYPE_RECIPIENT,
)
from .errors import translation_of
from .recipient_flow import RecipientSubentryFlowHandler

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

_LOGGER = logging.getLogger(__name__)

API_TOKEN_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))

# Errors the API base URL may cause: the user form shows its section open with them.
URL_ERRORS: Final = frozenset(
    {
        "invalid_url",
        "host_not_found",
        "connection_refused",
        "timeout",
        "cannot_connect",
        "not_api",
        "invalid_response",
    }
)


class FormError(Exception):
    """What the form shows when the account check fails: a key of config.error."""

    def __init__(
        self, error: str, placeholders: Mapping[str, str] | None = None
    ) -> None:
        """Keep the error's key and the placeholders its sentence uses."""
        super().__init__(error)
        self.error = error
        self.placeholders = dict(placeholders or {})

    def errors(self, url_field: str) -> dict[str, str]:
        """Return the form's errors: an invalid URL under ``url_field``, others for the form."""
        return {url_field if self.error == "invalid_url" else "base": self.error}


def client_for_url(hass: HomeAssistant, token: str, url: str) -> SmsServiceCenterClient:
    """Return a client for the token at the API base URL; raise FormError for no URL."""
    # The client normalises the URL (with a trailing slash): its base_url is the
    # one to store.
    try:
        return SmsServiceCenterClient(
            token, async_get_clientsession(hass), base_url=url.strip()
        )
    except SmsServiceCenterValidationError as err:
        raise FormError("invalid_url") from err


async def async_check_token(
    hass: HomeAssistant, client: SmsServiceCenterClient, token: str
) -> str | None:
    """Check the token with real calls; return the default sendname, or raise FormError."""
    # The sendname is None when the account has none. What went wrong in detail
    # goes to the debug log: the form shows one translated sentence per cause.
    try:
        credits_ = await client.get_credits()
        sendname = await client.get_sendname()
    except SmsServiceCenterError as err:
        _LOGGER.debug("Checking the account at %s failed: %s", client.base_url, err)
        raise form_error(err) from err
    except Exception as err:
        _LOGGER.exception("Unexpected error while checking the API token")
        raise FormError("unknown") from err
    # The setup that follows uses these answers instead of asking again.
    async_remember_account_check(hass, token, client.base_url, credits_, sendname)
    return sendname


def form_error(err: SmsServiceCenterError) -> FormError:
    """Return the form error for an error of the client: the same sentence as at run time."""
    known = (
        SmsServiceCenterApiError,
        SmsServiceCenterAuthenticationError,
        SmsServiceCenterConnectionError,
        SmsServiceCenterResponseError,
    )
    if not isinstance(err, known):
        return FormError("unknown")
    # The frontend fills an error's placeholders from the form's description placeholders.
    return FormError(*translation_of(err))


def user_data_schema(*, collapsed: bool) -> vol.Schema:
    """Return the user form: the token, and the API base URL in a section."""
    # Whether a section is collapsed is part of the schema, so the form is built
    # for each time it is shown.
    return vol.Schema(
        {
            vol.Required(CONF_API_TOKEN): API_TOKEN_SELECTOR,
            vol.Required(CONF_ADVANCED): section(
                vol.Schema(
                    {vol.Required(CONF_URL, default=DEFAULT_BASE_URL): URL_SELECTOR}
                ),
                {"collapsed": collapsed},
            ),
        }
    )


STEP_REAUTH_DATA_SCHEMA = vol.Schema({vol.Required(CONF_API_TOKEN): API_TOKEN_SELECTOR})
STEP_RECONFIGURE_DATA_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_API_TOKEN): API_TOKEN_SELECTOR,
        vol.Required(CONF_URL): URL_SELECTOR,
    }
)
# A number of credits; the unit shown next to the field is translated.
CREDITS_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=0,
        step=1,
        mode=NumberSelectorMode.BOX,
        unit_of_measurement="credits",
        translation_key="credits",
    )
)
OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(
            CONF_LOW_CREDITS_THRESHOLD, default=DEFAULT_LOW_CREDITS_THRESHOLD
        ): CREDITS_SELECTOR,
        vol.Required(CONF_DEFAULT_COUNTRY, default=DEFAULT_COUNTRY): (
            CountrySelector()
        ),
        vol.Required(
            CONF_DAILY_CREDIT_LIMIT, default=DEFAULT_DAILY_CREDIT_LIMIT
        ): CREDITS_SELECTOR,
        vol.Required(
            CONF_OUTBOX_MINUTES, default=DEFAULT_OUTBOX_MINUTES
        ): NumberSelector(
            NumberSelectorConfig(
                min=0,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement=UnitOfTime.MINUTES,
            )
        ),
    }
)


class SmsServiceCenterConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up an SMS Service Center account."""

    # The API exposes no account ID and the token is a secret, so entries have no
    # unique ID: duplicates are found by comparing the token and the API base URL.

    VERSION = 1

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow of an account."""
        return SmsServiceCenterOptionsFlow()

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentry types of an account: its recipients."""
        return {SUBENTRY_TYPE_RECIPIENT: RecipientSubentryFlowHandler}

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the API token and, in a section, the API base URL."""
        # The section is collapsed, unless the error shown may come from the URL.
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_API_TOKEN].strip()
            try:
                client = client_for_url(
                    self.hass, token, user_input[CONF_ADVANCED][CONF_URL]
                )
                self._async_abort_if_account_configured(token, client)
                sendname = await async_check_token(self.hass, client, token)
            except FormError as err:
                errors = err.errors(CONF_ADVANCED)
                placeholders = err.placeholders
            else:
                return self.async_create_entry(
                    title=self._async_new_entry_title(sendname),
                    data={CONF_API_TOKEN: token, CONF_URL: client.base_url},
                )

        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                user_data_schema(collapsed=URL_ERRORS.isdisjoint(errors.values())),
                user_input,
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    @callback
    def _async_new_entry_title(self, sendname: str | None) -> str:
        """Return a title for a new account that no other account has."""
        # The first account is "SMS Service Center". A further account is told apart
        # by its default sendname, "SMS Service Center (HomeAssist)", unless another
        # account has that title; then, and for an account without a default
        # sendname, it gets the first free number from 2 on: "SMS Service Center 2",
        # "SMS Service Center 3", and so on. Numbers freed by deleted accounts are
        # used again. Titles are compared slugified, as the names of the legacy
        # notify services made from them are: "SMS Service Center (2)" is taken by
        # "SMS Service Center 2".
        entries = self._async_current_entries(include_ignore=False)
        if not entries:
            return DEFAULT_TITLE
        taken = {slugify(entry.title) for entry in entries}
        titles: Iterator[str] = (f"{DEFAULT_TITLE} {number}" for number in count(2))
        if sendname:
            titles = chain([f"{DEFAULT_TITLE} ({sendname})"], titles)
        return next(title for title in titles if slugify(title) not in taken)

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start asking for a new API token after the API rejected the old one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new API token and check it against the account's API base URL."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_API_TOKEN].strip()
            try:
                client = client_for_url(
                    self.hass, token, entry.data.get(CONF_URL, DEFAULT_BASE_URL)
                )
                self._async_abort_if_account_configured(token, client)
                await async_check_token(self.hass, client, token)
            except FormError as err:
                errors = err.errors("base")
                placeholders = err.placeholders
            else:
                return self._async_update_and_reload_once(
                    entry, {CONF_API_TOKEN: token}, "reauth_successful"
                )

        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                STEP_REAUTH_DATA_SCHEMA, user_input
            ),
            errors=errors,
            description_placeholders={**placeholders, "account": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the API token or the API base URL of an account."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_API_TOKEN].strip()
            try:
                client = client_for_url(self.hass, token, user_input[CONF_URL])
                self._async_abort_if_account_configured(token, client)
                await async_check_token(self.hass, client, token)
            except FormError as err:
                errors = err.errors(CONF_URL)
                placeholders = err.placeholders
            else:
                return self._async_update_and_reload_once(
                    entry,
                    {CONF_API_TOKEN: token, CONF_URL: client.base_url},
                    "reconfigure_successful",
                )

        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                STEP_RECONFIGURE_DATA_SCHEMA,
                user_input
                or {
                    CONF_API_TOKEN: entry.data[CONF_API_TOKEN],
                    CONF_URL: entry.data.get(CONF_URL, DEFAULT_BASE_URL),
                },
            ),
            errors=errors,
            description_placeholders={**placeholders, "account": entry.title},
        )

    @callback
    def _async_abort_if_account_configured(
        self, token: str, client: SmsServiceCenterClient
    ) -> None:
        """Abort when another account has this token at the client's API base URL."""
        self._async_abort_entries_match(
            {CONF_API_TOKEN: token, CONF_URL: client.base_url}
        )

    @callback
    def _async_update_and_reload_once(
        self, entry: ConfigEntry, data_updates: Mapping[str, Any], reason: str
    ) -> ConfigFlowResult:
        """Store new connection data, reload the account once and finish the flow."""
        # A loaded account reloads through its update listener when its data changes.
        # Reload it here when that does not happen: the data is unchanged (the API
        # accepts the same token again), or the account is not loaded (its setup
        # failed, so no update listener is registered).
        has_update_listener = bool(entry.update_listeners)
        changed = self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, **data_updates}
        )
        if not (changed and has_update_listener):
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        # An explicit reason uses this integration's own abort message.
        return self.async_abort(reason=reason)


class SmsServiceCenterOptionsFlow(OptionsFlow):
    """Change the account's options."""

    # The low credits threshold, the default country, the daily credit limit and
    # how long the outbox keeps a message.
    # The account's update listener reloads it when the options change, so this is
    # not an OptionsFlowWithReload (Home Assistant refuses to combine the two).

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and store the options."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_LOW_CREDITS_THRESHOLD: int(
                        user_input[CONF_LOW_CREDITS_THRESHOLD]
                    ),
                    CONF_DEFAULT_COUNTRY: user_input[CONF_DEFAULT_COUNTRY],
                    CONF_DAILY_CREDIT_LIMIT: int(user_input[CONF_DAILY_CREDIT_LIMIT]),
                    CONF_OUTBOX_MINUTES: int(user_input[CONF_OUTBOX_MINUTES]),
                }
            )

        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, self.config_entry.options
            ),
        )
