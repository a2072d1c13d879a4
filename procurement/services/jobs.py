"""Background jobs: a row per long task (an import, a matching run, a scenario run).

A job runs in a daemon thread of the web process by default; with a dispatcher (Celery
workers, app/celery_app.py) the runner only sends the job id, and a worker process runs the
same `JobRunner.run` on its own sessions. A worker that dies mid-task leaves nothing of the
work (it is one transaction); the broker delivers the job again, and `run(takeover=True)`
takes it over, at most MAX_ATTEMPTS times, then ends it failed with a message.

The request creates the job row and commits it; the runner then works with sessions of
its own (never the request's). The task's work (all the lines, the matching, the job's
final state) is one transaction; the job's phase and progress are written apart, each
in a short transaction of its own, so that a page can show them meanwhile.

SQLite has one writer at a time, even in WAL mode: while the import's transaction is
open, no other connection can write, the job row included. There, the progress of the
storing and matching phases is kept in the runner's memory (`LiveProgress`) and merged
into what pages read; PostgreSQL gets it in the job row too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from procurement.db import transaction
from procurement.errors import InvalidInput, NotFound, ProcurementError
from procurement.exports.labels import Gettext
from procurement.models import Job, Organization, User, utcnow
from procurement.permissions import Actor
from procurement.services import exports, imports, matching, optimize, pages
from procurement.services.common import get_owned, scope_of
from procurement.services.imports import ImportOutcome
from procurement.users import actor_for

KINDS = ("import_spend", "match", "optimize", "export")
# The permission each kind of job needs from the person who queues it.
KIND_PERMISSIONS = {"import_spend": "import", "match": "import", "optimize": "scenario.run",
                    "export": "export"}
PHASES = ("queued", "reading", "storing", "matching", "optimizing", "exporting", "done")
FIRST_PHASE = {"import_spend": "reading", "match": "matching", "optimize": "optimizing",
               "export": "exporting"}
EXPORTS_FOLDER = "exports"  # under the instance folder: one sub-folder per export job
MAX_ISSUES_IN_ANSWER = 1000  # issues in an API answer; the CSV report has them all
MAX_ATTEMPTS = 3  # deliveries of one job before a worker's repeated death ends it failed
PROGRESS_INTERVAL = 0.5  # seconds between two progress writes of a job
INTERNAL_ERROR = ("L'import a échoué à cause d'une erreur interne (consignée dans le journal) ; "
                  "rien n'a été enregistré. / The import failed because of an internal error "
                  "(logged); nothing was stored.")
WORKER_LOST = ("Le traitement s'est arrêté {attempts} fois (processus interrompu) ; rien n'a été "
               "enregistré. Relancez-le ou contactez l'administrateur. / The task stopped "
               "{attempts} times (its process was killed); nothing was stored. Run it again or "
               "contact the administrator.")

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class JobState:
    """What a page shows of a job: the row, with the runner's live progress when fresher."""

    id: int
    kind: str
    status: str
    phase: str
    done: int
    total: int | None
    message: str
    result: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def finished(self) -> bool:
        """Tell whether the job has ended, well or not."""
        return self.status in ("done", "failed")


def create_job(session: Session, actor: Actor, kind: str, *,
               params: dict[str, Any] | None = None) -> Job:
    """Queue a job of the actor's municipality; the caller commits, then starts it."""
    if kind not in KINDS:
        raise InvalidInput(f"Unknown job kind {kind!r}.", errors={"kind": "unknown"})
    actor.require(KIND_PERMISSIONS[kind])
    job = Job(organization_id=scope_of(actor), kind=kind, status="queued", phase="queued",
              done=0, total=None, message="", params=dict(params or {}), result={},
              created_by_id=actor.user_id)
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, actor: Actor, job_id: int) -> Job:
    """Return a job of the actor's municipality; another municipality's answers NotFound."""
    actor.require("read")
    return get_owned(session, Job, job_id, scope_of(actor))


class LiveProgress:
    """Phase and counts of the running jobs of this process, shared between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[int, dict[str, Any]] = {}

    def publish(self, job_id: int, **values: Any) -> None:
        """Record the newest phase or counts of a job."""
        with self._lock:
            self._jobs.setdefault(job_id, {}).update(values)

    def get(self, job_id: int) -> dict[str, Any]:
        """Return a copy of what is known of a running job (empty when unknown)."""
        with self._lock:
            return dict(self._jobs.get(job_id, {}))

    def forget(self, job_id: int) -> None:
        """Drop a finished job: its row is the truth from now on."""
        with self._lock:
            self._jobs.pop(job_id, None)


class _Reporter:
    """Write a job's phase and progress apart from the work, throttled."""

    def __init__(self, runner: JobRunner, job_id: int) -> None:
        self.runner = runner
        self.job_id = job_id
        self.last_write = 0.0
        self.writes = 0

        self.current = "reading"

    def phase(self, phase: str, total: int | None = None, *, done: int = 0) -> None:
        """Enter a phase: always recorded."""
        self.current = phase
        self._record(phase=phase, done=done, total=total)

    def progress(self, done: int, total: int) -> None:
        """Report the lines stored so far (the import calls this after each chunk)."""
        if self.current != "storing":
            return  # the parser's steps while reading: no line count to show yet
        now = time.monotonic()
        if done < total and now - self.last_write < self.runner.progress_interval:
            return
        self._record(phase="storing", done=done, total=total)

    def _record(self, **values: Any) -> None:
        self.last_write = time.monotonic()
        self.writes += 1
        self.runner.live.publish(self.job_id, **values)
        if self.runner.concurrent_writes:
            self.runner.write(self.job_id, **values)


class JobRunner:
    """Run queued jobs in daemon threads (or inline), each with sessions of its own."""

    def __init__(self, factory: sessionmaker[Session], *, instance: Path, inline: bool = False,
                 progress_interval: float = PROGRESS_INTERVAL,
                 settings: imports.ImportSettings | None = None,
                 dispatch: Callable[[int], None] | None = None,
                 gettext_for: Callable[[str], Gettext | None] | None = None) -> None:
        self.factory = factory
        self.settings = settings or imports.ImportSettings()
        self.instance = Path(instance)
        self.inline = inline
        self.dispatch = dispatch  # sends a job id to workers (Celery); None: threads here
        self.gettext_for = gettext_for  # the catalogue of a language, for the exports
        self.progress_interval = progress_interval
        self.live = LiveProgress()
        with factory() as probe:
            # SQLite allows one writer: progress cannot be written while the work's
            # transaction is open, so it stays in memory there.
            self.concurrent_writes = probe.get_bind().dialect.name != "sqlite"

    def start(self, job_id: int, actor: Actor | None = None) -> threading.Thread | None:
        """Run a committed, queued job: on a worker, in a daemon thread, or now when inline."""
        if self.dispatch is not None and not self.inline:
            self.dispatch(job_id)
            return None
        if self.inline:
            self.run(job_id, actor)
            return None
        thread = threading.Thread(target=self.run, args=(job_id, actor), name=f"job-{job_id}",
                                  daemon=True)
        thread.start()
        return thread

    def state(self, job: Job) -> JobState:
        """Describe a job for a page: its row, with the live progress of a running job."""
        values = {field.name: getattr(job, field.name) for field in dataclasses.fields(JobState)}
        if job.status == "running":
            values.update(self.live.get(job.id))
        values["result"] = dict(values["result"] or {})
        return JobState(**values)

    def write(self, job_id: int, **values: Any) -> None:
        """Update a job's row in a short transaction of its own."""
        with transaction(self.factory) as session:
            session.execute(update(Job).where(Job.id == job_id)
                            .values(**values, updated_at=utcnow()))

    def run(self, job_id: int, actor: Actor | None = None, *, takeover: bool = False) -> None:
        """Run one job to its end; any error ends it failed with a message, logged.

        With `takeover` (a worker's delivery), a job left running by a worker that died is
        run again: its work was one transaction, so nothing of it was stored.
        """
        params: dict[str, Any] = {}
        try:
            claimed = self._claim(job_id, takeover=takeover)
            if claimed is None:
                return
            job_actor, params, kind = claimed
            if actor is not None:
                job_actor = actor
            if kind == "import_spend":
                self._import_spend(job_id, job_actor, params)
            elif kind == "match":
                self._match(job_id, job_actor)
            elif kind == "export":
                self._export(job_id, job_actor, params)
            else:
                self._optimize(job_id, job_actor, params)
        except Exception as exc:
            log.exception("job %s failed", job_id)
            message = exc.message if isinstance(exc, ProcurementError) else INTERNAL_ERROR
            self.write(job_id, status="failed", message=message)
            if (params.get("ask_mapping") or params.get("api") == "upload") and params.get("token"):
                _discard(self.instance, str(params["token"]))  # nobody else knows the token
        finally:
            self.live.forget(job_id)

    def _claim(self, job_id: int, *, takeover: bool = False
               ) -> tuple[Actor, dict[str, Any], str] | None:
        """Mark a queued job running; None when it is gone, ended, or another runner has it."""
        with transaction(self.factory) as session:
            job = session.get(Job, job_id, with_for_update=True)
            statuses = ("queued", "running") if takeover else ("queued",)
            if job is None or job.status not in statuses:
                return None
            attempts = int((job.params or {}).get("attempts", 0)) + 1
            if attempts > MAX_ATTEMPTS:
                job.status, job.phase = "failed", "done"
                job.message = WORKER_LOST.format(attempts=attempts - 1)
                job.updated_at = utcnow()
                log.error("job %s given up after %s lost attempts", job_id, attempts - 1)
                return None
            phase = FIRST_PHASE.get(job.kind, "reading")
            claimed = session.execute(
                update(Job).where(Job.id == job_id, Job.status.in_(statuses))
                .values(status="running", phase=phase, done=0,
                        params={**(job.params or {}), "attempts": attempts},
                        updated_at=utcnow()))
            if not getattr(claimed, "rowcount", 0):
                return None
            session.refresh(job)
            user = session.get(User, job.created_by_id) if job.created_by_id else None
            if user is None or job.kind not in KINDS:
                raise InvalidInput(f"Job {job_id} cannot run (no author or unknown kind).")
            self.live.publish(job_id, phase=phase, done=0, total=None)
            return actor_for(user), dict(job.params), job.kind

    def _organization(self, work: Session, actor: Actor) -> Organization:
        org = work.get(Organization, actor.organization_id)
        if org is None:
            raise InvalidInput("Your account is not attached to a municipality.")
        return org

    def _match(self, job_id: int, actor: Actor) -> None:
        """Match the municipality's lines and end the job, in one transaction."""
        with transaction(self.factory) as work:
            summary = matching.run_matching(work, actor, self._organization(work, actor))
            work.execute(update(Job).where(Job.id == job_id).values(
                status="done", phase="done", done=summary.lines, total=summary.lines,
                result=summary.to_json(), updated_at=utcnow()))

    def _optimize(self, job_id: int, actor: Actor, params: dict[str, Any]) -> None:
        """Run a scenario (its proposal stored when sound) and end the job, in one transaction."""
        with transaction(self.factory) as work:
            scenario = params.get("scenario")
            outcome = optimize.run_scenario(work, actor, self._organization(work, actor),
                                            dict(scenario) if scenario else None)
            # The whole answer of `procure optimize --json` (what the API answers too).
            work.execute(update(Job).where(Job.id == job_id).values(
                status="done", phase="done", done=1, total=1, result=outcome.to_json(),
                updated_at=utcnow()))

    def _export(self, job_id: int, actor: Actor, params: dict[str, Any]) -> None:
        """Write a proposal's export into the instance folder and end the job.

        The file is written whole under a temporary name, then renamed; the job says done
        (and where the file is) only when its transaction commits, with the audit event.
        """
        lang = str(params.get("lang") or "fr")
        gettext = self.gettext_for(lang) if self.gettext_for is not None else None
        with transaction(self.factory) as work:
            made = exports.export_proposal(work, actor, int(params["proposal_id"]),
                                           str(params["format"]), lang=lang, gettext=gettext)
            target = export_path(self.instance, job_id, made.filename)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(made.content)
            partial.replace(target)
            work.execute(update(Job).where(Job.id == job_id).values(
                status="done", phase="done", done=1, total=1, updated_at=utcnow(),
                result={"proposal_id": int(params["proposal_id"]),
                        "format": str(params["format"]), "filename": made.filename,
                        "mimetype": made.mimetype, "bytes": len(made.content)}))

    def _import_spend(self, job_id: int, actor: Actor, params: dict[str, Any]) -> None:
        """Import a staged upload, match it, and end the job, all in one transaction.

        `params["api"]` says which API call queued it: "upload" keeps the staged file when
        the mapping needs a confirmation, "confirm" when the file was refused (the client
        may correct the mapping and post again); the result then holds the whole outcome
        the API answers. The pages keep it when a refused file has columns.
        """
        reporter = _Reporter(self, job_id)
        token = str(params["token"])
        api = params.get("api")
        with transaction(self.factory) as work:
            org = self._organization(work, actor)
            path, name = imports.staged_upload(self.instance, actor, token)
            outcome = imports.import_spend(
                work, actor, org, path, original_name=params.get("original_name") or name,
                sheet=params.get("sheet"),
                mapping=params.get("mapping"), date_order=params.get("date_order"),
                currency=params.get("currency"),
                accept_valid_rows=bool(params.get("accept_valid_rows")),
                save_mapping=bool(params.get("save_mapping")),
                review_mapping=bool(params.get("review_mapping")),
                settings=self.settings, progress=reporter.progress, on_phase=reporter.phase)
            if outcome.status == "imported":
                reporter.phase("matching", outcome.lines, done=outcome.lines)
                matching.run_matching(work, actor, org)
            if api == "upload":
                keep = outcome.needs_confirmation
            elif api == "confirm":
                keep = outcome.status == "refused"
            else:
                keep = outcome.status == "refused" and bool(outcome.columns)
                if keep:
                    # The clerk confirms the mapping, or stores the valid rows only, from it.
                    _save_note(self.instance, actor, token, outcome, params)
            result = _result(outcome, token if keep else None,
                             ask_mapping=bool(params.get("ask_mapping")))
            if api:
                result["outcome"] = api_outcome(outcome, token if keep else None)
            unreadable = outcome.status == "refused" and not outcome.columns
            work.execute(update(Job).where(Job.id == job_id).values(
                status="failed" if unreadable else "done", phase="done",
                done=outcome.lines, total=outcome.lines, message=outcome.message,
                result=result, updated_at=utcnow()))
        if not keep:
            _discard(self.instance, token)


def export_path(instance: Path, job_id: int, filename: str) -> Path:
    """Return where an export job writes its file (the name is the service's, never typed)."""
    return Path(instance) / EXPORTS_FOLDER / str(int(job_id)) / Path(filename).name


def export_file(session: Session, actor: Actor, instance: Path, job_id: int
                ) -> tuple[Path, dict[str, Any]]:
    """Return the file of a finished export job of the actor's municipality, and its result."""
    actor.require("export")
    job = get_job(session, actor, job_id)
    result = dict(job.result or {})
    if job.kind != "export" or job.status != "done" or not result.get("filename"):
        raise NotFound("This job has no file to download.")
    path = export_path(instance, job.id, str(result["filename"]))
    if not path.is_file():
        raise NotFound("The export's file is no longer available; export again.")
    return path, result


def needs_mapping(outcome: ImportOutcome) -> bool:
    """Tell whether a refused file needs the clerk to confirm its columns."""
    return outcome.status == "refused" and bool(outcome.columns) and (
        outcome.needs_confirmation or "missing_required_column" in outcome.issue_counts
        or "currency_needs_confirmation" in outcome.issue_counts)


def api_outcome(outcome: ImportOutcome, staged: str | None) -> dict[str, Any]:
    """Shape an import outcome as the API answers it (the first issues; the CSV report has
    them all), plain JSON for the job's result."""
    data = dataclasses.asdict(outcome)
    data["issues"] = data["issues"][:MAX_ISSUES_IN_ANSWER]
    data["staged_upload"] = staged
    return json.loads(json.dumps(data, default=str))


def _result(outcome: ImportOutcome, staged: str | None, *, ask_mapping: bool) -> dict[str, Any]:
    """Shape what the job page needs to send the clerk on: plain JSON."""
    if ask_mapping and needs_mapping(outcome) and staged is not None:
        follow = "mapping"
    else:
        follow = "import" if outcome.import_id is not None else "new"
    first = next((i for i in outcome.issues if i.get("text")), None)
    return {
        "import_id": outcome.import_id, "status": outcome.status, "lines": outcome.lines,
        "total": f"{outcome.total:.2f}", "currency": outcome.currency,
        "issue_counts": dict(outcome.issue_counts), "staged": staged, "next": follow,
        # Why an unreadable file was refused, as data (code, text, params) the page renders.
        "issue": first if outcome.status == "refused" and not outcome.columns else None,
    }


def _save_note(instance: Path, actor: Actor, token: str, outcome: ImportOutcome,
               params: dict[str, Any]) -> None:
    """Keep beside the staged upload what the mapping and report pages need."""
    note = dict(pages.staged_with_note(instance, actor, token).note)
    if not note.get("columns"):
        note.update(columns=outcome.columns, mapping=outcome.mapping,
                    date_ambiguous="ambiguous_date_order" in outcome.issue_counts)
    if outcome.samples and not note.get("samples"):
        note["samples"] = outcome.samples
    if params.get("mapping") is not None:
        note.update(confirmed_mapping=params["mapping"], date_order=params.get("date_order"))
    question = next((i for i in outcome.issues if i.get("code") == "currency_needs_confirmation"),
                    None)
    if question is not None:  # the mapping page asks which currency the amounts are in
        note["currencies"] = str(question.get("value") or "").split(", ")
    if params.get("currency"):
        note["currency"] = params["currency"]
    note["import_id"] = outcome.import_id
    pages.save_upload_note(instance, actor, token, note)


def _discard(instance: Path, token: str) -> None:
    imports.discard_staged(instance, token)
    pages.discard_note(instance, token)
