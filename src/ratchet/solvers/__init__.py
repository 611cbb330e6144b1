"""Solvers: how a model is turned into answers (plain sampling here; strategies build on it)."""

from ratchet.solvers.base import Solver
from ratchet.solvers.sample import SampleSolver

__all__ = ["SampleSolver", "Solver"]
