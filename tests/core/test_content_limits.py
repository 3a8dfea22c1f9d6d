"""Content files an attacker (or an unlucky author) could write: alias bombs, huge files,
random YAML. Each gets `file:line` problems and nothing is expanded or read whole."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bundled import bundled_dir
from bot.core.content import check_content
from bot.core.yaml_reader import MAX_FILE_BYTES
from tests.conftest import REPO


def alias_bomb(questions: int = 2000, options: int = 2000) -> str:
    """The issue's file: one anchored option, aliased `options` times in one question,
    which is aliased `questions` times (4 million options once expanded)."""
    head = ("questions:\n  - &q\n    id: q\n    text: \"Q\"\n    options:\n"
            "      - &o {id: a, label: \"A\", weights: {ml: 1}}\n")
    more_options = "".join("      - *o\n" for _ in range(options - 1))
    return head + more_options + "".join("  - *q\n" for _ in range(questions - 1))


def folder_with(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(bundled_dir("content"), folder)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_an_alias_bomb_is_refused_at_its_first_anchor(tmp_path: Path) -> None:
    text = alias_bomb()
    assert len(text) < 40_000
    content, problems = check_content(folder_with(tmp_path, "zz_bomb.yaml", text))
    assert content is None
    assert "zz_bomb.yaml:2: (syntax): YAML anchors and aliases" in problems[0]


def test_a_lone_alias_is_refused_too(tmp_path: Path) -> None:
    text = "skills:\n  - {id: x1, name: X}\n  - *nothing\n"
    _, problems = check_content(folder_with(tmp_path, "zz.yaml", text))
    assert any(p.startswith("zz.yaml:3: (syntax)") for p in problems), problems


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "zz.yaml", "")
    with (folder / "zz.yaml").open("wb") as huge:
        huge.truncate(50 * 1024 * 1024)  # 50 MB (sparse): never read, only its size looked at
    _, problems = check_content(folder)
    assert problems == [f"zz.yaml:1: (file): the file is {50 * 1024 * 1024:,} bytes, more "
                        f"than the limit of {MAX_FILE_BYTES:,}: split it into several files"]


def test_content_check_on_an_alias_bomb_exits_1_with_file_and_line(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "zz_bomb.yaml", alias_bomb())
    done = subprocess.run([sys.executable, "-m", "bot", "content", "check", str(folder)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 1
    assert "zz_bomb.yaml:2: (syntax): YAML anchors and aliases" in done.stdout
    assert "Traceback" not in done.stderr


YAML_CHARS = st.sampled_from([*"abcxyz019 -:#&*!|>'\"{}[],?%@`\n\t\\", "\u00e9", "\x00"])
SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=30)
TREES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5)
                     | st.dictionaries(st.text(max_size=12) | st.sampled_from(
                         ["roles", "questions", "id", "options", "weights", "paths", "stages",
                          "title", "name", "label"]), inner, max_size=5), max_leaves=30)


@settings(max_examples=150, deadline=timedelta(seconds=5), derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(YAML_CHARS, max_size=300), TREES.map(yaml.safe_dump)))
def test_random_yaml_gets_problems_never_an_exception(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "fuzz"
    folder.mkdir(exist_ok=True)
    (folder / "meta.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    content, problems = check_content(folder)
    assert (content is None) == bool(problems)
    assert all(p.startswith("meta.yaml:") for p in problems), problems
