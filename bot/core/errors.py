"""Errors a user can act on. Adapters show `user_message` privately; anything else is a bug."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

# What every adapter says, privately, when a handler fails for a reason that is not the
# user's (the failure itself is logged with its traceback).
APOLOGY = "Sorry, something went wrong on our side; it has been logged. Please try again."


class DomainError(Exception):
    """Base class: the message is written for the person who pressed or typed."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class InvalidAction(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "This button is not valid (it may have been altered or belong to an old "
            "message). Run /quiz to start a fresh quiz."
        )


class NotYourQuiz(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "This quiz belongs to someone else. Press **Start** on the quiz card to take "
            "your own."
        )


class AlreadyAnswered(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "Already answered: that question is behind you. Use the buttons on your "
            "latest quiz message."
        )


class ContentChanged(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "The quiz changed since you started — press **Retake** (or Start on the quiz "
            "card) to take the current version."
        )


class UnknownSession(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "That quiz no longer exists: it expired (unfinished quizzes are deleted after "
            "a while) or was deleted with /forget. Press Start on the quiz card, or run "
            "/quiz, to take it again."
        )


class UnknownRole(DomainError):
    def __init__(self, given: str, choices: list[str]) -> None:
        names = ", ".join(choices)
        super().__init__(f"There is no role called {given!r}. Choose one of: {names}."
                         if given else f"Name a role: {names}.")
        self.choices = choices


class RoleRemoved(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "That result is for a role pathbot no longer offers (the content changed since). "
            "Press **Retake** or run /quiz for a current result, or /path <role>."
        )


class UnknownDimension(DomainError):
    def __init__(self, given: str, choices: list[str]) -> None:
        super().__init__(
            f"There is no comparison dimension called {given!r}. "
            f"Choose one of: {', '.join(choices)}."
        )
        self.choices = choices


class NoResultYet(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "You have no quiz result yet. Take the quiz with /quiz, or name a role: "
            "/path <role>."
        )


class PathChanged(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "The learning path changed since this message was sent — run /path for the "
            "current one (your progress is kept)."
        )


class NotYourPath(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "This learning path belongs to someone else. Run /path for your own."
        )


class NotAllowed(DomainError):
    pass


class ContentError(Exception):
    """Raised when content does not validate; `problems` is every problem found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def user_text(exc: BaseException, what: str) -> str:
    """The one way a failure becomes what the person is told (privately), and its log line.

    A DomainError is something they can act on: its message, logged at INFO without ids.
    Anything else is a bug: logged with its traceback, and a short apology. `what` names
    what failed for the log: a command name or a button id (never a token or a user id).
    """
    if isinstance(exc, DomainError):
        log.info("refused %s: %s", what, type(exc).__name__)
        return exc.user_message
    log.error("unexpected error handling %s", what, exc_info=exc)
    return APOLOGY
