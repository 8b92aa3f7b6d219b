"""Run the SMS Service Center simulator: ``python -m simulator --port 8099``."""

from __future__ import annotations

import argparse
import logging
import math
from typing import TYPE_CHECKING

from aiohttp import web

from .app import DEFAULT_CREDITS, DEFAULT_SENDNAME, DEFAULT_TOKEN, create_app

if TYPE_CHECKING:
    from collections.abc import Sequence

_LOGGER = logging.getLogger(__package__ or "simulator")


def _non_negative_int(value: str) -> int:
    """Parse a non-negative integer argument."""
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def _non_negative_seconds(value: str) -> float:
    """Parse a finite, non-negative number of seconds."""
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise argparse.ArgumentTypeError("must be a number of seconds, 0 or more")
    return seconds


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="A local SMS Service Center API v2 for development and tests.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8099,
        help="port to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--token", default=DEFAULT_TOKEN, help="the API token the simulator accepts"
    )
    parser.add_argument(
        "--credits",
        type=_non_negative_int,
        default=DEFAULT_CREDITS,
        help="starting credit balance (default: %(default)s)",
    )
    parser.add_argument(
        "--sendname",
        default=DEFAULT_SENDNAME,
        help="starting default sender name (default: %(default)s)",
    )
    parser.add_argument(
        "--test-mode",
        action="store_true",
        help="answer sends in test mode (no credits are used)",
    )
    parser.add_argument(
        "--latency",
        type=_non_negative_seconds,
        default=0.0,
        help="seconds every request waits before it is answered (default: %(default)s)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging level (default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the simulator until interrupted."""
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(
        token=args.token,
        credits=args.credits,
        sendname=args.sendname,
        test_mode=args.test_mode,
        latency=args.latency,
    )
    _LOGGER.info(
        "SMS Service Center simulator on http://%s:%d/ (credits %d, sendname %s%s)",
        args.host,
        args.port,
        args.credits,
        args.sendname,
        ", test mode" if args.test_mode else "",
    )
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
