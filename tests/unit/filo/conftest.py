"""Credit fixtures (tests/credit/fixtures.py)."""

from tests.credit.fixtures import *  # noqa: F401,F403
