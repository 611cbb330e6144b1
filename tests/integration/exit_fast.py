"""A pytest plugin for a child pytest process: once the session has reported, leave with its
exit status through os._exit, so no native destructor (xllamacpp's server) runs at the end."""

from __future__ import annotations

import os
import sys

_status = {"code": 1}


def pytest_sessionfinish(session, exitstatus) -> None:
    _status["code"] = int(exitstatus)


def pytest_unconfigure(config) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_status["code"])
