"""Data versions: a counter per table and municipality, moved by every write in its transaction.

A read model computed from some tables may be kept by a process and served again as long
as the versions of those tables (for that municipality) have not moved. The versions live
in the database (`data_version`), so every process — web workers, the job worker, the
command line — sees the writes of all the others, and a person who just wrote sees the new
version on the next page.

What moves a version, without the writers saying so: the session factory's events note
the table (and the municipality) of every row a flush inserts, changes or deletes, and of
every bulk INSERT/UPDATE/DELETE run through the session; just before the transaction
commits, the noted versions are incremented in that same transaction. Writes that go past
the session (the driver's cursor) call `touch`. A bulk write whose municipality cannot be
read from its statement moves "<table>:*", which every reader of that table reads too.

Why the result is never older than its key: a reader reads the versions first, then the
data; a writer commits its data and its versions at once. Data read after the versions is
at least as new as them (it may be newer, and then the next reader's key differs anyway).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Column, event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList

from procurement.models import DataVersion

#: Tables no kept read model reads, written often (the audit trail on every write, jobs'
#: progress, sign-ins, token uses): their writes move nothing.
UNVERSIONED = frozenset({"audit_event", "audit_anchor", "job", "api_token", "user_account",
                         "data_version", "alembic_version"})
#: Columns a write may change without moving the version: no kept read model shows them
#: (a person confirming a supplier's categories, or a match again, stamps who and when
#: even when nothing else changes; the pages and API answers that show them are not kept).
UNVERSIONED_COLUMNS = {"supplier": frozenset({"updated_at"}),
                       "incumbent_match": frozenset({"decided_at", "decided_by_id"})}
ANY = "*"
_PENDING = "data_versions.pending"  # session.info: the scopes this transaction moves

T = TypeVar("T")


def scope(table: str, organization_id: int | str | None = None) -> str:
    """Return the name of a version: "<table>:<municipality>", or "<table>" when shared."""
    return table if organization_id is None else f"{table}:{organization_id}"


def scopes_of(organization_id: int, tables: Iterable[str]) -> tuple[str, ...]:
    """Return the versions a read of `tables` for a municipality depends on.

    A table of the municipality's rows counts twice: its own version and "<table>:*"
    (writes that could not name the municipality); a shared table counts once.
    """
    from procurement.models import Base

    out: list[str] = []
    for table in tables:
        if table in UNVERSIONED:
            raise ValueError(f"{table} is not versioned: a kept read cannot depend on it")
        if "organization_id" in Base.metadata.tables[table].c:
            out += [scope(table, organization_id), scope(table, ANY)]
        else:
            out.append(scope(table))
    return tuple(sorted(out))


def read_versions(session: Session, scopes: tuple[str, ...]) -> tuple[int, ...]:
    """Return the current version of each scope (0 for one never written), in order."""
    found = dict(session.execute(select(DataVersion.scope, DataVersion.version)
                                 .where(DataVersion.scope.in_(scopes))).all())
    return tuple(int(found.get(name, 0)) for name in scopes)


def touch(session: Session, *scopes: str) -> None:
    """Note a write the session cannot see (the driver's cursor): moved at commit."""
    session.info.setdefault(_PENDING, set()).update(scopes)


def install(factory: sessionmaker[Session]) -> None:
    """Make the sessions of `factory` move the versions of what they write."""
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _on_execute)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_transaction_end", _forget)


def _note_instance(pending: set[str], instance: Any, *, changed_only: bool) -> None:
    state = inspect(instance)
    table = state.mapper.local_table
    if table.name in UNVERSIONED:
        return
    if changed_only:
        ignored = UNVERSIONED_COLUMNS.get(table.name, frozenset())
        if not any(state.attrs[attr.key].history.has_changes()
                   for attr in state.mapper.column_attrs if attr.key not in ignored):
            return
    if "organization_id" not in table.c:
        pending.add(scope(table.name))
        return
    # The municipality it belongs to and, when it moved, the one it left (read from the
    # attribute's history: a deleted row is never loaded again); unknown: every one.
    history = state.attrs.organization_id.history
    orgs = {*history.added, *history.unchanged, *history.deleted} - {None}
    pending.update(scope(table.name, org_id) for org_id in (orgs or {ANY}))


def _after_flush(session: Session, _context: Any) -> None:
    pending = session.info.setdefault(_PENDING, set())
    for instance in session.new:
        _note_instance(pending, instance, changed_only=False)
    for instance in session.deleted:
        _note_instance(pending, instance, changed_only=False)
    for instance in session.dirty:
        _note_instance(pending, instance, changed_only=True)


def _on_execute(state: ORMExecuteState) -> Any:
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    result = state.invoke_statement()
    if (state.is_update or state.is_delete) and getattr(result, "rowcount", -1) == 0:
        return result  # no row changed: nothing moves
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    pending = state.session.info.setdefault(_PENDING, set())
    if table is None or name is None:
        pending.add(ANY)  # a write we cannot name: every kept read is dropped
    elif name in UNVERSIONED:
        pass
    elif "organization_id" not in table.c:
        pending.add(scope(name))
    else:
        orgs = _inserted_orgs(state) if state.is_insert else _criteria_orgs(state, table)
        if orgs is None:
            pending.add(scope(name, ANY))
        else:
            pending.update(scope(name, org_id) for org_id in orgs)
    return result


def _inserted_orgs(state: ORMExecuteState) -> set[Any] | None:
    """Return the municipalities of the rows an INSERT adds, None when not all are known."""
    rows = state.parameters
    if rows is None or isinstance(rows, dict):
        rows = [rows or {}]
    values = getattr(state.statement, "_values", None) or {}
    literal = next((v for k, v in values.items() if getattr(k, "key", k) == "organization_id"),
                   None)
    orgs: set[Any] = set()
    for row in rows:
        value = row.get("organization_id") if isinstance(row, dict) else None
        if value is None and isinstance(literal, BindParameter):
            value = literal.value
        if value is None:
            return None
        orgs.add(value)
    return orgs


def _criteria_orgs(state: ORMExecuteState, table: Any) -> set[Any] | None:
    """Return the municipality an UPDATE or DELETE is limited to by `organization_id = x`
    among the conditions it requires all (AND), None when it is not limited to one."""
    where = getattr(state.statement, "whereclause", None)
    if where is None:
        return None
    conjuncts = list(where.clauses) if isinstance(where, BooleanClauseList) \
        and where.operator is operators.and_ else [where]
    for clause in conjuncts:
        if isinstance(clause, BinaryExpression) and clause.operator is operators.eq \
                and isinstance(clause.left, Column) and clause.left.name == "organization_id" \
                and clause.left.table.name == table.name \
                and isinstance(clause.right, BindParameter) and clause.right.value is not None:
            return {clause.right.value}
    return None


def _before_commit(session: Session) -> None:
    # The commit's own flush comes after this event: flush first, so that it is noted.
    session.flush()
    if session.in_nested_transaction():
        return  # a savepoint: the versions move with the whole transaction, at its end
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    names = sorted(pending)  # one order for every writer: no deadlock between two commits
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(DataVersion).values([{"scope": name, "version": 1} for name in names])
    session.connection().execute(statement.on_conflict_do_update(
        index_elements=[DataVersion.scope],
        set_={"version": DataVersion.version + 1}))


def _forget(session: Session, transaction: Any) -> None:
    # Only when the whole transaction ends (a commit already moved its versions; a rollback
    # undid its writes): a savepoint rolled back leaves the writes made before it.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


class KeptReads:
    """Read models kept by this process, each under the versions it was computed at.

    `get(session, key, scopes, compute)` reads the versions of `scopes` (one query) and
    returns the kept value for (key, versions), else computes, keeps and returns it. The
    key must name everything else the value depends on (the municipality, the language);
    values are shared by threads: plain data, never ORM objects, never changed after.
    The least recently used values are dropped beyond `size` values or `max_bytes` of
    text (pages and API answers are text; a large proposal's answer is megabytes).
    """

    def __init__(self, size: int = 512, max_bytes: int = 64 * 2**20) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._values: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, session: Session, key: Hashable, scopes: tuple[str, ...],
            compute: Callable[[], T]) -> T:
        """Return the value of `key` at the current versions of `scopes`."""
        # The database's address too: a process may serve several (tests, a second app).
        full = (key, session.get_bind().engine.url, read_versions(session, (*scopes, ANY)))
        with self._lock:
            found = self._values.get(full)
            if found is not None:
                self._values.move_to_end(full)
                return found[0]
        value = compute()
        weight = len(value) if isinstance(value, str | bytes) else 1024
        if weight > self.max_bytes // 8:
            return value  # too large to keep: computed for this reader only
        with self._lock:
            previous = self._values.pop(full, None)
            self._bytes += weight - (previous[1] if previous else 0)
            self._values[full] = (value, weight)
            while len(self._values) > self.size or self._bytes > self.max_bytes:
                _, (_, dropped) = self._values.popitem(last=False)
                self._bytes -= dropped
        return value

    def clear(self) -> None:
        """Forget every kept value (tests)."""
        with self._lock:
            self._values.clear()
            self._bytes = 0


#: The read models this process keeps (one store: a test clears it at once).
KEPT = KeptReads()
