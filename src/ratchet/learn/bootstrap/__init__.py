"""Traj-Bootstrap (docs/METHODS.md card 1): an agent grows a database of its own successful
trajectories and uses them as in-context examples; +DB-curation (population-based) and
+exemplar-curation (empirical utility). `traj_bootstrap(...)` returns the database as an artifact."""

from ratchet.learn.bootstrap.config import CURATIONS, BootstrapConfig
from ratchet.learn.bootstrap.curation import (
    ExemplarUtility,
    Replacement,
    exemplar_utilities,
    exploit,
    kept_exemplars,
)
from ratchet.learn.bootstrap.loop import BootstrapResult, traj_bootstrap

__all__ = [
    "CURATIONS",
    "BootstrapConfig",
    "BootstrapResult",
    "ExemplarUtility",
    "Replacement",
    "exemplar_utilities",
    "exploit",
    "kept_exemplars",
    "traj_bootstrap",
]
