"""Start Home Assistant and the simulator on free ports and drive them over HTTP: what every check shares.

Home Assistant runs in a process of its own with a generated configuration in a
work directory and this repository's ``custom_components``; the simulator runs in
a process of its own too. Both listen on free ports of 127.0.0.1. A check talks
to them only through their HTTP APIs (REST and websocket), as a user's client
would, and ends with PASS or FAIL (``run_reported``).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager, suppress
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
"""The simulator's starting balance unless a check's options give it another."""

STARTUP_TIMEOUT = 300.0
"""Seconds Home Assistant may take to start: the first start compiles its bytecode."""
STEP_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
POLL_INTERVAL = 0.5
LOG_TAIL_LINES = 40

INTEGRATIONS = ("api", "auth", "config", "onboarding", "repairs")
"""The integrations every configuration sets up: the REST API, onboarding and the flows."""
SEND_SMS_PATH = f"api/services/{DOMAIN}/send_sms?return_response"


def configuration_yaml(
    port: int,
    *,
    core: Mapping[str, str] | None = None,
    integrations: Sequence[str] = (),
) -> str:
    """Return a configuration.yaml: HTTP on ``port`` of 127.0.0.1, these settings and integrations.

    ``core`` holds the settings of ``homeassistant:`` (a name of its own by default).
    """
    settings = core or {"name": "SMS Service Center end-to-end"}
    lines = [
        "homeassistant:",
        *(f"  {key}: {value}" for key, value in settings.items()),
        "http:",
        "  server_host: 127.0.0.1",
        f"  server_port: {port}",
        *(f"{name}:" for name in sorted({*INTEGRATIONS, *integrations})),
        "logger:",
        "  default: warning",
    ]
    return "\n".join(lines) + "\n"


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


def write_config(config_dir: Path, configuration: str) -> None:
    """Write configuration.yaml and link this repository's custom_components."""
    (config_dir / "configuration.yaml").write_text(configuration, encoding="utf-8")
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


async def wait_for[T](
    what: str,
    probe: Callable[[], Awaitable[T | None]],
    server: Server,
    *,
    seconds: float = STEP_TIMEOUT,
    interval: float = POLL_INTERVAL,
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
                await asyncio.sleep(interval)
    except TimeoutError as err:
        raise CheckError(f"timed out after {seconds:.0f} s waiting for {what}") from err


class Client:
    """JSON over HTTP to one server, with a bearer token once there is one."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        """Talk to the server at ``base_url`` (ending in a slash)."""
        self.session = session
        self.base_url = base_url
        self.token: str | None = None

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        form: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """Send a request; return its HTTP status and body, whatever they are."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method,
            self.base_url + path.lstrip("/"),
            json=json_body,
            data=form,
            headers=headers,
        ) as response:
            return response.status, await response.text()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        form: dict[str, str] | None = None,
    ) -> Any:
        """Send a request; return its decoded JSON answer or fail on an HTTP error."""
        status, text = await self.call(method, path, json_body=json_body, form=form)
        check(
            status < 300,
            f"{method} /{path.lstrip('/')} answered HTTP {status}: {text[:500]}",
        )
        return json.loads(text) if text else None

    async def probe(self, path: str) -> Any:
        """GET ``path``; return None while the server cannot answer it."""
        try:
            return await self.request("GET", path)
        except aiohttp.ClientError, CheckError:
            return None


class Simulator:
    """The simulator in a process of its own, and its API with the account's token."""

    def __init__(self, session: aiohttp.ClientSession, port: int) -> None:
        """Drive the simulator that is to listen on ``port`` of 127.0.0.1."""
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.api = Client(session, self.url)
        self.api.token = SIMULATOR_TOKEN
        self.server: Server | None = None

    async def start(self, work_dir: Path, *options: str) -> Server:
        """Start the simulator with these command line options and wait until it answers.

        It accepts ``SIMULATOR_TOKEN`` and starts with ``SIMULATOR_CREDITS`` unless
        ``options`` say otherwise.
        """
        self.server = await start_server(
            "the simulator",
            [
                sys.executable,
                "-m",
                "simulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--token",
                SIMULATOR_TOKEN,
                "--credits",
                str(SIMULATOR_CREDITS),
                *options,
            ],
            work_dir / "simulator.log",
        )
        await wait_for(
            "the simulator",
            lambda: self.api.probe("api/packets"),
            self.server,
            interval=0.1,
        )
        return self.server

    async def stop(self) -> None:
        """Stop the simulator, when it runs."""
        if self.server is not None:
            await self.server.stop()

    async def sent_messages(self) -> list[dict[str, Any]]:
        """Return the messages of the simulator's history, oldest first."""
        answer = await self.api.request("GET", "api/v2/history")
        messages: list[dict[str, Any]] = answer["details"]["messages"]
        return messages[::-1]

    async def inspect(self) -> dict[str, Any]:
        """Return what the simulator received, billed and is still answering."""
        state: dict[str, Any] = await self.api.request("GET", "_simulator/state")
        return state


@asynccontextmanager
async def simulator_process(
    session: aiohttp.ClientSession, work_dir: Path, *options: str
) -> AsyncIterator[Simulator]:
    """Run the simulator with these command line options on a free port; stop it after."""
    simulator = Simulator(session, free_port())
    try:
        await simulator.start(work_dir, *options)
        yield simulator
    finally:
        await simulator.stop()


class HomeAssistant:
    """One Home Assistant process on 127.0.0.1, driven over its REST and websocket APIs."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        port: int,
        command: Sequence[str],
        work_dir: Path,
    ) -> None:
        """Drive Home Assistant run by ``command`` with the configuration in ``work_dir``/config."""
        self.url = f"http://127.0.0.1:{port}/"
        self.api = Client(session, self.url)
        self.args = [*command, "--config", str(work_dir / "config"), "--skip-pip"]
        self.work_dir = work_dir
        self.server: Server | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        """Return Home Assistant's log file."""
        return self.work_dir / "config" / "home-assistant.log"

    def running_server(self) -> Server:
        """Return the running Home Assistant process."""
        check(self.server is not None, "Home Assistant is not running")
        assert self.server is not None  # noqa: S101 - narrowing after the check
        return self.server

    async def start(self) -> None:
        """Start Home Assistant and wait until its HTTP API answers."""
        self.starts += 1
        first = self.starts == 1
        self.server = await start_server(
            "Home Assistant" if first else "Home Assistant (restarted)",
            self.args,
            self.work_dir / ("hass.out" if first else f"hass-{self.starts}.out"),
        )
        await self.wait_for(
            "Home Assistant's HTTP server",
            lambda: self.api.probe("api/onboarding"),
            seconds=STARTUP_TIMEOUT,
        )

    async def stop(self) -> None:
        """Stop Home Assistant, when it runs."""
        if self.server is not None:
            await self.server.stop()
            self.server = None

    async def restart(self) -> None:
        """Stop Home Assistant and start it again with the same configuration."""
        await self.stop()
        await self.start()

    async def wait_for[T](
        self,
        what: str,
        probe: Callable[[], Awaitable[T | None]],
        *,
        seconds: float = STEP_TIMEOUT,
        interval: float = POLL_INTERVAL,
    ) -> T:
        """Return the first result of ``probe`` that is not None, while Home Assistant runs."""
        return await wait_for(
            what, probe, self.running_server(), seconds=seconds, interval=interval
        )

    async def onboard(
        self, name: str = "End-to-end", username: str = "e2e"
    ) -> dict[str, Any]:
        """Create the owner through onboarding; keep its access token and return its tokens."""
        answer = await self.api.request(
            "POST",
            "api/onboarding/users",
            json_body={
                "client_id": self.url,
                "name": name,
                "username": username,
                "password": secrets.token_urlsafe(16),
                "language": "en",
            },
        )
        tokens = await self.api.request(
            "POST",
            "auth/token",
            form={
                "grant_type": "authorization_code",
                "code": answer["auth_code"],
                "client_id": self.url,
            },
        )
        self.api.token = tokens["access_token"]
        return dict(tokens)

    async def wait_until_running(self) -> str:
        """Wait until Home Assistant has started; return its version."""

        async def running_version() -> str | None:
            config = await self.api.probe("api/config")
            if config is not None and config.get("state") == "RUNNING":
                return str(config["version"])
            return None

        return await self.wait_for(
            "Home Assistant to start", running_version, seconds=STARTUP_TIMEOUT
        )

    @asynccontextmanager
    async def websocket(self) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        """Yield a connection to the websocket API, authenticated with the owner's token."""
        async with self.api.session.ws_connect(self.url + "api/websocket") as ws:
            check(
                (await ws.receive_json())["type"] == "auth_required",
                "the websocket API did not ask for authentication",
            )
            await ws.send_json({"type": "auth", "access_token": self.api.token})
            answer = await ws.receive_json()
            check(answer["type"] == "auth_ok", f"websocket authentication: {answer}")
            yield ws

    async def websocket_command(self, message: dict[str, Any]) -> Any:
        """Send one command over the websocket API; return its result."""
        async with self.websocket() as ws:
            await ws.send_json({"id": 1, **message})
            result = await ws.receive_json()
        check(result.get("success") is True, f"{message['type']} failed: {result}")
        return result["result"]

    @asynccontextmanager
    async def entry_states(self, entry_id: str) -> AsyncIterator[list[str]]:
        """Yield the list of states the config entry goes through from now on, as they come."""
        states: list[str] = []
        subscribed = asyncio.Event()

        async def follow() -> None:
            async with self.websocket() as ws:
                await ws.send_json({"id": 1, "type": "config_entries/subscribe"})
                result = await ws.receive_json()
                check(result.get("success") is True, f"subscribe: {result}")
                subscribed.set()
                while True:
                    # The first event lists every entry with the type None.
                    states.extend(
                        change["entry"]["state"]
                        for change in (await ws.receive_json())["event"]
                        if change["entry"]["entry_id"] == entry_id
                        and change["type"] is not None
                    )

        task = asyncio.create_task(follow())
        try:
            waiting = asyncio.create_task(subscribed.wait())
            await asyncio.wait(
                [task, waiting],
                timeout=STEP_TIMEOUT,
                return_when=asyncio.FIRST_COMPLETED,
            )
            waiting.cancel()
            if task.done():
                task.result()
            check(subscribed.is_set(), "config_entries/subscribe did not answer")
            yield states
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def add_account(
        self, simulator_url: str, token: str = SIMULATOR_TOKEN
    ) -> dict[str, Any]:
        """Add the simulated account through the config flow; return its loaded entry."""
        form = await self.api.request(
            "POST",
            "api/config/config_entries/flow",
            json_body={"handler": DOMAIN, "show_advanced_options": False},
        )
        check(
            form.get("type") == "form" and form.get("step_id") == "user",
            f"the config flow did not show its user step: {form}",
        )
        result = await self.api.request(
            "POST",
            f"api/config/config_entries/flow/{form['flow_id']}",
            json_body={"api_token": token, "advanced": {"url": simulator_url}},
        )
        check(
            result.get("type") == "create_entry",
            f"the config flow did not create an entry: {result}",
        )
        entry: dict[str, Any] = result["result"]
        check(
            entry.get("state") == "loaded",
            f"the new entry is {entry.get('state')}, not loaded",
        )
        return entry

    async def add_recipient(self, entry_id: str, name: str, number: str) -> str:
        """Add a recipient subentry; return the entity ID of its notify entity."""
        await self.create_recipient(entry_id, name, number)
        return await self.notify_entity(name)

    async def create_recipient(self, entry_id: str, name: str, number: str) -> None:
        """Go through the recipient subentry flow until it has created the subentry."""
        form = await self.api.request(
            "POST",
            "api/config/config_entries/subentries/flow",
            json_body={"handler": [entry_id, "recipient"]},
        )
        check(
            form.get("type") == "form",
            f"the recipient flow did not show a form: {form}",
        )
        result = await self.api.request(
            "POST",
            f"api/config/config_entries/subentries/flow/{form['flow_id']}",
            json_body={"name": name, "phone_number": number},
        )
        check(
            result.get("type") == "create_entry",
            f"the recipient flow did not create {name}: {result}",
        )

    async def notify_entity(self, name: str) -> str:
        """Wait for the notify entity named ``name``; return its entity ID."""

        async def entity_id() -> str | None:
            for state in await self.api.probe("api/states") or ():
                if (
                    state["entity_id"].startswith("notify.")
                    and state["attributes"].get("friendly_name") == name
                ):
                    return str(state["entity_id"])
            return None

        return await self.wait_for(f"the notify entity of {name}", entity_id)

    async def submit_options(self, entry_id: str, options: Mapping[str, Any]) -> None:
        """Submit the account's options flow with ``options``; changed options reload it."""
        form = await self.api.request(
            "POST",
            "api/config/config_entries/options/flow",
            json_body={"handler": entry_id},
        )
        result = await self.api.request(
            "POST",
            f"api/config/config_entries/options/flow/{form['flow_id']}",
            json_body=dict(options),
        )
        check(result.get("type") == "create_entry", f"options: {result}")

    async def set_options(self, entry_id: str, options: Mapping[str, Any]) -> list[str]:
        """Change the account's options; wait until it is loaded again; return its states."""
        async with self.entry_states(entry_id) as states:
            await self.submit_options(entry_id, options)
            await self.wait_for(
                "the account to load again", lambda: reloaded(states), interval=0.1
            )
        return states

    async def send_sms(
        self, entry_id: str, recipients: Sequence[str], message: str
    ) -> dict[str, Any]:
        """Send with smsservicecenter.send_sms; return its response."""
        answer = await self.api.request(
            "POST",
            SEND_SMS_PATH,
            json_body={
                "config_entry_id": entry_id,
                "recipients": list(recipients),
                "message": message,
            },
        )
        response: dict[str, Any] = answer["service_response"]
        return response

    async def wait_for_state(self, entity_id: str, wanted: str) -> None:
        """Wait until the state of ``entity_id`` is ``wanted``."""

        async def state_is_wanted() -> bool | None:
            state = await self.api.probe(f"api/states/{entity_id}")
            return True if state is not None and state["state"] == wanted else None

        await self.wait_for(f"{entity_id} to be {wanted}", state_is_wanted)

    async def device_id(self, entity_id: str) -> str:
        """Return the ID of the device of ``entity_id``."""
        status, answer = await self.api.call(
            "POST",
            "api/template",
            json_body={"template": f"{{{{ device_id('{entity_id}') }}}}"},
        )
        check(
            status == 200 and answer not in {"", "None"},
            f"no device for {entity_id}: HTTP {status} {answer}",
        )
        return answer


async def reloaded(states: Sequence[str]) -> bool | None:
    """Return True once a config entry went through other states and is loaded again."""
    unloaded = any(state != "loaded" for state in states)
    return True if unloaded and states[-1] == "loaded" else None


@dataclass(slots=True)
class Outcome:
    """What a run found out, kept when it fails."""

    log_path: Path
    """Home Assistant's log file of the run that runs now."""
    version: str = "(version unknown: not started)"


class Run:
    """Home Assistant and the simulator of one run, and the steps most checks take."""

    def __init__(self, hass: HomeAssistant, simulator: Simulator) -> None:
        """Check ``hass``, which talks to ``simulator``."""
        self.hass = hass
        self.simulator = simulator

    async def start_up(self, outcome: Outcome) -> dict[str, Any]:
        """Onboard an owner, wait until Home Assistant runs; return the owner's tokens."""
        tokens = await self.hass.onboard()
        report("ok: onboarded an owner and got an access token")
        outcome.version = await self.hass.wait_until_running()
        report(f"Home Assistant {outcome.version} is running")
        return tokens

    async def add_account(self) -> str:
        """Add the simulated account through the config flow; return its entry ID."""
        entry = await self.hass.add_account(self.simulator.url)
        report(f"ok: config flow created the loaded entry {entry['title']!r}")
        return str(entry["entry_id"])

    async def check_last_sent(self, count: int, message: str) -> dict[str, Any]:
        """Check that the simulator holds ``count`` messages, the last one ``message``."""
        messages = await self.simulator.sent_messages()
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

    async def send_sms(
        self, entry_id: str, number: str, message: str, *, count: int
    ) -> None:
        """Send with smsservicecenter.send_sms; check its response and the simulator's ``count``."""
        response = await self.hass.send_sms(entry_id, [number], message)
        check(
            response.get("recipients") == [number]
            and response.get("segments") == 1
            and response.get("test_mode") is False,
            f"unexpected send_sms response: {response}",
        )
        last = await self.check_last_sent(count, message)
        check(
            last["id"] == response.get("message_id"),
            f"send_sms answered message ID {response.get('message_id')}, "
            f"the simulator recorded {last['id']}",
        )


@asynccontextmanager
async def started[R: Run](
    work_dir: Path,
    hass_command: Sequence[str],
    make_run: Callable[[HomeAssistant, Simulator], R],
    *,
    simulator_options: Sequence[str] = (),
    core: Mapping[str, str] | None = None,
    integrations: Sequence[str] = (),
) -> AsyncIterator[R]:
    """Start the simulator and Home Assistant in ``work_dir``; yield their run; stop both.

    ``core`` and ``integrations`` go to Home Assistant's configuration.yaml
    (``configuration_yaml``).
    """
    config_dir = work_dir / "config"
    config_dir.mkdir(parents=True)
    hass_port = free_port()
    write_config(
        config_dir,
        configuration_yaml(hass_port, core=core, integrations=integrations),
    )
    async with (
        aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=STEP_TIMEOUT)
        ) as session,
        simulator_process(session, work_dir, *simulator_options) as simulator,
    ):
        hass = HomeAssistant(session, hass_port, hass_command, work_dir)
        try:
            await hass.start()
            yield make_run(hass, simulator)
        finally:
            await hass.stop()


def hass_command(prog: str, description: str, argv: Sequence[str] | None) -> str:
    """Parse a check's command line, ``--hass PATH``; return the hass command to check."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--hass",
        required=True,
        help="the hass command of the virtual environment to check",
    )
    hass: str = parser.parse_args(argv).hass
    return hass


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


def check_integration_log(log_path: Path) -> None:
    """Show the warnings Home Assistant logged about the integration; fail on its errors."""
    errors, warnings = integration_log_lines(log_path)
    for line in warnings:
        report(f"warning logged: {line}")
    check(not errors, "errors logged:\n" + "\n".join(errors))


def log_tail(path: Path) -> str:
    """Return the last lines of a log file."""
    if not path.exists():
        return f"({path} does not exist)"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


def run_reported(
    checks: Callable[[Path, Outcome], Coroutine[Any, Any, str]],
    *,
    prefix: str,
    label: str = "",
    check_log: bool = True,
    kept: str = "Logs",
) -> int:
    """Run ``checks`` in a new work directory; report PASS or FAIL; return the exit code.

    ``checks`` returns what the PASS line adds. On a failure the tail of Home
    Assistant's log is shown and the work directory (``kept``) is kept; with
    ``check_log`` errors Home Assistant logged about the integration fail the run.
    """
    work_dir = Path(tempfile.mkdtemp(prefix=prefix))
    outcome = Outcome(log_path=work_dir / "config" / "home-assistant.log")
    try:
        passed = asyncio.run(checks(work_dir, outcome))
        if check_log:
            check_integration_log(outcome.log_path)
    except Exception as err:  # noqa: BLE001 - any failure keeps the logs for a look
        report(f"\nLast lines of {outcome.log_path}:\n{log_tail(outcome.log_path)}\n")
        detail = str(err) if isinstance(err, CheckError) else repr(err)
        report(f"FAIL: Home Assistant {outcome.version}{label}: {detail}")
        report(f"{kept} kept in {work_dir}")
        return 1
    shutil.rmtree(work_dir)
    report(f"PASS: Home Assistant {outcome.version}{label}{passed}")
    return 0
