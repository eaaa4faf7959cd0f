"""Mapping tables: raw source values -> canonical channels, stages and rejection reasons.

Owns the three maps of DESIGN section 3 (`channel_map`, `stage_map`, `reason_map`): their default
contents, how a raw value is matched (case- and whitespace-insensitively, `map_key`; a
touchpoint's source and medium by the channel rules of `channel_rules_sql`), seeding the
defaults without overwriting a user's edits, validating and saving an edited map in one
transaction, and listing the raw values in the data that no map row covers (with counts).

The maps are applied by the fact models (`model.facts`), so saving a map changes every
page without re-importing. A raw value no map covers stays visible as itself (never dropped).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from alignment.db import store
from alignment.db.store import Connection, quote_identifier

# ---- vocabularies -----------------------------------------------------------------------------
CHANNELS: tuple[str, ...] = (
    "Paid Search",
    "Paid Social",
    "Display",
    "Organic Search",
    "Organic Social",
    "Direct",
    "Email",
    "Events",
    "Webinars",
    "Referral",
    "Outbound",
    "Other",
)
"""The short list of canonical channels the default channel map uses (users may add their own)."""

STANDARD_REASONS: tuple[str, ...] = (
    "Not a decision-maker",
    "Budget doesn't match",
    "Timeline too long",
    "Chose a competitor",
    "Unresponsive after multiple touches",
    "Other",
)
"""Standard rejection reasons of DESIGN section 1, plus Other."""

NOT_DOCUMENTED = "Not documented"
"""How a rejection with an empty or unmapped reason is labelled (never a map target)."""

NOT_A_REJECTION = "(not a rejection)"
"""Reason-map target for raw values that are statuses, not reasons (X Education's `Tags` mix
both, e.g. `Will revert after reading the email`): the lead gets no rejection reason."""

REASON_CHOICES: tuple[str, ...] = (*STANDARD_REASONS, NOT_A_REJECTION)
"""Values a reason-map row may map to."""

STAGES: tuple[str, ...] = (
    "lead",
    "mql",
    "sal",
    "sql",
    "opportunity",
    "open",
    "won",
    "lost",
    "rejected",
)
"""Canonical stages a stage-map row may map to: the lead stages of DESIGN section 3, `open`
(an open opportunity / deal stage such as Prospecting), and the outcomes won, lost, rejected."""

ANY_SOURCE = "*"
"""`stage_map.source_system` of rows that apply to every source (a source's own row wins)."""

MAP_NAMES: tuple[str, ...] = ("channel_map", "stage_map", "reason_map")

DEFAULTS_VERSION = 2
"""Bump when defaults are added: the next connect adds the new rows whose raw value is not in
the map yet (existing rows, edited or not, are never touched)."""

_DEFAULTS_SETTING = "map_defaults_version"


def _stage_flags(stage: str) -> tuple[bool, bool]:
    """(is_closed, is_won) implied by a canonical stage."""
    return stage in ("won", "lost", "rejected"), stage == "won"


# ---- defaults ---------------------------------------------------------------------------------
_PAID_SEARCH, _PAID_SOCIAL, _DISPLAY = "Paid Search", "Paid Social", "Display"
_ORGANIC, _SOCIAL, _DIRECT, _EMAIL = "Organic Search", "Organic Social", "Direct", "Email"
_EVENTS, _WEBINARS, _REFERRAL, _OUTBOUND, _OTHER = (
    "Events",
    "Webinars",
    "Referral",
    "Outbound",
    "Other",
)

DEFAULT_CHANNEL_MAP: tuple[tuple[str, str, bool], ...] = (
    # (raw value, channel, marketing-sourced)
    # the canonical names themselves (so the demo data and records with a canonical channel map)
    *((c, c, c not in (_OUTBOUND, _OTHER)) for c in CHANNELS),
    # HubSpot "Original Source" (internal values and labels)
    ("PAID_SEARCH", _PAID_SEARCH, True),
    ("ORGANIC_SEARCH", _ORGANIC, True),
    ("PAID_SOCIAL", _PAID_SOCIAL, True),
    ("SOCIAL_MEDIA", _SOCIAL, True),
    ("Organic Social", _SOCIAL, True),
    ("EMAIL_MARKETING", _EMAIL, True),
    ("Email Marketing", _EMAIL, True),
    ("REFERRALS", _REFERRAL, True),
    ("Referrals", _REFERRAL, True),
    ("AI_REFERRALS", _ORGANIC, True),
    ("AI Referrals", _ORGANIC, True),
    ("DIRECT_TRAFFIC", _DIRECT, True),
    ("Direct Traffic", _DIRECT, True),
    ("OFFLINE", _OTHER, False),
    ("Offline Sources", _OTHER, False),
    ("OTHER_CAMPAIGNS", _OTHER, True),
    ("Other Campaigns", _OTHER, True),
    # Salesforce Lead Source picklist (standard values, plus the demo sample's custom ones)
    ("Web", _ORGANIC, True),
    ("Phone Inquiry", _DIRECT, True),
    ("Partner Referral", _REFERRAL, True),
    ("Purchased List", _OUTBOUND, False),
    ("Advertisement", _DISPLAY, True),
    ("Employee Referral", _REFERRAL, False),
    ("External Referral", _REFERRAL, True),
    ("Trade Show", _EVENTS, True),
    ("Word of mouth", _REFERRAL, True),
    ("Public Relations", _OTHER, True),
    ("Seminar - Internal", _EVENTS, True),
    ("Seminar - Partner", _EVENTS, True),
    ("Webinar", _WEBINARS, True),
    ("Social Media", _PAID_SOCIAL, True),
    ("Outbound Prospecting", _OUTBOUND, False),
    ("Cold Call", _OUTBOUND, False),
    # Marketo lead source / original source type
    ("Website", _DIRECT, True),
    ("Web form fillout", _DIRECT, True),
    ("Web page visit", _DIRECT, True),
    ("Content Syndication", _DISPLAY, True),
    ("List Import", _OTHER, False),
    ("Salesforce.com", _OTHER, False),
    ("New lead", _OTHER, False),
    ("Sales", _OUTBOUND, False),
    # free text seen in exports (X Education's Lead Source among them)
    ("Google", _PAID_SEARCH, True),
    ("Google AdWords", _PAID_SEARCH, True),
    ("Google Ads", _PAID_SEARCH, True),
    ("AdWords", _PAID_SEARCH, True),
    ("bing", _PAID_SEARCH, True),
    ("Pay per Click Ads", _PAID_SEARCH, True),
    ("PPC", _PAID_SEARCH, True),
    ("Facebook", _PAID_SOCIAL, True),
    ("LinkedIn", _PAID_SOCIAL, True),
    ("LinkedIn Ads", _PAID_SOCIAL, True),
    ("youtubechannel", _SOCIAL, True),
    ("blog", _ORGANIC, True),
    ("Olark Chat", _DIRECT, True),
    ("Live Chat", _DIRECT, True),
    ("Click2call", _DIRECT, True),
    ("Reference", _REFERRAL, True),
    ("Referral Sites", _REFERRAL, True),
    ("Welingak Website", _REFERRAL, True),
    ("WeLearn", _REFERRAL, True),
    ("welearnblog_Home", _REFERRAL, True),
    ("NC_EDM", _EMAIL, True),
    ("Press_Release", _OTHER, True),
    # web analytics (GA4 / UTM) sources, and `source / medium` rules for touchpoints (see
    # `channel_rules_sql`): a pair names one source's medium, `* / medium` any source's
    ("(direct)", _DIRECT, True),
    ("google / organic", _ORGANIC, True),
    ("bing / organic", _ORGANIC, True),
    ("* / organic", _ORGANIC, True),
    ("* / cpc", _PAID_SEARCH, True),
    ("* / ppc", _PAID_SEARCH, True),
    ("* / paidsearch", _PAID_SEARCH, True),
    ("* / paid_social", _PAID_SOCIAL, True),
    ("* / paidsocial", _PAID_SOCIAL, True),
    ("* / social", _SOCIAL, True),
    ("* / display", _DISPLAY, True),
    ("* / cpm", _DISPLAY, True),
    ("* / banner", _DISPLAY, True),
    ("* / email", _EMAIL, True),
    ("* / e-mail", _EMAIL, True),
    ("* / referral", _REFERRAL, True),
    ("* / affiliate", _REFERRAL, True),
    ("* / event", _EVENTS, True),
    ("* / webinar", _WEBINARS, True),
    ("* / (none)", _DIRECT, True),
)
"""Default channel map (matched case- and whitespace-insensitively: `Google` covers `google`)."""

_LIFECYCLE: tuple[tuple[str, str], ...] = (
    # HubSpot lifecycle stages: labels and internal ids
    ("Subscriber", "lead"),
    ("Lead", "lead"),
    ("Marketing Qualified Lead", "mql"),
    ("marketingqualifiedlead", "mql"),
    ("MQL", "mql"),
    ("Sales Accepted Lead", "sal"),
    ("SAL", "sal"),
    ("Sales Qualified Lead", "sql"),
    ("salesqualifiedlead", "sql"),
    ("SQL", "sql"),
    ("Opportunity", "opportunity"),
    ("Customer", "won"),
    ("Evangelist", "won"),
    # HubSpot lead status (internal values)
    ("NEW", "lead"),
    ("OPEN", "lead"),
    ("IN_PROGRESS", "sal"),
    ("ATTEMPTED_TO_CONTACT", "sal"),
    ("CONNECTED", "sal"),
    ("OPEN_DEAL", "opportunity"),
    ("UNQUALIFIED", "rejected"),
    ("BAD_TIMING", "rejected"),
    # Salesforce lead status (standard picklist)
    ("Open - Not Contacted", "lead"),
    ("Working - Contacted", "sal"),
    ("Closed - Converted", "opportunity"),
    ("Closed - Not Converted", "rejected"),
    # other common statuses (the demo's among them)
    ("Nurture", "lead"),
    ("Working", "sal"),
    ("Accepted", "sal"),
    ("Qualified", "sql"),
    ("Unqualified", "rejected"),
    ("Disqualified", "rejected"),
    ("Rejected", "rejected"),
)

_DEAL_STAGES: tuple[tuple[str, str], ...] = (
    # Salesforce opportunity stages (standard picklist)
    ("Prospecting", "open"),
    ("Qualification", "open"),
    ("Needs Analysis", "open"),
    ("Value Proposition", "open"),
    ("Id. Decision Makers", "open"),
    ("Perception Analysis", "open"),
    ("Proposal/Price Quote", "open"),
    ("Negotiation/Review", "open"),
    ("Closed Won", "won"),
    ("Closed Lost", "lost"),
    # HubSpot default deal pipeline: labels and internal ids
    ("Appointment Scheduled", "open"),
    ("appointmentscheduled", "open"),
    ("Qualified To Buy", "open"),
    ("qualifiedtobuy", "open"),
    ("Presentation Scheduled", "open"),
    ("presentationscheduled", "open"),
    ("Decision Maker Bought-In", "open"),
    ("decisionmakerboughtin", "open"),
    ("Contract Sent", "open"),
    ("contractsent", "open"),
    ("closedwon", "won"),
    ("closedlost", "lost"),
    # short labels (Maven CRM's sales pipeline, the demo's open stages)
    ("Engaging", "open"),
    ("Proposal", "open"),
    ("Negotiation", "open"),
    ("Won", "won"),
    ("Lost", "lost"),
)

DEFAULT_STAGE_MAP: tuple[tuple[str, str, bool, bool], ...] = tuple(
    (raw, stage, *_stage_flags(stage)) for raw, stage in (*_LIFECYCLE, *_DEAL_STAGES)
)
"""Default stage map, (raw stage, canonical stage, is_closed, is_won), for any source."""

_NOT_DM, _BUDGET, _TIMELINE, _COMPETITOR, _UNRESPONSIVE, _OTHER_REASON = STANDARD_REASONS

DEFAULT_REASON_MAP: tuple[tuple[str, str], ...] = (
    # the standard reasons themselves
    *((r, r) for r in STANDARD_REASONS),
    # common rejection / disqualification wording (HubSpot, Salesforce, Marketo custom fields)
    ("Not decision maker", _NOT_DM),
    ("Not the decision maker", _NOT_DM),
    ("No authority", _NOT_DM),
    ("Wrong contact", _NOT_DM),
    ("No budget", _BUDGET),
    ("Budget", _BUDGET),
    ("Too expensive", _BUDGET),
    ("Price", _BUDGET),
    ("Pricing", _BUDGET),
    ("Bad timing", _TIMELINE),
    ("BAD_TIMING", _TIMELINE),
    ("Timing", _TIMELINE),
    ("Not now", _TIMELINE),
    ("No timeline", _TIMELINE),
    ("Competitor", _COMPETITOR),
    ("Chose competitor", _COMPETITOR),
    ("Lost to competitor", _COMPETITOR),
    ("Went with competitor", _COMPETITOR),
    ("Unresponsive", _UNRESPONSIVE),
    ("No response", _UNRESPONSIVE),
    ("Went dark", _UNRESPONSIVE),
    ("Unable to contact", _UNRESPONSIVE),
    ("Not a fit", _OTHER_REASON),
    ("Not interested", _OTHER_REASON),
    ("Duplicate", _OTHER_REASON),
    ("No decision / status quo", _OTHER_REASON),
    ("Missing functionality", _OTHER_REASON),
    # X Education `Tags` that are rejection-like
    ("Want to take admission but has financial problems", _BUDGET),
    ("Graduation in progress", _TIMELINE),
    ("Still Thinking", _TIMELINE),
    ("Shall take in the next coming month", _TIMELINE),
    ("Lost to EINS", _COMPETITOR),
    ("Lost to Others", _COMPETITOR),
    ("in touch with EINS", _COMPETITOR),
    ("Ringing", _UNRESPONSIVE),
    ("switched off", _UNRESPONSIVE),
    ("opp hangup", _UNRESPONSIVE),
    ("invalid number", _OTHER_REASON),
    ("wrong number given", _OTHER_REASON),
    ("number not provided", _OTHER_REASON),
    ("Interested in other courses", _OTHER_REASON),
    ("Already a student", _OTHER_REASON),
    ("Not doing further education", _OTHER_REASON),
    ("Interested in full time MBA", _OTHER_REASON),
    ("Diploma holder (Not Eligible)", _OTHER_REASON),
    ("University not recognized", _OTHER_REASON),
    ("Recognition issue (DEC approval)", _OTHER_REASON),
    ("In confusion whether part time or DLP", _OTHER_REASON),
    # X Education `Tags` that are statuses of leads still in play or converted
    ("Will revert after reading the email", NOT_A_REJECTION),
    ("Closed by Horizzon", NOT_A_REJECTION),
    ("Busy", NOT_A_REJECTION),
    ("Interested in Next batch", NOT_A_REJECTION),
    ("Lateral student", NOT_A_REJECTION),
)
"""Default reason map, (raw reason, standard reason), for rejection and closed-lost reasons."""


# ---- matching ---------------------------------------------------------------------------------
def normalize_key(value: str) -> str:
    """The form raw values are matched in: runs of whitespace -> one space, trimmed, lower
    case (`'  Google   AdWords '` -> `'google adwords'`). Same as `map_key_sql`."""
    return re.sub(r"\s+", " ", value, flags=re.ASCII).strip(" ").lower()


def map_key_sql(expression: str) -> str:
    """SQL for `normalize_key` of a text expression (NULL stays NULL)."""
    return f"lower(trim(regexp_replace({expression}, '\\s+', ' ', 'g')))"


PAIR_SEPARATOR = " / "
"""Between a source and a medium in a channel-map row for touchpoints (`google / organic`, as
GA4 writes "source / medium"); `* / email` (`ANY_SOURCE`) covers any source with that medium."""


def channel_rules_sql(values: str) -> str:
    """SELECT over `values` (a relation with columns `raw`, a touchpoint's source or channel,
    and `medium`; one row per distinct pair): one row per input row, its columns plus `channel`
    and `marketing_sourced` of the channel-map row that covers it (NULL when none). The most
    specific row wins: the pair (`google / organic`), else the source alone (`google`), else
    any source with that medium (`* / email`); so a source the map knows keeps its channel
    whatever the medium, and a medium reaches a channel for sources it does not know. Rows are
    matched as `map_key` says, once per distinct pair (a few hash joins, never a function per
    touchpoint); among map rows of one key the first by raw value wins, as for leads."""
    key = map_key_sql
    pair = key(f"d.raw || '{PAIR_SEPARATOR}' || d.medium")
    any_source = key(f"'{ANY_SOURCE}{PAIR_SEPARATOR}' || d.medium")
    return f"""WITH channel_keys AS (
  SELECT {key("channel_raw")} AS k, arg_min(channel, channel_raw) AS channel,
    arg_min(marketing_sourced, channel_raw) AS marketing_sourced
  FROM channel_map GROUP BY 1
)
SELECT d.*, coalesce(p.channel, s.channel, a.channel) AS channel,
  CASE WHEN p.k IS NOT NULL THEN p.marketing_sourced WHEN s.k IS NOT NULL THEN s.marketing_sourced
       ELSE a.marketing_sourced END AS marketing_sourced
FROM ({values}) d
LEFT JOIN channel_keys p ON p.k = {pair}
LEFT JOIN channel_keys s ON s.k = {key("d.raw")}
LEFT JOIN channel_keys a ON a.k = {any_source}"""


# ---- map descriptions -------------------------------------------------------------------------
@dataclass(frozen=True)
class MapSpec:
    """One mapping table: its key columns, target columns and where its raw values occur."""

    name: str
    label: str
    raw_column: str
    target_columns: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]  # (table, raw column expression) holding raw values

    @property
    def columns(self) -> tuple[str, ...]:
        prefix = ("source_system",) if self.name == "stage_map" else ()
        return (*prefix, self.raw_column, *self.target_columns)


SPECS: dict[str, MapSpec] = {
    "channel_map": MapSpec(
        "channel_map",
        "Channels",
        "channel_raw",
        ("channel", "marketing_sourced"),
        (
            ("leads", "coalesce(channel_raw, channel)"),
            ("opportunities", "coalesce(channel_raw, channel)"),
            ("touchpoints", "channel"),
        ),
    ),
    "stage_map": MapSpec(
        "stage_map",
        "Stages",
        "stage_raw",
        ("stage", "is_closed", "is_won"),
        (("leads", "status_raw"), ("opportunities", "stage_raw")),
    ),
    "reason_map": MapSpec(
        "reason_map",
        "Rejection and lost reasons",
        "reason_raw",
        ("reason",),
        (
            ("leads", "coalesce(rejection_reason_raw, rejection_reason)"),
            ("opportunities", "coalesce(lost_reason_raw, lost_reason)"),
        ),
    ),
}
"""Each map by table name. Raw values occur in the listed (table, expression) pairs."""

MEDIUM_COLUMNS: dict[tuple[str, str], str] = {("channel_map", "touchpoints"): "medium"}
"""(map, table) -> the table's medium column: that table's raw values are matched with their
medium (`channel_rules_sql`), so a value is covered when its source, its pair or its medium
is."""


def spec(name: str) -> MapSpec:
    """The description of a map; ValueError for an unknown name."""
    if name not in SPECS:
        raise ValueError(f"unknown map {name!r}: use one of {', '.join(MAP_NAMES)}")
    return SPECS[name]


def _default_rows(name: str) -> list[tuple[Any, ...]]:
    if name == "channel_map":
        return [tuple(r) for r in DEFAULT_CHANNEL_MAP]
    if name == "stage_map":
        return [(ANY_SOURCE, *r) for r in DEFAULT_STAGE_MAP]
    return [tuple(r) for r in DEFAULT_REASON_MAP]


def default_map(name: str) -> pl.DataFrame:
    """A map's default contents, one row per raw value (duplicates by `normalize_key` dropped,
    first kept), in the map's column order."""
    rows = _default_rows(name)
    frame = pl.DataFrame(rows, schema=list(spec(name).columns), orient="row")
    return _dedupe(name, frame)


def _identity(name: str) -> pl.Expr:
    """The identity of a map row: its normalized raw value (and, for stages, its source)."""
    raw = pl.col(spec(name).raw_column).map_elements(normalize_key, return_dtype=pl.String)
    if name == "stage_map":
        return pl.concat_str([pl.col("source_system"), raw], separator="\x00")
    return raw


def _dedupe(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    keyed = frame.with_columns(_identity(name).alias("__key"))
    return keyed.unique("__key", keep="first", maintain_order=True).drop("__key")


# ---- seeding, reading, writing ----------------------------------------------------------------
def seed_defaults(con: Connection) -> int:
    """Add the default rows the first time (and after `DEFAULTS_VERSION` is bumped): only rows
    whose raw value the map does not cover yet, so a user's edits are never overwritten and a
    row the user deleted stays deleted. Returns the number of rows added."""
    seen = store.get_setting(con, _DEFAULTS_SETTING)
    if seen is not None and int(seen) >= DEFAULTS_VERSION:
        return 0
    added = 0
    with store.transaction(con, changes_data=MAP_NAMES):  # (not links: see facts.link_records)
        for name in MAP_NAMES:
            current = read_map(con, name)
            defaults = default_map(name)
            existing = set(
                current.select(_identity(name).alias("k"))["k"].to_list() if current.height else []
            )
            keys = defaults.select(_identity(name).alias("k"))["k"].to_list()
            new = defaults.filter(pl.Series([k not in existing for k in keys], dtype=pl.Boolean))
            if new.height:
                _insert(con, name, new)
                added += new.height
        store.set_setting(con, _DEFAULTS_SETTING, str(DEFAULTS_VERSION))
    return added


def read_map(con: Connection, name: str) -> pl.DataFrame:
    """A map's rows, sorted by (source system and) raw value case-insensitively."""
    s = spec(name)
    cols = ", ".join(quote_identifier(c) for c in s.columns)
    order = ", ".join(
        [quote_identifier("source_system")] * (name == "stage_map")
        + [f"lower({quote_identifier(s.raw_column)})"]
    )
    return store.query(con, f"SELECT {cols} FROM {quote_identifier(name)} ORDER BY {order}")


def _insert(con: Connection, name: str, frame: pl.DataFrame) -> None:
    cols = spec(name).columns
    placeholders = ", ".join("?" for _ in cols)
    names = ", ".join(quote_identifier(c) for c in cols)
    con.executemany(
        f"INSERT INTO {quote_identifier(name)} ({names}) VALUES ({placeholders})",
        [list(row) for row in frame.select(cols).iter_rows()],
    )


_FLAG_COLUMNS = ("marketing_sourced", "is_closed", "is_won")


class MapError(ValueError):
    """An edited map that cannot be saved; `problems` lists one sentence per bad row."""

    def __init__(self, name: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "; ".join(self.problems[:10])
        more = f" (and {len(self.problems) - 10} more)" if len(self.problems) > 10 else ""
        super().__init__(f"{spec(name).label} map not saved: {shown}{more}")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas editors
        return None
    text = str(value).strip()
    return text or None


def _flag(value: Any) -> bool | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "y"):
        return True
    if text in ("false", "no", "0", "n", ""):
        return False
    raise ValueError(text)


def clean_map(name: str, rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """Validate edited rows (as the editor returns them, in editor order) and return the map to
    store. Raises `MapError` naming each bad row (`row 3: ...`, counting from 1): an empty raw
    value or target, a reason or stage outside the allowed lists, flags that contradict the
    stage, or two rows for the same raw value (compared case- and whitespace-insensitively).
    Wholly empty rows (a new row left blank) are ignored."""
    s = spec(name)
    problems: list[str] = []
    cleaned: list[tuple[Any, ...]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        values = {c: row.get(c) for c in s.columns}
        texts = [values[c] for c in s.columns if c not in _FLAG_COLUMNS]
        if all(_text(v) is None for v in texts):
            continue  # a new row left blank
        raw = _text(values[s.raw_column])
        if raw is None:
            problems.append(f"row {number}: the raw value is empty")
            continue
        where = f"row {number} ({raw!r})"
        source = ANY_SOURCE
        if name == "stage_map":
            source = (_text(values["source_system"]) or ANY_SOURCE).lower()
        key = f"{source}\x00{normalize_key(raw)}"
        if key in seen:
            problems.append(f"{where}: the same raw value as row {seen[key]}")
            continue
        seen[key] = number
        if name == "channel_map":
            channel = _text(values["channel"])
            try:
                marketing = _flag(values["marketing_sourced"])
            except ValueError:
                problems.append(f"{where}: marketing-sourced must be yes or no")
                continue
            if channel is None:
                problems.append(f"{where}: choose a channel")
                continue
            cleaned.append((raw, channel, bool(marketing)))
        elif name == "reason_map":
            reason = _text(values["reason"])
            if reason not in REASON_CHOICES:
                allowed = ", ".join(REASON_CHOICES)
                problems.append(f"{where}: reason {reason!r} is not one of {allowed}")
                continue
            cleaned.append((raw, reason))
        else:
            stage = _text(values["stage"])
            if stage is not None:
                stage = stage.lower()
            if stage not in STAGES:
                problems.append(f"{where}: stage {stage!r} is not one of {', '.join(STAGES)}")
                continue
            try:
                closed, won = _flag(values["is_closed"]), _flag(values["is_won"])
            except ValueError:
                problems.append(f"{where}: closed and won must be yes or no")
                continue
            implied_closed, implied_won = _stage_flags(stage)
            closed = implied_closed if closed is None else closed
            won = implied_won if won is None else won
            if won and (stage != "won" or not closed):
                problems.append(f"{where}: only the stage won can be won, and it is closed")
                continue
            if stage in ("won", "lost", "rejected") and not closed:
                problems.append(f"{where}: stage {stage} is a closed stage")
                continue
            if stage == "won" and not won:
                problems.append(f"{where}: stage won must be marked won")
                continue
            cleaned.append((source, raw, stage, closed, won))
    if problems:
        raise MapError(name, problems)
    schema = {c: pl.Boolean if c in _FLAG_COLUMNS else pl.String for c in s.columns}
    return pl.DataFrame(cleaned, schema=schema, orient="row")


def save_map(con: Connection, name: str, rows: Sequence[dict[str, Any]] | pl.DataFrame) -> int:
    """Replace a map with edited rows, validated (`clean_map`), in one transaction; returns the
    number of rows stored. On a `MapError` the map is unchanged."""
    if isinstance(rows, pl.DataFrame):
        rows = rows.to_dicts()
    frame = clean_map(name, rows)
    with store.transaction(con, changes_data={name}):  # every fact, but no link, depends on it
        con.execute(f"DELETE FROM {quote_identifier(name)}")
        if frame.height:
            _insert(con, name, frame)
    return frame.height


@dataclass(frozen=True)
class MapChanges:
    """What saving a map would do to the stored one, row by row: the labels (`row_label`) of
    the rows `added`, `changed` (same raw value, another target or spelling) and `removed`."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    lost: tuple[dict[str, Any], ...] = field(default=(), compare=False, repr=False)
    """The stored rows changed or removed, as they were (for `records_matched`)."""

    @property
    def destructive(self) -> bool:
        """Whether a stored row is lost or altered (additions alone are not)."""
        return bool(self.changed or self.removed)

    def counts(self) -> str:
        """`2 added, 1 changed, 3 removed` (`nothing changed` when empty)."""
        parts = [
            f"{len(rows):,} {what}"
            for rows, what in (
                (self.added, "added"),
                (self.changed, "changed"),
                (self.removed, "removed"),
            )
            if rows
        ]
        return ", ".join(parts) or "nothing changed"


def row_label(name: str, row: dict[str, Any]) -> str:
    """How a map row is named to the user: its raw value, for a stage row of one source
    followed by the source (`Closed Won (hubspot)`)."""
    raw = str(row[spec(name).raw_column])
    source = row.get("source_system") if name == "stage_map" else None
    return raw if source in (None, ANY_SOURCE) else f"{raw} ({source})"


def map_changes(
    name: str, stored: pl.DataFrame, edited: Sequence[dict[str, Any]] | pl.DataFrame
) -> MapChanges:
    """Compare a stored map (one row per raw value, as `read_map` returns it) with edited rows
    (as the editor returns them, validated by `clean_map`, so a bad row raises `MapError`), by
    the row's identity (`_identity`: normalized raw value, and source for stages). Labels are
    listed in the order of the edited rows (added, changed) and of the stored map (removed)."""
    if isinstance(edited, pl.DataFrame):
        edited = edited.to_dicts()
    columns = spec(name).columns

    def keyed(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
        if not frame.height:
            return {}
        keys = frame.select(_identity(name).alias("k"))["k"].to_list()
        return dict(zip(keys, frame.select(columns).to_dicts(), strict=True))

    before, after = keyed(stored), keyed(clean_map(name, edited))
    return MapChanges(
        lost=tuple(r for k, r in before.items() if after.get(k) != r),
        added=tuple(row_label(name, r) for k, r in after.items() if k not in before),
        changed=tuple(
            row_label(name, r) for k, r in after.items() if k in before and before[k] != r
        ),
        removed=tuple(row_label(name, r) for k, r in before.items() if k not in after),
    )


def records_matched(con: Connection, name: str, rows: Sequence[dict[str, Any]]) -> int:
    """How many records (leads, opportunities and, for channels, touchpoints) hold a raw value
    one of `rows` (map rows) matches: by `normalize_key`; a stage row only for its own source
    (`*`: any); a touchpoint by its source, its `source / medium` pair or `* / medium`. A
    record another, more specific row also matches is counted too, so this is the number a
    change of those rows may re-map."""
    s = spec(name)
    if not rows:
        return 0
    params = {
        "raws": [normalize_key(str(r[s.raw_column])) for r in rows],
        "sources": [str(r.get("source_system") or ANY_SOURCE) for r in rows],
    }
    rows_sql = "SELECT unnest($raws) AS k, unnest($sources) AS source"
    parts = []
    for table, expression in s.sources:
        t = quote_identifier(table)
        if name == "stage_map":
            match = f"""EXISTS (SELECT 1 FROM ({rows_sql}) m WHERE m.k = {map_key_sql(expression)}
              AND m.source IN ({t}.source_system, '{ANY_SOURCE}'))"""
        else:
            medium = MEDIUM_COLUMNS.get((name, table))
            raw = f"({expression})"
            candidates = [map_key_sql(raw)]
            if medium is not None:
                m = f"{t}.{quote_identifier(medium)}"
                candidates += [
                    map_key_sql(f"{raw} || '{PAIR_SEPARATOR}' || {m}"),
                    map_key_sql(f"'{ANY_SOURCE}{PAIR_SEPARATOR}' || {m}"),
                ]
            match = " OR ".join(f"{c} IN (SELECT k FROM ({rows_sql}))" for c in candidates)
        parts.append(f"SELECT count(*) AS n FROM {t} WHERE {match}")
    total = store.scalar(con, f"SELECT sum(n)::BIGINT FROM ({' UNION ALL '.join(parts)})", params)
    return int(total or 0)


def reset_map(con: Connection, name: str) -> MapChanges:
    """Replace a map with its defaults (`default_map`) through `save_map` (one transaction);
    returns what that changed compared with the map before."""
    defaults = default_map(name)
    changes = map_changes(name, read_map(con, name), defaults)
    save_map(con, name, defaults)
    return changes


def add_rows(con: Connection, name: str, rows: Sequence[dict[str, Any]]) -> int:
    """Append rows to a map (validated together with the existing rows, one transaction);
    returns the number of rows added. Rows without a target are skipped."""
    s = spec(name)
    wanted = [r for r in rows if _text(r.get(s.target_columns[0])) is not None]
    if not wanted:
        return 0
    current = read_map(con, name).to_dicts()
    save_map(con, name, [*current, *wanted])
    return len(wanted)


# ---- coverage ---------------------------------------------------------------------------------
def _covered_sql(name: str, table: str, expression: str) -> str:
    """SELECT of (raw value, records, covered) for one (table, expression), one row per
    distinct raw value (per raw value and medium for a table of `MEDIUM_COLUMNS`); `covered`
    when a map row matches it."""
    key = map_key_sql("d.raw")
    if name == "stage_map":
        return f"""
          SELECT d.raw, d.records, EXISTS (
            SELECT 1 FROM stage_map m
            WHERE m.source_system IN (d.source_system, '{ANY_SOURCE}')
              AND {map_key_sql("m.stage_raw")} = {key}
          ) AS covered
          FROM (SELECT {expression} AS raw, source_system, count(*) AS records
                FROM {quote_identifier(table)} WHERE nullif(trim({expression}), '') IS NOT NULL
                GROUP BY ALL) d"""
    medium = MEDIUM_COLUMNS.get((name, table))
    if medium is not None:  # one row per (raw value, medium): the medium rules cover pairs
        values = f"""SELECT {expression} AS raw, {quote_identifier(medium)} AS medium,
                   count(*) AS records
            FROM {quote_identifier(table)} WHERE nullif(trim({expression}), '') IS NOT NULL
            GROUP BY ALL"""
        rules = channel_rules_sql(values)
        return f"SELECT raw, records, channel IS NOT NULL AS covered FROM ({rules})"
    s = spec(name)
    return f"""
      SELECT d.raw, d.records, EXISTS (
        SELECT 1 FROM {quote_identifier(name)} m
        WHERE {map_key_sql("m." + quote_identifier(s.raw_column))} = {key}
      ) AS covered
      FROM (SELECT {expression} AS raw, count(*) AS records
            FROM {quote_identifier(table)} WHERE nullif(trim({expression}), '') IS NOT NULL
            GROUP BY ALL) d"""


def unmapped_sql(name: str) -> str:
    """SQL selecting the raw values of the data that no row of the map covers: one row per raw
    value, columns `value`, `records`, `found_in`, most frequent first (see `unmapped_values`)."""
    s = spec(name)
    parts = [
        f"SELECT raw, records, '{table}.{_column_label(expr)}' AS found_in "
        f"FROM ({_covered_sql(name, table, expr)}) WHERE NOT covered"
        for table, expr in s.sources
    ]
    return f"""
      SELECT raw AS value, sum(records)::BIGINT AS records,
             string_agg(DISTINCT found_in, ', ' ORDER BY found_in) AS found_in
      FROM ({" UNION ALL ".join(parts)})
      GROUP BY raw
      ORDER BY records DESC, value
    """


def unmapped_values(con: Connection, name: str) -> pl.DataFrame:
    """Raw values present in the data that no row of the map covers: one row per raw value
    (as written in the data; spellings that differ only in case or spaces are listed apart),
    columns `value`, `records` (rows holding it, leads, opportunities and for channels
    touchpoints together; a touchpoint whose medium is covered does not count) and `found_in`
    (`leads.status_raw, opportunities.stage_raw`), most frequent first."""
    return store.query(con, unmapped_sql(name))


def proposed_rows(name: str, unmapped: pl.DataFrame) -> pl.DataFrame:
    """Map rows proposed for unmapped values (one per row of `unmapped_values`), for the user
    to complete and add in one step: channels and reasons prefilled with Other (channels not
    marketing-sourced), stages left empty (a stage must be chosen); `records` and `found_in`
    kept for reference."""
    value = pl.col("value")
    if name == "channel_map":
        targets = [
            value.alias("channel_raw"),
            pl.lit("Other").alias("channel"),
            pl.lit(False).alias("marketing_sourced"),
        ]
    elif name == "stage_map":
        targets = [
            pl.lit(ANY_SOURCE).alias("source_system"),
            value.alias("stage_raw"),
            pl.lit(None, dtype=pl.String).alias("stage"),
            pl.lit(None, dtype=pl.Boolean).alias("is_closed"),
            pl.lit(None, dtype=pl.Boolean).alias("is_won"),
        ]
    else:
        targets = [value.alias("reason_raw"), pl.lit("Other").alias("reason")]
    spec(name)
    return unmapped.select(*targets, pl.col("records"), pl.col("found_in"))


def coverage(con: Connection, name: str) -> dict[str, int]:
    """How much of the data a map covers: {"records": rows with a raw value for this map,
    "mapped": those a map row covers, "values": distinct raw values, "unmapped_values":
    distinct raw values not covered} (leads and opportunities, and for channels touchpoints,
    together)."""
    s = spec(name)
    parts = " UNION ALL ".join(_covered_sql(name, table, expr) for table, expr in s.sources)
    row = store.query(
        con,
        f"""
        SELECT coalesce(sum(records), 0)::BIGINT AS records,
               coalesce(sum(records) FILTER (WHERE covered), 0)::BIGINT AS mapped,
               count(DISTINCT raw)::BIGINT AS "values",
               count(DISTINCT raw) FILTER (WHERE NOT covered)::BIGINT AS unmapped_values
        FROM ({parts})
        """,
    ).row(0, named=True)
    return {k: int(v) for k, v in row.items()}


def _column_label(expression: str) -> str:
    """`coalesce(channel_raw, channel)` -> `channel_raw`; a plain column stays itself."""
    match = re.match(r"coalesce\((\w+)", expression)
    return match.group(1) if match else expression
