"""Analysis of runs: the confidence/critique decomposition of self-correction, cost and pass@t,
and the comparison of strategies (table, plots, HTML report). Reads attempts, never re-judges."""

from ratchet.analysis.compare import Comparison, StrategyRun, resolve_strategies, run_comparison, run_dir_name
from ratchet.analysis.correction import (
    CorrectionStats,
    accuracy_by_round,
    before_after,
    correction_stats,
    stop_reasons,
)
from ratchet.analysis.cost import Cost, cost_of, pass_at_t, resampling_curve, seconds_per_token, vote_curve
from ratchet.analysis.report import markdown_table, write_report

__all__ = [
    "Comparison",
    "CorrectionStats",
    "Cost",
    "StrategyRun",
    "accuracy_by_round",
    "before_after",
    "correction_stats",
    "cost_of",
    "markdown_table",
    "pass_at_t",
    "resampling_curve",
    "resolve_strategies",
    "run_comparison",
    "run_dir_name",
    "seconds_per_token",
    "stop_reasons",
    "vote_curve",
    "write_report",
]
