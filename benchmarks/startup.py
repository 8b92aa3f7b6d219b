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
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
import shutil
import statistics
import tempfile

import aiohttp
from aiohttp import web

from custom_components.smsservicecenter.const import CREDITS_REFRESH_COOLDOWN
from e2e.harness import (
    DOMAIN,
    STEP_TIMEOUT,
    CheckError,
    HomeAssistant,
    check,
    configuration_yaml,
    free_port,
    integration_log_lines,
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
        self, hass: HomeAssistant, *, simulator: SimulatorState, simulator_url: str
    ) -> None:
        """Drive ``hass``, which talks to the simulator at ``simulator_url``."""
        self.hass = hass
        self.simulator = simulator
        self.simulator_url = simulator_url
        self.result = StartupBenchmark()

    async def stop(self) -> None:
        """Stop Home Assistant and collect what it logged about the integration."""
        if self.hass.server is None:
            return
        await self.hass.stop()
        errors, warnings = integration_log_lines(self.hass.log_path)
        self.result.log_problems.extend(errors + warnings)

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
        entry = await self.hass.add_account(self.simulator_url, DEFAULT_TOKEN)
        return str(entry["entry_id"])

    async def send_sms(self, entry_id: str) -> str:
        """Send one message with smsservicecenter.send_sms; return its message ID."""
        response = await self.hass.send_sms(entry_id, [SEND_NUMBER], "Benchmark")
        message_id = response.get("message_id")
        check(bool(message_id), f"send_sms returned no message ID: {response}")
        return str(message_id)

    async def add_recipient_while_sending(self, entry_id: str) -> list[str]:
        """Add a recipient while a send is in flight; return the requests it made.

        The simulator holds its answers meanwhile. The states the account went
        through and the in-flight send's message ID go to the result.
        """

        async def send_in_flight() -> bool | None:
            return "POST /api/v2/send" in self.simulator.requests[mark:] or None

        latency = self.simulator.delay
        self.simulator.delay = SEND_IN_FLIGHT_SECONDS
        mark = len(self.simulator.requests)
        try:
            async with self.hass.entry_states(entry_id) as states:
                sending = asyncio.create_task(self.send_sms(entry_id))
                await self.hass.wait_for(
                    "the send to reach the simulator", send_in_flight
                )
                _, requests = await self.requests_during(
                    self.hass.add_recipient(entry_id, RECIPIENT_NAME, RECIPIENT_NUMBER),
                    0.5,
                )
                self.simulator.delay = latency
                try:
                    self.result.in_flight_send = f"message ID {await sending}"
                except CheckError as err:
                    self.result.in_flight_send = f"failed: {err}"
        finally:
            self.simulator.delay = latency
        self.result.recipient_entry_states = list(states)
        return requests

    async def restart(self, label: str) -> None:
        """Restart Home Assistant and record the account's setup as it reports it."""
        await self.stop()
        mark = len(self.simulator.requests)
        await self.hass.start()
        await self.hass.wait_until_running()
        timings = await self.hass.websocket_command({"type": "integration/setup_info"})
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
        await self.hass.start()
        await self.hass.onboard("Benchmark", "bench")
        self.result.version = await self.hass.wait_until_running()
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
        await self.hass.websocket_command(
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
    write_config(config_dir, configuration_yaml(hass_port))
    try:
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=STEP_TIMEOUT)
        ) as session:
            bench = _Bench(
                HomeAssistant(
                    session, hass_port, [python, "-m", "homeassistant"], work_dir
                ),
                simulator=app[SIMULATOR_STATE],
                simulator_url=simulator_url,
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
