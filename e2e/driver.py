"""Drive a real Home Assistant process with this integration against the local simulator.

``python -m e2e.driver --hass PATH`` writes a minimal configuration to a temporary
directory, starts the simulator and ``hass`` on free ports of 127.0.0.1, onboards
an owner through the HTTP API and then uses only the REST API, as a user's client
would: it adds the simulated account through the config flow, reads the credits
sensor, sends through ``smsservicecenter.send_sms`` (with its response), the
legacy notify service and the notify entity of a recipient added as a subentry,
and checks each message against what the simulator recorded. Then it restarts
Home Assistant with the account configured and prints the integration's setup
time as Home Assistant reports it (websocket ``integration/setup_info``). It ends
with PASS or FAIL (exit code 1), after stopping both processes. Errors that Home
Assistant logged about the integration, and any blocking call it detected in the
integration, fail the run; warnings about it are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
import sys

from .harness import (
    DOMAIN,
    SIMULATOR_CREDITS,
    Outcome,
    Run,
    check,
    hass_command,
    report,
    run_reported,
    started,
)

CREDITS_ENTITY = "sensor.sms_service_center_credits"
LEGACY_SERVICE = "sms_service_center"
RECIPIENT_NAME = "Alice"
RECIPIENT_NUMBER = "0612345678"
SEND_SMS_NUMBER = "+31611111111"
LEGACY_NUMBER = "+31622222222"
SETUP_TARGET_SECONDS = 0.05
"""The setup time at startup the integration aims to stay under (reported, not enforced)."""


class Checks(Run):
    """The checks of the end-to-end run, in order."""

    async def execute(self, outcome: Outcome) -> None:
        """Run every check in order; the version of Home Assistant goes to ``outcome``."""
        await self.start_up(outcome)
        entry_id = await self.add_account()
        await self.check_credits(SIMULATOR_CREDITS)
        await self.send_sms(entry_id, SEND_SMS_NUMBER, "End-to-end: send_sms", count=1)
        report("ok: smsservicecenter.send_sms sent one message and returned its ID")
        await self.check_credits(SIMULATOR_CREDITS - 1)
        await self.send_legacy_notify()
        notify_entity = await self.hass.add_recipient(
            entry_id, RECIPIENT_NAME, RECIPIENT_NUMBER
        )
        report(f"ok: recipient subentry added, with the notify entity {notify_entity}")
        await self.send_to_recipient(notify_entity)

    async def check_restart(self) -> None:
        """Restart Home Assistant; check the account is back and report its setup time."""
        await self.hass.restart()
        await self.hass.wait_until_running()
        await self.check_credits(SIMULATOR_CREDITS - 3)
        timings = await self.hass.websocket_command({"type": "integration/setup_info"})
        seconds = {timing["domain"]: timing["seconds"] for timing in timings}
        check(DOMAIN in seconds, f"integration/setup_info has no {DOMAIN}: {timings}")
        slowest = sorted(seconds.items(), key=lambda item: item[1], reverse=True)
        rank = [domain for domain, _ in slowest].index(DOMAIN) + 1
        report(
            f"ok: restarted; setup of {DOMAIN} took {seconds[DOMAIN]:.3f} s as Home "
            f"Assistant reports it (target under {SETUP_TARGET_SECONDS} s), "
            f"{rank} of {len(slowest)} integrations by setup time"
        )

    async def check_credits(self, expected: int) -> None:
        """Wait until the credits sensor shows ``expected``."""
        await self.hass.wait_for_state(CREDITS_ENTITY, str(expected))
        report(f"ok: {CREDITS_ENTITY} is {expected}")

    async def send_legacy_notify(self) -> None:
        """Send with the legacy notify service and a target."""
        message = "End-to-end: legacy notify"
        await self.hass.api.request(
            "POST",
            f"api/services/notify/{LEGACY_SERVICE}",
            json_body={"message": message, "target": [LEGACY_NUMBER]},
        )
        await self.check_last_sent(2, message)
        report(f"ok: notify.{LEGACY_SERVICE} sent to its target")

    async def send_to_recipient(self, entity_id: str) -> None:
        """Send to the recipient with notify.send_message."""
        await self.hass.api.request(
            "POST",
            "api/services/notify/send_message",
            json_body={
                "entity_id": entity_id,
                "title": "End-to-end",
                "message": "notify entity",
            },
        )
        await self.check_last_sent(3, "End-to-end\nnotify entity")
        report(f"ok: notify.send_message sent to {entity_id}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the end-to-end check; return the exit code."""
    hass = hass_command(
        "python -m e2e.driver",
        "End-to-end check of the integration in a real Home Assistant.",
        argv,
    )

    async def checks(work_dir: Path, outcome: Outcome) -> str:
        async with started(work_dir, [hass], Checks) as run:
            await run.execute(outcome)
            await run.check_restart()
        return ""

    return run_reported(checks, prefix="smsservicecenter-e2e-", label=f" ({hass})")


if __name__ == "__main__":
    sys.exit(main())
