"""Asynchronous Python client for the SMS Service Center API v2.

This module has no Home Assistant dependencies: it only needs ``aiohttp`` and
``yarl`` and can be published as a library unchanged.

Example::

    async with SmsServiceCenterClient("my-token") as client:
        balance = await client.get_credits()

The client never retries a request. In particular :meth:`SmsServiceCenterClient.send`
is sent exactly once: when it fails with a :class:`SmsServiceCenterConnectionError`,
``request_may_have_reached_server`` tells whether the message may have been sent (a
connect timeout or a refused connection certainly did not reach the server); when it
fails with a :class:`SmsServiceCenterResponseError` whose ``request_accepted`` is true,
the server accepted the request but its answer could not be read, so the message may
have been sent as well. A refusal about credits raises
:class:`SmsServiceCenterInsufficientCreditsError`.

Answers are read tolerantly and strictly only where money is. A send is accepted
when its answer has a ``messageid`` and no ``error`` status, and refused only when its
status is ``error`` with a message and no ``messageid``; any other answer raises a
:class:`SmsServiceCenterResponseError` (it may have been sent). Its
``testmode``, which the documentation does not promise, counts as live (``False``) when
it is missing or unreadable. A history entry only needs a readable ``datetime``: other
fields that are missing or wrongly typed become ``None``, and entries without a
readable ``datetime`` are skipped and counted. Provider texts in error messages have
the token redacted and phone numbers masked (:func:`mask_phone_numbers`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from enum import StrEnum
from functools import partial
import json
import logging
import math
import re
from typing import TYPE_CHECKING, Any, Self, TypeIs

import aiohttp
from yarl import URL

if TYPE_CHECKING:
    from types import TracebackType

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

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.smsservicecenter.nl/"
"""The base URL of the public SMS Service Center API."""

SENDNAME_PATTERN = re.compile(r"^[A-Za-z0-9]{1,11}$")
"""A valid sender name: 1 to 11 ASCII letters and digits (use ``fullmatch``)."""

MAX_SENDNAME_LENGTH = 11
"""The maximum length of a sender name."""

HISTORY_PAGE_SIZE = 50
"""The number of messages the history endpoint returns per page."""

_PATH_CREDITS = "api/v2/credits"
_PATH_PACKETS = "api/packets"
_PATH_SEND = "api/v2/send"
_PATH_SENDNAME = "api/v2/sendname"
_PATH_HISTORY = "api/v2/history"

_REDACTED = "**REDACTED**"

_DEFAULT_CONNECT_TIMEOUT = 5.0

# The sendname endpoint's error message for an account without a default sendname.
_NO_SENDNAME_MESSAGE = "invalid request"

# Words in an error message that make it a refusal about credits (English, Dutch).
_CREDIT_WORDS = ("credit", "tegoed")

_TEST_MODE_STRINGS = {"true": True, "1": True, "false": False, "0": False}

_MASK_BULLET = "\u2022"
_MASK_MIN_LENGTH = 8
_MASK_KEEP_START = 4
_MASK_KEEP_END = 3

# A run of digits, optionally with a leading "+", single separators between digits
# and digits in parentheses, such as "+31 (0)6-12 34 56 78"; see mask_phone_numbers.
_PHONE_LIKE = re.compile(r"(?<!\d)\+?(?:\(\d+\)|\d)(?:[ ./-]?(?:\(\d+\)|\d))+(?!\d)")
_MIN_PHONE_DIGITS = 8


class ConnectionFailure(StrEnum):
    """Why the API could not be reached or did not answer in time."""

    HOST_NOT_FOUND = "host_not_found"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    SERVER_ERROR = "server_error"
    RATE_LIMITED = "rate_limited"
    OTHER = "other"


class SmsServiceCenterError(Exception):
    """Base class for all errors raised by this client."""


class SmsServiceCenterConnectionError(SmsServiceCenterError):
    """The API could not be reached or did not answer in time.

    Raised for network errors, timeouts, HTTP 5xx and HTTP 429 responses.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: ConnectionFailure = ConnectionFailure.OTHER,
        retry_after: float | None = None,
        request_may_have_reached_server: bool = True,
    ) -> None:
        """Initialise the error.

        Args:
            message: A description of the problem.
            reason: What went wrong, for a message per cause.
            retry_after: Seconds to wait before trying again, from a
                ``Retry-After`` header (HTTP 429/503), or ``None``.
            request_may_have_reached_server: ``False`` only when the request
                certainly never reached the server (connection refused, DNS
                failure, HTTP 429); ``True`` when it may have been processed.

        """
        super().__init__(message)
        self.reason = reason
        self.retry_after = retry_after
        self.request_may_have_reached_server = request_may_have_reached_server


class SmsServiceCenterAuthenticationError(SmsServiceCenterError):
    """The API token was rejected (HTTP 401/403) or is unusable."""


class SmsServiceCenterResponseError(SmsServiceCenterError):
    """The API answered with something this client does not understand.

    Raised for unexpected shapes, missing or wrongly typed fields, redirects and
    unexpected HTTP 4xx statuses; a body that is not JSON and HTTP 404/405 raise
    its subclass :class:`SmsServiceCenterNotApiError`.
    """

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        """Initialise the error.

        Args:
            message: A description of the problem.
            http_status: The HTTP status of the answer, or ``None`` when unknown.
                The client always sets it: a 2xx status means the server accepted
                the request and only the body could not be read; a 3xx or 4xx
                status means the server did not accept the request.

        """
        super().__init__(message)
        self.http_status = http_status

    @property
    def request_accepted(self) -> bool:
        """Return whether the server answered 2xx, so a send may have gone out."""
        return self.http_status is not None and 200 <= self.http_status < 300


class SmsServiceCenterNotApiError(SmsServiceCenterResponseError):
    """The URL answers, but not as the SMS Service Center API (HTTP 404/405 or no JSON)."""


class SmsServiceCenterApiError(SmsServiceCenterError):
    """The API answered HTTP 200 with ``{"status": "error", "message": ...}``."""

    def __init__(self, message: str) -> None:
        """Initialise the error with the provider's message."""
        super().__init__(message)
        self.message = message


class SmsServiceCenterInsufficientCreditsError(SmsServiceCenterApiError):
    """The API refused the request because the account lacks credits."""

    def __init__(
        self,
        message: str,
        *,
        remaining: int | None = None,
        required: int | None = None,
    ) -> None:
        """Initialise the error.

        Args:
            message: The provider's message.
            remaining: The credits left, when the answer says so.
            required: The credits the request needed, when the answer says so.

        """
        super().__init__(message)
        self.remaining = remaining
        self.required = required


class SmsServiceCenterValidationError(SmsServiceCenterError, ValueError):
    """An argument was rejected by the client before any request was made."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Packet:
    """A credit packet that can be bought from SMS Service Center."""

    name: str
    slug: str | None
    uuid: str | None
    price_cents: int
    credits: int
    url: str

    @property
    def price(self) -> Decimal:
        """Return the price in euros."""
        return Decimal(self.price_cents).scaleb(-2)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Create a packet from one entry of the packets endpoint's ``data`` list."""
        obj = _expect_object(data, "packet")
        return cls(
            name=_get_str(obj, "name", "packet"),
            slug=_optional_str(obj.get("slug")),
            uuid=_optional_str(obj.get("uuid")),
            price_cents=_get_int(obj, "price", "packet"),
            credits=_get_int(obj, "credits", "packet"),
            url=_get_str(obj, "url", "packet"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SendResult:
    """The result of sending a message."""

    message_id: str
    test_mode: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SentMessage:
    """A message from the sent message history."""

    id: str | None
    sent_at: datetime
    sendname: str | None
    message: str | None
    count: int | None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Create a message from one entry of the history's ``messages`` list.

        Only ``datetime`` is needed; the other fields are ``None`` when they are
        missing or of the wrong type.

        Raises:
            SmsServiceCenterResponseError: ``data`` is not an object or has no
                readable ISO 8601 ``datetime``.

        """
        obj = _expect_object(data, "history message")
        return cls(
            id=_optional_str(obj.get("id")),
            sent_at=_parse_datetime(obj.get("datetime")),
            sendname=_optional_str(obj.get("sendname")),
            message=_optional_str(obj.get("message")),
            count=_optional_int(obj.get("count")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryPage:
    """One page of the sent message history (newest first)."""

    messages: tuple[SentMessage, ...]
    current_page: int
    total_pages: int
    items_per_page: int
    skipped: int = 0
    """Entries left out of ``messages`` because they had no readable ``datetime``."""

    @classmethod
    def from_dict(cls, data: object, *, requested_page: int = 1) -> Self:
        """Create a page from the ``details`` of the history endpoint.

        Entries without a readable ``datetime`` are skipped and counted in
        ``skipped``. A missing or unreadable ``currentpage`` is
        ``requested_page``; a missing or unreadable ``items_per_page`` is
        :data:`HISTORY_PAGE_SIZE`.

        Raises:
            SmsServiceCenterResponseError: ``data`` is not an object, or its
                ``messages`` list or integer ``totalpages`` is missing.

        """
        obj = _expect_object(data, "history details")
        messages: list[SentMessage] = []
        skipped = 0
        for item in _get_list(obj, "messages", "history details"):
            try:
                messages.append(SentMessage.from_dict(item))
            except SmsServiceCenterResponseError:
                skipped += 1
        return cls(
            messages=tuple(messages),
            current_page=_optional_positive_int(obj.get("currentpage"))
            or requested_page,
            total_pages=_get_int(obj, "totalpages", "history details"),
            items_per_page=_optional_positive_int(obj.get("items_per_page"))
            or HISTORY_PAGE_SIZE,
            skipped=skipped,
        )


class SmsServiceCenterClient:
    """Client for the SMS Service Center API v2.

    Pass an ``aiohttp.ClientSession`` to share it; the client then never closes
    it. Without one, the client creates its own session on first use and closes
    it in :meth:`close` (or when leaving ``async with``).
    """

    def __init__(
        self,
        token: str,
        session: aiohttp.ClientSession | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        request_timeout: float = 10.0,
        connect_timeout: float | None = None,
    ) -> None:
        """Initialise the client.

        Args:
            token: The API token from the SMS Service Center account.
            session: An optional shared ``aiohttp.ClientSession``.
            base_url: The API base URL; a trailing slash is added when missing.
            request_timeout: Seconds a whole request (including reading the
                response) may take.
            connect_timeout: Seconds setting up the connection may take, at most
                ``request_timeout``; 5 when not given (then ``request_timeout``
                alone limits a shorter request). A request that times out while
                connecting certainly did not reach the server.

        Raises:
            SmsServiceCenterValidationError: ``base_url`` is not an absolute
                http(s) URL without user info, a timeout is not positive, or
                ``connect_timeout`` is longer than ``request_timeout``.

        """
        self._base_url = _normalise_base_url(base_url)
        self._request_timeout = _validate_timeout(request_timeout, "request_timeout")
        if connect_timeout is None:
            # Not validated: a longer one than request_timeout never fires.
            self._connect_timeout = _DEFAULT_CONNECT_TIMEOUT
        else:
            self._connect_timeout = _validate_timeout(
                connect_timeout, "connect_timeout"
            )
            if self._connect_timeout > self._request_timeout:
                raise SmsServiceCenterValidationError(
                    "connect_timeout must not be longer than request_timeout"
                )
        self._token = token
        self._session = session
        self._close_session = False

    def __repr__(self) -> str:
        """Return a representation that does not reveal the token."""
        return f"{type(self).__name__}(base_url={str(self._base_url)!r})"

    @property
    def base_url(self) -> str:
        """Return the normalised API base URL (always with a trailing slash)."""
        return str(self._base_url)

    async def get_credits(self) -> int:
        """Return the number of SMS credits left on the account."""
        return await self._request_v2("GET", _PATH_CREDITS, _read_credits)

    async def get_packets(self) -> tuple[Packet, ...]:
        """Return the credit packets that are for sale (public endpoint)."""
        return await self._request(
            "GET", _PATH_PACKETS, self._read_packets, authenticated=False
        )

    async def send(
        self,
        numbers: Sequence[str],
        message: str,
        sendname: str | None = None,
    ) -> SendResult:
        """Send ``message`` to ``numbers`` in one request; it is never retried.

        Args:
            numbers: The recipients' phone numbers, sent joined with commas.
            message: The text of the message.
            sendname: The sender name to use instead of the account's default.

        Raises:
            SmsServiceCenterValidationError: An argument is invalid; nothing
                was sent.
            SmsServiceCenterConnectionError: See ``request_may_have_reached_server``
                to know whether the message may have been sent anyway.
            SmsServiceCenterResponseError: The answer could not be read; when
                ``request_accepted`` is true the message may have been sent.

        """
        if isinstance(numbers, str | bytes) or not isinstance(numbers, Sequence):
            raise SmsServiceCenterValidationError(
                "numbers must be a sequence of phone numbers, not a single string"
            )
        if not numbers:
            raise SmsServiceCenterValidationError("At least one number is required")
        for number in numbers:
            if not isinstance(number, str) or not number.strip():
                raise SmsServiceCenterValidationError("Phone numbers must not be empty")
            if "," in number:
                raise SmsServiceCenterValidationError(
                    f"Phone number {number!r} must not contain a comma"
                )
        if not isinstance(message, str) or not message.strip():
            raise SmsServiceCenterValidationError("The message must not be empty")
        payload: dict[str, str] = {"numbers": ",".join(numbers), "message": message}
        if sendname is not None:
            _validate_sendname(sendname)
            payload["sendname"] = sendname
        return await self._request(
            "POST", _PATH_SEND, self._read_send, json_body=payload
        )

    async def get_sendname(self) -> str | None:
        """Return the account's default sender name, or None when it has none.

        For an account without a default sender name the API answers
        ``{"status": "error", "message": "Invalid request"}``; any other error
        answer raises.
        """
        return await self._request("GET", _PATH_SENDNAME, self._read_default_sendname)

    async def set_sendname(self, sendname: str) -> str:
        """Set the account's default sender name and return the one now in use.

        Raises:
            SmsServiceCenterValidationError: ``sendname`` is not 1 to 11 letters
                and digits; nothing was sent.

        """
        _validate_sendname(sendname)

        def read(body: dict[str, Any]) -> str:
            # The answer of a successful set that names no sender name means the new one.
            if _is_v2_success(body):
                return _sendname_in(body.get("details")) or sendname
            raise self._v2_error(body)

        return await self._request(
            "POST", _PATH_SENDNAME, read, json_body={"sendname": sendname}
        )

    async def get_history(self, page: int = 1) -> HistoryPage:
        """Return one page (1-based) of the messages sent in the last 30 days.

        Raises:
            SmsServiceCenterValidationError: ``page`` is not an integer >= 1.

        """
        if not _is_int(page) or page < 1:
            raise SmsServiceCenterValidationError("page must be an integer >= 1")
        return await self._request_v2(
            "GET",
            _PATH_HISTORY,
            partial(HistoryPage.from_dict, requested_page=page),
            params={"page": page},
        )

    async def close(self) -> None:
        """Close the session if the client created it."""
        if self._session is not None and self._close_session:
            await self._session.close()
            self._session = None
            self._close_session = False

    async def __aenter__(self) -> Self:
        """Enter the async context manager."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Leave the async context manager and close an owned session."""
        await self.close()

    async def _request_v2[T](
        self,
        method: str,
        path: str,
        read_details: Callable[[object], T],
        *,
        json_body: Mapping[str, str] | None = None,
        params: Mapping[str, int] | None = None,
    ) -> T:
        """Make an authenticated v2 request; return ``read_details`` of its ``details``."""

        def read(body: dict[str, Any]) -> T:
            return read_details(self._v2_details(body))

        return await self._request(
            method, path, read, json_body=json_body, params=params
        )

    def _v2_details(self, body: Mapping[str, Any]) -> object:
        """Return the ``details`` of a v2 response, or raise its error."""
        if not _is_v2_success(body):
            raise self._v2_error(body)
        if "details" not in body:
            raise SmsServiceCenterResponseError("The response has no 'details' field")
        details: object = body["details"]
        return details

    def _v2_error(self, body: Mapping[str, Any]) -> SmsServiceCenterError:
        """Return the error for a v2 response that is not a success."""
        if body.get("status") is None:
            return SmsServiceCenterResponseError("The response has no 'status' field")
        return self._api_error(body)

    def _read_send(self, body: Mapping[str, Any]) -> SendResult:
        """Return the result of a send answer, or raise when it is no clear success."""
        details = body.get("details")
        if not isinstance(details, dict):
            details = {}
        message_id = _message_id(details)
        if _normalised(body.get("status")) == "error":
            if message_id is None and _has_text(body.get("message")):
                raise self._api_error(body)
        elif message_id is not None:
            return SendResult(message_id=message_id, test_mode=_read_test_mode(details))
        # Only a clear refusal may say "not sent": this answer came with HTTP 2xx.
        raise SmsServiceCenterResponseError(
            f"The send answer (status {self._clean(repr(body.get('status')))}, "
            f"{'a' if message_id else 'no'} message id) is neither a success nor "
            "a refusal: the message may have been sent"
        )

    def _read_default_sendname(self, body: Mapping[str, Any]) -> str | None:
        """Return the sender name of the sendname endpoint's answer, None for none."""
        if (
            _normalised(body.get("status")) == "error"
            and _normalised(body.get("message")) == _NO_SENDNAME_MESSAGE
        ):
            return None
        if _is_v2_success(body):
            return _sendname_in(body.get("details"))
        raise self._v2_error(body)

    def _read_packets(self, body: Mapping[str, Any]) -> tuple[Packet, ...]:
        """Return the readable packets of the packets endpoint's answer, or raise its error."""
        status = body.get("status")
        if status is not None and _normalised(status) != "success":
            raise self._api_error(body)
        packets: list[Packet] = []
        for item in _get_list(body, "data", "packets response"):
            try:
                packets.append(Packet.from_dict(item))
            except SmsServiceCenterResponseError as err:
                _LOGGER.debug("Skipped an unreadable packet: %s", err)
        return tuple(packets)

    async def _request[T](
        self,
        method: str,
        path: str,
        read: Callable[[dict[str, Any]], T],
        *,
        authenticated: bool = True,
        json_body: Mapping[str, str] | None = None,
        params: Mapping[str, int] | None = None,
    ) -> T:
        """Make one request and return what ``read`` makes of the decoded JSON object.

        Every :class:`SmsServiceCenterResponseError` raised here, also by ``read``,
        carries the HTTP status of the answer.
        """
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        if authenticated:
            token = self._token
            if (
                not isinstance(token, str)
                or not token
                or any(char.isspace() or not char.isprintable() for char in token)
            ):
                raise SmsServiceCenterAuthenticationError(
                    "The API token is empty or contains invalid characters"
                )
            headers["Authorization"] = f"Bearer {token}"

        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._close_session = True

        url = self._base_url.join(URL(path))
        try:
            async with asyncio.timeout(self._request_timeout):
                async with self._session.request(
                    method,
                    url,
                    headers=headers,
                    json=json_body,
                    params=params,
                    allow_redirects=False,
                    raise_for_status=False,
                    timeout=aiohttp.ClientTimeout(connect=self._connect_timeout),
                ) as response:
                    status = response.status
                    content_type = response.content_type
                    retry_after = _parse_retry_after(
                        response.headers.get("Retry-After")
                    )
                    raw = await response.read()
        # A ConnectionTimeoutError is a TimeoutError too: catch it first.
        except aiohttp.ConnectionTimeoutError as err:
            raise SmsServiceCenterConnectionError(
                f"Timeout after {self._connect_timeout:g} s while connecting to {self._host}",
                reason=ConnectionFailure.TIMEOUT,
                request_may_have_reached_server=False,
            ) from err
        except TimeoutError as err:
            raise SmsServiceCenterConnectionError(
                f"Timeout after {self._request_timeout:g} s while talking to {self._host}",
                reason=ConnectionFailure.TIMEOUT,
            ) from err
        except aiohttp.ClientConnectorError as err:
            raise SmsServiceCenterConnectionError(
                self._redact(f"Cannot connect to {self._host}: {_describe(err)}"),
                reason=_connector_failure(err),
                request_may_have_reached_server=False,
            ) from err
        except aiohttp.ClientError as err:
            raise SmsServiceCenterConnectionError(
                self._redact(f"Error while talking to {self._host}: {_describe(err)}")
            ) from err

        if status in (401, 403):
            raise SmsServiceCenterAuthenticationError(
                f"Authentication failed (HTTP {status}): the API token was rejected"
            )
        if status == 429:
            raise SmsServiceCenterConnectionError(
                f"Too many requests to {self._host} (HTTP 429)",
                reason=ConnectionFailure.RATE_LIMITED,
                retry_after=retry_after,
                request_may_have_reached_server=False,
            )
        if status >= 500:
            raise SmsServiceCenterConnectionError(
                f"Server error from {self._host} (HTTP {status})",
                reason=ConnectionFailure.SERVER_ERROR,
                retry_after=retry_after if status == 503 else None,
            )
        if status in (404, 405):
            raise SmsServiceCenterNotApiError(
                f"HTTP {status} from {self._host}: this URL is not the SMS Service "
                "Center API (check the API base URL)",
                http_status=status,
            )
        if not 200 <= status < 300:
            hint = " (redirect; check the API base URL)" if 300 <= status < 400 else ""
            raise SmsServiceCenterResponseError(
                f"Unexpected HTTP {status} response from {self._host}{hint}",
                http_status=status,
            )

        try:
            decoded = json.loads(raw)
        except (ValueError, RecursionError) as err:
            raise SmsServiceCenterNotApiError(
                f"Expected a JSON response from {self._host}, got invalid "
                f"{self._clean(content_type or 'untyped')} content",
                http_status=status,
            ) from err
        if not isinstance(decoded, dict):
            raise SmsServiceCenterResponseError(
                f"Expected a JSON object, got {_type_name(decoded)}",
                http_status=status,
            )
        try:
            return read(decoded)
        except SmsServiceCenterResponseError as err:
            # The readers do not know the status of the answer they read.
            err.http_status = status
            raise

    def _api_error(self, body: Mapping[str, Any]) -> SmsServiceCenterApiError:
        """Return the error for a response whose status is not ``success``.

        The provider's texts are kept with the token redacted and phone numbers
        masked. A refusal about credits is a
        :class:`SmsServiceCenterInsufficientCreditsError`.
        """
        message = body.get("message")
        status = body.get("status")
        if isinstance(message, str) and message.strip():
            text = self._clean(message)
        elif isinstance(status, str) and status:
            text = f"The API answered with status {self._clean(status)!r} without a message"
        else:
            text = "The API answered with an error without a message"
        remaining = _credit_field(body, "remaining")
        required = _credit_field(body, "required")
        if (
            isinstance(message, str)
            and any(word in message.casefold() for word in _CREDIT_WORDS)
        ) or (remaining is not None or required is not None):
            return SmsServiceCenterInsufficientCreditsError(
                text, remaining=remaining, required=required
            )
        return SmsServiceCenterApiError(text)

    @property
    def _host(self) -> str:
        """Return the API host, for error messages."""
        return self._base_url.host or str(self._base_url)

    def _redact(self, text: str) -> str:
        """Remove the token from ``text``."""
        token = self._token
        if isinstance(token, str) and token:
            return text.replace(token, _REDACTED)
        return text

    def _clean(self, text: str) -> str:
        """Return a provider text without the token and with phone numbers masked."""
        return mask_phone_numbers(self._redact(text))


def mask_phone_number(number: str) -> str:
    """Hide a phone number for logs and errors: ``+31612999402`` -> ``+316•••••402``.

    Surrounding whitespace is dropped. The first four and the last three
    characters are kept and every other character becomes a bullet (U+2022);
    an input shorter than eight characters becomes bullets only.
    """
    text = number.strip()
    if len(text) < _MASK_MIN_LENGTH:
        return _MASK_BULLET * len(text)
    hidden = len(text) - _MASK_KEEP_START - _MASK_KEEP_END
    return f"{text[:_MASK_KEEP_START]}{_MASK_BULLET * hidden}{text[-_MASK_KEEP_END:]}"


def mask_phone_numbers(text: str) -> str:
    """Mask every phone-number-like sequence in a free text with :func:`mask_phone_number`.

    A sequence of at least eight digits counts, with an optional leading ``+``
    and single spaces, dots, slashes or hyphens between the digits, or digits in
    parentheses: ``+31612999001``, ``0612999001``, ``06-12 99 90 01``,
    ``0031612999001``, ``+31 (0)6 12999001``. It is masked without its
    separators. Shorter numbers, such as ``3 credits`` or ``HTTP 429``, stay.
    """
    return _PHONE_LIKE.sub(_mask_phone_like, text)


def _mask_phone_like(match: re.Match[str]) -> str:
    """Return a phone-number-like match masked, or unchanged when it is too short."""
    found = match.group()
    if sum(char.isdecimal() for char in found) < _MIN_PHONE_DIGITS:
        return found
    return mask_phone_number(
        "".join(char for char in found if char.isdecimal() or char == "+")
    )


def _normalise_base_url(base_url: str) -> URL:
    """Return ``base_url`` as an absolute http(s) URL ending in a slash."""
    try:
        url = URL(base_url)
    except (TypeError, ValueError) as err:
        raise SmsServiceCenterValidationError("base_url is not a valid URL") from err
    if url.scheme not in ("http", "https") or not url.host:
        raise SmsServiceCenterValidationError(
            "base_url must be an absolute http:// or https:// URL"
        )
    if url.user is not None or url.password is not None:
        # aiohttp would turn these into a second Authorization header and refuse.
        raise SmsServiceCenterValidationError(
            "base_url must not contain a user name or password"
        )
    url = url.with_query(None).with_fragment(None)
    # Always set the path: yarl renders a bare host without the trailing slash.
    return url.with_path(f"{url.path.rstrip('/')}/")


def _validate_timeout(value: object, name: str) -> float:
    """Return ``value`` as seconds when it is a positive finite number."""
    if isinstance(value, bool) or not (
        isinstance(value, int | float) and math.isfinite(value) and value > 0
    ):
        raise SmsServiceCenterValidationError(
            f"{name} must be a positive number of seconds"
        )
    return float(value)


def _validate_sendname(sendname: object) -> None:
    """Raise when ``sendname`` is not 1 to 11 ASCII letters and digits."""
    if not isinstance(sendname, str) or not SENDNAME_PATTERN.fullmatch(sendname):
        raise SmsServiceCenterValidationError(
            f"The sender name must be 1 to {MAX_SENDNAME_LENGTH} letters and digits"
        )


def _parse_retry_after(value: str | None) -> float | None:
    """Return the seconds in a ``Retry-After`` header (seconds or HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError, IndexError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _parse_datetime(value: object) -> datetime:
    """Parse an ISO 8601 timestamp such as ``2020-01-01T00:00:00.000000Z`` as UTC."""
    if not isinstance(value, str):
        raise SmsServiceCenterResponseError(
            f"Expected a history message 'datetime' string, got {_type_name(value)}"
        )
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        # Near year 1 or 9999 an offset can move the time out of range.
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as err:
        raise SmsServiceCenterResponseError(
            "Invalid ISO 8601 'datetime' in a history message"
        ) from err


def _connector_failure(err: aiohttp.ClientConnectorError) -> ConnectionFailure:
    """Return why a connection could not be set up."""
    if isinstance(err, aiohttp.ClientConnectorDNSError):
        return ConnectionFailure.HOST_NOT_FOUND
    # A TLS handshake failure is no refusal: the host answered.
    if isinstance(err, aiohttp.ClientSSLError):
        return ConnectionFailure.OTHER
    return ConnectionFailure.REFUSED


def _describe(err: BaseException) -> str:
    """Return a short description of an exception."""
    text = str(err)
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _read_credits(details: object) -> int:
    """Return the credit balance in the ``details`` of the credits endpoint."""
    if not _is_int(details):
        raise SmsServiceCenterResponseError(
            f"Expected an integer credit balance, got {_type_name(details)}"
        )
    return details


def _sendname_in(details: object) -> str | None:
    """Return the sender name in the ``details`` of the sendname endpoint, if any."""
    if isinstance(details, dict):
        details = details.get("sendname")
    if isinstance(details, str):
        return details if details.strip() else None
    if details is not None:
        _LOGGER.debug("The sendname answer holds %s, not a name", _type_name(details))
    return None


def _is_v2_success(body: Mapping[str, Any]) -> bool:
    """Return whether a v2 answer is a success: status success, or none with details."""
    status = body.get("status")
    if status is None:
        return "details" in body
    return _normalised(status) == "success"


def _normalised(value: object) -> str | None:
    """Return a string without surrounding whitespace and case, for comparing."""
    return value.strip().casefold() if isinstance(value, str) else None


def _has_text(value: object) -> bool:
    """Return whether ``value`` is a string with more than whitespace."""
    return isinstance(value, str) and bool(value.strip())


def _message_id(details: Mapping[str, Any]) -> str | None:
    """Return the message id in the ``details`` of a send answer, if any."""
    value = details.get("messageid")
    if _is_int(value):
        return str(value)
    return value if _has_text(value) else None


def _is_int(value: object) -> TypeIs[int]:
    """Return whether ``value`` is an int and not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _type_name(value: object) -> str:
    """Return the JSON type name of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _expect_object(value: object, what: str) -> Mapping[str, Any]:
    """Return ``value`` when it is a JSON object."""
    if not isinstance(value, dict):
        raise SmsServiceCenterResponseError(
            f"Expected {what} to be an object, got {_type_name(value)}"
        )
    return value


def _get_field(obj: Mapping[str, Any], key: str, what: str) -> object:
    """Return ``obj[key]`` or raise when it is missing."""
    if key not in obj:
        raise SmsServiceCenterResponseError(f"The {what} has no {key!r} field")
    value: object = obj[key]
    return value


def _get_str(obj: Mapping[str, Any], key: str, what: str) -> str:
    """Return the string field ``key`` of ``obj``."""
    value = _get_field(obj, key, what)
    if not isinstance(value, str):
        raise SmsServiceCenterResponseError(
            f"Expected {what} field {key!r} to be a string, got {_type_name(value)}"
        )
    return value


def _get_int(obj: Mapping[str, Any], key: str, what: str) -> int:
    """Return the integer field ``key`` of ``obj`` (a boolean is not an integer)."""
    value = _get_field(obj, key, what)
    if not isinstance(value, int) or isinstance(value, bool):
        raise SmsServiceCenterResponseError(
            f"Expected {what} field {key!r} to be an integer, got {_type_name(value)}"
        )
    return value


def _read_test_mode(details: Mapping[str, Any]) -> bool:
    """Return the ``testmode`` of send details; missing or unreadable means live."""
    value: object = details.get("testmode")
    if isinstance(value, bool):
        return value
    if _is_int(value) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        text = value.strip().casefold()
        if text in _TEST_MODE_STRINGS:
            return _TEST_MODE_STRINGS[text]
    _LOGGER.debug(
        "The send answer has no readable 'testmode' (%s); the send counts as live",
        _type_name(value) if "testmode" in details else "missing",
    )
    return False


def _optional_str(value: object) -> str | None:
    """Return ``value`` when it is a string, else None."""
    return value if isinstance(value, str) else None


def _optional_int(value: object) -> int | None:
    """Return ``value`` when it is an integer (not a boolean), else None."""
    return value if _is_int(value) else None


def _optional_positive_int(value: object) -> int | None:
    """Return ``value`` when it is an integer of at least 1, else None."""
    return value if _is_int(value) and value >= 1 else None


def _credit_field(body: Mapping[str, Any], key: str) -> int | None:
    """Return the integer ``key`` of an error answer, at the top level or in ``details``."""
    if _is_int(value := body.get(key)):
        return value
    details = body.get("details")
    if isinstance(details, dict) and _is_int(value := details.get(key)):
        return value
    return None


def _get_list(obj: Mapping[str, Any], key: str, what: str) -> list[Any]:
    """Return the list field ``key`` of ``obj``."""
    value = _get_field(obj, key, what)
    if not isinstance(value, list):
        raise SmsServiceCenterResponseError(
            f"Expected {what} field {key!r} to be a list, got {_type_name(value)}"
        )
    return value
