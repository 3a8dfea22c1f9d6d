"""Read YAML while remembering where every value came from, to report `file:line: path`.

The reader never stops at the first problem: it records each one and returns a harmless
placeholder so validation goes on, and the author sees every problem in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# Content files are a few KB (the bundled ones are at most 11 KB; a big file can be split,
# as the lists of all files are joined). The cap keeps checking any file, good or hostile,
# well under a second (bench/hostile.py: 64 KiB of valid content takes ~0.2 s).
MAX_FILE_BYTES = 64 * 1024
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: ~7x faster
_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True)
class At:
    """A place in a content file: file name, 1-based line, and a dotted path."""

    file: str
    line: int
    path: str

    def child(self, node: yaml.Node, key: str | int) -> At:
        path = f"{self.path}[{key}]" if isinstance(key, int) else f"{self.path}.{key}"
        return At(self.file, node.start_mark.line + 1, path.lstrip("."))


def first_anchor(text: str) -> int:
    """The 1-based line of the first anchor or alias in `text`, or 0 when there is none.

    Why refuse them: an alias is a reference, and every place that reads it walks the
    whole referenced tree again, so a few KB of aliases can stand for billions of nodes
    (a "billion laughs"). Content has no need for them."""
    if "&" not in text and "*" not in text:  # no anchor or alias can be written without
        return 0
    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            return int(mark.line) + 1 if mark is not None else 1
    return 0


class Reader:
    """Collects problems as `file:line: path: problem` strings."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, at: At, problem: str) -> None:
        self.problems.append(f"{at.file}:{at.line}: {at.path or '(file)'}: {problem}")

    def compose(self, file: Path) -> yaml.Node | None:
        """The file's node tree; None (and a problem) when it is too big, uses anchors or
        aliases, or is not YAML."""
        try:
            size = file.stat().st_size
            if size > MAX_FILE_BYTES:
                self.fail(At(file.name, 1, "(file)"), f"the file is {size:,} bytes, more than "
                          f"the limit of {MAX_FILE_BYTES:,}: split it into several files")
                return None
            text = file.read_text(encoding="utf-8")
            line = first_anchor(text)
            if line:
                self.fail(At(file.name, line, "(syntax)"), "YAML anchors and aliases (&name, "
                          "*name) are not allowed in content: write the value out")
                return None
            return yaml.compose(text, Loader=LOADER)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            self.fail(At(file.name, line, "(syntax)"), str(exc.problem or exc))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            self.fail(At(file.name, 1, "(file)"), f"cannot read: {exc}")
        return None

    def mapping(
        self, node: yaml.Node, at: At, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, tuple[yaml.Node, At]]:
        """The entries of a mapping; unknown, duplicate and missing keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            keys = ", ".join(required or optional)
            self.fail(at, f"expected a mapping with the keys {keys}")
            return {}
        found: dict[str, tuple[yaml.Node, At]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = at.child(key_node, key)
            if key in found:
                self.fail(child, "duplicate key")
            elif key not in required and key not in optional:
                self.fail(child, f"unknown key (allowed: {', '.join(required + optional)})")
            else:
                found[key] = (value_node, child)
        for key in required:
            if key not in found:
                self.fail(at, f"missing field '{key}'")
        return found

    def text(self, node: yaml.Node, at: At, max_len: int) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _TAG + "str":
            hint = " (put it in quotes)" if isinstance(node, yaml.ScalarNode) else ""
            self.fail(at, f"expected text{hint}")
            return ""
        value = str(node.value).strip()
        if not value:
            self.fail(at, "must not be empty")
        elif len(value) > max_len:
            self.fail(at, f"text is {len(value)} characters, longer than the limit of {max_len}")
        return value

    def ident(self, node: yaml.Node, at: At) -> str:
        value = self.text(node, at, 32)
        if value and not ID_PATTERN.match(value):
            self.fail(at, f"id {value!r} must be lowercase letters, digits and _")
        return value

    def integer(self, node: yaml.Node, at: At, minimum: int = 0) -> int:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _TAG + "int":
            self.fail(at, "expected a whole number")
            return 0
        try:  # YAML 1.1 integers (010, 0_1, 1:30) that int() alone does not read
            value = int(yaml.constructor.SafeConstructor().construct_yaml_int(node))
        except (ValueError, yaml.YAMLError):
            self.fail(at, f"{node.value!r} is not a whole number that pathbot can read")
            return 0
        if value < minimum:
            self.fail(at, f"must be at least {minimum}")
        return value

    def sequence(self, node: yaml.Node, at: At) -> list[tuple[yaml.Node, At]]:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(at, "expected a list")
            return []
        return [(item, at.child(item, i)) for i, item in enumerate(node.value)]

    def text_list(self, node: yaml.Node, at: At, max_len: int) -> tuple[str, ...]:
        items = self.sequence(node, at)
        if not items and isinstance(node, yaml.SequenceNode):
            self.fail(at, "must not be empty")
        return tuple(self.text(item, item_at, max_len) for item, item_at in items)

    def id_list(self, node: yaml.Node, at: At) -> tuple[tuple[str, At], ...]:
        items = self.sequence(node, at)
        return tuple((self.ident(item, item_at), item_at) for item, item_at in items)

    def keyed(self, node: yaml.Node, at: At) -> list[tuple[str, yaml.Node, At]]:
        """A mapping whose keys are ids (role id -> value)."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(at, "expected a mapping of role id to value")
            return []
        out: list[tuple[str, yaml.Node, At]] = []
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if any(key == seen for seen, _, _ in out):
                self.fail(at.child(key_node, key), "duplicate key")
                continue
            out.append((key, value_node, at.child(key_node, key)))
        return out
