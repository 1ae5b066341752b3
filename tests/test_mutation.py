"""The mutation runner (benchmarks/mutation.py): which faults it makes, and that it never edits the source."""

from __future__ import annotations

import importlib.util
import sys

from analysis.paths import PROJECT_DIR

_spec = importlib.util.spec_from_file_location("mutation", PROJECT_DIR / "benchmarks" / "mutation.py")
mutation = importlib.util.module_from_spec(_spec)
sys.modules["mutation"] = mutation  # dataclasses look their module up by name
_spec.loader.exec_module(mutation)

SOURCE = '''"""A module docstring is not mutated."""


def pick(a: int, b: int = 3) -> int:
    """Neither is a function's."""
    if a >= b and not a == 0:
        return a + 1
    return True
'''


def _run(tree, **args):
    scope: dict = {}
    exec(compile(tree, "m.py", "exec"), scope)  # noqa: S102 (a mutant of the test's own source)
    return scope["pick"](**args)


def test_every_operator_fault_is_listed_with_line_function_and_code(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(SOURCE, encoding="utf-8")
    found = [(m.line, m.function, m.mutation, m.code) for m in mutation.mutants(path)]
    assert found == [
        (4, "pick", "3 -> 4", "3"),
        (6, "pick", ">= -> >", "a >= b"),
        (6, "pick", "and -> or", "a >= b and not a == 0"),
        (6, "pick", "drop `not`", "not a == 0"),
        (6, "pick", "== -> !=", "a == 0"),
        (6, "pick", "0 -> 1", "0"),
        (7, "pick", "return None", "return a + 1"),
        (7, "pick", "+ -> -", "a + 1"),
        (7, "pick", "1 -> 2", "1"),
        (8, "pick", "return None", "return True"),
        (8, "pick", "True -> False", "True"),
    ]


def test_a_mutant_changes_behaviour_and_keeps_line_numbers_and_the_file(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(SOURCE, encoding="utf-8")
    by_name = {m.mutation: m.index for m in mutation.mutants(path)}
    assert _run(mutation.mutated_tree(path, by_name["3 -> 4"]), a=3) is True  # 3 >= 4 is false now
    assert _run(mutation.mutated_tree(path, by_name[">= -> >"]), a=3) is True
    assert _run(mutation.mutated_tree(path, by_name["+ -> -"]), a=5) == 4
    assert _run(mutation.mutated_tree(path, by_name["drop `not`"]), a=5) is True
    tree = mutation.mutated_tree(path, by_name["+ -> -"])
    assert [n.lineno for n in tree.body] == [1, 4]
    assert path.read_text(encoding="utf-8") == SOURCE


def test_the_score_counts_timeouts_as_killed_and_leaves_equivalent_mutants_out():
    m = mutation.Mutant(0, 1, "f", "== -> !=", "a == b")
    outcomes = [mutation.Outcome(m, s, 0.0) for s in ("killed", "timeout", "survived", "equivalent")]
    assert mutation.score(outcomes) == (2, 3, 200 / 3)
