"""Filter change to rendered in a real browser (`python -m alignment.devtools.browser`), for
one viewer: the goal "a filter change is rendered in a browser within 1 s at 1 M leads".

It serves the app on a database (`load.serve`), opens headless Chromium at 1920x1080 and, on
the Overview, the Funnel and the Rejections in turn, opens the page, waits until it is
rendered, then makes the sidebar changes a meeting makes, each `--repeats` times with other
values where the sidebar offers them: the grain to Quarter and back to Month, another period,
a channel added to the filter and removed again, another comparison. The server and the
browser start fresh, so the first change of a kind meets empty caches and later ones may not.

A change's time runs from the user's action (the time stamp of the browser's pointer-down on
the option or button that changes the value) to the first animation frame at which the page
shows the change rendered: the browser has received the end of the script run the change
started (a `script_finished` message other than "finished early for a rerun"), the app
reports its script as not running (`data-test-script-state` on the app's root), no element is
marked stale (`data-stale`) or still waiting for its code (a skeleton), and the status widget
does not show "Running". Both ends are read from the browser's clock, so Playwright's own
round trips are not counted. A page's open time runs from navigation start to the same state;
the first page's includes loading the frontend's code.

Between changes the tool waits, untimed, until the server has sent nothing and the browser's
main thread has run no long task (50 ms or more) for 0.3 s. Runs that finish in that wait
are extra runs (the app doing more than the change asked for). A long task that ends after
the rendered frame is the browser still drawing: Plotly charts and tables are redrawn after
React has put the elements in place, up to a few tenths of a second later.

The table gives, per page and change, how many were timed, their median and maximum seconds
to rendered, and the median seconds to the run's end received (the server's part; the rest is
the browser's), with notes: errors, extra runs, the longest the browser kept drawing after.
The last line gives the median and p95 of every change and how many took over 1 s, also
counting the drawing after. A change whose page shows an exception or an `st.error` box, whose
run does not compile, or which is not rendered within 30 s is an error and not a time; the
command then exits 1, else 0: it measures, it does not judge the times.

Playwright is imported and Chromium started inside the functions, so importing this module
needs neither. Of Streamlit it reads only the message definitions (`streamlit.proto`), for
the number of the `script_finished` field.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alignment.devtools import load

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium: the browser is never downloaded (no `playwright install`)."""

CHROMIUM_FLAGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

WIDTH, HEIGHT = 1920, 1080
"""The browser window's size in CSS pixels: a meeting room's screen."""

PAGES: dict[str, str] = {"Overview": "", "Funnel": "funnel", "Rejections": "rejections"}
"""The pages measured, by title, with their URL path ("" is the default page)."""

CHANGES: tuple[str, ...] = ("grain", "period", "channel", "compare")
"""The sidebar changes, in the order each repeat makes them. `grain` times two changes (to
Quarter, back to Month), `channel` two (add a channel, remove it)."""

TIMEOUT_S = 30.0
"""A change not rendered within this many seconds is an error."""

QUIET_MS = 300
"""Before the next change, no message from the server for this long (not timed)."""

RECENT_PERIODS = 7
"""A period change picks among the newest periods of the selector."""

SLOW_S = 1.0
"""The goal: a change rendered within this many seconds."""

BUSY_NOTE_S = 0.1
"""The table notes a main thread busy this long or longer after a change was rendered."""

RENDER_PROBE = """
(() => {
  const SCRIPT_FINISHED_FIELD = %(script_finished_field)d;
  const FINISHED_EARLY_FOR_RERUN = %(finished_early_for_rerun)d;
  const probe = {
    actionAt: 0,              // the page load counts from navigation start
    runStateChanged: false,   // the app's run state changed since the action
    finishedAt: null,         // the first script_finished since the action
    finishedStatus: null,
    finishedRuns: 0,
    lastMessageAt: 0,
    lastLongTaskEnd: 0,       // the end of the main thread's last task of 50 ms or more
  };
  probe.arm = () => {
    probe.actionAt = null;
    probe.runStateChanged = false;
    probe.finishedAt = null;
    probe.finishedStatus = null;
  };
  // the page shows a finished run: the app is not running, no element is stale or still
  // loading its code (a skeleton), the status widget shows no "Running" (one fading out after
  // the run is not counted)
  probe.idle = () =>
    document.querySelector('[data-testid="stApp"]')?.getAttribute("data-test-script-state")
      === "notRunning"
    && !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')
    && !document.querySelector('[data-testid="stStatusWidget"]'
      + ':not(.StatusWidget-exit):not(.StatusWidget-exit-active) '
      + '[data-testid="stStatusWidgetRunningIcon"]');
  window.__renderProbe = probe;
  for (const type of ["pointerdown", "keydown"]) {
    window.addEventListener(type, (event) => {
      if (event.isTrusted && probe.actionAt === null) probe.actionAt = event.timeStamp;
    }, true);
  }
  new MutationObserver(() => {
    if (probe.actionAt !== null) probe.runStateChanged = true;
  }).observe(document, {
    subtree: true, attributes: true, attributeFilter: ["data-test-script-state"],
  });
  new PerformanceObserver((list) => {
    for (const task of list.getEntries()) {
      probe.lastLongTaskEnd = Math.max(probe.lastLongTaskEnd, task.startTime + task.duration);
    }
  }).observe({type: "longtask", buffered: true});

  // The status of a ForwardMsg's script_finished field, or null for another message: the
  // top-level fields of the protobuf message, skipped by wire type.
  function scriptFinishedStatus(bytes) {
    let at = 0;
    const varint = () => {
      let value = 0, scale = 1, byte;
      do {
        byte = bytes[at++];
        value += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte & 0x80 && at < bytes.length);
      return value;
    };
    while (at < bytes.length) {
      const tag = varint();
      const number = Math.floor(tag / 8), wireType = tag %% 8;
      if (number === SCRIPT_FINISHED_FIELD && wireType === 0) return varint();
      if (wireType === 0) varint();
      else if (wireType === 1) at += 8;
      else if (wireType === 2) { const length = varint(); at += length; }
      else if (wireType === 5) at += 4;
      else return null;
    }
    return null;
  }

  const BrowserWebSocket = window.WebSocket;
  window.WebSocket = class extends BrowserWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const now = performance.now();
        probe.lastMessageAt = now;
        if (!(event.data instanceof ArrayBuffer)) return;
        const status = scriptFinishedStatus(new Uint8Array(event.data));
        if (status === null || status === FINISHED_EARLY_FOR_RERUN) return;
        probe.finishedRuns += 1;
        if (probe.actionAt !== null && probe.finishedAt === null) {
          probe.finishedAt = now;
          probe.finishedStatus = status;
        }
      });
    }
  };
})();
"""
"""Installed in every page before the app's scripts: records the user's action, the arrival
of each finished script run (read from the app's websocket), and changes of the run state."""

RENDERED = """() => {
  const probe = window.__renderProbe;
  if (!probe || probe.actionAt === null || probe.finishedAt === null || !probe.idle()) return null;
  // the run state is drawn at least once as running; if the browser drew the whole run in one
  // go, wait a moment so that a page still showing the previous run is not taken for it
  if (!probe.runStateChanged && performance.now() - probe.finishedAt < 100) return null;
  return {
    actionAt: probe.actionAt,
    finishedAt: probe.finishedAt,
    renderedAt: performance.now(),
    status: probe.finishedStatus,
    finishedRuns: probe.finishedRuns,
  };
}"""
"""Polled at every animation frame after an action: the times of the action, of the arrival of
its run's end and of the first frame that shows the run rendered, or null before."""

QUIET = """(quietMs) => {
  const probe = window.__renderProbe;
  const now = performance.now();
  if (!probe || now - probe.lastMessageAt < quietMs || now - probe.lastLongTaskEnd < quietMs
    || !probe.idle()) return null;
  return {finishedRuns: probe.finishedRuns, lastLongTaskEnd: probe.lastLongTaskEnd};
}"""
"""The page is idle, and neither the server nor a long task of the browser's main thread has been
busy for `quietMs`: the runs finished so far, and when the last long task ended."""

ERRORS = """() => [...new Set(Array.from(
  document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]'),
  (element) => element.innerText.replace(/\\s+/g, " ").split(" Traceback:")[0].trim().slice(0, 200),
))]"""
"""The text of each exception (without its traceback) and `st.error` box the page shows."""


@dataclass
class Timing:
    """One timed change (or page open): what it set, how long until rendered (None: never) and,
    of that, until the browser received the end of the run (the rest is the browser drawing),
    how long the browser's main thread kept working after it was rendered (tasks of 50 ms or
    more), what went wrong, how many runs the app made after it without being asked, and
    whether the page then came to rest (if not, the page's further changes are not made)."""

    page: str
    change: str
    value: str
    seconds: float | None = None
    run_s: float | None = None
    busy_after_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    extra_runs: int = 0
    settled: bool = False


def probe_script() -> str:
    """The render probe with the field number and status of Streamlit's `script_finished`."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    return RENDER_PROBE % {
        "script_finished_field": ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number,
        "finished_early_for_rerun": ForwardMsg.FINISHED_EARLY_FOR_RERUN,
    }


@contextmanager
def chromium(executable: Path = CHROMIUM) -> Iterator[Browser]:
    """Headless Chromium (`executable`, Debian's) driven by Playwright; closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=list(CHROMIUM_FLAGS)
        )
        try:
            yield browser
        finally:
            browser.close()


def _wait_until_rendered(page: Page, timing: Timing, timeout_s: float) -> None:
    """After an action (or a page load): time it until its run is rendered, note the errors the
    page then shows, and let the page come to rest (untimed), counting the runs it makes
    meanwhile and how long the main thread stays busy."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        handle = page.wait_for_function(RENDERED, polling="raf", timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        timing.errors.append(f"not rendered within {timeout_s:g} s")
        return
    rendered: dict[str, Any] = handle.json_value()
    timing.seconds = (rendered["renderedAt"] - rendered["actionAt"]) / 1000
    timing.run_s = (rendered["finishedAt"] - rendered["actionAt"]) / 1000
    timing.errors += page.evaluate(ERRORS)
    if rendered["status"] == 1:  # FINISHED_WITH_COMPILE_ERROR
        timing.errors.append("the script did not compile")
    try:
        handle = page.wait_for_function(QUIET, arg=QUIET_MS, polling=50, timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        timing.errors.append(f"still busy {timeout_s:g} s after it was rendered")
        return
    quiet: dict[str, Any] = handle.json_value()
    timing.extra_runs = max(int(quiet["finishedRuns"]) - int(rendered["finishedRuns"]), 0)
    timing.busy_after_s = max(quiet["lastLongTaskEnd"] - rendered["renderedAt"], 0.0) / 1000
    timing.settled = True


def _measure_click(
    page: Page,
    target: Locator,
    name: str,
    change: str,
    value: str,
    timeout_s: float,
    took: Callable[[], bool],
) -> Timing:
    """Click `target` (a value-changing option or button) and time it until rendered; `took`
    tells whether the sidebar then shows the change (else it is an error)."""
    target.wait_for(state="visible")
    page.evaluate("window.__renderProbe.arm()")
    target.click()
    timing = Timing(name, change, value)
    _wait_until_rendered(page, timing, timeout_s)
    if timing.seconds is not None and not took():
        timing.errors.append(f"the sidebar does not show it: {value}")
    return timing


def _sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


def _combobox(page: Page, label: str) -> Locator:
    """The input of the sidebar selectbox or multiselect labelled `label`."""
    return _sidebar(page).get_by_role("combobox", name=label, exact=True)


def _open_listbox(page: Page, label: str) -> Locator:
    """Open the sidebar selectbox or multiselect labelled `label`; its list of options."""
    _combobox(page, label).click()
    listbox = page.locator(f'[role="listbox"][aria-label="{label}"]')
    listbox.get_by_role("option").first.wait_for(state="visible")
    return listbox


def _options(listbox: Locator) -> list[tuple[str, bool]]:
    """The options the open list shows: (text, selected)."""
    return [
        (option.inner_text().strip(), option.get_attribute("aria-selected") == "true")
        for option in listbox.get_by_role("option").all()
    ]


def _option(listbox: Locator, text: str) -> Locator:
    return listbox.get_by_role("option", name=text, exact=True)


def _is_checked(radio: Locator) -> bool:
    return radio.get_attribute("aria-checked") == "true"


def _change_grain(page: Page, name: str, repeat: int, timeout_s: float) -> list[Timing]:
    """The grain to Quarter, then back to Month (the period goes to each grain's default)."""
    timings: list[Timing] = []
    for grain in ("Quarter", "Month"):
        radio = _sidebar(page).get_by_role("radio", name=grain, exact=True)
        change = f"grain to {grain}"
        took = partial(_is_checked, radio)
        timings.append(_measure_click(page, radio, name, change, grain, timeout_s, took))
        if not timings[-1].settled:
            break
    return timings


def _change_period(page: Page, name: str, repeat: int, timeout_s: float) -> list[Timing]:
    """Another of the newest periods, a different one at each repeat."""
    listbox = _open_listbox(page, "Period")
    shown = _options(listbox)
    current = next((text for text, selected in shown if selected), "")
    recent = [text for text, _ in shown[:RECENT_PERIODS] if text != "All time"]
    others = [text for text in recent if text != current] or [t for t, _ in shown if t != current]
    period = others[repeat % len(others)]

    def took() -> bool:
        return _combobox(page, "Period").input_value() == period

    target = _option(listbox, period)
    return [_measure_click(page, target, name, "period", period, timeout_s, took)]


def _change_channel(page: Page, name: str, repeat: int, timeout_s: float) -> list[Timing]:
    """A channel added to the filter (another at each repeat), then removed."""
    listbox = _open_listbox(page, "Channel")
    channels = [text for text, selected in _options(listbox) if not selected]
    channels = [text for text in channels if text != "Select all"]
    if not channels:
        raise LookupError("the data has no channel to filter by")
    channel = channels[repeat % len(channels)]
    remove = _sidebar(page).get_by_role("button", name=f"Remove {channel}", exact=True)
    # while the list is open, the chosen values are hidden from the accessibility tree
    tag = _sidebar(page).get_by_role(
        "button", name=f"Remove {channel}", exact=True, include_hidden=True
    )
    target = _option(listbox, channel)
    added = _measure_click(
        page, target, name, "channel add", channel, timeout_s, took=lambda: tag.count() == 1
    )
    if not added.settled:
        return [added]
    page.keyboard.press("Escape")  # close the list: no change, but let the page rest again
    page.wait_for_function(QUIET, arg=QUIET_MS, polling=50, timeout=timeout_s * 1000)
    removed = _measure_click(
        page, remove, name, "channel remove", channel, timeout_s, took=lambda: tag.count() == 0
    )
    return [added, removed]


def _change_comparison(page: Page, name: str, repeat: int, timeout_s: float) -> list[Timing]:
    """The comparison after the current one in the list."""
    listbox = _open_listbox(page, "Compare with")
    shown = _options(listbox)
    current = next((index for index, (_, selected) in enumerate(shown) if selected), 0)
    comparison = shown[(current + 1) % len(shown)][0]  # the next one: each repeat another

    def took() -> bool:
        return _combobox(page, "Compare with").input_value() == comparison

    target = _option(listbox, comparison)
    return [_measure_click(page, target, name, "compare", comparison, timeout_s, took)]


MAKE_CHANGE: dict[str, Callable[[Page, str, int, float], list[Timing]]] = {
    "grain": _change_grain,
    "period": _change_period,
    "channel": _change_channel,
    "compare": _change_comparison,
}


def measure(
    browser: Browser,
    url: str,
    *,
    pages: Sequence[str] = tuple(PAGES),
    changes: Sequence[str] = CHANGES,
    repeats: int = 5,
    timeout_s: float = TIMEOUT_S,
) -> list[Timing]:
    """Open each of `pages` (titles of `PAGES`) of the app at `url` in a fresh context of
    `browser` (no cookies, nothing cached) and make each of `changes` `repeats` times; the page
    opens (change `open`) and every change, timed until rendered. A page that does not come to
    rest after a change is left for the next page."""
    from playwright.sync_api import Error as PlaywrightError

    timings: list[Timing] = []
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        context.add_init_script(probe_script())
        page = context.new_page()
        for name in pages:
            page.goto(f"{url.rstrip('/')}/{PAGES[name]}", wait_until="commit")
            opened = Timing(name, "open", "")
            _wait_until_rendered(page, opened, timeout_s)
            timings.append(opened)
            if not opened.settled:
                continue
            for repeat in range(repeats):
                for change in changes:
                    try:
                        made = MAKE_CHANGE[change](page, name, repeat, timeout_s)
                    except (PlaywrightError, LookupError) as error:  # no such widget or option
                        message = str(error).splitlines()[0]
                        made = [Timing(name, change, "", errors=[f"could not make it: {message}"])]
                    timings += made
                    if not all(timing.settled for timing in made):
                        break
                else:
                    continue
                break
    finally:
        context.close()
    return timings


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def summarise(timings: Sequence[Timing]) -> dict[str, Any]:
    """Per page and change: n, median and max seconds to rendered, median seconds to the run's
    end received, the longest the main thread stayed busy after, errors and extra runs; over
    every change (the page opens apart): n, median, p95, how many over `SLOW_S` (also with the
    main thread's work after the rendered frame added), errors. A timing with an error is
    counted as an error, not as a time."""
    groups: dict[tuple[str, str], list[Timing]] = {}
    for timing in timings:
        groups.setdefault((timing.page, timing.change), []).append(timing)

    def timed(selected: Sequence[Timing]) -> list[Timing]:
        return [t for t in selected if t.seconds is not None and not t.errors]

    rows = []
    for (page, change), selected in groups.items():
        ok = timed(selected)
        seconds = [t.seconds for t in ok if t.seconds is not None]
        rows.append(
            {
                "page": page,
                "change": change,
                "n": len(ok),
                "median_s": _median(seconds),
                "max_s": round(max(seconds), 3) if seconds else None,
                "run_median_s": _median([t.run_s for t in ok if t.run_s is not None]),
                "busy_after_max_s": round(max((t.busy_after_s for t in ok), default=0.0), 3),
                "errors": sum(1 for t in selected if t.errors),
                "extra_runs": sum(t.extra_runs for t in selected),
            }
        )
    changes = [t for t in timings if t.change != "open"]
    seconds = [t.seconds for t in timed(changes) if t.seconds is not None]
    drawn = [t.seconds + t.busy_after_s for t in timed(changes) if t.seconds is not None]
    return {
        "rows": rows,
        "changes": {
            "n": len(seconds),
            "median_s": _median(seconds),
            "p95_s": round(load.percentile(seconds, 0.95), 3) if seconds else None,
            "over_1_s": sum(1 for s in seconds if s > SLOW_S),
            "over_1_s_with_drawing_after": sum(1 for s in drawn if s > SLOW_S),
            "errors": sum(1 for t in changes if t.errors),
        },
        "errors": sum(1 for t in timings if t.errors),
        "error_messages": [
            f"{t.page}, {t.change}{f' {t.value}' if t.value not in t.change else ''}: {message}"
            for t in timings
            for message in t.errors
        ][:20],
    }


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as a table: per page and change, n, median and max seconds to rendered, the
    median seconds to the run's end received (the rest of a time is the browser drawing), and
    notes: errors, extra runs, the longest the browser kept drawing after the rendered frame."""

    def sec(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    lines = [
        "Filter change to rendered, one viewer, Chromium 1920x1080 (seconds)",
        f"{'page':<11} {'change':<16} {'n':>3} {'median':>7} {'max':>7} {'run':>7}  notes",
    ]
    for row in summary["rows"]:
        notes = []
        if row["errors"]:
            notes.append(f"{row['errors']} errors")
        if row["extra_runs"]:
            notes.append(f"{row['extra_runs']} extra runs")
        if row["busy_after_max_s"] >= BUSY_NOTE_S:
            notes.append(f"then drawing up to {row['busy_after_max_s']:.2f} more")
        lines.append(
            f"{row['page']:<11} {row['change']:<16} {row['n']:>3} {sec(row['median_s']):>7} "
            f"{sec(row['max_s']):>7} {sec(row['run_median_s']):>7}  {', '.join(notes)}".rstrip()
        )
    every = summary["changes"]
    lines.append(
        f"every change (opens apart): n {every['n']}, median {sec(every['median_s'])}, "
        f"p95 {sec(every['p95_s'])}, over {SLOW_S:g} s: {every['over_1_s']} "
        f"({every['over_1_s_with_drawing_after']} with the drawing after), "
        f"errors: {every['errors']}"
    )
    lines += [f"  ! {message}" for message in summary["error_messages"]]
    return "\n".join(lines)


def run(
    *,
    url: str | None = None,
    database: Path | None = None,
    pages: Sequence[str] = tuple(PAGES),
    changes: Sequence[str] = CHANGES,
    repeats: int = 5,
) -> list[Timing]:
    """`measure` against `url`, or against the app served on `database` for this run."""
    if url is not None:
        with chromium() as browser:
            return measure(browser, url, pages=pages, changes=changes, repeats=repeats)
    assert database is not None
    app_env = {"ALIGNMENT_DB": str(database), "ALIGNMENT_NO_DEMO": "1"}
    with load.serve(env=app_env) as served, chromium() as browser:
        return measure(browser, served, pages=pages, changes=changes, repeats=repeats)


def _names(text: str, known: Sequence[str]) -> list[str]:
    by_lower = {name.lower(): name for name in known}
    names = [by_lower.get(part.strip().lower(), part.strip()) for part in text.split(",")]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {unknown}: choose from {', '.join(known)}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m alignment.devtools.browser", description=__doc__.split("\n\n")[0]
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--db", type=Path, help="start the app on this database file")
    target.add_argument("--url", help="a running app, e.g. http://localhost:8501")
    parser.add_argument("--repeats", type=int, default=5, help="times each change is made")
    parser.add_argument(
        "--pages",
        type=lambda text: _names(text, tuple(PAGES)),
        default=list(PAGES),
        help=f"comma-separated, of {', '.join(PAGES)} (default: all)",
    )
    parser.add_argument(
        "--changes",
        type=lambda text: _names(text, CHANGES),
        default=list(CHANGES),
        help=f"comma-separated, of {', '.join(CHANGES)} (default: all)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the table and every timing")
    args = parser.parse_args(argv)
    if args.db is not None and not args.db.is_file():
        parser.error(f"no database file at {args.db}")
    timings = run(
        url=args.url,
        database=args.db,
        pages=args.pages,
        changes=args.changes,
        repeats=args.repeats,
    )
    summary = summarise(timings)
    print(format_summary(summary))
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {**summary, "repeats": args.repeats, "timings": [asdict(t) for t in timings]}
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
