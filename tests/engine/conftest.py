import pytest

from webapp.engine.testing import Harness


@pytest.fixture
def harness(app):
    return Harness()
