"""The numbers in words: the rejection patterns, lead acceptance against its target, the latest
change in a funnel step, the comparison of two channels' win rates, and the data-quality notes
shown beside the KPIs they put in doubt. Each takes what a metric function returned and formats
its numbers with `present.format`."""

from __future__ import annotations

from typing import Any

import polars as pl

from alignment.db.schema import STAGE_LABEL
from alignment.metrics import registry
from alignment.metrics.rejections import NOT_DOCUMENTED, NOUNS, Kind
from alignment.periods import Period
from alignment.present import format


# ---- rejection patterns ---------------------------------------------------------------------
def pattern(row: dict[str, Any], kind: Kind) -> str:
    """One pattern of `rejections.find_patterns`: `Budget is 60 % of Paid Social SMB
    rejections vs 25 % overall (n = 40)`."""
    noun = NOUNS[kind]
    share, overall = format.rate(row["share"]), format.rate(row["overall_share"])
    what = (
        f"No reason documented for {share}"
        if row["reason"] == NOT_DOCUMENTED
        else f"{row['reason']} is {share}"
    )
    return f"{what} of {row['cell']} {noun} vs {overall} overall (n = {row['n']:,})"


def with_pattern_sentences(patterns: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    """`patterns` (one row per pattern) with a `sentence` column (see `pattern`)."""
    sentences = [pattern(row, kind) for row in patterns.iter_rows(named=True)]
    return patterns.with_columns(pl.Series("sentence", sentences, dtype=pl.String))


# ---- funnel ---------------------------------------------------------------------------------
def acceptance(row: dict[str, Any]) -> str:
    """`218 accepted of 278 decided · 95 % CI 73–83 % · 19 still pending`."""
    decided = row["accepted"] + row["rejected"]
    interval = format.rate_interval(row["acceptance_rate_low"], row["acceptance_rate_high"])
    return (
        f"{row['accepted']:,} accepted of {decided:,} decided · 95 % CI {interval} · "
        f"{row['pending']:,} still pending"
    )


def step_change(change: dict[str, Any] | None) -> str:
    """One sentence on `latest_mature_change`: `MQL → SQL: Sep 2026 38 % (n = 106) vs Aug
    2026 35 % (n = 96), +2.3 pts, not significant (p = 0.73).`"""
    if change is None:
        return "Fewer than two final cohorts with leads: nothing to compare yet."
    p_value = change["p_value"]
    if p_value is None:
        verdict = ""
    elif p_value < 0.05:
        verdict = f", significant (p = {p_value:.2g})"
    else:
        verdict = f", not significant (p = {p_value:.2f})"
    return (
        f"{change['step']}: {change['latest']} {format.rate(change['latest_rate'])} "
        f"(n = {change['latest_n']:,}) vs {change['previous']} "
        f"{format.rate(change['previous_rate'])} (n = {change['previous_n']:,}), "
        f"{change['delta_points']:+.1f} pts{verdict}.".replace("+-", "-")
    )


# ---- channels -------------------------------------------------------------------------------
def channel_comparison(result: dict[str, Any]) -> str:
    """`metrics.channels.compare` in words: `Webinars win 31 % (n = 96) vs Events 24 %
    (n = 58): not a significant difference, p = 0.34`."""
    sides = [
        f"{result[side]} {'win' if side == 'a' else ''} {format.rate(result[f'{side}_rate'])} "
        f"(n = {result[f'{side}_n']:,})".replace("  ", " ")
        for side in ("a", "b")
    ]
    p_value = result["p_value"]
    if p_value is None:
        verdict = "no closed deals on one side, nothing to test"
    elif p_value < 0.05:
        verdict = f"a significant difference, p = {p_value:.2g}"
    else:
        verdict = f"not a significant difference, p = {p_value:.2f}"
    return f"{sides[0]} vs {sides[1]}: {verdict}"


# ---- trust notes ----------------------------------------------------------------------------
def _share(part: int, whole: int) -> str:
    """`3 %`, `0.4 %`: a share as people read it."""
    return format.rate(part / whole)


def _by_flag(count: int, cohort: int, stage: str, *, rate: bool = False) -> str:
    """The trust note on a cohort stage counted by flags: `3,561 of 3,561 MQLs count as SQL
    only because of a converted or won flag, not a date (...)`."""
    if stage == "mql":
        text = (
            f"{count:,} of {cohort:,} have no stage date and count as MQLs only because the "
            "export flags them converted or won"
        )
    else:
        text = (
            f"{count:,} of {cohort:,} MQLs count as {STAGE_LABEL[stage]} only because of "
            "a converted or won flag, not a date (a flag implies every earlier stage)"
        )
    if rate:
        text += ", so this rate follows from the flags: it is not a measured conversion"
    return text


def trust_notes(counts: dict[str, int], period: Period) -> dict[str, str]:
    """The trust notes: one sentence per KPI whose number the data's quality puts in doubt,
    from `quality.trust_counts` of a period (and filters), keyed by KPI name; KPIs without
    issues are absent.

    - mqls, sqls, mql_to_sql, mql_to_won: members of the period's MQL cohort with stage dates
      out of order, or that reached SQL without an MQL date; and stages counted as reached only
      because of a converted / won flag (no date for them: the rates between such stages follow
      from the flag, which implies every earlier stage, they are not measured);
    - leads: leads created in the period with no channel;
    - opps_created, pipeline_created: opportunities created in the period without an amount or
      with a negative one; won_revenue, avg_deal_size, median_deal_size: the same over deals
      won in the period;
    - win_rate: closed opportunities with no close date (they count in no period)."""
    notes: dict[str, str] = {}
    cohort_n = counts["cohort"]
    if cohort_n:
        cohort_kpis = ("mqls", "sqls", "mql_to_sql", "mql_to_won")
        problems: dict[str, list[str]] = {name: [] for name in cohort_kpis}
        date_problems = []
        if counts["out_of_order"]:
            date_problems.append(
                f"{_share(counts['out_of_order'], cohort_n)} of this MQL cohort have stage dates "
                "out of order"
            )
        if counts["sql_without_mql"]:
            date_problems.append(
                f"{_share(counts['sql_without_mql'], cohort_n)} reached SQL without an MQL date"
            )
        for name in cohort_kpis:
            problems[name] += date_problems
        for name, stage in (
            ("mqls", "mql"),
            ("sqls", "sql"),
            ("mql_to_sql", "sql"),
            ("mql_to_won", "won"),
        ):
            if count := counts[f"{stage}_by_flag"]:
                rate = registry.KPIS[name].unit == "rate"
                problems[name].append(_by_flag(count, cohort_n, stage, rate=rate))
        for name, texts in problems.items():
            if texts:
                notes[name] = f"{registry.KPIS[name].label}: {'; '.join(texts)}."
    if counts["created"] and counts["no_channel"]:
        notes["leads"] = (
            f"{registry.KPIS['leads'].label}: {_share(counts['no_channel'], counts['created'])} "
            "have no channel."
        )
    if counts["opps_created"] and counts["opps_bad_amount"]:
        text = (
            f"{counts['opps_bad_amount']:,} of {counts['opps_created']:,} opportunities "
            "created have no amount or a negative one"
        )
        for name in ("opps_created", "pipeline_created"):
            notes[name] = f"{registry.KPIS[name].label}: {text}."
    if counts["won"] and counts["won_bad_amount"]:
        text = (
            f"{counts['won_bad_amount']:,} of {counts['won']:,} won deals have no amount or a "
            "negative one"
        )
        for name in ("won_revenue", "avg_deal_size", "median_deal_size"):
            notes[name] = f"{registry.KPIS[name].label}: {text}."
    undated = counts["closed_undated"]
    if undated and not period.is_all:
        what = "opportunity has" if undated == 1 else "opportunities have"
        verb = "counts" if undated == 1 else "count"
        notes["win_rate"] = (
            f"{registry.KPIS['win_rate'].label}: {undated:,} closed {what} no close date and "
            f"{verb} in no period."
        )
    return notes
