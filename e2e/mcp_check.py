"""Check the LLM tools over MCP, in a real Home Assistant process against the simulator.

``python -m e2e.mcp_check`` starts the simulator and Home Assistant (this
Python's) on free ports of 127.0.0.1, onboards an owner, adds the simulated
account with two recipients through the config flows, exposes one of them to
Assist and sets up Home Assistant's ``mcp_server`` with the Assist API. Then,
with the ``mcp`` package's streamable HTTP client at ``/api/mcp``, as a desktop
AI app would: it lists the tools, sends to the exposed recipient (one message,
its ID in the result, no phone number), is refused for the other recipient and
for a raw phone number (nothing sent), reads the credits, and is refused over
the daily credit limit (nothing sent). It ends with PASS or FAIL (exit code 1).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
import json
from pathlib import Path
import sys
from typing import Any

from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client

from .harness import (
    DOMAIN,
    SIMULATOR_CREDITS,
    Outcome,
    Run,
    check,
    report,
    run_reported,
    started,
)

SEND_TOOL = f"{DOMAIN}__send_message"
CREDITS_TOOL = f"{DOMAIN}__get_credits"
EXPOSED = ("Alice", "0612345678")
NOT_EXPOSED = ("Bob", "0687654321")
LONG_MESSAGE = "Dinner is ready. " * 12
"""Two SMS parts, so two credits."""


class McpRun(Run):
    """The account, its recipients and mcp_server through the API; the checks over MCP."""

    async def execute(self, outcome: Outcome) -> None:
        """Prepare Home Assistant, then run every check over MCP."""
        await self.start_up(outcome)
        entry_id = await self.add_account()
        exposed = await self.add_recipient(entry_id, *EXPOSED)
        await self.add_recipient(entry_id, *NOT_EXPOSED)
        await self.hass.websocket_command(
            {
                "type": "homeassistant/expose_entity",
                "assistants": ["conversation"],
                "entity_ids": [exposed],
                "should_expose": True,
            }
        )
        report(f"ok: exposed {exposed} to Assist")
        await self.set_up_mcp_server()
        async with self.mcp_session() as session:
            await self.check_tools(session)
            await self.check_send(session)
            await self.check_refused(session, NOT_EXPOSED[0], "a recipient not exposed")
            await self.check_refused(session, "+31612345678", "a raw phone number")
            await self.check_credits_tool(session, used=1, limit=None)
        await self.set_daily_limit(entry_id, 2)
        async with self.mcp_session() as session:
            await self.check_daily_limit(session)

    async def add_recipient(self, entry_id: str, name: str, number: str) -> str:
        """Add a recipient subentry; return the entity ID of its notify entity."""
        entity_id = await self.hass.add_recipient(entry_id, name, number)
        report(f"ok: recipient {name} added, with {entity_id}")
        return entity_id

    async def set_up_mcp_server(self) -> None:
        """Add mcp_server and let it serve the Assist API only."""
        form = await self.hass.api.request(
            "POST",
            "api/config/config_entries/flow",
            json_body={"handler": "mcp_server", "show_advanced_options": False},
        )
        entry = await self.hass.api.request(
            "POST", f"api/config/config_entries/flow/{form['flow_id']}", json_body={}
        )
        check(entry.get("type") == "create_entry", f"mcp_server: {entry}")
        entry_id = entry["result"]["entry_id"]
        options = await self.hass.api.request(
            "POST",
            "api/config/config_entries/options/flow",
            json_body={"handler": entry_id},
        )
        path = f"api/config/config_entries/options/flow/{options['flow_id']}"
        # Unticking "all LLM APIs" shows the API picker first.
        await self.hass.api.request(
            "POST", path, json_body={"all_llm_apis": False, "require_admin": True}
        )
        result = await self.hass.api.request(
            "POST",
            path,
            json_body={
                "all_llm_apis": False,
                "llm_hass_api": ["assist"],
                "require_admin": True,
            },
        )
        check(result.get("type") == "create_entry", f"mcp_server options: {result}")
        report("ok: mcp_server serves the Assist API at /api/mcp")

    def mcp_session(self) -> AbstractAsyncContextManager[ClientSession]:
        """Return an MCP client session to /api/mcp with the owner's token."""
        return mcp_session(f"{self.hass.url}api/mcp", str(self.hass.api.token))

    async def check_tools(self, session: ClientSession) -> None:
        """Check both tools are listed, the send tool with the exposed recipient only."""
        # As JSON: the mcp package's field names changed in its version 2.
        tools = {
            tool.name: tool.model_dump(by_alias=True)
            for tool in (await session.list_tools()).tools
        }
        check(
            SEND_TOOL in tools and CREDITS_TOOL in tools,
            f"the tools listed are {sorted(tools)}",
        )
        send_tool, credits_tool = tools[SEND_TOOL], tools[CREDITS_TOOL]
        recipients = send_tool["inputSchema"]["properties"]["recipient"]["enum"]
        check(recipients == [EXPOSED[0]], f"the send tool offers {recipients}")
        check(
            send_tool["annotations"]["readOnlyHint"] is False
            and send_tool["annotations"]["openWorldHint"] is True,
            f"the send tool's annotations are {send_tool['annotations']}",
        )
        check(
            credits_tool["annotations"]["readOnlyHint"] is True,
            f"the credits tool's annotations are {credits_tool['annotations']}",
        )
        report(
            f"ok: MCP lists {SEND_TOOL} (recipients {recipients}) and {CREDITS_TOOL}"
        )

    async def check_send(self, session: ClientSession) -> None:
        """Send to the exposed recipient: one message, its ID, no phone number."""
        before = len(await self.simulator.sent_messages())
        text, is_error = await call_tool(
            session, SEND_TOOL, {"recipient": EXPOSED[0], "message": "Dinner is ready"}
        )
        check(not is_error, f"the send was refused: {text}")
        result = json.loads(text)
        messages = await self.simulator.sent_messages()
        check(
            len(messages) == before + 1,
            f"the simulator recorded {len(messages) - before} message(s), expected 1",
        )
        check(
            result.get("message_id") == messages[-1]["id"],
            f"the result {result} does not carry the ID {messages[-1]['id']}",
        )
        check(
            EXPOSED[1][1:] not in text and "+31" not in text,
            f"the result holds a phone number: {text}",
        )
        report(f"ok: sent to {EXPOSED[0]} in one request; the result is {text}")

    async def check_refused(
        self, session: ClientSession, recipient: str, what: str
    ) -> None:
        """Check a send to ``recipient`` is an error and sends nothing."""
        before = len(await self.simulator.sent_messages())
        text, is_error = await call_tool(
            session, SEND_TOOL, {"recipient": recipient, "message": "Hello"}
        )
        check(is_error, f"a send to {what} was not refused: {text}")
        check(
            len(await self.simulator.sent_messages()) == before,
            f"a send to {what} reached the simulator",
        )
        report(f"ok: a send to {what} is refused and sends nothing: {text}")

    async def check_credits_tool(
        self, session: ClientSession, *, used: int, limit: int | None
    ) -> None:
        """Check the credits tool reads the account's numbers."""
        text, is_error = await call_tool(session, CREDITS_TOOL, {})
        check(not is_error, f"the credits tool failed: {text}")
        accounts = json.loads(text)["accounts"]
        expected = {
            "account": "SMS Service Center",
            "credits": SIMULATOR_CREDITS - used,
            "credits_used_today": used,
            "daily_credit_limit": limit,
            "queued_messages": 0,
        }
        check(accounts == [expected], f"the credits tool read {accounts}")
        report(f"ok: {CREDITS_TOOL} reads {text}")

    async def set_daily_limit(self, entry_id: str, limit: int) -> None:
        """Set the account's daily credit limit in its options; wait until it is loaded again."""
        await self.hass.set_options(
            entry_id,
            {
                "low_credits_threshold": 10,
                "default_country": "NL",
                "daily_credit_limit": limit,
                "outbox_minutes": 60,
            },
        )
        report(f"ok: daily credit limit set to {limit}")

    async def check_daily_limit(self, session: ClientSession) -> None:
        """Check a send over the daily limit is refused with its message, nothing sent."""
        await self.check_credits_tool(session, used=1, limit=2)
        before = len(await self.simulator.sent_messages())
        text, is_error = await call_tool(
            session, SEND_TOOL, {"recipient": EXPOSED[0], "message": LONG_MESSAGE}
        )
        check(
            is_error and "daily credit limit" in text,
            f"a send over the daily limit was not refused as such: {text}",
        )
        check(
            len(await self.simulator.sent_messages()) == before,
            "a send over the daily limit reached the simulator",
        )
        report(f"ok: a send over the daily limit is refused, nothing sent: {text}")


@asynccontextmanager
async def mcp_session(url: str, token: str) -> AsyncIterator[ClientSession]:
    """Yield an initialized MCP client session to ``url``, with a bearer token."""
    async with (
        create_mcp_http_client(
            headers={"Authorization": f"Bearer {token}"}
        ) as http_client,
        # Version 1 of the mcp package yields a third item, the session ID getter.
        streamable_http_client(url, http_client=http_client) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        await session.initialize()
        yield session


async def call_tool(
    session: ClientSession, name: str, arguments: dict[str, Any]
) -> tuple[str, bool]:
    """Call a tool; return the text of its result and whether it is an error."""
    result = (await session.call_tool(name, arguments)).model_dump(by_alias=True)
    text = "".join(content.get("text", "") for content in result["content"])
    return text, bool(result["isError"])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the MCP check; return the exit code."""
    argparse.ArgumentParser(
        prog="python -m e2e.mcp_check",
        description="Check the LLM tools over MCP in a real Home Assistant.",
    ).parse_args(argv)

    async def checks(work_dir: Path, outcome: Outcome) -> str:
        async with started(
            work_dir, [sys.executable, "-m", "homeassistant"], McpRun
        ) as run:
            await run.execute(outcome)
        return ""

    return run_reported(checks, prefix="smsservicecenter-mcp-")


if __name__ == "__main__":
    sys.exit(main())
