from __future__ import annotations

import duckdb

from alignment.filters import Filters


def test_empty_filters_match_everything() -> None:
    assert Filters().where() == ("TRUE", [])
    assert Filters().is_empty and Filters().describe() == "no filters"


def test_where_binds_values_and_quotes_identifiers() -> None:
    sql, params = Filters(channel=("Email", "Events"), owner="O'Brien").where("l")
    assert sql == '"l"."channel" IN (?, ?) AND "l"."owner" IN (?)'
    assert params == ["Email", "Events", "O'Brien"]


def test_where_runs_in_duckdb() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES ('Email','SMB','a'), ('Events','SMB','b'),"
        " ('Email','Enterprise','c')) v(channel, segment, owner)"
    )
    sql, params = Filters(channel=("Email",), segment=("SMB",)).where()
    result = con.execute(f"SELECT owner FROM t WHERE {sql}", params).fetchall()
    assert result == [("a",)]


def test_query_param_round_trip() -> None:
    filters = Filters(channel=("Events", "Email"), region=("EMEA",))
    params = filters.to_query_params()
    assert params == {"channel": ["Email", "Events"], "region": ["EMEA"]}
    assert Filters.from_query_params(params) == filters
    assert Filters.from_query_params({"segment": "SMB", "junk": "x"}) == Filters(segment=("SMB",))
