"""Constants for the SMS Service Center integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "smsservicecenter"
LOGGER = logging.getLogger(__package__)

DEFAULT_TITLE: Final = "SMS Service Center"
MANUFACTURER: Final = "SMS Service Center"
CONFIGURATION_URL: Final = "https://www.smsservicecenter.nl/"

CONF_ADVANCED: Final = "advanced"
CONF_LOW_CREDITS_THRESHOLD: Final = "low_credits_threshold"
CONF_DAILY_CREDIT_LIMIT: Final = "daily_credit_limit"
CONF_DEFAULT_COUNTRY: Final = "default_country"
CONF_PHONE_NUMBER: Final = "phone_number"
CONF_SENDNAME: Final = "sendname"
CONF_OUTBOX_MINUTES: Final = "outbox_minutes"

DEFAULT_LOW_CREDITS_THRESHOLD: Final = 10
DEFAULT_COUNTRY: Final = "NL"
DEFAULT_DAILY_CREDIT_LIMIT: Final = 0
"""No daily credit limit."""
DEFAULT_OUTBOX_MINUTES: Final = 60

SUBENTRY_TYPE_RECIPIENT: Final = "recipient"

SCAN_INTERVAL: Final = timedelta(minutes=10)
MAX_RETRY_AFTER: Final = timedelta(hours=1)
"""The longest a Retry-After header of the API may put the next poll off."""
CREDITS_REFRESH_COOLDOWN: Final = timedelta(seconds=5)
"""How long after a send the balance is read again; later sends share that read."""

OUTBOX_RETRY_AFTER_SETUP: Final = timedelta(seconds=10)
"""How long after setup the messages that waited across a restart are tried again."""
OUTBOX_RETRY_MIN: Final = timedelta(seconds=30)
"""The first wait before the outbox is tried again; it doubles after each failure."""
OUTBOX_RETRY_MAX: Final = timedelta(minutes=5)
"""The longest wait before the outbox is tried again."""
MAX_QUEUED_MESSAGES: Final = 100
"""The most messages the outbox of an account holds: it bounds every write's cost."""

HISTORY_SENSOR_KEYS: Final = ("messages_last_30_days", "last_message_sent")
"""The sensors that need the sent-message history; without them it is not read."""

ISSUE_LOW_CREDITS: Final = "low_credits"
ISSUE_TEST_MODE: Final = "test_mode"
ISSUE_DAILY_LIMIT_REACHED: Final = "daily_limit_reached"

SIGNAL_MESSAGE_EVENT: Final = "smsservicecenter_message_event_{}"
"""Dispatcher signal of an account's message events: format it with the entry ID."""
