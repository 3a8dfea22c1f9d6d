"""An answer press costs one store call (Store.answer), and says what it always said when
refused. The store is the real one (SQLite; PostgreSQL with PATHBOT_TEST_DB=postgres),
behind a wrapper that counts the calls made to it."""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest

from bot.core import actions
from bot.core.content import load_content
from bot.core.errors import AlreadyAnswered, ContentChanged, NotYourQuiz, UnknownSession
from bot.core.models import Content
from bot.core.ports import Store
from bot.core.service import Service
from tests.conftest import THREE_ROLES
from tests.core.test_service import ALICE, BOB, PLACE, start


class CountingStore:
    """The real store; each call of one of its coroutine methods counted by name."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if not inspect.iscoroutinefunction(found):
            return found
        return self._counted(name, found)

    def _counted(self, name: str, call: Callable[..., Awaitable[Any]]) -> Any:
        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return await call(*args, **kwargs)

        return counted


@pytest.fixture
def counting(store: Store) -> CountingStore:
    return CountingStore(store)


@pytest.fixture
def service(content: Content, counting: CountingStore) -> Service:
    return Service(content, cast(Store, counting))


async def test_each_answer_but_the_last_is_one_store_call(
    service: Service, counting: CountingStore
) -> None:
    card = await start(service)
    questions = len(service.content.questions)
    for n in range(questions - 1):
        counting.calls.clear()
        card = (await service.press(ALICE, card.buttons[0][0].action_id, PLACE)).card
        assert counting.calls == {"answer": 1}, n
        assert f"{n + 2}/{questions}" in card.title
    counting.calls.clear()  # the last one stores the result: read, then write, as before
    card = (await service.press(ALICE, card.buttons[0][0].action_id, PLACE)).card
    assert card.title.startswith("Your result")
    assert counting.calls == {"get_session": 1, "record_answer": 1}


async def test_a_refused_press_is_one_store_call_with_the_same_refusal(
    service: Service, counting: CountingStore, store: Store
) -> None:
    first = await start(service)
    answer = first.buttons[0][0].action_id
    session_id = actions.parse(answer).ref
    refusals: list[tuple[Service, Any, str, type[Exception]]] = [
        (service, BOB, answer, NotYourQuiz),
        (Service(load_content(THREE_ROLES), cast(Store, counting)), ALICE, answer,
         ContentChanged),
        (service, ALICE, actions.build("ans", "nosuchsession", 0, 0), UnknownSession),
        (service, ALICE, actions.build("ans", session_id, 1, 0), AlreadyAnswered),  # ahead
    ]
    for by, user, action_id, refusal in refusals:
        counting.calls.clear()
        with pytest.raises(refusal):
            await by.press(user, action_id, PLACE)
        assert counting.calls == {"answer": 1}, refusal
    await service.press(ALICE, answer, PLACE)
    counting.calls.clear()
    with pytest.raises(AlreadyAnswered):  # a double press
        await service.press(ALICE, answer, PLACE)
    assert counting.calls == {"answer": 1}
    session = await store.get_session(session_id)
    assert session is not None and session.answers == (0,)
