"""A local SMS Service Center API v2 as an aiohttp web application.

It implements the seven endpoints of the provider's API v2 documentation with
in-memory state, so the integration can be developed and tested end to end
without an account, without credits and without sending a real SMS.

Behaviour that the documentation leaves open is simulated as follows:

- Authenticated endpoints answer HTTP 401 ``{"message": "Unauthenticated."}``
  for a missing or wrong ``Authorization: Bearer`` header, as Laravel does.
- A message costs one credit per segment per recipient; a segment is 160
  characters for a single-segment message, 153 per segment otherwise.
- In test mode sends are recorded in the history but cost no credits.
- A history entry is one send; its ``count`` is the number of credits it used.

``GET /_simulator/state`` is not part of the provider's API: it tells checks what
the simulator received and billed, to callers on a loopback address only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hmac
import ipaddress
import logging
import math
import re
from typing import TYPE_CHECKING, Any
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiohttp.typedefs import Handler

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "simulator-token"  # noqa: S105 - a well-known development token
DEFAULT_CREDITS = 100
DEFAULT_SENDNAME = "Simulator"
INSPECT_PATH = "/_simulator/state"
PAGE_SIZE = 50
HISTORY_DAYS = 30
SINGLE_SEGMENT_LENGTH = 160
MULTI_SEGMENT_LENGTH = 153

SENDNAME_RE = re.compile(r"[A-Za-z0-9]{1,11}")
NUMBER_RE = re.compile(r"\+?[0-9]{6,15}")

# name, slug, uuid, price in cents, credits: the packets of the documentation.
PACKETS: tuple[tuple[str, str, str, int, int], ...] = (
    ("Pakket Nano", "nano", "d5d728d8-2add-46f2-9de3-4ef99615e668", 1250, 50),
    ("Pakket Micro", "micro", "cc5372ba-a84b-4765-b005-8ba667881310", 2000, 100),
    ("Pakket Mini", "mini", "2e8ae38d-6d82-4c23-aaf5-f3a2ab0d3244", 3000, 200),
    ("Pakket Maxi", "maxi", "b9109a6c-d9b1-42c7-a978-c5bd28ef6dd2", 4800, 400),
    ("Pakket Mega", "mega", "6483e5a6-670a-4f28-8d31-10becb014c7f", 10000, 1000),
    ("Pakket Giga", "giga", "976425b0-83cc-47ee-8ef6-730d9d792e0f", 80000, 10000),
)

_WEEKDAYS = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

try:
    _DISPLAY_TIME_ZONE: ZoneInfo | None = ZoneInfo("Europe/Amsterdam")
except ZoneInfoNotFoundError:  # pragma: no cover - no time zone database
    _DISPLAY_TIME_ZONE = None


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def count_segments(message: str) -> int:
    """Return a simple approximation of the number of SMS segments of ``message``."""
    if len(message) <= SINGLE_SEGMENT_LENGTH:
        return 1
    return math.ceil(len(message) / MULTI_SEGMENT_LENGTH)


@dataclass(slots=True, kw_only=True)
class SimulatedMessage:
    """A message sent through the simulator."""

    id: str
    sent_at: datetime
    sendname: str
    message: str
    numbers: tuple[str, ...]
    count: int


@dataclass(kw_only=True)
class SimulatorState:
    """The mutable state of one simulated account.

    Tests may change any attribute between requests, for example
    ``state.fail_next = 503`` to answer the next request with HTTP 503.
    """

    token: str = DEFAULT_TOKEN
    credits: int = DEFAULT_CREDITS
    sendname: str = DEFAULT_SENDNAME
    test_mode: bool = False
    messages: list[SimulatedMessage] = field(default_factory=list)
    """Sent messages in the order they were sent (oldest first)."""
    fail_next: int | None = None
    """HTTP status to answer the next request with (an HTML body), then cleared."""
    fail_retry_after: str | None = None
    """``Retry-After`` header value sent with a ``fail_next`` 429 or 503."""
    delay: float = 0.0
    """Seconds every request waits before it is answered."""
    requests: list[str] = field(default_factory=list)
    """Every request received, as ``"METHOD /path?query"``."""
    in_flight: list[str] = field(default_factory=list)
    """The requests received and not answered yet, as in ``requests``."""
    billed: int = 0
    """The credits live sends were charged."""
    now: Callable[[], datetime] = utc_now
    """The clock, replaceable in tests."""

    def add_message(
        self,
        message: str,
        numbers: tuple[str, ...] = ("+31612345678",),
        *,
        sendname: str | None = None,
        sent_at: datetime | None = None,
    ) -> SimulatedMessage:
        """Record a message as sent without charging credits (for seeding history)."""
        record = SimulatedMessage(
            id=str(uuid.uuid4()),
            sent_at=sent_at or self.now(),
            sendname=sendname or self.sendname,
            message=message,
            numbers=numbers,
            count=count_segments(message) * len(numbers),
        )
        self.messages.append(record)
        return record


SIMULATOR_STATE = web.AppKey("simulator_state", SimulatorState)


def create_app(
    *,
    token: str = DEFAULT_TOKEN,
    credits: int = DEFAULT_CREDITS,  # noqa: A002 - the provider's name for it
    sendname: str = DEFAULT_SENDNAME,
    test_mode: bool = False,
    latency: float = 0.0,
) -> web.Application:
    """Create the simulator application; its state is ``app[SIMULATOR_STATE]``.

    ``latency`` is the seconds every request waits before it is answered, to
    emulate the provider's round trip time (the state's ``delay``).
    """
    app = web.Application(middlewares=[_simulator_middleware])
    app[SIMULATOR_STATE] = SimulatorState(
        token=token,
        credits=credits,
        sendname=sendname,
        test_mode=test_mode,
        delay=latency,
    )
    app.router.add_get("/api/v2/credits", _handle_credits)
    app.router.add_get("/api/packets", _handle_packets)
    app.router.add_post("/api/v2/send", _handle_send)
    app.router.add_get("/api/v2/sendname", _handle_get_sendname)
    app.router.add_post("/api/v2/sendname", _handle_set_sendname)
    app.router.add_get("/api/v2/history", _handle_history)
    app.router.add_get("/order/checkout/{slug}", _handle_checkout)
    app.router.add_get(INSPECT_PATH, _handle_inspect)
    return app


@web.middleware
async def _simulator_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Log requests, apply the configured delay and injected failures."""
    if request.path == INSPECT_PATH:
        # Looking at the simulator neither waits nor counts as a provider request.
        return await handler(request)
    state = request.app[SIMULATOR_STATE]
    received = f"{request.method} {request.path_qs}"
    state.requests.append(received)
    state.in_flight.append(received)
    try:
        return await _answer(request, handler, state)
    finally:
        state.in_flight.remove(received)


async def _answer(
    request: web.Request, handler: Handler, state: SimulatorState
) -> web.StreamResponse:
    """Answer a request after the configured delay, or with an injected failure."""
    if state.delay > 0:
        await asyncio.sleep(state.delay)
    if state.fail_next is not None:
        status, state.fail_next = state.fail_next, None
        headers = {}
        if status in (429, 503) and state.fail_retry_after is not None:
            headers["Retry-After"] = state.fail_retry_after
        _LOGGER.info(
            "Simulating HTTP %s for %s %s", status, request.method, request.path
        )
        return web.Response(
            status=status,
            text=f"<!DOCTYPE html><html><body><h1>{status}</h1>"
            "<p>Simulated failure</p></body></html>",
            content_type="text/html",
            headers=headers,
        )
    return await handler(request)


def _is_authorized(request: web.Request) -> bool:
    """Return whether the request carries the account's bearer token."""
    expected = f"Bearer {request.app[SIMULATOR_STATE].token}".encode()
    given = request.headers.get("Authorization", "").encode()
    return hmac.compare_digest(given, expected)


def _unauthenticated() -> web.Response:
    """Return Laravel's answer to an unauthenticated JSON request."""
    return web.json_response({"message": "Unauthenticated."}, status=401)


def _success(details: object) -> web.Response:
    """Return a successful v2 response."""
    return web.json_response({"status": "success", "details": details})


def _error(message: str) -> web.Response:
    """Return a v2 error response (HTTP 200, as the provider does)."""
    return web.json_response({"status": "error", "message": message})


async def _json_body(request: web.Request) -> dict[str, Any]:
    """Return the JSON object in the request body, or an empty one."""
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def _handle_credits(request: web.Request) -> web.Response:
    """GET api/v2/credits."""
    if not _is_authorized(request):
        return _unauthenticated()
    return _success(request.app[SIMULATOR_STATE].credits)


async def _handle_packets(request: web.Request) -> web.Response:
    """GET api/packets: public, answers without a status key."""
    base = f"{request.scheme}://{request.host}/order/checkout/"
    return web.json_response(
        {
            "data": [
                {
                    "name": name,
                    "slug": slug,
                    "uuid": packet_uuid,
                    "price": price,
                    "credits": packet_credits,
                    "url": f"{base}{slug}",
                }
                for name, slug, packet_uuid, price, packet_credits in PACKETS
            ]
        }
    )


async def _handle_send(request: web.Request) -> web.Response:
    """POST api/v2/send."""
    if not _is_authorized(request):
        return _unauthenticated()
    state = request.app[SIMULATOR_STATE]
    body = await _json_body(request)
    numbers_field = body.get("numbers")
    message = body.get("message")
    sendname = body.get("sendname")
    if (
        not isinstance(numbers_field, str)
        or not numbers_field.strip()
        or not isinstance(message, str)
        or not message.strip()
    ):
        return _error("Missing parameters")
    if sendname is None:
        sendname = state.sendname
    elif not isinstance(sendname, str) or not SENDNAME_RE.fullmatch(sendname):
        return _error("Invalid sendname received")
    numbers = tuple(
        number.strip() for number in numbers_field.split(",") if number.strip()
    )
    if not numbers or not all(NUMBER_RE.fullmatch(number) for number in numbers):
        return _error("Invalid numbers received")
    cost = count_segments(message) * len(numbers)
    if not state.test_mode:
        if cost > state.credits:
            return _error("Insufficient credits")
        state.credits -= cost
        state.billed += cost
    record = SimulatedMessage(
        id=str(uuid.uuid4()),
        sent_at=state.now(),
        sendname=sendname,
        message=message,
        numbers=numbers,
        count=cost,
    )
    state.messages.append(record)
    _LOGGER.info(
        "Simulated SMS %s from %s to %d recipient(s), %d credit(s)%s",
        record.id,
        sendname,
        len(numbers),
        cost,
        " (test mode)" if state.test_mode else "",
    )
    return _success({"messageid": record.id, "testmode": state.test_mode})


async def _handle_get_sendname(request: web.Request) -> web.Response:
    """GET api/v2/sendname."""
    if not _is_authorized(request):
        return _unauthenticated()
    state = request.app[SIMULATOR_STATE]
    if not state.sendname:
        return _error("Invalid request")
    return _success(state.sendname)


async def _handle_set_sendname(request: web.Request) -> web.Response:
    """POST api/v2/sendname."""
    if not _is_authorized(request):
        return _unauthenticated()
    sendname = (await _json_body(request)).get("sendname")
    if not isinstance(sendname, str) or not SENDNAME_RE.fullmatch(sendname):
        return _error("Invalid sendname received")
    request.app[SIMULATOR_STATE].sendname = sendname
    return _success(sendname)


async def _handle_history(request: web.Request) -> web.Response:
    """GET api/v2/history: newest first, last 30 days, 50 per page."""
    if not _is_authorized(request):
        return _unauthenticated()
    state = request.app[SIMULATOR_STATE]
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    cutoff = state.now() - timedelta(days=HISTORY_DAYS)
    recent = sorted(
        (record for record in reversed(state.messages) if record.sent_at >= cutoff),
        key=lambda record: record.sent_at,
        reverse=True,
    )
    start = (page - 1) * PAGE_SIZE
    return _success(
        {
            "messages": [
                _history_entry(record) for record in recent[start : start + PAGE_SIZE]
            ],
            "totalpages": max(1, math.ceil(len(recent) / PAGE_SIZE)),
            "currentpage": page,
            "items_per_page": PAGE_SIZE,
        }
    )


async def _handle_checkout(request: web.Request) -> web.Response:
    """Order page a packet's ``url`` links to (not part of the API)."""
    slug = request.match_info["slug"]
    if slug not in {packet[1] for packet in PACKETS}:
        raise web.HTTPNotFound
    return web.Response(
        text=f"<!DOCTYPE html><html><body><h1>Checkout {slug}</h1>"
        "<p>SMS Service Center simulator: nothing is sold here.</p></body></html>",
        content_type="text/html",
    )


def _from_loopback(request: web.Request) -> bool:
    """Return whether the request comes from a loopback address."""
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


async def _handle_inspect(request: web.Request) -> web.Response:
    """GET _simulator/state: what was received and billed, for loopback callers only."""
    if not _from_loopback(request):
        raise web.HTTPForbidden
    state = request.app[SIMULATOR_STATE]
    return web.json_response(
        {
            "credits": state.credits,
            "billed": state.billed,
            "test_mode": state.test_mode,
            "requests": state.requests,
            "in_flight": state.in_flight,
            "messages": [
                {**_history_entry(record), "numbers": list(record.numbers)}
                for record in state.messages
            ],
        }
    )


def _history_entry(record: SimulatedMessage) -> dict[str, object]:
    """Return the history representation of a sent message."""
    sent_at = record.sent_at.astimezone(UTC)
    return {
        "id": record.id,
        "uuid": record.id,
        "date": _display_date(sent_at),
        "datetime": f"{sent_at:%Y-%m-%dT%H:%M:%S.%f}Z",
        "sendname": record.sendname,
        "message": record.message,
        "count": record.count,
    }


def _display_date(value: datetime) -> str:
    """Format like the provider: ``Thursday 1 January 2020 01:00`` (Dutch time)."""
    local = value.astimezone(_DISPLAY_TIME_ZONE) if _DISPLAY_TIME_ZONE else value
    return (
        f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} "
        f"{local.year} {local:%H:%M}"
    )
