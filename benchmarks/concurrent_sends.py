"""Concurrent sends through a real (in-process) Home Assistant, against raw POSTs.

N sends are started at once, through ``smsservicecenter.send_sms`` and through
``notify.send_message`` to a recipient's entity, and timed next to N raw concurrent
POSTs to the same simulator: the wall time (with sends going out concurrently the
ratio stays close to 1, with a lock across the request it grows with N), the CPU
time per send, and the states each send writes (changed or only reported again).
The simulator runs in a process of its own, so the CPU time is the sender's only.
Each burst is followed by the balance read that the sends cause, once they settled:
its state writes count, its CPU time (one request for the burst) does not.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp.resolver import ThreadedResolver
from homeassistant import loader
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import (
    CONF_API_TOKEN,
    CONF_NAME,
    CONF_URL,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.smsservicecenter.const import (
    CONF_PHONE_NUMBER,
    CREDITS_REFRESH_COOLDOWN,
    DOMAIN,
    SUBENTRY_TYPE_RECIPIENT,
)
from e2e.harness import free_port, simulator_process
from simulator.app import DEFAULT_TOKEN

NUMBER = "+31612345678"
RECIPIENT_ENTITY = "notify.alice"


@dataclass(frozen=True, slots=True)
class Burst:
    """What one burst of N concurrent sends cost."""

    wall_seconds: float
    cpu_seconds: float
    """Process CPU time, all threads, while the sends were out."""
    state_writes: Counter[str]
    """The states written per entity ID, also by the balance read after the burst."""


@dataclass(frozen=True, slots=True)
class PathResult:
    """The bursts of one way to send, each next to the burst of raw POSTs just before it."""

    path: str
    count: int
    bursts: list[tuple[Burst, Burst]]
    """Each round's burst of sends and of raw POSTs."""

    @property
    def wall_seconds(self) -> float:
        """Return the median wall time of the bursts of sends."""
        return statistics.median(burst.wall_seconds for burst, _ in self.bursts)

    @property
    def raw_wall_seconds(self) -> float:
        """Return the median wall time of the bursts of raw POSTs."""
        return statistics.median(raw.wall_seconds for _, raw in self.bursts)

    @property
    def cpu_per_send(self) -> float:
        """Return the median CPU seconds per send."""
        return statistics.median(b.cpu_seconds for b, _ in self.bursts) / self.count

    @property
    def raw_cpu_per_send(self) -> float:
        """Return the median CPU seconds per raw POST."""
        return statistics.median(raw.cpu_seconds for _, raw in self.bursts) / self.count

    @property
    def wall_ratio(self) -> float:
        """Return the median of each round's wall time against its raw POSTs'."""
        return statistics.median(
            b.wall_seconds / r.wall_seconds for b, r in self.bursts
        )

    @property
    def cpu_ratio(self) -> float:
        """Return the median of each round's CPU time against its raw POSTs'.

        Paired by round, as the machine's load changes between rounds.
        """
        return statistics.median(b.cpu_seconds / r.cpu_seconds for b, r in self.bursts)

    @property
    def state_writes(self) -> Counter[str]:
        """Return the states written in the round of median CPU time."""
        ordered = sorted(self.bursts, key=lambda pair: pair[0].cpu_seconds)
        return ordered[len(ordered) // 2][0].state_writes

    @property
    def state_writes_per_send(self) -> float:
        """Return the states written per send (in the round of median CPU time)."""
        return self.state_writes.total() / self.count


@dataclass(frozen=True, slots=True)
class SendBenchmark:
    """What the send benchmark measured."""

    setup_seconds: float
    """How long setting the account up took (imports, first poll, platforms)."""
    results: list[PathResult]


async def _timed(
    send: Callable[[], Awaitable[object]], count: int, settle: float
) -> tuple[float, float]:
    """Return the wall and CPU time of N concurrent sends, then wait ``settle``."""
    cpu_start = time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(send() for _ in range(count)))
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    await asyncio.sleep(settle)
    return wall, cpu


@callback
def _every_event(_event_data: Any) -> bool:
    """Return True: every event counts."""
    return True


class _StateWrites:
    """Counts the states Home Assistant writes, per entity ID."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Listen to changed and reported states."""
        self.counts: Counter[str] = Counter()
        hass.bus.async_listen(EVENT_STATE_CHANGED, self._async_count)
        # Home Assistant asks for a filter on this event: take every one.
        hass.bus.async_listen(
            EVENT_STATE_REPORTED, self._async_count, event_filter=_every_event
        )

    @callback
    def _async_count(self, event: Event[Any]) -> None:
        """Count one written state."""
        self.counts[event.data["entity_id"]] += 1

    def take(self) -> Counter[str]:
        """Return the counts since the last call and start again."""
        counts, self.counts = self.counts, Counter()
        return counts


@asynccontextmanager
async def _simulator(latency: float) -> AsyncIterator[str]:
    """Run the simulator in a process of its own; yield its base URL."""
    with tempfile.TemporaryDirectory(prefix="smsservicecenter-bench-") as work_dir:
        async with (
            aiohttp.ClientSession() as session,
            simulator_process(
                session,
                Path(work_dir),
                "--latency",
                str(latency),
                "--credits",
                "100000000",
                "--log-level",
                "WARNING",
            ) as simulator,
        ):
            yield simulator.url


async def measure_sends(
    counts: tuple[int, ...], latency: float, rounds: int
) -> SendBenchmark:
    """Measure bursts of each count against a simulator with ``latency``."""
    resolver = ThreadedResolver()
    # As Home Assistant's own test harness does: its resolver needs zeroconf.
    resolver.real_close = resolver.close  # type: ignore[attr-defined]
    async with _simulator(latency) as base_url:
        with (
            patch(
                "homeassistant.helpers.aiohttp_client._async_make_resolver",
                return_value=resolver,
            ),
            tempfile.TemporaryDirectory(prefix="smsservicecenter-bench-") as config,
        ):
            return await _run(base_url, config, counts, latency, rounds)


async def _run(
    base_url: str,
    config_dir: str,
    counts: tuple[int, ...],
    latency: float,
    rounds: int,
) -> SendBenchmark:
    """Set the integration up in a Home Assistant of its own and measure the bursts."""
    # The balance is read again once the sends have settled: wait for it.
    settle = CREDITS_REFRESH_COOLDOWN.total_seconds() + 3 * latency + 0.2
    results: list[PathResult] = []
    async with (
        async_test_home_assistant(config_dir=config_dir) as hass,
        aiohttp.ClientSession() as session,
    ):
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        # notify needs http (through repairs): on a free port, never 8123.
        http = {"server_host": "127.0.0.1", "server_port": free_port()}
        if not await async_setup_component(hass, "http", {"http": http}):
            sys.exit("Home Assistant's HTTP server could not be set up")
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="SMS Service Center",
            data={CONF_API_TOKEN: DEFAULT_TOKEN, CONF_URL: base_url},
            subentries_data=[
                ConfigSubentryData(
                    data={CONF_NAME: "Alice", CONF_PHONE_NUMBER: NUMBER},
                    subentry_type=SUBENTRY_TYPE_RECIPIENT,
                    title="Alice",
                    unique_id=NUMBER,
                )
            ],
        )
        entry.add_to_hass(hass)
        start = time.perf_counter()
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        setup_seconds = time.perf_counter() - start
        if hass.states.get(RECIPIENT_ENTITY) is None:
            sys.exit(f"{RECIPIENT_ENTITY} was not set up")

        headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}

        async def raw_post() -> None:
            async with session.post(
                f"{base_url}api/v2/send",
                json={"numbers": NUMBER, "message": "Benchmark"},
                headers=headers,
            ) as response:
                await response.json()

        paths: dict[str, Callable[[], Awaitable[object]]] = {
            "send_sms": lambda: hass.services.async_call(
                DOMAIN,
                "send_sms",
                {
                    "config_entry_id": entry.entry_id,
                    "recipients": [NUMBER],
                    "message": "Benchmark",
                },
                blocking=True,
                return_response=True,
            ),
            "notify.send_message": lambda: hass.services.async_call(
                "notify",
                "send_message",
                {"entity_id": RECIPIENT_ENTITY, "message": "Benchmark"},
                blocking=True,
            ),
        }
        writes = _StateWrites(hass)
        # The first send of a country loads its number metadata: not measured.
        for send in (raw_post, *paths.values()):
            await _timed(send, 1, settle)
        for count in counts:
            bursts: dict[str, list[tuple[Burst, Burst]]] = {path: [] for path in paths}
            for _ in range(rounds):
                for path, send in paths.items():
                    wall, cpu = await _timed(raw_post, count, 0)
                    raw = Burst(wall, cpu, Counter())
                    writes.take()
                    wall, cpu = await _timed(send, count, settle)
                    bursts[path].append((Burst(wall, cpu, writes.take()), raw))
            results.extend(
                PathResult(path, count, path_bursts)
                for path, path_bursts in bursts.items()
            )
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_stop(force=True)
    return SendBenchmark(setup_seconds=setup_seconds, results=results)
