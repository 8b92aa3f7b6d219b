"""Fixtures for the tests of the API client: a fake API on 127.0.0.1 and a client talking to it."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import aiohttp
from aiohttp import web
import pytest

from custom_components.smsservicecenter.api import SmsServiceCenterClient

from . import TOKEN, AiohttpServer, FakeApi


@pytest.fixture
async def fake_api(socket_enabled: None, aiohttp_server: AiohttpServer) -> FakeApi:
    """Return a running fake API on 127.0.0.1."""
    fake = FakeApi()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = await aiohttp_server(app)
    fake.base_url = f"http://{server.host}:{server.port}/"
    return fake


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """Return a session owned by the test."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def client(fake_api: FakeApi, session: aiohttp.ClientSession) -> SmsServiceCenterClient:
    """Return a client talking to the fake API."""
    return SmsServiceCenterClient(TOKEN, session, base_url=fake_api.base_url)
