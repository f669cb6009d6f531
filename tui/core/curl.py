""""Copy as curl": the create-job request as a shell command, with the access token left out.

The token is never known here: the command reads it from ``$ACCESS_TOKEN``, which the operator sets
themselves. Every other value is quoted with ``shlex.quote`` so quotes, ``$`` and newlines in the
payload or headers cannot break out of the command. Pure Python: no ``textual`` import.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from tui.core.models import Target
from tui.core.protocol import JOBS_PATH

TOKEN_PLACEHOLDER = "$ACCESS_TOKEN"


def export_jobs_url(target: Target) -> str:
    return target.platform_url.rstrip("/") + JOBS_PATH


def as_curl(target: Target, payload: Mapping[str, Any], *, api_key: str) -> str:
    """A multi-line ``curl`` command that POSTs ``payload`` to ``target``'s export-jobs endpoint."""
    body = json.dumps(payload, indent=2, ensure_ascii=False)
    headers = [
        f"x-api-key: {api_key}",
        f"x-gw-ims-org-id: {target.org_id}",
        f"x-sandbox-name: {target.sandbox}",
        "Content-Type: application/json",
    ]
    lines = [
        "curl -X POST " + shlex.quote(export_jobs_url(target)),
        # Double quotes on purpose: the shell expands the variable, the token never appears here.
        f'-H "Authorization: Bearer {TOKEN_PLACEHOLDER}"',
        *(f"-H {shlex.quote(h)}" for h in headers),
        f"-d {shlex.quote(body)}",
    ]
    return " \\\n  ".join(lines)


CLIENT_SECRET_PLACEHOLDER = "$CLIENT_SECRET"


def request_as_curl(method: str, url: str, *, api_key: str, org_id: str, sandbox: str, ims: bool = False,
                    client_id: str = "", scope: str = "") -> str:
    """One logged call as a ``curl`` command (the call log's ``c``). The token is ``$ACCESS_TOKEN`` and, for
    an IMS token call, the secret is ``$CLIENT_SECRET``: neither is known here. Bodies are never logged,
    so a POST to the Platform reads its payload from ``payload.json`` (save it from the editor)."""
    if ims:
        lines = [
            f"curl -X POST {shlex.quote(url)}",
            "-H 'Content-Type: application/x-www-form-urlencoded'",
            "--data-urlencode grant_type=client_credentials",
            f"--data-urlencode {shlex.quote('client_id=' + client_id)}",
            f'--data-urlencode "client_secret={CLIENT_SECRET_PLACEHOLDER}"',
            f"--data-urlencode {shlex.quote('scope=' + scope)}",
        ]
        return " \\\n  ".join(lines)
    headers = [f"x-api-key: {api_key}", f"x-gw-ims-org-id: {org_id}", f"x-sandbox-name: {sandbox}",
               "Accept: application/json"]
    lines = [
        f"curl -X {shlex.quote(method.upper())} {shlex.quote(url)}",
        f'-H "Authorization: Bearer {TOKEN_PLACEHOLDER}"',
        *(f"-H {shlex.quote(h)}" for h in headers),
    ]
    if method.upper() in ("POST", "PUT", "PATCH"):
        lines += ["-H 'Content-Type: application/json'", "-d @payload.json"]
    return " \\\n  ".join(lines)
