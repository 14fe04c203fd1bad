"""Fixtures of the grants tests: two assigned reviewers and an open, funded program."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.grants.factories import make_program


@pytest.fixture
def reviewers(db) -> list:
    return [UserFactory(), UserFactory()]


@pytest.fixture
def program(reviewers):
    return make_program(reviewers=reviewers)


@pytest.fixture
def applicant(db):
    return UserFactory()
