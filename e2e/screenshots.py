"""Take the README's screenshots in the real Home Assistant frontend.

``python -m e2e.screenshots`` starts the simulator (with few credits, so that the
low credits repair shows) and ``hass`` on free ports of 127.0.0.1 with a
generated configuration, onboards an owner through the HTTP API and opens the
frontend in headless Chromium, logged in with that owner's tokens. It saves
PNGs of the config flow, the account's whole device page, its options, a message
event in the logbook, the recipient form and the low credits repair into
``docs/images/``, then stops both processes. With ``--walk DIR`` it walks a new
user's first minute instead and checks what the frontend shows (e2e/walk.py),
saving its pictures into DIR.

It runs from scripts/screenshots, in a virtual environment with Playwright and
the frontend that the installed Home Assistant pins.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence
import json
from pathlib import Path
import sys
import time
from typing import Any

from playwright.async_api import Browser, FloatRect, Locator, Page, async_playwright

from .harness import (
    DOMAIN,
    REPO_ROOT,
    CheckError,
    Outcome,
    Run,
    check,
    report,
    run_reported,
    started,
)
from .walk import LANGUAGES, walk

CHROMIUM = "/usr/bin/chromium"
IMAGES_DIR = REPO_ROOT / "docs" / "images"
VIEWPORT = {"width": 1280, "height": 800}
DEVICE_PAGE_HEIGHT = 1150
"""Pixels of height that show the whole device page, its Activity card too."""
SIMULATOR_CREDITS = 4
"""Under the default low credits threshold (10), so that the repair is raised."""
RECIPIENT_NAME = "Alice"
RECIPIENT_NUMBER = "0612345678"
CREDITS_ENTITY = "sensor.sms_service_center_credits"
EVENT_ENTITY = "event.sms_service_center_messages"
SENT_MESSAGES = ("The laundry is done.", "Water leak in the basement!")
UI_TIMEOUT_MS = 60_000
DIALOG_MARGIN = 8
"""Pixels of the page kept around a dialog's surface when the picture is cropped to it."""
BOX_SETTLE_TRIES = 50
BOX_SETTLE_INTERVAL = 0.1
"""Seconds between two looks at a dialog's box, to see whether it still moves."""

INTEGRATIONS = ("frontend", "logbook")
"""The integrations the pictures show, besides those every run sets up."""


class Shooter(Run):
    """Set up the account through the API, then take the pictures in the browser."""

    async def prepare(self, outcome: Outcome) -> dict[str, Any]:
        """Onboard completely; return the owner's tokens, as the frontend stores them."""
        tokens = await self.start_up(outcome)
        for step in ("core_config", "analytics"):
            await self.hass.api.request("POST", f"api/onboarding/{step}", json_body={})
        await self.hass.api.request(
            "POST",
            "api/onboarding/integration",
            json_body={"client_id": self.hass.url, "redirect_uri": self.hass.url},
        )
        return {
            "hassUrl": self.hass.url.rstrip("/"),
            "clientId": self.hass.url,
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "token_type": tokens["token_type"],
            "expires_in": tokens["expires_in"],
            "expires": int(time.time() * 1000) + tokens["expires_in"] * 1000,
        }

    async def device_id(self) -> str:
        """Return the ID of the account's device."""
        return await self.hass.device_id(CREDITS_ENTITY)


async def open_page(
    browser: Browser, tokens: dict[str, Any], language: str = "en"
) -> Page:
    """Open a page in ``language`` that is logged in to Home Assistant with ``tokens``."""
    context = await browser.new_context(
        viewport=VIEWPORT,
        locale="en-US",
        timezone_id="Europe/Amsterdam",
        color_scheme="light",
    )
    context.set_default_timeout(UI_TIMEOUT_MS)
    await context.add_init_script(
        f"window.localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))});"
        "window.localStorage.setItem('selectedLanguage', "
        f"{json.dumps(json.dumps(language))});"
    )
    return await context.new_page()


async def settle(page: Page) -> None:
    """Wait until the page has no running animation, so that pictures are sharp."""
    await page.wait_for_function(
        "() => document.getAnimations().every((a) => a.playState !== 'running')"
    )


async def stable_box(element: Locator, name: str) -> FloatRect:
    """Return the box around ``element`` once it stays put between two looks.

    A dialog grows and moves while a section in it opens, also through changes
    the animation list does not show.
    """
    previous: FloatRect | None = None
    for _ in range(BOX_SETTLE_TRIES):
        box = await element.bounding_box()
        check(box is not None, f"{name}: the element to crop to is not visible")
        assert box is not None  # noqa: S101 - narrowing for mypy after check()
        if box == previous:
            return box
        previous = box
        await asyncio.sleep(BOX_SETTLE_INTERVAL)
    raise CheckError(f"{name}: the element to crop to kept moving")


async def shoot(
    page: Page, name: str, element: Locator | None = None, *, height: int = 0
) -> None:
    """Save a picture of the page, or of the box around ``element``, as ``name``.

    A ``height`` makes the page that tall for the picture of the whole page.
    """
    await settle(page)
    path = IMAGES_DIR / f"{name}.png"
    if element is None:
        if height:
            await page.set_viewport_size({**VIEWPORT, "height": height})
            await settle(page)
        await page.screenshot(path=path)
        await page.set_viewport_size(VIEWPORT)
    else:
        box = await stable_box(element, name)
        x = max(box["x"] - DIALOG_MARGIN, 0)
        y = max(box["y"] - DIALOG_MARGIN, 0)
        await page.screenshot(
            path=path,
            clip={
                "x": x,
                "y": y,
                "width": min(box["width"] + 2 * DIALOG_MARGIN, VIEWPORT["width"] - x),
                "height": min(
                    box["height"] + 2 * DIALOG_MARGIN, VIEWPORT["height"] - y
                ),
            },
        )
    report(f"ok: saved {path.relative_to(REPO_ROOT)}")


async def confirm_http_config(shooter: Shooter) -> None:
    """Confirm the HTTP settings of configuration.yaml, which Home Assistant tries out.

    Unconfirmed, Home Assistant would go back to its defaults after 5 minutes.
    """
    await shooter.hass.websocket_command({"type": "http/config/promote"})


async def take_pictures(shooter: Shooter, page: Page) -> None:
    """Take every picture, setting the account and a recipient up on the way."""
    base = shooter.hass.url
    await confirm_http_config(shooter)

    await page.goto(f"{base}config/integrations/dashboard/add?domain={DOMAIN}")
    surface = page.get_by_role("dialog")
    await page.get_by_role("button", name="OK", exact=True).click()
    await page.get_by_text("Advanced settings").click()
    await page.get_by_text("Only change these when").wait_for()
    await shoot(page, "config-flow", surface.first)
    await page.keyboard.press("Escape")

    entry_id = await shooter.add_account()
    await shooter.hass.wait_for_state(CREDITS_ENTITY, str(SIMULATOR_CREDITS))
    for message in SENT_MESSAGES:
        await shooter.hass.api.request(
            "POST",
            f"api/services/{DOMAIN}/send_sms",
            json_body={
                "config_entry_id": entry_id,
                "recipients": ["+31612345678"],
                "message": message,
            },
        )
    await shooter.hass.wait_for_state(
        CREDITS_ENTITY, str(SIMULATOR_CREDITS - len(SENT_MESSAGES))
    )

    await page.goto(f"{base}config/devices/device/{await shooter.device_id()}")
    await page.get_by_text("Credits", exact=True).first.wait_for()
    await page.get_by_text("Message events").first.wait_for()
    await shoot(page, "device", height=DEVICE_PAGE_HEIGHT)

    await page.goto(f"{base}config/integrations/integration/{DOMAIN}")
    await page.get_by_role("button", name="Configure").first.click()
    await page.get_by_text("Low credits threshold").first.wait_for()
    await shoot(page, "options", surface.first)
    await page.keyboard.press("Escape")

    await page.goto(f"{base}logbook?entity_id={EVENT_ENTITY}")
    await page.get_by_text("Message events").first.wait_for()
    await shoot(page, "logbook")

    await page.goto(f"{base}config/integrations/integration/{DOMAIN}")
    await page.get_by_text("Add recipient").first.click()
    await page.locator("input[name=name]").fill(RECIPIENT_NAME)
    await page.locator("input[name=phone_number]").fill(RECIPIENT_NUMBER)
    await shoot(page, "recipient", surface.first)
    await page.keyboard.press("Escape")

    await page.goto(f"{base}config/repairs")
    await page.get_by_text("Low credits on the account").first.click()
    await page.get_by_text("Once they run out").first.wait_for()
    await shoot(page, "repair", surface.first)


async def take_walk(
    shooter: Shooter,
    page: Page,
    stop_simulator: Callable[[], Awaitable[None]],
    walking: tuple[Path, str],
    log_path: Path,
) -> None:
    """Walk a new user's first minute in a language and check what the frontend shows."""
    walk_dir, language = walking
    await confirm_http_config(shooter)
    entry_id = await shooter.add_account()
    device_url = f"{shooter.hass.url}config/devices/device/{await shooter.device_id()}"
    pictures = await walk(
        page,
        shooter,
        language=language,
        account=(entry_id, device_url),
        stop_simulator=stop_simulator,
        out_dir=walk_dir,
        log_path=log_path,
    )
    report(f"ok: checked {len(pictures)} pictures in {walk_dir}:")
    for picture in pictures:
        report(f"  {picture.name}")


async def run(
    work_dir: Path, walk_dir: Path | None, language: str, outcome: Outcome
) -> None:
    """Start the simulator and Home Assistant, take the pictures (or walk), stop both.

    Home Assistant and its frontend speak ``language``. ``walk_dir`` is where the
    walk's pictures go (None: take the README's pictures).
    """
    async with started(
        work_dir,
        [sys.executable, "-m", "homeassistant"],
        Shooter,
        simulator_options=["--credits", str(SIMULATOR_CREDITS)],
        core={
            "name": "Home",
            "language": language,
            "country": "NL",
            "time_zone": "Europe/Amsterdam",
            "unit_system": "metric",
        },
        integrations=INTEGRATIONS,
    ) as shooter:
        tokens = await shooter.prepare(outcome)
        IMAGES_DIR.mkdir(parents=True, exist_ok=True)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM)
            try:
                page = await open_page(browser, tokens, language)
                try:
                    if walk_dir is None:
                        await take_pictures(shooter, page)
                    else:
                        await take_walk(
                            shooter,
                            page,
                            shooter.simulator.stop,
                            (walk_dir, language),
                            outcome.log_path,
                        )
                except Exception:
                    await page.screenshot(path=work_dir / "failure.png")
                    raise
            finally:
                await browser.close()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m e2e.screenshots",
        description="Take the README's screenshots in the real Home Assistant frontend.",
    )
    parser.add_argument(
        "--walk",
        metavar="DIR",
        type=Path,
        help="walk a new user's first minute and check it instead; pictures go to DIR",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Take the screenshots, or walk; return the exit code."""
    args = parse_args(argv)
    if args.walk is not None:
        args.walk.mkdir(parents=True, exist_ok=True)

    async def pictures(work_dir: Path, outcome: Outcome) -> str:
        # The README's pictures in English; the walk in each language, in a Home
        # Assistant of its own that speaks it.
        runs = [(work_dir, "en")]
        if args.walk is not None:
            runs = [(work_dir / language, language) for language in LANGUAGES]
        for run_dir, language in runs:
            outcome.log_path = run_dir / "config" / "home-assistant.log"
            await run(run_dir, args.walk, language, outcome)
        return f": pictures saved in {args.walk or IMAGES_DIR.relative_to(REPO_ROOT)}"

    return run_reported(
        pictures,
        prefix="smsservicecenter-screenshots-",
        check_log=False,
        kept="Logs (and failure.png when the browser was open)",
    )


if __name__ == "__main__":
    sys.exit(main())
