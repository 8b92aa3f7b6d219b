"""Concurrent sends through a real (in-process) Home Assistant, against raw POSTs.

N ``smsservicecenter.send_sms`` actions are started at once against the local
simulator with a fixed latency per request, and timed next to N raw concurrent
POSTs to the same simulator: with sends going out concurrently the ratio stays
close to 1, with a lock across the request it grows with N.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import time
from unittest.mock import patch

import aiohttp
from aiohttp import web
from aiohttp.resolver import ThreadedResolver
from homeassistant import loader
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.smsservicecenter.const import DOMAIN
from simulator.app import DEFAULT_TOKEN, create_app

NUMBER = "+31612345678"


@dataclass(frozen=True, slots=True)
class SendBenchmark:
    """What the concurrency benchmark measured."""

    setup_seconds: float
    """How long setting the account up took (imports, first poll, platforms)."""
    results: list[ConcurrencyResult]


@dataclass(frozen=True, slots=True)
class ConcurrencyResult:
    """How long N concurrent sends took, through the integration and as raw POSTs."""

    count: int
    integration_seconds: float
    raw_seconds: float

    @property
    def ratio(self) -> float:
        """Return how many times slower the integration was than raw POSTs."""
        return self.integration_seconds / self.raw_seconds


async def _raw_posts(base_url: str, count: int) -> float:
    """Return the seconds N concurrent raw send POSTs take."""
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    body = {"numbers": NUMBER, "message": "Benchmark"}
    async with aiohttp.ClientSession() as session:

        async def post() -> None:
            async with session.post(
                f"{base_url}api/v2/send", json=body, headers=headers
            ) as response:
                await response.read()

        start = time.perf_counter()
        await asyncio.gather(*(post() for _ in range(count)))
        return time.perf_counter() - start


async def _integration_sends(hass: HomeAssistant, entry_id: str, count: int) -> float:
    """Return the seconds N concurrent send_sms actions take."""
    data = {"config_entry_id": entry_id, "recipients": [NUMBER], "message": "Benchmark"}
    start = time.perf_counter()
    await asyncio.gather(
        *(
            hass.services.async_call(
                DOMAIN, "send_sms", data, blocking=True, return_response=True
            )
            for _ in range(count)
        )
    )
    return time.perf_counter() - start


async def time_concurrent_sends(
    counts: tuple[int, ...], latency: float
) -> SendBenchmark:
    """Time the concurrent sends for each count against a simulator with ``latency``."""
    runner = web.AppRunner(create_app(credits=1_000_000, latency=latency))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base_url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
    resolver = ThreadedResolver()
    # As Home Assistant's own test harness does: its resolver needs zeroconf.
    resolver.real_close = resolver.close  # type: ignore[attr-defined]
    try:
        with patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            return_value=resolver,
        ):
            return await _run(base_url, counts)
    finally:
        await runner.cleanup()


async def _run(base_url: str, counts: tuple[int, ...]) -> SendBenchmark:
    """Set the integration up in a Home Assistant of its own and time the sends."""
    results: list[ConcurrencyResult] = []
    async with async_test_home_assistant() as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="SMS Service Center",
            data={CONF_API_TOKEN: DEFAULT_TOKEN, CONF_URL: base_url},
        )
        entry.add_to_hass(hass)
        start = time.perf_counter()
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        setup_seconds = time.perf_counter() - start
        # The first send of a country loads its number metadata: not timed.
        await _integration_sends(hass, entry.entry_id, 1)
        for count in counts:
            integration_seconds = await _integration_sends(hass, entry.entry_id, count)
            results.append(
                ConcurrencyResult(
                    count=count,
                    integration_seconds=integration_seconds,
                    raw_seconds=await _raw_posts(base_url, count),
                )
            )
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_stop(force=True)
    return SendBenchmark(setup_seconds=setup_seconds, results=results)
