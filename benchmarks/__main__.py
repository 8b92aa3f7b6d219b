"""Time the integration's hot paths: message analysis, number normalisation, API round trips.

The last benchmark sends N messages at once through an in-process Home Assistant and
compares that with N raw concurrent POSTs to the simulator (see ``concurrent_sends``).

Run with ``scripts/bench``. Every loop is bounded; the API round trips go to the local
simulator on 127.0.0.1 only, on a port the operating system picks.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from functools import partial
import statistics
import sys
import time

import aiohttp
from aiohttp import web

from custom_components.smsservicecenter.api import SmsServiceCenterClient
from custom_components.smsservicecenter.message import (
    analyze_message,
    normalize_phone_numbers,
)
from simulator.app import DEFAULT_TOKEN, create_app

from .concurrent_sends import time_concurrent_sends

MESSAGES = {
    "gsm7 160": "a" * 160,
    "gsm7 1000 with €": ("Let op: " + "x" * 80 + "€ ") * 11,
    "ucs2 emoji 300": "Alarm 🚨 " * 37,
}
# 100 distinct numbers in the formats people type, and one duplicate of each.
NUMBERS = [f"06 1234 {i:04d}" for i in range(50)] + [
    f"+3161235{i:04d}" for i in range(50)
]
NUMBERS_WITH_DUPLICATES = NUMBERS + [f"+3161234{i:04d}" for i in range(50)]


def _time_calls(function: Callable[[], object], repeat: int) -> list[float]:
    """Return the duration of each of ``repeat`` calls, in microseconds."""
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        durations.append((time.perf_counter() - start) * 1_000_000)
    return durations


def _report(name: str, durations_us: list[float]) -> None:
    """Write the median and 95th percentile of a series of durations."""
    ordered = sorted(durations_us)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    sys.stdout.write(
        f"{name:<38} median {statistics.median(ordered):>10.1f} µs"
        f"   p95 {p95:>10.1f} µs   n={len(ordered)}\n"
    )


async def _time_round_trips(repeat: int) -> dict[str, list[float]]:
    """Time client calls against the simulator on loopback."""
    runner = web.AppRunner(create_app(credits=10 * repeat * len(NUMBERS)))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    results: dict[str, list[float]] = {"get_credits": [], "send to 100 numbers": []}
    numbers = normalize_phone_numbers(NUMBERS)
    try:
        async with aiohttp.ClientSession() as session:
            client = SmsServiceCenterClient(
                DEFAULT_TOKEN, session, base_url=f"http://127.0.0.1:{port}/"
            )
            for _ in range(repeat):
                start = time.perf_counter()
                await client.get_credits()
                results["get_credits"].append((time.perf_counter() - start) * 1e6)
                start = time.perf_counter()
                await client.send(numbers, "Benchmark message")
                results["send to 100 numbers"].append(
                    (time.perf_counter() - start) * 1e6
                )
    finally:
        await runner.cleanup()
    return results


def main() -> None:
    """Run the benchmarks and write the results."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--repeat", type=int, default=200, help="calls per benchmark")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.1,
        help="seconds the simulator waits before each answer in the concurrency benchmark",
    )
    args = parser.parse_args()
    repeat = max(1, min(args.repeat, 10_000))
    latency = max(0.0, min(args.latency, 2.0))

    for name, text in MESSAGES.items():
        _report(
            f"analyze_message({name})",
            _time_calls(partial(analyze_message, text), repeat),
        )
    _report(
        "normalize_phone_numbers(150 -> 100)",
        _time_calls(partial(normalize_phone_numbers, NUMBERS_WITH_DUPLICATES), repeat),
    )
    for name, durations in asyncio.run(_time_round_trips(repeat)).items():
        _report(f"simulator {name}", durations)
    benchmark = asyncio.run(time_concurrent_sends((20, 100), latency))
    sys.stdout.write(
        f"setup of one account at {latency:g} s latency: "
        f"{benchmark.setup_seconds:.3f} s\n"
    )
    for result in benchmark.results:
        sys.stdout.write(
            f"{result.count:>3} concurrent sends at {latency:g} s latency: "
            f"send_sms {result.integration_seconds:.3f} s, "
            f"raw POSTs {result.raw_seconds:.3f} s, ratio {result.ratio:.2f}\n"
        )


if __name__ == "__main__":
    main()
