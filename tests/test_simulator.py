"""End-to-end tests: the real API client against the local SMS Service Center simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer, make_mocked_request
import pytest

from custom_components.smsservicecenter.api import (
    SmsServiceCenterAuthenticationError,
    SmsServiceCenterClient,
    SmsServiceCenterConnectionError,
    SmsServiceCenterInsufficientCreditsError,
)
from simulator.__main__ import main, parse_args
from simulator.app import (
    DEFAULT_TOKEN,
    PACKETS,
    SIMULATOR_STATE,
    SimulatorState,
    _handle_inspect,
    create_app,
)

type AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]

NUMBER = "+31612345678"
OTHER_NUMBER = "+31687654321"


@pytest.fixture
async def simulator(socket_enabled: None, aiohttp_server: AiohttpServer) -> TestServer:
    """Return a running simulator with 100 credits."""
    return await aiohttp_server(create_app(credits=100))


@pytest.fixture
def state(simulator: TestServer) -> SimulatorState:
    """Return the simulator's state."""
    return simulator.app[SIMULATOR_STATE]


@pytest.fixture
def base_url(simulator: TestServer) -> str:
    """Return the simulator's base URL."""
    return f"http://{simulator.host}:{simulator.port}/"


@pytest.fixture
async def client(base_url: str) -> AsyncGenerator[SmsServiceCenterClient]:
    """Return a client with the simulator's token."""
    async with SmsServiceCenterClient(DEFAULT_TOKEN, base_url=base_url) as api_client:
        yield api_client


async def _raw(
    base_url: str,
    method: str,
    path: str,
    body: object = None,
    *,
    token: str | None = DEFAULT_TOKEN,
) -> tuple[int, Any]:
    """Make a request without the client's validation; return status and body."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, f"{base_url}{path}", json=body, headers=headers
        ) as response,
    ):
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def test_send_uses_credits_and_appears_in_history(
    client: SmsServiceCenterClient, state: SimulatorState
) -> None:
    """A send costs one credit per recipient and is the newest history entry."""
    result = await client.send([NUMBER, OTHER_NUMBER], "Hello from the tests")

    assert result.test_mode is False
    assert await client.get_credits() == 98
    page = await client.get_history()
    assert len(page.messages) == 1
    message = page.messages[0]
    assert message.id == result.message_id
    assert message.message == "Hello from the tests"
    assert message.sendname == "Simulator"
    assert message.count == 2
    assert datetime.now(UTC) - message.sent_at < timedelta(minutes=1)
    assert state.messages[0].numbers == (NUMBER, OTHER_NUMBER)


async def test_send_with_sendname(client: SmsServiceCenterClient) -> None:
    """A sendname given with a send is used instead of the default one."""
    await client.send([NUMBER], "Hello", "Shop42")

    assert (await client.get_history()).messages[0].sendname == "Shop42"


async def test_long_message_costs_one_credit_per_segment(
    client: SmsServiceCenterClient,
) -> None:
    """A message over 160 characters costs one credit per 153-character segment."""
    await client.send([NUMBER], "x" * 307)

    assert await client.get_credits() == 97


async def test_history_paging(client: SmsServiceCenterClient) -> None:
    """More than 50 messages are split over pages, newest first."""
    for index in range(55):
        await client.send([NUMBER], f"Message {index}")

    first = await client.get_history()
    second = await client.get_history(2)
    beyond = await client.get_history(3)

    assert (first.current_page, first.total_pages, first.items_per_page) == (1, 2, 50)
    assert len(first.messages) == 50
    assert first.messages[0].message == "Message 54"
    assert second.current_page == 2
    assert [message.message for message in second.messages] == [
        f"Message {index}" for index in range(4, -1, -1)
    ]
    assert not beyond.messages
    assert beyond.total_pages == 2


async def test_history_only_last_30_days(
    client: SmsServiceCenterClient, state: SimulatorState
) -> None:
    """Messages older than 30 days are not in the history."""
    state.add_message("Too old", sent_at=datetime.now(UTC) - timedelta(days=31))
    state.add_message("Recent", sent_at=datetime.now(UTC) - timedelta(days=29))

    page = await client.get_history()

    assert [message.message for message in page.messages] == ["Recent"]
    assert page.total_pages == 1


async def test_history_entry_format(base_url: str, state: SimulatorState) -> None:
    """History entries look like the documented example."""
    state.now = lambda: datetime(2020, 1, 1, tzinfo=UTC)
    record = state.add_message("This is a testmessage.", sendname="Sendname")

    status, body = await _raw(base_url, "GET", "api/v2/history")

    assert status == 200
    assert body == {
        "status": "success",
        "details": {
            "messages": [
                {
                    "id": record.id,
                    "uuid": record.id,
                    "date": "Wednesday 1 January 2020 01:00",
                    "datetime": "2020-01-01T00:00:00.000000Z",
                    "sendname": "Sendname",
                    "message": "This is a testmessage.",
                    "count": 1,
                }
            ],
            "totalpages": 1,
            "currentpage": 1,
            "items_per_page": 50,
        },
    }


async def test_wrong_token(base_url: str) -> None:
    """A wrong token is rejected with an authentication error."""
    async with SmsServiceCenterClient("wrong-token", base_url=base_url) as api_client:
        with pytest.raises(SmsServiceCenterAuthenticationError):
            await api_client.get_credits()


async def test_packets_are_public(base_url: str) -> None:
    """Packets are available without a valid token and link to the simulator."""
    async with SmsServiceCenterClient("wrong-token", base_url=base_url) as api_client:
        packets = await api_client.get_packets()

    assert [packet.slug for packet in packets] == [packet[1] for packet in PACKETS]
    assert packets[0].url == f"{base_url}order/checkout/nano"


async def test_insufficient_credits(
    client: SmsServiceCenterClient, state: SimulatorState
) -> None:
    """A send that costs more than the balance fails and costs nothing."""
    state.credits = 1

    with pytest.raises(
        SmsServiceCenterInsufficientCreditsError, match="Insufficient credits"
    ):
        await client.send([NUMBER, OTHER_NUMBER], "Hello")

    assert await client.get_credits() == 1
    assert not (await client.get_history()).messages


async def test_test_mode(client: SmsServiceCenterClient, state: SimulatorState) -> None:
    """In test mode a send is reported as such and costs no credits."""
    state.test_mode = True

    result = await client.send([NUMBER], "Hello")

    assert result.test_mode is True
    assert await client.get_credits() == 100


async def test_set_sendname(client: SmsServiceCenterClient) -> None:
    """A new default sendname is returned by later reads."""
    assert await client.set_sendname("NewName") == "NewName"

    assert await client.get_sendname() == "NewName"


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "api/v2/send", {"numbers": NUMBER}, "Missing parameters"),
        ("POST", "api/v2/send", {"message": "Hi"}, "Missing parameters"),
        ("POST", "api/v2/send", [], "Missing parameters"),
        (
            "POST",
            "api/v2/send",
            {"numbers": NUMBER, "message": "Hi", "sendname": "Bad name"},
            "Invalid sendname received",
        ),
        (
            "POST",
            "api/v2/send",
            {"numbers": "06-12", "message": "Hi"},
            "Invalid numbers received",
        ),
        (
            "POST",
            "api/v2/sendname",
            {"sendname": "Much too long"},
            "Invalid sendname received",
        ),
        ("POST", "api/v2/sendname", None, "Invalid sendname received"),
    ],
    ids=[
        "send_no_message",
        "send_no_numbers",
        "send_not_an_object",
        "send_bad_sendname",
        "send_bad_number",
        "sendname_too_long",
        "sendname_missing",
    ],
)
async def test_simulator_rejects_like_the_provider(
    base_url: str, method: str, path: str, body: object, message: str
) -> None:
    """Bad requests get the provider's HTTP 200 error answers."""
    assert await _raw(base_url, method, path, body) == (
        200,
        {"status": "error", "message": message},
    )


async def test_get_sendname_without_one(
    client: SmsServiceCenterClient, state: SimulatorState
) -> None:
    """Without a default sendname the provider answers ``Invalid request``: none."""
    state.sendname = ""

    assert await client.get_sendname() is None


async def test_injected_failure(
    client: SmsServiceCenterClient, state: SimulatorState
) -> None:
    """``fail_next`` answers one request with that status, then the simulator recovers."""
    state.fail_next = 503
    state.fail_retry_after = "5"

    with pytest.raises(SmsServiceCenterConnectionError) as exc_info:
        await client.send([NUMBER], "Hello")

    assert exc_info.value.retry_after == 5.0
    assert state.requests == ["POST /api/v2/send"]
    assert not state.messages
    assert await client.get_credits() == 100


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "api/v2/credits"),
        ("POST", "api/v2/send"),
        ("GET", "api/v2/sendname"),
        ("POST", "api/v2/sendname"),
        ("GET", "api/v2/history"),
    ],
)
@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_unauthenticated(
    base_url: str, method: str, path: str, token: str | None
) -> None:
    """Authenticated endpoints answer a missing or wrong token like Laravel does."""
    assert await _raw(base_url, method, path, token=token) == (
        401,
        {"message": "Unauthenticated."},
    )


@pytest.mark.parametrize("page", ["abc", "0", "-3"])
async def test_history_bad_page_query(base_url: str, page: str) -> None:
    """An invalid page query reads the first page."""
    status, body = await _raw(base_url, "GET", f"api/v2/history?page={page}")

    assert status == 200
    assert body["details"]["currentpage"] == 1


@pytest.mark.parametrize(("slug", "status"), [("nano", 200), ("tera", 404)])
async def test_checkout_page(base_url: str, slug: str, status: int) -> None:
    """Packet links lead to a placeholder page on the simulator."""
    assert (await _raw(base_url, "GET", f"order/checkout/{slug}"))[0] == status


async def test_delay(base_url: str, state: SimulatorState) -> None:
    """``delay`` makes the simulator answer slowly enough to time a client out."""
    state.delay = 0.2

    async with SmsServiceCenterClient(
        DEFAULT_TOKEN, base_url=base_url, request_timeout=0.05
    ) as api_client:
        with pytest.raises(SmsServiceCenterConnectionError, match="Timeout"):
            await api_client.get_credits()


@pytest.mark.usefixtures("socket_enabled")
async def test_latency_before_every_answer(
    aiohttp_server: AiohttpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``latency`` makes every request wait that long before it is handled and answered."""
    latency = 12.5
    sleeping = asyncio.Event()
    wake_up = asyncio.Event()
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(delay: float, result: Any = None) -> Any:
        if delay != latency:
            return await real_sleep(delay, result)
        slept.append(delay)
        sleeping.set()
        await wake_up.wait()
        return result

    monkeypatch.setattr(asyncio, "sleep", sleep)
    server = await aiohttp_server(create_app(latency=latency))
    app_state = server.app[SIMULATOR_STATE]

    async with SmsServiceCenterClient(
        DEFAULT_TOKEN, base_url=f"http://{server.host}:{server.port}/"
    ) as api_client:
        send = asyncio.create_task(api_client.send([NUMBER], "Hello"))
        # Without the latency the send would finish first.
        await asyncio.wait(
            [send, asyncio.create_task(sleeping.wait())],
            return_when=asyncio.FIRST_COMPLETED,
        )

        assert sleeping.is_set()
        assert not send.done()
        assert not app_state.messages

        wake_up.set()
        await send
        assert len(app_state.messages) == 1
        assert await api_client.get_credits() == 99
        assert len(await api_client.get_packets()) == len(PACKETS)

    assert slept == [latency] * 3


def test_command_line_defaults_to_loopback() -> None:
    """The simulator listens on 127.0.0.1:8099 unless told otherwise."""
    args = parse_args([])

    assert (args.host, args.port, args.token, args.credits, args.latency) == (
        "127.0.0.1",
        8099,
        DEFAULT_TOKEN,
        100,
        0,
    )


def test_command_line_rejects_negative_credits() -> None:
    """A negative starting balance is a usage error."""
    with pytest.raises(SystemExit):
        parse_args(["--credits", "-1"])


@pytest.mark.parametrize("latency", ["-0.1", "nan", "inf", "soon"])
def test_command_line_rejects_invalid_latency(latency: str) -> None:
    """A latency that is not a finite number of seconds, 0 or more, is a usage error."""
    with pytest.raises(SystemExit):
        parse_args(["--latency", latency])


def test_main_runs_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m simulator`` runs the configured app on the given address."""
    calls: list[tuple[web.Application, dict[str, Any]]] = []
    monkeypatch.setattr(
        web, "run_app", lambda app, **kwargs: calls.append((app, kwargs))
    )

    main(
        [
            "--port",
            "8123",
            "--token",
            "t",
            "--credits",
            "7",
            "--test-mode",
            "--latency",
            "0.25",
        ]
    )

    [(app, kwargs)] = calls
    assert kwargs == {"host": "127.0.0.1", "port": 8123, "print": None}
    app_state = app[SIMULATOR_STATE]
    assert (
        app_state.token,
        app_state.credits,
        app_state.test_mode,
        app_state.delay,
    ) == ("t", 7, True, 0.25)


async def test_inspection_tells_what_was_received_and_billed(
    base_url: str, client: SmsServiceCenterClient
) -> None:
    """Test the loopback-only state endpoint lists the sends, what they cost and what is left."""
    result = await client.send([NUMBER, OTHER_NUMBER], "Hello")

    status, body = await _raw(base_url, "GET", "_simulator/state", token=None)

    assert status == 200
    assert (body["credits"], body["billed"], body["in_flight"]) == (98, 2, [])
    assert [message["id"] for message in body["messages"]] == [result.message_id]
    assert body["messages"][0]["numbers"] == [NUMBER, OTHER_NUMBER]


async def test_inspection_refuses_callers_elsewhere(simulator: TestServer) -> None:
    """Test a caller that is not on a loopback address is refused."""
    request = make_mocked_request("GET", "/_simulator/state", app=simulator.app)

    with (
        patch.object(type(request), "remote", "192.0.2.1"),
        pytest.raises(web.HTTPForbidden),
    ):
        await _handle_inspect(request)
