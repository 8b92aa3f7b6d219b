"""Check sends in flight across a new recipient and an options reload, in a real Home Assistant.

``python -m e2e.money_path --hass PATH`` starts the simulator, which answers each
request after 1 s, and ``hass`` on free ports of 127.0.0.1, onboards an owner and
adds the simulated account. In each of two rounds it starts 10 sends at once
through the REST API (``smsservicecenter.send_sms`` with its response, each with a
text of its own) and, while all 10 wait at the simulator, goes through a flow:
first the recipient subentry flow (which must not reload the account), then the
options flow with another daily credit limit (which reloads it), starting 5 more
sends while the account reloads. After each round it checks that every caller got
a message ID or a translated error (HTTP 4xx/5xx whose message is one of the
integration's or Home Assistant's translations), that the simulator received each
text at most once and under the caller's message ID, and that the credits used
today sensor equals what the simulator billed and the credits sensor its balance;
at the end that Home Assistant logged no traceback while sending. It prints the
numbers and ends with PASS or FAIL (exit code 1).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
import importlib.util
import json
from pathlib import Path
import re
import secrets
import sys
import time

from .harness import (
    DOMAIN,
    REPO_ROOT,
    SEND_SMS_PATH,
    SIMULATOR_CREDITS,
    CheckError,
    Outcome,
    Run,
    check,
    hass_command,
    integration_log_lines,
    reloaded,
    report,
    run_reported,
    started,
)

LATENCY = 1.0
"""Seconds the simulator waits before each answer: the window the flows run in."""
CONCURRENT_SENDS = 10
LATE_SENDS = 5
"""Sends started right after the options flow, while the account reloads."""
NUMBER = "+31611111111"
RECIPIENT = ("Bob", "0687654321")
DAILY_CREDIT_LIMIT = 50
"""The option changed in the second round: above what the run sends, so no send is refused."""
OPTIONS = {
    "low_credits_threshold": 10,
    "default_country": "NL",
    "daily_credit_limit": DAILY_CREDIT_LIMIT,
    "outbox_minutes": 60,
}
SEND_REQUEST = "POST /api/v2/send"
CREDITS_ENTITY = "sensor.sms_service_center_credits"
USED_TODAY_SUFFIX = "_credits_used_today"
IN_FLIGHT_INTERVAL = 0.02
"""Seconds between two looks at the simulator while sends reach it."""
UNREADABLE = re.compile(
    r"Traceback|AttributeError|Exception|Error:|<html", re.IGNORECASE
)


@dataclass(slots=True)
class Answer:
    """What one caller of send_sms got."""

    text: str
    phase: str
    status: int
    body: str
    message_id: str | None = None
    error: str | None = None
    """The translated error message the caller got."""
    problem: str | None = None
    """Why the answer is neither a message ID nor a translated error."""


def translated_messages() -> list[re.Pattern[str]]:
    """Return the English exception messages of the integration and of Home Assistant.

    A placeholder matches any text; Home Assistant drops a message's final period.
    """
    spec = importlib.util.find_spec("homeassistant")
    check(spec is not None and spec.origin is not None, "homeassistant not found")
    assert spec is not None  # noqa: S101 - narrowing after the check
    assert spec.origin is not None  # noqa: S101 - narrowing after the check
    files = (
        REPO_ROOT / "custom_components" / DOMAIN / "translations" / "en.json",
        Path(spec.origin).parent
        / "components"
        / "homeassistant"
        / "translations"
        / "en.json",
    )
    patterns = []
    for path in files:
        exceptions = json.loads(path.read_text(encoding="utf-8"))["exceptions"]
        for translation in exceptions.values():
            escaped = re.escape(translation["message"].rstrip("."))
            patterns.append(re.compile(re.sub(r"\\\{\w+\\\}", ".+", escaped)))
    return patterns


def classify(answer: Answer, translations: Sequence[re.Pattern[str]]) -> None:
    """Fill in the message ID, the error or the problem of an answer."""
    try:
        data = json.loads(answer.body)
    except ValueError:
        data = None
    if answer.status == 200 and isinstance(data, dict):
        response = data.get("service_response") or {}
        message_id = response.get("message_id")
        if isinstance(message_id, str) and message_id and not response.get("queued"):
            answer.message_id = message_id
            return
        answer.problem = f"HTTP 200 without a message ID: {response}"
        return
    message = data.get("message") if isinstance(data, dict) else None
    if not 400 <= answer.status < 600 or not isinstance(message, str):
        answer.problem = f"HTTP {answer.status}: {answer.body[:300]!r}"
    elif UNREADABLE.search(message) or not any(
        pattern.fullmatch(message) for pattern in translations
    ):
        answer.problem = f"HTTP {answer.status}, not a translated error: {message!r}"
    else:
        answer.error = message


def check_answers(answers: Sequence[Answer]) -> list[str]:
    """Return the callers that got neither a message ID nor a translated error."""
    translations = translated_messages()
    for answer in answers:
        classify(answer, translations)
    for phase in ("recipient", "options", "reload"):
        mine = [answer for answer in answers if answer.phase == phase]
        if not mine:
            continue
        errors = Counter(
            f"HTTP {answer.status} {answer.error}" for answer in mine if answer.error
        )
        report(
            f"{phase} sends: {len(mine)}; message IDs "
            f"{sum(1 for answer in mine if answer.message_id)}; translated "
            f"errors {errors.total()}"
            + "".join(f"\n  {count}x {error}" for error, count in errors.items())
        )
    return [
        f"{answer.text}: neither an ID nor a translated error: {answer.problem}"
        for answer in answers
        if answer.problem
    ]


class MoneyPath(Run):
    """The two rounds of sends in flight and the checks of what they did."""

    entry_id = ""
    used_today_entity = ""
    log_offset = 0
    """The size of Home Assistant's log when the account was added."""
    answers: list[Answer]
    problems: list[str]
    """What the checks found wrong, each round's checks going on after a problem."""

    async def execute(self, outcome: Outcome) -> None:
        """Add the account, run both rounds; after each check callers, simulator, sensors."""
        self.answers, self.problems = [], []
        await self.start_up(outcome)
        self.entry_id = await self.add_account()
        self.log_offset = self.hass.log_path.stat().st_size
        self.used_today_entity = await self.find_used_today_entity()
        await self.check_round("round 1", await self.recipient_round())
        await self.check_round("round 2", await self.options_round())

    async def check_round(self, name: str, answers: Sequence[Answer]) -> None:
        """Check the round's callers, then the simulator and the sensors."""
        self.answers.extend(answers)
        problems = (
            check_answers(answers)
            + await self.check_simulator()
            + await self.check_sensors()
        )
        for problem in problems:
            if not any(known.endswith(f": {problem}") for known in self.problems):
                self.problems.append(f"{name}: {problem}")
                report(f"PROBLEM: {name}: {problem}")

    async def find_used_today_entity(self) -> str:
        """Return the entity ID of the account's credits used today sensor."""
        found = [
            state["entity_id"]
            for state in await self.hass.api.request("GET", "api/states")
            if state["entity_id"].startswith("sensor.")
            and state["entity_id"].endswith(USED_TODAY_SUFFIX)
        ]
        check(len(found) == 1, f"credits used today sensors: {found}")
        return str(found[0])

    async def send(self, text: str, phase: str) -> Answer:
        """Send ``text`` with send_sms over the REST API; return what the caller got."""
        status, body = await self.hass.api.call(
            "POST",
            SEND_SMS_PATH,
            json_body={
                "config_entry_id": self.entry_id,
                "recipients": [NUMBER],
                "message": text,
            },
        )
        return Answer(text, phase, status, body)

    def start_sends(self, label: str, count: int) -> list[asyncio.Task[Answer]]:
        """Start ``count`` sends, each with a text of its own."""
        nonce = secrets.token_hex(3)
        return [
            asyncio.create_task(self.send(f"Money path {label} {nonce} #{i}", label))
            for i in range(1, count + 1)
        ]

    @asynccontextmanager
    async def sending(
        self, label: str, count: int
    ) -> AsyncIterator[list[asyncio.Task[Answer]]]:
        """Start ``count`` sends; yield them once they are in flight.

        A send is in flight when it waits at the simulator; one Home Assistant
        answered without sending does not wait. Sends not answered on leaving are
        cancelled.
        """
        state = await self.simulator.inspect()
        answered_before = Counter(state["requests"])[SEND_REQUEST]
        sends = self.start_sends(label, count)

        async def all_in_flight() -> bool | None:
            state = await self.simulator.inspect()
            in_flight = Counter(state["in_flight"])[SEND_REQUEST]
            received = Counter(state["requests"])[SEND_REQUEST] - answered_before
            check(
                received == in_flight,
                "the simulator answered a send before all were in flight: raise LATENCY",
            )
            done = sum(send.done() for send in sends)
            return True if in_flight + done == len(sends) else None

        try:
            await self.hass.wait_for(
                f"{count} sends in flight", all_in_flight, interval=IN_FLIGHT_INTERVAL
            )
            yield sends
        finally:
            for send in sends:
                send.cancel()

    async def sends_in_flight(self) -> int:
        """Return how many sends the simulator holds unanswered."""
        return Counter((await self.simulator.inspect())["in_flight"])[SEND_REQUEST]

    async def recipient_round(self) -> list[Answer]:
        """Add a recipient while 10 sends are in flight: no reload; return the answers."""
        name, number = RECIPIENT
        async with (
            self.hass.entry_states(self.entry_id) as states,
            self.sending("recipient", CONCURRENT_SENDS) as sends,
        ):
            in_flight_before = await self.sends_in_flight()
            started_at = time.monotonic()
            await self.hass.create_recipient(self.entry_id, name, number)
            flow_seconds = time.monotonic() - started_at
            in_flight = await self.sends_in_flight()
            answers = await asyncio.gather(*sends)
            entity_id = await self.hass.notify_entity(name)
        report(
            f"round 1: the recipient flow took {flow_seconds:.3f} s with "
            f"{in_flight_before} sends in flight, {in_flight} still in flight after "
            f"it; {entity_id} added; account states {states}"
        )
        if not in_flight:
            self.problems.append("round 1: no send was in flight when the flow ended")
        if any(state != "loaded" for state in states):
            self.problems.append(f"round 1: adding a recipient reloaded: {states}")
        return answers

    async def options_round(self) -> list[Answer]:
        """Change an option while 10 sends are in flight, send 5 more during the reload."""
        async with (
            self.hass.entry_states(self.entry_id) as states,
            self.sending("options", CONCURRENT_SENDS) as sends,
        ):
            in_flight_before = await self.sends_in_flight()
            started_at = time.monotonic()
            await self.hass.submit_options(self.entry_id, OPTIONS)
            flow_seconds = time.monotonic() - started_at
            in_flight = await self.sends_in_flight()
            late = self.start_sends("reload", LATE_SENDS)
            try:
                await self.hass.wait_for(
                    "the account to load again",
                    lambda: reloaded(states),
                    interval=0.1,
                )
                answers = await asyncio.gather(*sends, *late)
            finally:
                for send in late:
                    send.cancel()
        report(
            f"round 2: the options flow took {flow_seconds:.3f} s with "
            f"{in_flight_before} sends in flight, {in_flight} still in flight after "
            f"it, then {LATE_SENDS} more sends started; account states {states}"
        )
        if not in_flight:
            self.problems.append("round 2: no send was in flight when the flow ended")
        return answers

    async def check_simulator(self) -> list[str]:
        """Return the texts the simulator received more than once, or not under the caller's ID."""
        await self.hass.wait_for(
            "the simulator to answer every request", self.no_requests_in_flight
        )
        state = await self.simulator.inspect()
        messages = state["messages"]
        texts = Counter(message["message"] for message in messages)
        ids = {message["message"]: message["id"] for message in messages}
        report(
            f"simulator: {Counter(state['requests'])[SEND_REQUEST]} send requests, "
            f"{len(messages)} messages recorded, {texts.most_common(1)[0][1]} at the "
            f"most with one text, {state['billed']} credits billed, balance "
            f"{state['credits']}"
        )
        problems = [
            f"{text!r} received {count} times"
            for text, count in texts.items()
            if count > 1
        ]
        problems.extend(
            f"{answer.text!r}: the caller got {answer.message_id}, the "
            f"simulator recorded {ids.get(answer.text)}"
            for answer in self.answers
            if answer.message_id is not None
            and ids.get(answer.text) != answer.message_id
        )
        if unknown := set(texts) - {answer.text for answer in self.answers}:
            problems.append(f"texts nobody sent: {sorted(unknown)}")
        return problems

    async def no_requests_in_flight(self) -> bool | None:
        """Return True once the simulator holds no request."""
        return True if not (await self.simulator.inspect())["in_flight"] else None

    async def check_sensors(self) -> list[str]:
        """Return how credits used today differs from what was billed, credits from the balance."""
        state = await self.simulator.inspect()
        check(
            state["credits"] + state["billed"] == SIMULATOR_CREDITS,
            f"the simulator billed {state['billed']} and has {state['credits']} "
            f"of {SIMULATOR_CREDITS}",
        )
        problems = [
            await self.expect_state(
                self.used_today_entity,
                str(state["billed"]),
                "what the simulator billed",
            ),
            await self.expect_state(
                CREDITS_ENTITY, str(state["credits"]), "the simulator's balance"
            ),
        ]
        return [problem for problem in problems if problem]

    async def expect_state(self, entity_id: str, wanted: str, what: str) -> str | None:
        """Wait until ``entity_id`` shows ``wanted``; return what it shows if it does not."""
        shown: list[str] = []

        async def shows_wanted() -> bool | None:
            state = await self.hass.api.request("GET", f"api/states/{entity_id}")
            shown.append(state["state"])
            return True if state["state"] == wanted else None

        started_at = time.monotonic()
        try:
            await self.hass.wait_for(f"{entity_id} to be {wanted}", shows_wanted)
        except CheckError:
            return (
                f"{entity_id} still shows {shown[-1]} after "
                f"{time.monotonic() - started_at:.0f} s, {what} is {wanted}"
            )
        report(f"ok: {entity_id} is {wanted}, {what}")
        return None


def check_log(log_path: Path, offset: int, answers: Sequence[Answer]) -> list[str]:
    """Return a traceback after ``offset`` and the errors about the integration no caller got."""
    text = log_path.read_bytes()[offset:].decode(errors="replace")
    problems = []
    if "Traceback" in text:
        problems.append(
            f"Home Assistant logged a traceback while sending; see {log_path}"
        )
    told = {answer.error for answer in answers if answer.error}
    errors, warnings = integration_log_lines(log_path)
    for line in warnings:
        report(f"warning logged: {line}")
    problems.extend(
        f"logged: {line}"
        for line in errors
        if not any(line.endswith(f"{DOMAIN}.send_sms: {error}") for error in told)
    )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Run the money path check; return the exit code."""
    hass = hass_command(
        "python -m e2e.money_path",
        "Check sends in flight across a new recipient and an options reload.",
        argv,
    )

    async def checks(work_dir: Path, outcome: Outcome) -> str:
        async with started(
            work_dir,
            [hass],
            MoneyPath,
            simulator_options=["--latency", str(LATENCY)],
        ) as run:
            await run.execute(outcome)
        problems = run.problems + check_log(
            outcome.log_path, run.log_offset, run.answers
        )
        check(not problems, "\n".join(problems))
        return ""

    return run_reported(
        checks,
        prefix="smsservicecenter-money-path-",
        label=f" ({hass})",
        check_log=False,
    )


if __name__ == "__main__":
    sys.exit(main())
