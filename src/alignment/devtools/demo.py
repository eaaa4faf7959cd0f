"""Deterministic synthetic demo data: one example B2B company's revenue funnel.

`generate` builds, for a seed and a reference day `today`, about 18 months of leads (ending the
day before `today`) with opportunities, sales activities, marketing touchpoints, monthly spend,
monthly targets and the sales-owners list, as polars frames whose columns are exactly the
canonical tables of `schema` (DESIGN section 3). Everything is vectorised numpy / polars, so one
million leads generate in seconds. `load_demo` writes them into the database as one import marked
`is_demo`; `remove_demo` takes them out again; `ensure_demo` fills an empty database.

The company: 8 channels (`CHANNELS`), 3 segments, 3 regions (each with its own time zone), 25
sales owners in 2 teams ("Inbound SDR" own SMB and Mid-Market leads, "Account Executives" own
Enterprise leads). Leads arrive with mild growth, fewer at weekends and mostly in business hours
of the lead's region. About half become MQLs, ~75 % of those are accepted by sales (SAL), ~40 %
become SQLs, ~80 % of SQLs become opportunities and ~30 % of closed opportunities are won. About
5 % of SQLs skipped SAL (no `sal_at`). No timestamp lies on or after `today` (midnight UTC):
stages that would fall later are simply not reached yet, so the latest cohorts look immature, as
real ones do. The first sales touch after an MQL happens in the owner's business hours
(08:00-18:00 local, Monday to Friday), so MQLs arriving at night or at weekends wait for the next
business morning; some owners are slower than others and some MQLs are never touched.

What is planted for reviewers to find:

1. Channels differ clearly. MQL -> SQL conversion ranges from ~55 % (Referral) through ~40 %
   (Events, Organic Search, Outbound), ~30 % (Paid Search) to ~15 % (Paid Social); win rates
   range from ~45 % (Referral) to ~15 % (Paid Social). Spend per lead differs by channel (Events
   and Paid Search expensive; Organic Search, Outbound, Email, Referral cheap).
2. Rejection pattern. Of the rejected MQLs from Paid Social in the SMB segment, ~45 % carry the
   reason "Budget doesn't match", against ~15 % everywhere else (the Rejections page's reason x
   channel and reason x segment matrices show it; the pattern finder should name it). About 8 %
   of rejections have no documented reason.
3. A change in the latest complete quarter (the quarter before the one containing `today`):
   Paid Social MQL volume is up ~60 % on the previous quarter (a new campaign, "Meta Lead Ads -
   Free Template", brings most of the extra leads) while Paid Social's MQL -> SQL rate roughly
   halves. Total MQLs rise but conversion falls: the review's change decomposition should
   attribute it to Paid Social volume (mix) and rate.
4. Response times. MQLs arriving at night or at weekends (local time) wait for the next business
   morning, so their response time in clock hours is far longer than in business hours; two
   SDRs, Tyler Nguyen and Oliver Hughes, respond about 2.5x slower than their colleagues.

Keys are `demo:<external id>` (`demo:L000001`, `demo:O000001`, `demo:A0000001`,
`demo:T0000001`); every row's `source_system` is `demo`. `write_samples` writes two small
realistic exports (a HubSpot contacts export and a Salesforce opportunities report) made from
generated data to `data/samples/`.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pyarrow as pa

from alignment.db import schema, store
from alignment.db.store import Connection
from alignment.model import maps, sla_contract_io
from alignment.model.sla_contract import Calendar, Contract

DEMO_SOURCE = "demo"
DEMO_REMOVED_SETTING = "demo_removed"
"""Settings key set when the user removes the demo, so an empty database is not refilled."""
"""`source_system` of every demo row; keys are `demo:<external id>`."""

DEMO_FILE_NAME = "Demo data (generated)"
"""`file_name` of the demo's row in `imports`."""

DEFAULT_LEADS = 20_000

CHANNELS: tuple[str, ...] = (
    "Paid Search",
    "Organic Search",
    "Paid Social",
    "Email",
    "Events",
    "Webinars",
    "Referral",
    "Outbound",
)
"""The demo company's canonical marketing / sales channels."""

SEGMENTS: tuple[str, ...] = ("SMB", "Mid-Market", "Enterprise")

REGIONS: dict[str, str] = {
    "North America": "America/New_York",
    "EMEA": "Europe/Berlin",
    "APAC": "Asia/Singapore",
}
"""Sales regions and the time zone their leads and owners work in."""

TEAMS: tuple[str, ...] = ("Inbound SDR", "Account Executives")

REJECTION_REASONS: tuple[str, ...] = maps.STANDARD_REASONS
"""Standard rejection reasons (DESIGN section 1); a missing reason means "Not documented"."""

BUDGET_REASON = "Budget doesn't match"

LOST_REASONS: tuple[str, ...] = (
    "Price",
    "Chose a competitor",
    "No decision / status quo",
    "Timing",
    "Missing functionality",
    "Went dark",
)

OPEN_STAGES: tuple[str, ...] = ("Prospecting", "Qualification", "Proposal", "Negotiation")
WON_STAGE = "Closed Won"
LOST_STAGE = "Closed Lost"

TARGET_METRICS: tuple[str, ...] = ("mqls", "sqls", "mql_to_sql", "pipeline_created", "won_revenue")

PLANT_CHANNEL = "Paid Social"
PLANT_SEGMENT = "SMB"
PLANT_CAMPAIGN = "Meta Lead Ads - Free Template"
PLANT_VOLUME_FACTOR = 1.5
PLANT_RATE_FACTOR = 0.5

SAMPLES_DIR = store.PROJECT_ROOT / "data" / "samples"

HUBSPOT_HEADER: tuple[str, ...] = (
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Create Date",
    "Lifecycle Stage",
    "Lead Status",
    "Original Source",
    "Contact owner",
    "Company Name",
    "Industry",
    "Number of Employees",
    "Country/Region",
    "Became a Marketing Qualified Lead Date",
    "Became a Sales Qualified Lead Date",
    "Became an Opportunity Date",
    "Became a Customer Date",
)

SALESFORCE_HEADER: tuple[str, ...] = (
    "Opportunity ID",
    "Opportunity Name",
    "Account Name",
    "Opportunity Owner",
    "Stage",
    "Amount",
    "Close Date",
    "Created Date",
    "Lead Source",
    "Type",
    "Loss Reason",
)

HUBSPOT_SOURCE: dict[str, str] = {
    "Paid Search": "PAID_SEARCH",
    "Organic Search": "ORGANIC_SEARCH",
    "Paid Social": "PAID_SOCIAL",
    "Email": "EMAIL_MARKETING",
    "Events": "OFFLINE",
    "Webinars": "OTHER_CAMPAIGNS",
    "Referral": "REFERRALS",
    "Outbound": "OFFLINE",
}
"""HubSpot `Original Source` per demo channel (a quarter of Organic Search is DIRECT_TRAFFIC)."""

SALESFORCE_LEAD_SOURCE: dict[str, str] = {
    "Paid Search": "Paid Search",
    "Organic Search": "Web",
    "Paid Social": "Social Media",
    "Email": "Email",
    "Events": "Trade Show",
    "Webinars": "Webinar",
    "Referral": "Partner Referral",
    "Outbound": "Outbound Prospecting",
}
"""Salesforce `Lead Source` picklist value per demo channel (raw values a channel map fixes)."""

# ---- time units (integer microseconds since the epoch, UTC unless named local) ---------------
_MINUTE = 60_000_000
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_OPEN_MIN = 8 * 60  # business day of the demo's sales owners: 08:00-18:00 local, Mon-Fri
_CLOSE_MIN = 18 * 60
_BUSINESS_DAY_MIN = _CLOSE_MIN - _OPEN_MIN

# ---- channel parameters ------------------------------------------------------------------------
# share of leads, P(MQL), P(SQL | MQL), P(won | closed), P(high intent), spend per lead (USD);
# the probabilities are base rates, scaled per lead by its latent quality.
_CHANNEL_PARAMS: dict[str, tuple[float, float, float, float, float, float]] = {
    "Paid Search": (0.20, 0.46, 0.33, 0.26, 0.20, 120.0),
    "Organic Search": (0.16, 0.42, 0.42, 0.31, 0.20, 15.0),
    "Paid Social": (0.13, 0.44, 0.165, 0.15, 0.06, 70.0),
    "Email": (0.12, 0.38, 0.28, 0.24, 0.10, 25.0),
    "Events": (0.08, 0.55, 0.44, 0.35, 0.15, 350.0),
    "Webinars": (0.10, 0.50, 0.37, 0.29, 0.10, 90.0),
    "Referral": (0.08, 0.60, 0.57, 0.45, 0.28, 40.0),
    "Outbound": (0.13, 0.35, 0.42, 0.23, 0.04, 30.0),
}

_CAMPAIGNS: dict[str, tuple[str, ...]] = {
    "Paid Search": (
        "Google Ads - Brand",
        "Google Ads - Funnel Analytics",
        "Bing Ads - Competitors",
    ),
    "Organic Search": ("SEO - Blog", "SEO - Pricing Page", "Organic - Homepage"),
    "Paid Social": (
        "LinkedIn Lead Gen - Benchmark Report",
        "LinkedIn Retargeting",
        "Meta Lookalikes - SMB",
    ),
    "Email": ("Newsletter", "Nurture - Funnel Health Series", "Product Updates"),
    "Events": ("Revenue Summit", "RevOps Roadshow", "Field Dinner Series"),
    "Webinars": (
        "Webinar: MQL to SQL Playbook",
        "Webinar: Pipeline Reviews That Work",
        "Webinar: Attribution 101",
    ),
    "Referral": ("Customer Referral Program", "Partner Referrals"),
    "Outbound": ("SDR Outbound - Mid-Market", "Account-Based Outreach - Enterprise"),
}

_MEDIUM: dict[str, str] = {
    "Paid Search": "cpc",
    "Organic Search": "organic",
    "Paid Social": "paid_social",
    "Email": "email",
    "Events": "event",
    "Webinars": "webinar",
    "Referral": "referral",
    "Outbound": "outbound",
}

_CONTENT_ASSETS: tuple[str, ...] = (
    "Demo request form",
    "Pricing page",
    "Revenue Funnel Benchmark Report",
    "MQL-to-SQL Playbook (PDF)",
    "ROI calculator",
    "Customer story: Northwind Freight",
    "Product tour video",
    "Blog: What counts as an SQL?",
    "Webinar recording",
    "Contact sales form",
)

# segment mix per channel (SMB, Mid-Market, Enterprise)
_SEGMENT_MIX: dict[str, tuple[float, float, float]] = {
    "Paid Search": (0.55, 0.32, 0.13),
    "Organic Search": (0.55, 0.30, 0.15),
    "Paid Social": (0.70, 0.24, 0.06),
    "Email": (0.52, 0.33, 0.15),
    "Events": (0.40, 0.35, 0.25),
    "Webinars": (0.50, 0.34, 0.16),
    "Referral": (0.45, 0.35, 0.20),
    "Outbound": (0.30, 0.40, 0.30),
}
_REGION_MIX: tuple[float, float, float] = (0.55, 0.30, 0.15)
_EMPLOYEE_RANGE: dict[str, tuple[int, int]] = {
    "SMB": (10, 200),
    "Mid-Market": (200, 2_000),
    "Enterprise": (2_000, 60_000),
}
_DEAL_SIZE: dict[str, float] = {"SMB": 8_000.0, "Mid-Market": 25_000.0, "Enterprise": 90_000.0}
_PRODUCTS: dict[str, str] = {
    "SMB": "Starter Plan",
    "Mid-Market": "Growth Plan",
    "Enterprise": "Enterprise Plan",
}

_COUNTRIES: dict[str, tuple[tuple[str, float], ...]] = {
    "North America": (("United States", 0.85), ("Canada", 0.15)),
    "EMEA": (
        ("United Kingdom", 0.30),
        ("Germany", 0.25),
        ("France", 0.15),
        ("Netherlands", 0.12),
        ("Sweden", 0.08),
        ("Spain", 0.10),
    ),
    "APAC": (("Australia", 0.35), ("Singapore", 0.25), ("Japan", 0.20), ("India", 0.20)),
}

_INDUSTRIES: tuple[str, ...] = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Professional Services",
    "Education",
    "Media",
)

# rejection reason probabilities (REJECTION_REASONS order, then "not documented")
_REASON_P_ELSEWHERE: tuple[float, ...] = (0.22, 0.15, 0.18, 0.10, 0.22, 0.05, 0.08)
_REASON_P_PLANT: tuple[float, ...] = (0.12, 0.45, 0.10, 0.06, 0.14, 0.05, 0.08)
_LOST_REASON_P: tuple[float, ...] = (0.26, 0.24, 0.20, 0.12, 0.10, 0.08)

# ---- people and companies (fake, but realistic) ------------------------------------------------
_FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Daniel", "Karen", "Matthew", "Nancy", "Anthony", "Lisa", "Mark", "Emily", "Steven", "Laura",
    "Andrew", "Rachel", "Kevin", "Megan", "Brian", "Hannah", "Priya", "Arjun", "Wei", "Mei",
    "Hiroshi", "Yuki", "Lukas", "Anna", "Jonas", "Lena", "Pierre", "Camille", "Lucas", "Chloé",
    "José", "Sofía", "Mateo", "Lucía", "Björn", "Ingrid", "Søren", "Freya", "Liam", "Olivia",
    "Noah", "Zoë", "Omar", "Amira", "Kwame", "Ama", "Chen", "Aisha", "Ravi", "Ananya",
)  # fmt: skip
_LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark",
    "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
    "Nelson", "Campbell", "Patel", "Shah", "Kumar", "Nguyen", "Tanaka", "Sato", "Wang", "Li",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Dubois", "Lefebvre", "Bernard",
    "García", "Fernández", "López", "Johansson", "Lindqvist", "Jensen", "O'Brien", "Murphy",
    "Kelly", "Rossi", "Bianchi", "Okafor", "Mensah", "Haddad", "Cohen", "Kowalski", "Novak",
)  # fmt: skip
_COMPANY_HEADS: tuple[str, ...] = (
    "North", "Blue", "Silver", "Bright", "Iron", "Cedar", "Summit", "River", "Stone", "Oak",
    "Clear", "Red", "Golden", "Harbor", "Maple", "Pine", "Swift", "True", "Peak", "Bay",
    "Crest", "Vertex", "Nova", "Apex", "Lumen", "Atlas", "Beacon", "Falcon", "Orbit", "Prism",
)  # fmt: skip
_COMPANY_TAILS: tuple[str, ...] = (
    "wind", "field", "bridge", "point", "gate", "line", "path", "works", "ware", "stack",
    "logic", "leaf", "wave", "rock", "light", "mark", "forge", "scale", "grid", "loop",
)  # fmt: skip
_COMPANY_SUFFIXES: tuple[str, ...] = (
    "Systems", "Labs", "Analytics", "Group", "Software", "Health", "Logistics", "Partners",
    "Technologies", "Solutions", "Capital", "Retail",
)  # fmt: skip

_ACTIVITY_TYPES: tuple[str, ...] = ("call", "email", "linkedin", "meeting")
_OUTCOMES: tuple[str, ...] = (
    "Connected",
    "Left voicemail",
    "No answer",
    "Sent",
    "Replied",
    "Accepted",
    "Held",
    "No-show",
)

_LEAD_STATUSES: tuple[str, ...] = (
    "Nurture",
    "Open",
    "Working",
    "Accepted",
    "Qualified",
    "Opportunity",
    "Customer",
    "Closed Lost",
    "Unqualified",
)

# leads-simulation arrays only the leads frame needs (freed once it is built)
_LEAD_FRAME_ONLY: tuple[str, ...] = (
    "first_name",
    "last_name",
    "company_head",
    "company_tail",
    "company_suffix",
    "industry",
    "country",
    "employees",
    "score",
    "reason",
)

# owners: (name, team, region); managers per team
_OWNERS: tuple[tuple[str, str, str], ...] = (
    ("Olivia Bennett", "Inbound SDR", "North America"),
    ("Ethan Brooks", "Inbound SDR", "North America"),
    ("Maya Patel", "Inbound SDR", "North America"),
    ("Jordan Reyes", "Inbound SDR", "North America"),
    ("Chloe Sanders", "Inbound SDR", "North America"),
    ("Tyler Nguyen", "Inbound SDR", "North America"),
    ("Hannah Weber", "Inbound SDR", "EMEA"),
    ("Lucas Moreau", "Inbound SDR", "EMEA"),
    ("Sofia Lindqvist", "Inbound SDR", "EMEA"),
    ("Oliver Hughes", "Inbound SDR", "EMEA"),
    ("Elena Rossi", "Inbound SDR", "EMEA"),
    ("Kenji Tanaka", "Inbound SDR", "APAC"),
    ("Priya Sharma", "Inbound SDR", "APAC"),
    ("Liam O'Connor", "Inbound SDR", "APAC"),
    ("Rachel Kim", "Account Executives", "North America"),
    ("Marcus Johnson", "Account Executives", "North America"),
    ("Natalie Foster", "Account Executives", "North America"),
    ("Daniel Carter", "Account Executives", "North America"),
    ("Grace Whitman", "Account Executives", "North America"),
    ("Felix Hartmann", "Account Executives", "EMEA"),
    ("Amélie Laurent", "Account Executives", "EMEA"),
    ("James Whitfield", "Account Executives", "EMEA"),
    ("Ingrid Solberg", "Account Executives", "EMEA"),
    ("Wei Chen", "Account Executives", "APAC"),
    ("Aisha Rahman", "Account Executives", "APAC"),
)
_MANAGERS: dict[str, str] = {"Inbound SDR": "Dana Whitaker", "Account Executives": "Victor Alvarez"}
_SLOW_OWNERS: frozenset[str] = frozenset({"Tyler Nguyen", "Oliver Hughes"})


# ==== public API ================================================================================
def generate(
    n_leads: int = DEFAULT_LEADS, *, seed: int = 42, today: date | None = None
) -> dict[str, pl.DataFrame]:
    """Generate the demo dataset: frames `leads` (one row per lead), `opportunities` (one row
    per opportunity), `activities` (one row per sales touch), `touchpoints` (one row per
    marketing touch), `spend` (one row per month x channel), `targets` (one row per month x
    metric) and `owners` (one row per sales owner).

    Deterministic for a seed and `today` (default: the current UTC date). Each fact frame has
    exactly its schema table's columns, in order, with `import_id` null (`load_demo` fills it).
    """
    if n_leads < 1:
        raise ValueError("n_leads must be at least 1")
    today = today or datetime.now(UTC).date()
    rng = np.random.default_rng(seed)
    cal = _Calendar(today)
    leads = _simulate_leads(rng, n_leads, cal)
    opps = _simulate_opportunities(rng, leads, cal)
    frames: dict[str, pl.DataFrame] = {"leads": _leads_frame(leads, opps)}
    frames["opportunities"] = _opportunities_frame(frames["leads"], leads, opps)
    for key in _LEAD_FRAME_ONLY:  # free what only the leads frame needed
        del leads[key]
    # build each large frame right after its simulation, so intermediates are freed early
    activities = _simulate_activities(rng, leads, cal)
    frames["activities"] = _activities_frame(frames["leads"], leads, activities)
    del activities
    touchpoints = _simulate_touchpoints(rng, leads, cal)
    frames["touchpoints"] = _touchpoints_frame(frames["leads"], touchpoints)
    del touchpoints
    frames["spend"] = _spend_frame(rng, leads, cal)
    frames["targets"] = _targets_frame(leads, opps, cal)
    frames["owners"] = owners_frame()
    return frames


def load_demo(
    con: Connection,
    n_leads: int = DEFAULT_LEADS,
    *,
    seed: int = 42,
    today: date | None = None,
    tables: dict[str, pl.DataFrame] | None = None,
) -> int:
    """Write the demo dataset (`tables`, else `generate(n_leads, seed=, today=)`) into the
    database as one import marked `is_demo`, in one transaction; returns its import_id."""
    started = datetime.now(UTC)
    frames = tables if tables is not None else generate(n_leads, seed=seed, today=today)
    n_rows = frames["leads"].height
    with store.transaction(con):
        store.set_setting(con, DEMO_REMOVED_SETTING, None)
        import_id = int(store.scalar(con, "SELECT nextval('import_id_seq')"))
        con.execute(
            "INSERT INTO imports (import_id, file_name, source_system, object_type, rows_read, "
            "rows_loaded, rows_rejected, rows_inserted, rows_updated, started_at, status, "
            "is_demo) VALUES (?, ?, ?, 'demo', ?, ?, 0, ?, 0, ?, 'loaded', TRUE)",
            [import_id, DEMO_FILE_NAME, DEMO_SOURCE, n_rows, n_rows, n_rows, started],
        )
        for table in schema.FACT_TABLES:
            if table in frames:
                _insert_frame(con, table, frames[table], import_id)
        if "owners" in frames:
            _insert_frame(con, "owners", frames["owners"], import_id, or_ignore=True)
        con.execute(
            "UPDATE imports SET finished_at = ? WHERE import_id = ?",
            [datetime.now(UTC), import_id],
        )
    if not sla_contract_io.load_versions(con):
        sla_contract_io.save_version(con, demo_contract())
    return import_id


def demo_contract() -> Contract:
    """The demo company's SLA contract: the default terms, measured in each region's own
    business hours (08:00-18:00 local, Monday to Friday, as the demo's sales team works; no
    public holidays, as the generator plants none)."""
    calendars = tuple(
        Calendar(
            name=region,
            time_zone=zone,
            opens=time(8, 0),
            closes=time(18, 0),
            regions=(region,),
        )
        for region, zone in REGIONS.items()
    )
    return Contract(calendars=calendars, default_calendar=calendars[0].name)


def has_demo(con: Connection) -> bool:
    """Whether demo data is loaded (an import marked `is_demo` exists)."""
    return bool(store.scalar(con, "SELECT count(*) FROM imports WHERE is_demo"))


def is_demo_import(con: Connection, import_id: int) -> bool:
    """Whether this import is the demo dataset."""
    value = store.scalar(
        con, "SELECT coalesce(is_demo, FALSE) FROM imports WHERE import_id = ?", [import_id]
    )
    return bool(value)


def remove_demo(con: Connection) -> None:
    """Remove every demo row (facts, lookups, undo shadows, the import records), in one
    transaction; data from real imports is left as it is."""
    demo_ids = "(SELECT import_id FROM imports WHERE is_demo)"
    with store.transaction(con):
        for table, cols in schema.FACT_TABLES.items():
            names = {c.name for c in cols}
            for target in (table, table + schema.REPLACED_SUFFIX):
                condition = f"import_id IN {demo_ids}"
                if "source_system" in names:
                    condition += " OR source_system = ?"
                    params: list[Any] = [DEMO_SOURCE]
                else:
                    params = []
                con.execute(
                    f"DELETE FROM {store.quote_identifier(target)} WHERE {condition}", params
                )
        con.execute(f"DELETE FROM owners WHERE import_id IN {demo_ids}")
        con.execute(f"DELETE FROM import_rejects WHERE import_id IN {demo_ids}")
        con.execute("DELETE FROM imports WHERE is_demo")
        store.set_setting(con, DEMO_REMOVED_SETTING, "1")
    # the demo's contract goes with it unless someone edited it (then it is theirs)
    if sla_contract_io.load_versions(con) == (demo_contract(),):
        sla_contract_io.delete_version(con, demo_contract().effective_from)


def ensure_demo(con: Connection) -> bool:
    """Load the default demo dataset if the database is new: no imports and every fact table
    empty. Returns True if it loaded."""
    if store.get_setting(con, DEMO_REMOVED_SETTING):
        return False  # the user removed the demo once: never bring it back by itself
    if store.scalar(con, "SELECT count(*) FROM imports"):
        return False
    if any(store.table_counts(con).values()):
        return False
    load_demo(con)
    return True


def owners_frame() -> pl.DataFrame:
    """The demo company's sales owners: one row per owner (owner, team, manager, region)."""
    return pl.DataFrame(
        {
            "owner": [o[0] for o in _OWNERS],
            "team": [o[1] for o in _OWNERS],
            "manager": [_MANAGERS[o[1]] for o in _OWNERS],
            "region": [o[2] for o in _OWNERS],
        },
        schema={"owner": pl.String, "team": pl.String, "manager": pl.String, "region": pl.String},
    )


def write_samples(out_dir: Path = SAMPLES_DIR, *, today: date | None = None) -> list[Path]:
    """Write two small realistic exports made from generated data: `hubspot_contacts.csv`
    (one row per contact, ~300) and `salesforce_opportunities.csv` (a Salesforce report export,
    one row per opportunity, ~150, with the report footer). Returns the paths written."""
    today = today or datetime.now(UTC).date()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = generate(2_500, seed=7, today=today)
    rng = np.random.default_rng(7)
    hubspot = out_dir / "hubspot_contacts.csv"
    hubspot.write_text(_hubspot_contacts_csv(tables["leads"], rng), encoding="utf-8", newline="")
    salesforce = out_dir / "salesforce_opportunities.csv"
    salesforce.write_text(
        _salesforce_opportunities_csv(tables["opportunities"], rng, today),
        encoding="utf-8",
        newline="",
    )
    return [hubspot, salesforce]


# ==== calendar ==================================================================================
class _Calendar:
    """The generated time span, the cut-off (midnight UTC at the start of `today`), the planted
    quarter and each region's UTC offset per local day (DST included)."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.cutoff = _epoch_day(today) * _DAY
        first_month = date(today.year, today.month, 1)
        self.start = _add_months(first_month, -17)
        self.first_day = _epoch_day(self.start)
        self.last_day = _epoch_day(today) - 1  # leads arrive up to the day before today
        quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        self.plant_start = _add_months(quarter_start, -3)
        self.plant_end = quarter_start
        self.plant_start_us = _epoch_day(self.plant_start) * _DAY
        self.plant_end_us = _epoch_day(self.plant_end) * _DAY
        # UTC offsets at local noon for each region and day, wide enough for every lag used
        self.offset_first = self.first_day - 400
        n_days = self.last_day + 400 - self.offset_first
        offsets = np.zeros((len(REGIONS), n_days), dtype=np.int64)
        epoch = date(1970, 1, 1)
        for r, tz_name in enumerate(REGIONS.values()):
            tz = ZoneInfo(tz_name)
            for i in range(n_days):
                day = epoch + timedelta(days=self.offset_first + i)
                delta = datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()
                offsets[r, i] = int((delta or timedelta(0)).total_seconds()) * 1_000_000
        self.offsets = offsets

    def months(self, last: date | None = None) -> list[date]:
        """First days of the months from the start of the data to `last` (default: today's)."""
        end = last or date(self.today.year, self.today.month, 1)
        months, month = [], self.start
        while month <= end:
            months.append(month)
            month = _add_months(month, 1)
        return months

    def _offset(self, region: np.ndarray, day: np.ndarray) -> np.ndarray:
        index = np.clip(day - self.offset_first, 0, self.offsets.shape[1] - 1)
        return self.offsets[region, index]

    def to_local(self, utc_us: np.ndarray, region: np.ndarray) -> np.ndarray:
        """Wall-clock microseconds in the region's time zone."""
        return utc_us + self._offset(region, utc_us // _DAY)

    def to_utc(self, local_us: np.ndarray, region: np.ndarray) -> np.ndarray:
        """UTC microseconds of a wall-clock time in the region's time zone."""
        return local_us - self._offset(region, local_us // _DAY)


def _epoch_day(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _month_index(us: np.ndarray) -> np.ndarray:
    """Months since January 1970 of UTC microsecond timestamps."""
    return us.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)


def _add_business_minutes(local_us: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """Local wall-clock time after `minutes` of business time (08:00-18:00, Mon-Fri) from
    `local_us`; a start outside business hours first moves to the next opening."""
    day = local_us // _DAY
    minute = (local_us - day * _DAY) / _MINUTE
    dates = day.astype("datetime64[D]")
    busy = np.is_busday(dates)
    after = ~busy | (minute >= _CLOSE_MIN)
    before = busy & (minute < _OPEN_MIN)
    start = np.busday_offset(dates, (busy & after).astype(np.int64), roll="forward")
    start_minute = np.where(after | before, float(_OPEN_MIN), minute)
    total = start_minute - _OPEN_MIN + minutes
    whole_days = np.floor(total / _BUSINESS_DAY_MIN).astype(np.int64)
    rest = total - whole_days * _BUSINESS_DAY_MIN
    end = np.busday_offset(start, whole_days, roll="forward").astype(np.int64)
    return end * _DAY + np.round((_OPEN_MIN + rest) * _MINUTE).astype(np.int64)


# ==== random helpers ============================================================================
def _pick(rng: np.random.Generator, probabilities: np.ndarray, group: np.ndarray) -> np.ndarray:
    """One category index per row, drawn from the probability row of its group."""
    cdf = np.cumsum(np.asarray(probabilities, dtype=np.float64), axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(len(group))
    out = np.zeros(len(group), dtype=np.int64)
    for g in range(cdf.shape[0]):  # a loop over groups, not rows
        rows = group == g
        out[rows] = np.searchsorted(cdf[g], u[rows], side="right")
    return np.minimum(out, cdf.shape[1] - 1)


def _lognormal_us(
    rng: np.random.Generator, n: int, median: float, sigma: float, low: float, high: float
) -> np.ndarray:
    """Durations in microseconds, log-normal around `median` (all arguments in microseconds)."""
    values = median * np.exp(sigma * rng.standard_normal(n))
    return np.clip(values, low, high).astype(np.int64)


def _even_uniforms(
    rng: np.random.Generator,
    group: np.ndarray,
    order_key: np.ndarray,
    alpha: float = (np.sqrt(5) - 1) / 2,
) -> np.ndarray:
    """Uniform draws that are evenly spread within each group in `order_key` order (a Weyl
    sequence `frac(rank * alpha + offset)`): any run of consecutive rows of a group gets close
    to its expected share of draws below p, with far less noise than independent draws."""
    group = np.asarray(group, dtype=np.int64)
    order = np.lexsort((order_key, group))
    rank = np.empty(len(group), dtype=np.float64)
    rank[order] = _grouped_ordinal(group[order])
    offset = rng.random(int(group.max(initial=0)) + 1)
    return (rank * alpha + offset[group]) % 1.0


def _grouped_ordinal(group: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal values of a sorted group array."""
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    run_lengths = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, run_lengths)


# ==== simulation ================================================================================
def _simulate_leads(rng: np.random.Generator, n: int, cal: _Calendar) -> dict[str, np.ndarray]:
    """Every lead's attributes and stage times as numpy arrays (one element per lead)."""
    n_channels = len(CHANNELS)
    params = np.array([_CHANNEL_PARAMS[c] for c in CHANNELS])
    share, p_mql, p_sql, p_win, p_intent = (params[:, i] for i in range(5))
    plant = CHANNELS.index(PLANT_CHANNEL)

    # arrival day (local) and channel, jointly: growth, weekdays, seasonality, the planted surge
    days = np.arange(cal.first_day, cal.last_day + 1)
    t = (days - days[0]) / max(len(days) - 1, 1)
    weekday = (days + 3) % 7  # 0 = Monday
    dates = days.astype("datetime64[D]")
    month_of_year = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_weight = (1.0 + 0.4 * t) * np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.3, 0.25))
    day_weight *= np.where(month_of_year == 12, 0.85, np.where(month_of_year == 8, 0.92, 1.0))
    joint = day_weight[:, None] * share[None, :]
    in_plant = (days >= _epoch_day(cal.plant_start)) & (days < _epoch_day(cal.plant_end))
    joint[in_plant, plant] *= PLANT_VOLUME_FACTOR
    flat = rng.choice(joint.size, size=n, p=(joint / joint.sum()).ravel())
    day = days[flat // n_channels]
    channel = flat % n_channels
    region = rng.choice(len(REGIONS), size=n, p=_REGION_MIX)

    # local time of day: mostly business hours on weekdays, spread out at weekends
    is_weekday = (day + 3) % 7 < 5
    business = is_weekday & (rng.random(n) < 0.78)
    hour = np.where(
        business,
        np.clip(rng.normal(13.0, 2.6, n), 7.0, 20.5),
        np.where(is_weekday, rng.uniform(0.0, 24.0, n), rng.uniform(6.0, 24.0, n)),
    )
    created = cal.to_utc(day * _DAY + (hour * _HOUR).astype(np.int64), region)
    created = np.where(created >= cal.cutoff, created - _DAY, created)

    order = np.argsort(created, kind="stable")  # ids increase with creation time
    created, channel, region = created[order], channel[order], region[order]

    segment = _pick(rng, np.array([_SEGMENT_MIX[c] for c in CHANNELS]), channel)
    team = (segment == SEGMENTS.index("Enterprise")).astype(np.int64)
    owner = _assign_owners(rng, region, team)
    campaign = _assign_campaigns(rng, channel, created, cal)

    first_name = rng.integers(0, len(_FIRST_NAMES), n)
    last_name = rng.integers(0, len(_LAST_NAMES), n)
    company_head = rng.integers(0, len(_COMPANY_HEADS), n)
    company_tail = rng.integers(0, len(_COMPANY_TAILS), n)
    company_suffix = rng.integers(0, len(_COMPANY_SUFFIXES), n)
    industry = rng.integers(0, len(_INDUSTRIES), n)
    country = _pick(rng, _country_matrix(), region)
    bounds = np.log(np.array([_EMPLOYEE_RANGE[s] for s in SEGMENTS], dtype=np.float64))
    employees = np.round(
        np.exp(bounds[segment, 0] + rng.random(n) * (bounds[segment, 1] - bounds[segment, 0]))
    ).astype(np.int64)

    quality = rng.random(n)  # latent lead quality: drives score and every conversion
    high_intent = rng.random(n) < p_intent[channel] * (0.4 + 1.2 * quality)
    score = np.clip(
        np.round(12 + 70 * quality + 12 * high_intent + rng.normal(0, 8, n)), 0, 100
    ).astype(np.float64)

    # MQL
    is_mql = rng.random(n) < np.where(high_intent, 0.95, p_mql[channel] * (0.55 + 0.9 * quality))
    quick = high_intent | (rng.random(n) < 0.3)
    mql_lag = np.where(
        quick,
        rng.uniform(1, 45, n) * _MINUTE,
        _lognormal_us(rng, n, 1.5 * _DAY, 1.1, _HOUR, 45 * _DAY),
    ).astype(np.int64)
    mql_at = created + mql_lag
    plant_mql = (channel == plant) & (mql_at >= cal.plant_start_us) & (mql_at < cal.plant_end_us)

    # outcomes of an MQL: SQL (some skipping SAL), else accepted (SAL) or rejected
    sql_p = p_sql[channel] * (0.55 + 0.75 * quality) * np.where(high_intent, 1.2, 1.0)
    sql_p = np.clip(np.where(plant_mql, sql_p * PLANT_RATE_FACTOR, sql_p), 0, 0.95)
    # low-discrepancy draws per channel in time order: a channel's rate in any period stays
    # close to its expected value, so the planted change is not lost in (or mimicked by) noise
    is_sql = is_mql & (_even_uniforms(rng, channel + n_channels * ~is_mql, mql_at) < sql_p)
    skip_sal = is_sql & (rng.random(n) < 0.05)
    is_sal = (is_sql & ~skip_sal) | (is_mql & ~is_sql & (rng.random(n) < 0.58))
    is_rejected = is_mql & ~is_sql & ~is_sal & (rng.random(n) < 0.88)
    touched = is_sql | is_sal | (is_mql & (rng.random(n) < 0.87))

    # first sales touch: next business hours of the owner's region, some owners slower
    owner_speed = np.array([2.5 if o[0] in _SLOW_OWNERS else 1.0 for o in _OWNERS]) * np.exp(
        rng.normal(0, 0.25, len(_OWNERS))
    )
    kind = rng.random(n)
    fast_minutes = np.where(
        high_intent,
        np.exp(np.log(12) + 0.9 * rng.standard_normal(n)),
        np.exp(np.log(50) + 1.0 * rng.standard_normal(n)),
    )
    response = np.where(
        kind < (np.where(high_intent, 0.85, 0.78)),
        fast_minutes * owner_speed[owner],
        np.where(
            kind < 0.92,
            np.exp(np.log(400) + 0.5 * rng.standard_normal(n)),
            rng.uniform(600, 3000, n),
        ),
    )
    mql_local = cal.to_local(mql_at, region)
    first_touch_local = _add_business_minutes(mql_local, response)
    first_touch = cal.to_utc(first_touch_local, region)
    first_touch = np.maximum(first_touch, mql_at + _MINUTE)

    sal_at = first_touch + _lognormal_us(rng, n, 20 * _HOUR, 0.9, 5 * _MINUTE, 10 * _DAY)
    sql_at = mql_at + _lognormal_us(rng, n, 12 * _DAY, 0.75, _DAY, 56 * _DAY)
    sql_at = np.maximum(sql_at, np.where(skip_sal, first_touch, sal_at) + 2 * _HOUR)
    rejected_at = np.where(touched, first_touch, mql_at) + _lognormal_us(
        rng, n, 2.5 * _DAY, 0.9, _HOUR, 30 * _DAY
    )

    # opportunities: ~80 % of SQLs; closed 1-4 months after creation
    is_opp = is_sql & (rng.random(n) < 0.8)
    opp_at = sql_at + _lognormal_us(rng, n, 2.5 * _DAY, 0.8, _HOUR, 21 * _DAY)
    close_at = opp_at + _lognormal_us(rng, n, 55 * _DAY, 0.35, 25 * _DAY, 125 * _DAY)
    win_draw = _even_uniforms(rng, channel + n_channels * ~is_opp, opp_at, alpha=np.sqrt(2) - 1)
    wins = win_draw < p_win[channel] * (0.7 + 0.6 * quality)
    reason_p = np.array([_REASON_P_ELSEWHERE, _REASON_P_PLANT])
    in_plant_cell = (channel == plant) & (segment == SEGMENTS.index(PLANT_SEGMENT))
    reason = _pick(rng, reason_p, in_plant_cell.astype(np.int64))

    # nothing on or after the cut-off: later stages are simply not reached yet
    cutoff = cal.cutoff
    mql_ok = is_mql & (mql_at < cutoff)
    touched_ok = mql_ok & touched & (first_touch < cutoff)
    sal_ok = mql_ok & is_sal & (sal_at < cutoff)
    sql_ok = mql_ok & is_sql & (sql_at < cutoff)
    opp_ok = sql_ok & is_opp & (opp_at < cutoff)
    closed_ok = opp_ok & (close_at < cutoff)
    rejected_ok = mql_ok & is_rejected & (rejected_at < cutoff)

    return {
        "created": created,
        "channel": channel.astype(np.int16),
        "region": region.astype(np.int16),
        "segment": segment.astype(np.int16),
        "team": team.astype(np.int16),
        "owner": owner.astype(np.int16),
        "campaign": campaign.astype(np.int16),
        "first_name": first_name.astype(np.int16),
        "last_name": last_name.astype(np.int16),
        "company_head": company_head.astype(np.int16),
        "company_tail": company_tail.astype(np.int16),
        "company_suffix": company_suffix.astype(np.int16),
        "industry": industry.astype(np.int16),
        "country": country.astype(np.int16),
        "employees": employees,
        "high_intent": high_intent,
        "score": score,
        "mql_at": mql_at,
        "mql_ok": mql_ok,
        "first_touch": first_touch,
        "first_touch_local": first_touch_local,
        "touched_ok": touched_ok,
        "sal_at": sal_at,
        "sal_ok": sal_ok,
        "sql_at": sql_at,
        "sql_ok": sql_ok,
        "opp_at": opp_at,
        "opp_ok": opp_ok,
        "close_at": close_at,
        "closed_ok": closed_ok,
        "won": wins,
        "rejected_at": rejected_at,
        "rejected_ok": rejected_ok,
        "reason": reason.astype(np.int16),
    }


def _assign_owners(rng: np.random.Generator, region: np.ndarray, team: np.ndarray) -> np.ndarray:
    """An owner index per lead: uniform among the owners of the lead's region and team."""
    regions, teams = list(REGIONS), list(TEAMS)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (_, owner_team, owner_region) in enumerate(_OWNERS):
        groups.setdefault((regions.index(owner_region), teams.index(owner_team)), []).append(i)
    width = max(len(v) for v in groups.values())
    table = np.zeros((len(regions), len(teams), width), dtype=np.int64)
    counts = np.zeros((len(regions), len(teams)), dtype=np.int64)
    for (r, t), members in groups.items():
        table[r, t, : len(members)] = members
        counts[r, t] = len(members)
    slot = (rng.random(len(region)) * counts[region, team]).astype(np.int64)
    return table[region, team, slot]


def _campaign_names() -> list[str]:
    names = [name for c in CHANNELS for name in _CAMPAIGNS[c]]
    return [*names, PLANT_CAMPAIGN]


def _assign_campaigns(
    rng: np.random.Generator, channel: np.ndarray, created: np.ndarray, cal: _Calendar
) -> np.ndarray:
    """A campaign index (into `_campaign_names()`) per lead, within the lead's channel; most
    Paid Social leads of the planted quarter come from the planted campaign."""
    offsets = np.cumsum([0, *(len(_CAMPAIGNS[c]) for c in CHANNELS)])
    counts = np.diff(offsets)
    index = offsets[channel] + (rng.random(len(channel)) * counts[channel]).astype(np.int64)
    surge = (
        (channel == CHANNELS.index(PLANT_CHANNEL))
        & (created >= cal.plant_start_us)
        & (created < cal.plant_end_us)
        & (rng.random(len(channel)) < 0.45)
    )
    return np.where(surge, offsets[-1], index)


def _simulate_opportunities(
    rng: np.random.Generator, leads: dict[str, np.ndarray], cal: _Calendar
) -> dict[str, np.ndarray]:
    """One element per opportunity (leads that reached one), ordered by creation time."""
    lead_index = np.flatnonzero(leads["opp_ok"])
    lead_index = lead_index[np.argsort(leads["opp_at"][lead_index], kind="stable")]
    n = len(lead_index)
    opp_number = np.full(len(leads["created"]), -1, dtype=np.int64)
    opp_number[lead_index] = np.arange(n)
    segment = leads["segment"][lead_index]
    median = np.array([_DEAL_SIZE[s] for s in SEGMENTS])[segment]
    amount = np.round(median * np.exp(0.45 * rng.standard_normal(n)) / 100) * 100
    closed = leads["closed_ok"][lead_index]
    won = closed & leads["won"][lead_index]
    lost = closed & ~won
    created = leads["opp_at"][lead_index]
    planned_close = leads["close_at"][lead_index]
    elapsed = (cal.cutoff - created) / np.maximum(planned_close - created, 1)
    open_stage = np.clip((elapsed * len(OPEN_STAGES)).astype(np.int64), 0, len(OPEN_STAGES) - 1)
    lost_reason = rng.choice(len(LOST_REASONS), size=n, p=_LOST_REASON_P)
    return {
        "lead_index": lead_index,
        "opp_number": opp_number,
        "amount": amount,
        "closed": closed,
        "won": won,
        "lost": lost,
        "open_stage": open_stage,
        "lost_reason": lost_reason,
    }


def _simulate_activities(
    rng: np.random.Generator, leads: dict[str, np.ndarray], cal: _Calendar
) -> dict[str, np.ndarray]:
    """One element per sales touch: the first at the lead's first-touch time, follow-ups
    spaced in business time; ~3 per MQL on average."""
    touched = np.flatnonzero(leads["touched_ok"])
    lam = np.where(
        leads["sql_ok"][touched],
        3.2,
        np.where(leads["sal_ok"][touched], 2.3, np.where(leads["rejected_ok"][touched], 1.0, 1.6)),
    )
    count = 1 + np.minimum(rng.poisson(lam), 11)
    lead_index = np.repeat(touched, count)
    ordinal = _grouped_ordinal(lead_index)
    n = len(lead_index)
    gap = np.where(ordinal == 0, 0.0, 60 + rng.exponential(700, n))
    cumulative = np.cumsum(gap)
    run_start = np.repeat(np.cumsum(count) - count, count)
    since_first = cumulative - cumulative[run_start] + gap[run_start]
    region = leads["region"][lead_index]
    local = _add_business_minutes(leads["first_touch_local"][lead_index], since_first)
    occurred = np.where(ordinal == 0, leads["first_touch"][lead_index], cal.to_utc(local, region))
    # nothing after the cut-off, and no follow-ups once the lead was rejected
    rejected = leads["rejected_ok"][lead_index]
    after_rejection = rejected & (occurred > leads["rejected_at"][lead_index]) & (ordinal > 0)
    keep = (occurred < cal.cutoff) & ~after_rejection
    lead_index, ordinal, occurred = lead_index[keep], ordinal[keep], occurred[keep]
    order = np.argsort(occurred, kind="stable")
    lead_index, ordinal, occurred = lead_index[order], ordinal[order], occurred[order]
    n = len(lead_index)
    first = ordinal == 0
    activity_type = np.where(
        first,
        rng.choice(3, size=n, p=(0.55, 0.40, 0.05)),
        rng.choice(4, size=n, p=(0.40, 0.40, 0.12, 0.08)),
    )  # call, email, linkedin, meeting
    inbound = ~first & (activity_type <= 1) & (rng.random(n) < 0.12)
    outcome_p = np.array(
        [
            [0.30, 0.40, 0.30, 0.0, 0.0, 0.0, 0.0, 0.0],  # call
            [0.0, 0.0, 0.0, 0.80, 0.20, 0.0, 0.0, 0.0],  # email
            [0.0, 0.0, 0.0, 0.75, 0.0, 0.25, 0.0, 0.0],  # linkedin
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.88, 0.12],  # meeting
        ]
    )
    outcome = _pick(rng, outcome_p, activity_type)
    outcome = np.where(inbound, np.where(activity_type == 0, 0, 4), outcome)
    return {
        "lead_index": lead_index,
        "occurred": occurred,
        "type": activity_type,
        "inbound": inbound,
        "outcome": outcome,
    }


def _simulate_touchpoints(
    rng: np.random.Generator, leads: dict[str, np.ndarray], cal: _Calendar
) -> dict[str, np.ndarray]:
    """One element per marketing touch: an earlier first touch for about half of the leads, the
    lead-creation touch, some touches in between, and an opportunity-creation touch; ~2 per
    lead on average."""
    n_leads = len(leads["created"])
    created = leads["created"]
    channel = leads["channel"]
    offsets = np.cumsum([0, *(len(_CAMPAIGNS[c]) for c in CHANNELS)])
    counts = np.diff(offsets)
    marketing = np.array([CHANNELS.index(c) for c in CHANNELS if c != "Outbound"])

    def campaign_of(ch: np.ndarray) -> np.ndarray:
        return offsets[ch] + (rng.random(len(ch)) * counts[ch]).astype(np.int64)

    def asset_of(size: int) -> np.ndarray:
        return rng.integers(1, len(_CONTENT_ASSETS), size)

    parts: list[dict[str, np.ndarray]] = []
    # earlier first touch
    has_prior = rng.random(n_leads) < np.where(leads["segment"] == 2, 0.7, 0.52)
    prior = np.flatnonzero(has_prior)
    same = rng.random(len(prior)) < 0.5
    prior_channel = np.where(same, channel[prior], rng.choice(marketing, size=len(prior)))
    parts.append(
        {
            "lead_index": prior,
            "at": created[prior] - _lognormal_us(rng, len(prior), 8 * _DAY, 1.0, _HOUR, 120 * _DAY),
            "channel": prior_channel,
            "campaign": campaign_of(prior_channel),
            "asset": asset_of(len(prior)),
            "kind": np.zeros(len(prior), dtype=np.int64),
        }
    )
    # lead creation touch (also the first touch when there was none before)
    everyone = np.arange(n_leads)
    creation_asset = np.where(
        leads["high_intent"], 0, asset_of(n_leads)
    )  # demo requests come through the demo form
    parts.append(
        {
            "lead_index": everyone,
            "at": created,
            "channel": channel,
            "campaign": leads["campaign"],
            "asset": creation_asset,
            "kind": np.ones(n_leads, dtype=np.int64),
        }
    )
    # touches in between (nurture): before the opportunity-creation touch (at most two days
    # before the opportunity), never after the cut-off
    extra = rng.poisson(np.where(leads["mql_ok"], 0.4, 0.2))
    middle = np.repeat(everyone, extra)
    span_end = np.where(
        leads["opp_ok"], leads["opp_at"] - 2 * _DAY, np.minimum(created + 90 * _DAY, cal.cutoff)
    )[middle]
    span = np.maximum(span_end - created[middle], 1)
    middle_channel = rng.choice(marketing, size=len(middle))
    parts.append(
        {
            "lead_index": middle,
            "at": created[middle] + (rng.random(len(middle)) * span * 0.98).astype(np.int64),
            "channel": middle_channel,
            "campaign": campaign_of(middle_channel),
            "asset": asset_of(len(middle)),
            "kind": np.full(len(middle), 2, dtype=np.int64),
        }
    )
    # opportunity creation touch
    opp_leads = np.flatnonzero(leads["opp_ok"])
    opp_channel = rng.choice(marketing, size=len(opp_leads))
    before = (rng.uniform(1, 48, len(opp_leads)) * _HOUR).astype(np.int64)
    parts.append(
        {
            "lead_index": opp_leads,
            "at": np.maximum(leads["opp_at"][opp_leads] - before, created[opp_leads] + _MINUTE),
            "channel": opp_channel,
            "campaign": campaign_of(opp_channel),
            "asset": asset_of(len(opp_leads)),
            "kind": np.full(len(opp_leads), 3, dtype=np.int64),
        }
    )
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.lexsort((merged["kind"], merged["at"]))
    merged = {key: value[order] for key, value in merged.items()}
    merged["first"] = (merged["kind"] == 0) | (
        (merged["kind"] == 1) & ~has_prior[merged["lead_index"]]
    )
    return merged


# ==== frames ====================================================================================
def _ts(us: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """UTC timestamps (microseconds, truncated to whole seconds as CRMs store them) as a
    Datetime("us", "UTC") series, null where not valid."""
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    seconds = us - us % 1_000_000
    return pl.Series(pl.from_arrow(pa.array(seconds, type=pa.timestamp("us", tz="UTC"), mask=mask)))


def _labels(values: Sequence[str], index: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """Category labels by index (null where not valid), as a String series."""
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    idx = pl.Series(pl.from_arrow(pa.array(np.asarray(index, dtype=np.int64), mask=mask)))
    return pl.Series(list(values), dtype=pl.String).gather(idx)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """External ids like `L000001` (numbers are 0-based)."""
    digits = pl.Series(np.asarray(numbers, dtype=np.int64) + 1).cast(pl.String).str.zfill(width)
    return prefix + digits


def _id_width(n: int, minimum: int) -> int:
    return max(minimum, len(str(n)))


_DTYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "key": pl.String(),
    "timestamp": pl.Datetime("us", "UTC"),
    "number": pl.Float64(),
    "integer": pl.Int64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
}


def _finish(table: str, columns: dict[str, Any], height: int) -> pl.DataFrame:
    """A frame with exactly the table's columns in schema order and dtypes by kind; a column
    given as a plain value (or not given: null) is repeated on every row."""
    out: list[pl.Series] = []
    for col in schema.columns(table):
        dtype = _DTYPES[col.kind]
        value = columns.get(col.name)
        if isinstance(value, pl.Series):
            out.append(value.alias(col.name).cast(dtype))
        else:
            out.append(pl.repeat(value, height, dtype=dtype, eager=True).alias(col.name))
    return pl.DataFrame(out)


def _country_names() -> list[str]:
    return [name for region in REGIONS for name, _ in _COUNTRIES[region]]


def _country_matrix() -> np.ndarray:
    """P(country | region): one row per region over every country."""
    names = _country_names()
    matrix = np.zeros((len(REGIONS), len(names)))
    for r, region in enumerate(REGIONS):
        for name, p in _COUNTRIES[region]:
            matrix[r, names.index(name)] = p
    return matrix


def _ascii(text: str) -> str:
    """Lower-case ASCII for e-mail addresses and domains (Zoë -> zoe, O'Brien -> obrien)."""
    folded = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O"))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum()).lower()


def _people_and_companies() -> tuple[list[str], list[str], list[str], list[str]]:
    """Every full name and e-mail local part (first x last name), every company name and
    web domain (head x tail x suffix), in index order."""
    names = [f"{first} {last}" for first in _FIRST_NAMES for last in _LAST_NAMES]
    locals_ = [f"{_ascii(first)}.{_ascii(last)}" for first in _FIRST_NAMES for last in _LAST_NAMES]
    parts = [(h, t, x) for h in _COMPANY_HEADS for t in _COMPANY_TAILS for x in _COMPANY_SUFFIXES]
    companies = [f"{h}{t} {x}" for h, t, x in parts]
    domains = [_ascii(f"{h}{t}{x}") + ".com" for h, t, x in parts]
    return names, locals_, companies, domains


def _leads_frame(leads: dict[str, np.ndarray], opps: dict[str, np.ndarray]) -> pl.DataFrame:
    """The `leads` table: one row per lead."""
    n = len(leads["created"])
    external_id = _ids("L", np.arange(n), _id_width(n, 6))
    names, locals_, companies, domains = _people_and_companies()
    person = leads["first_name"].astype(np.int64) * len(_LAST_NAMES) + leads["last_name"]
    company_index = (
        leads["company_head"].astype(np.int64) * len(_COMPANY_TAILS) + leads["company_tail"]
    ) * len(_COMPANY_SUFFIXES) + leads["company_suffix"]
    company = _labels(companies, company_index)
    email = pl.select(
        pl.concat_str(_labels(locals_, person), pl.lit("@"), _labels(domains, company_index))
    ).to_series()
    won = leads["closed_ok"] & leads["won"]
    lost = leads["closed_ok"] & ~leads["won"]
    status = np.select(
        [
            won,
            lost,
            leads["opp_ok"],
            leads["sql_ok"],
            leads["rejected_ok"],
            leads["sal_ok"],
            leads["touched_ok"],
            leads["mql_ok"],
        ],
        [6, 7, 5, 4, 8, 3, 2, 1],
        default=0,
    )
    channel = _labels(CHANNELS, leads["channel"])
    reason = leads["reason"]
    documented = leads["rejected_ok"] & (reason < len(REJECTION_REASONS))
    rejection = _labels(
        REJECTION_REASONS, np.minimum(reason, len(REJECTION_REASONS) - 1), documented
    )
    opp_number = opps["opp_number"]
    opp_external = _ids("O", np.maximum(opp_number, 0), _id_width(len(opps["lead_index"]), 6))
    opp_id = pl.select(
        pl.when(pl.Series(opp_number >= 0)).then(DEMO_SOURCE + ":" + opp_external)
    ).to_series()
    columns: dict[str, Any] = {
        "lead_id": DEMO_SOURCE + ":" + external_id,
        "source_system": DEMO_SOURCE,
        "external_id": external_id,
        "created_at": _ts(leads["created"]),
        "email": email,
        "name": _labels(names, person),
        "channel": channel,
        "channel_raw": channel,
        "campaign": _labels(_campaign_names(), leads["campaign"]),
        "segment": _labels(SEGMENTS, leads["segment"]),
        "region": _labels(list(REGIONS), leads["region"]),
        "country": _labels(_country_names(), leads["country"]),
        "industry": _labels(_INDUSTRIES, leads["industry"]),
        "employees": pl.Series(leads["employees"]),
        "company": company,
        "owner": _labels([o[0] for o in _OWNERS], leads["owner"]),
        "team": _labels([o[1] for o in _OWNERS], leads["owner"]),
        "score": pl.Series(leads["score"]),
        "high_intent": pl.Series(leads["high_intent"]),
        "status_raw": _labels(_LEAD_STATUSES, status),
        "mql_at": _ts(leads["mql_at"], leads["mql_ok"]),
        "sal_at": _ts(leads["sal_at"], leads["sal_ok"]),
        "sql_at": _ts(leads["sql_at"], leads["sql_ok"]),
        "opp_at": _ts(leads["opp_at"], leads["opp_ok"]),
        "won_at": _ts(leads["close_at"], won),
        "lost_at": _ts(leads["close_at"], lost),
        "rejected_at": _ts(leads["rejected_at"], leads["rejected_ok"]),
        "rejection_reason": rejection,
        "rejection_reason_raw": rejection,
        "opp_id": opp_id,
    }
    return _finish("leads", columns, n)


def _opportunities_frame(
    leads_frame: pl.DataFrame, leads: dict[str, np.ndarray], opps: dict[str, np.ndarray]
) -> pl.DataFrame:
    """The `opportunities` table: one row per opportunity."""
    lead_index = opps["lead_index"]
    n = len(lead_index)
    source = leads_frame.select(
        "lead_id", "company", "owner", "team", "region", "segment", "channel", "channel_raw"
    )[lead_index]
    external_id = _ids("O", np.arange(n), _id_width(n, 6))
    product = _labels([_PRODUCTS[s] for s in SEGMENTS], leads["segment"][lead_index])
    stage_index = np.where(
        opps["won"],
        len(OPEN_STAGES),
        np.where(opps["lost"], len(OPEN_STAGES) + 1, opps["open_stage"]),
    )
    lost_reason = _labels(LOST_REASONS, opps["lost_reason"], opps["lost"])
    columns: dict[str, Any] = {
        "opp_id": DEMO_SOURCE + ":" + external_id,
        "source_system": DEMO_SOURCE,
        "external_id": external_id,
        "lead_id": source["lead_id"],
        "account": source["company"],
        "name": source["company"] + " - " + product,
        "owner": source["owner"],
        "team": source["team"],
        "region": source["region"],
        "segment": source["segment"],
        "channel": source["channel"],
        "channel_raw": source["channel_raw"],
        "product": product,
        "type": "New Business",
        "created_at": _ts(leads["opp_at"][lead_index]),
        "closed_at": _ts(leads["close_at"][lead_index], opps["closed"]),
        "stage": _labels(
            ("open", "won", "lost"), np.select([opps["won"], opps["lost"]], [1, 2], 0)
        ),
        "stage_raw": _labels((*OPEN_STAGES, WON_STAGE, LOST_STAGE), stage_index),
        "is_closed": pl.Series(opps["closed"]),
        "is_won": pl.Series(opps["won"]),
        "amount": pl.Series(opps["amount"]),
        "currency": "USD",
        "lost_reason": lost_reason,
        "lost_reason_raw": lost_reason,
    }
    return _finish("opportunities", columns, n)


def _activities_frame(
    leads_frame: pl.DataFrame, leads: dict[str, np.ndarray], activities: dict[str, np.ndarray]
) -> pl.DataFrame:
    """The `activities` table: one row per sales touch."""
    lead_index = activities["lead_index"]
    n = len(lead_index)
    source = leads_frame.select("lead_id", "owner", "opp_id")[lead_index]
    after_opp = leads["opp_ok"][lead_index] & (
        activities["occurred"] >= leads["opp_at"][lead_index]
    )
    external_id = _ids("A", np.arange(n), _id_width(n, 7))
    columns: dict[str, Any] = {
        "activity_id": DEMO_SOURCE + ":" + external_id,
        "source_system": DEMO_SOURCE,
        "external_id": external_id,
        "lead_id": source["lead_id"],
        "opp_id": pl.select(pl.when(pl.Series(after_opp)).then(source["opp_id"])).to_series(),
        "owner": source["owner"],
        "activity_type": _labels(_ACTIVITY_TYPES, activities["type"]),
        "direction": _labels(("outbound", "inbound"), activities["inbound"].astype(np.int64)),
        "occurred_at": _ts(activities["occurred"]),
        "outcome": _labels(_OUTCOMES, activities["outcome"]),
    }
    return _finish("activities", columns, n)


def _touchpoints_frame(
    leads_frame: pl.DataFrame, touchpoints: dict[str, np.ndarray]
) -> pl.DataFrame:
    """The `touchpoints` table: one row per marketing touch."""
    lead_index = touchpoints["lead_index"]
    n = len(lead_index)
    source = leads_frame.select("lead_id", "opp_id")[lead_index]
    external_id = _ids("T", np.arange(n), _id_width(n, 7))
    kind = touchpoints["kind"]
    columns: dict[str, Any] = {
        "touchpoint_id": DEMO_SOURCE + ":" + external_id,
        "source_system": DEMO_SOURCE,
        "external_id": external_id,
        "lead_id": source["lead_id"],
        "opp_id": source["opp_id"],
        "touched_at": _ts(touchpoints["at"]),
        "channel": _labels(CHANNELS, touchpoints["channel"]),
        "campaign": _labels(_campaign_names(), touchpoints["campaign"]),
        "content_asset": _labels(_CONTENT_ASSETS, touchpoints["asset"]),
        "medium": _labels([_MEDIUM[c] for c in CHANNELS], touchpoints["channel"]),
        "is_first_touch": pl.Series(touchpoints["first"]),
        "is_lead_creation_touch": pl.Series(kind == 1),
        "is_opp_creation_touch": pl.Series(kind == 3),
    }
    return _finish("touchpoints", columns, n)


def _month_dates(cal: _Calendar, months: int) -> pl.Series:
    return pl.Series([_add_months(cal.start, i) for i in range(months)], dtype=pl.Date)


def _spend_frame(
    rng: np.random.Generator, leads: dict[str, np.ndarray], cal: _Calendar
) -> pl.DataFrame:
    """The `spend` table: one row per month x channel (campaign "All"), up to today's month;
    about the channel's cost per lead times its leads, with some noise."""
    n_months = len(cal.months())
    first = _month_index(np.array([cal.first_day * _DAY]))[0]
    month = _month_index(leads["created"]) - first
    counts = np.zeros((n_months, len(CHANNELS)))
    np.add.at(counts, (np.clip(month, 0, n_months - 1), leads["channel"]), 1)
    cpl = np.array([_CHANNEL_PARAMS[c][5] for c in CHANNELS])
    amount = np.round(counts * cpl * np.exp(rng.normal(0, 0.08, counts.shape)), 2)
    columns: dict[str, Any] = {
        "month": _month_dates(cal, n_months).gather(np.repeat(np.arange(n_months), len(CHANNELS))),
        "channel": pl.Series(list(CHANNELS) * n_months),
        "campaign": "All",
        "amount": pl.Series(amount.ravel()),
        "currency": "USD",
    }
    return _finish("spend", columns, n_months * len(CHANNELS))


def _targets_frame(
    leads: dict[str, np.ndarray], opps: dict[str, np.ndarray], cal: _Calendar
) -> pl.DataFrame:
    """The `targets` table: one row per month x metric, from the start of the data to the end
    of today's quarter; a stretch of ~5 % on the trend of the mature months' actuals."""
    current = date(cal.today.year, cal.today.month, 1)
    n_months = len(cal.months(_add_months(current, 2 - (current.month - 1) % 3)))
    n_actual = len(cal.months())  # months up to today's (the last one partial)
    first = _month_index(np.array([cal.first_day * _DAY]))[0]

    def by_month(
        us: np.ndarray, valid: np.ndarray, weights: np.ndarray | None = None
    ) -> np.ndarray:
        month = _month_index(us[valid]) - first
        inside = (month >= 0) & (month < n_actual)
        w = None if weights is None else weights[valid][inside]
        return np.bincount(month[inside], weights=w, minlength=n_actual).astype(np.float64)

    opp_lead = opps["lead_index"]
    opp_amount = np.zeros(len(leads["created"]))
    opp_amount[opp_lead] = opps["amount"]
    won = leads["closed_ok"] & leads["won"]
    mqls = by_month(leads["mql_at"], leads["mql_ok"])
    cohort_sqls = by_month(leads["mql_at"], leads["mql_ok"] & leads["sql_ok"])
    # (actuals, months at the start still filling up, months at the end not yet mature)
    actual = {
        "mqls": (mqls, 0, 1),
        "sqls": (by_month(leads["sql_at"], leads["sql_ok"]), 1, 2),
        "pipeline_created": (by_month(leads["opp_at"], leads["opp_ok"], opp_amount), 1, 3),
        "won_revenue": (by_month(leads["close_at"], won, opp_amount), 5, 5),
    }
    months = np.arange(n_months)
    values: dict[str, np.ndarray] = {}
    for metric, (series, warm_up, lag) in actual.items():
        values[metric] = _round_target(_trend(series, warm_up, n_actual - lag, months) * 1.05)
    mature = max(n_actual - 4, 1)
    total_mqls = mqls[:mature].sum()
    rate = cohort_sqls[:mature].sum() / total_mqls if total_mqls else 0.0
    values["mql_to_sql"] = np.full(n_months, round(rate, 2))
    columns: dict[str, Any] = {
        "month": _month_dates(cal, n_months).gather(np.tile(months, len(TARGET_METRICS))),
        "metric": pl.Series(np.repeat(np.array(TARGET_METRICS), n_months)),
        "value": pl.Series(np.concatenate([values[m] for m in TARGET_METRICS])),
    }
    return _finish("targets", columns, n_months * len(TARGET_METRICS))


def _trend(series: np.ndarray, first: int, end: int, months: np.ndarray) -> np.ndarray:
    """A linear trend fitted to `series[first:end]` (the months whose actuals are complete),
    evaluated at `months` (never negative)."""
    first = min(first, max(end - 3, 0))
    x = np.arange(len(series))[first:end]
    y = series[first:end]
    if len(y) < 3:
        return np.full(len(months), float(series.mean()) if len(series) else 0.0)
    slope, intercept = np.polyfit(x, y, 1)
    return np.maximum(intercept + slope * months, 0.0)


def _round_target(values: np.ndarray) -> np.ndarray:
    """Round targets the way people write them (nearest 5, 100 or 1,000)."""
    step = np.where(values >= 10_000, 1_000.0, np.where(values >= 1_000, 100.0, 5.0))
    step = np.where(values < 50, 1.0, step)
    return np.round(values / step) * step


# ==== database ==================================================================================
def _insert_frame(
    con: Connection, table: str, frame: pl.DataFrame, import_id: int, *, or_ignore: bool = False
) -> None:
    """Insert a frame's rows into a table, with `import_id` set, by column name."""
    frame = frame.with_columns(pl.lit(import_id, dtype=pl.Int64).alias("import_id"))
    view = "_alignment_demo_frame"
    names = ", ".join(store.quote_identifier(c) for c in frame.columns)
    verb = "INSERT OR IGNORE INTO" if or_ignore else "INSERT INTO"
    con.register(view, frame)
    try:
        con.execute(
            f"{verb} {store.quote_identifier(table)} ({names}) "
            f"SELECT {names} FROM {store.quote_identifier(view)}"
        )
    finally:
        con.unregister(view)


# ==== sample exports ============================================================================
def _fmt_hubspot(column: str) -> pl.Expr:
    return pl.col(column).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M")


def _hubspot_contacts_csv(leads: pl.DataFrame, rng: np.random.Generator, rows: int = 300) -> str:
    """A HubSpot contacts export (one row per contact) of a random slice of demo leads."""
    pick = np.sort(rng.choice(leads.height, size=min(rows, leads.height), replace=False))
    sample = leads[pick]
    direct = pl.Series(rng.random(sample.height) < 0.25)
    frame = sample.with_columns(
        direct=direct,
        number=pl.col("external_id").str.slice(1).cast(pl.Int64),
    ).select(
        pl.lit(51_234_000, dtype=pl.Int64).add(pl.col("number")).alias("Record ID"),
        pl.col("name").str.split_exact(" ", 1).struct.field("field_0").alias("First Name"),
        pl.col("name").str.splitn(" ", 2).struct.field("field_1").alias("Last Name"),
        pl.col("email").alias("Email"),
        _fmt_hubspot("created_at").alias("Create Date"),
        pl.when(pl.col("won_at").is_not_null())
        .then(pl.lit("customer"))
        .when(pl.col("opp_at").is_not_null())
        .then(pl.lit("opportunity"))
        .when(pl.col("sql_at").is_not_null())
        .then(pl.lit("salesqualifiedlead"))
        .when(pl.col("mql_at").is_not_null())
        .then(pl.lit("marketingqualifiedlead"))
        .otherwise(pl.lit("lead"))
        .alias("Lifecycle Stage"),
        pl.when(pl.col("rejection_reason") == "Timeline too long")
        .then(pl.lit("BAD_TIMING"))
        .when(pl.col("rejected_at").is_not_null())
        .then(pl.lit("UNQUALIFIED"))
        .when(pl.col("opp_at").is_not_null() | pl.col("sql_at").is_not_null())
        .then(pl.lit("OPEN_DEAL"))
        .when(pl.col("sal_at").is_not_null())
        .then(pl.lit("CONNECTED"))
        .when(pl.col("status_raw") == "Working")
        .then(pl.lit("ATTEMPTED_TO_CONTACT"))
        .otherwise(pl.lit("NEW"))
        .alias("Lead Status"),
        pl.when((pl.col("channel") == "Organic Search") & pl.col("direct"))
        .then(pl.lit("DIRECT_TRAFFIC"))
        .otherwise(pl.col("channel").replace_strict(HUBSPOT_SOURCE))
        .alias("Original Source"),
        pl.col("owner").alias("Contact owner"),
        pl.col("company").alias("Company Name"),
        pl.col("industry").alias("Industry"),
        pl.col("employees").alias("Number of Employees"),
        pl.col("country").alias("Country/Region"),
        _fmt_hubspot("mql_at").alias("Became a Marketing Qualified Lead Date"),
        _fmt_hubspot("sql_at").alias("Became a Sales Qualified Lead Date"),
        _fmt_hubspot("opp_at").alias("Became an Opportunity Date"),
        _fmt_hubspot("won_at").alias("Became a Customer Date"),
    )
    assert tuple(frame.columns) == HUBSPOT_HEADER
    return frame.write_csv(line_terminator="\n")


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _salesforce_id(number: int) -> str:
    """A 15-character Salesforce-style opportunity id (`0065g00000AbCdE`)."""
    digits = []
    for _ in range(5):
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "0065g00000" + "".join(reversed(digits))


def _us_date(value: datetime | None) -> str:
    return "" if value is None else f"{value.month}/{value.day}/{value.year}"


def _salesforce_opportunities_csv(
    opps: pl.DataFrame, rng: np.random.Generator, today: date, rows: int = 150
) -> str:
    """A Salesforce opportunities report export (one row per opportunity, all cells quoted,
    US dates and amounts, the standard footer) of a random slice of demo opportunities."""
    pick = rng.choice(opps.height, size=min(rows, opps.height), replace=False)
    sample = opps[np.sort(pick)].sort("created_at")
    numbers = 10 * 62**4 + np.cumsum(rng.integers(1, 40_000, sample.height))
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(SALESFORCE_HEADER)
    for number, row in zip(numbers, sample.iter_rows(named=True), strict=True):
        writer.writerow(
            [
                _salesforce_id(int(number)),
                row["name"],
                row["account"],
                row["owner"],
                row["stage_raw"],
                f"${row['amount']:,.2f}",
                _us_date(row["closed_at"]),
                _us_date(row["created_at"]),
                SALESFORCE_LEAD_SOURCE[row["channel"]],
                "New Business",
                row["lost_reason_raw"] or "",
            ]
        )
    buffer.write("\n")
    for line in salesforce_footer(today):
        writer.writerow([line])
    return buffer.getvalue()


def salesforce_footer(today: date) -> list[str]:
    """The lines a Salesforce report export ends with (after one empty line)."""
    return [
        "Confidential Information - Do Not Distribute",
        f"Copyright (c) 2000-{today.year} salesforce.com, inc. All rights reserved.",
        f"Generated By:  Alex Morgan  {today.month}/{today.day}/{today.year} 9:14 AM",
        "Alignment Demo Inc.",
    ]
