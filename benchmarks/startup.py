"""Setup at Home Assistant start, and the provider requests of each user action, in a real Home Assistant.

Home Assistant runs in a process of its own, on a free port of 127.0.0.1, with this
integration, against the simulator running in this process (each request waits
``latency`` before it is answered), so every request the integration makes is seen.
The account is added through the config flow, a recipient through its subentry flow
while a send is in flight, and one message is sent. Then Home Assistant is restarted,
first with the default entities and then with a history sensor enabled, and its own
``integration/setup_info`` tells how long the account's setup took at each start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
import secrets
import shutil
import statistics
import tempfile
from typing import Any

import aiohttp
from aiohttp import web

from custom_components.smsservicecenter.const import CREDITS_REFRESH_COOLDOWN
from e2e.driver import (
    DOMAIN,
    STARTUP_TIMEOUT,
    STEP_TIMEOUT,
    CheckError,
    Client,
    Server,
    check,
    free_port,
    integration_log_lines,
    start_server,
    wait_for,
    write_config,
)
from simulator.app import DEFAULT_TOKEN, SIMULATOR_STATE, SimulatorState, create_app

HISTORY_ENTITY = "sensor.sms_service_center_messages_last_30_days"
SEND_NUMBER = "+31611111111"
RECIPIENT_NAME = "Alice"
RECIPIENT_NUMBER = "0612345678"
SEND_IN_FLIGHT_SECONDS = 5.0
"""How long the simulator holds the send that is in flight while a recipient is added."""


@dataclass(frozen=True, slots=True)
class Setup:
    """The account's setup at one start of Home Assistant, as Home Assistant reports it."""

    seconds: float
    rank: int
    """Its place among all integrations, slowest first."""
    integrations: int
    others_median: float
    """The median setup time of the other integrations, in seconds."""
    requests: list[str]
    """The provider requests made while Home Assistant started."""


@dataclass(slots=True)
class StartupBenchmark:
    """What the startup benchmark measured."""

    version: str = "(unknown)"
    actions: dict[str, list[str]] = field(default_factory=dict)
    """The provider requests of each user action."""
    recipient_entry_states: list[str] = field(default_factory=list)
    """The states the account went through while a recipient was added."""
    in_flight_send: str = "(not sent)"
    """What the send in flight while the recipient was added returned: its message ID or its error."""
    setups: dict[str, list[Setup]] = field(default_factory=dict)
    """The setups at each restart, by what was enabled."""
    log_problems: list[str] = field(default_factory=list)
    """Errors, detected blocking calls and warnings Home Assistant logged about the integration."""


class _Bench:
    """One Home Assistant and the simulator it talks to, driven over HTTP."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        simulator: SimulatorState,
        simulator_url: str,
        hass_args: list[str],
        work_dir: Path,
        hass_port: int,
    ) -> None:
        """Drive Home Assistant started with ``hass_args`` on ``hass_port``."""
        self.simulator = simulator
        self.simulator_url = simulator_url
        self.hass_args = hass_args
        self.work_dir = work_dir
        self.hass_url = f"http://127.0.0.1:{hass_port}/"
        self.hass = Client(session, self.hass_url)
        self.server: Server | None = None
        self.starts = 0
        self.result = StartupBenchmark()

    @property
    def log_path(self) -> Path:
        """Return Home Assistant's log file."""
        return self.work_dir / "config" / "home-assistant.log"

    def _running_server(self) -> Server:
        """Return the running Home Assistant process."""
        check(self.server is not None, "Home Assistant is not running")
        assert self.server is not None  # noqa: S101 - narrowing after the check
        return self.server

    async def start(self) -> None:
        """Start Home Assistant and wait until its HTTP API answers."""
        self.starts += 1
        self.server = await start_server(
            "Home Assistant",
            self.hass_args,
            self.work_dir / f"hass-{self.starts}.out",
        )
        await wait_for(
            "Home Assistant's HTTP server",
            lambda: self.hass.probe("api/onboarding"),
            self.server,
            seconds=STARTUP_TIMEOUT,
        )

    async def stop(self) -> None:
        """Stop Home Assistant and collect what it logged about the integration."""
        if self.server is None:
            return
        await self.server.stop()
        self.server = None
        errors, warnings = integration_log_lines(self.log_path)
        self.result.log_problems.extend(errors + warnings)

    async def onboard(self) -> None:
        """Create the owner through onboarding and get an access token."""
        answer = await self.hass.request(
            "POST",
            "api/onboarding/users",
            json_body={
                "client_id": self.hass_url,
                "name": "Benchmark",
                "username": "bench",
                "password": secrets.token_urlsafe(16),
                "language": "en",
            },
        )
        tokens = await self.hass.request(
            "POST",
            "auth/token",
            form={
                "grant_type": "authorization_code",
                "code": answer["auth_code"],
                "client_id": self.hass_url,
            },
        )
        self.hass.token = tokens["access_token"]

    async def wait_until_running(self) -> str:
        """Wait until Home Assistant has started; return its version."""

        async def running_version() -> str | None:
            config = await self.hass.probe("api/config")
            if config is not None and config.get("state") == "RUNNING":
                return str(config["version"])
            return None

        return await wait_for(
            "Home Assistant to start",
            running_version,
            self._running_server(),
            seconds=STARTUP_TIMEOUT,
        )

    async def websocket(
        self, message: dict[str, Any], until: Callable[[Any], bool] | None = None
    ) -> list[Any]:
        """Send one command over the websocket API; return its result and its events.

        Without ``until`` only the result is read; with it, events are read until
        ``until`` returns True for one.
        """
        async with self.hass.session.ws_connect(self.hass_url + "api/websocket") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": self.hass.token})
            answer = await ws.receive_json()
            check(answer["type"] == "auth_ok", f"websocket authentication: {answer}")
            await ws.send_json({"id": 1, **message})
            result = await ws.receive_json()
            check(result.get("success") is True, f"{message['type']} failed: {result}")
            messages = [result["result"]]
            while until is not None:
                event = (await ws.receive_json())["event"]
                messages.append(event)
                if until(event):
                    break
        return messages

    async def requests_during[T](
        self, action: Awaitable[T], quiet: float
    ) -> tuple[T, list[str]]:
        """Return what ``action`` returns and the provider requests until ``quiet`` after it."""
        mark = len(self.simulator.requests)
        result = await action
        await asyncio.sleep(quiet)
        return result, self.simulator.requests[mark:]

    async def add_account(self) -> str:
        """Add the simulated account through the config flow; return its entry ID."""
        form = await self.hass.request(
            "POST",
            "api/config/config_entries/flow",
            json_body={"handler": DOMAIN, "show_advanced_options": False},
        )
        result = await self.hass.request(
            "POST",
            f"api/config/config_entries/flow/{form['flow_id']}",
            json_body={
                "api_token": DEFAULT_TOKEN,
                "advanced": {"url": self.simulator_url},
            },
        )
        check(
            result.get("type") == "create_entry"
            and result["result"]["state"] == "loaded",
            f"the config flow did not create a loaded entry: {result}",
        )
        return str(result["result"]["entry_id"])

    async def send_sms(self, entry_id: str) -> str:
        """Send one message with smsservicecenter.send_sms; return its message ID."""
        answer = await self.hass.request(
            "POST",
            f"api/services/{DOMAIN}/send_sms?return_response",
            json_body={
                "config_entry_id": entry_id,
                "recipients": [SEND_NUMBER],
                "message": "Benchmark",
            },
        )
        message_id = answer["service_response"].get("message_id")
        check(bool(message_id), f"send_sms returned no message ID: {answer}")
        return str(message_id)

    async def add_recipient(self, entry_id: str) -> None:
        """Add a recipient subentry and wait for its notify entity."""
        form = await self.hass.request(
            "POST",
            "api/config/config_entries/subentries/flow",
            json_body={"handler": [entry_id, "recipient"]},
        )
        result = await self.hass.request(
            "POST",
            f"api/config/config_entries/subentries/flow/{form['flow_id']}",
            json_body={"name": RECIPIENT_NAME, "phone_number": RECIPIENT_NUMBER},
        )
        check(
            result.get("type") == "create_entry",
            f"the recipient flow did not create a subentry: {result}",
        )

        async def notify_entity() -> str | None:
            for state in await self.hass.probe("api/states") or ():
                if (
                    state["entity_id"].startswith("notify.")
                    and state["attributes"].get("friendly_name") == RECIPIENT_NAME
                ):
                    return str(state["entity_id"])
            return None

        await wait_for(
            "the recipient's notify entity", notify_entity, self._running_server()
        )

    async def add_recipient_while_sending(self, entry_id: str) -> list[str]:
        """Add a recipient while a send is in flight; return the requests it made.

        The simulator holds its answers meanwhile. The states the account went
        through and the in-flight send's message ID go to the result.
        """
        states: list[str] = []

        async def watch_entry() -> None:
            def follow(event: Any) -> bool:
                states.extend(
                    change["entry"]["state"]
                    for change in event
                    if change["entry"]["entry_id"] == entry_id
                    and change["type"] is not None
                )
                return False

            await self.websocket({"type": "config_entries/subscribe"}, follow)

        async def send_in_flight() -> bool | None:
            return "POST /api/v2/send" in self.simulator.requests[mark:] or None

        latency = self.simulator.delay
        self.simulator.delay = SEND_IN_FLIGHT_SECONDS
        mark = len(self.simulator.requests)
        watcher = asyncio.create_task(watch_entry())
        sending = asyncio.create_task(self.send_sms(entry_id))
        try:
            await wait_for(
                "the send to reach the simulator",
                send_in_flight,
                self._running_server(),
            )
            _, requests = await self.requests_during(self.add_recipient(entry_id), 0.5)
            self.simulator.delay = latency
            try:
                self.result.in_flight_send = f"message ID {await sending}"
            except CheckError as err:
                self.result.in_flight_send = f"failed: {err}"
        finally:
            self.simulator.delay = latency
            watcher.cancel()
        self.result.recipient_entry_states = states
        return requests

    async def restart(self, label: str) -> None:
        """Restart Home Assistant and record the account's setup as it reports it."""
        await self.stop()
        mark = len(self.simulator.requests)
        await self.start()
        await self.wait_until_running()
        [timings] = await self.websocket({"type": "integration/setup_info"})
        seconds = {timing["domain"]: timing["seconds"] for timing in timings}
        check(DOMAIN in seconds, f"integration/setup_info has no {DOMAIN}")
        slowest = sorted(seconds, key=seconds.__getitem__, reverse=True)
        self.result.setups.setdefault(label, []).append(
            Setup(
                seconds=seconds[DOMAIN],
                rank=slowest.index(DOMAIN) + 1,
                integrations=len(seconds),
                others_median=statistics.median(
                    value for domain, value in seconds.items() if domain != DOMAIN
                ),
                requests=self.simulator.requests[mark:],
            )
        )

    async def run(self, restarts: int) -> StartupBenchmark:
        """Take every measurement, in order."""
        await self.start()
        await self.onboard()
        self.result.version = await self.wait_until_running()
        latency = self.simulator.delay
        entry_id, requests = await self.requests_during(
            self.add_account(), 3 * latency + 0.5
        )
        self.result.actions["add the account (config flow and setup)"] = requests
        self.result.actions[
            "add a recipient while a send is in flight"
        ] = await self.add_recipient_while_sending(entry_id)
        # The balance is read again once the sends have settled: wait for it.
        _, requests = await self.requests_during(
            self.send_sms(entry_id),
            CREDITS_REFRESH_COOLDOWN.total_seconds() + 3 * latency + 0.5,
        )
        self.result.actions["send one message"] = requests
        for _ in range(restarts):
            await self.restart("default entities")
        await self.websocket(
            {
                "type": "config/entity_registry/update",
                "entity_id": HISTORY_ENTITY,
                "disabled_by": None,
            }
        )
        for _ in range(restarts):
            await self.restart("a history sensor enabled")
        await self.stop()
        return self.result


async def measure_startup(
    python: str, latency: float, restarts: int
) -> StartupBenchmark:
    """Run Home Assistant with ``python`` against a simulator with ``latency``."""
    app = create_app(credits=1000, latency=latency)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    simulator_url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
    work_dir = Path(tempfile.mkdtemp(prefix="smsservicecenter-bench-"))
    config_dir = work_dir / "config"
    config_dir.mkdir()
    hass_port = free_port()
    write_config(config_dir, hass_port)
    hass_args = [
        python,
        "-m",
        "homeassistant",
        "--config",
        str(config_dir),
        "--skip-pip",
    ]
    try:
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=STEP_TIMEOUT)
        ) as session:
            bench = _Bench(
                session,
                simulator=app[SIMULATOR_STATE],
                simulator_url=simulator_url,
                hass_args=hass_args,
                work_dir=work_dir,
                hass_port=hass_port,
            )
            try:
                result = await bench.run(restarts)
            finally:
                await bench.stop()
    except CheckError as err:
        raise CheckError(f"{err}; logs kept in {work_dir}") from err
    finally:
        await runner.cleanup()
    shutil.rmtree(work_dir)
    return result
