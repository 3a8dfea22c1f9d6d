"""Cards built from content and quiz state. Pure: no storage, no platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core import actions
from bot.core.cards import Button, Card, Field, Section
from bot.core.models import Content, Dimension, Role
from bot.core.quiz import Outcome, percentages
from bot.core.records import QuizResult, QuizSession, RoleScore

BAR_WIDTH = 10
BACK = "◀ Back"


def bullets(items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def bar(percent: int) -> str:
    filled = round(percent * BAR_WIDTH / 100)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def role_label(content: Content, role_id: str) -> str:
    role = content.role_index.get(role_id)
    return f"{role.emoji} {role.name}" if role else role_id


def compare(content: Content, only: Dimension | None = None) -> Card:
    dims = (only,) if only else content.dimensions
    fields = tuple(
        Field(d.name, "\n".join(f"{role_label(content, r)}: {v}" for r, v in d.values), False)
        for d in dims
    )
    sections = () if only else (Section(bullets(content.choosing), "Choosing your path"),)
    title = f"{content.title} — {only.name}" if only else content.title
    return Card(title, sections, fields, footer=f"Source: {content.source}")


def role(content: Content, r: Role) -> Card:
    sections = (
        Section(r.summary),
        Section(bullets(r.how_they_work), "How they work"),
        Section(bullets(r.day_to_day), "Day to day"),
        Section(bullets(r.key_skills), "Key skills"),
    )
    fields = (Field("Example", r.example, False), Field("Who it suits", r.suits, False))
    return Card(f"{r.emoji} {r.name}: {r.tagline}", sections, fields,
                footer=f"Source: {content.source}", accent=r.color)


def quiz_card(content: Content, card_id: str, tally: dict[str, int]) -> Card:
    total = sum(tally.values())
    intro = (
        f"{len(content.questions)} quick questions, answered privately with buttons. "
        "Press **Start** — your answers are only visible to you."
    )
    fields = _count_fields(content, tally)
    people = "1 person has" if total == 1 else f"{total} people have"
    start = Button("Start", actions.build("start", card_id), "primary")
    return Card(content.quiz_title, (Section(intro),), fields, ((start,),),
                footer=f"{people} finished · content {content.version}")


def _count_fields(content: Content, counts: dict[str, int]) -> tuple[Field, ...]:
    """A field per role: people and share; shares by largest remainder, so they sum to 100."""
    people = [counts.get(r.id, 0) for r in content.roles]
    shares = percentages(people) if sum(people) else [0] * len(people)
    return tuple(Field(role_label(content, r.id), f"{n} · {share}%")
                 for r, n, share in zip(content.roles, people, shares, strict=True))


def question(content: Content, session: QuizSession) -> Card:
    return question_at(content, session.id, session.position)


def question_at(content: Content, session_id: str, q: int) -> Card:
    """Question `q` of the session: all a question card needs of it is its id."""
    text = _question_texts(content)[q]
    ids = actions.answer_ids(session_id, q, len(text.labels))
    # one id per label (answer_ids above), so map pairs them all
    rows: tuple[tuple[Button, ...], ...] = (tuple(map(Button, text.labels, ids)),)
    if q > 0:
        rows += ((Button(BACK, actions.build("back", session_id, q)),),)
    return Card(text.title, text.sections, (), rows, footer=text.footer)


@dataclass(frozen=True)
class QuestionText:
    """What a question card shows that is the same for everyone at that question."""

    title: str
    sections: tuple[Section, ...]
    footer: str
    labels: tuple[str, ...]


def _question_texts(content: Content) -> tuple[QuestionText, ...]:
    """Built once per content: every press shows the next question, and the same objects
    every time also make the renderers' caches (embeds per card text) cheap to look up."""
    found = _TEXTS.get(id(content))
    if found is not None and found[0] is content:
        return found[1]
    total = len(content.questions)
    texts = tuple(
        QuestionText(f"{content.quiz_title} · {q + 1}/{total}", (Section(item.text),),
                     f"Question {q + 1} of {total} · only you can see this",
                     tuple(opt.label for opt in item.options))
        for q, item in enumerate(content.questions))
    if len(_TEXTS) >= TEXTS_KEPT:  # contents come and go in tests only
        _TEXTS.clear()
    _TEXTS[id(content)] = (content, texts)
    return texts


# id(content) -> (content, its question texts). Content is not cheap to hash (every text),
# so it is found by identity; holding it keeps its id from being reused while cached.
_TEXTS: dict[int, tuple[Content, tuple[QuestionText, ...]]] = {}
TEXTS_KEPT = 8


def result(content: Content, session_id: str, out: Outcome) -> Card:
    top = content.role(out.top_role)
    fields = tuple(_score_field(content, s) for s in out.scores)
    sections = [Section(top.suits, "Why it may fit")]
    if out.drivers:
        lines = [f"“{text}” → **{label}**" for text, label in out.drivers]
        sections.append(Section("\n".join(lines), "What drove it"))
    if out.tied_with:
        names = ", ".join(content.role(x).name for x in out.tied_with)
        sections.append(Section(
            f"It's a tie with {names}: both fit you equally. We show {top.name} first because "
            "it comes first in our list — read both with /role."))
    buttons = (
        Button("Share to channel", actions.build("share", session_id), "primary"),
        Button("Send me my learning path", actions.build("path", session_id), "success"),
        Button("Retake", actions.build("retake", session_id)),
    )
    return Card(f"Your result: {top.emoji} {top.name}", tuple(sections), fields, (buttons,),
                footer="Saved to /results · only you can see this", accent=top.color)


def _score_field(content: Content, score: RoleScore) -> Field:
    return Field(role_label(content, score.role_id), f"{bar(score.percent)} {score.percent}%")


def shared(content: Content, user_mention: str, res: QuizResult) -> Card:
    top = content.role(res.top_role)
    fields = tuple(_score_field(content, s) for s in res.scores)
    text = f"{user_mention} took the quiz: **{top.name}** fits best."
    return Card(f"{content.quiz_title} — {top.emoji} {top.name}", (Section(text),), fields,
                footer="Take it yourself: /quiz", accent=top.color)


def results(content: Content, items: list[QuizResult], progress: str = "") -> Card:
    """`progress`: where the person is on the path of their latest result, if known."""
    if not items:
        return Card("Your results", (Section("No results yet. Take the quiz with /quiz."),))
    fields = tuple(_result_field(content, r) for r in items)
    sections: tuple[Section, ...] = (Section("Newest first."),)
    if progress:
        sections += (Section(progress, "Your learning path"),)
    return Card("Your results", sections, fields,
                footer=f"Current content version {content.version}")


def _result_field(content: Content, res: QuizResult) -> Field:
    when = datetime.fromtimestamp(res.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    scores = " · ".join(f"{role_label(content, s.role_id)} {s.percent}%" for s in res.scores)
    return Field(f"{when} — {role_label(content, res.top_role)}",
                 f"{scores}\ncontent {res.content_version}", False)


def notice(title: str, text: str) -> Card:
    return Card(title, (Section(text),))


def forget_prompt() -> Card:
    buttons = (
        Button("Yes, delete my data", actions.build("forget", "confirm"), "danger"),
        Button("Cancel", actions.build("keep", "cancel")),
    )
    text = ("This deletes every quiz session, answer and result stored about you, and the "
            "note that your DMs are closed. It cannot be undone.")
    return Card("Delete everything pathbot stores about you?", (Section(text),), (), (buttons,))


def stats(content: Content, counts: dict[str, int]) -> Card:
    total = sum(counts.values())
    fields = _count_fields(content, counts)
    who = "1 person has" if total == 1 else f"{total} people have"
    text = f"{who} a result here (each person's latest result counts)."
    return Card("How people here came out", (Section(text),), fields,
                footer=f"Content version {content.version}")


def help_card(commands: list[tuple[str, str]]) -> Card:
    return Card("pathbot — AI Engineer or ML Engineer?",
                (Section("\n".join(f"**{name}** — {what}" for name, what in commands)),))
