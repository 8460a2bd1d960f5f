"""The durable outbox: order, deletion on acknowledgement, survival across reopen, bounded size."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from edge.errors import SinkError
from edge.sinks.mqtt.outbox import Outbox


def test_rows_come_back_in_order_and_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    with Outbox(path) as box:
        seqs = [box.add(f"e{n}", "t", f'{{"id": "e{n}"}}') for n in range(5)]
        box.delete(seqs[1])
        assert [s for s, _, _ in box.pending(after=0, limit=10)] == [seqs[0], *seqs[2:]]
        assert [s for s, _, _ in box.pending(after=seqs[2], limit=1)] == [seqs[3]]
    with Outbox(path) as again:
        assert again.count() == 4
        assert again.pending(after=0, limit=1)[0][2] == '{"id": "e0"}'
        assert again.add("e9", "t", "{}") > seqs[-1]  # sequence keeps growing: order survives restarts


def test_oldest_rows_are_dropped_beyond_the_bound(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", max_rows=150) as box:
        for n in range(200):
            box.add(f"e{n}", "t", "{}")
        assert box.count() == 150
        assert box.dropped == 50
        assert box.pending(after=0, limit=1)[0][0] == 51


def test_unwritable_location_is_a_sink_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    with pytest.raises(SinkError, match="outbox"):
        Outbox(locked / "sub" / "o.db")


def test_a_directory_in_the_way_is_a_sink_error(tmp_path: Path) -> None:
    (tmp_path / "o.db").mkdir()
    with pytest.raises(SinkError, match="cannot open MQTT outbox"):
        Outbox(tmp_path / "o.db")


def test_closed_outbox_raises_sink_error(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    box.close()
    box.close()
    with pytest.raises(SinkError, match="closed"):
        box.add("e", "t", "{}")
