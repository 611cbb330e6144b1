"""Experience: an append-only store of attempts with provenance, BM25 retrieval of successful
trajectories as in-context examples, and the database as a saved, loaded, diffed artifact."""

from ratchet.experience.artifact import (
    DatabaseDiff,
    DatabaseRef,
    diff_databases,
    load_exemplar_source,
    resolve_collection,
    save_database,
)
from ratchet.experience.experience import (
    DEFAULT_COLLECTION,
    Experience,
    experience_from_attempt,
    experience_id,
)
from ratchet.experience.retrieval import BM25Index, StoreRetriever, state_windows, tokenize
from ratchet.experience.store import SCHEMA_VERSION, ExperienceStore
from ratchet.experience.utility import ExemplarUtility, UtilityRanking, exemplar_utilities, kept_exemplars

__all__ = [
    "BM25Index",
    "DEFAULT_COLLECTION",
    "DatabaseDiff",
    "DatabaseRef",
    "ExemplarUtility",
    "Experience",
    "ExperienceStore",
    "SCHEMA_VERSION",
    "StoreRetriever",
    "UtilityRanking",
    "diff_databases",
    "exemplar_utilities",
    "experience_from_attempt",
    "experience_id",
    "kept_exemplars",
    "load_exemplar_source",
    "resolve_collection",
    "save_database",
    "state_windows",
    "tokenize",
]
