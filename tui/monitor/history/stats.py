"""Pulse's figures: one definition each, computed by SQL aggregates over the ``jobs`` table.

Used by ``aepx history stats|export`` and the console's Pulse screen (never a second copy).

* **window**: jobs *created* in ``since_ms <= created_ms <= until_ms`` (epoch ms; a job is counted
  once: rows are keyed by org, sandbox and job id, so a resync updates a row, never adds one).
* **counts**: jobs of the window by their last stored status (``NEW``, ``PROCESSING``,
  ``SUCCEEDED``, ``FAILED`` always present; any other status the API returns is added as is).
* **success rate**: ``SUCCEEDED / (SUCCEEDED + FAILED)`` of the window; ``None`` when both are 0.
* **p50 / p95**: nearest-rank percentiles (:func:`~tui.monitor.history.baselines.nearest_rank`: the value
  at rank ``ceil(p/100 × n)`` of the ascending values) of the window's SUCCEEDED jobs; ``None`` (shown
  "—") under ``MIN_SAMPLES`` (5) samples.
  ``total_time_ms`` is ``metrics.totalTime.totalTimeInMs``; the phases are queue wait (created →
  profile export start), profile export and dataset write (their ``totalTimeInMs``).
* **groups** (``by``): ``dataset`` (dataset id), ``payload`` (payload fingerprint), ``error`` (first
  error code of FAILED jobs only), ``day`` (the creation day in UTC, or local time with
  ``timezone="local"``). Each group has the same figures plus ``key``, ``last_created_ms`` and
  ``newest_job_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tui.core.statuses import KNOWN_STATUSES
from tui.monitor.history.baselines import nearest_rank

GROUPINGS = ("dataset", "payload", "error", "day")
PHASES = (("queue", "queue_ms"), ("export", "export_ms"), ("write", "write_ms"))
EXPORT_COLUMNS = ("id", "status", "created", "updated", "created_ms", "updated_ms", "queue_ms", "export_ms",
                  "write_ms", "total_ms", "dataset_id", "merge_policy_id", "merge_policy_version", "fingerprint",
                  "error_code")
_WHERE = "org = ? AND sandbox = ? AND created_ms >= ? AND created_ms <= ?"


def _day_expr(timezone: str) -> str:
    if timezone == "local":
        return "date(created_ms / 1000, 'unixepoch', 'localtime')"
    # UTC: the day number (cheaper than formatting 100,000 dates); :func:`stats` turns it into YYYY-MM-DD
    return "(created_ms / 86400000)"


def _day_label(key: Any) -> Any:
    if isinstance(key, int):
        from datetime import UTC, datetime

        return datetime.fromtimestamp(key * 86_400, UTC).strftime("%Y-%m-%d")
    return key


def _key_expr(by: str | None, timezone: str) -> str:
    return {None: "''", "dataset": "dataset_id", "payload": "fingerprint", "error": "error_code",
            "day": _day_expr(timezone)}[by]


def success_rate(counts: dict[str, int]) -> float | None:
    done = counts.get("SUCCEEDED", 0) + counts.get("FAILED", 0)
    return None if done == 0 else counts.get("SUCCEEDED", 0) / done


def stats(store: Any, org: str, sandbox: str, since_ms: int, until_ms: int, *, by: str | None = None,
          timezone: str = "utc", phases: bool = True) -> dict[str, Any]:
    """The ``history stats --json`` object (see the module docstring for every key).

    Two queries on the covering index ``jobs_pulse`` (counts per key and status; the SUCCEEDED jobs'
    four times) and, with ``by``, one for each group's newest job: no record is parsed."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    params: Sequence[Any] = (org, sandbox, since_ms, until_ms)
    result: dict[str, Any] = {"window": {"since": since_ms, "until": until_ms},
                              "timezone": "local" if timezone == "local" else "UTC"}
    key = _key_expr(by, timezone)
    where = _WHERE + (" AND status = 'FAILED'" if by == "error" else "")
    counted: dict[Any, dict[str, int]] = {}
    overall: dict[str, int] = {}
    for k, status, n in store.read(f"SELECT {key}, status, count(*) FROM jobs WHERE {where} GROUP BY 1, 2", params):
        counted.setdefault(k, {})[status] = int(n)
    columns = "total_ms, queue_ms, export_ms, write_ms" if phases else "total_ms"
    values: list[tuple] = [] if by == "error" else store.read(
        f"SELECT {key}, {columns} FROM jobs WHERE {where} AND status = 'SUCCEEDED'", params)
    if by == "error":  # the top-level figures are over every job of the window, not only FAILED ones
        top_values = store.read(f"SELECT '', {columns} FROM jobs WHERE {_WHERE} AND status = 'SUCCEEDED'", params)
        for status, n in store.read(f"SELECT status, count(*) FROM jobs WHERE {_WHERE} GROUP BY 1", params):
            overall[status] = int(n)
    else:
        top_values = values
        for per in counted.values():
            for status, n in per.items():
                overall[status] = overall.get(status, 0) + n
    result.update(_figures(overall, top_values, phases))
    if by is not None:
        per_key: dict[Any, list[tuple]] = {}
        for value in values:
            per_key.setdefault(value[0], []).append(value)
        extra = _group_extras(store, org, sandbox, params, by, key, where)
        rows = []
        for k, per_counts in counted.items():
            last, newest, dataset, fields, last_total = extra.get(k, (None, None, "", None, None))
            row = {"key": _day_label(k) if by == "day" else k, **_figures(per_counts, per_key.get(k, []), phases),
                   "last_created_ms": last,
                   "newest_job_id": newest, "last_total_ms": last_total}
            if by == "payload":
                row["dataset_id"] = dataset
                row["fields"] = fields
            rows.append(row)
        if by == "day":  # oldest day first
            rows.sort(key=lambda r: r["key"])
        elif by == "error":  # the most frequent error first
            rows.sort(key=lambda r: (-r["jobs"], r["key"]))
        else:  # the slowest (p95) first; groups without a p95 last, larger first
            rows.sort(key=lambda r: (-(r["total_time_ms"]["p95"] or -1), -r["jobs"], r["key"]))
        result["groups"] = rows
    return result


def _figures(raw_counts: dict[str, int], values: list[tuple], phases: bool) -> dict[str, Any]:
    """``values``: ``(key, total_ms[, queue_ms, export_ms, write_ms])`` of SUCCEEDED jobs."""
    counts = {s: 0 for s in KNOWN_STATUSES}
    counts.update(raw_counts)
    columns = list(zip(*values, strict=True))[1:] if values else []
    out: dict[str, Any] = {"jobs": sum(counts.values()), "counts": counts, "success_rate": success_rate(counts),
                           "total_time_ms": _pcts(columns[0] if columns else ())}
    if phases:
        out["phases_ms"] = {name: _pcts(columns[i + 1] if columns else ()) for i, (name, _) in enumerate(PHASES)}
    return out


def _pcts(column: Sequence[Any]) -> dict[str, Any]:
    ordered = sorted(v for v in column if v is not None)
    return {"p50": nearest_rank(ordered, 50), "p95": nearest_rank(ordered, 95), "samples": len(ordered)}


def _group_extras(store: Any, org: str, sandbox: str, params: Sequence[Any], by: str, key: str,
                  where: str) -> dict[Any, tuple]:
    """Per group: newest creation time, that job's id, its dataset and (payloads) its field list.
    (SQLite gives a bare column the values of the row that holds ``max()``.)"""
    found: dict[Any, tuple[Any, Any, Any, str | None, Any]] = {
        k: (created, job_id, dataset, None, total) for k, created, job_id, dataset, total in store.read(
        f"SELECT {key}, max(created_ms), job_id, dataset_id, total_ms FROM jobs WHERE {where} GROUP BY 1", params)}
    if by == "payload":
        by_id = {v[1]: k for k, v in found.items()}
        ids = list(by_id)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for job_id, fields in store.read(
                    f"SELECT job_id, json_extract(raw, '$.fields') FROM jobs WHERE org = ? AND sandbox = ? "
                    f"AND job_id IN ({', '.join('?' * len(chunk))})", [org, sandbox, *chunk]):
                k = by_id[job_id]
                found[k] = (*found[k][:3], fields if isinstance(fields, str) else None, found[k][4])
    return found


def day_keys(now_ms: int, days: int, timezone: str = "utc") -> list[str]:
    """The ``days`` calendar days ending today (``YYYY-MM-DD``, UTC or local), oldest first."""
    from datetime import UTC, datetime, timedelta

    moment = datetime.fromtimestamp(now_ms / 1000, None if timezone == "local" else UTC)
    return [(moment - timedelta(days=n)).strftime("%Y-%m-%d") for n in range(days - 1, -1, -1)]


def pulse(store: Any, org: str, sandbox: str, now_ms: int, *, timezone: str = "utc") -> dict[str, Any]:
    """Everything Pulse shows from the history (run it in a worker): ``day`` and ``week`` (the last 24 h
    and 7 d, as :func:`stats`; ``week`` with payload groups), ``errors`` (the week's error groups) and
    ``days`` (one :func:`stats` group per calendar day of the last 14, zero-filled, oldest first)."""
    day = 86_400_000
    keys = day_keys(now_ms, 14, timezone)
    from datetime import UTC, datetime

    first = datetime.strptime(keys[0], "%Y-%m-%d")
    first = first.astimezone() if timezone == "local" else first.replace(tzinfo=UTC)
    per_day = {g["key"]: g for g in stats(store, org, sandbox, int(first.timestamp() * 1000), now_ms, by="day",
                                          timezone=timezone, phases=False)["groups"]}
    empty = {"jobs": 0, "counts": {s: 0 for s in KNOWN_STATUSES}, "success_rate": None,
             "total_time_ms": {"p50": None, "p95": None, "samples": 0}}
    return {"now_ms": now_ms, "timezone": timezone,
            "day": stats(store, org, sandbox, now_ms - day, now_ms, phases=False),
            "week": stats(store, org, sandbox, now_ms - 7 * day, now_ms, by="payload", timezone=timezone),
            "errors": stats(store, org, sandbox, now_ms - 7 * day, now_ms, by="error", phases=False)["groups"],
            "days": [{"key": k, **per_day.get(k, empty)} for k in keys]}


def export_rows(store: Any, org: str, sandbox: str, since_ms: int | None, until_ms: int | None):
    """One row per stored job of the window, oldest created first (a cursor; no list of the history)."""
    from datetime import UTC, datetime

    def iso(ms: int | None) -> str | None:
        return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")

    sql = ("SELECT job_id, status, created_ms, updated_ms, queue_ms, export_ms, write_ms, total_ms, dataset_id, "
           "merge_policy_id, merge_policy_version, fingerprint, error_code FROM jobs WHERE org = ? AND sandbox = ? "
           "AND created_ms >= ? AND created_ms <= ? ORDER BY created_ms, job_id")
    low = since_ms if since_ms is not None else -(2**62)
    high = until_ms if until_ms is not None else 2**62
    for row in store.read(sql, (org, sandbox, low, high)):
        job_id, status, created, updated, *rest = row
        yield dict(zip(EXPORT_COLUMNS, (job_id, status, iso(created), iso(updated), created, updated, *rest),
                       strict=True))


def fmt_ms(value: int | None) -> str:
    """A percentile for people: ``—`` when there is none (under 5 samples)."""
    from tui.core.format import human_duration

    return "—" if value is None else human_duration(value)


def fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"
