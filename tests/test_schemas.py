import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.schemas import Schema, read_table, write_table

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
