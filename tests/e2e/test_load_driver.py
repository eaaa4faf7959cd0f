"""The load driver runs against a served app: viewers open pages and change filters over the
websocket, and every change is answered."""

from __future__ import annotations

import asyncio

from alignment.devtools import load


def test_two_viewers_change_filters_and_pages_without_errors(server: str) -> None:
    runs = asyncio.run(load.drive(server, 2, duration=6.0, think=0.4, ramp=0.0, seed=3))
    errors = [(r.action, r.errors) for r in runs if r.errors]
    assert errors == []
    opens = [r for r in runs if r.action.startswith("open")]
    changes = [r for r in runs if not r.action.startswith("open")]
    assert len(opens) == 2 and all(r.title.startswith("Overview · ") for r in opens)
    assert len(changes) >= 4
    # the changes change what is shown: other pages, other periods in the title
    assert len({r.title for r in changes}) > 1
    summary = load.summarise(runs, 2)
    assert summary["changes"]["n"] == len(changes) and summary["changes"]["errors"] == 0
