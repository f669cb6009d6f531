"""PlatformClient.list_sandboxes / sandbox_kind against the emulator; the fail-closed rule."""

from __future__ import annotations

import dataclasses

from tests.api.emulator_support import emulator_client, emulator_profile
from tui.api.client import SANDBOX_PAGE, PlatformClient
from tui.core.sandboxes import DEVELOPMENT, PRODUCTION, UNKNOWN, SandboxInfo, kind_of
from tui.core.secret import Secret
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings


async def test_list_follows_pages_and_types_are_learned():
    names = {f"dev{i}": "development" for i in range(SANDBOX_PAGE + 5)}
    with EmulatorServer(EmulatorSettings(port=0, jobs=0, sandbox_types={"prod": "production", **names})) as srv:
        async with emulator_client(srv) as client:
            listed = await client.list_sandboxes()
            assert len(listed) == SANDBOX_PAGE + 6  # more than one page
            kind = await client.sandbox_kind()
            assert (kind.type, kind.is_production, kind.note) == (PRODUCTION, True, None)
        profile = dataclasses.replace(emulator_profile(srv), sandbox="dev3")
        async with PlatformClient(profile, Secret("emulator-secret")) as dev:
            kind = await dev.sandbox_kind()
            assert (kind.type, kind.is_production) == (DEVELOPMENT, False)


async def test_an_error_is_unknown_and_treated_as_production():
    with EmulatorServer(EmulatorSettings(port=0, jobs=0)) as srv:
        async with emulator_client(srv, secret="wrong") as client:
            kind = await client.sandbox_kind()
    assert kind.type == UNKNOWN and kind.is_production
    assert "treats it as production" in kind.note and kind.note.count(".") >= 1


def test_kind_of_an_unlisted_or_untyped_sandbox_fails_closed():
    listed = [SandboxInfo("prod", type=PRODUCTION), SandboxInfo("odd", type=UNKNOWN),
              SandboxInfo("dev1", type=DEVELOPMENT)]
    assert kind_of("dev1", listed).is_production is False
    for name in ("odd", "nowhere"):
        kind = kind_of(name, listed)
        assert kind.is_production and kind.type == UNKNOWN and name in kind.note
    assert kind_of("x", None, "no answer").label == "unknown (treated as production)"


def test_sandbox_info_parse_is_defensive():
    assert SandboxInfo.parse({"name": "a", "type": "Production"}).type == PRODUCTION
    assert SandboxInfo.parse({"name": "a", "type": "staging"}).type == UNKNOWN
    assert SandboxInfo.parse({"type": "production"}) is None
    assert SandboxInfo.parse("x") is None
