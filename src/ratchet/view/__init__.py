"""A read-only browser over a runs directory (`ratchet view RUNS`): runs side by side with 95%
intervals, per-task attempts, the tasks two runs disagree on, and an improvement run's gate
decisions. It only reads logs."""

from ratchet.view.catalog import Catalog, EvalRun, ImproveRun, scan
from ratchet.view.server import make_server, render

__all__ = ["Catalog", "EvalRun", "ImproveRun", "make_server", "render", "scan"]
