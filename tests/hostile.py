"""Hostile values a file or a user can bring, and a small leads export that carries them
(imported through the real pipeline), for the page and browser tests of how the app shows
values from files: as text, never as Markdown, HTML or a spreadsheet formula.

The export: 315 leads created, made MQL and (most of them) rejected in September 2026.
- 150 from the lead source `IMAGE`: 90 rejected for `BOLD`, 30 for `HTML`, 30 reached SQL;
- 150 from `Email`: 20 rejected for `BOLD`, 100 for `LINK`, 30 reached SQL;
- 10 from the lead source `FORMULA`, MQL only; 5 with no lead source, not MQL.
So among the 240 rejections `BOLD` is the top reason (110 = 46 %), and `BOLD` in the `IMAGE`
channel (90 of 120 = 75 %) is a pattern. Names are `FORMULA`, companies `@SUM(A1)`, owners
`HTML` (IMAGE leads) and campaigns `LINK` (IMAGE leads).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from alignment import model

IMAGE = "![p](http://127.0.0.1:9/x.png)"
"""Markdown that makes a browser fetch an image from a host the test can watch."""
BOLD = "**bold**"
CODE = "`code`"
HTML = "<img src=x onerror=alert(1)>"
LINK = "[link](javascript:alert(1))"
FORMULA = '=HYPERLINK("http://127.0.0.1:9/f","y")'
"""A cell a spreadsheet would run."""
FILE_NAME = "a`b**c**.csv"
"""An upload's name with Markdown in it."""
EXPORT_NAME = "=1+2 leads.csv"
"""The name the hostile export is imported under (a formula for the history table)."""
IMAGE_HOST = "127.0.0.1:9"
"""Where every hostile URL points (port 9, discard: nothing answers)."""

MAPPING: dict[str, str] = {
    "external_id": "Lead ID",
    "email": "Email",
    "name": "Full Name",
    "company": "Company",
    "channel_raw": "Lead Source",
    "campaign": "Campaign",
    "owner": "Lead Owner",
    "created_at": "Created Date",
    "mql_at": "MQL Date",
    "sql_at": "SQL Date",
    "rejected_at": "Rejected Date",
    "rejection_reason_raw": "Rejection Reason",
}


def leads_csv() -> bytes:
    """The hostile leads export described in the module docstring, as CSV bytes."""
    rows: list[dict[str, str]] = []

    def lead(source: str, *, reason: str = "", sql: bool = False, mql: bool = True) -> None:
        number = len(rows) + 1
        day = 1 + number % 20
        hostile = source == IMAGE
        rows.append(
            {
                "Lead ID": f"L{number:04d}",
                "Email": f"lead{number}@example.com",
                "Full Name": FORMULA,
                "Company": "@SUM(A1)",
                "Lead Source": source,
                "Campaign": LINK if hostile else "Newsletter",
                "Lead Owner": HTML if hostile else "Ada Owner",
                "Created Date": f"2026-09-{day:02d}",
                "MQL Date": f"2026-09-{day + 1:02d}" if mql else "",
                "SQL Date": f"2026-09-{day + 5:02d}" if sql else "",
                "Rejected Date": f"2026-09-{day + 3:02d}" if reason else "",
                "Rejection Reason": reason,
            }
        )

    for reason, count in ((BOLD, 90), (HTML, 30)):
        for _ in range(count):
            lead(IMAGE, reason=reason)
    for reason, count in ((BOLD, 20), (LINK, 100)):
        for _ in range(count):
            lead("Email", reason=reason)
    for source in (IMAGE, "Email"):
        for _ in range(30):
            lead(source, sql=True)
    for _ in range(10):
        lead(FORMULA)
    for _ in range(5):
        lead("", mql=False)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload_csv() -> bytes:
    """A small export to upload on the Import page: a formula as a column name and as a value,
    and a formula where a date belongs (a rejected value)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Lead ID", "Email", "Lead Source", "Created Date", FORMULA])
    writer.writerow(["U1", "u1@example.com", "Web", "2026-09-01", "=1+1"])
    writer.writerow(["U2", "u2@example.com", "Web", FORMULA, "x"])
    writer.writerow(["U3", "u3@example.com", "Web", "2026-09-03", "y"])
    return out.getvalue().encode("utf-8")


def build_database(path: Path) -> None:
    """A new database at `path` holding only the hostile leads export."""
    from alignment import ingest

    con = model.connect(path)
    try:
        ingest.import_file(
            con,
            leads_csv(),
            EXPORT_NAME,
            object_type="leads",
            source_system="crm",
            mapping=MAPPING,
        )
    finally:
        con.close()
