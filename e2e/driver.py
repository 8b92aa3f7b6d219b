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

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
import json
from pathlib import Path
import secrets
import shutil
import socket
import sys
import tempfile
from typing import IO, Any

import aiohttp

REPO_ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "smsservicecenter"
SIMULATOR_TOKEN = "simulator-token"  # noqa: S105 - the simulator's well-known token
SIMULATOR_CREDITS = 100
CREDITS_ENTITY = "sensor.sms_service_center_credits"
LEGACY_SERVICE = "sms_service_center"
RECIPIENT_NAME = "Alice"
RECIPIENT_NUMBER = "0612345678"
SEND_SMS_NUMBER = "+31611111111"
LEGACY_NUMBER = "+31622222222"

STARTUP_TIMEOUT = 300.0
"""Seconds Home Assistant may take to start: the first start compiles its bytecode."""
STEP_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
POLL_INTERVAL = 0.5
LOG_TAIL_LINES = 40
SETUP_TARGET_SECONDS = 0.05
"""The setup time at startup the integration aims to stay under (reported, not enforced)."""

CONFIGURATION_YAML = """\
homeassistant:
  name: SMS Service Center end-to-end
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
auth:
config:
onboarding:
repairs:
logger:
  default: warning
"""


class CheckError(Exception):
    """A check of the end-to-end run failed."""


def check(condition: bool, message: str) -> None:
    """Fail the run with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckError(message)


def report(message: str) -> None:
    """Write one line of progress."""
    sys.stdout.write(f"{message}\n")
    sys.stdout.flush()


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_config(config_dir: Path, port: int) -> None:
    """Write configuration.yaml and link this repository's custom_components."""
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION_YAML.format(port=port), encoding="utf-8"
    )
    (config_dir / "custom_components").symlink_to(REPO_ROOT / "custom_components")


def open_log(path: Path) -> IO[bytes]:
    """Open the file a started process writes its output to."""
    return path.open("wb")


@dataclass(slots=True)
class Server:
    """A process started for the run."""

    name: str
    process: asyncio.subprocess.Process
    output: Path

    def check_running(self) -> None:
        """Fail the run when the process has exited."""
        check(
            self.process.returncode is None,
            f"{self.name} exited with code {self.process.returncode}; see {self.output}",
        )

    async def stop(self) -> None:
        """Stop the process: politely, then by force."""
        if self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def start_server(name: str, args: Sequence[str], output: Path) -> Server:
    """Start a process from the repository root, its output going to ``output``."""
    log = open_log(output)
    try:
        process = await asyncio.create_subprocess_exec(
            *args,
            cwd=REPO_ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    finally:
        log.close()
    return Server(name, process, output)


async def start_simulator(port: int, work_dir: Path, *options: str) -> Server:
    """Start the simulator on 127.0.0.1:``port`` with these command line options."""
    return await start_server(
        "the simulator",
        [
            sys.executable,
            "-m",
            "simulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *options,
        ],
        work_dir / "simulator.log",
    )


async def wait_for[T](
    what: str,
    probe: Callable[[], Awaitable[T | None]],
    server: Server,
    *,
    seconds: float = STEP_TIMEOUT,
) -> T:
    """Return the first result of ``probe`` that is not None.

    Fail the run, naming ``what``, when ``server`` exits or ``seconds`` pass first.
    """
    try:
        async with asyncio.timeout(seconds):
            while True:
                server.check_running()
                if (result := await probe()) is not None:
                    return result
                await asyncio.sleep(POLL_INTERVAL)
    except TimeoutError as err:
        raise CheckError(f"timed out after {seconds:.0f} s waiting for {what}") from err


class Client:
    """JSON over HTTP to one server, with a bearer token once there is one."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        """Talk to the server at ``base_url`` (ending in a slash)."""
        self.session = session
        self.base_url = base_url
        self.token: str | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        form: dict[str, str] | None = None,
    ) -> Any:
        """Send a request; return its decoded JSON answer or fail on an HTTP error."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method,
            self.base_url + path.lstrip("/"),
            json=json_body,
            data=form,
            headers=headers,
        ) as response:
            text = await response.text()
        check(
            response.status < 300,
            f"{method} /{path.lstrip('/')} answered HTTP {response.status}: {text[:500]}",
        )
        return json.loads(text) if text else None

    async def probe(self, path: str) -> Any:
        """GET ``path``; return None while the server cannot answer it."""
        try:
            return await self.request("GET", path)
        except aiohttp.ClientError, CheckError:
            return None


@dataclass(slots=True)
class Outcome:
    """What a run found out, kept when it fails."""

    version: str = "(version unknown: not started)"


class Run:
    """One end-to-end run: the processes, the clients and the checks."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        hass: Server,
        simulator: Server,
        hass_port: int,
        simulator_port: int,
    ) -> None:
        """Check the Home Assistant and simulator processes listening on these ports."""
        self.hass_server = hass
        self.simulator_server = simulator
        self.hass_url = f"http://127.0.0.1:{hass_port}/"
        self.simulator_url = f"http://127.0.0.1:{simulator_port}/"
        self.hass = Client(session, self.hass_url)
        self.simulator = Client(session, self.simulator_url)
        self.simulator.token = SIMULATOR_TOKEN

    async def execute(self, outcome: Outcome) -> None:
        """Run every check in order; the version of Home Assistant goes to ``outcome``."""
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
        await self.onboard()
        outcome.version = await self.wait_until_running()
        report(f"Home Assistant {outcome.version} is running")
        entry_id = await self.add_account()
        await self.check_credits(SIMULATOR_CREDITS)
        await self.send_sms(entry_id)
        await self.check_credits(SIMULATOR_CREDITS - 1)
        await self.send_legacy_notify()
        notify_entity = await self.add_recipient(entry_id)
        await self.send_to_recipient(notify_entity)

    async def check_restart(self, hass: Server) -> None:
        """Check Home Assistant started again as ``hass``; report the setup time."""
        self.hass_server = hass
        await self.wait_until_running()
        await self.check_credits(SIMULATOR_CREDITS - 3)
        timings = await self.websocket_command({"type": "integration/setup_info"})
        seconds = {timing["domain"]: timing["seconds"] for timing in timings}
        check(DOMAIN in seconds, f"integration/setup_info has no {DOMAIN}: {timings}")
        slowest = sorted(seconds.items(), key=lambda item: item[1], reverse=True)
        rank = [domain for domain, _ in slowest].index(DOMAIN) + 1
        report(
            f"ok: restarted; setup of {DOMAIN} took {seconds[DOMAIN]:.3f} s as Home "
            f"Assistant reports it (target under {SETUP_TARGET_SECONDS} s), "
            f"{rank} of {len(slowest)} integrations by setup time"
        )

    async def websocket_command(self, message: dict[str, Any]) -> Any:
        """Send one command over Home Assistant's websocket API; return its result."""
        async with self.hass.session.ws_connect(self.hass_url + "api/websocket") as ws:
            check(
                (await ws.receive_json())["type"] == "auth_required",
                "the websocket API did not ask for authentication",
            )
            await ws.send_json({"type": "auth", "access_token": self.hass.token})
            answer = await ws.receive_json()
            check(answer["type"] == "auth_ok", f"websocket authentication: {answer}")
            await ws.send_json({"id": 1, **message})
            result = await ws.receive_json()
        check(result.get("success") is True, f"{message['type']} failed: {result}")
        return result["result"]

    async def onboard(self) -> dict[str, Any]:
        """Create the owner through onboarding; get and return its tokens."""
        client_id = self.hass_url
        answer = await self.hass.request(
            "POST",
            "api/onboarding/users",
            json_body={
                "client_id": client_id,
                "name": "End-to-end",
                "username": "e2e",
                "password": secrets.token_urlsafe(16),
                "language": "en",
            },
        )
        tokens = await self.hass.request(
            "POST",
            "auth/token",
            form={
                "grant_type": "authorization_code",
                "code": answer["auth_code"],
                "client_id": client_id,
            },
        )
        self.hass.token = tokens["access_token"]
        report("ok: onboarded an owner and got an access token")
        return dict(tokens)

    async def wait_until_running(self) -> str:
        """Wait until Home Assistant has started; return its version."""

        async def running_version() -> str | None:
            config = await self.hass.probe("api/config")
            if config is not None and config.get("state") == "RUNNING":
                return str(config["version"])
            return None

        return await wait_for(
            "Home Assistant to start",
            running_version,
            self.hass_server,
            seconds=STARTUP_TIMEOUT,
        )

    async def add_account(self) -> str:
        """Add the simulated account through the config flow; return its entry ID."""
        form = await self.hass.request(
            "POST",
            "api/config/config_entries/flow",
            json_body={"handler": DOMAIN, "show_advanced_options": False},
        )
        check(
            form.get("type") == "form" and form.get("step_id") == "user",
            f"the config flow did not show its user step: {form}",
        )
        result = await self.hass.request(
            "POST",
            f"api/config/config_entries/flow/{form['flow_id']}",
            json_body={
                "api_token": SIMULATOR_TOKEN,
                "advanced": {"url": self.simulator_url},
            },
        )
        check(
            result.get("type") == "create_entry",
            f"the config flow did not create an entry: {result}",
        )
        entry = result["result"]
        check(
            entry.get("state") == "loaded",
            f"the new entry is {entry.get('state')}, not loaded",
        )
        report(f"ok: config flow created the loaded entry {entry['title']!r}")
        return str(entry["entry_id"])

    async def check_credits(self, expected: int) -> None:
        """Wait until the credits sensor shows ``expected``."""
        wanted = str(expected)

        async def credits_state() -> str | None:
            state = await self.hass.probe(f"api/states/{CREDITS_ENTITY}")
            if state is not None and state.get("state") == wanted:
                return wanted
            return None

        await wait_for(
            f"{CREDITS_ENTITY} to be {wanted}",
            credits_state,
            self.hass_server,
        )
        report(f"ok: {CREDITS_ENTITY} is {wanted}")

    async def sent_messages(self) -> list[dict[str, Any]]:
        """Return the messages the simulator recorded, oldest first."""
        answer = await self.simulator.request("GET", "api/v2/history")
        messages: list[dict[str, Any]] = answer["details"]["messages"]
        return messages[::-1]

    async def check_last_sent(self, count: int, message: str) -> dict[str, Any]:
        """Check that the simulator holds ``count`` messages, the last one ``message``."""
        messages = await self.sent_messages()
        check(
            len(messages) == count,
            f"the simulator recorded {len(messages)} message(s), expected {count}",
        )
        last = messages[-1]
        check(
            last["message"] == message,
            f"the simulator recorded {last['message']!r}, expected {message!r}",
        )
        return last

    async def send_sms(self, entry_id: str) -> None:
        """Send with smsservicecenter.send_sms and check its response."""
        message = "End-to-end: send_sms"
        answer = await self.hass.request(
            "POST",
            f"api/services/{DOMAIN}/send_sms?return_response",
            json_body={
                "config_entry_id": entry_id,
                "recipients": [SEND_SMS_NUMBER],
                "message": message,
            },
        )
        response = answer["service_response"]
        check(
            response.get("recipients") == [SEND_SMS_NUMBER]
            and response.get("segments") == 1
            and response.get("test_mode") is False,
            f"unexpected send_sms response: {response}",
        )
        last = await self.check_last_sent(1, message)
        check(
            last["id"] == response.get("message_id"),
            f"send_sms answered message ID {response.get('message_id')}, "
            f"the simulator recorded {last['id']}",
        )
        report("ok: smsservicecenter.send_sms sent one message and returned its ID")

    async def send_legacy_notify(self) -> None:
        """Send with the legacy notify service and a target."""
        message = "End-to-end: legacy notify"
        await self.hass.request(
            "POST",
            f"api/services/notify/{LEGACY_SERVICE}",
            json_body={"message": message, "target": [LEGACY_NUMBER]},
        )
        await self.check_last_sent(2, message)
        report(f"ok: notify.{LEGACY_SERVICE} sent to its target")

    async def add_recipient(self, entry_id: str) -> str:
        """Add a recipient subentry; return the entity ID of its notify entity."""
        form = await self.hass.request(
            "POST",
            "api/config/config_entries/subentries/flow",
            json_body={"handler": [entry_id, "recipient"]},
        )
        check(
            form.get("type") == "form",
            f"the recipient flow did not show a form: {form}",
        )
        result = await self.hass.request(
            "POST",
            f"api/config/config_entries/subentries/flow/{form['flow_id']}",
            json_body={"name": RECIPIENT_NAME, "phone_number": RECIPIENT_NUMBER},
        )
        check(
            result.get("type") == "create_entry",
            f"the recipient flow did not create a subentry: {result}",
        )

        async def notify_entity() -> str | None:
            states = await self.hass.probe("api/states")
            for state in states or ():
                if (
                    state["entity_id"].startswith("notify.")
                    and state["attributes"].get("friendly_name") == RECIPIENT_NAME
                ):
                    return str(state["entity_id"])
            return None

        entity_id = await wait_for(
            f"the notify entity of {RECIPIENT_NAME}",
            notify_entity,
            self.hass_server,
        )
        report(f"ok: recipient subentry added, with the notify entity {entity_id}")
        return entity_id

    async def send_to_recipient(self, entity_id: str) -> None:
        """Send to the recipient with notify.send_message."""
        await self.hass.request(
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


def integration_log_lines(log_path: Path) -> tuple[list[str], list[str]]:
    """Return the errors and the warnings Home Assistant logged about the integration.

    A blocking call Home Assistant detected in the integration counts as an error.
    """
    errors: list[str] = []
    warnings: list[str] = []
    if not log_path.exists():
        return errors, warnings
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if DOMAIN not in line or "has not been tested by Home Assistant" in line:
            continue
        if (
            " ERROR " in line
            or " CRITICAL " in line
            or "Detected blocking call" in line
        ):
            errors.append(line)
        elif " WARNING " in line:
            warnings.append(line)
    return errors, warnings


def log_tail(path: Path) -> str:
    """Return the last lines of a log file."""
    if not path.exists():
        return f"({path} does not exist)"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


async def run(hass_command: str, work_dir: Path, outcome: Outcome) -> None:
    """Start the simulator and Home Assistant, run the checks, stop both."""
    config_dir = work_dir / "config"
    config_dir.mkdir()
    hass_port, simulator_port = free_port(), free_port()
    write_config(config_dir, hass_port)
    simulator = await start_simulator(simulator_port, work_dir)
    hass_args = [hass_command, "--config", str(config_dir), "--skip-pip"]
    try:
        hass = await start_server("Home Assistant", hass_args, work_dir / "hass.out")
        try:
            async with aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=STEP_TIMEOUT)
            ) as session:
                checks = Run(session, hass, simulator, hass_port, simulator_port)
                await checks.execute(outcome)
                await hass.stop()
                hass = await start_server(
                    "Home Assistant (restarted)", hass_args, work_dir / "hass-2.out"
                )
                await checks.check_restart(hass)
        finally:
            await hass.stop()
    finally:
        await simulator.stop()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m e2e.driver",
        description="End-to-end check of the integration in a real Home Assistant.",
    )
    parser.add_argument(
        "--hass",
        required=True,
        help="the hass command of the virtual environment to check",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the end-to-end check; return the exit code."""
    args = parse_args(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="smsservicecenter-e2e-"))
    log_path = work_dir / "config" / "home-assistant.log"
    outcome = Outcome()
    try:
        asyncio.run(run(args.hass, work_dir, outcome))
        errors, warnings = integration_log_lines(log_path)
        for line in warnings:
            report(f"warning logged: {line}")
        check(not errors, "errors logged:\n" + "\n".join(errors))
    except (CheckError, aiohttp.ClientError, OSError, LookupError, ValueError) as err:
        report(f"\nLast lines of {log_path}:\n{log_tail(log_path)}\n")
        detail = str(err) if isinstance(err, CheckError) else repr(err)
        report(f"FAIL: Home Assistant {outcome.version} ({args.hass}): {detail}")
        report(f"Logs kept in {work_dir}")
        return 1
    shutil.rmtree(work_dir)
    report(f"PASS: Home Assistant {outcome.version} ({args.hass})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
