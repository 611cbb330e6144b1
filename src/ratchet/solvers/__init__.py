"""Solvers: how a model is turned into answers. `sample` is plain generation; the other
strategies vote, rank, or correct their own answers, using visible information only.

    from ratchet.solvers import make_solver
    solver = make_solver("self-debug", max_rounds=3)
"""

from ratchet.solvers.base import Solver
from ratchet.solvers.best_of_n import BestOfN
from ratchet.solvers.correction import Corrector
from ratchet.solvers.gated import Gated
from ratchet.solvers.reflexion import Reflexion
from ratchet.solvers.registry import STRATEGIES, check_solver, make_solver, solver_spec
from ratchet.solvers.sample import SampleSolver
from ratchet.solvers.self_consistency import AdaptiveConsistency, SelfConsistency
from ratchet.solvers.self_debug import SelfDebug
from ratchet.solvers.self_refine import SelfRefine

__all__ = [
    "AdaptiveConsistency",
    "BestOfN",
    "Corrector",
    "Gated",
    "Reflexion",
    "STRATEGIES",
    "SampleSolver",
    "SelfConsistency",
    "SelfDebug",
    "SelfRefine",
    "Solver",
    "check_solver",
    "make_solver",
    "solver_spec",
]
