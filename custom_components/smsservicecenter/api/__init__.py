"""Asynchronous client for the SMS Service Center API v2; no Home Assistant imports."""

from .client import (
    DEFAULT_BASE_URL,
    MAX_SENDNAME_LENGTH,
    SENDNAME_PATTERN,
    SmsServiceCenterClient,
)
from .exceptions import (
    ConnectionFailure,
    SmsServiceCenterApiError,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterInsufficientCreditsError,
    SmsServiceCenterNotApiError,
    SmsServiceCenterResponseError,
    SmsServiceCenterValidationError,
)
from .masking import mask_phone_number, mask_phone_numbers
from .models import HISTORY_PAGE_SIZE, HistoryPage, Packet, SendResult, SentMessage

__all__ = [
    "DEFAULT_BASE_URL",
    "HISTORY_PAGE_SIZE",
    "MAX_SENDNAME_LENGTH",
    "SENDNAME_PATTERN",
    "ConnectionFailure",
    "HistoryPage",
    "Packet",
    "SendResult",
    "SentMessage",
    "SmsServiceCenterApiError",
    "SmsServiceCenterAuthenticationError",
    "SmsServiceCenterClient",
    "SmsServiceCenterConnectionError",
    "SmsServiceCenterError",
    "SmsServiceCenterInsufficientCreditsError",
    "SmsServiceCenterNotApiError",
    "SmsServiceCenterResponseError",
    "SmsServiceCenterValidationError",
    "mask_phone_number",
    "mask_phone_numbers",
]
