import pytest

from webapp.simulation import Harness


@pytest.fixture
def harness(app):
    return Harness()
