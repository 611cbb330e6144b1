"""InterCode-style SQL: the agent queries a generated SQLite database, sees results, and submits.

Actions: an SQL query (one SELECT statement) runs and shows its result; `submit` hands in the
result of the last query that ran, `submit <query>` runs a query and hands in its result. Success
is a result equal to the gold query's: compared as a multiset of rows, or as a list when the gold
query sorts (ORDER BY). Column names do not matter; numbers are compared to 6 decimal places. A
result cut off at MAX_ROWS rows is never a success.

The agent's connection is read-only twice over (`PRAGMA query_only`, and an authorizer that
allows reading and nothing else), attaches no other database, caps every value at MAX_VALUE_BYTES
and every result at MAX_RESULT_BYTES, and gives each query a time limit; an error, a write or a
timeout is an observation, not an exception. The gold result comes from a connection of its own
to the pristine database, so nothing the agent runs can reach it.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache, cached_property, partial

from ratchet.core import Task
from ratchet.envs.base import EnvSuite, EpisodeLimits, StepResult
from ratchet.envs.sql.databases import open_database, schema_text
from ratchet.envs.sql.questions import Question, generate_questions

QUERY_SECONDS = 2.0
SHOWN_ROWS = 20
MAX_ROWS = 10_000
MAX_VALUE_BYTES = 100_000  # one string or blob: unbounded, randomblob(100000000) took 2 s and 100 MB
MAX_COLUMNS = 100
MAX_RESULT_BYTES = 16_000_000  # the text and blobs of one result
READ_ONLY = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
SAFE_PRAGMAS = {"table_info", "table_list", "index_list", "foreign_key_list"}
# printf('%.*c', 500000000, 'x') pads one character at a time inside one step of the query, where
# neither the length cap nor the time limit stops it (8 s); a formatted number never matches anyway
DENIED_FUNCTIONS = {"printf", "format"}
DENIED_CALL = re.compile(r"\b(?:printf|format)\s*\(", re.IGNORECASE)
FENCE = re.compile(r"^```\w*\s*|\s*```$")


def read_only(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if action in READ_ONLY:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and arg1 in SAFE_PRAGMAS:  # queries, not settings
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def open_read_only(schema: str, seed: int) -> sqlite3.Connection:
    """The agent's connection: a private copy of the database that cannot be written, attached
    to, or made to build huge values."""
    db = open_database(schema, seed)
    db.execute("PRAGMA query_only = ON")
    db.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    db.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, MAX_COLUMNS)
    db.set_authorizer(read_only)
    return db


@cache
def gold_rows(schema: str, seed: int, gold: str) -> tuple[tuple, ...]:
    """The gold query's result on a fresh copy of the database (memoised per process)."""
    db = open_database(schema, seed)
    try:
        return tuple(db.execute(gold).fetchall())
    finally:
        db.close()


def normalize(rows: Sequence[tuple]) -> list[tuple]:
    return [tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows]


def same_result(rows: Sequence[tuple], gold: Sequence[tuple], ordered: bool) -> bool:
    rows, gold = normalize(rows), normalize(gold)
    return rows == gold if ordered else Counter(rows) == Counter(gold)


def show_rows(columns: Sequence[str], rows: Sequence[tuple]) -> str:
    if not rows:
        return "(no rows)"
    lines = [" | ".join(columns)]
    lines += [" | ".join(_cell(v) for v in row) for row in rows[:SHOWN_ROWS]]
    if len(rows) > SHOWN_ROWS:
        lines.append(f"... {len(rows) - SHOWN_ROWS} more rows")
    return "\n".join(lines) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})"


def _cell(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


class _TooLarge(Exception):
    """A result past MAX_RESULT_BYTES."""


def _fetch(cursor: sqlite3.Cursor) -> tuple[list[tuple], bool]:
    """Up to MAX_ROWS rows, read one at a time so that a huge result stops at MAX_RESULT_BYTES;
    and whether that was all of them."""
    rows: list[tuple] = []
    size = 0
    for row in cursor:
        if len(rows) == MAX_ROWS:
            return rows, False
        size += sum(len(value) if isinstance(value, str | bytes) else 8 for value in row)
        if size > MAX_RESULT_BYTES:
            raise _TooLarge
        rows.append(row)
    return rows, True


class SqlEnv:
    """One database connection at a time, replaced on every reset."""

    def __init__(self, questions: dict[str, Question], query_seconds: float = QUERY_SECONDS) -> None:
        self._questions = questions
        self._query_seconds = query_seconds
        self._db: sqlite3.Connection | None = None
        self._question: Question | None = None
        self._last: list[tuple] | None = None
        self._last_complete = False  # False when the last result was cut off at MAX_ROWS

    def reset(self, task: Task) -> str:
        self.close()
        self._question = self._questions[task.id]
        self._db = open_read_only(self._question.schema, self._question.seed)
        self._last, self._last_complete = None, False
        return (f"You are connected to the SQLite database '{self._question.schema}'. Its tables:\n"
                f"{schema_text(self._question.schema)}\n\nQuestion: {self._question.question}")

    def step(self, action: str) -> StepResult:
        if self._db is None or self._question is None:
            return StepResult("No database: the environment was not reset.", valid=False)
        text = FENCE.sub("", action.strip()).strip()
        command, _, rest = text.partition(" ")
        if command.lower() == "submit":
            return self._submit(rest.strip())
        if not text:
            return StepResult("Empty action: write an SQL query, or submit.", valid=False)
        rows, observation = self._run(text)
        if rows is None:
            return StepResult(observation, valid=False)
        return StepResult(observation)

    def _submit(self, query: str) -> StepResult:
        if query:
            rows, observation = self._run(query)
            if rows is None:
                return StepResult(observation + "\nNothing was submitted.", valid=False)
        if self._last is None:
            return StepResult("Nothing to submit: run a query first, or write `submit <query>`.", valid=False)
        question = self._question
        gold = gold_rows(question.schema, question.seed, question.gold)
        success = self._last_complete and same_result(self._last, gold, question.ordered)
        return StepResult("Submitted. The episode is over.", reward=float(success), done=True, success=success)

    def _run(self, query: str) -> tuple[list[tuple] | None, str]:
        """(rows, what the agent sees); rows is None when the query failed. A query that ran
        becomes the last result."""
        deadline = time.monotonic() + self._query_seconds
        self._db.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            cursor = self._db.execute(query)
            rows, complete = _fetch(cursor)
            columns = [c[0] for c in cursor.description or ()]
        except _TooLarge:
            return None, f"Error: the result holds more than {MAX_RESULT_BYTES // 1_000_000} MB; select less."
        except sqlite3.Warning as error:  # e.g. "You can only execute one statement at a time."
            return None, f"Error: {error}"
        except sqlite3.Error as error:
            if time.monotonic() > deadline:
                return None, f"Error: the query ran past the {self._query_seconds:g} s limit."
            if "not authorized" in str(error) and DENIED_CALL.search(query):
                return None, "Error: printf() and format() are not available; use round() or ||."
            if "not authorized" in str(error):
                return None, "Error: the database is read-only; only SELECT queries are allowed."
            return None, f"Error: {error}"
        finally:
            self._db.set_progress_handler(None, 0)
        self._last, self._last_complete = rows, complete
        cut = "" if complete else f"\nOnly the first {MAX_ROWS} rows were kept: a cut-off result cannot succeed."
        return rows, show_rows(columns, rows) + cut

    def valid_actions(self) -> Sequence[str] | None:
        return None  # queries are open-ended

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class SqlSuite(EnvSuite):
    """`sql`: questions over generated shop, school and library databases (two databases per
    schema, seeds 0 and 1). Splits: the core hash rule over task ids."""

    name = "sql"
    limits = EpisodeLimits(max_steps=10, max_seconds=1800)
    description = ("You are a data analyst answering a question with SQL queries on a SQLite database. "
                   "Run queries to explore the data, look at the results, and submit the query whose "
                   "result answers the question exactly (only the columns asked for).")
    action_help = ("Actions (one per turn):\n"
                   "- an SQL query, e.g. SELECT column FROM table WHERE other_column = 'value'\n"
                   "- submit (hands in the result of your last query), or submit <query>")
    multiline_actions = True
    finish_hint = "If that result answers the question, reply with the action: submit."
    finish_action = "submit"

    def __init__(self, seeds: tuple[int, ...] = (0, 1), per_template: int = 3,
                 limits: EpisodeLimits | None = None) -> None:
        super().__init__(limits)
        self.seeds = tuple(seeds)
        self.per_template = per_template

    @cached_property
    def _questions(self) -> dict[str, Question]:
        return {q.id: q for q in generate_questions(self.seeds, self.per_template)}

    @cached_property
    def _tasks(self) -> list[Task]:
        return [Task(q.id, q.question, {"database": q.schema, "seed": q.seed}, q.level)
                for q in self._questions.values()]

    def all_tasks(self) -> Sequence[Task]:
        return list(self._tasks)

    def make_env(self) -> SqlEnv:
        return SqlEnv(self._questions)

    def env_factory(self) -> Callable[[], SqlEnv]:
        return partial(SqlEnv, self._questions)

    def task_world(self, task: Task) -> Callable[[], SqlEnv]:
        return partial(SqlEnv, {task.id: self._questions[task.id]})

    def demonstration(self, task: Task) -> list[tuple[str, str]]:
        """Run the gold query, look at its result, submit it."""
        return [("This query selects exactly the columns and rows the question asks for.",
                 self._questions[task.id].gold),
                ("The result answers the question, so I submit it.", "submit")]
