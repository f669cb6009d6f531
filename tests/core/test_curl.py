from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tui.core.curl import as_curl, export_jobs_url
from tui.core.models import Target

TARGET = Target(profile="p", org_id="ORG@AdobeOrg", sandbox="dev-1", platform_url="https://platform.adobe.io/",
                client_id="client-123")
PAYLOAD = {"fields": "a,b", "note": "it's $HOME `id` \"q\"\nline2", "destination": {"datasetId": "ds-1"},
           "schema": {"name": "_xdm.context.profile"}}


def test_url_has_no_double_slash():
    assert export_jobs_url(TARGET) == "https://platform.adobe.io/data/core/ups/export/jobs"


def test_command_contains_no_token_only_the_placeholder():
    cmd = as_curl(TARGET, PAYLOAD, api_key="client-123")
    assert 'Authorization: Bearer $ACCESS_TOKEN' in cmd
    assert cmd.startswith("curl -X POST https://platform.adobe.io/data/core/ups/export/jobs")
    assert "tok" not in cmd.lower().replace("$access_token", "")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_shell_parses_it_back_exactly():
    """Run the command in bash with `curl` replaced by a function printing its argv as JSON."""
    cmd = as_curl(TARGET, PAYLOAD, api_key="client-123")
    printer = f'{sys.executable} -c "import json,sys; print(json.dumps(sys.argv[1:]))"'
    script = f'curl() {{ {printer} "$@"; }}\nACCESS_TOKEN=tok-xyz\n{cmd}\n'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
    argv = json.loads(out)
    assert argv[:2] == ["-X", "POST"]
    assert argv[2] == "https://platform.adobe.io/data/core/ups/export/jobs"
    headers = [argv[i + 1] for i, a in enumerate(argv) if a == "-H"]
    assert headers == ["Authorization: Bearer tok-xyz", "x-api-key: client-123",
                       "x-gw-ims-org-id: ORG@AdobeOrg", "x-sandbox-name: dev-1",
                       "Content-Type: application/json"]
    body = argv[argv.index("-d") + 1]
    assert json.loads(body) == PAYLOAD  # quotes, $, backticks and newlines survive untouched
