"""Tests for the SMS Service Center API client (``api.py``).

Every test talks HTTP to a real local aiohttp server: ``fake_api`` records each
request and answers with the documented responses unless a test tells it otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
import contextlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
import errno
import json
import logging
import socket
import ssl
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.client_reqrep import ConnectionKey
from aiohttp.test_utils import TestServer
import pytest

from custom_components.smsservicecenter import api
from custom_components.smsservicecenter.api import (
    DEFAULT_BASE_URL,
    HISTORY_PAGE_SIZE,
    MAX_SENDNAME_LENGTH,
    SENDNAME_PATTERN,
    ConnectionFailure,
    HistoryPage,
    Packet,
    SendResult,
    SentMessage,
    SmsServiceCenterApiError,
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterClient,
    SmsServiceCenterConnectionError,
    SmsServiceCenterError,
    SmsServiceCenterInsufficientCreditsError,
    SmsServiceCenterNotApiError,
    SmsServiceCenterResponseError,
    SmsServiceCenterValidationError,
    mask_phone_number,
    mask_phone_numbers,
)

TOKEN = "s3cr3t-T0ken-4711"
API_LOGGER = "custom_components.smsservicecenter.api"

type AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]
type ClientCall = Callable[[SmsServiceCenterClient], Awaitable[object]]
type Responder = Callable[[web.Request], Awaitable[web.StreamResponse]]

DOC_PACKETS: list[dict[str, Any]] = [
    {
        "name": "Pakket Nano",
        "slug": "nano",
        "uuid": "d5d728d8-2add-46f2-9de3-4ef99615e668",
        "price": 1250,
        "credits": 50,
        "url": "https://www.smsservicecenter.nl/order/checkout/nano",
    },
    {
        "name": "Pakket Micro",
        "slug": "micro",
        "uuid": "cc5372ba-a84b-4765-b005-8ba667881310",
        "price": 2000,
        "credits": 100,
        "url": "https://www.smsservicecenter.nl/order/checkout/micro",
    },
    {
        "name": "Pakket Mini",
        "slug": "mini",
        "uuid": "2e8ae38d-6d82-4c23-aaf5-f3a2ab0d3244",
        "price": 3000,
        "credits": 200,
        "url": "https://www.smsservicecenter.nl/order/checkout/mini",
    },
    {
        "name": "Pakket Maxi",
        "slug": "maxi",
        "uuid": "b9109a6c-d9b1-42c7-a978-c5bd28ef6dd2",
        "price": 4800,
        "credits": 400,
        "url": "https://www.smsservicecenter.nl/order/checkout/maxi",
    },
    {
        "name": "Pakket Mega",
        "slug": "mega",
        "uuid": "6483e5a6-670a-4f28-8d31-10becb014c7f",
        "price": 10000,
        "credits": 1000,
        "url": "https://www.smsservicecenter.nl/order/checkout/mega",
    },
    {
        "name": "Pakket Giga",
        "slug": "giga",
        "uuid": "976425b0-83cc-47ee-8ef6-730d9d792e0f",
        "price": 80000,
        "credits": 10000,
        "url": "https://www.smsservicecenter.nl/order/checkout/giga",
    },
]

DOC_HISTORY_MESSAGE: dict[str, Any] = {
    "id": "58d8e9b6-e12b-4c07-bed6-ce766662c7f6",
    "uuid": "58d8e9b6-e12b-4c07-bed6-ce766662c7f6",
    "date": "Thursday 1 January 2020 01:00",
    "datetime": "2020-01-01T00:00:00.000000Z",
    "sendname": "Sendname",
    "message": "This is a testmessage.",
    "count": 1,
}

# The example responses of the provider's documentation, per endpoint.
DOC_RESPONSES: dict[tuple[str, str], Any] = {
    ("GET", "/api/v2/credits"): {"status": "success", "details": 3},
    ("GET", "/api/packets"): {"data": DOC_PACKETS},
    ("POST", "/api/v2/send"): {
        "status": "success",
        "details": {
            "messageid": "f89d33b3-da08-40fe-b4be-182a381b8e77",
            "testmode": True,
        },
    },
    ("GET", "/api/v2/sendname"): {"status": "success", "details": "Name"},
    ("POST", "/api/v2/sendname"): {"status": "success", "details": "NewName"},
    ("GET", "/api/v2/history"): {
        "status": "success",
        "details": {
            "messages": [DOC_HISTORY_MESSAGE],
            "totalpages": 1,
            "currentpage": 1,
            "items_per_page": 50,
        },
    },
}

NUMBERS = ["+31612345678", "+31687654321"]

# One call of every endpoint, for behaviour that all endpoints share.
ALL_CALLS: dict[str, ClientCall] = {
    "get_credits": lambda client: client.get_credits(),
    "get_packets": lambda client: client.get_packets(),
    "send": lambda client: client.send(NUMBERS, "Hello"),
    "get_sendname": lambda client: client.get_sendname(),
    "set_sendname": lambda client: client.set_sendname("NewName"),
    "get_history": lambda client: client.get_history(),
}
AUTHENTICATED_CALLS = {
    name: call for name, call in ALL_CALLS.items() if name != "get_packets"
}
V2_CALLS = AUTHENTICATED_CALLS


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request the fake API received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class FakeApi:
    """A local HTTP server standing in for SMS Service Center."""

    base_url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    responder: Responder | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Record the request, then answer it."""
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=await request.read(),
            )
        )
        if self.responder is not None:
            return await self.responder(request)
        return web.json_response(DOC_RESPONSES[(request.method, request.path)])

    def reply(
        self,
        body: object = None,
        *,
        status: int = 200,
        text: str | bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer every following request with this response."""
        raw = text if text is not None else json.dumps(body)
        payload = raw.encode() if isinstance(raw, str) else raw

        async def respond(request: web.Request) -> web.StreamResponse:
            return web.Response(
                status=status, body=payload, content_type=content_type, headers=headers
            )

        self.responder = respond


@pytest.fixture
async def fake_api(socket_enabled: None, aiohttp_server: AiohttpServer) -> FakeApi:
    """Return a running fake API on 127.0.0.1."""
    fake = FakeApi()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = await aiohttp_server(app)
    fake.base_url = f"http://{server.host}:{server.port}/"
    return fake


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """Return a session owned by the test."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def client(fake_api: FakeApi, session: aiohttp.ClientSession) -> SmsServiceCenterClient:
    """Return a client talking to the fake API."""
    return SmsServiceCenterClient(TOKEN, session, base_url=fake_api.base_url)


def _api_log(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Return the records the client logged."""
    return [record for record in caplog.records if record.name == API_LOGGER]


def unused_local_url() -> str:
    """Return a URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


# Constants


def test_constants() -> None:
    """The public constants have the documented values."""
    assert DEFAULT_BASE_URL == "https://www.smsservicecenter.nl/"
    assert MAX_SENDNAME_LENGTH == 11
    assert HISTORY_PAGE_SIZE == 50
    assert SENDNAME_PATTERN.fullmatch("NewName")


def test_public_names_exported() -> None:
    """Every name in ``__all__`` exists, the connection failure causes included."""
    assert all(hasattr(api, name) for name in api.__all__)
    assert {"ConnectionFailure", "SmsServiceCenterNotApiError"} <= set(api.__all__)


def test_connection_failure_values() -> None:
    """The causes of a connection failure have stable string values for translations."""
    assert {failure.name: str(failure) for failure in ConnectionFailure} == {
        "HOST_NOT_FOUND": "host_not_found",
        "REFUSED": "refused",
        "TIMEOUT": "timeout",
        "SERVER_ERROR": "server_error",
        "RATE_LIMITED": "rate_limited",
        "OTHER": "other",
    }


def test_exception_hierarchy() -> None:
    """All errors share one base class; validation errors are also ValueErrors."""
    for error in (
        SmsServiceCenterConnectionError,
        SmsServiceCenterAuthenticationError,
        SmsServiceCenterResponseError,
        SmsServiceCenterNotApiError,
        SmsServiceCenterApiError,
        SmsServiceCenterInsufficientCreditsError,
        SmsServiceCenterValidationError,
    ):
        assert issubclass(error, SmsServiceCenterError)
    assert issubclass(SmsServiceCenterValidationError, ValueError)
    assert issubclass(
        SmsServiceCenterInsufficientCreditsError, SmsServiceCenterApiError
    )
    assert issubclass(SmsServiceCenterNotApiError, SmsServiceCenterResponseError)


def test_insufficient_credits_error_defaults() -> None:
    """An insufficient credits error made without numbers knows none."""
    err = SmsServiceCenterInsufficientCreditsError("No credits")
    assert (err.message, err.remaining, err.required) == ("No credits", None, None)


def test_connection_error_defaults() -> None:
    """A connection error assumes the request may have reached the server."""
    err = SmsServiceCenterConnectionError("boom")
    assert err.reason is ConnectionFailure.OTHER
    assert err.retry_after is None
    assert err.request_may_have_reached_server is True


def test_connection_error_reason() -> None:
    """A connection error keeps the cause it was made with."""
    err = SmsServiceCenterConnectionError("boom", reason=ConnectionFailure.REFUSED)
    assert err.reason is ConnectionFailure.REFUSED


def test_response_error_defaults() -> None:
    """A response error made without a status does not claim the request was accepted."""
    err = SmsServiceCenterResponseError("boom")
    assert err.http_status is None
    assert err.request_accepted is False


# Successful responses


async def test_get_credits(client: SmsServiceCenterClient) -> None:
    """The credit balance is the integer in ``details``."""
    assert await client.get_credits() == 3


async def test_get_packets(client: SmsServiceCenterClient) -> None:
    """All documented packets are returned in order."""
    packets = await client.get_packets()

    assert len(packets) == 6
    assert [packet.slug for packet in packets] == [
        "nano",
        "micro",
        "mini",
        "maxi",
        "mega",
        "giga",
    ]
    assert packets[0] == Packet(
        name="Pakket Nano",
        slug="nano",
        uuid="d5d728d8-2add-46f2-9de3-4ef99615e668",
        price_cents=1250,
        credits=50,
        url="https://www.smsservicecenter.nl/order/checkout/nano",
    )


async def test_get_packets_accepts_success_status(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """A packets response with a ``success`` status is accepted too."""
    fake_api.reply({"status": "success", "data": DOC_PACKETS[:1]})

    packets = await client.get_packets()

    assert [packet.slug for packet in packets] == ["nano"]


@pytest.mark.parametrize(
    ("price_cents", "price"),
    [
        (1250, Decimal("12.50")),
        (80000, Decimal("800.00")),
        (1, Decimal("0.01")),
        (0, Decimal(0)),
    ],
)
def test_packet_price(price_cents: int, price: Decimal) -> None:
    """The price in euros is the price in cents divided by 100, exactly."""
    packet = Packet(
        name="P", slug="p", uuid="u", price_cents=price_cents, credits=1, url="u"
    )

    assert packet.price == price
    assert isinstance(packet.price, Decimal)


async def test_send(client: SmsServiceCenterClient) -> None:
    """Sending returns the message id and whether the account is in test mode."""
    result = await client.send(NUMBERS, "Hello", "Sender")

    assert result == SendResult(
        message_id="f89d33b3-da08-40fe-b4be-182a381b8e77", test_mode=True
    )


@pytest.mark.parametrize(
    ("testmode", "test_mode"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("true", True),
        ("false", False),
        ("1", True),
        ("0", False),
        (" TRUE ", True),
        ("False", False),
    ],
)
async def test_send_testmode_readable(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    caplog: pytest.LogCaptureFixture,
    testmode: object,
    test_mode: bool,
) -> None:
    """Booleans, 0/1 (as Laravel APIs often send them) and "true"/"false"/"1"/"0" are read."""
    fake_api.reply(
        {"status": "success", "details": {"messageid": "f89d", "testmode": testmode}}
    )

    with caplog.at_level(logging.DEBUG, logger=API_LOGGER):
        result = await client.send(NUMBERS, "Hello")

    assert result == SendResult(message_id="f89d", test_mode=test_mode)
    assert type(result.test_mode) is bool
    assert _api_log(caplog) == []


@pytest.mark.parametrize(
    ("details", "described"),
    [
        ({"messageid": "f89d"}, "missing"),
        ({"messageid": "f89d", "testmode": None}, "null"),
        ({"messageid": "f89d", "testmode": 2}, "a number"),
        ({"messageid": "f89d", "testmode": -1}, "a number"),
        ({"messageid": "f89d", "testmode": 1.0}, "a number"),
        ({"messageid": "f89d", "testmode": "yes"}, "a string"),
        ({"messageid": "f89d", "testmode": ""}, "a string"),
        ({"messageid": "f89d", "testmode": [True]}, "a list"),
    ],
    ids=[
        "missing",
        "null",
        "int_2",
        "int_negative",
        "float",
        "string_yes",
        "string_empty",
        "list",
    ],
)
async def test_send_testmode_unreadable_is_live(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    caplog: pytest.LogCaptureFixture,
    details: dict[str, Any],
    described: str,
) -> None:
    """The documentation does not promise ``testmode``: without a readable one the send is live."""
    fake_api.reply({"status": "success", "details": details})

    with caplog.at_level(logging.DEBUG, logger=API_LOGGER):
        result = await client.send(NUMBERS, "Hello")

    assert result == SendResult(message_id="f89d", test_mode=False)
    [record] = _api_log(caplog)
    assert record.levelno == logging.DEBUG
    assert "testmode" in record.getMessage()
    assert f"({described})" in record.getMessage()


async def test_get_sendname(client: SmsServiceCenterClient) -> None:
    """The default sendname is the string in ``details``."""
    assert await client.get_sendname() == "Name"


async def test_set_sendname(client: SmsServiceCenterClient) -> None:
    """Setting the sendname returns the sendname the API reports."""
    assert await client.set_sendname("NewName") == "NewName"


async def test_get_history(client: SmsServiceCenterClient) -> None:
    """A history page holds typed messages and the paging information."""
    page = await client.get_history()

    assert page == HistoryPage(
        messages=(
            SentMessage(
                id="58d8e9b6-e12b-4c07-bed6-ce766662c7f6",
                sent_at=datetime(2020, 1, 1, tzinfo=UTC),
                sendname="Sendname",
                message="This is a testmessage.",
                count=1,
            ),
        ),
        current_page=1,
        total_pages=1,
        items_per_page=50,
    )
    assert page.messages[0].sent_at.tzinfo is UTC


async def test_get_history_empty(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """An empty history is a page without messages."""
    fake_api.reply(
        {
            "status": "success",
            "details": {
                "messages": [],
                "totalpages": 1,
                "currentpage": 1,
                "items_per_page": 50,
            },
        }
    )

    page = await client.get_history()

    assert page.messages == ()
    assert page.total_pages == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-01-01T00:00:00.000000Z", datetime(2020, 1, 1, tzinfo=UTC)),
        (
            "2020-06-30T23:59:59.123456Z",
            datetime(2020, 6, 30, 23, 59, 59, 123456, tzinfo=UTC),
        ),
        ("2020-01-01T01:00:00+01:00", datetime(2020, 1, 1, tzinfo=UTC)),
        ("2020-01-01T00:00:00", datetime(2020, 1, 1, tzinfo=UTC)),
    ],
)
async def test_history_datetime_is_utc(
    fake_api: FakeApi, client: SmsServiceCenterClient, value: str, expected: datetime
) -> None:
    """History timestamps become aware UTC datetimes; naive ones are read as UTC."""
    fake_api.reply(
        {
            "status": "success",
            "details": {
                "messages": [DOC_HISTORY_MESSAGE | {"datetime": value}],
                "totalpages": 1,
                "currentpage": 1,
                "items_per_page": 50,
            },
        }
    )

    sent_at = (await client.get_history()).messages[0].sent_at

    assert sent_at == expected
    assert sent_at.tzinfo is UTC


# The requests that are sent


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


# Base URL and options


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


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), True, "10"])
def test_invalid_request_timeout(timeout: Any) -> None:
    """The request timeout must be a positive finite number."""
    with pytest.raises(SmsServiceCenterValidationError, match="request_timeout"):
        SmsServiceCenterClient(TOKEN, request_timeout=timeout)


@pytest.mark.parametrize(
    "timeout", [0, -1, float("nan"), float("inf"), True, "5", 10.5, 11]
)
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


# HTTP errors


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

    assert fake_api.requests == []


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


# Network errors


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
    """Return the URL of a listening socket whose backlog is full, so connecting hangs.

    The socket never accepts: once the kernel's accept queue is full of pending
    connections, it drops the handshakes of further connections.
    """
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
    _assert_no_token(exc_info.value)


async def test_default_connect_timeout_with_a_short_request_timeout(
    session: aiohttp.ClientSession, unaccepting_url: str
) -> None:
    """Without a connect timeout, a request timeout under 5 s is allowed and limits connecting.

    A timeout that is not certainly a connect timeout may have reached the server.
    """
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


# Bodies that are not what the API documents


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
    "body", [{}, {"status": None}, {"message": "Unauthenticated."}]
)
@pytest.mark.parametrize("call", V2_CALLS.values(), ids=V2_CALLS.keys())
async def test_no_status_nor_details(
    fake_api: FakeApi, client: SmsServiceCenterClient, call: ClientCall, body: object
) -> None:
    """A v2 response with neither a status nor details raises a response error."""
    fake_api.reply(body)

    with pytest.raises(SmsServiceCenterResponseError, match="status") as exc_info:
        await call(client)

    assert exc_info.value.http_status == 200


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_credits(),
        lambda c: c.send(NUMBERS, "Hello"),
        lambda c: c.get_history(),
    ],
    ids=["get_credits", "send", "get_history"],
)
async def test_success_without_details(
    fake_api: FakeApi, client: SmsServiceCenterClient, call: ClientCall
) -> None:
    """A success without the details a call needs raises a response error."""
    fake_api.reply({"status": "success"})

    with pytest.raises(SmsServiceCenterResponseError) as exc_info:
        await call(client)

    assert exc_info.value.http_status == 200


@pytest.mark.parametrize("call", ALL_CALLS.values(), ids=ALL_CALLS.keys())
async def test_api_error_message(
    fake_api: FakeApi, client: SmsServiceCenterClient, call: ClientCall
) -> None:
    """HTTP 200 with status error raises an API error carrying the provider's message."""
    fake_api.reply({"status": "error", "message": "Missing parameters"})

    with pytest.raises(SmsServiceCenterApiError) as exc_info:
        await call(client)

    assert exc_info.value.message == "Missing parameters"
    assert str(exc_info.value) == "Missing parameters"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"status": "error"}, "status 'error' without a message"),
        ({"status": "error", "message": ""}, "status 'error' without a message"),
        ({"status": "error", "message": None}, "status 'error' without a message"),
        (
            {"status": "error", "message": ["Invalid"]},
            "status 'error' without a message",
        ),
        ({"status": "failed", "message": "  "}, "status 'failed' without a message"),
        ({"status": 0}, "an error without a message"),
        ({"status": ""}, "an error without a message"),
    ],
)
async def test_api_error_without_message(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    body: dict[str, Any],
    expected: str,
) -> None:
    """A non-success status without a usable message raises an API error with a generic message."""
    fake_api.reply(body)

    with pytest.raises(SmsServiceCenterApiError) as exc_info:
        await client.get_credits()

    assert expected in exc_info.value.message


@pytest.mark.parametrize(
    "message", ["Invalid request", " invalid REQUEST ", "Invalid Request\n"]
)
async def test_get_sendname_none(
    fake_api: FakeApi, client: SmsServiceCenterClient, message: str
) -> None:
    """The documented error answer for an account without a default sendname means none."""
    fake_api.reply({"status": "error", "message": message})

    assert await client.get_sendname() is None


@pytest.mark.parametrize(
    "body",
    [
        {"status": "error", "message": "Unknown account"},
        {"status": "error", "message": "Invalid request received"},
        {"status": "error", "message": "Invalid sendname received"},
        {"status": "error"},
        {"status": "error", "message": None},
        {"status": "failed", "message": "Invalid request"},
    ],
    ids=[
        "unknown_account",
        "longer_message",
        "invalid_sendname",
        "no_message",
        "message_null",
        "other_status",
    ],
)
async def test_get_sendname_other_error(
    fake_api: FakeApi, client: SmsServiceCenterClient, body: dict[str, Any]
) -> None:
    """Any other error answer of the sendname endpoint raises an API error."""
    fake_api.reply(body)

    with pytest.raises(SmsServiceCenterApiError):
        await client.get_sendname()


async def test_set_sendname_invalid_request(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """Setting a sendname that the API answers with ``Invalid request`` raises."""
    fake_api.reply({"status": "error", "message": "Invalid request"})

    with pytest.raises(SmsServiceCenterApiError, match="Invalid request"):
        await client.set_sendname("NewName")


@pytest.mark.parametrize(
    ("body", "message", "remaining", "required"),
    [
        (
            {"status": "error", "message": "Insufficient credits"},
            "Insufficient credits",
            None,
            None,
        ),
        (
            {"status": "error", "message": "Not enough CREDITS left"},
            "Not enough CREDITS left",
            None,
            None,
        ),
        (
            {"status": "error", "message": "Onvoldoende tegoed"},
            "Onvoldoende tegoed",
            None,
            None,
        ),
        (
            {
                "status": "error",
                "message": "Cannot send",
                "remaining": 2,
                "required": 5,
            },
            "Cannot send",
            2,
            5,
        ),
        (
            {
                "status": "error",
                "message": "Cannot send",
                "details": {"remaining": 0, "required": 3},
            },
            "Cannot send",
            0,
            3,
        ),
        (
            {
                "status": "error",
                "message": "Insufficient credits",
                "remaining": "2",
                "details": {"remaining": 1, "required": True},
            },
            "Insufficient credits",
            1,
            None,
        ),
    ],
    ids=[
        "simulator",
        "message_upper_case",
        "dutch",
        "numbers",
        "numbers_in_details",
        "numbers_wrongly_typed",
    ],
)
async def test_insufficient_credits(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    *,
    body: dict[str, Any],
    message: str,
    remaining: int | None,
    required: int | None,
) -> None:
    """A refusal about credits raises an insufficient credits error, an API error."""
    fake_api.reply(body)

    with pytest.raises(SmsServiceCenterInsufficientCreditsError) as exc_info:
        await client.send(NUMBERS, "Hello")

    err = exc_info.value
    assert isinstance(err, SmsServiceCenterApiError)
    assert (err.message, err.remaining, err.required) == (message, remaining, required)
    assert str(err) == message


@pytest.mark.parametrize(
    "body",
    [
        {"status": "error", "message": "Missing parameters"},
        {"status": "error", "message": "Missing parameters", "remaining": "2"},
        {"status": "error", "message": "Missing parameters", "required": True},
        {"status": "error", "message": "Missing parameters", "required": 2.0},
        {"status": "error", "message": "Missing parameters", "details": [3]},
        {"status": "error", "message": "Missing parameters", "details": {"x": 3}},
    ],
    ids=[
        "plain",
        "remaining_string",
        "required_bool",
        "required_float",
        "details_list",
        "details_other",
    ],
)
async def test_api_error_not_about_credits(
    fake_api: FakeApi, client: SmsServiceCenterClient, body: dict[str, Any]
) -> None:
    """Other error answers raise a plain API error."""
    fake_api.reply(body)

    with pytest.raises(SmsServiceCenterApiError) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert type(exc_info.value) is SmsServiceCenterApiError


@pytest.mark.parametrize("details", ["3", 3.0, True, None, [], {}])
async def test_credits_wrong_type(
    fake_api: FakeApi, client: SmsServiceCenterClient, details: object
) -> None:
    """A credit balance that is not an integer (booleans included) raises a response error."""
    fake_api.reply({"status": "success", "details": details})

    with pytest.raises(SmsServiceCenterResponseError, match="integer") as exc_info:
        await client.get_credits()

    assert exc_info.value.http_status == 200


@pytest.mark.parametrize("details", [1, ["Name"], False, {"sendname": 1}])
async def test_get_sendname_unreadable(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    caplog: pytest.LogCaptureFixture,
    details: object,
) -> None:
    """A success answer with something else than a name means no known default sendname."""
    fake_api.reply({"status": "success", "details": details})

    with caplog.at_level(logging.DEBUG, logger=API_LOGGER):
        assert await client.get_sendname() is None

    [record] = _api_log(caplog)
    assert "not a name" in record.getMessage()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"status": "success", "details": None}, "NewName"),
        ({"status": "success"}, "NewName"),
        ({"status": "success", "details": ""}, "NewName"),
        ({"status": "success", "details": 1}, "NewName"),
        ({"status": "success", "details": ["Name"]}, "NewName"),
        ({"status": "success", "details": False}, "NewName"),
        ({"status": "success", "details": {}}, "NewName"),
        ({"status": "success", "details": {"sendname": "Other"}}, "Other"),
        ({"status": "Success", "details": "Other"}, "Other"),
    ],
    ids=[
        "null",
        "missing",
        "empty",
        "number",
        "list",
        "bool",
        "object_without_sendname",
        "object",
        "status_title_case",
    ],
)
async def test_set_sendname_answer_read_tolerantly(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    body: dict[str, Any],
    expected: str,
) -> None:
    """A successful set whose answer names no sender name has set the requested one."""
    fake_api.reply(body)

    assert await client.set_sendname("NewName") == expected


@pytest.mark.parametrize(
    "body",
    [{}, {"data": None}, {"data": {"nano": DOC_PACKETS[0]}}],
    ids=["no_data", "data_null", "data_object"],
)
async def test_packets_malformed(
    fake_api: FakeApi, client: SmsServiceCenterClient, body: dict[str, Any]
) -> None:
    """A packets answer without a list of packets raises a response error."""
    fake_api.reply(body)

    with pytest.raises(SmsServiceCenterResponseError) as exc_info:
        await client.get_packets()

    assert exc_info.value.http_status == 200


@pytest.mark.parametrize(
    "packet",
    [
        "nano",
        None,
        DOC_PACKETS[0] | {"price": "12.50"},
        DOC_PACKETS[0] | {"price": 12.5},
        DOC_PACKETS[0] | {"price": True},
        DOC_PACKETS[0] | {"credits": None},
        DOC_PACKETS[0] | {"url": None},
        {k: v for k, v in DOC_PACKETS[0].items() if k != "name"},
    ],
    ids=[
        "string",
        "null",
        "price_string",
        "price_float",
        "price_bool",
        "credits_null",
        "url_null",
        "name_missing",
    ],
)
async def test_unreadable_packet_skipped(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    caplog: pytest.LogCaptureFixture,
    packet: object,
) -> None:
    """A packet without a readable name, price, credits or URL is left out; the others stay."""
    fake_api.reply({"data": [packet, DOC_PACKETS[1]]})

    with caplog.at_level(logging.DEBUG, logger=API_LOGGER):
        packets = await client.get_packets()

    assert [packet.slug for packet in packets] == ["micro"]
    [record] = _api_log(caplog)
    assert "Skipped an unreadable packet" in record.getMessage()


@pytest.mark.parametrize(
    "details",
    [
        None,
        "f89d33b3",
        {"testmode": True},
        {"messageid": None, "testmode": True},
        {"messageid": True, "testmode": True},
        {"messageid": "", "testmode": True},
        {"messageid": "  ", "testmode": True},
        {"messageid": ["f89d33b3"], "testmode": True},
    ],
    ids=[
        "null",
        "string",
        "messageid_missing",
        "messageid_null",
        "messageid_bool",
        "messageid_empty",
        "messageid_blank",
        "messageid_list",
    ],
)
async def test_send_result_malformed(
    fake_api: FakeApi, client: SmsServiceCenterClient, details: object
) -> None:
    """A send result without a non-empty string ``messageid`` raises a response error.

    The server answered 200, so it accepted the request: the message may have been sent.
    """
    fake_api.reply({"status": "success", "details": details})

    with pytest.raises(SmsServiceCenterResponseError) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert exc_info.value.http_status == 200
    assert exc_info.value.request_accepted is True


@pytest.mark.parametrize(
    "body",
    [
        {"status": "Success", "details": {"messageid": "m-1"}},
        {"status": "SUCCESS", "details": {"messageid": "m-1"}},
        {"status": " success ", "details": {"messageid": "m-1"}},
        {"details": {"messageid": "m-1"}},
        {"status": None, "details": {"messageid": "m-1"}},
        {"status": "queued", "details": {"messageid": "m-1"}},
    ],
    ids=["title_case", "upper_case", "spaces", "no_status", "status_null", "other"],
)
@pytest.mark.parametrize("status", [200, 201, 202])
async def test_send_accepted_with_a_message_id(
    fake_api: FakeApi, client: SmsServiceCenterClient, body: object, status: int
) -> None:
    """A 2xx send answer with a message id is accepted whatever its status says (but error)."""
    fake_api.reply(body, status=status)

    assert await client.send(NUMBERS, "Hello") == SendResult(
        message_id="m-1", test_mode=False
    )


async def test_send_accepted_with_a_numeric_message_id(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """A numeric message id is a message id too."""
    fake_api.reply({"status": "success", "details": {"messageid": 4711}})

    assert (await client.send(NUMBERS, "Hello")).message_id == "4711"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "Error", "message": "Missing parameters"},
        {"status": " ERROR ", "message": "Missing parameters"},
        {"status": "error", "message": "Missing parameters", "details": {}},
        {"status": "error", "message": "Missing parameters", "details": None},
    ],
    ids=["title_case", "upper_case_spaces", "details_empty", "details_null"],
)
async def test_send_refused(
    fake_api: FakeApi, client: SmsServiceCenterClient, body: object
) -> None:
    """An error status with a message and no message id is a refusal, however spelled."""
    fake_api.reply(body)

    with pytest.raises(SmsServiceCenterApiError) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert exc_info.value.message == "Missing parameters"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": None},
        {"status": ""},
        {"status": "success", "details": {}},
        {"status": "Success", "details": {"testmode": True}},
        {"status": "error"},
        {"status": "error", "message": ""},
        {"status": "error", "message": ["Invalid"]},
        {"status": "error", "required": 7},
        {"status": "failed", "message": "Missing parameters"},
        {"status": "NO_CREDITS"},
        {"status": "credits.error", "message": "Cannot send"},
        {"status": ["credits"], "message": "Missing parameters"},
        {"status": "error", "message": "Failed", "details": {"messageid": "m-1"}},
    ],
    ids=[
        "empty",
        "status_null",
        "status_empty",
        "success_without_details",
        "success_without_messageid",
        "error_without_message",
        "error_message_empty",
        "error_message_list",
        "error_with_numbers_only",
        "other_status_with_message",
        "other_status",
        "credit_status",
        "status_list",
        "error_with_messageid",
    ],
)
@pytest.mark.parametrize("status", [200, 202])
async def test_send_answer_neither_accepted_nor_refused(
    fake_api: FakeApi, client: SmsServiceCenterClient, body: object, status: int
) -> None:
    """A 2xx send answer that is no clear success or refusal may have been sent."""
    fake_api.reply(body, status=status)

    with pytest.raises(SmsServiceCenterResponseError) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert type(exc_info.value) is SmsServiceCenterResponseError
    assert exc_info.value.http_status == status
    assert exc_info.value.request_accepted is True


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda c: c.get_credits(), 3),
        (lambda c: c.set_sendname("NewName"), "NewName"),
    ],
    ids=["credits", "set_sendname"],
)
@pytest.mark.parametrize("status", ["Success", " SUCCESS ", None])
async def test_success_status_read_tolerantly(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    call: ClientCall,
    expected: object,
    status: str | None,
) -> None:
    """A success status in any case, or none at all, with ``details`` is a success."""
    body: dict[str, Any] = {"details": expected}
    if status is not None:
        body["status"] = status
    fake_api.reply(body)

    assert await call(client) == expected


@pytest.mark.parametrize(
    "body",
    [
        {"status": "success", "details": None},
        {"status": "success"},
        {"status": "success", "details": ""},
        {"status": "success", "details": "  "},
        {"status": "success", "details": {}},
        {"status": "success", "details": {"sendname": None}},
        {"status": "success", "details": {"sendname": ""}},
        {"status": "ERROR", "message": "Invalid request"},
    ],
    ids=[
        "details_null",
        "details_missing",
        "empty",
        "blank",
        "object_without_sendname",
        "sendname_null",
        "sendname_empty",
        "error_upper_case",
    ],
)
async def test_get_sendname_none_read_tolerantly(
    fake_api: FakeApi, client: SmsServiceCenterClient, body: dict[str, Any]
) -> None:
    """A success answer without a sender name means the account has no default one."""
    fake_api.reply(body)

    assert await client.get_sendname() is None


async def test_get_sendname_in_an_object(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """A sender name inside a ``details`` object is read."""
    fake_api.reply({"status": "success", "details": {"sendname": "Shop"}})

    assert await client.get_sendname() == "Shop"


@pytest.mark.parametrize("status", ["Success", None])
async def test_get_packets_status_read_tolerantly(
    fake_api: FakeApi, client: SmsServiceCenterClient, status: str | None
) -> None:
    """A packets answer with a success status in any case, or none, is read."""
    fake_api.reply({"status": status, "data": DOC_PACKETS[:1]})

    assert [packet.credits for packet in await client.get_packets()] == [50]


async def test_packets_without_fields_the_integration_does_not_need(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """A packet without a readable slug or uuid is still a packet."""
    fake_api.reply(
        {
            "data": [
                {k: v for k, v in DOC_PACKETS[0].items() if k not in ("slug", "uuid")}
            ]
        }
    )

    [packet] = await client.get_packets()

    assert (packet.name, packet.slug, packet.uuid, packet.credits) == (
        "Pakket Nano",
        None,
        None,
        50,
    )


def _history(**changes: Any) -> dict[str, Any]:
    """Return the documented history details with some fields changed or removed."""
    details: dict[str, Any] = {
        "messages": [DOC_HISTORY_MESSAGE],
        "totalpages": 1,
        "currentpage": 1,
        "items_per_page": 50,
    }
    for key, value in changes.items():
        if value is _MISSING:
            del details[key]
        else:
            details[key] = value
    return details


def _history_message(**changes: Any) -> dict[str, Any]:
    """Return the history details with one message with some fields changed or removed."""
    message = dict(DOC_HISTORY_MESSAGE)
    for key, value in changes.items():
        if value is _MISSING:
            del message[key]
        else:
            message[key] = value
    return _history(messages=[message])


_MISSING = object()


@pytest.mark.parametrize(
    "details",
    [
        None,
        [DOC_HISTORY_MESSAGE],
        _history(messages=_MISSING),
        _history(messages=None),
        _history(messages={"0": DOC_HISTORY_MESSAGE}),
        _history(totalpages=_MISSING),
        _history(totalpages=None),
        _history(totalpages="1"),
    ],
    ids=[
        "null",
        "list",
        "messages_missing",
        "messages_null",
        "messages_object",
        "totalpages_missing",
        "totalpages_null",
        "totalpages_string",
    ],
)
async def test_history_malformed(
    fake_api: FakeApi, client: SmsServiceCenterClient, details: object
) -> None:
    """A history page without its message list or an integer ``totalpages`` raises a response error."""
    fake_api.reply({"status": "success", "details": details})

    with pytest.raises(SmsServiceCenterResponseError) as exc_info:
        await client.get_history()

    assert exc_info.value.http_status == 200


DOC_SENT_MESSAGE = SentMessage(
    id="58d8e9b6-e12b-4c07-bed6-ce766662c7f6",
    sent_at=datetime(2020, 1, 1, tzinfo=UTC),
    sendname="Sendname",
    message="This is a testmessage.",
    count=1,
)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"id": _MISSING}, {"id": None}),
        ({"id": 1}, {"id": None}),
        ({"sendname": None}, {"sendname": None}),
        ({"sendname": ["Sendname"]}, {"sendname": None}),
        ({"message": _MISSING}, {"message": None}),
        ({"message": 42}, {"message": None}),
        ({"count": "1"}, {"count": None}),
        ({"count": True}, {"count": None}),
        ({"count": None}, {"count": None}),
        ({"count": 1.0}, {"count": None}),
        (
            {"id": None, "sendname": _MISSING, "message": None, "count": _MISSING},
            {"id": None, "sendname": None, "message": None, "count": None},
        ),
    ],
    ids=[
        "id_missing",
        "id_int",
        "sendname_null",
        "sendname_list",
        "message_missing",
        "message_int",
        "count_string",
        "count_bool",
        "count_null",
        "count_float",
        "all_but_datetime",
    ],
)
async def test_history_entry_optional_fields(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    changes: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    """A history entry only needs its ``datetime``: unreadable other fields are None."""
    fake_api.reply({"status": "success", "details": _history_message(**changes)})

    page = await client.get_history()

    assert page.messages == (replace(DOC_SENT_MESSAGE, **expected),)
    assert page.skipped == 0


@pytest.mark.parametrize(
    "entry",
    [
        {k: v for k, v in DOC_HISTORY_MESSAGE.items() if k != "datetime"},
        DOC_HISTORY_MESSAGE | {"datetime": None},
        DOC_HISTORY_MESSAGE | {"datetime": ""},
        DOC_HISTORY_MESSAGE | {"datetime": "yesterday"},
        DOC_HISTORY_MESSAGE | {"datetime": "Thursday 1 January 2020 01:00"},
        DOC_HISTORY_MESSAGE | {"datetime": 1577836800},
        DOC_HISTORY_MESSAGE | {"datetime": {"date": "2020-01-01"}},
        DOC_HISTORY_MESSAGE | {"datetime": "0001-01-01T00:00:00+01:00"},
        DOC_HISTORY_MESSAGE | {"datetime": "9999-12-31T23:59:59-01:00"},
        "message",
        None,
        [DOC_HISTORY_MESSAGE],
    ],
    ids=[
        "datetime_missing",
        "datetime_null",
        "datetime_empty",
        "datetime_garbage",
        "datetime_display_format",
        "datetime_epoch",
        "datetime_object",
        "datetime_before_year_1_in_utc",
        "datetime_after_year_9999_in_utc",
        "entry_string",
        "entry_null",
        "entry_list",
    ],
)
async def test_history_entry_without_datetime_skipped(
    fake_api: FakeApi, client: SmsServiceCenterClient, entry: object
) -> None:
    """An entry without a readable ``datetime`` is left out and counted as skipped."""
    fake_api.reply(
        {
            "status": "success",
            "details": _history(
                messages=[DOC_HISTORY_MESSAGE, entry, DOC_HISTORY_MESSAGE, entry]
            ),
        }
    )

    page = await client.get_history()

    assert page.messages == (DOC_SENT_MESSAGE, DOC_SENT_MESSAGE)
    assert page.skipped == 2


@pytest.mark.parametrize(
    "changes",
    [
        {"items_per_page": _MISSING, "currentpage": _MISSING},
        {"items_per_page": None, "currentpage": None},
        {"items_per_page": False, "currentpage": True},
        {"items_per_page": "20", "currentpage": "2"},
        {"items_per_page": 20.0, "currentpage": 2.0},
        {"items_per_page": 0, "currentpage": 0},
        {"items_per_page": -20, "currentpage": -2},
    ],
    ids=["missing", "null", "bool", "string", "float", "zero", "negative"],
)
async def test_history_paging_defaults(
    fake_api: FakeApi, client: SmsServiceCenterClient, changes: dict[str, Any]
) -> None:
    """Without a readable page size or page number, the documented size and the requested page are used."""
    fake_api.reply({"status": "success", "details": _history(totalpages=4, **changes)})

    page = await client.get_history(3)

    assert page.items_per_page == HISTORY_PAGE_SIZE
    assert page.current_page == 3
    assert page.total_pages == 4
    assert page.messages == (DOC_SENT_MESSAGE,)


async def test_history_paging_read(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """A readable page size and page number are taken as the API gives them."""
    fake_api.reply(
        {
            "status": "success",
            "details": _history(totalpages=4, currentpage=2, items_per_page=20),
        }
    )

    page = await client.get_history(3)

    assert (page.current_page, page.total_pages, page.items_per_page) == (2, 4, 20)


# Validation before any request


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

    assert fake_api.requests == []


@pytest.mark.parametrize("message", ["", " ", "\n\t", None, 42])
async def test_send_invalid_message(
    fake_api: FakeApi, client: SmsServiceCenterClient, message: Any
) -> None:
    """An empty or whitespace-only message is rejected before anything is sent."""
    with pytest.raises(SmsServiceCenterValidationError):
        await client.send(NUMBERS, message)

    assert fake_api.requests == []


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

    assert fake_api.requests == []


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

    assert fake_api.requests == []


# The token stays secret


def test_repr_hides_token() -> None:
    """The client's repr shows the base URL but not the token."""
    client = SmsServiceCenterClient(TOKEN)

    assert TOKEN not in repr(client)
    assert (
        repr(client)
        == "SmsServiceCenterClient(base_url='https://www.smsservicecenter.nl/')"
    )


def _assert_no_token(err: BaseException) -> None:
    """Assert that the token appears nowhere in an exception."""
    assert TOKEN not in str(err)
    assert TOKEN not in repr(err)
    assert all(TOKEN not in str(arg) for arg in err.args)
    assert TOKEN not in str(vars(err))


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

    _assert_no_token(exc_info.value)


async def test_api_error_message_redacts_token(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """A provider message echoing the token is kept, with the token redacted."""
    fake_api.reply({"status": "error", "message": f"Bad token {TOKEN}"})

    with pytest.raises(SmsServiceCenterApiError) as exc_info:
        await client.get_credits()

    assert exc_info.value.message == "Bad token **REDACTED**"


async def test_api_error_redacts_a_token_that_looks_like_a_phone_number(
    fake_api: FakeApi, session: aiohttp.ClientSession
) -> None:
    """The token is redacted before phone numbers are masked, so no part of it shows."""
    token = "98765432101234"
    fake_api.reply({"status": "error", "message": f"Bad token {token}"})
    client = SmsServiceCenterClient(token, session, base_url=fake_api.base_url)

    with pytest.raises(SmsServiceCenterApiError) as exc_info:
        await client.get_credits()

    assert exc_info.value.message == "Bad token **REDACTED**"


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
        _assert_no_token(err)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+31612999402", "+316•••••402"),
        ("+4915123456789", "+491•••••••789"),
        (" +31612345678 ", "+316•••••678"),
        ("0612999001", "0612•••001"),
        ("12345678", "1234•678"),
        ("1234567", "•••••••"),
        ("+316", "••••"),
        ("", ""),
    ],
)
def test_mask_phone_number(number: str, expected: str) -> None:
    """A phone number keeps its first four and last three characters, a short one nothing."""
    assert mask_phone_number(number) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Invalid number +31612999001", "Invalid number +316•••••001"),
        ("Invalid number 0612999001.", "Invalid number 0612•••001."),
        ("Blocked: 06-12 99 90 01!", "Blocked: 0612•••001!"),
        ("Number 0031612999001 unknown", "Number 0031••••••001 unknown"),
        ("+31 (0)6 12999001 failed", "+310••••••001 failed"),
        ("06/12.99.90.01", "0612•••001"),
        ("to:+31612999001,+31687654321", "to:+316•••••001,+316•••••321"),
        ("Invalid numbers received", "Invalid numbers received"),
        ("You need 3 credits, 1 left", "You need 3 credits, 1 left"),
        ("HTTP 429 Too Many Requests", "HTTP 429 Too Many Requests"),
        ("Call 1234 567", "Call 1234 567"),
        ("", ""),
    ],
    ids=[
        "international",
        "national",
        "separators",
        "double_zero",
        "parentheses",
        "slash_and_dots",
        "list",
        "no_number",
        "short_numbers",
        "http_status",
        "seven_digits",
        "empty",
    ],
)
def test_mask_phone_numbers(text: str, expected: str) -> None:
    """Every phone-number-like sequence in a text is masked; short numbers are not."""
    assert mask_phone_numbers(text) == expected


@pytest.mark.parametrize(
    ("call", "body", "expected"),
    [
        (
            lambda c: c.send(NUMBERS, "Hello"),
            {"status": "error", "message": "Invalid number 0612999001"},
            "Invalid number 0612•••001",
        ),
        (
            lambda c: c.get_credits(),
            {"status": "error +31612999001"},
            "The API answered with status 'error +316•••••001' without a message",
        ),
        (
            lambda c: c.send(NUMBERS, "Hello"),
            {"status": "error", "message": "No credits for +31612999001"},
            "No credits for +316•••••001",
        ),
    ],
    ids=["message", "status", "credits"],
)
async def test_api_error_masks_phone_numbers(
    fake_api: FakeApi,
    client: SmsServiceCenterClient,
    call: ClientCall,
    body: dict[str, Any],
    expected: str,
) -> None:
    """Phone numbers in the provider's error texts are masked."""
    fake_api.reply(body)

    with pytest.raises(SmsServiceCenterApiError) as exc_info:
        await call(client)

    assert exc_info.value.message == expected
    assert str(exc_info.value) == expected


async def test_unclear_send_answer_hides_token_and_numbers(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """The status quoted in an unclear send answer has the token and numbers hidden."""
    fake_api.reply({"status": f"failed {TOKEN} +31612999001"})

    with pytest.raises(SmsServiceCenterResponseError) as exc_info:
        await client.send(NUMBERS, "Hello")

    assert "'failed **REDACTED** +316•••••001'" in str(exc_info.value)
    assert "may have been sent" in str(exc_info.value)
    _assert_no_token(exc_info.value)


async def test_unreadable_body_masks_phone_numbers(
    fake_api: FakeApi, client: SmsServiceCenterClient
) -> None:
    """A phone number in the content type of an unreadable answer is masked."""
    fake_api.reply(text="nope", content_type="text/x-0612999001")

    with pytest.raises(SmsServiceCenterResponseError) as exc_info:
        await client.get_credits()

    assert "text/x-0612•••001" in str(exc_info.value)
    assert "0612999001" not in str(exc_info.value)


async def test_validation_errors_hide_token(client: SmsServiceCenterClient) -> None:
    """Validation errors do not reveal the token, even when it is passed as an argument."""
    with pytest.raises(SmsServiceCenterValidationError) as exc_info:
        await client.set_sendname(TOKEN)

    _assert_no_token(exc_info.value)


async def test_error_without_token_is_not_redacted(
    fake_api: FakeApi, session: aiohttp.ClientSession
) -> None:
    """Without a token there is nothing to redact from a provider message."""
    fake_api.reply({"status": "error", "message": "Maintenance"})
    client = SmsServiceCenterClient("", session, base_url=fake_api.base_url)

    with pytest.raises(SmsServiceCenterApiError, match=r"^Maintenance$"):
        await client.get_packets()


# Session ownership


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
