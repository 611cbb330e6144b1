"""The vocabulary every part of Ratchet shares: task, suite, solution, attempt, verdict."""

from ratchet.core.attempt import Attempt, Solution, Turn, Usage
from ratchet.core.exemplar import Exemplar, ExemplarSource
from ratchet.core.suite import Message, PublicSuite, SolverView, Suite, SuiteBase, SuiteMethods, public_part
from ratchet.core.task import SPLIT_FRACTIONS, Split, Task, assign_splits
from ratchet.core.verdict import Status, Verdict

__all__ = [
    "Attempt",
    "Exemplar",
    "ExemplarSource",
    "Message",
    "PublicSuite",
    "SPLIT_FRACTIONS",
    "Solution",
    "SolverView",
    "Split",
    "Status",
    "Suite",
    "SuiteBase",
    "SuiteMethods",
    "Task",
    "Turn",
    "Usage",
    "Verdict",
    "assign_splits",
    "public_part",
]
