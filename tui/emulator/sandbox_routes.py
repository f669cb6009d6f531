"""The Sandbox API of the emulator (``/data/foundation/sandbox-management``).

* ``GET /data/foundation/sandbox-management/?limit=&offset=``: the *available sandboxes* of the
  credential (no administration permission needed, no ``x-sandbox-name``), with ``_page`` and
  absolute ``_links`` (``:443``-style port kept, as the gateway writes them).
* ``GET …/sandboxes/{name}`` and ``GET …/sandboxes``: the same objects, but the emulator's
  credential lacks the sandbox administration permission: 403 unless ``--sandbox-admin``.

Which sandboxes exist: the seeded one, every name of ``--sandbox-types``, ``dev1`` when no types are
given, and any sandbox a client has used. Types: ``--sandbox-types`` (``name=production|development``),
else the seeded sandbox is ``production`` and any other ``development``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tui.emulator import responses as err
from tui.emulator.responses import ApiError

if TYPE_CHECKING:
    from tui.emulator.app import Context

SANDBOXES = "/data/foundation/sandbox-management"
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
SANDBOX_TYPES = ("production", "development")


def parse_sandbox_types(text: str) -> dict[str, str]:
    """``"prod=production,dev1=development"`` → ``{"prod": "production", "dev1": "development"}``."""
    found: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, eq, kind = part.partition("=")
        name, kind = name.strip().lower(), kind.strip().lower()
        if not eq or not name or kind not in SANDBOX_TYPES:
            raise ValueError(f"sandbox types must be NAME=production|development separated by commas (got {part!r})")
        found[name] = kind
    return found


def sandbox_names(ctx: Context) -> list[str]:
    s = ctx.store.settings
    names = [s.sandbox, *s.sandbox_types]
    if not s.sandbox_types:
        names.append("dev1")
    with ctx.store.lock:
        names += [sandbox for (org, sandbox) in ctx.store.tenants if org == ctx.tenant.org]
    return list(dict.fromkeys(names))


def sandbox_type(ctx: Context, name: str) -> str:
    s = ctx.store.settings
    return s.sandbox_types.get(name) or ("production" if name == s.sandbox else "development")


def sandbox_object(ctx: Context, name: str) -> dict[str, Any]:
    kind = sandbox_type(ctx, name)
    return {"name": name, "title": "Production" if name == "prod" else name.replace("-", " ").title(),
            "state": "active", "type": kind, "region": "VA7", "isDefault": name == ctx.store.settings.sandbox,
            "eTag": 2, "createdDate": "2019-09-04 04:57:24", "lastModifiedDate": "2024-01-10 10:11:12",
            "createdBy": "emulator@AdobeID", "modifiedBy": "emulator@AdobeID"}


def _bad(message: str) -> Response:
    return err.gateway(400, "400003", message)


def _paging(request: Request) -> tuple[int, int]:
    values = []
    for name, default, top in (("limit", DEFAULT_LIMIT, MAX_LIMIT), ("offset", 0, None)):
        raw = request.query_params.get(name)
        if raw is None:
            values.append(default)
            continue
        text = raw.strip()
        if not text.isdigit() or (name == "limit" and not 1 <= int(text) <= MAX_LIMIT):
            bound = f"between 1 and {top}" if top else "an integer >= 0"
            raise ApiError(_bad(f"Query parameter {name} must be {bound} (got {raw!r})."))
        values.append(int(text))
    return values[0], values[1]


def _page(request: Request, ctx: Context, path: str) -> Response:
    limit, offset = _paging(request)
    names = sandbox_names(ctx)
    chosen = names[offset:offset + limit]
    origin = f"{request.url.scheme}://{request.url.hostname}:{request.url.port or 443}"
    links: dict[str, Any] = {"page": {"href": f"{origin}{path}?limit={{limit}}&offset={{offset}}",
                                      "templated": True}}
    if offset + limit < len(names):
        links["next"] = {"href": f"{origin}{path}?limit={limit}&offset={offset + limit}", "templated": False}
    return JSONResponse({"sandboxes": [sandbox_object(ctx, n) for n in chosen],
                         "_page": {"limit": limit, "count": len(chosen)}, "_links": links})


async def list_available(request: Request, ctx: Context) -> Response:
    return _page(request, ctx, f"{SANDBOXES}/")


def _admin(ctx: Context) -> None:
    if not ctx.store.settings.sandbox_admin:
        raise ApiError(err.gateway(403, "403027", "User does not have the sandbox administration permission "
                                                  "required for this operation."))


async def list_sandboxes(request: Request, ctx: Context) -> Response:
    _admin(ctx)
    return _page(request, ctx, f"{SANDBOXES}/sandboxes")


async def get_sandbox(request: Request, ctx: Context) -> Response:
    _admin(ctx)
    name = request.path_params["name"]
    if name not in sandbox_names(ctx):
        raise ApiError(err.gateway(404, "404001", f"Sandbox {name!r} was not found."))
    return JSONResponse(sandbox_object(ctx, name))
