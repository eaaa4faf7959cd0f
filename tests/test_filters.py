from __future__ import annotations

import duckdb

from alignment.filters import Filters
from alignment.sql import Params


def test_empty_filters_match_everything() -> None:
    params = Params()
    assert Filters().where(params) == "TRUE" and params.values == {}
    assert Filters().is_empty and Filters().describe() == "no filters"


def test_where_binds_values_and_quotes_identifiers() -> None:
    params = Params()
    sql = Filters(channel=("Email", "Events"), owner="O'Brien").where(params, "l")
    assert sql == '"l"."channel" IN ($v0, $v1) AND "l"."owner" IN ($v2)'
    assert params.values == {"v0": "Email", "v1": "Events", "v2": "O'Brien"}


def test_where_runs_in_duckdb() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES ('Email','SMB','a'), ('Events','SMB','b'),"
        " ('Email','Enterprise','c')) v(channel, segment, owner)"
    )
    params = Params()
    sql = Filters(channel=("Email",), segment=("SMB",)).where(params)
    result = con.execute(f"SELECT owner FROM t WHERE {sql}", params.values).fetchall()
    assert result == [("a",)]


def test_query_param_round_trip() -> None:
    filters = Filters(channel=("Events", "Email"), region=("EMEA",))
    params = filters.to_query_params()
    assert params == {"channel": ["Email", "Events"], "region": ["EMEA"]}
    assert Filters.from_query_params(params) == filters
    assert Filters.from_query_params({"segment": "SMB", "junk": "x"}) == Filters(segment=("SMB",))
