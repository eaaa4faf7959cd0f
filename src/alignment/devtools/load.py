"""The load driver (`python -m alignment.devtools.load`): N simulated viewers of a running app,
over the websocket the browser uses (DESIGN section 8: "10 viewers at once: p95 within 3 s").

Each viewer opens a session on `/_stcore/stream` (subprotocol `streamlit`), asks for the
default page with a `rerun_script` BackMsg, as the browser does, and reads the ForwardMsgs
until `script_finished`. Then, until the run's end, it waits a think time and makes one
change a viewer in a meeting makes: a sidebar filter (grain, period, comparison, channel,
segment, region: a widget-state change, sent with the value as the widget displays it, and
the link's query string as the browser keeps it) or another page. "Filter change to rendered"
is the time from sending the change to the `script_finished` of the run it started, with every
element of the page received. The widgets' ids and options are read from the elements the
server sends, so the driver follows the app as it is, not a copy of its layout.

Errors: an exception or an `st.error` box on a page, a run that ends other than successfully,
a run that does not finish within the timeout, a dropped connection.

The viewers choose at random (seeded), so they rarely ask for the same view: the worst case
for the app's caches, which a room whose viewers follow the presenter would not reach.

The only module outside `alignment.app` that touches Streamlit, and only its wire format
(`streamlit.proto`): it runs nothing of Streamlit's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parents[3]

PAGES: tuple[str, ...] = ("", "funnel", "rejections", "quality", "glossary")
"""The pages a viewer visits, by URL path ("" is the default page, the Overview)."""

ACTIONS: dict[str, float] = {
    "period": 0.30,
    "page": 0.20,
    "channel": 0.15,
    "grain": 0.10,
    "compare": 0.10,
    "segment": 0.10,
    "region": 0.05,
}
"""What a viewer changes, with its weight."""

RECENT_PERIODS = 13
"""A viewer picks among the newest periods of the selector (and All time, its last option)."""


@dataclass
class Widget:
    """A widget as the server last drew it: its id, kind, options as displayed, default(s)
    (option indices) and the URL key it is bound to."""

    id: str
    kind: str
    options: list[str]
    default: list[int]
    query_key: str


@dataclass
class Run:
    """What one request (page open, change) gave: its time, how it ended, what went wrong."""

    action: str
    seconds: float
    errors: list[str] = field(default_factory=list)
    title: str = ""
    started: float = 0.0  # time.monotonic() when it was sent
    viewer: int = 0


def widget_key(widget_id: str) -> str | None:
    """The user key of a widget id (`$$ID-<hash>-<key>`), or None for a widget without one."""
    parts = widget_id.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[0] == "$$ID" else None


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1) of `values`: the smallest value with at
    least that share of the values at or below it (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


class Viewer:
    """One simulated browser tab: a websocket session that opens a page and changes filters."""

    def __init__(self, number: int, url: str, rng: random.Random, timeout: float) -> None:
        self.number = number
        self.url = url.rstrip("/")
        self.rng = rng
        self.timeout = timeout
        self.widgets: dict[str, Widget] = {}
        self.values: dict[str, Any] = {}  # key -> value the viewer chose (display form)
        self.pages: dict[str, str] = {}  # URL path -> page script hash
        self.page = ""
        self.socket: Any = None

    def _stream_url(self) -> str:
        parts = urlsplit(self.url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream"

    def query_string(self) -> str:
        """The link as the browser keeps it: each bound widget the viewer changed, unless it
        is back at its default (the browser leaves defaults out of the URL)."""
        pairs: list[tuple[str, str]] = []
        for key, value in self.values.items():
            widget = self.widgets.get(key)
            if widget is None or not widget.query_key:
                continue
            chosen = value if isinstance(value, list) else [value]
            default = [widget.options[i] for i in widget.default if i < len(widget.options)]
            if chosen != default:
                pairs += [(widget.query_key, v) for v in chosen]
        return urlencode(pairs)

    def _back_message(self) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string()
        state.page_script_hash = self.pages.get(self.page, "")
        state.page_name = self.page
        query = f"?{state.query_string}" if state.query_string else ""
        state.context_info.url = f"{self.url}/{self.page}{query}"
        for key, value in self.values.items():
            widget = self.widgets.get(key)
            if widget is None:
                continue
            entry = state.widget_states.widgets.add()
            entry.id = widget.id
            if widget.kind == "selectbox":
                entry.string_value = value
            elif widget.kind == "checkbox":
                entry.bool_value = bool(value)
            else:  # multiselect, segmented control: a list of displayed options
                entry.string_array_value.data.extend(value if isinstance(value, list) else [value])
        return message.SerializeToString()

    def _read_element(self, element: Any, errors: list[str], titles: list[str]) -> None:
        kind = element.WhichOneof("type")
        if kind == "heading" and not titles:
            titles.append(element.heading.body)
        if kind == "exception":
            errors.append(f"exception: {element.exception.type}: {element.exception.message}")
            return
        if kind == "alert" and element.alert.format == 1:  # Alert.Format.ERROR
            errors.append(f"error box: {element.alert.body[:200]}")
            return
        if kind not in ("selectbox", "multiselect", "button_group", "checkbox"):
            return
        proto = getattr(element, kind)
        key = widget_key(proto.id)
        if key is None:
            return
        if kind == "button_group":
            options = [option.content for option in proto.options]
            default = list(proto.default)
        elif kind == "checkbox":
            options, default = [], []
        else:
            options = list(proto.options)
            default = list(proto.default) if kind == "multiselect" else [proto.default]
        self.widgets[key] = Widget(proto.id, kind, options, default, proto.query_param_key)

    async def request(self, action: str) -> Run:
        """Send the viewer's state as one rerun and read until its script finishes."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        errors: list[str] = []
        titles: list[str] = []
        started = time.monotonic()
        start = time.perf_counter()
        await self.socket.send(self._back_message())
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = ForwardMsg()
                    message.ParseFromString(await self.socket.recv())
                    kind = message.WhichOneof("type")
                    if kind == "navigation":
                        self.pages = {
                            page.url_pathname: page.page_script_hash
                            for page in message.navigation.app_pages
                        }
                    elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                        self._read_element(message.delta.new_element, errors, titles)
                    elif kind == "script_finished":
                        status = message.script_finished
                        if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                            continue  # the page asked for a rerun (st.rerun): wait for it
                        if status not in (
                            ForwardMsg.FINISHED_SUCCESSFULLY,
                            ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                        ):
                            errors.append(f"script finished with status {status}")
                        break
        except TimeoutError:
            errors.append(f"no answer within {self.timeout:g} s")
        return Run(
            action,
            time.perf_counter() - start,
            errors,
            titles[0] if titles else "",
            started,
            self.number,
        )

    def choose(self) -> str:
        """Make one change to the viewer's state; returns what it changed."""
        actions = [a for a in ACTIONS if a == "page" or a in self.widgets]
        action = self.rng.choices(actions, weights=[ACTIONS[a] for a in actions])[0]
        if action == "page":
            self.page = self.rng.choice([p for p in PAGES if p != self.page])
            return "page " + (self.page or "overview")
        widget = self.widgets[action]
        if action == "period":
            recent = widget.options[:RECENT_PERIODS] + widget.options[-1:]
            self.values[action] = self.rng.choice(recent)
        elif widget.kind == "multiselect":
            # one value half of the time, none (every value) otherwise
            chosen = self.values.get(action) or []
            self.values[action] = [] if chosen else [self.rng.choice(widget.options)]
        elif widget.kind == "button_group":
            current = self.values.get(action, [widget.options[widget.default[0]]])
            self.values[action] = [self.rng.choice([o for o in widget.options if o != current[0]])]
        else:
            current = self.values.get(action, widget.options[widget.default[0]])
            self.values[action] = self.rng.choice([o for o in widget.options if o != current])
        if action == "grain":
            self.values.pop("period", None)  # another grain's period list: back to its default
        return action

    async def session(self, until: float, think: float, start_page: str) -> list[Run]:
        """Open `start_page`, then change something every think time until `until`."""
        import websockets

        runs: list[Run] = []
        self.page = start_page
        try:
            async with websockets.connect(
                self._stream_url(), subprotocols=["streamlit"], max_size=None, open_timeout=30
            ) as self.socket:
                first = await self.request("open " + (start_page or "overview"))
                runs.append(first)
                if not self.pages or (start_page and start_page not in self.pages):
                    return runs
                while time.monotonic() < until:
                    await asyncio.sleep(self.rng.uniform(0.5 * think, 1.5 * think))
                    if time.monotonic() >= until:
                        break
                    action = self.choose()
                    runs.append(await self.request(action))
        except (TimeoutError, OSError) as error:
            runs.append(Run("connect", 0.0, [f"connection: {error}"]))
        except websockets.ConnectionClosed as error:
            runs.append(Run("connection", 0.0, [f"connection closed: {error}"]))
        return runs


async def drive(
    url: str,
    viewers: int,
    *,
    duration: float = 60.0,
    think: float = 2.0,
    ramp: float = 5.0,
    seed: int = 1,
    timeout: float = 60.0,
) -> list[Run]:
    """Run `viewers` viewers against the app at `url` for `duration` seconds (after a start
    spread over `ramp` seconds); every request they made."""
    master = random.Random(seed)
    until = time.monotonic() + ramp + duration

    async def one(number: int) -> list[Run]:
        rng = random.Random(master.random())
        await asyncio.sleep(ramp * number / max(viewers, 1))
        viewer = Viewer(number, url, rng, timeout)
        return await viewer.session(until, think, PAGES[0])

    results = await asyncio.gather(*(one(i) for i in range(viewers)))
    return [run for runs in results for run in runs]


def summarise(runs: Sequence[Run], viewers: int) -> dict[str, Any]:
    """p50 / p95 / max seconds and errors of the changes (every request but the first page
    opens), of the opens, and per kind of change."""

    def stats(selected: Sequence[Run]) -> dict[str, Any]:
        seconds = [r.seconds for r in selected if not r.errors]
        return {
            "n": len(selected),
            "p50_s": round(percentile(seconds, 0.50), 3) if seconds else None,
            "p95_s": round(percentile(seconds, 0.95), 3) if seconds else None,
            "max_s": round(max(seconds), 3) if seconds else None,
            "mean_s": round(statistics.fmean(seconds), 3) if seconds else None,
            "errors": sum(1 for r in selected if r.errors),
        }

    changes = [r for r in runs if not r.action.startswith("open")]
    first = min((r.started for r in runs), default=0.0)
    kinds = sorted({r.action.split()[0] for r in changes})
    errors = [f"{r.action}: {e}" for r in runs for e in r.errors]
    return {
        "viewers": viewers,
        "changes": stats(changes),
        "opens": stats([r for r in runs if r.action.startswith("open")]),
        "by_action": {k: stats([r for r in changes if r.action.split()[0] == k]) for k in kinds},
        "error_messages": errors[:20],
        "runs": [
            {
                "viewer": r.viewer,
                "at_s": round(r.started - first, 3),
                "action": r.action,
                "seconds": round(r.seconds, 3),
                "title": r.title,
                "errors": r.errors,
            }
            for r in sorted(runs, key=lambda r: r.started)
        ],
    }


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as a few lines of text."""

    def line(name: str, s: dict[str, Any]) -> str:
        def sec(value: float | None) -> str:
            return "–" if value is None else f"{value:.2f}"

        return (
            f"{name:<24} {s['n']:>5} {sec(s['p50_s']):>7} {sec(s['p95_s']):>7} "
            f"{sec(s['max_s']):>7} {s['errors']:>6}"
        )

    lines = [
        f"{summary['viewers']} viewers: filter change to rendered (seconds)",
        f"{'':<24} {'n':>5} {'p50':>7} {'p95':>7} {'max':>7} {'errors':>6}",
        line("every change", summary["changes"]),
        line("first page open", summary["opens"]),
        *(line(f"  {k}", s) for k, s in summary["by_action"].items()),
    ]
    lines += [f"  ! {message}" for message in summary["error_messages"]]
    return "\n".join(lines)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerDidNotStart(RuntimeError):
    """`streamlit run` exited or did not answer in time; the message ends with its output."""


@contextmanager
def serve(
    app: Path = REPO / "app.py",
    env: Mapping[str, str] | None = None,
    *,
    address: str | None = "127.0.0.1",
    cwd: Path = REPO,
    port: int | None = None,
) -> Iterator[str]:
    """`streamlit run app` from `cwd` (the repository, so `.streamlit/config.toml` applies) on
    `port` (None: a free one), with `env` added to the environment, listening on `address`
    (None: as the config says); yields its URL on 127.0.0.1 once it answers, and stops it
    afterwards. A caller passes `port` when something must name it before the start (an OpenID
    Connect redirect URI in the secrets)."""
    port = port or free_port()
    flags = ["--server.port", str(port), "--server.headless", "true"]
    if address is not None:
        flags += ["--server.address", address]
    with tempfile.TemporaryFile() as output:  # a file, not a pipe nobody reads while it runs
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(app), *flags]
            + ["--browser.gatherUsageStats", "false"],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    output.seek(0)
                    log = output.read().decode(errors="replace")[-3000:]
                    raise ServerDidNotStart(f"streamlit did not start on {url}:\n{log}")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def run(
    viewers: Sequence[int],
    *,
    url: str | None = None,
    database: Path | None = None,
    duration: float = 60.0,
    think: float = 2.0,
    ramp: float = 5.0,
    seed: int = 1,
) -> list[dict[str, Any]]:
    """One summary per number of viewers, against `url`, or against a server started on
    `database` (a fresh one per number of viewers, so no run finds another's cached results)."""
    summaries = []
    for count in viewers:
        if url is not None:
            runs = asyncio.run(
                drive(url, count, duration=duration, think=think, ramp=ramp, seed=seed)
            )
        else:
            assert database is not None
            app_env = {"ALIGNMENT_DB": str(database), "ALIGNMENT_NO_DEMO": "1"}
            with serve(env=app_env) as started:
                runs = asyncio.run(
                    drive(started, count, duration=duration, think=think, ramp=ramp, seed=seed)
                )
        summaries.append(summarise(runs, count))
    return summaries


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m alignment.devtools.load", description=__doc__.split("\n\n")[0]
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="a running app, e.g. http://localhost:8501")
    target.add_argument("--db", type=Path, help="start the app on this database file")
    parser.add_argument(
        "--viewers", default="10", help="viewers at once; several runs: --viewers 10,20"
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of changes")
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between changes")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds over which viewers join")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="FILE", help="also write the summaries as JSON")
    args = parser.parse_args(argv)
    counts = [int(v) for v in str(args.viewers).split(",") if v.strip()]
    summaries = run(
        counts,
        url=args.url,
        database=args.db,
        duration=args.duration,
        think=args.think,
        ramp=args.ramp,
        seed=args.seed,
    )
    for summary in summaries:
        print(format_summary(summary))
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(summaries, indent=2), encoding="utf-8")
    return 1 if any(s["changes"]["errors"] or s["opens"]["errors"] for s in summaries) else 0


if __name__ == "__main__":
    sys.exit(main())
