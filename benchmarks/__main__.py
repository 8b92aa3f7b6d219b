"""Time the integration: hot paths, sends against raw POSTs, import, and setup in a real Home Assistant.

``scripts/bench`` runs every part; ``--only`` picks some:

- ``micro``: message analysis, number normalisation and API round trips to the
  simulator, on 127.0.0.1 only, on a port the operating system picks;
- ``sends``: N concurrent sends through an in-process Home Assistant next to N raw
  concurrent POSTs: wall time, CPU time per send, states written per send (see
  ``concurrent_sends``);
- ``import``: the warm import time of the package and its platforms (see ``imports``);
- ``startup``: Home Assistant in a process of its own on a free port: the provider
  requests of each user action, and the account's setup at each start as Home
  Assistant reports it (see ``startup``). Needs the frontend Home Assistant pins:
  ``scripts/bench`` runs with ``.venv-bench``, which has it.

Every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Callable
from functools import partial
import importlib.util
import statistics
import sys
import time

import aiohttp
from aiohttp import web

from custom_components.smsservicecenter.api import SmsServiceCenterClient
from custom_components.smsservicecenter.message import analyze_message, normalize_each
from simulator.app import DEFAULT_TOKEN, create_app

from .concurrent_sends import SendBenchmark, measure_sends
from .imports import measure_import
from .startup import StartupBenchmark, measure_startup

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
    numbers = normalize_each(NUMBERS)
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


PARTS = ("micro", "sends", "import", "startup")


def _write(line: str) -> None:
    """Write one line of the report."""
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def _run_micro(repeat: int) -> None:
    """Time message analysis, number normalisation and API round trips."""
    for name, text in MESSAGES.items():
        _report(
            f"analyze_message({name})",
            _time_calls(partial(analyze_message, text), repeat),
        )
    _report(
        "normalize_each(150 numbers)",
        _time_calls(partial(normalize_each, NUMBERS_WITH_DUPLICATES), repeat),
    )
    for name, durations in asyncio.run(_time_round_trips(repeat)).items():
        _report(f"simulator {name}", durations)


def _writes(counts: Counter[str], sends: int) -> str:
    """Describe the states written per send, by entity."""
    return ", ".join(
        f"{entity_id} {count / sends:.2f}" for entity_id, count in counts.most_common()
    )


def _report_sends(benchmark: SendBenchmark, latency: float) -> None:
    """Write what the send benchmark measured."""
    _write(
        f"setup of one account at {latency:g} s latency (in-process): "
        f"{benchmark.setup_seconds:.3f} s"
    )
    for result in benchmark.results:
        _write(
            f"{result.count:>3} concurrent {result.path} at {latency:g} s latency: "
            f"wall {result.wall_seconds:.3f} s vs raw POSTs "
            f"{result.raw_wall_seconds:.3f} s (ratio {result.wall_ratio:.2f}); "
            f"CPU per send {result.cpu_per_send * 1000:.3f} ms vs "
            f"{result.raw_cpu_per_send * 1000:.3f} ms "
            f"(ratio {result.cpu_ratio:.2f}); "
            f"state writes per send {result.state_writes_per_send:.2f} "
            f"({_writes(result.state_writes, result.count)})"
        )


def _report_startup(benchmark: StartupBenchmark, latency: float) -> None:
    """Write what the startup benchmark measured."""
    _write(f"Home Assistant {benchmark.version}, simulator latency {latency:g} s")
    for action, requests in benchmark.actions.items():
        _write(f"requests to {action}: {len(requests)} {requests}")
    _write(
        "account states while the recipient was added: "
        f"{benchmark.recipient_entry_states or 'none (no reload)'}; the send in "
        f"flight: {benchmark.in_flight_send}"
    )
    for label, setups in benchmark.setups.items():
        for setup in setups:
            _write(
                f"setup at start, {label}: {setup.seconds * 1000:.0f} ms "
                f"({setup.seconds / latency:.2f} round trips), {setup.rank} of "
                f"{setup.integrations} integrations (median of the others "
                f"{setup.others_median * 1000:.2f} ms); "
                f"{len(setup.requests)} requests {setup.requests}"
            )
    _write(
        f"logged about the integration: {len(benchmark.log_problems)} problems"
        + "".join(f"\n  {line}" for line in benchmark.log_problems)
    )


def main() -> None:
    """Run the benchmarks and write the results."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument(
        "--only", choices=PARTS, action="append", help="run only this part (repeatable)"
    )
    parser.add_argument(
        "--repeat", type=int, default=200, help="calls per micro benchmark"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="bursts, imports and restarts measured each",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.1,
        help="seconds the simulator waits before each answer (sends and startup)",
    )
    args = parser.parse_args()
    parts = args.only or PARTS
    repeat = max(1, min(args.repeat, 10_000))
    rounds = max(1, min(args.rounds, 20))
    latency = max(0.0, min(args.latency, 2.0))

    if "micro" in parts:
        _run_micro(repeat)
    if "sends" in parts:
        _report_sends(asyncio.run(measure_sends((20, 100), latency, rounds)), latency)
    if "import" in parts:
        seconds, phonenumbers = measure_import(rounds)
        _write(
            f"import of the package and its platforms (warm, CPU): {seconds * 1000:.1f} ms, "
            f"phonenumbers {'imported' if phonenumbers else 'not imported'}"
        )
    if "startup" in parts:
        if importlib.util.find_spec("hass_frontend") is None:
            sys.exit("startup needs Home Assistant's frontend: run scripts/bench")
        _report_startup(
            asyncio.run(measure_startup(sys.executable, latency, rounds)), latency
        )


if __name__ == "__main__":
    main()
