"""The emulator as a Starlette application: IMS token, gateway checks, Catalog, merge policies, export jobs,
Catalog batches and Data Access files (``data_routes``).

``create_app(settings, clock=...)`` returns the app; its state is ``app.state.store``.

One module because these routes share the gateway checks and the request-body rules; the Data Access
and sandbox routes, which share less, have their own modules.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui.emulator import data_routes as data
from tui.emulator import responses as err
from tui.emulator import sandbox_routes as sbx
from tui.emulator.clock import Clock, EmulatedClock
from tui.emulator.faults import Faults
from tui.emulator.jobs import STATUSES, Job
from tui.emulator.output import BatchFactory
from tui.emulator.responses import ApiError
from tui.emulator.seed import seed_tenant
from tui.emulator.settings import DEFAULT_SCOPES, EmulatorSettings
from tui.emulator.store import RequestRecord, Store, Tenant
from tui.emulator.validate import validate_export_request

log = logging.getLogger("aepx.emulator")

MAX_BODY = 1024 * 1024
DRAIN_LIMIT = 32 * 1024 * 1024
UPS = "/data/core/ups"
CATALOG = "/data/foundation/catalog"
SANDBOX_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
CURSOR_RE = re.compile(r"^([0-9]{1,15})_([0-9]{1,15})$")
ASCII_NUMBER = re.compile(r"[0-9]{1,15}")
JOB_ID = re.compile(r"[0-9]{1,18}")
DATASET_ORDER_FIELDS = ("created", "updated", "name")
ALLOWED_SCOPES = frozenset(DEFAULT_SCOPES) | {"profile", "email", "additional_info.roles",
                                               "additional_info.job_function", "read_pc", "read_pc.dma_tartan"}
SORT_FIELDS = {"createdTime": "creationTime", "creationTime": "creationTime", "updateTime": "updateTime",
               "id": "id", "status": "status"}


class Context:
    """What a Platform handler gets once the gateway let the call through."""

    def __init__(self, store: Store, tenant: Tenant, request_id: str) -> None:
        self.store = store
        self.tenant = tenant
        self.request_id = request_id


Handler = Callable[[Request, Context], Awaitable[Response]]


# --- request recording ------------------------------------------------------------------------------
class RecordRequests:
    """Pure ASGI middleware: one :class:`RequestRecord` per HTTP request, with its final status."""

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = time.monotonic()
        recorded = False

        def record(status: int, request_id: str = "") -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                query = scope.get("query_string", b"").decode("latin-1")
                self.store.requests.append(RequestRecord(arrived, scope["method"], scope["path"], query, status,
                                                         request_id))

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                request_id = next((v.decode("latin-1") for k, v in message.get("headers", [])
                                   if k.lower() == b"x-request-id"), "")
                record(message["status"], request_id)  # before the client can see the response
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            record(500)


# --- bodies -----------------------------------------------------------------------------------------
async def read_body(request: Request, too_large: Callable[[str], Response]) -> bytes:
    """The body, at most ``MAX_BODY`` bytes; larger bodies are drained and answered 413."""
    message = (f"The request body is larger than the {MAX_BODY // 1024} KiB the service accepts; "
               "send a smaller payload.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > DRAIN_LIMIT:
        raise ApiError(too_large(message))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= MAX_BODY:
            chunks.append(chunk)
        elif size > DRAIN_LIMIT:
            break
    if size > MAX_BODY:
        raise ApiError(too_large(message))
    return b"".join(chunks)


async def drain(request: Request) -> None:
    """Read and drop the body, at most ``DRAIN_LIMIT`` bytes (as the 413 path does)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > DRAIN_LIMIT:
        return
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > DRAIN_LIMIT:
            break


async def read_json(request: Request, bad: Callable[[int, str], Response]) -> Any:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        await drain(request)  # answering before the body is read resets the connection under the client
        raise ApiError(err.problem(400, "BadRequestError",
                                   "A valid content-type must be specified (Content-Type: application/json)."))
    body = await read_body(request, lambda m: bad(413, m))
    if not body.strip():
        raise ApiError(bad(400, "The request body is empty; send a JSON object."))
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ApiError(bad(400, f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} "
                                f"column {exc.colno}.")) from None
    except (UnicodeDecodeError, RecursionError, ValueError):
        raise ApiError(bad(400, "The request body is not valid UTF-8 JSON.")) from None


def _int_param(request: Request, name: str, bad: Callable[[str], Response], *, minimum: int,
               maximum: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    text = raw.strip()
    # ASCII digits only, and few of them: "²" or "٢" are str.isdigit() (int() then fails or aliases), and
    # int() refuses 5,000 digits; either would be a 500.
    if (not ASCII_NUMBER.fullmatch(text) or int(text) < minimum
            or (maximum is not None and int(text) > maximum)):
        upper = f" and {maximum}" if maximum is not None else ""
        range_text = f"between {minimum}{upper}" if maximum is not None else f"an integer >= {minimum}"
        raise ApiError(bad(f"Query parameter {name} must be {range_text} (got {raw!r})."))
    return int(text)


# --- the app ----------------------------------------------------------------------------------------
def create_app(settings: EmulatorSettings, *, clock: EmulatedClock | None = None) -> Starlette:
    # Timestamps stay on wall time (the console compares them with its own clock); --speed compresses
    # the lifecycle of live jobs instead (see Durations.scaled).
    clock = clock if clock is not None else Clock()
    store = Store(settings, clock)
    seed_tenant(store, store.tenant(settings.org, settings.sandbox), settings.jobs)
    faults = Faults(settings)

    def platform(handler: Handler, *, sandboxed: bool = True) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            request_id = secrets.token_hex(16)
            try:
                await faults.delay()
                injected = faults.decide()
                if injected is not None:
                    return injected
                tenant = _gateway(request, store, sandboxed=sandboxed)
                response = await handler(request, Context(store, tenant, request_id))
            except ApiError as exc:
                response = exc.response
            except Exception:  # a bug in the emulator, never the client's fault
                log.exception("emulator handler failed")
                response = err.problem(500, "InternalServerError", "The emulator failed on this request.")
            response.headers["x-request-id"] = request_id
            return response

        return endpoint

    async def ims_token(request: Request) -> Response:
        return await _ims_token(request, store)

    routes = [
        Route("/ims/token/v3", ims_token, methods=["POST"]),
        Route(f"{CATALOG}/dataSets", platform(list_datasets), methods=["GET"]),
        Route(f"{CATALOG}/dataSets", platform(create_dataset), methods=["POST"]),
        Route(f"{CATALOG}/dataSets/{{id}}", platform(get_dataset), methods=["GET"]),
        Route(f"{UPS}/config/mergePolicies", platform(list_merge_policies), methods=["GET"]),
        Route(f"{UPS}/config/mergePolicies/{{id}}", platform(get_merge_policy), methods=["GET"]),
        Route(f"{UPS}/segment/definitions/{{id}}", platform(get_segment_definition), methods=["GET"]),
        Route(f"{UPS}/export/jobs", platform(list_jobs), methods=["GET"]),
        Route(f"{UPS}/export/jobs/", platform(list_jobs), methods=["GET"]),
        Route(f"{UPS}/export/jobs", platform(create_job), methods=["POST"]),
        Route(f"{UPS}/export/jobs/", platform(create_job), methods=["POST"]),
        Route(f"{UPS}/export/jobs/{{id}}", platform(get_job), methods=["GET"]),
        Route(f"{UPS}/export/jobs/{{id}}", platform(cancel_job), methods=["DELETE"]),
        Route(f"{CATALOG}/batches", platform(data.list_batches), methods=["GET"]),
        Route(f"{CATALOG}/batches/{{id}}", platform(data.get_batch), methods=["GET"]),
        Route(f"{data.EXPORT}/batches/{{id}}/files", platform(data.list_files), methods=["GET"]),
        Route(f"{data.EXPORT}/files/{{id}}", platform(data.get_file), methods=["GET", "HEAD"]),
        Route(f"{sbx.SANDBOXES}/", platform(sbx.list_available, sandboxed=False), methods=["GET"]),
        Route(f"{sbx.SANDBOXES}", platform(sbx.list_available, sandboxed=False), methods=["GET"]),
        Route(f"{sbx.SANDBOXES}/sandboxes", platform(sbx.list_sandboxes, sandboxed=False), methods=["GET"]),
        Route(f"{sbx.SANDBOXES}/sandboxes/{{name}}", platform(sbx.get_sandbox, sandboxed=False),
              methods=["GET"]),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = {404: f"No emulated API at {request.url.path}.",
                  405: f"Method {request.method} is not allowed on {request.url.path}."}.get(
            status, "The request could not be served.")
        return err.problem(status, "NotFoundError" if status == 404 else "HTTPError", detail)

    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    app.state.store = store
    app.state.faults = faults
    app.state.batches = BatchFactory(store, settings.cache_dir)
    app.add_middleware(RecordRequests, store=store)
    return app


# --- IMS --------------------------------------------------------------------------------------------
async def _ims_token(request: Request, store: Store) -> Response:
    s = store.settings
    try:
        params = dict(request.query_params)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await read_body(request, lambda m: err.oauth(413, "invalid_request", m))
        if content_type == "application/x-www-form-urlencoded":
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif content_type == "multipart/form-data":
            params.update(await _multipart(request, body))
    except ApiError as exc:
        return exc.response
    grant = params.get("grant_type")
    if not grant:
        return err.oauth(400, "invalid_request", "Missing required parameter grant_type.")
    if grant != "client_credentials":
        return err.oauth(400, "unsupported_grant_type", f"Grant type {grant!r} is not supported; "
                                                        "use client_credentials.")
    client_id = params.get("client_id", "")
    if not client_id:
        return err.oauth(400, "invalid_request", "Missing required parameter client_id.")
    if not hmac.compare_digest(client_id.encode(), s.client_id.encode()):
        return err.oauth(400, "invalid_client", "invalid client_id parameter")
    if not hmac.compare_digest(params.get("client_secret", "").encode(), s.client_secret.encode()):
        return err.oauth(401, "invalid_client", "invalid client_secret parameter")
    scopes = [x.strip() for x in params.get("scope", "").split(",") if x.strip()]
    unknown = [x for x in scopes if x not in ALLOWED_SCOPES]
    if unknown:
        return err.oauth(400, "invalid_scope", f"Invalid scope ({', '.join(unknown)}).")
    token, ttl = store.issue_token(s.org)
    return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": ttl},
                        headers={"Cache-Control": "no-store"})


async def _multipart(request: Request, body: bytes) -> dict[str, str]:
    """Text fields of an already-read multipart body (IMS accepts multipart form posts too)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form()
    except Exception:  # malformed multipart: python-multipart raises several types
        raise ApiError(err.oauth(400, "invalid_request", "The multipart form body is malformed.")) from None
    return {key: value for key, value in form.items() if isinstance(value, str)}


# --- gateway ----------------------------------------------------------------------------------------
def _gateway(request: Request, store: Store, *, sandboxed: bool = True) -> Tenant:
    headers = request.headers
    auth = headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(err.gateway(403, "403010", "Oauth token is missing."))
    org = store.token_org(token.strip())
    if org is None:
        raise ApiError(err.gateway(401, "401013", "Oauth token is not valid"))
    api_key = headers.get("x-api-key")
    if not api_key:
        raise ApiError(err.gateway(403, "403000", "Api Key is required"))
    if api_key != store.settings.client_id:
        raise ApiError(err.gateway(403, "403003", "Api Key is invalid"))
    org_header = headers.get("x-gw-ims-org-id")
    if not org_header:
        raise ApiError(err.gateway(400, "400003", "Missing header (org header): x-gw-ims-org-id is required"))
    if org_header != org:
        raise ApiError(err.gateway(403, "403025", "Profile is not valid: the access token does not belong "
                                                  "to the organization in x-gw-ims-org-id"))
    sandbox = headers.get("x-sandbox-name")
    if not sandboxed and (not sandbox or not SANDBOX_RE.match(sandbox)):
        sandbox = store.settings.sandbox  # the Sandbox API needs no sandbox header
    if not sandbox:
        raise ApiError(err.gateway(400, "400003", "Missing header: x-sandbox-name is required (the "
                                                  "all-lowercase sandbox name, e.g. prod)"))
    if not SANDBOX_RE.match(sandbox):
        raise ApiError(err.gateway(400, "400003", f"Invalid header: x-sandbox-name {sandbox!r} is not a "
                                                  "sandbox name; use the all-lowercase name, e.g. prod"))
    return store.tenant(org, sandbox)


# --- Catalog ----------------------------------------------------------------------------------------
def _catalog_bad(message: str) -> Response:
    return err.problem(400, "BadRequestError", message)


def _catalog_error(status: int, message: str) -> Response:
    return err.problem(status, {413: "PayloadTooLargeError"}.get(status, "BadRequestError"), message)


def _lookup(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _matches(record: dict[str, Any], expression: str) -> bool:
    for op in ("!=", "=="):
        if op in expression:
            name, _, expected = expression.partition(op)
            actual = _lookup(record, name.strip())
            equal = actual is not None and str(actual) == expected.strip()
            return equal if op == "==" else not equal
    return _lookup(record, expression.strip()) is not None


async def list_datasets(request: Request, ctx: Context) -> Response:
    q = request.query_params
    limit = _int_param(request, "limit", _catalog_bad, minimum=1, maximum=100) or 50
    start = _int_param(request, "start", _catalog_bad, minimum=0) or 0
    order = _dataset_order(q.get("orderBy", "asc:created"))
    with ctx.store.lock:
        items = list(ctx.tenant.datasets.items())
    items.sort(key=lambda kv: kv[0])
    for direction, name in reversed(order):  # stable sorts, last key first: the first key wins
        items.sort(key=_dataset_sort_key(name), reverse=direction == "desc")
    filters = list(q.getlist("property"))
    for key in ("name", "schemaRef.id"):
        if q.get(key) is not None:
            filters.append(f"{key}=={q[key]}")
    items = [(k, v) for k, v in items if all(_matches(v, f) for f in filters)]
    properties = [p.strip() for p in q.get("properties", "").split(",") if p.strip()]
    page = items[start:start + limit]
    body = {k: ({p: v[p] for p in properties if p in v} if properties else v) for k, v in page}
    return JSONResponse(body)


def _dataset_sort_key(name: str) -> Callable[[tuple[str, dict[str, Any]]], Any]:
    """The sort key of ``(id, dataset)`` items by one field: names as text, other fields missing last."""
    if name == "name":
        return lambda kv: str(kv[1].get("name", ""))
    return lambda kv: (kv[1].get(name) is None, kv[1].get(name) or 0)


def _dataset_order(text: str) -> list[tuple[str, str]]:
    """``asc:created,updated`` (the spec's own example): a direction, then fields; each field may carry
    its own ``asc:``/``desc:``. A bare field is ascending."""
    order: list[tuple[str, str]] = []
    direction = "asc"
    for part in text.split(","):
        item = part.strip()
        if ":" in item:
            direction, _, item = item.partition(":")
            direction = direction.strip().lower()
            item = item.strip()
        if direction not in ("asc", "desc") or item not in DATASET_ORDER_FIELDS:
            raise ApiError(_catalog_bad(f"orderBy must be like asc:created or desc:created,updated (fields: "
                                        f"{', '.join(DATASET_ORDER_FIELDS)}; got {text!r})."))
        order.append((direction, item))
    return order


_FILE_DESCRIPTION_TYPES: dict[str, type | tuple[type, ...]] = {
    "persisted": bool, "containerFormat": str, "format": str, "delimiters": list, "quotes": list,
    "escapes": list, "nullMarkers": list, "header": bool, "charset": str,
}


def _dataset_body_error(body: dict[str, Any]) -> str | None:
    """Why a dataSet request's fields do not have the documented types (None when they do)."""
    if "description" in body and not isinstance(body["description"], str):
        return "description must be a string."
    schema = body.get("schemaRef")
    if isinstance(schema, dict) and "contentType" in schema and not isinstance(schema["contentType"], str):
        return "schemaRef.contentType must be a string."
    if "fileDescription" in body:
        described = body["fileDescription"]
        if not isinstance(described, dict):
            return "fileDescription must be an object."
        for key, value in described.items():
            expected = _FILE_DESCRIPTION_TYPES.get(key)
            if expected is None:
                return f"fileDescription.{key} is not a known field."
            strings = not isinstance(value, list) or all(isinstance(v, str) for v in value)
            if not isinstance(value, expected) or not strings:
                return f"fileDescription.{key} has the wrong type."
    if "tags" in body:
        tags = body["tags"]
        if not isinstance(tags, dict) or not all(
                isinstance(v, list) and all(isinstance(x, str) for x in v) for v in tags.values()):
            return "tags must be an object whose values are arrays of strings."
    return None


async def create_dataset(request: Request, ctx: Context) -> Response:
    body = await read_json(request, _catalog_error)
    if not isinstance(body, dict):
        raise ApiError(_catalog_bad("The request body must be a JSON object with name and schemaRef."))
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(_catalog_bad("name is required and must be a non-empty string."))
    schema = body.get("schemaRef")
    if not isinstance(schema, dict) or not isinstance(schema.get("id"), str) or not schema["id"].strip():
        raise ApiError(_catalog_bad("schemaRef.id is required and must be a schema URI string, e.g. "
                                    "https://ns.adobe.com/xdm/context/profile__union."))
    problem = _dataset_body_error(body)
    if problem is not None:
        raise ApiError(_catalog_bad(problem))
    ds_id = ctx.store.add_dataset(ctx.tenant, name, schema["id"], body)
    return JSONResponse([f"@/dataSets/{ds_id}"], status_code=201)


async def get_dataset(request: Request, ctx: Context) -> Response:
    ds_id = request.path_params["id"]
    with ctx.store.lock:
        ds = ctx.tenant.datasets.get(ds_id)
    if ds is None:
        raise ApiError(err.problem(404, "NotFoundError", "DataSet not found."))
    return JSONResponse({ds_id: ds})


# --- merge policies ---------------------------------------------------------------------------------
def _ups_bad(ctx: Context) -> Callable[[str], Response]:
    return lambda message: err.ups(400, message, ctx.request_id)


async def list_merge_policies(request: Request, ctx: Context) -> Response:
    q = request.query_params
    limit = _int_param(request, "limit", _ups_bad(ctx), minimum=1, maximum=100) or 20
    start = _int_param(request, "start", _ups_bad(ctx), minimum=0) or 0
    policies = list(ctx.tenant.merge_policies)
    default = q.get("default")
    if default is not None:
        if default not in ("true", "false"):
            raise ApiError(err.ups(400, "Query parameter default must be true or false.", ctx.request_id))
        policies = [p for p in policies if p["default"] == (default == "true")]
    order = q.get("orderBy", "")
    if order in ("name", "+name", "-name"):
        policies.sort(key=lambda p: p["name"], reverse=order == "-name")
    elif order:
        raise ApiError(err.ups(400, "Query parameter orderBy must be name, +name or -name.", ctx.request_id))
    page = policies[start:start + limit]
    more = start + limit < len(policies)
    href = f"@/mergePolicies?start={start + limit}&orderBy={order}&limit={limit}" if more else ""
    return JSONResponse({"_page": {"totalCount": len(policies), "pageSize": len(page)}, "children": page,
                         "_links": {"next": {"href": href}}})


async def get_merge_policy(request: Request, ctx: Context) -> Response:
    policy = ctx.tenant.merge_policy(request.path_params["id"])
    if policy is None:
        raise ApiError(err.ups(404, f"Merge policy {request.path_params['id']!r} was not found.",
                               ctx.request_id))
    return JSONResponse(policy)


# --- segment definitions ------------------------------------------------------------------------------
async def get_segment_definition(request: Request, ctx: Context) -> Response:
    segment_id = request.path_params["id"]
    with ctx.store.lock:
        definition = ctx.tenant.segments.get(segment_id)
    if definition is None:
        raise ApiError(err.ups(404, f"Segment definition {segment_id!r} was not found.", ctx.request_id))
    return JSONResponse(definition)


# --- export jobs ------------------------------------------------------------------------------------
def _find_job(request: Request, ctx: Context) -> Job:
    raw = request.path_params["id"]
    if not raw.isascii() and any(c.isdigit() for c in raw):  # "²", "٢٤٩٩٨": never an alias of an ASCII id
        raise ApiError(err.ups(400, f"Export job id {raw!r} must be written with the digits 0-9.", ctx.request_id))
    job = ctx.store.get_job(ctx.tenant, int(raw)) if JOB_ID.fullmatch(raw) else None
    if job is None:
        raise ApiError(err.ups(404, f"Export job {raw!r} was not found.", ctx.request_id))
    return job


def _list_params(request: Request, ctx: Context) -> dict[str, Any]:
    q = request.query_params
    bad = _ups_bad(ctx)
    limit = _int_param(request, "limit", bad, minimum=1)
    start = _int_param(request, "start", bad, minimum=0) or 0
    page = _int_param(request, "page", bad, minimum=1)
    if page is not None and limit is None:
        raise ApiError(bad("Query parameter page needs limit (the page size)."))
    before = None
    offset = q.get("offset")
    if offset:
        m = CURSOR_RE.match(offset.strip())
        if m is None:
            raise ApiError(bad(f"Query parameter offset must be a cursor {{creationTimeMs}}_{{id}} as given "
                               f"in page.pageOffset (got {offset!r})."))
        before = (int(m.group(1)), int(m.group(2)))
    status = q.get("status")
    if status is not None and status not in STATUSES:
        raise ApiError(bad(f"Query parameter status must be one of {', '.join(STATUSES)} (got {status!r})."))
    sort = q.get("sort")
    sort_field, sort_dir = "createdTime", "desc"
    if sort:
        name, _, direction = sort.partition(":")
        if name not in SORT_FIELDS or direction not in ("", "asc", "desc"):
            raise ApiError(bad(f"Query parameter sort must be FIELD:asc or FIELD:desc with FIELD one of "
                               f"{', '.join(SORT_FIELDS)} (got {sort!r})."))
        sort_field, sort_dir = name, direction or "asc"
    skip = start + ((page - 1) * limit if page is not None and limit is not None else 0)
    return {"limit": limit, "before": before, "status": status, "skip": skip,
            "sort_field": sort_field, "sort_dir": sort_dir, "custom_sort": bool(sort)}


async def list_jobs(request: Request, ctx: Context) -> Response:
    p = _list_params(request, ctx)
    now = ctx.store.now_ms()
    jobs, more = ctx.store.list_jobs(ctx.tenant, before=p["before"], limit=p["limit"], status=p["status"],
                                     skip=p["skip"], now=now)
    records = [job.render(now, list_form=True) for job in jobs]
    if p["custom_sort"]:  # documented: sort applies within the page only
        key = SORT_FIELDS[p["sort_field"]]
        records.sort(key=lambda r: (r[key], r["id"]), reverse=p["sort_dir"] == "desc")
    cursor = jobs[-1].cursor if jobs else ""
    next_link = ""
    if more and p["limit"] is not None:
        next_link = f"/export/jobs/?limit={p['limit']}&offset={cursor}"
        if p["status"]:
            next_link += f"&status={p['status']}"
    return JSONResponse({
        "records": records,
        "page": {"sortField": p["sort_field"], "sort": p["sort_dir"], "pageOffset": cursor,
                 "pageSize": len(records)},
        "link": {"next": next_link},
    })


async def create_job(request: Request, ctx: Context) -> Response:
    body = await read_json(request, lambda status, message: err.ups(status, message, ctx.request_id))
    profile_instance = request.headers.get("x-profile-instance-id") or "ups"
    try:
        with ctx.store.lock:
            spec = validate_export_request(body, ctx.tenant, profile_instance)
    except ValueError as exc:
        raise ApiError(err.ups(400, f"Invalid export job request: {exc}.", ctx.request_id)) from None
    job = ctx.store.create_job(ctx.tenant, spec)
    location = f"{str(request.base_url).rstrip('/')}{UPS}/export/jobs/{job.id}"
    return JSONResponse(job.render(ctx.store.now_ms()), headers={"X-Location": location})


async def get_job(request: Request, ctx: Context) -> Response:
    job = _find_job(request, ctx)
    return JSONResponse(job.render(ctx.store.now_ms()))


async def cancel_job(request: Request, ctx: Context) -> Response:
    job = _find_job(request, ctx)
    blocking = ctx.store.cancel_job(job, ctx.store.now_ms())
    if blocking is not None:
        raise ApiError(err.ups(400, f"Export job {job.id} is already {blocking}; only NEW or PROCESSING jobs "
                                    "can be cancelled.", ctx.request_id))
    if ctx.store.settings.cancel_response == 200:
        return JSONResponse({"status": True, "message": "Export job has been marked for cancelling"})
    return Response(status_code=204)
