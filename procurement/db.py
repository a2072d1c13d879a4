"""Database engine, sessions and schema upgrades (Alembic), usable without Flask."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


DEFAULT_LOCK_TIMEOUT = 5.0  # seconds a request waits for SQLite's write lock
DEFAULT_CONNECT_TIMEOUT = 5  # seconds to reach PostgreSQL


def make_engine(url: str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                connect_timeout: int = DEFAULT_CONNECT_TIMEOUT, **kwargs: Any) -> Engine:
    """Create an engine with bounded waits: SQLite gets foreign keys, WAL and a busy
    timeout of `lock_timeout`; PostgreSQL a connect timeout and a lock timeout.

    An unavailable database then fails in seconds (`DatabaseUnavailable` at the edge),
    not after waiting for a lock or a server without end.
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": lock_timeout,
                                           "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if url.startswith("postgresql"):
        kwargs.setdefault("connect_args", {
            "connect_timeout": connect_timeout,
            "options": f"-c lock_timeout={int(lock_timeout * 1000)}"})
        if "poolclass" not in kwargs:  # a queue pool: waiting for a free connection is bounded
            kwargs.setdefault("pool_timeout", connect_timeout)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine, *, audit_key: bytes | None = None
                         ) -> sessionmaker[Session]:
    """Return a session factory bound to `engine` (objects stay usable after commit).

    `audit_key` signs the head of the audit chain (`procurement.audit`); the application
    and the command line pass the configured one.
    """
    from procurement import data_versions

    info = {"audit_key": audit_key} if audit_key else {}
    factory = sessionmaker(bind=engine, expire_on_commit=False, info=info)
    data_versions.install(factory)  # every write moves the versions of what it wrote
    return factory


def database_ready(engine: Engine) -> bool:
    """Tell whether the database answers a read of the schema's version now."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as connection:
            # A table, not `SELECT 1`: SQLite answers that without opening the file.
            connection.execute(text("SELECT version_num FROM alembic_version"))
        return True
    except SQLAlchemyError:
        return False


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Config:
    """Build the Alembic configuration for `url` without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str) -> None:
    """Create or upgrade the schema to the latest migration."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")


class _CentsSum(FunctionElement[Any]):
    """The exact sum of a money column in cents (see `cents_sum`)."""

    name = "cents_sum"
    inherit_cache = True


@compiles(_CentsSum)
def _cents_sum_rounded(element: _CentsSum, compiler: Any, **kw: Any) -> str:
    # SQLite stores NUMERIC as REAL: summing rounded cents keeps the sum exact.
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"coalesce(sum(round(({column}) * 100)), 0)"


@compiles(_CentsSum, "postgresql")
def _cents_sum_numeric(element: _CentsSum, compiler: Any, **kw: Any) -> str:
    # NUMERIC sums are exact on PostgreSQL: one multiplication per group, not a
    # multiplication and a rounding per line (the dashboard sums every line on each visit).
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"coalesce(sum({column}), 0) * 100"


def cents_sum(column: Any) -> Any:
    """Sum a money column exactly, as integer cents, on SQLite and PostgreSQL alike."""
    return _CentsSum(column)


# --- bulk paths for the million-line use cases (import, matching) ----------------------

def _dbapi_cursor(session: Session) -> Any:
    """Return a cursor of the driver on the session's connection (same transaction)."""
    return session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def fetch_tuples(session: Session, statement: Any) -> list[tuple[Any, ...]]:
    """Run a Core select on the driver's cursor and return its rows as plain tuples.

    The values come as the driver gives them (no SQLAlchemy type processing, no Row
    objects): cast in the statement what must arrive as a given Python type. Bound
    values are rendered inline, so give it numbers only (ids), never text from a user.
    Pending ORM changes are flushed first, as `session.execute` would.
    """
    session.flush()
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect,
                                compile_kwargs={"literal_binds": True}))
    cursor = _dbapi_cursor(session)
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def update_by_id(session: Session, table: str, columns: tuple[str, ...],
                 rows: Iterable[tuple[Any, ...]]) -> None:
    """UPDATE `table` SET columns WHERE id for each row (values..., id), with the driver's
    executemany: one statement for every row, no per-row SQLAlchemy parameter work.

    `table` and `columns` are names from the models, never user text.
    """
    from procurement import data_versions

    session.flush()
    # Past the session's events: the rows' municipalities are not read, so every one moves.
    data_versions.touch(session, data_versions.scope(table, data_versions.ANY))
    mark = "?" if session.connection().dialect.paramstyle == "qmark" else "%s"
    assignments = ", ".join(f"{name} = {mark}" for name in columns)
    cursor = _dbapi_cursor(session)
    try:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = {mark}", rows)
    finally:
        cursor.close()


#: Rows per INSERT statement on SQLite: one statement of many rows costs about 30 % less
#: than the same rows through executemany (measured on 200,000 lines); within SQLite's
#: limit of bound variables per statement.
SQLITE_ROWS_PER_INSERT = 500


def insert_sqlite_rows(session: Session, table: str, names: Sequence[str],
                       columns: list[list[Any]], total: int, *, organization_id: int,
                       chunk: int, progress: Callable[[int, int], None] | None = None) -> None:
    """INSERT column-wise values into `table` as multi-row statements on SQLite's driver, in
    the session's transaction; `progress(done, total)` after each chunk of rows.

    The rows belong to `organization_id`, whose version of `table` moves at commit.
    `table` and `names` are names from the models, never user text.
    """
    import sqlite3

    from procurement import data_versions

    session.flush()
    # Past the session's events: the municipality's rows move by hand.
    data_versions.touch(session, data_versions.scope(table, organization_id))
    dbapi = cast(sqlite3.Connection, session.connection().connection.dbapi_connection)
    width = len(names)
    per = max(1, min(SQLITE_ROWS_PER_INSERT,
                     dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    row = "(" + ", ".join("?" for _ in names) + ")"
    head = f"INSERT INTO {table} ({', '.join(names)}) VALUES "
    full = head + ", ".join([row] * per)
    cursor = dbapi.cursor()
    try:
        for start in range(0, total, chunk):
            size = min(chunk, total - start)
            # Row-major values of the chunk: column j of row i at i * width + j.
            flat: list[Any] = [None] * (size * width)
            for j, column in enumerate(columns):
                flat[j::width] = column[start:start + size]
            for first in range(0, size, per):
                count = min(per, size - first)
                sql = full if count == per else head + ", ".join([row] * count)
                cursor.execute(sql, flat[first * width:(first + count) * width])
            if progress:
                progress(start + size, total)
    finally:
        cursor.close()
