"""The bundled content validates; each kind of problem is reported as file:line: path."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.bundled import bundled_dir
from bot.core.content import check_content, load_content
from bot.core.errors import ContentError
from bot.core.models import Content
from tests.conftest import THREE_ROLES


def test_bundled_content_is_complete(content: Content) -> None:
    assert [r.id for r in content.roles] == ["ai_engineer", "ml_engineer"]
    assert 8 <= len(content.questions) <= 12
    wanted = {"starting_point", "workflow", "daily_work", "math_depth", "coding",
              "key_skills", "example_project", "who_it_suits"}
    assert wanted <= {d.id for d in content.dimensions}
    for path in content.paths:
        assert len(path.stages) >= 3
        for stage in path.stages:
            assert stage.goal and stage.skills and stage.project and stage.resources
            assert not any("http" in r or "www." in r for r in stage.resources)
    assert len(content.version) == 12


def test_three_role_fixture_loads() -> None:
    content = load_content(THREE_ROLES)
    assert [r.id for r in content.roles] == ["ai_engineer", "ml_engineer", "data_engineer"]


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(bundled_dir("content"), target)
    return target


def edit(folder: Path, name: str, old: str, new: str) -> int:
    """Replace the first `old` in a file; return the 1-based line where it stood."""
    file = folder / name
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def problems_of(folder: Path) -> list[str]:
    content, problems = check_content(folder)
    assert content is None
    assert problems
    return problems


def test_unknown_key_names_file_line_and_path(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    line = edit(folder, "roles.yaml", "tagline:", "tag_line:")
    assert any(p.startswith(f"roles.yaml:{line}: roles[0].tag_line: unknown key")
               for p in problems_of(folder))


def test_missing_field(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    line = edit(folder, "roles.yaml", "    suits:", "    # suits removed\n    x_suits:")
    problems = problems_of(folder)
    assert any("missing field 'suits'" in p and p.startswith("roles.yaml:") for p in problems)
    assert any(p.startswith(f"roles.yaml:{line + 1}: roles[0].x_suits") for p in problems)


def test_duplicate_id(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    line = edit(folder, "quiz.yaml", "- id: start", "- id: math")
    assert any(p.startswith(f"quiz.yaml:{line}: questions[1]") and "duplicate question id 'math'"
               in p for p in problems_of(folder))


def test_unknown_role_reference(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    line = edit(folder, "comparison.yaml", "ml_engineer:", "ml_engineers:")
    problems = problems_of(folder)
    assert f"comparison.yaml:{line}: dimensions[0].values.ml_engineers: unknown role " \
           "'ml_engineers' (known: ai_engineer, ml_engineer)" in problems
    assert any("no value for role 'ml_engineer'" in p for p in problems)


def test_unknown_skill_reference(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    line = edit(folder, "quiz.yaml", "shows: [math]", "shows: [maths]")
    assert any(p.startswith(f"quiz.yaml:{line}: ") and "unknown skill 'maths'" in p
               for p in problems_of(folder))


def test_question_that_does_not_discriminate(tmp_path: Path) -> None:
    folder = tmp_path / "three"
    shutil.copytree(THREE_ROLES, folder)
    quiz = folder / "quiz.yaml"
    head, first, *rest = quiz.read_text(encoding="utf-8").split("\n  - id: ")
    same = "weights: {ai_engineer: 1, ml_engineer: 1, data_engineer: 1}"
    first = "\n".join(row[: row.index("weights:")] + same if "weights:" in row else row
                      for row in first.splitlines())
    quiz.write_text("\n  - id: ".join([head, first, *rest]), encoding="utf-8")
    assert any(p.startswith("quiz.yaml:2: questions[0]: does not discriminate")
               for p in problems_of(folder))


def test_label_longer_than_a_button_allows(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    content = load_content(folder)
    label = content.questions[0].options[0].label
    line = edit(folder, "quiz.yaml", label, "x" * 76)
    assert any(p.startswith(f"quiz.yaml:{line}: questions[0].options[0].label: text is 76 "
                            "characters, longer than the limit of 75") for p in problems_of(folder))


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    line = edit(folder, "roles.yaml", "    tagline:", "    tagline: [unclosed\n    x: {")
    problems = problems_of(folder)
    syntax = [p for p in problems if "(syntax)" in p]
    assert len(syntax) == 1
    reported = int(syntax[0].split(":")[1])
    assert syntax[0].startswith("roles.yaml:") and line <= reported <= line + 2


def test_wrong_type_and_role_without_path(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    edit(folder, "quiz.yaml", "ml_engineer: 3", "ml_engineer: lots")
    edit(folder, "paths.yaml", "role: ml_engineer", "role: ai_engineer")
    problems = problems_of(folder)
    assert any("expected a whole number" in p for p in problems)
    assert any("duplicate path for role id 'ai_engineer'" in p for p in problems)
    assert any("role 'ml_engineer' has no learning path" in p for p in problems)


def test_role_that_can_never_win(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    quiz = folder / "quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    # AI gets 3 points from every answer: ML can at best tie, and ties go to the first role.
    quiz.write_text(re.sub(r"ai_engineer: \d", "ai_engineer: 3", text), encoding="utf-8")
    assert any("role 'ml_engineer' can never come out on top" in p for p in problems_of(folder))


def test_every_problem_in_one_pass(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    edit(folder, "roles.yaml", "tagline:", "tag_line:")
    edit(folder, "quiz.yaml", "- id: start", "- id: math")
    edit(folder, "comparison.yaml", "name:", "nam:")
    problems = problems_of(folder)
    files = {p.split(":", 1)[0] for p in problems}
    assert {"roles.yaml", "quiz.yaml", "comparison.yaml"} <= files


def test_load_content_raises_with_every_problem(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    edit(folder, "roles.yaml", "tagline:", "tag_line:")
    with pytest.raises(ContentError) as caught:
        load_content(folder)
    assert caught.value.problems and "roles.yaml:" in str(caught.value)


def test_empty_folder(tmp_path: Path) -> None:
    assert problems_of(tmp_path)[0].endswith("no .yaml files found")


@pytest.mark.parametrize("written", ["010", "1:30", "0_3"])
def test_yaml_11_integers_are_read_not_crashed_on(tmp_path: Path, written: str) -> None:
    # int(text, 0) raises on these; YAML 1.1 reads them as 8, 90 and 3
    folder = copy_content(tmp_path)
    edit(folder, "quiz.yaml", "ml_engineer: 3", f"ml_engineer: {written}")
    content, problems = check_content(folder)
    assert problems == [] and content is not None


def test_duplicate_role_key_in_weights(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    line = edit(folder, "quiz.yaml", "ml_engineer: 3", "ml_engineer: 3, ml_engineer: 9")
    assert any(p.startswith(f"quiz.yaml:{line}: ") and p.endswith("duplicate key")
               for p in problems_of(folder))


def test_equal_shifts_do_not_discriminate(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    quiz = folder / "quiz.yaml"
    head, first, *rest = quiz.read_text(encoding="utf-8").split("\n  - id: ")
    rows, n = [], 0
    for row in first.splitlines():  # options worth (1,1), (2,2), (3,3): all shift both roles
        if "weights:" in row:
            n += 1
            row = row[: row.index("weights:")] + f"weights: {{ai_engineer: {n}, ml_engineer: {n}}}"
        rows.append(row)
    quiz.write_text("\n  - id: ".join([head, "\n".join(rows), *rest]), encoding="utf-8")
    assert any("questions[0]: does not discriminate" in p for p in problems_of(folder))


def test_quiz_wide_problems_name_a_real_file(tmp_path: Path) -> None:
    folder = copy_content(tmp_path)
    quiz = folder / "quiz.yaml"
    quiz.write_text(re.sub(r"ai_engineer: \d", "ai_engineer: 3", quiz.read_text("utf-8")),
                    encoding="utf-8")
    problem = next(p for p in problems_of(folder) if "can never come out on top" in p)
    assert re.match(r"quiz\.yaml:\d+: questions: role 'ml_engineer' can never", problem)


def test_can_win_is_exact_not_greedy() -> None:
    from bot.core.content_checks import can_win
    from bot.core.models import Option, Question

    roles = ["ai", "ml", "de"]
    a = Option("a", "A", (("ai", 5), ("ml", 0), ("de", 4)))
    b = Option("b", "B", (("ai", 0), ("ml", 5), ("de", 4)))
    questions = [Question("q1", "Q1", (a, b)), Question("q2", "Q2", (a, b))]
    assert can_win(questions, roles, "de")  # A then B: de 8, ai 5, ml 5
    lone = [Question("q1", "Q1", (a, b))]
    assert not can_win(lone, roles, "de")
