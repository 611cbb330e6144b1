"""Learning: functions from experience to artifacts, and the gate that decides which artifact
is kept."""

from ratchet.learn.gate import GateDecision, gate, mcnemar_p, paired_bootstrap_p

__all__ = ["GateDecision", "gate", "mcnemar_p", "paired_bootstrap_p"]
