"""The experience store: an append-only table of experiences, on SQLite or PostgreSQL.

One SQLAlchemy Core implementation serves both. A plain path opens (or creates) a SQLite file in
WAL mode with `synchronous=FULL`: every `add` is one transaction, so a process killed at any
moment keeps everything committed before the kill and nothing of the interrupted write. A URL
(`postgresql://…`) opens a PostgreSQL database through psycopg (the `postgres` extra).

Rows are never updated or deleted. `(collection, id)` is unique and inserts ignore conflicts, so
a resumed run that writes the same attempt again stores it once. A `ratchet_meta` table holds the
schema version: a store written by a newer Ratchet, or a file that is not a store, is refused
with a one-line `UserError` before anything is written.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import sqlalchemy as sa

from ratchet.core import Turn
from ratchet.errors import MissingExtraError, UserError
from ratchet.experience.experience import DEFAULT_COLLECTION, Experience

SCHEMA_VERSION = 2  # 2: experiences.replayed_tokens (v1 stores are upgraded when opened)
STORE_KIND = "ratchet-experience-store"
SQLITE_MAGIC = b"SQLite format 3\x00"

metadata = sa.MetaData()

meta_table = sa.Table(
    "ratchet_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

experiences_table = sa.Table(
    "experiences",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("collection", sa.String(200), nullable=False),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("suite", sa.String(200), nullable=False),
    sa.Column("task_id", sa.String(500), nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("trajectory", sa.Text, nullable=False),  # JSON list of {role, content}
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("model", sa.String(500), nullable=False),
    sa.Column("strategy", sa.String(200), nullable=False),
    sa.Column("run", sa.String(500), nullable=False),
    sa.Column("iteration", sa.Integer, nullable=False),
    sa.Column("sample", sa.Integer, nullable=False),
    sa.Column("prompt_tokens", sa.Integer, nullable=False),
    sa.Column("completion_tokens", sa.Integer, nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("replayed_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("exemplar_ids", sa.Text, nullable=False),  # JSON list of experience ids
    sa.Column("created", sa.Float, nullable=False),
    sa.UniqueConstraint("collection", "id", name="uq_experiences_collection_id"),
    sa.Index("ix_experiences_collection_suite", "collection", "suite", "passed"),
)

_COLUMNS = [c.name for c in experiences_table.columns if c.name != "seq"]


class ExperienceStore:
    """Append-only experiences with provenance. Open with `ExperienceStore.open(path_or_url)`."""

    def __init__(self, engine: sa.Engine, location: str) -> None:
        self.engine = engine
        self.location = location

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, location: str | Path, *, create: bool = True) -> ExperienceStore:
        """A store at a SQLite path or a database URL. With `create=False` a missing SQLite file
        is a `UserError` (for commands that only read)."""
        text = str(location)
        if text.startswith("sqlite:///"):
            text = text.removeprefix("sqlite:///")  # the same file, with the same pragmas
        engine = _postgres_engine(text) if "://" in text else _sqlite_engine(Path(text), create)
        store = cls(engine, text)
        store._check_schema(create)
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> ExperienceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_schema(self, create: bool) -> None:
        try:
            tables = set(sa.inspect(self.engine).get_table_names())
        except sa.exc.DatabaseError as error:
            raise UserError(f"{self.location} is not an experience store ({_first_line(error)})") from None
        if "ratchet_meta" not in tables:
            if tables:
                raise UserError(
                    f"{self.location} is not an experience store (it has tables "
                    f"{', '.join(sorted(tables)[:5])} but no ratchet_meta)"
                )
            if not create:
                raise UserError(f"{self.location} is an empty database, not an experience store")
            self._create_schema()
            return
        version = self._read_version()
        if version > SCHEMA_VERSION:
            raise UserError(
                f"{self.location} was written by a newer Ratchet (store schema v{version}, this "
                f"one reads v{SCHEMA_VERSION}): pip install -U ratchet-ai"
            )
        if version < SCHEMA_VERSION:
            self._upgrade_from_v1()

    def _upgrade_from_v1(self) -> None:
        """v1 stores lack `replayed_tokens`: added as 0 (their tokens count as generated)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.text(
                    "ALTER TABLE experiences ADD COLUMN replayed_tokens INTEGER NOT NULL DEFAULT 0"))
                conn.execute(sa.update(meta_table).where(meta_table.c.key == "schema_version")
                             .values(value=str(SCHEMA_VERSION)))
        except sa.exc.DBAPIError as error:
            raise UserError(
                f"{self.location} is a store of schema v1 that could not be upgraded to "
                f"v{SCHEMA_VERSION} ({_first_line(error)}): open it once where it can be written"
            ) from None

    def _create_schema(self) -> None:
        with self.engine.begin() as conn:
            metadata.create_all(conn)
            insert = _insert_ignore(conn, meta_table, ["key"])
            conn.execute(insert, [
                {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                {"key": "kind", "value": STORE_KIND},
            ])

    def _read_version(self) -> int:
        with self.engine.connect() as conn:
            rows = dict(conn.execute(sa.select(meta_table.c.key, meta_table.c.value)).all())
        if rows.get("kind") != STORE_KIND or "schema_version" not in rows:
            raise UserError(f"{self.location} is not an experience store (ratchet_meta lacks its kind)")
        try:
            return int(rows["schema_version"])
        except ValueError:
            raise UserError(f"{self.location} has an unreadable schema version") from None

    def meta(self, key: str) -> str | None:
        """A value of the store's `ratchet_meta` table (None if absent)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == key)).scalar()

    # -- writing ---------------------------------------------------------------------------
    def put_meta(self, key: str, value: str) -> None:
        """Write a `ratchet_meta` value once; a key already there keeps its value (append-only)."""
        if key in ("schema_version", "kind"):
            raise ValueError(f"'{key}' is the store's own")
        with self.engine.begin() as conn:
            conn.execute(_insert_ignore(conn, meta_table, ["key"]), [{"key": key, "value": value}])

    def add(self, experiences: Iterable[Experience]) -> None:
        """Append experiences in one transaction; an `(collection, id)` already stored is kept
        as it is (appending the same attempt twice stores it once)."""
        rows = [_to_row(e) for e in experiences]
        if not rows:
            return
        with self.engine.begin() as conn:
            conn.execute(_insert_ignore(conn, experiences_table, ["collection", "id"]), rows)

    def copy_collection(self, source: str, target: str, *, passed_only: bool = False,
                        keep_ids: Iterable[str] | None = None) -> int:
        """Append the experiences of `source` to `target` (same ids); returns how many were
        copied. `keep_ids` limits the copy to those ids (exemplar curation's kept set)."""
        keep = set(keep_ids) if keep_ids is not None else None
        copied = [
            e.in_collection(target)
            for e in self.iter(collection=source, passed=True if passed_only else None)
            if keep is None or e.id in keep
        ]
        for start in range(0, len(copied), 1000):
            self.add(copied[start:start + 1000])
        return len(copied)

    # -- reading ---------------------------------------------------------------------------
    def iter(
        self,
        *,
        collection: str | None = DEFAULT_COLLECTION,
        suite: str | None = None,
        passed: bool | None = None,
        after_seq: int = 0,
        max_seq: int | None = None,
        batch: int = 5000,
    ) -> Iterator[Experience]:
        """Experiences in insertion order, filtered; `collection=None` reads every collection."""
        t = experiences_table
        last = after_seq
        while True:
            query = sa.select(t).where(t.c.seq > last).order_by(t.c.seq).limit(batch)
            if collection is not None:
                query = query.where(t.c.collection == collection)
            if suite is not None:
                query = query.where(t.c.suite == suite)
            if passed is not None:
                query = query.where(t.c.passed == passed)
            if max_seq is not None:
                query = query.where(t.c.seq <= max_seq)
            with self.engine.connect() as conn:
                rows = conn.execute(query).mappings().all()
            for row in rows:
                yield _from_row(row)
            if len(rows) < batch:
                return
            last = rows[-1]["seq"]

    def get(self, experience_id: str, collection: str | None = None) -> Experience | None:
        """One experience by id (or by a unique id prefix), in `collection` or any."""
        t = experiences_table
        query = sa.select(t).where(t.c.id.like(f"{_escape_like(experience_id)}%", escape="\\"))
        if collection is not None:
            query = query.where(t.c.collection == collection)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.c.seq).limit(2)).mappings().all()
        if len({r["id"] for r in rows}) == 1:  # one id (perhaps in several collections)
            return _from_row(rows[0])
        exact = [r for r in rows if r["id"] == experience_id]
        return _from_row(exact[0]) if exact else None

    def get_many(self, ids: Sequence[str], collection: str) -> dict[str, Experience]:
        """Experiences of `collection` by exact id (missing ids are left out)."""
        t = experiences_table
        query = sa.select(t).where(t.c.collection == collection, t.c.id.in_(list(ids)))
        with self.engine.connect() as conn:
            return {row["id"]: _from_row(row) for row in conn.execute(query).mappings()}

    def last_seq(self, collection: str | None = None) -> int:
        t = experiences_table
        query = sa.select(sa.func.max(t.c.seq))
        if collection is not None:
            query = query.where(t.c.collection == collection)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def ids(self, collection: str) -> set[str]:
        t = experiences_table
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(t.c.id).where(t.c.collection == collection)).scalars())

    def collections(self) -> dict[str, dict[str, int]]:
        """Per collection: experiences, successes, distinct tasks solved."""
        t = experiences_table
        query = sa.select(
            t.c.collection,
            sa.func.count(),
            sa.func.sum(sa.case((t.c.passed, 1), else_=0)),
        ).group_by(t.c.collection).order_by(t.c.collection)
        solved = sa.select(t.c.collection, sa.func.count(sa.distinct(t.c.task_id))).where(
            t.c.passed
        ).group_by(t.c.collection)
        with self.engine.connect() as conn:
            counts = conn.execute(query).all()
            tasks = dict(conn.execute(solved).all())
        return {
            name: {"experiences": int(n), "successes": int(ok or 0), "tasks_solved": int(tasks.get(name, 0))}
            for name, n, ok in counts
        }

    # -- JSONL -----------------------------------------------------------------------------
    def export_jsonl(self, path: Path, collection: str | None = None) -> int:
        """Write experiences as JSON lines (atomically: a kill leaves the old file or none)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        count = 0
        with open(tmp, "w", encoding="utf-8") as handle:
            for experience in self.iter(collection=collection):
                handle.write(json.dumps(experience.to_json(), ensure_ascii=False) + "\n")
                count += 1
        tmp.replace(path)
        return count

    def import_jsonl(self, path: Path, collection: str | None = None) -> int:
        """Append experiences from JSON lines (into `collection` if given); returns lines read.
        Importing the same file twice adds nothing the second time."""
        path = Path(path)
        if not path.is_file():
            raise UserError(f"no JSONL file at {path}")
        batch: list[Experience] = []
        count = 0
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                batch.append(_parse_line(path, number, line, collection))
                count += 1
                if len(batch) >= 1000:
                    self.add(batch)
                    batch = []
        self.add(batch)
        return count


# -- engines -------------------------------------------------------------------------------
def _sqlite_engine(path: Path, create: bool) -> sa.Engine:
    if path.is_dir():
        raise UserError(f"{path} is a directory, not an experience store: give a .sqlite file path")
    if path.exists():
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
        if head and head != SQLITE_MAGIC:
            raise UserError(f"{path} is not an experience store (not a SQLite database)")
    elif not create:
        raise UserError(f"no experience store at {path}")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 60})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk before add() returns
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    return engine


def _postgres_engine(url: str) -> sa.Engine:
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith("postgresql+psycopg://"):
        raise UserError(f"unsupported store URL '{url.split('://')[0]}://…': use a file path or postgresql://")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise MissingExtraError("a PostgreSQL experience store", "postgres", "psycopg[binary]") from None
    engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        raise UserError(f"cannot connect to the experience store: {_first_line(error)}") from None
    return engine


def _insert_ignore(conn: sa.Connection, table: sa.Table, keys: Sequence[str]):
    """INSERT … ON CONFLICT DO NOTHING in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=list(keys))


# -- rows ----------------------------------------------------------------------------------
def _to_row(experience: Experience) -> dict:
    data = experience.to_json()
    data["trajectory"] = json.dumps(data["trajectory"], ensure_ascii=False)
    data["exemplar_ids"] = json.dumps(data["exemplar_ids"])
    data["created"] = experience.created or time.time()
    return {name: data[name] for name in _COLUMNS}


def _from_row(row) -> Experience:  # noqa: ANN001
    data = {name: row[name] for name in _COLUMNS}
    data["trajectory"] = tuple(Turn(**turn) for turn in json.loads(data["trajectory"]))
    data["exemplar_ids"] = tuple(json.loads(data["exemplar_ids"]))
    data["passed"] = bool(data["passed"])
    return Experience(seq=int(row["seq"]), **data)


def _parse_line(path: Path, number: int, line: str, collection: str | None) -> Experience:
    try:
        experience = Experience.from_json(json.loads(line))
    except (json.JSONDecodeError, TypeError, KeyError) as error:
        raise UserError(f"{path}:{number} is not an exported experience ({error})") from None
    return experience.in_collection(collection) if collection else experience


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
