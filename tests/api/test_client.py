"""Tests for the requests of the API client and how it handles HTTP and network failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
import contextlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import errno
import json
import math
import socket
import ssl
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.client_reqrep import ConnectionKey
import pytest

from custom_components.smsservicecenter.api import (
    DEFAULT_BASE_URL,
    ConnectionFailure,
    SmsServiceCenterApiError,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterClient,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterNotApiError,
    SmsServiceCenterResponseError,
    SmsServiceCenterValidationError,
)

from . import (
    ALL_CALLS,
    AUTHENTICATED_CALLS,
    DOC_RESPONSES,
    NUMBERS,
    TOKEN,
    ClientCall,
    FakeApi,
    assert_no_token,
    unused_local_url,
)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda c: c.get_credits(), ("GET", "/api/v2/credits", {}, None)),
        (lambda c: c.get_packets(), ("GET", "/api/packets", {}, None)),
        (
            lambda c: c.send(NUMBERS, "Hello"),
            (
                "POST",
                "/api/v2/send",
                {},
                {"numbers": "+31612345678,+31687654321", "message": "Hello"},
            ),
        ),
        (
            lambda c: c.send(["+31612345678"], "Hi\nthere €", "Sender1"),
            (
                "POST",
                "/api/v2/send",
                {},
                {
                    "numbers": "+31612345678",
                    "message": "Hi\nthere €",
                    "sendname": "Sender1",
                },
            ),
        ),
        (lambda c: c.get_sendname(), ("GET", "/api/v2/sendname", {}, None)),
        (
            lambda c: c.set_sendname("NewName"),
            ("POST", "/api/v2/sendname", {}, {"sendname": "NewName"}),
        ),
        (lambda c: c.get_history(), ("GET", "/api/v2/history", {"page": "1"}, None)),
        (lambda c: c.get_history(3), ("GET", "/api/v2/history", {"page": "3"}, None)),
    ],
    ids=[
        "credits",
        "packets",
        "send",
        "send_with_sendname",
        "get_sendname",
        "set_sendname",
        "history",
        "history_page_3",
    ],
)
async def test_request_sent(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    call: ClientCall,
    expected: tuple[str, str, dict[str, str], dict[str, str] | None],
) -> None:
    """Each call sends exactly one request with the documented method, path, query and body."""
    method, path, query, body = expected

    await call(client)

    assert len(fake_api.requests) == 1
    request = fake_api.requests[0]
    assert (request.method, request.path, request.query) == (method, path, query)
    if body is None:
        assert request.body == b""
    else:
        assert json.loads(request.body) == body


@pytest.mark.parametrize(
    "call", AUTHENTICATED_CALLS.values(), ids=AUTHENTICATED_CALLS.keys()
)
async def test_authenticated_request_headers(
    fake_api: FakeApi, client: SmsServiceCenterClient, call: ClientCall
) -> None:
    """Authenticated endpoints get the documented JSON and bearer headers."""
    await call(client)

    headers = fake_api.requests[0].headers
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json"
    assert headers["Authorization"] == f"Bearer {TOKEN}"


async def test_packets_request_has_no_authorization(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """The public packets endpoint is called without the token."""
    await client.get_packets()

    headers = fake_api.requests[0].headers
    assert "Authorization" not in headers
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json"


async def test_packets_do_not_need_a_usable_token(
    fake_api: FakeApi, session: aiohttp.ClientSession
) -> None:
    """The public packets endpoint works without a token."""
    client = SmsServiceCenterClient("", session, base_url=fake_api.base_url)

    assert len(await client.get_packets()) == 6


async def test_base_url_path_prefix(
    fake_api: FakeApi, session: aiohttp.ClientSession
) -> None:
    """A base URL with a path prefix is kept in front of the endpoint paths."""
    fake_api.reply({"status": "success", "details": 3})
    client = SmsServiceCenterClient(
        TOKEN, session, base_url=f"{fake_api.base_url}proxy/sms"
    )

    await client.get_credits()

    assert fake_api.requests[0].path == "/proxy/sms/api/v2/credits"


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://www.smsservicecenter.nl/", "https://www.smsservicecenter.nl/"),
        ("https://www.smsservicecenter.nl", "https://www.smsservicecenter.nl/"),
        ("http://127.0.0.1:8099", "http://127.0.0.1:8099/"),
        ("https://example.com/sub", "https://example.com/sub/"),
        ("https://example.com/sub/?x=1#frag", "https://example.com/sub/"),
    ],
)
def test_base_url_normalised(base_url: str, expected: str) -> None:
    """The base URL always ends with exactly one slash, without query or fragment."""
    assert SmsServiceCenterClient(TOKEN, base_url=base_url).base_url == expected


def test_default_base_url() -> None:
    """Without a base URL the public API is used."""
    assert SmsServiceCenterClient(TOKEN).base_url == DEFAULT_BASE_URL


@pytest.mark.parametrize(
    "base_url",
    [
        "",
        "www.smsservicecenter.nl",
        "/api",
        "ftp://example.com/",
        "https://",
        42,
        "https://user:pass@www.smsservicecenter.nl/",
        "https://user@www.smsservicecenter.nl/",
        "https://:pass@www.smsservicecenter.nl/",
    ],
)
def test_invalid_base_url(base_url: Any) -> None:
    """A base URL that is not an absolute http(s) URL without user info is rejected."""
    with pytest.raises(SmsServiceCenterValidationError):
        SmsServiceCenterClient(TOKEN, base_url=base_url)


@pytest.mark.parametrize("timeout", [0, -1, math.nan, math.inf, True, "10"])
def test_invalid_request_timeout(timeout: Any) -> None:
    """The request timeout must be a positive finite number."""
    with pytest.raises(SmsServiceCenterValidationError, match="request_timeout"):
        SmsServiceCenterClient(TOKEN, request_timeout=timeout)


@pytest.mark.parametrize("timeout", [0, -1, math.nan, math.inf, True, "5", 10.5, 11])
def test_invalid_connect_timeout(timeout: Any) -> None:
    """The connect timeout must be a positive finite number, at most the request timeout."""
    with pytest.raises(SmsServiceCenterValidationError, match="connect_timeout"):
        SmsServiceCenterClient(TOKEN, request_timeout=10, connect_timeout=timeout)


@pytest.mark.parametrize("connect_timeout", [0.5, 10])
async def test_valid_connect_timeout(
    fake_api: FakeApi, session: aiohttp.ClientSession, connect_timeout: float
) -> None:
    """A connect timeout up to the request timeout is accepted."""
    client = SmsServiceCenterClient(
        TOKEN,
        session,
        base_url=fake_api.base_url,
        request_timeout=10,
        connect_timeout=connect_timeout,
    )

    assert await client.get_credits() == 3


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("call", ALL_CALLS.values(), ids=ALL_CALLS.keys())
async def test_authentication_error(
    fake_api: FakeApi, client: SmsServiceCenterClient, call: ClientCall, status: int
) -> None:
    """HTTP 401 and 403 raise an authentication error."""
    fake_api.reply({"message": "Unauthenticated."}, status=status)

    with pytest.raises(SmsServiceCenterAuthenticationError, match=str(status)):
        await call(client)


@pytest.mark.parametrize(
    "token", ["", " ", f" {TOKEN}", f"{TOKEN}\n", "a b", "tok\x00en"]
)
@pytest.mark.parametrize(
    "call", AUTHENTICATED_CALLS.values(), ids=AUTHENTICATED_CALLS.keys()
)
async def test_unusable_token(
    fake_api: FakeApi, session: aiohttp.ClientSession, call: ClientCall, token: str
) -> None:
    """An empty token or one that cannot be sent in a header fails before any request."""
    client = SmsServiceCenterClient(token, session, base_url=fake_api.base_url)

    with pytest.raises(SmsServiceCenterAuthenticationError):
        await call(client)

    assert not fake_api.requests


async def test_rate_limited_with_retry_after(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """HTTP 429 is a connection error that certainly did not process the request."""
    fake_api.reply(
        {"message": "Too Many Attempts."}, status=429, headers={"Retry-After": "30"}
    )

    with pytest.raises(SmsServiceCenterConnectionError) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert exc_info.value.retry_after == 30.0
    assert exc_info.value.request_may_have_reached_server is False
    assert exc_info.value.reason is ConnectionFailure.RATE_LIMITED


async def test_rate_limited_without_retry_after(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """Without a Retry-After header, ``retry_after`` is None."""
    fake_api.reply({"message": "Too Many Attempts."}, status=429)

    with pytest.raises(SmsServiceCenterConnectionError) as exc_info:
        await client.get_credits()

    assert exc_info.value.retry_after is None
    assert exc_info.value.request_may_have_reached_server is False
    assert exc_info.value.reason is ConnectionFailure.RATE_LIMITED


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 -0000", 0.0),
    ],
)
async def test_service_unavailable_retry_after(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    header: str,
    expected: float | None,
) -> None:
    """HTTP 503 reads Retry-After as seconds or a (past) HTTP date; nonsense is None."""
    fake_api.reply(
        text="<html>Down</html>",
        status=503,
        content_type="text/html",
        headers={"Retry-After": header},
    )

    with pytest.raises(SmsServiceCenterConnectionError) as exc_info:
        await client.get_credits()

    assert exc_info.value.retry_after == expected
    assert exc_info.value.request_may_have_reached_server is True
    assert exc_info.value.reason is ConnectionFailure.SERVER_ERROR


async def test_retry_after_http_date_in_the_future(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """A Retry-After HTTP date is turned into the seconds until then."""
    when = datetime.now(UTC) + timedelta(seconds=120)
    fake_api.reply(
        status=429, text="", headers={"Retry-After": format_datetime(when, usegmt=True)}
    )

    with pytest.raises(SmsServiceCenterConnectionError) as exc_info:
        await client.get_credits()

    assert exc_info.value.retry_after is not None
    assert 100 < exc_info.value.retry_after <= 120


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_server_error(
    fake_api: FakeApi, client: SmsServiceCenterClient, status: int
) -> None:
    """HTTP 5xx is a connection error that may have reached the server; only 503 reads Retry-After."""
    fake_api.reply(
        text="<html>Server Error</html>",
        status=status,
        content_type="text/html",
        headers={"Retry-After": "10"},
    )

    with pytest.raises(SmsServiceCenterConnectionError, match=str(status)) as exc_info:
        await client.get_credits()

    assert exc_info.value.request_may_have_reached_server is True
    assert exc_info.value.retry_after is None
    assert exc_info.value.reason is ConnectionFailure.SERVER_ERROR


@pytest.mark.parametrize("status", [400, 418, 422])
async def test_unexpected_client_error_status(
    fake_api: FakeApi, client: SmsServiceCenterClient, status: int
) -> None:
    """Other HTTP 4xx statuses raise a response error: the request was not accepted."""
    fake_api.reply({"message": "Nope"}, status=status)

    with pytest.raises(SmsServiceCenterResponseError, match=str(status)) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert type(exc_info.value) is SmsServiceCenterResponseError
    assert exc_info.value.http_status == status
    assert exc_info.value.request_accepted is False


@pytest.mark.parametrize("status", [404, 405])
@pytest.mark.parametrize("call", ALL_CALLS.values(), ids=ALL_CALLS.keys())
async def test_not_the_api_status(
    fake_api: FakeApi, client: SmsServiceCenterClient, call: ClientCall, status: int
) -> None:
    """HTTP 404 and 405 mean the URL is not the API; the request was not accepted."""
    fake_api.reply(
        text="<html>Not Found</html>", status=status, content_type="text/html"
    )

    with pytest.raises(SmsServiceCenterNotApiError, match=str(status)) as exc_info:
        await call(client)

    assert exc_info.value.http_status == status
    assert exc_info.value.request_accepted is False


async def test_redirect_is_not_followed(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """A redirect raises a response error instead of re-sending (a send) elsewhere."""
    fake_api.reply(status=302, text="", headers={"Location": "/elsewhere"})

    with pytest.raises(SmsServiceCenterResponseError, match="redirect") as exc_info:
        await client.send(NUMBERS, "Hello")

    assert [request.path for request in fake_api.requests] == ["/api/v2/send"]
    assert exc_info.value.http_status == 302
    assert exc_info.value.request_accepted is False


async def test_send_is_not_retried(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """A failed send is sent exactly once."""
    fake_api.reply(
        text="<html>Bad Gateway</html>", status=502, content_type="text/html"
    )

    with pytest.raises(SmsServiceCenterConnectionError):
        await client.send(NUMBERS, "Hello")

    assert len(fake_api.requests) == 1


async def test_timeout(fake_api: FakeApi, session: aiohttp.ClientSession) -> None:
    """A request that takes too long raises a connection error that may have reached the server."""
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.json_response(DOC_RESPONSES[("POST", "/api/v2/send")])

    fake_api.responder = slow
    client = SmsServiceCenterClient(
        TOKEN, session, base_url=fake_api.base_url, request_timeout=0.05
    )
    try:
        with pytest.raises(
            SmsServiceCenterConnectionError, match="Timeout"
        ) as exc_info:
            await client.send(NUMBERS, "Hello")
    finally:
        release.set()

    assert exc_info.value.request_may_have_reached_server is True
    assert exc_info.value.retry_after is None
    assert exc_info.value.reason is ConnectionFailure.TIMEOUT


async def test_connection_refused(session: aiohttp.ClientSession) -> None:
    """A refused connection certainly never reached the server."""
    client = SmsServiceCenterClient(TOKEN, session, base_url=unused_local_url())

    with pytest.raises(
        SmsServiceCenterConnectionError, match="Cannot connect"
    ) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert exc_info.value.request_may_have_reached_server is False
    assert exc_info.value.reason is ConnectionFailure.REFUSED
    assert isinstance(exc_info.value.__cause__, aiohttp.ClientConnectorError)


@pytest.fixture
def unaccepting_url(socket_enabled: None) -> Generator[str]:
    """Return the URL of a listening socket whose backlog is full, so connecting hangs."""
    # The socket never accepts: with its accept queue full of pending connections,
    # the kernel drops the handshakes of further connections.
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(socket.socket())
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        address = server.getsockname()
        for _ in range(8):
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            filler.connect_ex(address)
        yield f"http://127.0.0.1:{address[1]}/"


async def test_connect_timeout(
    session: aiohttp.ClientSession, unaccepting_url: str
) -> None:
    """A connection that cannot be set up in time certainly never reached the server."""
    client = SmsServiceCenterClient(
        TOKEN,
        session,
        base_url=unaccepting_url,
        request_timeout=5,
        connect_timeout=0.05,
    )

    with pytest.raises(
        SmsServiceCenterConnectionError, match="while connecting"
    ) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert exc_info.value.request_may_have_reached_server is False
    assert exc_info.value.reason is ConnectionFailure.TIMEOUT
    assert isinstance(exc_info.value.__cause__, aiohttp.ConnectionTimeoutError)
    assert_no_token(exc_info.value)


async def test_default_connect_timeout_with_a_short_request_timeout(
    session: aiohttp.ClientSession, unaccepting_url: str
) -> None:
    """Without a connect timeout, a request timeout under 5 s limits connecting; it may have reached the server."""
    client = SmsServiceCenterClient(
        TOKEN, session, base_url=unaccepting_url, request_timeout=0.05
    )

    with pytest.raises(
        SmsServiceCenterConnectionError, match=r"^Timeout after 0\.05 s while talking"
    ) as exc_info:
        await client.get_credits()

    assert exc_info.value.request_may_have_reached_server is True
    assert exc_info.value.reason is ConnectionFailure.TIMEOUT


@pytest.fixture
async def hang_up_url(socket_enabled: None) -> AsyncGenerator[str]:
    """Return the URL of a server that reads the request, then hangs up without answering."""

    async def hang_up(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}/"


async def test_server_disconnected(
    session: aiohttp.ClientSession, hang_up_url: str
) -> None:
    """A connection dropped mid-request may have reached the server."""
    client = SmsServiceCenterClient(TOKEN, session, base_url=hang_up_url)

    with pytest.raises(
        SmsServiceCenterConnectionError, match="ServerDisconnectedError"
    ) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert exc_info.value.request_may_have_reached_server is True
    assert exc_info.value.reason is ConnectionFailure.OTHER


async def test_client_error_without_text(
    session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An aiohttp error without a message is described by its type."""

    def fail(*args: object, **kwargs: object) -> None:
        raise aiohttp.ClientOSError

    monkeypatch.setattr(session, "request", fail)
    client = SmsServiceCenterClient(TOKEN, session)

    with pytest.raises(
        SmsServiceCenterConnectionError, match=r"ClientOSError$"
    ) as exc_info:
        await client.get_credits()

    assert exc_info.value.reason is ConnectionFailure.OTHER


_KEY = ConnectionKey("sms.example", 443, True, True, None, None, None)


@pytest.mark.parametrize(
    ("error", "reason", "may_have_reached"),
    [
        (
            aiohttp.ClientConnectorDNSError(
                _KEY, socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            ),
            ConnectionFailure.HOST_NOT_FOUND,
            False,
        ),
        (
            aiohttp.ClientConnectorError(
                _KEY, OSError(errno.ECONNREFUSED, "Connection refused")
            ),
            ConnectionFailure.REFUSED,
            False,
        ),
        (
            aiohttp.ClientConnectorError(
                _KEY, OSError(errno.ENETUNREACH, "Network is unreachable")
            ),
            ConnectionFailure.REFUSED,
            False,
        ),
        (
            aiohttp.ClientConnectorCertificateError(
                _KEY, ssl.SSLCertVerificationError("certificate verify failed")
            ),
            ConnectionFailure.OTHER,
            False,
        ),
        (
            aiohttp.ClientConnectorSSLError(_KEY, ssl.SSLError("wrong version")),
            ConnectionFailure.OTHER,
            False,
        ),
        (aiohttp.ConnectionTimeoutError(), ConnectionFailure.TIMEOUT, False),
        (aiohttp.SocketTimeoutError(), ConnectionFailure.TIMEOUT, True),
        (TimeoutError(), ConnectionFailure.TIMEOUT, True),
        (
            aiohttp.ClientConnectionResetError("Connection reset by peer"),
            ConnectionFailure.OTHER,
            True,
        ),
        (aiohttp.ClientPayloadError("truncated"), ConnectionFailure.OTHER, True),
    ],
    ids=[
        "dns",
        "refused",
        "network_unreachable",
        "certificate",
        "tls",
        "connect_timeout",
        "read_timeout",
        "timeout",
        "reset",
        "payload",
    ],
)
async def test_connection_failure_reason(
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    reason: ConnectionFailure,
    may_have_reached: bool,
) -> None:
    """Each way a request can fail to get an answer names its cause."""

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(session, "request", fail)
    client = SmsServiceCenterClient(TOKEN, session)

    with pytest.raises(SmsServiceCenterConnectionError) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert exc_info.value.reason is reason
    assert exc_info.value.request_may_have_reached_server is may_have_reached
    assert exc_info.value.__cause__ is error


@pytest.mark.parametrize(
    ("text", "content_type"),
    [
        ("<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html"),
        ('{"status": "success", "details": 3', "application/json"),
        ("", "application/json"),
        (b"\xff\xfe\x00garbage", "application/octet-stream"),
        ("[" * 100_000, "application/json"),
        ("NaN-ish", "text/plain"),
    ],
    ids=["html", "truncated_json", "empty", "binary", "deeply_nested", "plain_text"],
)
@pytest.mark.parametrize("call", ALL_CALLS.values(), ids=ALL_CALLS.keys())
async def test_body_not_json(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    call: ClientCall,
    text: str | bytes,
    content_type: str,
) -> None:
    """A 200 response that is not JSON is not the API; the request was accepted."""
    fake_api.reply(text=text, content_type=content_type)

    with pytest.raises(SmsServiceCenterNotApiError) as exc_info:
        await call(client)

    assert exc_info.value.http_status == 200
    assert exc_info.value.request_accepted is True


@pytest.mark.parametrize("status", [201, 202, 204])
async def test_other_success_status_unreadable(
    fake_api: FakeApi, client: SmsServiceCenterClient, status: int
) -> None:
    """Any 2xx answer whose body cannot be read means the request was accepted."""
    fake_api.reply(text="<html>Sent</html>", status=status, content_type="text/html")

    with pytest.raises(SmsServiceCenterNotApiError) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert exc_info.value.http_status == status
    assert exc_info.value.request_accepted is True


@pytest.mark.parametrize(
    "body", [[], [{"status": "success", "details": 3}], "success", 3, None, True]
)
@pytest.mark.parametrize("call", ALL_CALLS.values(), ids=ALL_CALLS.keys())
async def test_body_not_an_object(
    fake_api: FakeApi, client: SmsServiceCenterClient, call: ClientCall, body: object
) -> None:
    """A JSON body that is not an object raises a response error."""
    fake_api.reply(body)

    with pytest.raises(SmsServiceCenterResponseError, match="JSON object") as exc_info:
        await call(client)

    assert not isinstance(exc_info.value, SmsServiceCenterNotApiError)
    assert exc_info.value.http_status == 200


@pytest.mark.parametrize(
    "numbers",
    [
        [],
        (),
        "+31612345678",
        b"+31612345678",
        {"+31612345678"},
        None,
        [""],
        ["   "],
        ["+31612345678", ""],
        [31612345678],
        [None],
        ["+31612345678,+31687654321"],
    ],
    ids=[
        "empty_list",
        "empty_tuple",
        "single_string",
        "bytes",
        "set",
        "none",
        "empty_number",
        "blank_number",
        "one_empty_number",
        "int_number",
        "none_number",
        "comma_in_number",
    ],
)
async def test_send_invalid_numbers(
    fake_api: FakeApi, client: SmsServiceCenterClient, numbers: Any
) -> None:
    """Invalid recipients are rejected before anything is sent."""
    with pytest.raises(SmsServiceCenterValidationError):
        await client.send(numbers, "Hello")

    assert not fake_api.requests


@pytest.mark.parametrize("message", ["", " ", "\n\t", None, 42])
async def test_send_invalid_message(
    fake_api: FakeApi, client: SmsServiceCenterClient, message: Any
) -> None:
    """An empty or whitespace-only message is rejected before anything is sent."""
    with pytest.raises(SmsServiceCenterValidationError):
        await client.send(NUMBERS, message)

    assert not fake_api.requests


INVALID_SENDNAMES = [
    "",
    "Has Space",
    "TwelveChars1",
    "Naam!",
    "Jürgen",
    "Name\n",
    "١٢٣",
    123,
]


INVALID_SENDNAME_IDS = [
    "empty",
    "space",
    "too_long",
    "punctuation",
    "non_ascii_letter",
    "trailing_newline",
    "non_ascii_digits",
    "int",
]


@pytest.mark.parametrize("sendname", INVALID_SENDNAMES, ids=INVALID_SENDNAME_IDS)
@pytest.mark.parametrize(
    "call",
    [
        lambda client, sendname: client.send(NUMBERS, "Hello", sendname),
        lambda client, sendname: client.set_sendname(sendname),
    ],
    ids=["send", "set_sendname"],
)
async def test_invalid_sendname(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    call: Callable[[SmsServiceCenterClient, Any], Awaitable[object]],
    sendname: Any,
) -> None:
    """An invalid sendname, for a send or as the new default, is rejected before anything is sent."""
    with pytest.raises(SmsServiceCenterValidationError):
        await call(client, sendname)

    assert not fake_api.requests


@pytest.mark.parametrize(
    "sendname", ["A", "Shop", "ABCDEFGHIJK", "0612345678", "abc123XYZ"]
)
async def test_set_sendname_valid(
    fake_api: FakeApi, client: SmsServiceCenterClient, sendname: str
) -> None:
    """Sendnames of 1 to 11 letters and digits are accepted."""
    fake_api.reply({"status": "success", "details": sendname})

    assert await client.set_sendname(sendname) == sendname


@pytest.mark.parametrize("page", [0, -1, True, 1.5, "2", None])
async def test_get_history_invalid_page(
    fake_api: FakeApi, client: SmsServiceCenterClient, page: Any
) -> None:
    """History pages start at 1; anything else is rejected before a request."""
    with pytest.raises(SmsServiceCenterValidationError):
        await client.get_history(page)

    assert not fake_api.requests


def test_repr_hides_token() -> None:
    """The client's repr shows the base URL but not the token."""
    client = SmsServiceCenterClient(TOKEN)

    assert TOKEN not in repr(client)
    assert (
        repr(client)
        == "SmsServiceCenterClient(base_url='https://www.smsservicecenter.nl/')"
    )


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (
            {"body": {"message": f"Token {TOKEN} is invalid"}, "status": 401},
            SmsServiceCenterAuthenticationError,
        ),
        (
            {"body": {"message": TOKEN}, "status": 403},
            SmsServiceCenterAuthenticationError,
        ),
        (
            {"text": f"rate limited {TOKEN}", "status": 429},
            SmsServiceCenterConnectionError,
        ),
        (
            {"text": f"<html>{TOKEN}</html>", "status": 500},
            SmsServiceCenterConnectionError,
        ),
        (
            {"text": f"<html>{TOKEN}</html>", "status": 404},
            SmsServiceCenterResponseError,
        ),
        ({"text": f"<html>{TOKEN}</html>"}, SmsServiceCenterResponseError),
        ({"body": [TOKEN]}, SmsServiceCenterResponseError),
        (
            {"body": {"status": "success", "details": TOKEN}},
            SmsServiceCenterResponseError,
        ),
        (
            {"body": {"status": "error", "message": f"Bad token {TOKEN}"}},
            SmsServiceCenterApiError,
        ),
        ({"body": {"status": TOKEN}}, SmsServiceCenterApiError),
    ],
    ids=[
        "401_echo",
        "403_echo",
        "429",
        "500",
        "404",
        "html",
        "list",
        "wrong_type",
        "api_error_echo",
        "status_echo",
    ],
)
async def test_error_messages_hide_token(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    reply: dict[str, Any],
    error: type[SmsServiceCenterError],
) -> None:
    """No error reveals the token, even when the server echoes it back."""
    fake_api.reply(**reply)

    with pytest.raises(error) as exc_info:
        await client.get_credits()

    assert_no_token(exc_info.value)


async def test_connection_errors_hide_token(
    fake_api: FakeApi, session: aiohttp.ClientSession, hang_up_url: str
) -> None:
    """Timeouts, refused connections and disconnects do not reveal the token."""
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.json_response({})

    fake_api.responder = slow
    errors: list[BaseException] = []
    for base_url, timeout in (
        (fake_api.base_url, 0.05),
        (unused_local_url(), 10.0),
        (hang_up_url, 10.0),
    ):
        client = SmsServiceCenterClient(
            TOKEN, session, base_url=base_url, request_timeout=timeout
        )
        with pytest.raises(SmsServiceCenterConnectionError) as exc_info:
            await client.get_credits()
        errors.append(exc_info.value)
    release.set()

    for err in errors:
        assert_no_token(err)


async def test_validation_errors_hide_token(client: SmsServiceCenterClient) -> None:
    """Validation errors do not reveal the token, even when it is passed as an argument."""
    with pytest.raises(SmsServiceCenterValidationError) as exc_info:
        await client.set_sendname(TOKEN)

    assert_no_token(exc_info.value)


async def test_unreadable_body_masks_phone_numbers(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """A phone number in the content type of an unreadable answer is masked."""
    fake_api.reply(text="nope", content_type="text/x-0612999001")

    with pytest.raises(SmsServiceCenterResponseError) as exc_info:
        await client.get_credits()

    assert "text/x-0612•••001" in str(exc_info.value)
    assert "0612999001" not in str(exc_info.value)


async def test_error_without_token_is_not_redacted(
    fake_api: FakeApi, session: aiohttp.ClientSession
) -> None:
    """Without a token there is nothing to redact from a provider message."""
    fake_api.reply({"status": "error", "message": "Maintenance"})
    client = SmsServiceCenterClient("", session, base_url=fake_api.base_url)

    with pytest.raises(SmsServiceCenterApiError, match=r"^Maintenance$"):
        await client.get_packets()


async def test_owned_session_closed(fake_api: FakeApi) -> None:
    """A session the client created is closed when the context manager exits."""
    async with SmsServiceCenterClient(TOKEN, base_url=fake_api.base_url) as client:
        assert await client.get_credits() == 3
        owned = client._session
        assert owned is not None

    assert owned.closed
    assert client._session is None


async def test_owned_session_recreated_after_close(fake_api: FakeApi) -> None:
    """A closed client with its own session opens a new one when used again."""
    client = SmsServiceCenterClient(TOKEN, base_url=fake_api.base_url)
    await client.get_credits()
    await client.close()

    assert await client.get_credits() == 3

    await client.close()


async def test_shared_session_not_closed(
    fake_api: FakeApi, session: aiohttp.ClientSession
) -> None:
    """A session passed in is used and never closed by the client."""
    async with SmsServiceCenterClient(
        TOKEN, session, base_url=fake_api.base_url
    ) as client:
        await client.get_credits()
        assert client._session is session

    assert not session.closed
    await client.close()
    assert not session.closed


async def test_close_without_requests() -> None:
    """Closing a client that never made a request does nothing."""
    client = SmsServiceCenterClient(TOKEN)

    await client.close()
    await client.close()

    assert client._session is None
