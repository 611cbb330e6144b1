"""Wordcraft-style crafting: combine items by (hidden) commonsense recipes to reach a goal item."""

from ratchet.envs.wordcraft.env import WordcraftEnv, WordcraftSuite, generate_puzzles

__all__ = ["WordcraftEnv", "WordcraftSuite", "generate_puzzles"]
