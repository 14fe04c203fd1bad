"""State machines as data: each stateful model declares its transitions, and services, views and
presenters all read that one table. (Django-free, so models can import it while loading.)

A model lists ``TRANSITIONS = {"publish": Transition(sources=(DRAFT,), target=PENDING, ...)}``
and ``STATE_REFUSAL = (code, message)``, the 409 a refused transition answers. The message is
formatted with ``{verb}`` (the transition's verb, else its name), ``{state}`` (the current
state's label, in lower case) and ``{target}``; the response also carries ``"state"``, the
current value.

:func:`can` answers "may this happen now?" (a page shows the button, a beat skips a row);
``jctgov.core.transitions`` refuses (``require``) and moves (``transition``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Transition:
    """One action of a state machine.

    ``target`` None: the service picks the state (a close's outcome, a retry's way back), or
    the action is allowed in ``sources`` without moving. ``code`` and ``message`` empty: the
    model's ``STATE_REFUSAL``. ``audit``: the audit row's action name."""

    sources: tuple[str, ...]
    target: str | None = None
    verb: str = ""
    code: str = ""
    message: str = ""
    audit: str = ""


def rule(obj: Any, action: str) -> Transition:
    """The transition ``action`` of ``obj``'s model (KeyError for an undeclared one: a typo)."""
    return type(obj).TRANSITIONS[action]


def can(obj: Any, *actions: str) -> bool:
    """Does ``obj``'s current state allow any of ``actions``?"""
    return any(obj.state in rule(obj, action).sources for action in actions)
