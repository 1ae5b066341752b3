import csv

import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.schemas import Schema, read_table, spreadsheet_safe, write_table

S = Schema("t", {"id": "str", "n": "int"}, key=("id",))


def test_round_trip_and_csv_copy(tmp_path):
    write_table(pd.DataFrame({"id": ["a", "b"], "n": [1, 2]}), S, tmp_path)
    assert read_table(S, tmp_path)["n"].tolist() == [1, 2]
    assert (tmp_path / "t.csv").read_text() == "id,n\na,1\nb,2\n"


def test_duplicate_key_refused_and_nothing_written(tmp_path):
    with pytest.raises(AnalysisError, match="duplicate key"):
        write_table(pd.DataFrame({"id": ["a", "a"], "n": [1, 2]}), S, tmp_path)
    assert not list(tmp_path.iterdir())


def test_read_checks_the_schema(tmp_path):
    pd.DataFrame({"id": ["a"], "n": ["x"]}).to_parquet(tmp_path / "t.parquet")
    with pytest.raises(AnalysisError, match=r"t.parquet: \[n\] table 't': column has type"):
        read_table(S, tmp_path)


def test_missing_table_says_how_to_build_it(tmp_path):
    with pytest.raises(AnalysisError, match="processed table missing.*run `make data`"):
        read_table(S, tmp_path)


def test_csv_cells_a_spreadsheet_would_run_are_escaped_parquet_keeps_the_text(tmp_path):
    schema = Schema("q", {"id": "str", "quote": "str", "n": "int"}, key=("id",))
    values = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "plain - text", ""]
    df = pd.DataFrame({"id": [str(i) for i in range(len(values))], "quote": values, "n": range(-3, 4)})
    write_table(df, schema, tmp_path)
    assert read_table(schema, tmp_path)["quote"].tolist() == values
    assert spreadsheet_safe(pd.DataFrame({"q": pd.array(["\rx"], dtype="string")}))["q"][0] == "'\rx"
    with open(tmp_path / "q.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["quote"] for r in rows] == ["'" + v for v in values[:5]] + ["plain - text", ""]
    assert [r["n"] for r in rows] == [str(n) for n in range(-3, 4)]  # numbers are numbers, not text: untouched
