"""The numbers in words: the rejection patterns, lead acceptance against its target, the latest
change in a funnel step, the comparison of two channels' win rates, what changed between two
periods and why (the largest effects of a change decomposition, Simpson's paradox), and the
data-quality notes shown beside the KPIs they put in doubt. Each takes what a metric function
returned and formats its numbers with `present.format`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import polars as pl

from alignment.db.schema import STAGE_LABEL
from alignment.metrics import registry
from alignment.metrics.change import Simpson, is_ratio
from alignment.metrics.dimensions import DIMENSION_LABELS
from alignment.metrics.rejections import NOT_DOCUMENTED, NOUNS, Kind
from alignment.periods import COMPARISONS, Period
from alignment.present import format
from alignment.present.text import markdown_text
from alignment.selection import Selection


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


# ---- what changed, and why ------------------------------------------------------------------
LEAD_METRICS: frozenset[str] = frozenset({"mqls", "sqls", "mql_to_sql"})
"""Change metrics of the MQL cohort (the Funnel explains them by segment); the others are
opportunity metrics (the Channels page, broken down by segment, explains those)."""


def view_link(path: str, selection: Selection, **extra: str) -> str:
    """A link path that opens a page on the same view: `/channels?grain=Quarter&period=Q3+2026
    &compare=Previous+period&channel=Email`, values spelled as the sidebar's selectors show
    them (so the link applies without a rewrite), then the page's own `extra` choices. Every
    value is URL-encoded, so the path is safe inside a Markdown link."""
    period = selection.period
    pairs: list[tuple[str, str]] = []
    if not period.is_all:
        pairs.append(("grain", period.grain.capitalize()))
    pairs += [("period", period.label), ("compare", COMPARISONS[selection.comparison])]
    pairs += [(d, v) for d, values in selection.filters.to_query_params().items() for v in values]
    pairs += list(extra.items())
    return f"{path}?{urlencode(pairs)}"


def explaining_page(metric: str, dimension: str, selection: Selection) -> tuple[str, str]:
    """(page title, link path) of the page that shows an effect's numbers in detail: Channels
    for a channel; for a segment the Funnel by segment (MQL cohort metrics) or Channels by
    segment (won revenue, win rate)."""
    label = DIMENSION_LABELS[dimension]
    if dimension == "channel":
        return "Channels", view_link("/channels", selection)
    if metric in LEAD_METRICS:
        return "Funnel", view_link("/funnel", selection, funnel_by=label)
    return "Channels", view_link("/channels", selection, channels_by=label)


def change_amount(metric: str, amount: float) -> str:
    """A change of `metric` as a signed amount in its unit: `+3.1 pts`, `-70`, `+$1.2k`."""
    return format.signed(registry.KPIS[metric].unit, amount)


def _moved(before: float, after: float) -> str:
    return "rose" if after > before else "fell" if after < before else "stayed"


def _inline(label: str) -> str:
    """A metric label inside a sentence: `win rate`, `won revenue`; `MQLs`, `MQL → SQL` stay."""
    first = label.split()[0]
    return label if first[:2].isupper() else label[0].lower() + label[1:]


def change_effect(row: dict[str, Any], selection: Selection, *, plain: bool = False) -> str:
    """One effect of `metrics.change.top_effects` as one Markdown sentence (values from files
    escaped) ending with a link to the page that explains it, for example: `Paid Social: MQL →
    SQL fell from 18 % (n = 204) in Q2 2026 to 8.6 % (n = 360) in Q3 2026; its rate effect is
    -1.3 pts of the total's -3.5 pts. See [Channels](/channels?...).`"""
    metric, dimension = row["metric"], row["dimension"]
    kpi = registry.KPIS[metric]
    label = _inline(kpi.label)
    other = selection.comparison_period
    then = f" in {other.label}" if other else ""
    now = f" in {selection.period.label}"
    group = row["group"] if plain else markdown_text(row["group"])
    amount = change_amount(metric, row["amount"])
    of_total = f"{amount} of the total's {change_amount(metric, row['total'])}"
    before, after = row["before"], row["after"]
    effect = row["effect"]
    if effect == "volume":
        text = (
            f"{group}: {label} {_moved(before, after)} from "
            f"{format.metric_value(metric, before)}{then} to "
            f"{format.metric_value(metric, after)}{now}, {of_total}."
        )
    elif effect == "rate":  # a group with a rate in both periods (else its rate effect is 0)
        text = (
            f"{group}: {label} {_moved(before, after)} from {format.rate(before)} "
            f"(n = {row['n_before']:,}){then} to {format.rate(after)} "
            f"(n = {row['n_after']:,}){now}; its rate effect is {of_total}."
        )
    else:  # mix
        of = registry.KPIS[metric].computation.of  # type: ignore[union-attr]
        rates = [r for r in (before, after) if r is not None]
        average = sum(rates) / len(rates)
        overall = (row["total_before"] + row["total_after"]) / 2
        side = "above" if average > overall else "below"
        text = (
            f"{group}: its share of {of} {_moved(row['share_before'], row['share_after'])} "
            f"from {format.rate(row['share_before'])}{then} to "
            f"{format.rate(row['share_after'])}{now}, with {label} at "
            f"{format.rate(average)}, {side} the overall {format.rate(overall)}; its mix "
            f"effect is {of_total}."
        )
    page, path = explaining_page(metric, dimension, selection)
    # plain: for a file read away from the app (the review pack), where a link cannot go
    return f"{text} See the {page} page." if plain else f"{text} See [{page}]({path})."


def change_effects(top: pl.DataFrame, selection: Selection, *, plain: bool = False) -> list[str]:
    """`change_effect` of every row of `metrics.change.top_effects`, in order (`plain`: as text
    with the page named, not as Markdown with a link)."""
    return [change_effect(row, selection, plain=plain) for row in top.iter_rows(named=True)]


def simpson_paradox(found: Simpson, selection: Selection) -> str:
    """Simpson's paradox in words: `Simpson's paradox: MQL → SQL rose in every channel with at
    least 30 MQLs in both periods (Email, Events) from Q2 2026 to Q3 2026, yet the total fell
    from 40 % to 35 %: the mix shifted towards channels with a lower MQL → SQL.`"""
    kpi = registry.KPIS[found.metric]
    label = _inline(kpi.label)
    groups = ", ".join(markdown_text(g) for g in found.groups)
    moved, total_moved, lower = (
        ("rose", "fell", "lower") if found.groups_direction == "up" else ("fell", "rose", "higher")
    )
    other = selection.comparison_period
    span = f" from {other.label} to {selection.period.label}" if other else ""
    if is_ratio(found.metric):
        of = kpi.computation.of  # type: ignore[union-attr]
        scope = f"with at least {found.min_n:,} {of} in both periods"
        why = f"the mix shifted towards {found.dimension}s with a {lower} {label}"
    else:
        scope = f"with at least {found.min_n:,} in both periods"
        why = f"the {found.dimension}s too small to read moved the other way"
    return (
        f"Simpson's paradox: {label} {moved} in every {found.dimension} {scope} ({groups})"
        f"{span}, yet the total {total_moved} from "
        f"{format.metric_value(found.metric, found.before)} to "
        f"{format.metric_value(found.metric, found.after)}: {why}."
    )


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
