"""Wording: Jinja templates per language. Templates hold words, never findings.

A case may override any template by putting a file of the same name in its
own ``templates/<language>/`` folder.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from analysis import wording
from analysis.errors import AnalysisError
from analysis.paths import TEMPLATES_DIR

LANGUAGES = ("id", "en")


@cache
def _env(language: str, case_dir: str | None) -> jinja2.Environment:
    if language not in LANGUAGES:
        raise AnalysisError(f"no templates for language {language!r}; valid values: {', '.join(LANGUAGES)}",
                            field="language")
    folders = [TEMPLATES_DIR / "text" / language]
    if case_dir:
        folders.insert(0, Path(case_dir) / "templates" / language)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(f) for f in folders]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
                             trim_blocks=True, lstrip_blocks=True, autoescape=False)
    env.globals["words"] = labels(language)
    env.filters["join_words"] = lambda items: join(list(items), language)
    env.filters["number_word"] = lambda n: labels(language)["numbers"].get(int(n), str(n))
    env.filters["lcfirst"] = lcfirst
    env.filters["counted"] = counted
    env.filters["ordinal"] = lambda n: labels(language)["ordinals"].get(int(n), str(n))
    env.filters["num"] = lambda value, digits=None: wording.number(value, language, digits)
    env.filters["date"] = lambda iso, precision="": wording.date(iso, language, precision)
    env.filters["all_of"] = lambda n: wording.all_of(n, language, labels(language)["numbers"])
    env.filters["running"] = _running
    return env


@jinja2.pass_context
def _running(context: Any, label: Any) -> str:
    """A label in running text; the names it keeps capitalised are the case's ``foreign_terms``, when given."""
    case = context.get("case")
    terms = tuple(case.get("foreign_terms") or ()) if isinstance(case, dict) else ()
    return wording.running_label(str(label), terms)


@cache
def labels(language: str) -> dict[str, Any]:
    """Fixed words of a language (column names, ordinals, number words)."""
    path = TEMPLATES_DIR / "text" / language / "labels.yml"
    if not path.is_file():
        raise AnalysisError(f"no templates for language {language!r}; valid values: {', '.join(LANGUAGES)}",
                            field="language")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def render(name: str, language: str, case_dir: str | None = None, **context: Any) -> str:
    """Render template ``name`` (``<name>.md.j2``) in ``language``; collapse stray blank lines."""
    out = _env(language, case_dir).get_template(f"{name}.md.j2").render(**context).strip()
    while "\n\n\n" in out:
        out = out.replace("\n\n\n", "\n\n")
    return out


def join(items: list[str], language: str) -> str:
    """'a, b, and c' in the language (see :func:`analysis.wording.join`)."""
    return wording.join(items, language)


def lcfirst(words: str) -> str:
    """Lower-case the first letter unless the first word is an acronym ("MoU", "DPRD")."""
    first = words.split(" ", 1)[0]
    if len(first) > 1 and not first[1:].islower():
        return words
    return words[:1].lower() + words[1:]


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` with the noun in the number it needs: ``1 | counted("document")`` is "1 document".

    The template names both forms when the plural is irregular
    (``counted("category", "categories")``); languages without plural
    inflection (Indonesian) simply give the same word twice or call it with one.

    Args:
        n: The number (anything ``int`` accepts).
        singular: The noun for one.
        plural: The noun for several; ``singular`` + "s" when not given.

    Returns:
        The number and the noun, e.g. "3 documents".
    """
    return f"{n} {singular if int(n) == 1 else (plural or singular + 's')}"

