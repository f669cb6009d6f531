"""Every CLI output path, fed poisoned records by a hostile server on loopback: no ESC, C1 or bidi
character reaches stdout or stderr in text mode, and ``--json`` is valid JSON with those characters
escaped (NaN/Infinity printed as null, with a warning).

The server is a small Starlette app run by the emulator's loopback runner (``EmulatorServer`` with its
app replaced); the records come from ``tests/hostile/records.py``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import types
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.hostile import records as R
from tui.cli import _register, cli
from tui.core.config import write_profile
from tui.core.profile import Profile
from tui.emulator.server import EmulatorServer
from tui.emulator.settings import EmulatorSettings

VALID_PAYLOAD = {"fields": "identities.id", "mergePolicy": {"id": "mp-2", "version": 2},
                 "destination": {"datasetId": "ds-plain", "segmentPerBatch": False},
                 "schema": {"name": "_xdm.context.profile"}}  # ids the hostile server lists
UPS = "/data/core/ups"
CATALOG = "/data/foundation/catalog"


def _json(data: Any, status: int = 200) -> Response:
    # Raw characters (no ASCII escaping) and NaN allowed: what a hostile server sends.
    return Response(json.dumps(data, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass"),
                    status_code=status, media_type="application/json")


class Hostile:
    """The hostile server's behaviour: ``fail`` makes every Platform call answer a poisoned 400."""

    def __init__(self) -> None:
        self.fail = False
        self.nan = False
        self.gets = 0
        self.list_body: bytes | None = None  # when set, the list answer's exact bytes
        self.post_seen = threading.Event()
        self.hang_posts = False  # a create whose answer never comes

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            return _json({"access_token": "tok-hostile", "token_type": "bearer", "expires_in": 86_400_000})

        def platform(handler):
            async def wrapped(request: Request) -> Response:
                if self.fail:
                    return _json(R.error_body(400), 400)
                return await handler(request)
            return wrapped

        async def list_jobs(request: Request) -> Response:
            if self.list_body is not None:
                return Response(self.list_body, media_type="application/json")
            page = R.jobs_page()
            if self.nan:
                page["records"][0]["metrics"]["totalTime"]["totalTimeInMs"] = float("nan")
                page["records"][1]["metrics"]["totalTime"]["endTimeInMs"] = float("inf")
            return _json(page)

        async def get_job(request: Request) -> Response:
            self.gets += 1
            job_id = request.path_params["id"]
            # The first reads answer PROCESSING (so cancel proceeds and --wait polls), then FAILED.
            status = "PROCESSING" if self.gets <= 2 else "FAILED"
            record = R.job(int(job_id) if job_id.isdigit() else R.poisoned("id"), status)
            if self.nan:
                record["metrics"]["totalTime"]["totalTimeInMs"] = float("-inf")
            return _json(record)

        async def create_job(request: Request) -> Response:
            self.post_seen.set()
            if self.hang_posts:
                await asyncio.sleep(60)
            answer = R.create_answer()
            answer["id"] = 777
            answer["requestId"] = R.poisoned("createRequestId")
            return _json(answer)

        async def cancel_job(request: Request) -> Response:
            return _json(R.cancel_answer())

        async def list_datasets(request: Request) -> Response:
            start = int(request.query_params.get("start", "0"))
            return _json(R.datasets() if start == 0 else {})

        async def create_dataset(request: Request) -> Response:
            return _json([f"@/dataSets/{R.poisoned('newds')}"], 201)

        async def merge_policies(request: Request) -> Response:
            return _json(R.merge_policies())

        # The create preflight's lookups answer even in "fail" mode, so the create itself is sent.
        async def get_dataset(request: Request) -> Response:
            ds_id = request.path_params["id"]
            return _json({ds_id: R.datasets()["ds-plain"]})

        async def get_merge_policy(request: Request) -> Response:
            policy = dict(R.merge_policies()["children"][1])
            policy["id"] = request.path_params["id"]
            return _json(policy)

        # A development sandbox with a poisoned title: the CLI's production guard stays out of the way.
        async def sandboxes(request: Request) -> Response:
            return _json({"sandboxes": [{"name": "prod", "title": R.poisoned("title"), "type": "development",
                                         "state": "active"}], "_page": {"limit": 50, "count": 1}})

        return Starlette(routes=[
            Route("/ims/token/v3", token, methods=["POST"]),
            Route("/data/foundation/sandbox-management/", sandboxes, methods=["GET"]),
            Route(f"{UPS}/export/jobs", platform(list_jobs), methods=["GET"]),
            Route(f"{UPS}/export/jobs", platform(create_job), methods=["POST"]),
            Route(f"{UPS}/export/jobs/{{id}}", platform(get_job), methods=["GET"]),
            Route(f"{UPS}/export/jobs/{{id}}", platform(cancel_job), methods=["DELETE"]),
            Route(f"{CATALOG}/dataSets", platform(list_datasets), methods=["GET"]),
            Route(f"{CATALOG}/dataSets", platform(create_dataset), methods=["POST"]),
            Route(f"{UPS}/config/mergePolicies", platform(merge_policies), methods=["GET"]),
            Route(f"{CATALOG}/dataSets/{{id}}", get_dataset, methods=["GET"]),
            Route(f"{UPS}/config/mergePolicies/{{id}}", get_merge_policy, methods=["GET"]),
        ])


@pytest.fixture
def hostile(tmp_path):
    behaviour = Hostile()
    settings = EmulatorSettings(port=0, jobs=0)
    server = EmulatorServer(settings)
    app = behaviour.app()
    app.state.__dict__.update(server.app.state.__dict__.get("_state", {}))  # what stop() closes
    server.app = app
    with server:
        config = tmp_path / "aepx.toml"
        write_profile(config, Profile(name="evil", org_id="EVIL@AdobeOrg", client_id="cid", sandbox="prod",
                                      platform_url=server.base_url, ims_url=server.base_url), make_default=True)
        payload = tmp_path / "payload.json"
        payload.write_text(json.dumps(VALID_PAYLOAD), encoding="utf-8")
        behaviour.config = config
        behaviour.payload = payload
        yield behaviour


def run(hostile: Hostile, *args: str, input: str | None = None):
    _register()
    return CliRunner().invoke(cli, ["--config", str(hostile.config), *args], input=input,
                              env={"AEPX_CLIENT_SECRET": "s3cret-value", "AEPX_STATE_DIR": None},
                              catch_exceptions=False)


def assert_inert(result) -> None:
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        found = R.forbidden_in(text)
        assert not found, f"{name} carries {found}: {text[:400]!r}"


def _holds_poison(data: Any) -> bool:
    if isinstance(data, str):
        return R.POISON in data
    if isinstance(data, dict):
        return any(_holds_poison(k) or _holds_poison(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_holds_poison(v) for v in data)
    return False


TEXT_COMMANDS = [
    ("jobs", "list"),
    ("jobs", "list", "--all"),
    ("jobs", "show", "1"),
    ("jobs", "create", "--file", "{payload}"),
    ("jobs", "create", "--file", "{payload}", "--wait", "--poll", "0.1"),
    ("jobs", "cancel", "2", "--yes"),
    ("datasets", "list"),
    ("datasets", "list", "--all-schemas"),
    ("datasets", "create", "--name", "x"),
]


@pytest.mark.parametrize("args", TEXT_COMMANDS, ids=lambda a: " ".join(a))
@pytest.mark.parametrize("fail", [False, True], ids=["answers", "errors"])
def test_no_control_character_reaches_the_terminal(hostile, args, fail):
    hostile.fail = fail
    result = run(hostile, *(a.format(payload=hostile.payload) for a in args))
    assert result.stdout or result.stderr
    assert_inert(result)
    if fail:
        assert result.exit_code != 0 and "␛]52;c;" in result.stderr  # the server's words, made inert
    else:
        assert result.exit_code in (0, 1)  # --wait ends on FAILED: exit 1


def test_created_job_lines_and_the_id_on_stdout_are_inert(hostile):
    result = run(hostile, "jobs", "create", "--file", str(hostile.payload), "--wait", "--poll", "0.1")
    assert "Created export job 777" in result.stderr
    assert "job 777: FAILED" in result.stderr  # the --wait progress line
    assert "msg␛]52;c;" in result.stderr  # the poisoned error message, shown with visible stand-ins
    assert result.stdout.strip() == "777"
    assert_inert(result)


def test_the_cancel_prompt_and_rows_are_inert(hostile, monkeypatch):
    import tui.cli.jobs as jobs_module

    class TTY:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(jobs_module, "sys", types.SimpleNamespace(stdin=TTY()))
    result = run(hostile, "jobs", "cancel", "2", input="y\n")
    assert "Cancel 1 job(s) in profile evil, sandbox prod (development)?" in result.stderr
    assert "datasetId␛]52;c;" in result.stderr  # the row shown before the question
    assert_inert(result)


def test_the_jobs_table_shows_the_poisoned_id_as_text(hostile):
    result = run(hostile, "jobs", "list")
    assert "id␛]52;c;SGVsbG8=␇␛[2J" in result.stdout
    assert "\\x9b31m" in result.stdout and "\\u202eevil" in result.stdout
    assert R.MARKUP_TEXT in result.stdout  # markup is shown, not interpreted
    assert_inert(result)


@pytest.mark.parametrize("args", [("jobs", "list"), ("jobs", "show", "1"), ("datasets", "list")],
                         ids=lambda a: " ".join(a))
def test_json_output_is_valid_and_escapes_controls(hostile, args):
    result = run(hostile, *args, "--json")
    assert result.exit_code == 0, result.stderr
    assert not R.forbidden_in(result.stdout)
    data = json.loads(result.stdout)  # valid JSON
    assert _holds_poison(data)  # the strings are intact once decoded


@pytest.mark.parametrize("args", [("jobs", "list"), ("jobs", "show", "1")], ids=lambda a: " ".join(a))
def test_json_output_turns_nan_and_infinity_into_null_with_a_warning(hostile, args):
    hostile.nan = True
    result = run(hostile, *args, "--json")
    assert result.exit_code == 0, result.stderr
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"{name} in the JSON output"))
    assert "NaN or Infinity" in result.stderr and "printed as null" in result.stderr


def test_payload_file_strings_are_inert_in_warnings(hostile, tmp_path: Path):
    payload = tmp_path / "evil.json"
    payload.write_text(json.dumps({**VALID_PAYLOAD, R.poisoned("unknownKey"): 1}), encoding="utf-8")
    result = run(hostile, "jobs", "create", "--file", str(payload))
    assert_inert(result)
