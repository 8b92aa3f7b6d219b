"""The asynchronous client of the SMS Service Center API v2.

It never retries a request: a send goes out exactly once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from functools import partial
import json
import logging
import math
import re
from typing import TYPE_CHECKING, Any, Self

import aiohttp
from yarl import URL

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
from .masking import mask_phone_numbers
from .models import HistoryPage, Packet, SendResult
from .parsing import (
    get_list,
    has_text,
    is_int,
    is_v2_success,
    normalised,
    read_credit_field,
    read_credits,
    read_message_id,
    read_retry_after,
    read_sendname,
    read_test_mode,
    type_name,
)

if TYPE_CHECKING:
    from types import TracebackType

_LOGGER = logging.getLogger(__package__)

DEFAULT_BASE_URL = "https://www.smsservicecenter.nl/"
"""The base URL of the public SMS Service Center API."""

SENDNAME_PATTERN = re.compile(r"^[A-Za-z0-9]{1,11}$")
"""A valid sender name: 1 to 11 ASCII letters and digits (use ``fullmatch``)."""

MAX_SENDNAME_LENGTH = 11
"""The maximum length of a sender name."""

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


class SmsServiceCenterClient:
    """Client for the SMS Service Center API v2; a session passed in is never closed."""

    def __init__(
        self,
        token: str,
        session: aiohttp.ClientSession | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        request_timeout: float = 10.0,
        connect_timeout: float | None = None,
    ) -> None:
        """Initialise the client; without a session it creates and closes its own."""
        # request_timeout limits a whole request; connect_timeout (5 s unless given,
        # at most request_timeout) only setting up its connection.
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
        return await self._request("GET", _PATH_CREDITS, self._read_credits)

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
        """Send ``message`` to ``numbers`` in one request that is never retried."""
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
        """Return the account's default sender name, or None when it has none."""
        return await self._request("GET", _PATH_SENDNAME, self._read_default_sendname)

    async def set_sendname(self, sendname: str) -> str:
        """Set the account's default sender name and return the one now in use."""
        _validate_sendname(sendname)
        return await self._request(
            "POST",
            _PATH_SENDNAME,
            partial(self._read_new_sendname, sendname),
            json_body={"sendname": sendname},
        )

    async def get_history(self, page: int = 1) -> HistoryPage:
        """Return one page (1-based) of the messages sent in the last 30 days."""
        if not is_int(page) or page < 1:
            raise SmsServiceCenterValidationError("page must be an integer >= 1")
        return await self._request(
            "GET",
            _PATH_HISTORY,
            partial(self._read_history, page),
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

    def _read_credits(self, body: Mapping[str, Any]) -> int:
        """Return the balance in the credits endpoint's answer, or raise its error."""
        return read_credits(self._v2_details(body))

    def _read_history(self, page: int, body: Mapping[str, Any]) -> HistoryPage:
        """Return the history page in the history endpoint's answer, or raise its error."""
        return HistoryPage.from_dict(self._v2_details(body), requested_page=page)

    def _read_send(self, body: Mapping[str, Any]) -> SendResult:
        """Return the result of a send answer, or raise when it is no clear success."""
        details = body.get("details")
        if not isinstance(details, dict):
            details = {}
        message_id = read_message_id(details)
        # Strict where money is: accepted with a message id unless the status is
        # error; refused only with status error, a message and no message id.
        if normalised(body.get("status")) == "error":
            if message_id is None and has_text(body.get("message")):
                raise self._api_error(body)
        elif message_id is not None:
            return SendResult(message_id=message_id, test_mode=read_test_mode(details))
        # Only a clear refusal may say "not sent": this answer came with HTTP 2xx.
        raise SmsServiceCenterResponseError(
            f"The send answer (status {self._clean(repr(body.get('status')))}, "
            f"{'a' if message_id else 'no'} message id) is neither a success nor "
            "a refusal: the message may have been sent"
        )

    def _read_default_sendname(self, body: Mapping[str, Any]) -> str | None:
        """Return the sender name of the sendname endpoint's answer, None for none."""
        # The documented answer for an account without a default sender name.
        if (
            normalised(body.get("status")) == "error"
            and normalised(body.get("message")) == _NO_SENDNAME_MESSAGE
        ):
            return None
        if is_v2_success(body):
            return read_sendname(body.get("details"))
        raise self._v2_error(body)

    def _read_new_sendname(self, sendname: str, body: Mapping[str, Any]) -> str:
        """Return the sender name in use after setting ``sendname``, or raise the error."""
        if is_v2_success(body):
            # A successful answer that names no sender name has set the requested one.
            return read_sendname(body.get("details")) or sendname
        raise self._v2_error(body)

    def _read_packets(self, body: Mapping[str, Any]) -> tuple[Packet, ...]:
        """Return the readable packets of the packets endpoint's answer, or raise its error."""
        status = body.get("status")
        if status is not None and normalised(status) != "success":
            raise self._api_error(body)
        packets: list[Packet] = []
        for item in get_list(body, "data", "packets response"):
            try:
                packets.append(Packet.from_dict(item))
            except SmsServiceCenterResponseError as err:
                _LOGGER.debug("Skipped an unreadable packet: %s", err)
        return tuple(packets)

    def _v2_details(self, body: Mapping[str, Any]) -> object:
        """Return the ``details`` of a v2 answer, or raise its error."""
        if not is_v2_success(body):
            raise self._v2_error(body)
        if "details" not in body:
            raise SmsServiceCenterResponseError("The response has no 'details' field")
        details: object = body["details"]
        return details

    def _v2_error(self, body: Mapping[str, Any]) -> SmsServiceCenterError:
        """Return the error for a v2 answer that is not a success."""
        if body.get("status") is None:
            return SmsServiceCenterResponseError("The response has no 'status' field")
        return self._api_error(body)

    def _api_error(self, body: Mapping[str, Any]) -> SmsServiceCenterApiError:
        """Return the refusal in an answer whose status is not a success."""
        message = body.get("message")
        status = body.get("status")
        if isinstance(message, str) and message.strip():
            text = self._clean(message)
        elif isinstance(status, str) and status:
            text = f"The API answered with status {self._clean(status)!r} without a message"
        else:
            text = "The API answered with an error without a message"
        remaining = read_credit_field(body, "remaining")
        required = read_credit_field(body, "required")
        if (
            isinstance(message, str)
            and any(word in message.casefold() for word in _CREDIT_WORDS)
        ) or (remaining is not None or required is not None):
            return SmsServiceCenterInsufficientCreditsError(
                text, remaining=remaining, required=required
            )
        return SmsServiceCenterApiError(text)

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
        """Make one request and return what ``read`` makes of its JSON object."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if authenticated:
            headers["Authorization"] = f"Bearer {self._usable_token()}"
        status, content_type, raw = await self._fetch(
            method, path, headers=headers, json_body=json_body, params=params
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
                f"Expected a JSON object, got {type_name(decoded)}",
                http_status=status,
            )
        try:
            return read(decoded)
        except SmsServiceCenterResponseError as err:
            # The readers do not know the status of the answer they read.
            err.http_status = status
            raise

    async def _fetch(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        json_body: Mapping[str, str] | None,
        params: Mapping[str, int] | None,
    ) -> tuple[int, str, bytes]:
        """Make one request; return the status, content type and body of a 2xx answer."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._close_session = True
        try:
            async with asyncio.timeout(self._request_timeout):
                async with self._session.request(
                    method,
                    self._base_url.join(URL(path)),
                    headers=headers,
                    json=json_body,
                    params=params,
                    allow_redirects=False,
                    raise_for_status=False,
                    timeout=aiohttp.ClientTimeout(connect=self._connect_timeout),
                ) as response:
                    status = response.status
                    content_type = response.content_type
                    retry_after = read_retry_after(response.headers.get("Retry-After"))
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
        self._raise_for_status(status, retry_after)
        return status, content_type, raw

    def _raise_for_status(self, status: int, retry_after: float | None) -> None:
        """Raise the error an HTTP status other than 2xx means."""
        if status in (401, 403):
            raise SmsServiceCenterAuthenticationError(
                f"Authentication failed (HTTP {status}): the API token was rejected"
            )
        if status == 429:
            # Turned away unread: the request certainly was not processed.
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

    def _usable_token(self) -> str:
        """Return the token, or raise when it cannot be sent in a header."""
        token = self._token
        if (
            not isinstance(token, str)
            or not token
            or any(char.isspace() or not char.isprintable() for char in token)
        ):
            raise SmsServiceCenterAuthenticationError(
                "The API token is empty or contains invalid characters"
            )
        return token

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
        # Redact first: a token of digits would otherwise be masked only in part.
        return mask_phone_numbers(self._redact(text))


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
