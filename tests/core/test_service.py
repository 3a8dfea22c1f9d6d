"""The service on a real store (SQLite; PostgreSQL with PATHBOT_TEST_DB=postgres): the
whole quiz journey and every press check."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.bundled import bundled_dir
from bot.core import actions
from bot.core.cards import Card
from bot.core.content import load_content
from bot.core.dm import DmOutcome
from bot.core.errors import (
    AlreadyAnswered,
    ContentChanged,
    InvalidAction,
    NoResultYet,
    NotAllowed,
    NotYourQuiz,
    RoleRemoved,
    UnknownDimension,
    UnknownRole,
    UnknownSession,
)
from bot.core.models import Content, Place, UserRef
from bot.core.ports import Store
from bot.core.service import Service
from tests.conftest import THREE_ROLES

PLACE = Place("discord", "guild1", "chan1")
ALICE = UserRef("discord", "", "alice")
BOB = UserRef("discord", "", "bob")


def button(card: Card, label_part: str) -> str:
    return next(b.action_id for b in card.all_buttons() if label_part in b.label)


async def start(service: Service, user: UserRef = ALICE) -> Card:
    card_id, _ = await service.open_quiz(PLACE)
    return (await service.press(user, actions.build("start", card_id), PLACE)).card


async def finish_as(service: Service, role_id: str, user: UserRef = ALICE) -> Card:
    """A full quiz answered with the option that favours `role_id` most, each time."""
    card = await start(service, user)
    for question in service.content.questions:
        best = max(range(len(question.options)), key=lambda i: question.options[i].weight(
            role_id) * 2 - sum(question.options[i].weight(r.id) for r in service.content.roles))
        card = (await service.press(user, card.buttons[0][best].action_id, PLACE)).card
    return card


async def finish(service: Service, user: UserRef = ALICE, pick: int = 0) -> Card:
    card = await start(service, user)
    for _ in service.content.questions:
        row = card.buttons[0]
        card = (await service.press(user, row[min(pick, len(row) - 1)].action_id, PLACE)).card
    return card


def test_compare_and_role(service: Service) -> None:
    full = service.compare()
    assert len(full.fields) == len(service.content.dimensions)
    one = service.compare("math_depth")
    assert len(one.fields) == 1 and "AI Engineer" in one.fields[0].value
    assert service.role("ml engineer").title.startswith("📊 ML Engineer")
    assert service.role("AI_Engineer").title.startswith("🤖 AI Engineer")
    with pytest.raises(UnknownRole) as caught:
        service.role("data wizard")
    assert "AI Engineer" in caught.value.user_message
    with pytest.raises(UnknownDimension):
        service.compare("salary")
    assert service.role_choices("ml") == [("ML Engineer", "ml_engineer")]


async def test_full_quiz_shows_progress_result_and_saves(service: Service) -> None:
    card = await start(service)
    total = len(service.content.questions)
    assert card.title.endswith(f"1/{total}")
    for n in range(total):
        assert f"{n + 1}/{total}" in card.title
        reply = await service.press(ALICE, card.buttons[0][-1].action_id, PLACE)
        card = reply.card
    assert card.title.startswith("Your result:")
    assert sum(int(f.value.split()[-1].rstrip("%")) for f in card.fields) == 100
    assert [b.label for b in card.all_buttons()] == [
        "Share to channel", "Send me my learning path", "Retake"]
    assert len(reply.refresh_cards) == 1  # the quiz card it was started from
    assert await service.quiz_card(reply.refresh_cards[0]) is not None
    results = await service.results(ALICE)
    assert len(results.fields) == 1 and service.content.version in results.fields[0].value


async def test_back_goes_one_question_back_and_allows_a_new_answer(service: Service) -> None:
    first = await start(service)
    second = (await service.press(ALICE, first.buttons[0][0].action_id, PLACE)).card
    back = button(second, "Back")
    again = (await service.press(ALICE, back, PLACE)).card
    assert again.title == first.title
    with pytest.raises(AlreadyAnswered):  # second press of the same Back
        await service.press(ALICE, back, PLACE)
    third = (await service.press(ALICE, again.buttons[0][1].action_id, PLACE)).card
    assert "2/" in third.title


async def test_presses_are_checked_and_refusals_write_nothing(
    service: Service, store: Store
) -> None:
    first = await start(service)
    answer = first.buttons[0][0].action_id
    with pytest.raises(NotYourQuiz):
        await service.press(BOB, answer, PLACE)
    await service.press(ALICE, answer, PLACE)
    with pytest.raises(AlreadyAnswered):  # double press
        await service.press(ALICE, answer, PLACE)
    session_id = actions.parse(answer).ref
    session = await store.get_session(session_id)
    assert session is not None and session.answers == (0,)
    with pytest.raises(InvalidAction):
        await service.press(ALICE, answer[:-3] + "x:y", PLACE)
    with pytest.raises(InvalidAction):  # option index out of range
        await service.press(ALICE, actions.build("ans", session_id, 1, 9), PLACE)
    with pytest.raises(UnknownSession):
        await service.press(ALICE, actions.build("ans", "nosuchsession", 0, 0), PLACE)
    after = await store.get_session(session_id)
    assert after is not None and after.answers == (0,)


async def test_concurrent_double_press_stores_one_answer(
    service: Service, store: Store
) -> None:
    first = await start(service)
    answer = first.buttons[0][0].action_id
    outcomes = await asyncio.gather(
        *[service.press(ALICE, answer, PLACE) for _ in range(10)], return_exceptions=True)
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, AlreadyAnswered) for o in outcomes if isinstance(o, Exception))
    session = await store.get_session(actions.parse(answer).ref)
    assert session is not None and session.answers == (0,)


async def test_content_change_is_refused_and_writes_nothing(
    service: Service, store: Store
) -> None:
    first = await start(service)
    answer = first.buttons[0][0].action_id
    changed = Service(load_content(THREE_ROLES), store)
    with pytest.raises(ContentChanged):
        await changed.press(ALICE, answer, PLACE)
    session = await store.get_session(actions.parse(answer).ref)
    assert session is not None and session.answers == ()


def renamed_content(tmp_path: Path, old: str, new: str) -> Content:
    """The bundled content with every occurrence of `old` replaced: a new version."""
    folder = tmp_path / "content"
    folder.mkdir(parents=True)
    for file in bundled_dir("content").glob("*.yaml"):
        (folder / file.name).write_text(file.read_text("utf-8").replace(old, new), "utf-8")
    return load_content(folder)


async def test_double_start_makes_one_session(service: Service, store: Store) -> None:
    card_id, _ = await service.open_quiz(PLACE)
    start_id = actions.build("start", card_id)
    cards = await asyncio.gather(*(service.press(ALICE, start_id, PLACE) for _ in range(4)))
    assert len({reply.card.buttons[0][0].action_id for reply in cards}) == 1


async def test_result_buttons_after_the_content_changed(
    service: Service, store: Store, tmp_path: Path
) -> None:
    result = await finish_as(service, "ml_engineer")
    assert "ML Engineer" in result.title
    path_button, share = button(result, "learning path"), button(result, "Share")
    newer = Service(renamed_content(tmp_path / "a", "Which path fits you?", "Which fits?"),
                    store)
    path = await newer.press(ALICE, path_button, PLACE)  # old answers are not reused
    assert path.dm is not None and all(s.heading != "From your answers" for s in path.dm.sections)
    removed = Service(renamed_content(tmp_path / "b", "ml_engineer", "ml_eng"), store)
    with pytest.raises(RoleRemoved):
        await removed.press(ALICE, share, PLACE)
    with pytest.raises(RoleRemoved):
        await removed.path(ALICE)
    assert (await store.list_results(ALICE))[0].shared is False  # nothing was marked


async def test_share_once_path_and_retake(service: Service) -> None:
    result = await finish(service, pick=0)
    share = button(result, "Share")
    shared = await service.press(ALICE, share, PLACE, mention="<@alice>")
    assert shared.public is not None and "<@alice>" in shared.public.sections[0].text
    assert (await service.press(ALICE, share, PLACE)).public is None  # second click harmless
    with pytest.raises(NotYourQuiz):
        await service.press(BOB, share, PLACE)
    path = await service.press(ALICE, button(result, "learning path"), PLACE)
    assert path.dm is not None and path.dm.title.startswith("Learning path:")
    assert len(path.dm.fields) >= 3
    retake = (await service.press(ALICE, button(result, "Retake"), PLACE)).card
    assert retake.title.endswith(f"1/{len(service.content.questions)}")


async def test_start_again_resumes_the_open_session(service: Service) -> None:
    card_id, _ = await service.open_quiz(PLACE)
    first = (await service.press(ALICE, actions.build("start", card_id), PLACE)).card
    await service.press(ALICE, first.buttons[0][0].action_id, PLACE)
    resumed = (await service.press(ALICE, actions.build("start", card_id), PLACE)).card
    assert "2/" in resumed.title


async def test_path_by_role_latest_result_and_closed_dms(service: Service) -> None:
    with pytest.raises(NoResultYet):
        await service.path(ALICE)
    by_role = await service.path(ALICE, "ml")
    assert by_role.dm is not None and "ML Engineer" in by_role.dm.title
    await finish(service, pick=0)
    latest = await service.path(ALICE)
    assert latest.dm is not None
    fallback = await service.after_dm(ALICE, latest.dm, DmOutcome.CLOSED)
    assert fallback is not None
    assert "DMs are closed" in fallback.footer
    again = await service.path(ALICE)
    assert again.dm is None and "DMs are closed" in again.card.footer  # remembered, no retry


async def test_forget_deletes_everything_about_the_user(
    service: Service, store: Store
) -> None:
    await finish(service, ALICE)
    await finish(service, BOB)
    prompt = service.forget_prompt()
    kept = await service.press(ALICE, button(prompt, "Cancel"), PLACE)
    assert kept.card.title == "Nothing deleted"
    assert (await service.results(ALICE)).fields
    card_ids = {r.card_id for r in await store.list_results(ALICE)}
    assert kept.refresh_cards == ()
    done = await service.press(ALICE, button(prompt, "Yes"), PLACE)
    assert done.card.title == "Deleted"
    assert set(done.refresh_cards) == card_ids and card_ids  # their tallies lose ALICE
    assert not (await service.results(ALICE)).fields
    assert (await service.results(BOB)).fields


async def test_stats_counts_latest_result_per_person_and_needs_admin(service: Service) -> None:
    await finish(service, ALICE, pick=0)
    await finish(service, ALICE, pick=0)
    await finish(service, BOB, pick=0)
    with pytest.raises(NotAllowed):
        await service.stats(PLACE, is_admin=False)
    card = await service.stats(PLACE, is_admin=True)
    assert card.sections[0].text.startswith("2 people have")


async def test_three_role_content_runs_compare_and_quiz(store: Store) -> None:
    content: Content = load_content(THREE_ROLES)
    service = Service(content, store)
    assert "Data Engineer" in service.compare().fields[0].value
    result = await finish(service, pick=2)
    assert len(result.fields) == 3
    assert result.title.startswith("Your result:")


def test_tally_shares_always_sum_to_100(content: Content) -> None:
    from bot.core import card_builders as build

    card = build.stats(content, {"ai_engineer": 2, "ml_engineer": 1})
    shares = [int(f.value.split(" · ")[1].rstrip("%")) for f in card.fields]
    assert shares == [67, 33]
    assert [f.value for f in build.stats(content, {}).fields] == ["0 · 0%", "0 · 0%"]


@pytest.mark.parametrize("elsewhere", [Place("discord", "guild2", "chan1"),
                                       Place("slack", "guild1", "chan1")])
async def test_a_card_starts_only_in_its_own_server(service: Service, elsewhere: Place) -> None:
    card_id, _ = await service.open_quiz(PLACE)
    with pytest.raises(InvalidAction):
        await service.press(ALICE, actions.build("start", card_id), elsewhere)
    await service.press(ALICE, actions.build("start", card_id), PLACE)  # at home it works
