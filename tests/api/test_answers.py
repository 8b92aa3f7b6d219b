"""Tests for how the API client reads the provider's answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
import logging
from typing import Any

import aiohttp
import pytest

from custom_components.smsservicecenter.api import (
    HISTORY_PAGE_SIZE,
    HistoryPage,
    Packet,
    SendResult,
    SentMessage,
    SmsServiceCenterApiError,
    SmsServiceCenterClient,
    SmsServiceCenterInsufficientCreditsError,
    SmsServiceCenterResponseError,
)

from . import (
    ALL_CALLS,
    API_LOGGER,
    DOC_HISTORY_MESSAGE,
    DOC_PACKETS,
    NUMBERS,
    TOKEN,
    V2_CALLS,
    ClientCall,
    FakeApi,
    api_log,
    assert_no_token,
)


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
    assert not api_log(caplog)


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
    [record] = api_log(caplog)
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

    assert not page.messages
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

    [record] = api_log(caplog)
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
    [record] = api_log(caplog)
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
    """A success without a usable ``messageid`` raises a response error: it may have been sent."""
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
    assert_no_token(exc_info.value)
