"""The `procure` command line: the same use cases as the web, for finance IT scripts.

Command names and JSON keys follow the contract in DESIGN.md. Errors go to stderr with
a non-zero exit and a message a clerk can act on; with --json, results go to stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from app.config import ConfigError, from_env
from procurement.errors import InvalidInput, ProcurementError
from procurement.permissions import SYSTEM

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress
    from sqlalchemy.orm import Session

# The heavy libraries (pandas, SQLAlchemy, rich, the solvers) are imported by the commands
# that use them, so that `procure --help` and `procure --version` answer at once.


class _StderrConsole:
    """rich's console on stderr, created on first use."""

    _console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            type(self)._console = Console(stderr=True)
        return getattr(self._console, name)


err: Any = _StderrConsole()


class Context:
    """Configuration and database of one CLI invocation."""

    def __init__(self) -> None:
        try:
            self.config = from_env()
        except ConfigError as exc:
            raise click.ClickException(f"Configuration: {exc}") from exc
        self.url: str = self.config["DATABASE_URL"]
        self.instance = Path(self.config["INSTANCE_PATH"])
        self._factory: Any = None

    def upgrade(self) -> None:
        """Create or upgrade the schema."""
        from procurement.db import upgrade_database

        upgrade_database(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error."""
        from procurement.db import make_engine, make_session_factory, transaction

        if self._factory is None:
            self.upgrade()
            self._factory = make_session_factory(make_engine(self.url))
        with transaction(self._factory) as session:
            yield session


def emit(data: dict[str, Any], as_json: bool, text: Callable[[dict[str, Any]], str]) -> None:
    """Print the result as JSON on stdout, or as text for a person."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(text(data))


def fail(message: str, errors: dict[str, Any] | None = None, code: int = 1) -> None:
    """Print an actionable error on stderr and exit non-zero."""
    click.echo(f"Error: {message}", err=True)
    for key, value in (errors or {}).items():
        click.echo(f"  - {key}: {value}", err=True)
    sys.exit(code)


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn domain errors into clear messages and a non-zero exit."""
    try:
        yield
    except ProcurementError as exc:
        fail(exc.message, exc.errors)
    except FileNotFoundError as exc:
        fail(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Responsible municipal procurement engine."""
    ctx.obj = Context()


def _name_normalizer() -> Callable[[str], str]:
    from procurement.matching import normalize_company_name

    return normalize_company_name


@cli.command()
@click.option("--demo", is_flag=True, help="Load the demo data (once).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def init(obj: Context, demo: bool, as_json: bool) -> None:
    """Create or upgrade the database; --demo loads the demo data once."""
    from procurement import demo as demo_data
    from procurement.regulatory import seed_profiles
    from procurement.services.matching import seed_categories

    with domain_errors(), obj.session() as session:
        seed_profiles(session)
        seed_categories(session)
        demo_org = None
        if demo:
            log = (lambda _m: None) if as_json else (lambda m: err.print(f"[dim]{m}[/dim]"))
            result = demo_data.load_demo(session, instance=obj.instance,
                                         normalize_name=_name_normalizer(), log=log)
            demo_org = result.org_code
    emit({"database": _safe_url(obj.url), "demo_org": demo_org}, as_json,
         lambda d: f"Database ready: {d['database']}"
         + (f"\nDemo municipality: {d['demo_org']}" if d["demo_org"] else ""))


def _safe_url(url: str) -> str:
    """Hide a password in a database URL."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _progress() -> Progress:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"
                    "/{task.total}"), TimeRemainingColumn(), console=err, transient=True)


@cli.command("import-spend")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--org", "org_code", required=True, help="Municipality code (MAMH mcode).")
@click.option("--sheet", help="Name of the sheet holding the data.")
@click.option("--accept-valid-rows", is_flag=True,
              help="Store the valid rows and report the refused ones.")
@click.option("--date-order", type=click.Choice(["dmy", "mdy"]),
              help="Order of day and month when the file's dates are ambiguous.")
@click.option("--currency", help="ISO currency of the amounts when the file does not say "
              "(default: the municipality's, CAD in Quebec).")
@click.option("--map", "column_map", multiple=True, metavar="FIELD=COLUMN",
              help="Map a column to an engine field when the headers are not recognised, "
              "e.g. --map supplier_name=Qui --map amount=Combien (remembered for next month).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def import_spend(obj: Context, file: Path, org_code: str, sheet: str | None,
                 accept_valid_rows: bool, date_order: str | None, currency: str | None,
                 column_map: tuple[str, ...], as_json: bool) -> None:
    """Import a municipal spending file (xlsx, xls, ods, csv): all lines or none."""
    import importers
    from importers import Limits
    from procurement.services import imports, matching
    from procurement.services.common import organization_by_code

    if not file.is_file():
        fail(f"{file}: no such file.")
    mapping = _column_map(column_map)
    with domain_errors(), obj.session() as session:
        org = organization_by_code(session, org_code)
        show = not as_json and sys.stderr.isatty()
        with _progress() if show else _null() as progress:
            task = progress.add_task(f"Importing {file.name}", total=None) if progress else None

            def report(done: int, total: int) -> None:
                if progress is not None and task is not None:
                    progress.update(task, completed=done, total=total)

            outcome = imports.import_spend(
                session, SYSTEM, org, file, sheet=sheet, accept_valid_rows=accept_valid_rows,
                date_order=date_order, progress=report, currency=_currency(currency),
                mapping=mapping, save_mapping=mapping is not None,
                limits=Limits(max_rows=obj.config["MAX_IMPORT_ROWS"]),
                isolated=obj.config["PARSE_IN_SUBPROCESS"])
        if outcome.status == "imported":
            matching.run_matching(session, SYSTEM, org)
    data = outcome.spend_json()
    emit(data, as_json, lambda d: _import_text(d, outcome.message))
    if outcome.status == "refused":
        click.echo(f"Error: {outcome.message}", err=True)
        codes = set(outcome.issue_counts)
        if "ambiguous_date_order" in codes:
            click.echo("  Confirm the dates with --date-order dmy (day/month) or "
                       "--date-order mdy (month/day).", err=True)
        if codes & {"missing_required_column", "weak_column_mapping", "ambiguous_column"}:
            click.echo(f"  Columns found: {', '.join(outcome.columns) or 'none'}. Map them with "
                       "--map FIELD=COLUMN (fields: "
                       f"{', '.join(importers.SPEND_FIELDS)}).", err=True)
        sys.exit(1)


def _column_map(pairs: tuple[str, ...]) -> dict[str, str] | None:
    """Parse --map FIELD=COLUMN options into a mapping, or fail with the valid fields."""
    import importers

    if not pairs:
        return None
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, _, column = pair.partition("=")
        field, column = field.strip(), column.strip()
        if not column or field not in importers.SPEND_FIELDS:
            fail(f"--map {pair!r}: expected FIELD=COLUMN with FIELD one of "
                 f"{', '.join(importers.SPEND_FIELDS)}.")
        mapping[field] = column
    return mapping


def _currency(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha():
        fail(f"--currency {value!r}: expected a three-letter ISO code such as CAD, EUR or GBP.")
    return code


@contextmanager
def _null() -> Iterator[Any]:
    yield None


def _import_text(data: dict[str, Any], message: str) -> str:
    lines = [message]
    for issue in data["issues"][:20]:
        where = ", ".join(str(p) for p in (
            issue.get("sheet") and f"sheet {issue['sheet']}",
            issue.get("row") and f"row {issue['row']}",
            issue.get("column") and f"column {issue['column']!r}") if p)
        lines.append(f"  [{issue['code']}] {where}: {issue['message']}")
    if len(data["issues"]) > 20:
        lines.append(f"  … and {len(data['issues']) - 20} more (use --json for all)")
    return "\n".join(lines)


@cli.command("import-suppliers")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def import_suppliers(obj: Context, file: Path, as_json: bool) -> None:
    """Import or update the registry of social economy suppliers."""
    from procurement.services import imports, matching

    if not file.is_file():
        fail(f"{file}: no such file.")
    with domain_errors(), obj.session() as session:
        outcome = imports.import_suppliers(session, SYSTEM, file,
                                           isolated=obj.config["PARSE_IN_SUBPROCESS"],
                                           normalize_name=_name_normalizer())
        if outcome.status == "imported":
            matching.seed_categories(session)
            matching.localize_suppliers(session)
            matching.refresh_supplier_categories(session)
    emit(outcome.suppliers_json(), as_json, lambda d: _import_text(d, outcome.message))
    if outcome.status == "refused":
        sys.exit(1)


@cli.command()
@click.option("--org", "org_code", required=True, help="Municipality code (MAMH mcode).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def match(obj: Context, org_code: str, as_json: bool) -> None:
    """Categorize spending and recognise social economy incumbents."""
    from procurement.services import matching
    from procurement.services.common import organization_by_code

    with domain_errors(), obj.session() as session:
        org = organization_by_code(session, org_code)
        summary = matching.run_matching(session, SYSTEM, org)
    emit(summary.to_json(), as_json, lambda d: (
        f"{d['lines']} lines; by method: {d['by_method']}; baseline social economy share "
        f"{d['baseline_social_economy_share']:.1%}; waiting for a person: {d['pending_review']}"))


@cli.command()
@click.option("--org", "org_code", required=True, help="Municipality code (MAMH mcode).")
@click.option("--scenario", "scenario_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Scenario as a JSON file (any subset of the fields).")
@click.option("--sensitivity", is_flag=True,
              help="Also re-solve for budgets -10 % … +20 % (key 'sensitivity').")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def optimize(obj: Context, org_code: str, scenario_file: Path | None, sensitivity: bool,
             as_json: bool) -> None:
    """Propose allocations that maximize local social impact within the constraints."""
    from procurement.services import optimize as optimize_service
    from procurement.services.common import organization_by_code

    params = _read_scenario(scenario_file)
    with domain_errors(), obj.session() as session:
        org = organization_by_code(session, org_code)
        outcome = optimize_service.run_scenario(session, SYSTEM, org, params)
        data = outcome.to_json()
        if sensitivity and outcome.proposal_id is not None:
            data["sensitivity"] = optimize_service.sensitivity_table(
                session, SYSTEM, outcome.proposal_id)
    emit(data, as_json, _optimize_text)
    if data["status"] not in {"optimal", "feasible"}:
        sys.exit(1)


def _read_scenario(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    if not path.is_file():
        fail(f"{path}: no such scenario file.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path}: not valid JSON ({exc}).")
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: a scenario must be a JSON object.")
    return data


def _optimize_text(d: dict[str, Any]) -> str:
    lines = [f"Status: {d['status']}; proposal: {d['proposal_id']}; objective: {d['objective']}"]
    lines += [f"  binds: {b['explanation']}" for b in d["binding"]]
    lines += [f"  cannot hold: {i['explanation']}" for i in d["infeasibility"]]
    return "\n".join(lines)


@cli.command()
@click.option("--incumbents", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with columns name, neq (empty when not a registry supplier).")
@click.option("--categories", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with columns expense_category, description, category_code.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def evaluate(obj: Context, incumbents: Path | None, categories: Path | None,
             as_json: bool) -> None:
    """Measure matching quality on a labelled set (the project's, or yours)."""
    from procurement.services.evaluation import evaluation_report

    with domain_errors():
        data = evaluation_report(incumbents=incumbents, categories=categories)
    emit(data, as_json, lambda d: (
        f"incumbents: precision {d['incumbents']['precision']:.3f}, recall "
        f"{d['incumbents']['recall']:.3f} (n={d['incumbents']['n']}); categories: accuracy "
        f"{d['categories']['accuracy']:.3f} (n={d['categories']['n']})"))


@cli.command()
@click.argument("proposal_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "ocds", "pdf"]),
              required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
def export(obj: Context, proposal_id: int, fmt: str, output: Path) -> None:
    """Export a proposal."""
    from procurement.services.exports import export_proposal

    with domain_errors(), obj.session() as session:
        result = export_proposal(session, SYSTEM, proposal_id, fmt)
    output.write_bytes(result.content)
    click.echo(f"Wrote {output} ({len(result.content)} bytes).")


@cli.command("grant-admin")
@click.argument("email")
@click.option("--org", "org_code", required=True, help="Municipality code (MAMH mcode).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def grant_admin(obj: Context, email: str, org_code: str, as_json: bool) -> None:
    """Let an administrator of a shared instance manage one more municipality."""
    from procurement.services.common import organization_by_code
    from procurement.users import grant_management

    with domain_errors(), obj.session() as session:
        org = organization_by_code(session, org_code)
        grant_management(session, SYSTEM, email=email, organization_id=org.id)
    emit({"email": email.strip().lower(), "organization": org.code}, as_json,
         lambda d: f"{d['email']} now manages municipality {d['organization']}.")


@cli.group()
def audit() -> None:
    """Audit trail commands."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit_verify(obj: Context, as_json: bool) -> None:
    """Recompute the hash chain and name the first broken event."""
    from procurement.audit import verify_chain

    with obj.session() as session:
        report = verify_chain(session)
    emit(report.to_dict(), as_json, lambda d: (
        f"Audit trail intact: {d['events']} events." if d["ok"] else
        f"Audit trail BROKEN at event #{d['first_broken_id']}: {d['reason']}"))
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def demo(obj: Context, as_json: bool) -> None:
    """Run the whole chain on the demo data: import, match, optimize."""
    from procurement import demo as demo_data
    from procurement.services import matching
    from procurement.services import optimize as optimize_service
    from procurement.services.common import organization_by_code

    with domain_errors(), obj.session() as session:
        from procurement.regulatory import seed_profiles

        seed_profiles(session)
        matching.seed_categories(session)
        demo_data.load_demo(session, instance=obj.instance,
                            normalize_name=_name_normalizer(),
                            log=(lambda _m: None) if as_json else print)
        org = organization_by_code(session, demo_data.DEMO_ORG_CODE)
        summary = matching.run_matching(session, SYSTEM, org)
        outcome = optimize_service.run_scenario(session, SYSTEM, org, {"name": "Démo"})
    kpis = outcome.solution.kpis
    data = {
        "proposal_id": outcome.proposal_id,
        "status": outcome.solution.status,
        "social_economy_share_before": kpis.get("social_economy_share_before",
                                                summary.baseline_social_economy_share),
        "social_economy_share_after": kpis.get("social_economy_share_after"),
        "kpis": kpis,
    }
    emit(data, as_json, lambda d: (
        f"Proposal #{d['proposal_id']} ({d['status']}): social economy share "
        f"{d['social_economy_share_before']:.1%} → {d['social_economy_share_after']:.1%}"))


@cli.command()
@click.option("--concurrency", "-c", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of CPUs).")
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_obj
def worker(obj: Context, concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker for the background jobs (needs CELERY_BROKER_URL)."""
    if not obj.config.get("CELERY_BROKER_URL"):
        fail("CELERY_BROKER_URL is not set: set it to the Redis broker the web service uses, "
             "for example redis://127.0.0.1:6379/0.")
    try:
        from app.celery_app import worker_app
    except ImportError:
        fail("Celery is not installed: pip install 'procurement-engine[celery]'.")
    obj.upgrade()  # the schema must be current before the first job
    argv = ["worker", f"--loglevel={loglevel}", f"--queues={obj.config['CELERY_QUEUE']}",
            "--without-gossip",
            "--without-mingle"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    worker_app().worker_main(argv)


def main() -> None:
    """Entry point of the `procure` console script."""
    try:
        cli(prog_name="procure")
    except Exception as exc:  # a bug, not bad input: no traceback for the clerk, a clue for IT
        click.echo(f"Error: the command failed unexpectedly ({type(exc).__name__}: {exc}). "
                   "Nothing was changed; please report this message to your IT support.",
                   err=True)
        sys.exit(70)


if __name__ == "__main__":
    main()
