"""Pulse's figures: one definition each, computed by SQL aggregates over the ``jobs`` table.

Used by ``aepx history stats|export`` and the console's Pulse screen (never a second copy).

* **window**: jobs *created* in ``since_ms <= created_ms <= until_ms`` (epoch ms; a job is counted
  once: rows are keyed by org, sandbox and job id, so a resync updates a row, never adds one).
* **counts**: jobs of the window by their last stored status (``NEW``, ``PROCESSING``,
  ``SUCCEEDED``, ``FAILED`` always present; any other status the API returns is added as is).
* **success rate**: ``SUCCEEDED / (SUCCEEDED + FAILED)`` of the window; ``None`` when both are 0.
* **p50 / p95**: nearest-rank percentiles (the value at rank ``ceil(p/100 × n)`` of the ascending
  values) of the window's SUCCEEDED jobs; ``None`` (shown "—") under :data:`MIN_SAMPLES` samples.
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

from tui.core.models import KNOWN_STATUSES
from tui.monitor.history.baselines import MIN_SAMPLES

GROUPINGS = ("dataset", "payload", "error", "day")
PHASES = (("queue", "queue_ms"), ("export", "export_ms"), ("write", "write_ms"))
EXPORT_COLUMNS = ("id", "status", "created", "updated", "created_ms", "updated_ms", "queue_ms", "export_ms",
                  "write_ms", "total_ms", "dataset_id", "merge_policy_id", "merge_policy_version", "fingerprint",
                  "error_code")
_WHERE = "org = ? AND sandbox = ? AND created_ms >= ? AND created_ms <= ?"


def _day_expr(timezone: str) -> str:
    modifier = ", 'localtime'" if timezone == "local" else ""
    return f"date(created_ms / 1000, 'unixepoch'{modifier})"


def _key_expr(by: str | None, timezone: str) -> str:
    return {None: "''", "dataset": "dataset_id", "payload": "fingerprint", "error": "error_code",
            "day": _day_expr(timezone)}[by]


def percentile_sql(value: str, key: str, where: str) -> str:
    """``(key, n, p50, p95)`` per key: nearest rank in integer arithmetic (``ceil(p·n/100)`` =
    ``(p·n + 99) / 100``) over a window function, so no row per job reaches Python."""
    return (f"SELECT k, n, min(CASE WHEN rn = max(1, (50 * n + 99) / 100) THEN v END), "
            f"min(CASE WHEN rn = max(1, (95 * n + 99) / 100) THEN v END) FROM ("
            f"SELECT {key} AS k, {value} AS v, row_number() OVER (PARTITION BY {key} ORDER BY {value}) AS rn, "
            f"count(*) OVER (PARTITION BY {key}) AS n FROM jobs WHERE {where} AND status = 'SUCCEEDED' "
            f"AND {value} IS NOT NULL) WHERE rn = max(1, (50 * n + 99) / 100) OR rn = max(1, (95 * n + 99) / 100) "
            f"GROUP BY k")


def success_rate(counts: dict[str, int]) -> float | None:
    done = counts.get("SUCCEEDED", 0) + counts.get("FAILED", 0)
    return None if done == 0 else counts.get("SUCCEEDED", 0) / done


def _pcts(n: int, p50: Any, p95: Any) -> dict[str, Any]:
    ok = n >= MIN_SAMPLES
    return {"p50": int(p50) if ok and p50 is not None else None,
            "p95": int(p95) if ok and p95 is not None else None, "samples": int(n)}


def _empty_pcts() -> dict[str, Any]:
    return {"p50": None, "p95": None, "samples": 0}


def stats(store: Any, org: str, sandbox: str, since_ms: int, until_ms: int, *, by: str | None = None,
          timezone: str = "utc", phases: bool = True) -> dict[str, Any]:
    """The ``history stats --json`` object (see the module docstring for every key)."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    params: Sequence[Any] = (org, sandbox, since_ms, until_ms)
    result: dict[str, Any] = {"window": {"since": since_ms, "until": until_ms},
                              "timezone": "local" if timezone == "local" else "UTC"}
    result.update(_figures(store, params, None, timezone, phases)[""])
    if by is not None:
        groups = _figures(store, params, by, timezone, phases)
        extra = _group_extras(store, params, by, timezone)
        rows = []
        for key, figures in groups.items():
            last, newest, dataset, fields = extra.get(key, (None, None, "", None))
            row = {"key": key, **figures, "last_created_ms": last, "newest_job_id": newest}
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


def _figures(store: Any, params: Sequence[Any], by: str | None, timezone: str,
             phases: bool) -> dict[str, dict[str, Any]]:
    key = _key_expr(by, timezone)
    where = _WHERE + (" AND status = 'FAILED'" if by == "error" else "")
    out: dict[str, dict[str, Any]] = {}
    if by is None:
        out[""] = {}
    for k, status, n in store.read(f"SELECT {key}, status, count(*) FROM jobs WHERE {where} GROUP BY 1, 2", params):
        out.setdefault(k, {})[status] = int(n)
    figures: dict[str, dict[str, Any]] = {}
    for k, raw_counts in out.items():
        counts = {s: 0 for s in KNOWN_STATUSES}
        counts.update(raw_counts)
        figures[k] = {"jobs": sum(counts.values()), "counts": counts, "success_rate": success_rate(counts),
                      "total_time_ms": _empty_pcts()}
        if phases:
            figures[k]["phases_ms"] = {name: _empty_pcts() for name, _ in PHASES}
    columns = [("total_time_ms", None, "total_ms")] + ([("phases_ms", n, c) for n, c in PHASES] if phases else [])
    for slot, name, column in columns:
        for k, n, p50, p95 in store.read(percentile_sql(column, key, where), params):
            if k not in figures:
                continue
            if name is None:
                figures[k][slot] = _pcts(n, p50, p95)
            else:
                figures[k][slot][name] = _pcts(n, p50, p95)
    return figures


def _group_extras(store: Any, params: Sequence[Any], by: str, timezone: str) -> dict[str, tuple]:
    """Per group: newest creation time, the newest job's id, its dataset and its field list."""
    key = _key_expr(by, timezone)
    where = _WHERE + (" AND status = 'FAILED'" if by == "error" else "")
    sql = (f"SELECT k, created_ms, job_id, dataset_id, f FROM (SELECT {key} AS k, created_ms, job_id, dataset_id, "
           f"json_extract(raw, '$.fields') AS f, row_number() OVER (PARTITION BY {key} ORDER BY created_ms DESC, "
           f"job_id DESC) AS rn FROM jobs WHERE {where}) WHERE rn = 1")
    return {k: (created, job_id, dataset, fields) for k, created, job_id, dataset, fields in store.read(sql, params)}


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
