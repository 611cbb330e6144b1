"""Task suites: HumanEval, generated grade-school maths (gsm), and your own."""

from ratchet.suites.custom import JsonlSuite
from ratchet.suites.registry import SUITES, load_suite

__all__ = ["JsonlSuite", "SUITES", "load_suite"]
