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
import shutil
import sys
import tempfile
import time
from typing import Any

import aiohttp
from playwright.async_api import Browser, FloatRect, Locator, Page, async_playwright

from .driver import (
    DOMAIN,
    REPO_ROOT,
    SIMULATOR_TOKEN,
    STARTUP_TIMEOUT,
    STEP_TIMEOUT,
    CheckError,
    Run,
    Server,
    check,
    free_port,
    log_tail,
    report,
    start_server,
    start_simulator,
    wait_for,
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
BOX_SETTLE_TRIES = 50
BOX_SETTLE_INTERVAL = 0.1
"""Seconds between two looks at a dialog's box, to see whether it still moves."""
"""Pixels of the page kept around a dialog's surface when the picture is cropped to it."""

CONFIGURATION_YAML = """\
homeassistant:
  name: Home
  language: {language}
  country: NL
  time_zone: Europe/Amsterdam
  unit_system: metric
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
auth:
config:
frontend:
onboarding:
logbook:
repairs:
logger:
  default: warning
"""


def write_config(config_dir: Path, port: int, language: str) -> None:
    """Write configuration.yaml and link this repository's custom_components."""
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION_YAML.format(port=port, language=language), encoding="utf-8"
    )
    (config_dir / "custom_components").symlink_to(REPO_ROOT / "custom_components")


class Shooter(Run):
    """Set up the account through the API, then take the pictures in the browser."""

    async def prepare(self) -> dict[str, Any]:
        """Start, onboard completely and return the owner's tokens for the browser."""
        await self.execute_startup()
        tokens = await self.onboard_tokens()
        for step in ("core_config", "analytics"):
            await self.hass.request("POST", f"api/onboarding/{step}", json_body={})
        await self.hass.request(
            "POST",
            "api/onboarding/integration",
            json_body={"client_id": self.hass_url, "redirect_uri": self.hass_url},
        )
        version = await self.wait_until_running()
        report(f"Home Assistant {version} is running")
        return tokens

    async def execute_startup(self) -> None:
        """Wait until the simulator and Home Assistant's HTTP server answer."""
        await wait_for(
            "the simulator",
            lambda: self.simulator.probe("api/packets"),
            self.simulator_server,
        )
        await wait_for(
            "Home Assistant's HTTP server",
            lambda: self.hass.probe("api/onboarding"),
            self.hass_server,
            seconds=STARTUP_TIMEOUT,
        )

    async def onboard_tokens(self) -> dict[str, Any]:
        """Onboard the owner; return the tokens, as the frontend stores them."""
        tokens = await self.onboard()
        return {
            "hassUrl": self.hass_url.rstrip("/"),
            "clientId": self.hass_url,
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "token_type": tokens["token_type"],
            "expires_in": tokens["expires_in"],
            "expires": int(time.time() * 1000) + tokens["expires_in"] * 1000,
        }

    async def device_id(self) -> str:
        """Return the ID of the account's device."""
        async with self.hass.session.post(
            f"{self.hass_url}api/template",
            json={"template": f"{{{{ device_id('{CREDITS_ENTITY}') }}}}"},
            headers={"Authorization": f"Bearer {self.hass.token}"},
        ) as response:
            answer = await response.text()
        check(
            response.status == 200 and answer not in {"", "None"},
            f"no device for {CREDITS_ENTITY}: HTTP {response.status} {answer}",
        )
        return answer


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
    await shooter.websocket_command({"type": "http/config/promote"})


async def take_pictures(shooter: Shooter, page: Page) -> None:
    """Take every picture, setting the account and a recipient up on the way."""
    base = shooter.hass_url
    await confirm_http_config(shooter)

    await page.goto(f"{base}config/integrations/dashboard/add?domain={DOMAIN}")
    surface = page.get_by_role("dialog")
    await page.get_by_role("button", name="OK", exact=True).click()
    await page.get_by_text("Advanced settings").click()
    await page.get_by_text("Only change these when").wait_for()
    await shoot(page, "config-flow", surface.first)
    await page.keyboard.press("Escape")

    entry_id = await shooter.add_account()
    await shooter.check_credits(SIMULATOR_CREDITS)
    for message in SENT_MESSAGES:
        await shooter.hass.request(
            "POST",
            f"api/services/{DOMAIN}/send_sms",
            json_body={
                "config_entry_id": entry_id,
                "recipients": ["+31612345678"],
                "message": message,
            },
        )
    await shooter.check_credits(SIMULATOR_CREDITS - len(SENT_MESSAGES))

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
    device_url = f"{shooter.hass_url}config/devices/device/{await shooter.device_id()}"
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


async def run(work_dir: Path, walk_dir: Path | None, language: str = "en") -> None:
    """Start the simulator and Home Assistant, take the pictures (or walk), stop both.

    Home Assistant and its frontend speak ``language``.
    """
    config_dir = work_dir / "config"
    config_dir.mkdir(parents=True)
    hass_port, simulator_port = free_port(), free_port()
    write_config(config_dir, hass_port, language)
    simulator = await start_simulator(
        simulator_port,
        work_dir,
        "--token",
        SIMULATOR_TOKEN,
        "--credits",
        str(SIMULATOR_CREDITS),
    )
    try:
        hass = await start_server(
            "Home Assistant",
            [
                sys.executable,
                "-m",
                "homeassistant",
                "--config",
                str(config_dir),
                "--skip-pip",
            ],
            work_dir / "hass.out",
        )
        try:
            shooter_ports = (hass_port, simulator_port)
            await shoot_all(
                hass, simulator, shooter_ports, work_dir, (walk_dir, language)
            )
        finally:
            await hass.stop()
    finally:
        await simulator.stop()


async def shoot_all(
    hass: Server,
    simulator: Server,
    ports: tuple[int, int],
    work_dir: Path,
    walking: tuple[Path | None, str],
) -> None:
    """Prepare Home Assistant through its API, then take the pictures in Chromium.

    ``ports`` are Home Assistant's and the simulator's. ``walking`` is where the
    walk's pictures go (None: take the README's pictures) and the language.
    """
    walk_dir, language = walking
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=STEP_TIMEOUT)
    ) as session:
        shooter = Shooter(session, hass, simulator, *ports)
        tokens = await shooter.prepare()
        IMAGES_DIR.mkdir(parents=True, exist_ok=True)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM)
            try:
                page = await open_page(browser, tokens, language)
                try:
                    if walk_dir is None:
                        await take_pictures(shooter, page)
                    else:
                        log_path = work_dir / "config" / "home-assistant.log"
                        await take_walk(
                            shooter,
                            page,
                            simulator.stop,
                            (walk_dir, language),
                            log_path,
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
    work_dir = Path(tempfile.mkdtemp(prefix="smsservicecenter-screenshots-"))
    # The README's pictures in English; the walk in each language, in a Home
    # Assistant of its own that speaks it.
    runs = [(work_dir / language, language) for language in LANGUAGES]
    if args.walk is None:
        runs = [(work_dir, "en")]
    else:
        args.walk.mkdir(parents=True, exist_ok=True)
    log_path = work_dir
    try:
        for run_dir, language in runs:
            log_path = run_dir / "config" / "home-assistant.log"
            asyncio.run(run(run_dir, args.walk, language))
    except Exception as err:  # noqa: BLE001 - any failure keeps the logs for a look
        report(f"\nLast lines of {log_path}:\n{log_tail(log_path)}\n")
        report(f"FAIL: {err!r}")
        report(f"Logs (and failure.png when the browser was open) kept in {work_dir}")
        return 1
    shutil.rmtree(work_dir)
    saved = args.walk or IMAGES_DIR.relative_to(REPO_ROOT)
    report(f"PASS: pictures saved in {saved}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
