import base64
import json
import zipfile

import pandas as pd

from analysis.audit import audit
from analysis.readers.pdfwrite import write_pdf


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


def _docx(path, body_xml: str, author: str = "Person-1") -> None:
    """A minimal DOCX: the body and the core properties, which Word fills with the author's name."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", f'<w:document xmlns:w="w"><w:body>{body_xml}</w:body></w:document>')
        z.writestr("docProps/core.xml", f"<cp:coreProperties><dc:creator>{author}</dc:creator></cp:coreProperties>")
        z.writestr("word/media/image1.png", b"Bruno" * 3)  # pictures are not text: no false positive


def _pdf(path, text: str, author: str = "Person-1") -> None:
    """A one-page PDF with a text layer and an author, from the package's own small PDF writer."""
    write_pdf(path, [[text]], author=author)


def test_docx_body_split_across_runs_and_properties_are_searched(mini_case):
    mini_case.reports.mkdir(parents=True)
    # Word splits a paragraph into runs at any formatting change, even inside a name.
    _docx(mini_case.reports / "ok.docx", "<w:p><w:r><w:t>Person-2 said</w:t></w:r></w:p>")
    assert audit(mini_case) == []
    _docx(mini_case.reports / "leak.docx",
          "<w:p><w:r><w:t>fine</w:t></w:r></w:p><w:p><w:r><w:t>as Pak Bru</w:t></w:r><w:r><w:t>no said</w:t></w:r></w:p>",
          author="Ms Moreau")
    leaks = audit(mini_case)
    assert any("leak.docx:word/document.xml paragraph 2" in x and "(of Person-2)" in x for x in leaks)
    assert any("leak.docx:docProps/core.xml" in x and "(of Person-1)" in x for x in leaks)
    assert not any("ok.docx" in x for x in leaks)


def test_pdf_text_and_metadata_are_searched(mini_case):
    mini_case.reports.mkdir(parents=True)
    _pdf(mini_case.reports / "ok.pdf", "Person-2 said so")
    assert audit(mini_case) == []
    _pdf(mini_case.reports / "leak.pdf", "as Pak Bruno said", author="Ms Moreau")
    leaks = audit(mini_case)
    assert any("leak.pdf:page 1 line 1" in x and "(of Person-2)" in x for x in leaks)
    assert any("leak.pdf:metadata /Author" in x and "(of Person-1)" in x for x in leaks)


def test_an_unreadable_output_is_reported_not_skipped(mini_case):
    mini_case.reports.mkdir(parents=True)
    (mini_case.reports / "broken.docx").write_bytes(b"PK\x03\x04 truncated")
    (mini_case.reports / "broken.parquet").write_bytes(b"PAR1 nothing")
    leaks = audit(mini_case)
    assert any("broken.docx: could not be read for the audit" in x for x in leaks)
    assert any("broken.parquet: could not be read for the audit" in x for x in leaks)


def test_a_name_the_key_gives_only_with_an_honorific_is_found_bare(mini_case):
    # Checked against hand-written expectations, not the pseudonymiser's helpers: a fault shared by
    # the pseudonymiser and the audit (the honorific stripping) must not hide in both.
    key = mini_case.identity_key
    key.write_text(key.read_text(encoding="utf-8").replace("aliases: [Pak Bruno, Bruno]", "aliases: [Pak Bruno]"),
                   encoding="utf-8")
    mini_case.reports.mkdir(parents=True)
    (mini_case.reports / "a.md").write_text("Person-2 spoke.\nThen Bruno spoke.\nAnd bruno  tanaka too.\n")
    leaks = audit(mini_case)
    assert [x.split(": ", 1)[1] for x in leaks] == ["an alias from the private key (of Person-2)",
                                                    "a name from the private key (of Person-2)"]
    assert ["a.md:2", "a.md:3"] == [x.split(": ", 1)[0].rsplit("/", 1)[1] for x in leaks]


def _png_with(chunks: list[tuple[bytes, bytes]]) -> bytes:
    """A PNG signature, an IHDR, the given chunks and an IEND, each with its length and a CRC."""
    import struct
    import zlib as z

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", z.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + b"".join(chunk(k, b) for k, b in chunks) + chunk(b"IEND", b"")


def test_names_in_every_kind_of_png_text_chunk_are_found(mini_case):
    import zlib as z

    mini_case.reports.mkdir(parents=True)
    (mini_case.reports / "t.png").write_bytes(_png_with([(b"tEXt", b"Author\0Bruno")]))
    (mini_case.reports / "i.png").write_bytes(_png_with([(b"iTXt", b"Title\0\0\0\0\0about Ms Moreau")]))
    (mini_case.reports / "z.png").write_bytes(_png_with([(b"zTXt", b"Comment\0\0" + z.compress(b"by Bruno"))]))
    (mini_case.reports / "clean.png").write_bytes(_png_with([(b"tEXt", b"Software\0matplotlib"),
                                                             (b"IDAT", b"Bruno" * 2)]))  # pixels are not text
    leaks = audit(mini_case)
    assert [x.split(": ")[0].rsplit("/", 1)[-1] for x in leaks] == ["i.png:iTXt", "t.png:tEXt", "z.png:zTXt"]


def test_svg_in_a_notebook_output_is_searched_but_other_images_are_not(mini_case):
    mini_case.reports.mkdir(parents=True)
    nb = {"cells": [{"cell_type": "code", "source": "", "outputs": [
        {"output_type": "display_data", "data": {"image/svg+xml": "<svg><text>Bruno</text></svg>",
                                                 "image/png": "QnJ1bm8="}}]}]}
    (mini_case.reports / "e.ipynb").write_text(json.dumps(nb))
    leaks = audit(mini_case)
    assert len(leaks) == 1 and "e.ipynb:cell 1 image/svg+xml" in leaks[0]


def test_line_and_row_positions_are_exact(mini_case):
    mini_case.reports.mkdir(parents=True)
    mini_case.processed.mkdir(parents=True)
    (mini_case.reports / "f.md").write_text("Bruno on line one\n")
    pd.DataFrame({"memo": ["a", "bb", "ccc Bruno"]}).to_parquet(mini_case.processed / "g.parquet")
    leaks = audit(mini_case)
    assert any("f.md:1:" in x for x in leaks)
    assert any("g.parquet:row 3 column memo" in x for x in leaks)


def test_refusing_leaks_shows_at_most_five_per_file_and_removes_the_file(mini_case, caplog):
    import logging

    import pytest

    from analysis.audit import SHOWN_PER_FILE, refuse_leaks
    from analysis.errors import AnalysisError

    assert SHOWN_PER_FILE == 5
    mini_case.reports.mkdir(parents=True)
    (mini_case.reports / "five.md").write_text("Bruno\n" * 5)
    (mini_case.reports / "six.md").write_text("Bruno\n" * 6)
    (mini_case.reports / "manifest.json").write_text("{}")
    with caplog.at_level(logging.ERROR, logger="analysis"), pytest.raises(AnalysisError, match="11 identity leak"):
        refuse_leaks(mini_case)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("five.md:" in m for m in messages) == 5 and not any("five.md: ... and" in m for m in messages)
    assert sum("six.md:" in m for m in messages) == 6 and any("six.md: ... and 1 more" in m for m in messages)
    assert not (mini_case.reports / "five.md").exists() and not (mini_case.reports / "manifest.json").exists()


def test_refusing_leaks_without_a_manifest_still_gives_the_clear_error(mini_case):
    import pytest

    from analysis.audit import refuse_leaks
    from analysis.errors import AnalysisError

    mini_case.reports.mkdir(parents=True)
    (mini_case.reports / "one.md").write_text("Bruno\n")
    with pytest.raises(AnalysisError, match="1 identity leak"):
        refuse_leaks(mini_case)
