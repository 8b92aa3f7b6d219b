"""Shared data and helpers for the tests of the API client package."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import json
import logging
import socket
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.smsservicecenter.api import SmsServiceCenterClient

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


def api_log(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Return the records the client logged."""
    return [record for record in caplog.records if record.name == API_LOGGER]


def unused_local_url() -> str:
    """Return a URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def assert_no_token(err: BaseException) -> None:
    """Assert that the token appears nowhere in an exception."""
    assert TOKEN not in str(err)
    assert TOKEN not in repr(err)
    assert all(TOKEN not in str(arg) for arg in err.args)
    assert TOKEN not in str(vars(err))
