"""Mapping tables: defaults, matching, seeding, validation, unmapped values, and the views and
CLI reading them without re-import; X Education's real export through the maps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alignment import ingest, model
from alignment.cli import main
from alignment.db import store
from alignment.metrics.conversion import converted_share_by
from alignment.model import facts, maps

from .conftest import REALDATA

XEDUCATION = REALDATA / "xeducation" / "leads.csv"


@pytest.fixture
def con() -> Iterator[store.Connection]:
    connection = model.connect(":memory:")
    yield connection
    connection.close()


def _lead(con: store.Connection, n: int, **values: object) -> None:
    columns = ["lead_id", "source_system", "external_id", *values]
    params = [f"t:{n}", "t", str(n), *values.values()]
    con.execute(
        f"INSERT INTO leads ({', '.join(columns)}) VALUES ({', '.join('?' for _ in params)})",
        params,
    )
    facts.refresh(con)


def _opp(con: store.Connection, n: int, **values: object) -> None:
    columns = ["opp_id", "source_system", "external_id", *values]
    params = [f"t:{n}", "t", str(n), *values.values()]
    con.execute(
        f"INSERT INTO opportunities ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in params)})",
        params,
    )
    facts.refresh(con)


# ---- defaults ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "channel", "marketing"),
    [
        ("PAID_SEARCH", "Paid Search", True),  # HubSpot original source
        ("ORGANIC_SEARCH", "Organic Search", True),
        ("PAID_SOCIAL", "Paid Social", True),
        ("SOCIAL_MEDIA", "Organic Social", True),
        ("EMAIL_MARKETING", "Email", True),
        ("REFERRALS", "Referral", True),
        ("DIRECT_TRAFFIC", "Direct", True),
        ("OFFLINE", "Other", False),
        ("OTHER_CAMPAIGNS", "Other", True),
        ("Web", "Organic Search", True),  # Salesforce Lead Source picklist
        ("Phone Inquiry", "Direct", True),
        ("Partner Referral", "Referral", True),
        ("Purchased List", "Outbound", False),
        ("Other", "Other", False),
        ("Advertisement", "Display", True),
        ("Employee Referral", "Referral", False),
        ("External Referral", "Referral", True),
        ("Trade Show", "Events", True),
        ("Word of mouth", "Referral", True),
        ("Public Relations", "Other", True),
        ("Seminar - Internal", "Events", True),
        ("Seminar - Partner", "Events", True),
        ("Web form fillout", "Direct", True),  # Marketo source types
        ("List Import", "Other", False),
        ("Google AdWords", "Paid Search", True),  # free text
        ("Olark Chat", "Direct", True),
        ("Organic Search", "Organic Search", True),
        ("Direct Traffic", "Direct", True),
        ("  google   adwords ", "Paid Search", True),  # case and spaces do not matter
    ],
)
def test_default_channel_map(
    con: store.Connection, raw: str, channel: str, marketing: bool
) -> None:
    _lead(con, 1, channel_raw=raw)
    result = store.query(con, "SELECT channel, channel_raw, marketing_sourced FROM lead_facts")
    assert result.row(0) == (channel, raw, marketing)


@pytest.mark.parametrize(
    ("raw", "stage", "closed", "won"),
    [
        ("Closed Won", "won", True, True),
        ("closedwon", "won", True, True),
        ("Closed Lost", "lost", True, False),
        ("closedlost", "lost", True, False),
        ("Prospecting", "open", False, False),
        ("appointmentscheduled", "open", False, False),
        ("Won", "won", True, True),  # Maven CRM
        ("Engaging", "open", False, False),
    ],
)
def test_default_stage_map_for_deals(
    con: store.Connection, raw: str, stage: str, closed: bool, won: bool
) -> None:
    _opp(con, 1, stage_raw=raw)
    result = store.query(con, "SELECT stage, is_closed, is_won, outcome FROM opp_facts")
    outcome = "won" if won else "lost" if closed else "open"
    assert result.row(0) == (stage, closed, won, outcome)


@pytest.mark.parametrize(
    ("raw", "stage"),
    [
        ("Marketing Qualified Lead", "mql"),
        ("marketingqualifiedlead", "mql"),
        ("salesqualifiedlead", "sql"),
        ("customer", "won"),
        ("UNQUALIFIED", "rejected"),
        ("Closed - Not Converted", "rejected"),
    ],
)
def test_default_stage_map_for_lead_statuses(raw: str, stage: str) -> None:
    frame = maps.default_map("stage_map")
    keys = frame["stage_raw"].map_elements(maps.normalize_key, return_dtype=pl.String)
    assert frame.filter(keys == maps.normalize_key(raw))["stage"].to_list() == [stage]


def test_a_source_specific_stage_row_wins_over_the_any_source_row(
    con: store.Connection,
) -> None:
    _opp(con, 1, stage_raw="Closed Won")
    con.execute("INSERT INTO stage_map VALUES ('t', 'closed won', 'lost', TRUE, FALSE)")
    facts.refresh(con)
    assert store.query(con, "SELECT outcome FROM opp_facts")["outcome"].to_list() == ["lost"]


@pytest.mark.parametrize(
    ("raw", "reason", "documented"),
    [
        ("Lost to EINS", "Chose a competitor", True),  # X Education Tags
        ("Ringing", "Unresponsive after multiple touches", True),
        ("Interested  in full time MBA", "Other", True),  # double space in the export
        ("Want to take admission but has financial problems", "Budget doesn't match", True),
        ("Will revert after reading the email", None, False),  # a status, not a reason
        ("No budget", "Budget doesn't match", True),
        ("Something new", "Something new", False),  # unmapped: shown as itself, undocumented
    ],
)
def test_default_reason_map(
    con: store.Connection, raw: str, reason: str | None, documented: bool
) -> None:
    _lead(con, 1, rejection_reason_raw=raw)
    result = store.query(
        con,
        "SELECT rejection_reason, rejection_reason_raw, rejection_documented, is_rejected "
        "FROM lead_facts",
    )
    assert result.row(0) == (reason, raw, documented, documented)


def test_lost_reasons_map_to_standard_reasons(con: store.Connection) -> None:
    _opp(con, 1, stage_raw="Closed Lost", lost_reason_raw="Price")
    _opp(con, 2, stage_raw="Closed Lost", lost_reason_raw="Went dark")
    result = store.query(con, "SELECT lost_reason, lost_reason_raw FROM opp_facts ORDER BY 2")
    assert result.rows() == [
        ("Budget doesn't match", "Price"),
        ("Unresponsive after multiple touches", "Went dark"),
    ]


def test_a_record_without_raw_value_keeps_its_own_channel(con: store.Connection) -> None:
    _lead(con, 1, channel="Partners")  # a canonical value the map does not know
    _lead(con, 2)  # nothing at all
    result = store.query(con, "SELECT channel FROM lead_facts ORDER BY lead_id")
    assert result["channel"].to_list() == ["Partners", "(not set)"]


# ---- seeding ------------------------------------------------------------------------------
def test_defaults_are_seeded_once_and_never_overwrite_edits(tmp_path: Path) -> None:
    path = tmp_path / "seed.duckdb"
    con = model.connect(path)
    assert maps.read_map(con, "channel_map").height == maps.default_map("channel_map").height
    rows = maps.read_map(con, "channel_map").to_dicts()
    edited = [r for r in rows if r["channel_raw"] != "Web"]  # delete one row
    for r in edited:
        if r["channel_raw"] == "Google":
            r["channel"] = "Search Ads"  # edit one row
    maps.save_map(con, "channel_map", edited)
    con.close()

    con = model.connect(path)  # a second connect seeds nothing
    result = maps.read_map(con, "channel_map")
    assert "Web" not in result["channel_raw"].to_list()
    assert result.filter(pl.col("channel_raw") == "Google")["channel"].to_list() == ["Search Ads"]

    # a new defaults version adds missing rows but still keeps the edit
    store.set_setting(con, "map_defaults_version", "0")
    added = maps.seed_defaults(con)
    assert added == 1  # only "Web" was missing
    result = maps.read_map(con, "channel_map")
    assert result.filter(pl.col("channel_raw") == "Google")["channel"].to_list() == ["Search Ads"]
    con.close()


# ---- validation ---------------------------------------------------------------------------
def test_saving_a_bad_map_names_each_bad_row_and_changes_nothing(con: store.Connection) -> None:
    before = maps.read_map(con, "reason_map")
    rows = [
        {"reason_raw": "Too pricey", "reason": "Budget doesn't match"},  # fine
        {"reason_raw": "too  PRICEY", "reason": "Other"},  # same raw value as row 1
        {"reason_raw": "Nope", "reason": "Not interested"},  # not a standard reason
        {"reason_raw": None, "reason": "Other"},  # empty raw value
        {"reason_raw": None, "reason": None},  # a blank new row: ignored
    ]
    with pytest.raises(maps.MapError) as error:
        maps.save_map(con, "reason_map", rows)
    assert error.value.problems == [
        "row 2 ('too  PRICEY'): the same raw value as row 1",
        "row 3 ('Nope'): reason 'Not interested' is not one of Not a decision-maker, "
        "Budget doesn't match, Timeline too long, Chose a competitor, Unresponsive after "
        "multiple touches, Other, (not a rejection)",
        "row 4: the raw value is empty",
    ]
    assert_frame_equal(maps.read_map(con, "reason_map"), before)


def test_stage_rows_must_agree_with_their_flags() -> None:
    with pytest.raises(maps.MapError) as error:
        maps.clean_map(
            "stage_map",
            [
                {"source_system": "*", "stage_raw": "A", "stage": "won", "is_closed": False},
                {"source_system": "*", "stage_raw": "B", "stage": "open", "is_won": True},
                {"source_system": "*", "stage_raw": "C", "stage": "nowhere"},
            ],
        )
    assert [p.split(":")[0] for p in error.value.problems] == [
        "row 1 ('A')",
        "row 2 ('B')",
        "row 3 ('C')",
    ]
    # flags left empty default from the stage
    result = maps.clean_map("stage_map", [{"stage_raw": "Done", "stage": "won"}])
    assert result.rows() == [("*", "Done", "won", True, True)]


# ---- unmapped values ----------------------------------------------------------------------
def test_unmapped_values_are_listed_with_counts_and_stay_visible(con: store.Connection) -> None:
    _lead(con, 1, channel_raw="Podcast")
    _lead(con, 2, channel_raw="podcast ")  # a different spelling of the same value
    _lead(con, 3, channel_raw="Web")  # mapped
    _opp(con, 4, channel_raw="Podcast")
    result = maps.unmapped_values(con, "channel_map")
    expected = pl.DataFrame(
        {
            "value": ["Podcast", "podcast "],
            "records": [2, 1],  # Podcast: lead 1 + opportunity 4; "podcast ": lead 2
            "found_in": ["leads.channel_raw, opportunities.channel_raw", "leads.channel_raw"],
        }
    )
    assert_frame_equal(result, expected)
    # unmapped values stay visible as themselves (trimmed)
    channels = store.query(con, "SELECT channel FROM lead_facts ORDER BY lead_id")["channel"]
    assert channels.to_list() == ["Podcast", "podcast", "Organic Search"]
    # 4 records hold a channel value, 1 of them mapped; 3 distinct values, 2 unmapped
    assert maps.coverage(con, "channel_map") == {
        "records": 4,
        "mapped": 1,
        "values": 3,
        "unmapped_values": 2,
    }
    # adding one row covers both spellings
    assert maps.add_rows(con, "channel_map", [{"channel_raw": "Podcast", "channel": "Other"}])
    assert maps.unmapped_values(con, "channel_map").height == 0


# ---- the CLI reads the maps without re-import ------------------------------------------------
def test_changing_channel_map_changes_kpis_by_channel_without_reimport(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cli.duckdb")
    csv = tmp_path / "leads.csv"
    csv.write_text(
        "id,created,source,mql\n"
        "1,2026-03-01,Google AdWords,2026-03-02\n"
        "2,2026-03-01,PAID_SEARCH,2026-03-03\n"
        "3,2026-03-02,Web,2026-03-04\n"
    )
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {"external_id": "id", "created_at": "created", "channel_raw": "source", "mql_at": "mql"}
        )
    )
    assert (
        main(["import", str(csv), "--db", db, "--object", "leads", "--mapping", str(mapping)]) == 0
    )
    capsys.readouterr()

    def mqls_by_channel() -> dict[str, int]:
        assert main(["kpis", "--db", db, "--by", "channel", "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)["rows"]
        return {row["channel"]: row["mqls"] for row in rows}

    assert mqls_by_channel() == {"Paid Search": 2, "Organic Search": 1}

    con = model.connect(db)
    rows = maps.read_map(con, "channel_map").to_dicts()
    for row in rows:
        if row["channel_raw"] == "Google AdWords":
            row["channel"] = "Google Ads"
    maps.save_map(con, "channel_map", rows)
    con.close()

    assert mqls_by_channel() == {"Google Ads": 1, "Paid Search": 1, "Organic Search": 1}


# ---- real data: X Education ------------------------------------------------------------------
XEDUCATION_CHANNELS = {
    # Lead Source as exported -> the channel the default map gives it (written out here, not
    # read from maps.py, so the test is independent of the defaults it checks)
    "google": "Paid Search",
    "bing": "Paid Search",
    "pay per click ads": "Paid Search",
    "direct traffic": "Direct",
    "olark chat": "Direct",
    "live chat": "Direct",
    "click2call": "Direct",
    "organic search": "Organic Search",
    "blog": "Organic Search",
    "reference": "Referral",
    "welingak website": "Referral",
    "referral sites": "Referral",
    "welearn": "Referral",
    "welearnblog_home": "Referral",
    "facebook": "Paid Social",
    "social media": "Paid Social",
    "youtubechannel": "Organic Social",
    "nc_edm": "Email",
    "press_release": "Other",
}


@pytest.fixture(scope="module")
def xeducation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[store.Connection]:
    con = model.connect(tmp_path_factory.mktemp("xeducation") / "x.duckdb")
    result = ingest.import_file(
        con,
        XEDUCATION,
        XEDUCATION.name,
        object_type="leads",
        source_system="xeducation",
        mapping={
            "external_id": "Prospect ID",
            "channel_raw": "Lead Source",
            "rejection_reason_raw": "Tags",
            "is_converted": "Converted",
        },
    )
    assert result.rows_loaded == 9240
    yield con
    con.close()


def test_xeducation_sources_map_to_channels(xeducation: store.Connection) -> None:
    # every Lead Source value but the test entry `testone` is covered by the default map
    unmapped = maps.unmapped_values(xeducation, "channel_map")
    assert unmapped.rows() == [("testone", 1, "leads.channel_raw")]
    channels = store.query(
        xeducation, "SELECT DISTINCT lower(channel_raw) AS raw, channel FROM lead_facts"
    )
    for raw, channel in channels.rows():
        if raw in XEDUCATION_CHANNELS:
            assert channel == XEDUCATION_CHANNELS[raw], raw


def test_xeducation_tags_map_to_rejection_reasons(xeducation: store.Connection) -> None:
    assert maps.unmapped_values(xeducation, "reason_map").height == 0
    result = store.query(
        xeducation,
        "SELECT rejection_reason, count(*) AS n FROM lead_facts "
        "WHERE rejection_reason IS NOT NULL GROUP BY 1 ORDER BY 1",
    )
    raw = duckdb.sql(f"SELECT Tags, count(*) FROM read_csv('{XEDUCATION}') GROUP BY 1").fetchall()
    tags = {tag: n for tag, n in raw if tag is not None}
    expected = {
        "Chose a competitor": tags["Lost to EINS"]
        + tags["Lost to Others"]
        + tags["in touch with EINS"],
        "Budget doesn't match": tags["Want to take admission but has financial problems"],
        "Timeline too long": tags["Graduation in progress"]
        + tags["Still Thinking"]
        + tags["Shall take in the next coming month"],
        "Unresponsive after multiple touches": tags["Ringing"]
        + tags["switched off"]
        + tags["opp hangup"],
    }
    statuses = {
        "Will revert after reading the email",
        "Closed by Horizzon",
        "Busy",
        "Interested in Next batch",
        "Lateral student",
    }
    expected["Other"] = sum(tags.values()) - sum(expected.values()) - sum(tags[s] for s in statuses)
    assert dict(result.rows()) == expected


def test_xeducation_conversion_by_channel_equals_plain_sql(xeducation: store.Connection) -> None:
    result = converted_share_by(xeducation, "channel")
    values = ", ".join(f"('{raw}', '{channel}')" for raw, channel in XEDUCATION_CHANNELS.items())
    expected = pl.from_arrow(
        duckdb.sql(
            f"""
            WITH channel_of(raw, channel) AS (VALUES {values})
            SELECT coalesce(c.channel, trim(r."Lead Source"), '(not set)') AS channel,
                   count(*) AS leads, sum(r.Converted)::BIGINT AS converted
            FROM read_csv('{XEDUCATION}') r
            LEFT JOIN channel_of c ON c.raw = lower(trim(r."Lead Source"))
            GROUP BY 1
            """
        ).to_arrow_table()
    )
    got = result.select("channel", "leads", "converted", "converted_share")
    want = expected.with_columns(converted_share=pl.col("converted") / pl.col("leads")).sort(
        ["leads", "channel"], descending=[True, False]
    )
    assert_frame_equal(got, want, check_dtypes=False)
    # Wilson bounds bracket the share
    assert (result["converted_share_low"] <= result["converted_share"]).all()
    assert (result["converted_share"] <= result["converted_share_high"]).all()


def test_converted_share_on_a_hand_fixture(con: store.Connection) -> None:
    # Web -> Organic Search: 2 leads, 1 converted = 0.5; Google -> Paid Search: 3 leads,
    # 2 converted (a lead without a flag counts as not converted) = 2/3
    _lead(con, 1, channel_raw="Web", is_converted=True)
    _lead(con, 2, channel_raw="Web", is_converted=False)
    _lead(con, 3, channel_raw="Google", is_converted=True)
    _lead(con, 4, channel_raw="google", is_converted=True)
    _lead(con, 5, channel_raw="Google")
    result = converted_share_by(con, "channel").select(
        "channel", "leads", "converted", "converted_share"
    )
    expected = pl.DataFrame(
        {
            "channel": ["Paid Search", "Organic Search"],
            "leads": [3, 2],
            "converted": [2, 1],
            "converted_share": [2 / 3, 0.5],
        }
    )
    assert_frame_equal(result, expected)


# ---- what a save would change -----------------------------------------------------------------
def test_map_changes_of_a_channel_map_by_raw_value() -> None:
    stored = pl.DataFrame(
        {
            "channel_raw": ["Google", "Bing", "Web", "Fax"],
            "channel": ["Paid Search", "Paid Search", "Organic Search", "Other"],
            "marketing_sourced": [True, True, True, False],
        }
    )
    edited = [
        # Google respelt (case and spaces): the same identity, but the stored spelling
        # differs (`google` after trimming), so the row counts as changed
        {"channel_raw": "  google ", "channel": "Paid Search", "marketing_sourced": True},
        # Bing kept exactly
        {"channel_raw": "Bing", "channel": "Paid Search", "marketing_sourced": True},
        # Web: another channel -> changed
        {"channel_raw": "Web", "channel": "Direct", "marketing_sourced": True},
        # Fax gone -> removed; Zeta new -> added; a blank new row is ignored
        {"channel_raw": "Zeta", "channel": "Other", "marketing_sourced": False},
        {"channel_raw": None, "channel": None, "marketing_sourced": None},
    ]
    result = maps.map_changes("channel_map", stored, edited)
    expected = maps.MapChanges(added=("Zeta",), changed=("google", "Web"), removed=("Fax",))
    assert result == expected
    assert result.destructive
    assert result.counts() == "1 added, 2 changed, 1 removed"


def test_map_changes_additions_alone_are_not_destructive() -> None:
    stored = pl.DataFrame({"reason_raw": ["Budget"], "reason": ["Budget doesn't match"]})
    edited = [
        {"reason_raw": "Budget", "reason": "Budget doesn't match"},
        {"reason_raw": "Too slow", "reason": "Timeline too long"},
    ]
    result = maps.map_changes("reason_map", stored, edited)
    assert result == maps.MapChanges(added=("Too slow",))
    assert not result.destructive
    assert maps.map_changes("reason_map", stored, stored).counts() == "nothing changed"


def test_map_changes_of_a_stage_map_keys_by_source_and_raw_value() -> None:
    stored = pl.DataFrame(
        {
            "source_system": ["*", "hubspot", "*"],
            "stage_raw": ["Closed Won", "Closed Won", "New"],
            "stage": ["won", "won", "lead"],
            "is_closed": [True, True, False],
            "is_won": [True, True, False],
        }
    )
    edited = [
        # the * row kept; the hubspot row of the same raw value removed; New -> mql changed;
        # a salesforce row of New is another identity -> added
        {"source_system": "*", "stage_raw": "Closed Won", "stage": "won"},
        {"source_system": "*", "stage_raw": "New", "stage": "mql"},
        {"source_system": "salesforce", "stage_raw": "New", "stage": "lead"},
    ]
    result = maps.map_changes("stage_map", stored, edited)
    expected = maps.MapChanges(
        added=("New (salesforce)",), changed=("New",), removed=("Closed Won (hubspot)",)
    )
    assert result == expected


def test_map_changes_of_a_bad_edit_raises_map_error() -> None:
    stored = pl.DataFrame({"reason_raw": ["Budget"], "reason": ["Budget doesn't match"]})
    with pytest.raises(maps.MapError, match="row 1"):
        maps.map_changes("reason_map", stored, [{"reason_raw": "Budget", "reason": "Nope"}])


def test_reset_map_restores_the_defaults_and_says_what_changed(con: store.Connection) -> None:
    defaults = maps.default_map("reason_map")
    first = defaults.row(0, named=True)
    # drop the first default row and add one of our own: the reset adds the first back and
    # removes ours; nothing else differs
    edited = [*defaults.to_dicts()[1:], {"reason_raw": "Ours", "reason": "Other"}]
    maps.save_map(con, "reason_map", edited)
    result = maps.reset_map(con, "reason_map")
    assert result == maps.MapChanges(added=(first["reason_raw"],), removed=("Ours",))
    assert maps.read_map(con, "reason_map").height == defaults.height


def test_records_matched_counts_the_records_a_row_covers(con: store.Connection) -> None:
    # leads: Web, web (same key), Google, Fax -> rows Web and Fax match 3 leads
    for n, raw in enumerate(["Web", " web ", "Google", "Fax"], start=1):
        _lead(con, n, channel_raw=raw)
    rows = [
        {"channel_raw": "Web", "channel": "Organic Search", "marketing_sourced": True},
        {"channel_raw": "FAX", "channel": "Other", "marketing_sourced": False},
    ]
    assert maps.records_matched(con, "channel_map", rows) == 3
    assert maps.records_matched(con, "channel_map", []) == 0


def test_records_matched_of_a_stage_row_only_counts_its_source(con: store.Connection) -> None:
    # New in hubspot (2 leads) and in salesforce (1): the hubspot row matches 2, the * row 3
    for n, source in enumerate(["hubspot", "hubspot", "salesforce"], start=1):
        con.execute(
            "INSERT INTO leads (lead_id, source_system, external_id, status_raw) "
            "VALUES (?, ?, ?, ?)",
            [f"{source}:{n}", source, str(n), "New"],
        )
    facts.refresh(con)
    row = {"stage_raw": "new", "stage": "lead", "is_closed": False, "is_won": False}
    assert maps.records_matched(con, "stage_map", [{**row, "source_system": "hubspot"}]) == 2
    assert maps.records_matched(con, "stage_map", [{**row, "source_system": "*"}]) == 3
