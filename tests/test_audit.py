import base64
import json

import pandas as pd

from analysis.audit import audit


def test_clean_outputs_pass(mini_case):
    mini_case.reports.mkdir(parents=True)
    (mini_case.reports / "ok.md").write_text("Person-1 and Person-2 spoke.\n")
    assert audit(mini_case) == []


def test_names_are_found_in_text_notebooks_and_parquet(mini_case):
    mini_case.reports.mkdir(parents=True)
    mini_case.processed.mkdir(parents=True)
    (mini_case.reports / "a.md").write_text("line one\nas MS MOREAU said\n")
    nb = {"cells": [{"cell_type": "code", "source": "", "outputs": [
        {"output_type": "display_data", "data": {"text/html": "<td>Bruno</td>"}}]}]}
    (mini_case.reports / "b.ipynb").write_text(json.dumps(nb))
    pd.DataFrame({"speaker": ["Person-1", "Pak Bruno"]}).to_parquet(mini_case.processed / "t.parquet")
    leaks = audit(mini_case)
    assert any("a.md:2" in x for x in leaks)
    assert any("b.ipynb:cell 1 text/html" in x for x in leaks)
    assert any("t.parquet:row 2 column speaker" in x for x in leaks)


def test_embedded_images_are_not_false_positives(mini_case):
    mini_case.reports.mkdir(parents=True)
    blob = base64.b64encode(b"xxAlice" * 50).decode()  # base64 text that spells nothing on purpose
    blob = blob[:20] + "Alice" + blob[20:]  # ... and one that does, inside the image data
    (mini_case.reports / "c.html").write_text(f'<img src="data:image/png;base64,{blob}">\n')
    nb = {"cells": [{"cell_type": "code", "source": "", "outputs": [
        {"output_type": "display_data", "data": {"image/png": blob}}]}]}
    (mini_case.reports / "d.ipynb").write_text(json.dumps(nb))
    assert audit(mini_case) == []
