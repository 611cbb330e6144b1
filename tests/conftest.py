"""Suite-wide test policy: with RATCHET_REQUIRE_REAL=1 every skip fails (tests/require_real.py)."""

from tests.require_real import (  # noqa: F401 - hooks
    pytest_configure,
    pytest_make_collect_report,
    pytest_runtest_makereport,
)
