"""Generate a SYNTHETIC case folder of any size, for benchmarks.

Everything written is machine-made filler: invented informants with invented
names, transcripts assembled from Indonesian sentence templates that carry
the codebook's keywords (so the auto-coder and the manual codings have
something to find), a document register with document texts, manual codings
of two coders whose quotes are exact spans of the generated text, and a
private identity key. Every transcript says ``illustrative: true`` and says
it is synthetic in its ``note`` field; the case and the identity key say so in
a comment at the top (a key would be refused: the keys of both files are checked).

The output is deterministic: the same arguments give the same bytes.

Usage::

    .venv/bin/python benchmarks/generate.py OUT_DIR --interviews 100 --words 3000
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "raw"
INTERVIEWER = "Pewawancara"
SYNTHETIC_NOTE = "SINTETIS: teks buatan mesin untuk uji kinerja (benchmark), bukan wawancara nyata."

# Sentence templates. {kw} is a codebook keyword; the rest is filler vocabulary.
KEYWORD_SENTENCES = [
    "Menurut saya {kw} menjadi bagian penting dari kerja sama ini sejak tahun {year}.",
    "Waktu itu kami membahas {kw} dengan tim dari Vung Tau dalam rapat bulan {month}.",
    "Soal {kw} itu memang sudah ada dalam catatan kami, tapi belum semua dijalankan.",
    "Kalau bicara {kw}, kami di dinas juga sering ditanya oleh pimpinan dan wartawan.",
    "Yang saya ingat, {kw} itu dibicarakan lagi pada tahun {year} dengan pihak provinsi.",
    "Untuk {kw} kami sudah menyiapkan laporan, dan laporannya ada di bagian arsip.",
    "Terus terang {kw} ini yang paling sering muncul kalau kami evaluasi di akhir tahun.",
    "Kami juga mencatat bahwa {kw} berkaitan dengan kegiatan nelayan di pesisir kota.",
]
FILLER_SENTENCES = [
    "Itu yang bisa saya sampaikan dari pengalaman saya di kantor ini.",
    "Saya masuk ke bagian ini tahun {year} sebagai staf biasa.",
    "Jadi memang prosesnya panjang dan melibatkan banyak orang di kota ini.",
    "Kami sering rapat di balai kota, biasanya pada hari {day} pagi.",
    "Eh, saya kurang ingat tanggal pastinya, mungkin bulan {month}.",
    "Dari sisi kami, yang penting semua pihak tahu apa yang harus dikerjakan.",
    "Ada juga catatan dari rapat sebelumnya yang masih kami simpan.",
    "Tidak semua kegiatan berjalan sesuai rencana, tapi ada kemajuan.",
    "Pimpinan waktu itu ingin hasilnya bisa dilihat oleh masyarakat.",
    "Kami juga belajar banyak dari kunjungan ke kota lain di Sumatera Barat.",
    "Kalau tidak salah ada sekitar {n} orang yang ikut dalam kegiatan itu.",
    "Sampai sekarang hubungan kami dengan mereka masih baik.",
]
NAME_SENTENCES = [
    "Waktu itu {alias} juga ikut rapat dan mencatat hasilnya.",
    "Saya tahu dari {name}, yang dulu memegang urusan ini.",
]
QUESTIONS = [
    "Bagaimana pengalaman Bapak atau Ibu dengan kerja sama ini?",
    "Lalu apa yang terjadi sesudah itu?",
    "Boleh dijelaskan lebih lanjut tentang hal itu?",
    "Siapa saja yang terlibat dalam proses tersebut?",
    "Apa kendala yang paling terasa menurut Anda?",
    "Bagaimana dengan anggaran dan pelaksanaannya di lapangan?",
]
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember"]
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat"]
SYLLABLES = ["ra", "di", "an", "su", "kar", "ti", "ma", "ni", "wan", "har", "yo", "sa", "lim", "dar", "me",
             "ri", "ta", "bu", "gun", "lis", "fa", "zul", "kha", "na", "pu", "tra", "wi", "dya", "ek", "so"]
DOC_TYPES = ["news", "agreement", "regulation", "institutional", "academic", "reference"]


def keywords_by_code(codebook: dict) -> dict[str, list[str]]:
    """Indonesian keywords of every code (falling back to any language)."""
    out = {}
    for ind in codebook["indicators"]:
        for code in ind["codes"]:
            kws = code.get("keywords", {})
            out[code["id"]] = list(kws.get("id") or next(iter(kws.values()), []))
    return {c: k for c, k in out.items() if k}


def unique_names(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` distinct invented (first, last) names made of syllables, not Indonesian words."""
    seen: set[str] = set()
    out = []
    while len(out) < n:
        first = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
        last = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
        if first.casefold() in seen or last.casefold() in seen or first == last:
            continue
        seen.update((first.casefold(), last.casefold()))
        out.append((first, last))
    return out


def sentence(rng: random.Random, template: str, **kw: str) -> str:
    """Fill a template's placeholders with random years, months, days and numbers."""
    return template.format(year=rng.randint(2012, 2023), month=rng.choice(MONTHS), day=rng.choice(DAYS),
                           n=rng.randint(5, 60), **kw)


def count_before(text: str, quote: str) -> int:
    """Occurrences of ``quote`` in ``text`` (overlapping, as the anchoring counts them)."""
    n, pos = 0, text.find(quote)
    while pos >= 0:
        n += 1
        pos = text.find(quote, pos + 1)
    return n


def informant_turn(rng: random.Random, keywords: dict[str, list[str]], names: list[tuple[str, str]],
                   target_words: int) -> tuple[list[str], list[tuple[str, int]]]:
    """Sentences of one informant turn, and (code, sentence index) for those that carry a keyword."""
    codes = list(keywords)
    sentences: list[str] = []
    coded: list[tuple[str, int]] = []
    words = 0
    while words < target_words:
        r = rng.random()
        if r < 0.30:
            code = rng.choice(codes)
            s = sentence(rng, rng.choice(KEYWORD_SENTENCES), kw=rng.choice(keywords[code]))
            coded.append((code, len(sentences)))
        elif r < 0.33 and names:
            first, last = rng.choice(names)
            s = sentence(rng, rng.choice(NAME_SENTENCES), alias=f"Pak {first}", name=f"{first} {last}")
        else:
            s = sentence(rng, rng.choice(FILLER_SENTENCES))
        sentences.append(s)
        words += len(s.split())
    return sentences, coded


def generate(out: Path, interviews: int, words: int = 3000, documents: int | None = None, seed: int = 1,
             coder_b_share: float = 0.2, codings_per_file: int = 100) -> dict[str, int]:
    """Write a synthetic case folder into ``out`` (which must not exist or be empty).

    Args:
        out: Target case folder.
        interviews: Number of interview transcripts (one informant each).
        words: Approximate words per transcript.
        documents: Number of documents in the register (default: max(10, interviews // 5)).
        seed: Random seed; the same arguments give the same files.
        coder_b_share: Share of sources coder B also codes (reliability sample).
        codings_per_file: Interviews per codings CSV of coder A.

    Returns:
        Counts of what was written (interviews, documents, codings, words).
    """
    rng = random.Random(seed)
    documents = max(10, interviews // 5) if documents is None else documents
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} exists and is not empty")
    for sub in ("interviews", "documents/texts", "codings", "private"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    codebook_text = (EXAMPLE / "codebook.yml").read_text(encoding="utf-8")
    (out / "codebook.yml").write_text(codebook_text, encoding="utf-8")
    keywords = keywords_by_code(yaml.safe_load(codebook_text))
    case = yaml.safe_load((EXAMPLE / "case.yml").read_text(encoding="utf-8"))
    case.update({"id": f"synthetic-{interviews}", "illustrative": True})
    (out / "case.yml").write_text("# SYNTHETIC case generated by benchmarks/generate.py for benchmarks only.\n"
                                  + yaml.safe_dump(case, allow_unicode=True, sort_keys=False), encoding="utf-8")

    names = unique_names(rng, interviews)
    key = {"fictional": True, "informants": [
        {"informant_id": f"I{i + 1:04d}", "pseudonym": f"Informan-{i + 1:04d}", "name": f"{first} {last}",
         "aliases": [f"Pak {first}", first]} for i, (first, last) in enumerate(names)]}
    (out / "private" / "identity-key.yml").write_text("# SYNTHETIC identity key: every name is invented.\n"
                                                      + yaml.safe_dump(key, sort_keys=False), encoding="utf-8")

    codings_a: list[list[dict]] = []
    codings_b: list[dict] = []
    total_words = 0
    for i, (first, last) in enumerate(names):
        sid = f"I{i + 1:04d}"
        label = f"{first} {last}"
        turn_texts: list[str] = []   # cleaned turn texts, as the pipeline will see them
        body: list[str] = []
        coded: list[tuple[str, str, int]] = []
        seconds, n_words = 5, 0
        while n_words < words:
            q = rng.choice(QUESTIONS)
            body.append(f"[{_clock(seconds)}] {INTERVIEWER}: {q}")
            turn_texts.append(q)
            seconds += rng.randint(5, 20)
            sentences, hits = informant_turn(rng, keywords, names, rng.randint(60, 140))
            text = " ".join(sentences)
            body.append(f"[{_clock(seconds)}] {label}: {text}")
            seconds += rng.randint(30, 120)
            prefix = "\n\n".join(turn_texts) + "\n\n"
            turn_texts.append(text)
            for code, k in hits:
                # occurrence: how often the quote occurs in the source up to and including this one
                s = sentences[k]
                upto = prefix + " ".join(sentences[: k + 1])
                coded.append((code, s, count_before(upto, s)))
            n_words += len(q.split()) + len(text.split())
        total_words += n_words
        meta = {"id": sid, "informant": label, "role": "Staf (sintetis)", "organisation": "Organisasi sintetis",
                "date": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}", "language": "id", "interviewer": INTERVIEWER,
                "illustrative": True, "note": SYNTHETIC_NOTE}
        (out / "interviews" / f"{sid}.md").write_text(
            "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + "\n\n".join(body)
            + "\n", encoding="utf-8")
        rows_a = [_row(sid, code, s, occ, "A") for code, s, occ in coded if rng.random() < 0.6]
        if i // codings_per_file >= len(codings_a):
            codings_a.append([])
        codings_a[-1].extend(rows_a)
        if rng.random() < coder_b_share or i == 0:
            for code, s, occ in coded:
                in_a = any(r["quote"] == s and r["occurrence"] == occ and r["code"] == code for r in rows_a)
                if (in_a and rng.random() < 0.85) or (not in_a and rng.random() < 0.15):
                    codings_b.append(_row(sid, code, s, occ, "B"))

    register, doc_codings_a, doc_codings_b = [], [], []
    for d in range(documents):
        doc_id = f"D{d + 1:04d}"
        paras, hits = [], []
        for _ in range(rng.randint(3, 6)):
            sentences, h = informant_turn(rng, keywords, [], rng.randint(50, 110))
            prefix = "".join(p + "\n\n" for p in paras)
            hits += [(c, sentences[k], count_before(prefix + " ".join(sentences[: k + 1]), sentences[k]))
                     for c, k in h]
            paras.append(" ".join(sentences))
        text = "\n\n".join(paras)
        (out / "documents" / "texts" / f"{doc_id}.md").write_text(text + "\n", encoding="utf-8")
        year = 2012 + d % 12
        register.append({"doc_id": doc_id, "date": f"{year}-{1 + d % 12:02d}", "date_precision": "month",
                         "uncertain": "true" if d % 7 == 3 else "false", "type": DOC_TYPES[d % len(DOC_TYPES)],
                         "title": f"Dokumen sintetis {d + 1}", "source_url": "",
                         "milestone": f"Tonggak sintetis {d + 1}" if d < 8 else "", "language": "id",
                         "uncertainty_note": "tanggal tidak pasti (sintetis)" if d % 7 == 3 else ""})
        for code, s, occ in hits:
            row = _row(doc_id, code, s, occ, "A")
            if rng.random() < 0.7:
                doc_codings_a.append(row)
                if rng.random() < coder_b_share:
                    doc_codings_b.append({**row, "coder": "B"})
    _write_csv(out / "documents" / "register.csv", register, list(register[0]))
    for n, rows in enumerate(codings_a):
        _write_csv(out / "codings" / f"coder-A_part{n + 1:03d}.csv", _dedupe(rows))
    _write_csv(out / "codings" / "coder-A_documents.csv", _dedupe(doc_codings_a))
    _write_csv(out / "codings" / "coder-B.csv", _dedupe(codings_b + doc_codings_b))
    (out / "README.md").write_text(
        f"# Synthetic case ({interviews} interviews)\n\nGenerated by `benchmarks/generate.py` (seed {seed}) for "
        "benchmarks only. Every name, transcript, document and coding is machine-made filler: not data.\n",
        encoding="utf-8")
    n_codings = sum(len(r) for r in codings_a) + len(doc_codings_a) + len(codings_b) + len(doc_codings_b)
    return {"interviews": interviews, "documents": documents, "codings": n_codings, "words": total_words}


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _row(source_id: str, code: str, quote: str, occurrence: int, coder: str) -> dict:
    return {"source_id": source_id, "code": code, "quote": quote, "occurrence": occurrence, "coder": coder,
            "memo": "synthetic"}


def _dedupe(rows: list[dict]) -> list[dict]:
    """Drop repeated (source, code, quote, occurrence, coder): the pipeline rejects a coding given twice."""
    seen, out = set(), []
    for r in rows:
        k = (r["source_id"], r["code"], r["quote"], r["occurrence"], r["coder"])
        if k not in seen:
            seen.add(k)
            out.append(r)
    return out


def _write_csv(path: Path, rows: list[dict], fields: list[str] | None = None) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields or ["source_id", "code", "quote", "occurrence", "coder", "memo"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line: write one synthetic case folder."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, help="case folder to create")
    p.add_argument("--interviews", type=int, default=10)
    p.add_argument("--words", type=int, default=3000, help="approximate words per interview")
    p.add_argument("--documents", type=int, default=None, help="default: max(10, interviews // 5)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--force", action="store_true", help="replace the folder if it exists")
    args = p.parse_args(argv)
    if args.force and args.out.exists():
        shutil.rmtree(args.out)
    counts = generate(args.out, args.interviews, args.words, args.documents, args.seed)
    print(f"wrote synthetic case {args.out}: {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
