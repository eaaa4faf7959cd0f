"""Wilson intervals and the two-proportion z-test against values worked out by hand."""

from __future__ import annotations

import math

import duckdb
import pytest

from alignment import stats


def test_z_value_for_95_percent() -> None:
    assert stats.z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert stats.z_value(0.90) == pytest.approx(1.644854, abs=1e-6)


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [
        # p = 0.8, z² = 3.841459, 1 + z²/n = 1.384146
        # centre = (0.8 + 0.192073) / 1.384146 = 0.716740
        # half   = 1.959964 * sqrt(0.016 + 0.009604) / 1.384146 = 0.226578
        # -> (0.490162, 0.943318)
        (8, 10, (0.4902, 0.9433)),
        # p = 0: centre = half = 0.192073 / 1.384146 = 0.138767 -> (0, 0.277535)
        (0, 10, (0.0, 0.2775)),
        # mirror image of 0/10
        (10, 10, (0.7225, 1.0)),
        # p = 0.5, n = 100: 1 + z²/n = 1.038415, centre = 0.5,
        # half = 1.959964 * sqrt(0.0025 + 0.0000960) / 1.038415 = 0.096170 -> (0.4038, 0.5962)
        (50, 100, (0.4038, 0.5962)),
    ],
)
def test_wilson_interval_known_values(
    successes: int, n: int, expected: tuple[float, float]
) -> None:
    low, high = stats.wilson_interval(successes, n)
    assert low == pytest.approx(expected[0], abs=5e-5)
    assert high == pytest.approx(expected[1], abs=5e-5)


def test_wilson_interval_bounds_are_inside_zero_one_and_contain_the_rate() -> None:
    for n in (1, 2, 5, 37):
        for successes in range(n + 1):
            low, high = stats.wilson_interval(successes, n)
            assert 0.0 <= low <= successes / n <= high <= 1.0


def test_wilson_interval_is_exact_at_the_edges() -> None:
    assert stats.wilson_interval(0, 10)[0] == 0.0
    assert stats.wilson_interval(10, 10)[1] == 1.0


def test_wilson_interval_of_nothing_is_nan() -> None:
    low, high = stats.wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)


def test_wilson_interval_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        stats.wilson_interval(11, 10)


def test_wider_confidence_gives_a_wider_interval() -> None:
    low90, high90 = stats.wilson_interval(8, 10, 0.90)
    low95, high95 = stats.wilson_interval(8, 10, 0.95)
    assert low95 < low90 and high90 < high95


def test_two_proportion_z_test_textbook_example() -> None:
    # 45 of 100 against 30 of 100:
    # pooled p = 75 / 200 = 0.375; se = sqrt(0.375 * 0.625 * (1/100 + 1/100)) = sqrt(0.0046875)
    #          = 0.0684653; z = (0.45 - 0.30) / 0.0684653 = 2.19089
    # p = 2 * (1 - Phi(2.19089)) = 2 * (1 - 0.985770) = 0.028460
    z, p = stats.two_proportion_z_test(45, 100, 30, 100)
    assert z == pytest.approx(2.19089, abs=1e-5)
    assert p == pytest.approx(0.02846, abs=1e-5)


def test_two_proportion_z_test_is_antisymmetric_and_handles_edges() -> None:
    z, p = stats.two_proportion_z_test(30, 100, 45, 100)
    assert z == pytest.approx(-2.19089, abs=1e-5) and p == pytest.approx(0.02846, abs=1e-5)
    assert stats.two_proportion_z_test(5, 10, 5, 10) == (0.0, 1.0)
    assert stats.two_proportion_z_test(0, 10, 0, 20) == (0.0, 1.0)  # no variance at all
    z, p = stats.two_proportion_z_test(0, 0, 1, 10)
    assert math.isnan(z) and math.isnan(p)


@pytest.mark.parametrize(("successes", "n"), [(8, 10), (0, 10), (10, 10), (3, 4), (1, 1)])
def test_wilson_sql_matches_the_python_interval(successes: int, n: int) -> None:
    low_sql, high_sql = stats.wilson_sql("s", "n")
    con = duckdb.connect()
    low, high = con.execute(
        f"SELECT {low_sql}, {high_sql} FROM (SELECT ? AS s, ? AS n)", [successes, n]
    ).fetchone()  # type: ignore[misc]
    expected = stats.wilson_interval(successes, n)
    assert low == pytest.approx(expected[0], abs=1e-12)
    assert high == pytest.approx(expected[1], abs=1e-12)
    assert (low == 0.0) == (successes == 0) and (high == 1.0) == (successes == n)


def test_wilson_sql_is_null_without_observations() -> None:
    low_sql, high_sql = stats.wilson_sql("s", "n")
    row = (
        duckdb.connect()
        .execute(f"SELECT {low_sql}, {high_sql} FROM (VALUES (0, 0), (NULL, NULL)) t(s, n)")
        .fetchall()
    )
    assert row == [(None, None), (None, None)]


def test_wilson_interval_published_value_81_of_263() -> None:
    # The worked example of Wikipedia's "Binomial proportion confidence interval" comparison
    # table: 81 successes of 263, Wilson score 95 % interval 0.2553 to 0.3662.
    low, high = stats.wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-5)
    assert high == pytest.approx(0.3662, abs=5e-5)


def test_two_proportion_z_test_second_worked_example() -> None:
    # 56 of 70 against 48 of 80:
    # pooled p = 104 / 150 = 0.693333; se = sqrt(0.693333 * 0.306667 * (1/70 + 1/80))
    #          = sqrt(0.212622 * 0.0267857) = sqrt(0.00569524) = 0.0754668
    # z = (0.8 - 0.6) / 0.0754668 = 2.65017; p = 2 * (1 - Phi(2.65017)) = 0.008045
    z, p = stats.two_proportion_z_test(56, 70, 48, 80)
    assert z == pytest.approx(2.65017, abs=1e-5)
    assert p == pytest.approx(0.008045, abs=1e-6)


def test_kaplan_meier_median_counts_censored_deals() -> None:
    # days: 3 won, 5 open, 5 won, 8 won, 10 open, 12 won (6 deals, 2 still open)
    # t=3:  6 at risk, 1 won -> S = 5/6 = 0.8333
    # t=5:  5 at risk (the deal open at 5 days is still at risk then), 1 won
    #       -> S = 0.8333 * 4/5 = 0.6667; then 2 leave the risk set -> 3 at risk
    # t=8:  3 at risk, 1 won -> S = 0.6667 * 2/3 = 0.4444 <= 0.5 -> median 8
    # (dropping the open deals instead: 3, 5, 8, 12 won -> S(5) = 0.5 -> median 5)
    durations = [3.0, 5.0, 5.0, 8.0, 10.0, 12.0]
    observed = [True, False, True, True, False, True]
    assert stats.kaplan_meier_median(durations, observed) == 8.0
    kept = [d for d, o in zip(durations, observed, strict=True) if o]
    assert stats.kaplan_meier_median(kept, [True] * len(kept)) == 5.0


def test_kaplan_meier_median_is_none_when_survival_stays_above_half() -> None:
    # 4 deals: 2 won (days 1, 2), 2 open (days 3, 4): S(1) = 3/4, S(2) = 3/4 * 2/3 = 0.5
    assert stats.kaplan_meier_median([1, 2, 3, 4], [True, True, False, False]) == 2.0
    # 1 won of 3 at day 2 after one censored at day 1: S(2) = 1 - 1/2 = 0.5 -> median 2
    assert stats.kaplan_meier_median([1, 2, 3], [False, True, False]) == 2.0
    # 1 won of 4 at day 1: S = 0.75, never below half
    assert stats.kaplan_meier_median([1, 2, 3, 4], [True, False, False, False]) is None
    assert stats.kaplan_meier_median([], []) is None


def test_kaplan_meier_medians_per_group() -> None:
    import polars as pl

    frame = pl.DataFrame(
        {
            "channel": ["A", "A", "A", "B", "B"],
            # A: 2 won (2, 4), 1 open (3): S(2) = 2/3, S(4) = 2/3 * 0 -> median 4
            # B: 1 won (6), 1 open (1): S(6) = 1 - 1/1 = 0 -> median 6
            "duration": [2.0, 3.0, 4.0, 1.0, 6.0],
            "observed": [True, False, True, False, True],
        }
    )
    assert stats.kaplan_meier_medians(frame, "channel") == {"A": 4.0, "B": 6.0}


def test_count_change_test_against_the_exact_binomial_test() -> None:
    # 10 against 20: z = (|10 - 20| - 1) / sqrt(30) = 9 / 5.4772 = 1.6432 -> p = 0.1003; the
    # exact binomial test of 10 of 30 at 1/2 gives 0.0987 (R: binom.test(10, 30)$p.value)
    z, p = stats.count_change_test(10, 20)
    assert z == pytest.approx(-1.6432, abs=1e-4) and p == pytest.approx(0.1003, abs=1e-4)
    assert p == pytest.approx(0.0987, abs=0.002)
    # 1000 against 900: z = 99 / sqrt(1900) = 2.2712 -> p = 0.0231
    assert stats.count_change_test(1000, 900)[1] == pytest.approx(0.0231, abs=1e-4)
    assert stats.count_change_test(3, 3) == (0.0, 1.0)
    z, p = stats.count_change_test(0, 0)
    assert math.isnan(z) and math.isnan(p)
