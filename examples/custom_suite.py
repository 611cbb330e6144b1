"""A suite you bring: tasks in JSONL, your own verifier in Python.

    ratchet eval --suite examples/custom_suite.py --split test
"""

from pathlib import Path

from ratchet.suites import JsonlSuite


def verify(answer: str, gold: str) -> bool:
    """Right when the gold capital appears in the answer, ignoring case and punctuation."""
    return gold.lower() in answer.lower().strip(" .!")


suite = JsonlSuite(Path(__file__).with_name("capitals.jsonl"), verify=verify, name="capitals")
