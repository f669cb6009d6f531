"""The history store's additions for aepx watch: schema 3 (webhook outbox) and the outage rows."""

from __future__ import annotations

import sqlite3

from tui.monitor.history import store as store_mod
from tui.monitor.history.store import SCHEMA_VERSION, HistoryStore

ORG, SB = "ORG@AdobeOrg", "prod"


def test_a_schema_2_file_gains_the_outbox_and_keeps_its_fired_rows(tmp_path):
    path = tmp_path / "h.sqlite3"
    conn = sqlite3.connect(path)
    for step in (1, 2):
        for statement in store_mod.MIGRATIONS[step]:
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {store_mod.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO fired VALUES (?, ?, '9', 'failed', 1)", (ORG, SB))
    conn.commit()
    conn.close()
    store = HistoryStore.open(path)
    try:
        assert SCHEMA_VERSION >= 3 and store.read("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        assert not store.mark_fired(ORG, SB, "9", "failed")  # kept: no repeat after the upgrade
        first = store.outbox_put("sink", "{}", 1000)
        second = store.outbox_put("sink", "{}", 1000)
        assert [row[0] for row in store.outbox_due("sink", 1000)] == [first, second]
        store.outbox_retry(first, 5000, "HTTP 503")
        assert store.outbox_due("sink", 2000) == []  # the oldest waits, and holds the rest: order is kept
        assert store.outbox_next_ms("sink") == 5000 and store.outbox_count("sink") == 2
        store.outbox_done(first)
        assert [row[0] for row in store.outbox_due("sink", 2000)] == [second]
        assert store.outbox_count() == 1 and store.outbox_count("other") == 0
    finally:
        store.close()


def test_open_outage_reads_the_api_rows(tmp_path):
    store = HistoryStore.open(tmp_path / "h.sqlite3")
    try:
        assert store.open_outage(ORG, SB) is None
        store.mark_fired(ORG, SB, "api@1000", "api_unreachable", 1000)
        assert store.open_outage(ORG, SB) == (1000, False)
        store.mark_fired(ORG, SB, "api@1000", "api_down", 2000)
        assert store.open_outage(ORG, SB) == (1000, True)
        assert store.open_outage(ORG, "other") is None
        store.mark_fired(ORG, SB, "api@1000", "api_ok", 3000)
        assert store.open_outage(ORG, SB) is None
    finally:
        store.close()
