"""`gsm`: grade-school math word problems from templates (GSM-Symbolic style).

Names, items and numbers vary per instance; each problem takes 2-6 arithmetic steps (its
difficulty) and has an exact integer answer. Instances are deterministic from a seed.
"""

from ratchet.suites.gsm.answer import answer_matches, extract_answer
from ratchet.suites.gsm.suite import GsmSuite
from ratchet.suites.gsm.templates import TEMPLATES

__all__ = ["TEMPLATES", "GsmSuite", "answer_matches", "extract_answer"]
