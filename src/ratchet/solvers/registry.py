"""Strategies by name, and their options as one spec string.

A spec names a strategy and the options that differ from its defaults:
`self-debug`, `self-debug:max_rounds=5`, `gated:gate=disagreement,inner=self-debug,tau=0.6`.
`solver_spec(make_solver(...))` gives the canonical spec; it is what a run's config records, so a
run can be repeated from its log alone, and two runs with different options never share a run
directory.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

from ratchet.core import SolverView, Suite
from ratchet.errors import UserError, did_you_mean, unknown_name
from ratchet.models.base import Model
from ratchet.solvers.base import Solver

#: Strategy name -> "module:Class" (imported on first use).
STRATEGIES: dict[str, str] = {
    "sample": "ratchet.solvers.sample:SampleSolver",
    "self-consistency": "ratchet.solvers.self_consistency:SelfConsistency",
    "adaptive-consistency": "ratchet.solvers.self_consistency:AdaptiveConsistency",
    "best-of-n": "ratchet.solvers.best_of_n:BestOfN",
    "self-refine": "ratchet.solvers.self_refine:SelfRefine",
    "self-debug": "ratchet.solvers.self_debug:SelfDebug",
    "reflexion": "ratchet.solvers.reflexion:Reflexion",
    "gated": "ratchet.solvers.gated:Gated",
    "react": "ratchet.solvers.react:ReActSolver",  # multi-turn agent, environment suites only
    # Test-time training (card 4): downstream packages, imported only when named.
    "tt-si": "ratchet.ttt.solver:TestTimeSelfImprovement",
    "tt-d": "ratchet.ttt.solver:TestTimeDistillation",
}

#: How the command line names each option (for error messages).
FLAGS = {"max_rounds": "--max-rounds", "n": "--n-votes", "tau": "--tau", "k": "--k", "teacher": "--teacher"}


def strategy_class(name: str) -> type:
    if name not in STRATEGIES:
        raise unknown_name("strategy", name, STRATEGIES)
    module, _, attribute = STRATEGIES[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def options_of(cls: type) -> dict[str, dataclasses.Field]:
    if not dataclasses.is_dataclass(cls):
        return {}
    return {f.name: f for f in dataclasses.fields(cls) if f.init}


def make_solver(name: str, **options: Any) -> Solver:
    """A strategy by name (or spec, e.g. "self-debug:max_rounds=5") with options; options that are
    None are left at their defaults."""
    name, spec_options = parse_spec(name)
    cls = strategy_class(name)
    known = options_of(cls)
    given = {**spec_options, **{k: v for k, v in options.items() if v is not None}}
    for option in given:
        if option not in known:
            flag = f" ({FLAGS[option]})" if option in FLAGS else ""
            choices = ", ".join(known) or "none"
            raise UserError(
                f"strategy '{name}' takes no option '{option}'{flag}"
                f"{did_you_mean(option, known)}; its options: {choices}"
            )
    return cls(**{k: _convert(known[k], v, name) for k, v in given.items()})


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """"name:key=value,key=value" -> (name, {key: value}) with values still text."""
    name, _, rest = spec.strip().partition(":")
    options: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, equals, value = part.partition("=")
        if not equals or not key.strip():
            raise UserError(f"bad strategy option '{part}' in '{spec}': write key=value, e.g. self-debug:max_rounds=5")
        options[key.strip()] = value.strip()
    return name.strip(), options


def solver_spec(solver: Solver) -> str:
    """The canonical spec of a strategy: its name and the options that differ from defaults."""
    changed = []
    for option, field in options_of(type(solver)).items():
        value = getattr(solver, option)
        if value != field.default:
            changed.append(f"{option}={value}")
    return solver.name + (":" + ",".join(changed) if changed else "")


def check_solver(solver: Solver, suite: Suite | SolverView, model: Model | None = None) -> None:
    """Refuse, before any model call, a strategy that cannot work with this suite or model
    (`model` None checks the suite only, e.g. before a model is loaded). The strategy's own
    `check(view, model)` sees the suite's public part only, as `solve` does."""
    view = SolverView(suite)
    if view.has_episodes and not getattr(solver, "acts_in_environments", False):
        raise UserError(f"suite '{view.name}' is an environment played over many turns; strategy "
                        f"'{solver.name}' answers in one go: use --solver react")
    check = getattr(solver, "check", None)
    if check is not None:
        check(view, model)


def _convert(field: dataclasses.Field, value: Any, strategy: str) -> Any:
    if not isinstance(value, str):
        return value
    kind = str(field.type)
    try:
        if value.lower() == "none" and "None" in kind:
            return None
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
    except ValueError:
        raise UserError(f"strategy '{strategy}' option {field.name} must be a number, got '{value}'") from None
    return value
