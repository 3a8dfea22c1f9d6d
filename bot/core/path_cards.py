"""Cards of the learning path: the path with its progress and buttons, and the reminder.

The path card shows where the person is ("Stage 2 of 5 — …", a bar, the next stage's
goal and practice project), every stage with a ✅ once done, a **Done** (or **Undo**)
button per stage, and **Remind me** / **Stop reminders**. Its buttons carry the content
version and the owner's tag (actions.py), so a press on an old or someone else's card is
refused before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import actions
from bot.core.cards import Button, Card, Field, Section
from bot.core.learning_paths import PathAdvice
from bot.core.models import Content, LearningPath, Stage

ROW = 5  # buttons per row (Discord's limit; Slack shows them as one block)
PROGRESS_WIDTH = 10


@dataclass(frozen=True)
class Progress:
    """What the person did with this path: stages done, reminders on, whose it is."""

    owner: str  # actions.owner_tag of the person
    done: frozenset[str] = frozenset()
    reminders: bool = False


def next_stage(path: LearningPath, done: frozenset[str]) -> tuple[int, Stage] | None:
    """The first stage not done (its index), or None when every stage is done."""
    return next(((i, s) for i, s in enumerate(path.stages) if s.id not in done), None)


def progress_bar(done: int, total: int) -> str:
    filled = round(done * PROGRESS_WIDTH / total) if total else 0
    return "▰" * filled + "▱" * (PROGRESS_WIDTH - filled) + f" {done} of {total} done"


def progress_line(path: LearningPath, done: frozenset[str]) -> str:
    """"Stage 2 of 5 — Models & prompts", or that the path is complete."""
    upcoming = next_stage(path, done)
    if upcoming is None:
        return f"All {len(path.stages)} stages done"
    index, stage = upcoming
    return f"Stage {index + 1} of {len(path.stages)} — {stage.title}"


def path(content: Content, advice: PathAdvice, progress: Progress | None = None) -> Card:
    """The whole path; with `progress`, where the person is and the buttons to move on."""
    done = progress.done if progress else frozenset()
    sections = [Section(advice.path.intro)]
    if progress is not None:
        sections.append(_where_you_are(content, advice.path, done))
    note = _advice_note(advice)
    if note:
        sections.append(Section(note, "From your answers"))
    fields = tuple(
        Field(f"{'✅ ' if stage.id in done else ''}{i}. {stage.title}",
              _stage_text(content, stage), False)
        for i, stage in enumerate(advice.path.stages, start=1)
    )
    buttons = _buttons(content, advice.path, progress) if progress else ()
    return Card(f"Learning path: {advice.role_name}", tuple(sections), fields, buttons,
                footer=f"Source: {content.source}",
                accent=content.role(advice.path.role_id).color)


def _where_you_are(content: Content, path: LearningPath, done: frozenset[str]) -> Section:
    counted = sum(1 for s in path.stages if s.id in done)
    lines = [f"**{progress_line(path, done)}**", progress_bar(counted, len(path.stages))]
    upcoming = next_stage(path, done)
    if upcoming is None:
        lines.append(f"🎉 {path.finished}")
    else:
        stage = upcoming[1]
        lines += [f"**Next goal:** {stage.goal}", f"**Practice project:** {stage.project}"]
    return Section("\n".join(lines), "Your progress")


def _buttons(
    content: Content, path: LearningPath, progress: Progress
) -> tuple[tuple[Button, ...], ...]:
    role, version, owner = path.role_id, content.version, progress.owner
    stage_buttons = [
        Button(f"Undo {i + 1}", actions.build("undo", role, i, version=version, owner=owner))
        if stage.id in progress.done else
        Button(f"Done {i + 1}", actions.build("done", role, i, version=version, owner=owner),
               "success")
        for i, stage in enumerate(path.stages)
    ]
    rows = [tuple(stage_buttons[i:i + ROW]) for i in range(0, len(stage_buttons), ROW)]
    if progress.reminders:
        rows.append((Button("Stop reminders", actions.build("quiet", role, owner=owner)),))
    elif next_stage(path, progress.done) is not None:
        rows.append((Button("Remind me", actions.build("remind", role, version=version,
                                                        owner=owner), "primary"),))
    return tuple(rows)


def reminder(content: Content, path: LearningPath, progress: Progress) -> Card | None:
    """The reminder DM: the next unfinished stage, with Done and Stop reminders; None when
    every stage is done."""
    upcoming = next_stage(path, progress.done)
    if upcoming is None:
        return None
    index, stage = upcoming
    role = content.role(path.role_id)
    counted = sum(1 for s in path.stages if s.id in progress.done)
    text = "\n".join([progress_bar(counted, len(path.stages)), "",
                      _stage_text(content, stage)])
    version, owner = content.version, progress.owner
    buttons = ((Button("Done", actions.build("done", path.role_id, index, version=version,
                                              owner=owner), "success"),
                Button("Stop reminders", actions.build("quiet", path.role_id, owner=owner))),)
    return Card(f"Your {role.name} path: {progress_line(path, progress.done)}",
                (Section(text),), (), buttons,
                footer="A reminder you asked for · /path shows the whole path",
                accent=role.color)


def _advice_note(advice: PathAdvice) -> str:
    lines = []
    if advice.has:
        lines.append(f"You seem to have a head start in: {', '.join(advice.has)}.")
    if advice.lacks:
        lines.append(f"Give extra time to: {', '.join(advice.lacks)}.")
    return "\n".join(lines)


def _stage_text(content: Content, stage: Stage) -> str:
    return "\n".join([
        f"**Goal:** {stage.goal}",
        f"**Skills:** {', '.join(content.skill_name(s) for s in stage.skills)}",
        f"**Practice project:** {stage.project}",
        f"**Resources:** {'; '.join(stage.resources)}",
    ])
