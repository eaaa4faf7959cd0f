"""Rules that keep the code easy to change (DESIGN section 2): thin pages, one Streamlit module."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SQL_WORDS = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b\s+\S|\bselect\b[^\n]*\bfrom\b",
)  # SQL keywords as written in SQL; "Delete an import" in a label is not SQL
SQL_CALLS = re.compile(r"\.(execute|sql|query)\s*\(")


def _python_files(folder: str) -> list[Path]:
    return sorted((REPO / folder).rglob("*.py"))


def test_pages_contain_no_sql_and_no_duckdb() -> None:
    offenders = []
    for path in [*_python_files("pages"), REPO / "app.py"]:
        text = path.read_text(encoding="utf-8")
        if "import duckdb" in text or "from duckdb" in text:
            offenders.append(f"{path.name}: imports duckdb")
        for pattern in (SQL_WORDS, SQL_CALLS):
            if match := pattern.search(text):
                offenders.append(f"{path.name}: {match.group(0)!r}")
    assert offenders == []


def test_the_checker_catches_sql(tmp_path: Path) -> None:
    # the rule above must be able to fail: a page with SQL in it is caught
    text = 'con.execute("SELECT count(*) FROM leads")\nimport duckdb\n'
    assert SQL_WORDS.search(text) and SQL_CALLS.search(text)
    assert SQL_WORDS.search("q = 'select id from leads'")
    assert not SQL_WORDS.search('st.selectbox("Delete an import", choices)')


STREAMLIT_IMPORT = re.compile(r"^\s*(?:import|from)\s+(streamlit[\w.]*)", re.M)
WIRE_FORMAT_ONLY = {"alignment/devtools/load.py", "alignment/devtools/browser.py"}
"""The load driver speaks Streamlit's websocket protocol, and the browser timer reads which of
its messages ends a run: they may import `streamlit.proto` (the message definitions), and
nothing that runs Streamlit."""


def test_only_the_app_package_imports_streamlit() -> None:
    importers: dict[str, list[str]] = {}
    for path in _python_files("src/alignment"):
        modules = STREAMLIT_IMPORT.findall(path.read_text("utf-8"))
        if modules:
            importers[path.relative_to(REPO / "src").as_posix()] = modules
    assert importers, "the check found no Streamlit module at all"
    offenders = [
        path
        for path, modules in importers.items()
        if not path.startswith("alignment/app/")
        and not (path in WIRE_FORMAT_ONLY and all(m.startswith("streamlit.proto") for m in modules))
    ]
    assert offenders == []


def test_the_streamlit_check_catches_an_import() -> None:
    assert STREAMLIT_IMPORT.findall("import streamlit as st\n") == ["streamlit"]
    assert STREAMLIT_IMPORT.findall("    from streamlit.proto.BackMsg_pb2 import BackMsg\n") == [
        "streamlit.proto.BackMsg_pb2"
    ]
    assert STREAMLIT_IMPORT.findall("from streamlit.runtime import x") == ["streamlit.runtime"]


def test_every_page_is_registered_in_the_router() -> None:
    router = (REPO / "app.py").read_text(encoding="utf-8")
    pages = [p.relative_to(REPO).as_posix() for p in _python_files("pages")]
    assert pages, "no pages found"
    assert [p for p in pages if f'"{p}"' not in router] == []


def test_the_app_imports_pandas_before_any_session_runs() -> None:
    # sessions run on their own threads; plotly reads pandas from sys.modules without importing
    # it, so a session could see it half-imported by another ("partially initialized module
    # 'pandas' has no attribute 'Series'", seen with 10 viewers on a fresh server)
    code = "import sys, alignment.app; print('pandas' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "True", done.stderr
