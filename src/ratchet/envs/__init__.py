"""Environments for multi-turn agents, and the suites that wrap them (see docs/ENVIRONMENTS.md)."""

from ratchet.envs.base import (
    Environment,
    EnvSuite,
    Episode,
    EpisodeLimits,
    EpisodeStep,
    StepResult,
    parse_actions,
)

__all__ = [
    "EnvSuite",
    "Environment",
    "Episode",
    "EpisodeLimits",
    "EpisodeStep",
    "StepResult",
    "parse_actions",
]
