"""After the quiz, through the service on a real store: stage progress, reminders' state,
refusals for old and foreign buttons, /results and /forget."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core import actions
from bot.core.cards import Card
from bot.core.errors import NotYourPath, PathChanged
from bot.core.models import Content
from bot.core.ports import Store
from bot.core.service import Service
from tests.core.test_service import ALICE, BOB, PLACE, button, finish_as

ROLE = "ai_engineer"


def labels(card: Card) -> list[str]:
    return [b.label for b in card.all_buttons()]


async def path_card(service: Service) -> Card:
    reply = await service.path(ALICE, ROLE)
    assert reply.dm is not None
    return reply.dm


async def test_done_and_undo_move_the_progress(service: Service, store: Store) -> None:
    card = await path_card(service)
    stages = service.content.path_for(ROLE).stages
    assert labels(card) == [f"Done {i}" for i in range(1, len(stages) + 1)] + ["Remind me"]
    assert f"Stage 1 of {len(stages)} — {stages[0].title}" in card.sections[1].text

    card = (await service.press(ALICE, button(card, "Done 1"), PLACE)).card
    assert "Undo 1" in labels(card) and "Done 2" in labels(card)
    assert f"Stage 2 of {len(stages)} — {stages[1].title}" in card.sections[1].text
    assert card.fields[0].name.startswith("✅ 1.")
    assert stages[1].goal in card.sections[1].text
    assert await store.stages_done(ALICE, ROLE) == {stages[0].id}

    again = await service.press(ALICE, button(await path_card(service), "Undo 1"), PLACE)
    assert "Done 1" in labels(again.card)
    assert await store.stages_done(ALICE, ROLE) == frozenset()


async def test_a_double_press_stores_one_change(service: Service, store: Store) -> None:
    done = button(await path_card(service), "Done 2")
    await service.press(ALICE, done, PLACE)
    await service.press(ALICE, done, PLACE)
    assert await store.stages_done(ALICE, ROLE) == {service.content.path_for(ROLE).stages[1].id}


async def test_the_last_stage_congratulates_with_the_contents_text(service: Service) -> None:
    path = service.content.path_for(ROLE)
    card = await path_card(service)
    card = (await service.press(ALICE, button(card, "Remind me"), PLACE)).card
    for i in range(1, len(path.stages) + 1):
        card = (await service.press(ALICE, button(card, f"Done {i}"), PLACE)).card
    assert path.finished in card.sections[1].text
    assert "Remind me" not in labels(card) and "Stop reminders" not in labels(card)
    nudge = await service.store.get_nudge(ALICE)
    assert nudge is not None and nudge.stopped == "done"


async def test_someone_elses_or_an_old_button_writes_nothing(
    service: Service, store: Store, content: Content
) -> None:
    done = button(await path_card(service), "Done 1")
    with pytest.raises(NotYourPath):
        await service.press(BOB, done, PLACE)
    old = Service(replace(content, version="0" * 12), store)
    with pytest.raises(PathChanged, match="run /path"):
        await old.press(ALICE, done, PLACE)
    forged = actions.build("done", ROLE, 99, version=content.version,
                           owner=actions.owner_tag(ALICE))
    with pytest.raises(PathChanged):
        await service.press(ALICE, forged, PLACE)
    assert await store.stages_done(ALICE, ROLE) == frozenset()
    assert await store.stages_done(BOB, ROLE) == frozenset()


async def test_remind_me_then_stop(service: Service, store: Store) -> None:
    service.nudge_every = 60.0
    card = (await service.press(ALICE, button(await path_card(service), "Remind me"),
                                PLACE)).card
    assert "Stop reminders" in labels(card)
    nudge = await store.get_nudge(ALICE)
    assert nudge is not None and nudge.every == 60.0 and nudge.scope == PLACE.scope
    assert nudge.due_at == pytest.approx(service.clock() + 60.0, abs=5)
    card = (await service.press(ALICE, button(card, "Stop reminders"), PLACE)).card
    assert "Remind me" in labels(card)
    assert await store.get_nudge(ALICE) is None


async def test_closed_dms_stop_reminders_and_path_says_so_once(
    service: Service, store: Store
) -> None:
    await service.press(ALICE, button(await path_card(service), "Remind me"), PLACE)
    await store.stop_nudge(ALICE, "closed")  # what the scheduler does on closed DMs
    first = await service.path(ALICE, ROLE)
    assert "Your reminders stopped" in first.card.sections[0].text
    second = await service.path(ALICE, ROLE)
    assert "Your reminders stopped" not in second.card.sections[0].text


async def test_results_show_the_progress_and_forget_deletes_it(
    service: Service, store: Store
) -> None:
    await finish_as(service, ROLE)
    await service.press(ALICE, button(await path_card(service), "Done 1"), PLACE)
    shown = await service.results(ALICE)
    progress = next(s for s in shown.sections if s.heading == "Your learning path")
    assert "Stage 2 of" in progress.text and "1 of" in progress.text
    await store.forget(ALICE)
    assert await store.stages_done(ALICE, ROLE) == frozenset()


async def test_reminder_card_is_the_next_stage(service: Service, store: Store) -> None:
    from bot.core.records import Nudge

    await service.press(ALICE, button(await path_card(service), "Done 1"), PLACE)
    card = await service.reminder_card(Nudge(ALICE, ROLE, "g", 60.0, 0.0))
    stages = service.content.path_for(ROLE).stages
    assert card is not None and stages[1].title in card.title
    assert labels(card) == ["Done", "Stop reminders"]
    assert actions.parse(button(card, "Done")).question == 1
    assert await service.reminder_card(Nudge(ALICE, "no_such_role", "g", 60.0, 0.0)) is None
