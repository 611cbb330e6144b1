"""InterCode-style interactive SQL over databases the project generates from a seed."""

from ratchet.envs.sql.env import SqlEnv, SqlSuite, same_result

__all__ = ["SqlEnv", "SqlSuite", "same_result"]
