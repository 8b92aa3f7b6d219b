"""Walk a new user's first minute in the real frontend and check every message it shows.

``python -m e2e.screenshots --walk DIR`` runs this instead of taking the README's
pictures: in English and in Dutch, the setup form with a refused port, an
unknown host and a URL that is not the API (each its own translated sentence,
no library text); the sender name set to a value with a space and to 12
characters (the translated error, nothing saved, nothing cut off, no traceback
in Home Assistant's log); the device page with 1 queued message and 1 credit
used today (no plural noun after a 1). Each step saves a picture into DIR.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import json
from pathlib import Path
import re
from typing import Any

from playwright.async_api import Locator, Page

from .harness import (
    DOMAIN,
    REPO_ROOT,
    SIMULATOR_TOKEN,
    CheckError,
    Run,
    check,
    free_port,
    report,
)

INTEGRATION = REPO_ROOT / "custom_components" / DOMAIN
LANGUAGES = ("en", "nl")
SENDNAME_ENTITY = "text.sms_service_center_sender_name"
BAD_SENDNAMES = {"space": "Home Alarm", "12_characters": "HomeAlarm123"}
# Library and HTTP texts a user must never see.
LIBRARY_TEXT = re.compile(
    r"ClientConnector|Cannot connect to host|ssl:default|Connect call failed|"
    r"Errno|HTTP \d{3}|Traceback",
    re.IGNORECASE,
)
TEXT_TRIES = 300
TEXT_INTERVAL = 0.1
"""Seconds between two looks at a text that is to change."""
# Every text of the page, also inside shadow roots, which innerText leaves out.
PAGE_TEXT = """() => {
  const parts = [];
  const visit = (node) => {
    if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent);
    if (node.shadowRoot) visit(node.shadowRoot);
    node.childNodes.forEach(visit);
  };
  visit(document.body);
  return parts.join(" ").replace(/\\s+/g, " ");
}"""
# A 1 followed by a plural noun, in either language.
PLURAL_AFTER_ONE = re.compile(r"(?<![\d.,])1\s+(credits|messages|berichten)\b")


def translations(language: str) -> dict[str, Any]:
    """Return the integration's strings in ``language``."""
    name = "strings.json" if language == "en" else f"translations/{language}.json"
    strings: dict[str, Any] = json.loads(
        (INTEGRATION / name).read_text(encoding="utf-8")
    )
    return strings


def as_shown(text: str) -> str:
    """Return a translated text as the frontend shows it: Markdown code marks dropped."""
    return text.replace("`", "")


async def new_text(read: Callable[[], Awaitable[str]], previous: str) -> str:
    """Return the text ``read`` returns once it is there and differs from ``previous``."""
    for _ in range(TEXT_TRIES):
        if (shown := " ".join((await read()).split())) not in {"", previous}:
            return shown
        await asyncio.sleep(TEXT_INTERVAL)
    raise CheckError(f"no new text after {previous!r}")


def text_of(element: Locator) -> Callable[[], Awaitable[str]]:
    """Return a reader of the text of ``element``, empty while it is not there."""

    async def read() -> str:
        return await element.inner_text() if await element.count() else ""

    return read


def toast_text(page: Page) -> Callable[[], Awaitable[str]]:
    """Return a reader of the text of the frontend's toast, empty while none shows."""
    toast = page.locator("notification-manager ha-toast").first

    async def read() -> str:
        if not await toast.count():
            return ""
        return str(await toast.evaluate("(toast) => toast.labelText || ''"))

    return read


class Walk:
    """The steps of the walk, on one page whose language can change."""

    def __init__(self, page: Page, run: Run, out_dir: Path, log_path: Path) -> None:
        """Walk on ``page`` against ``run``'s processes; pictures go into ``out_dir``."""
        self.page = page
        self.out_dir = out_dir
        self.hass_url = run.hass.url
        self.simulator_url = run.simulator.url
        self.log_path = log_path
        self.pictures: list[Path] = []

    async def shoot(self, name: str, element: Locator | None = None) -> None:
        """Save a picture of the page (or of ``element``) as ``name``."""
        path = self.out_dir / f"{name}.png"
        if element is None:
            await self.page.screenshot(path=path)
        else:
            await element.screenshot(path=path)
        self.pictures.append(path)

    async def setup_form_errors(self, language: str) -> None:
        """Submit the setup form with three bad URLs; each gets its own translated sentence."""
        errors = translations(language)["config"]["error"]
        cases = {
            "refused": (f"http://127.0.0.1:{free_port()}/", "connection_refused"),
            "unknown_host": ("http://sms-service-center.invalid/", "host_not_found"),
            "not_api": (f"{self.simulator_url}not-the-api/", "not_api"),
        }
        await self.page.goto(
            f"{self.hass_url}config/integrations/dashboard/add?domain={DOMAIN}"
        )
        # "Do you want to set up SMS Service Center?" (the same button in Dutch)
        await self.page.get_by_role("button", name="OK", exact=True).click()
        await self.page.locator("input[name=api_token]").wait_for()
        await self.page.locator("input[name=api_token]").fill(SIMULATOR_TOKEN)
        await self.page.locator("ha-expansion-panel").first.click()
        shown = ""
        for case, (url, key) in cases.items():
            field = self.page.locator("input[name=url]")
            await field.fill(url)
            await field.press("Enter")
            # Each case shows another error: wait until the form shows the new one.
            alert = self.page.locator("ha-alert[alert-type=error]").first
            shown = await new_text(text_of(alert), shown)
            await self.shoot(f"setup-{case}-{language}")
            check(
                shown == as_shown(errors[key]),
                f"setup form, {case} ({language}): shows {shown!r}, "
                f"expected {errors[key]!r}",
            )
            check(not LIBRARY_TEXT.search(shown), f"library text shown: {shown!r}")
            report(f"ok: setup form, {case} ({language}): {shown}")
        await self.page.keyboard.press("Escape")

    async def sendname_errors(
        self, language: str, device_url: str, sendname: Callable[[], Awaitable[str]]
    ) -> None:
        """Type refused sender names on the device page: the translated error, nothing saved."""
        message = translations(language)["exceptions"]["invalid_sendname"]["message"]
        # What Home Assistant logs from here on.
        log_start = len(self.log_path.read_text(encoding="utf-8", errors="replace"))
        for case, value in BAD_SENDNAMES.items():
            before = await sendname()
            await self.page.goto(device_url)
            field = self.page.locator("hui-text-entity-row input").first
            await field.wait_for()
            await field.fill(value)
            await field.press("Enter")
            shown = await new_text(toast_text(self.page), "")
            await self.shoot(f"sendname-{case}-{language}")
            expected = message.format(sendname=value).rstrip(".")
            check(
                expected in shown,
                f"sender name {value!r} ({language}): toast {shown!r}, "
                f"expected {expected!r}",
            )
            check(not LIBRARY_TEXT.search(shown), f"library text shown: {shown!r}")
            check(
                await field.input_value() == value,
                f"sender name {value!r}: the field holds {await field.input_value()!r}",
            )
            after = await sendname()
            check(after == before, f"sender name {value!r} was saved: {after!r}")
            report(f"ok: sender name {value!r} ({language}): {shown}")
        logged = self.log_path.read_text(encoding="utf-8", errors="replace")[log_start:]
        check(
            "Traceback" not in logged, f"Home Assistant logged a traceback:\n{logged}"
        )
        check(
            "Unexpected exception" not in logged,
            f"Home Assistant logged an unexpected exception:\n{logged}",
        )

    async def device_page_counts(self, language: str, device_url: str) -> None:
        """Check the device page with 1 queued message and 1 credit used: no plural after a 1."""
        names = translations(language)["entity"]["sensor"]
        await self.page.goto(device_url)
        for key in ("queued_messages", "credits_used_today"):
            # The row's name is in its shadow root; its light DOM holds the state.
            row = self.page.locator(
                "hui-generic-entity-row", has_text=names[key]["name"]
            )
            state = await new_text(text_of(row.first), "")
            check(state == "1", f"device page ({language}): {key} shows {state!r}")
            report(f"ok: device page ({language}): {names[key]['name']} {state}")
        text = str(await self.page.evaluate(PAGE_TEXT))
        plural = PLURAL_AFTER_ONE.search(text)
        check(plural is None, f"device page ({language}) shows {plural}")
        await self.page.set_viewport_size({"width": 1280, "height": 1150})
        await self.shoot(f"device-queued-{language}")
        await self.page.set_viewport_size({"width": 1280, "height": 800})


async def walk(
    page: Page,
    run: Run,
    *,
    language: str,
    account: tuple[str, str],
    stop_simulator: Callable[[], Awaitable[None]],
    out_dir: Path,
    log_path: Path,
) -> list[Path]:
    """Walk every step in ``language``, Home Assistant's too; return the pictures saved.

    ``account`` is the entry ID of the simulated account and the URL of its
    device page; ``stop_simulator`` stops the simulator, so that a send waits
    in the outbox; ``out_dir`` (which exists) gets the pictures; ``log_path``
    is Home Assistant's log.
    """
    entry_id, device_url = account
    steps = Walk(page, run, out_dir, log_path)
    await steps.setup_form_errors(language)

    async def sendname() -> str:
        answer = await run.simulator.api.request("GET", "api/v2/sendname")
        return str(answer["details"])

    await steps.sendname_errors(language, device_url, sendname)

    await run.send_sms(entry_id, "+31611111111", "End-to-end: send_sms", count=1)
    await stop_simulator()
    answer = await run.hass.api.request(
        "POST",
        f"api/services/{DOMAIN}/send_sms?return_response",
        json_body={
            "config_entry_id": entry_id,
            "recipients": ["+31611111111"],
            "message": "Queued while SMS Service Center cannot be reached",
        },
    )
    check(
        answer["service_response"]["queued"] is True,
        f"the send was not queued: {answer}",
    )
    await steps.device_page_counts(language, device_url)
    return steps.pictures
