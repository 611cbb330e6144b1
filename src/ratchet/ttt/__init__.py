"""Test-time self-improvement (card 4): find the inputs the model is unsure of, write similar
training examples for each (the model itself: TT-SI; a teacher: TT-D), fine-tune a LoRA for a few
steps, answer, reset.

    ratchet eval --suite toolcall --strategy tt-si --tau 0.5 --k 4

Modules: `uncertainty` (margin, agreement, mean log-probability), `calibration` (AUROC,
accuracy-coverage), `scoring` (candidate log-likelihood with llama.cpp), `augment` (writing and
filtering examples), `session` (train, answer, reset with a hash check), `solver` (the
strategies), `report` (reading runs back).
"""

from ratchet.ttt.calibration import accuracy_coverage, error_auroc, summarise_estimate
from ratchet.ttt.session import LoraSession, ResetError, ScriptedSession, TestTimeTraining
from ratchet.ttt.solver import TestTimeDistillation, TestTimeSelfImprovement
from ratchet.ttt.uncertainty import Uncertainty, agreement, estimate, margin, softmax

__all__ = [
    "LoraSession",
    "ResetError",
    "ScriptedSession",
    "TestTimeDistillation",
    "TestTimeSelfImprovement",
    "TestTimeTraining",
    "Uncertainty",
    "accuracy_coverage",
    "agreement",
    "error_auroc",
    "estimate",
    "margin",
    "softmax",
    "summarise_estimate",
]
