"""The `procure` command line: the same use cases as the web, for finance IT scripts.

Command names and JSON keys follow the contract in docs/architecture.md. Errors go to stderr with
a non-zero exit and a message a clerk can act on; with --json, results go to stdout.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from app.config import ConfigError, from_env
from procurement.errors import ProcurementError
from procurement.permissions import ROLES, SYSTEM

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
            fail(f"Configuration: {exc}", error_code="configuration")
        self.url: str = self.config["DATABASE_URL"]
        self.instance = Path(self.config["INSTANCE_PATH"])
        self._factory: Any = None

    @functools.cached_property
    def import_settings(self) -> Any:
        """Return the import settings, built once from the configuration."""
        from procurement.services.imports import ImportSettings

        return ImportSettings.from_config(self.config)

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
            engine = make_engine(self.url,
                                 lock_timeout=float(self.config["DB_LOCK_TIMEOUT"]),
                                 connect_timeout=int(self.config["DB_CONNECT_TIMEOUT"]))
            self._factory = make_session_factory(
                engine, audit_key=str(self.config["AUDIT_KEY"]).encode())
        with transaction(self._factory) as session:
            yield session


JSON_FLAG = "--json"


def emit(data: dict[str, Any], as_json: bool, text: Callable[[dict[str, Any]], str]) -> None:
    """Print the result as JSON on stdout, or as text for a person."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(text(data))


def json_requested() -> bool:
    """Tell whether the running command was given --json (errors then print as JSON too)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get("procure.json"))


def error_json(code: str, message: str, errors: dict[str, Any] | None = None) -> str:
    """Return the JSON error document of the CLI contract: {"error": {"code", "message"}}."""
    error: dict[str, Any] = {"code": code, "message": message}
    if errors:
        error["errors"] = errors
    return json.dumps({"error": error}, ensure_ascii=False, indent=2, default=str)


def fail(message: str, errors: dict[str, Any] | None = None, code: int = 1, *,
         error_code: str = "invalid_input") -> NoReturn:
    """Print an actionable error (on stderr, and as JSON on stdout with --json); exit non-zero."""
    click.echo(f"Error: {message}", err=True)
    for key, value in (errors or {}).items():
        click.echo(f"  - {key}: {value}", err=True)
    if json_requested():
        click.echo(error_json(error_code, message, errors))
    sys.exit(code)


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn domain errors into clear messages and a non-zero exit."""
    try:
        yield
    except ProcurementError as exc:
        fail(exc.message, exc.errors, error_code=exc.code)
    except FileNotFoundError as exc:
        fail(str(exc), error_code="file_not_found")


class ProcureGroup(click.Group):
    """The `procure` group: with --json, usage errors and crashes are JSON on stdout too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["procure.json"] = JSON_FLAG in args
        return super().parse_args(ctx, args)

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(argv, prog_name, complete_var, standalone_mode=False,
                                  **extra)
        except click.ClickException as exc:
            if not standalone_mode:
                raise
            exc.show()
            if JSON_FLAG in argv:
                kind = "usage" if isinstance(exc, click.UsageError) else "invalid_input"
                click.echo(error_json(kind, exc.format_message()))
            sys.exit(exc.exit_code)
        except click.Abort:
            if not standalone_mode:
                raise
            click.echo("Aborted!", err=True)
            if JSON_FLAG in argv:
                click.echo(error_json("aborted", "Aborted."))
            sys.exit(1)
        if standalone_mode:
            sys.exit(result if isinstance(result, int) else 0)
        return result


def _version() -> str:
    try:
        return metadata.version("procurement-engine")
    except metadata.PackageNotFoundError:
        return "unknown"


@click.group(cls=ProcureGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=_version(), prog_name="procure", message="%(prog)s %(version)s")
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
    from procurement.audit import anchor_existing_chain
    from procurement.data import REFERENCE_DIR
    from procurement.regulatory import seed_profiles
    from procurement.services.matching import seed_categories

    with domain_errors(), obj.session() as session:
        seed_profiles(session)
        seed_categories(session)
        # The public MAMH reference ships in the package: a real municipality starts
        # without the demo (`procure create-user ... --org CODE`).
        municipalities = demo_data.load_municipalities(
            session, REFERENCE_DIR / "quebec-municipalities.csv")
        # A trail written before its head was anchored gets its anchor once, if intact.
        anchor_existing_chain(session)
        demo_org = None
        if demo:
            log = (lambda _m: None) if as_json else (lambda m: err.print(f"[dim]{m}[/dim]"))
            result = demo_data.load_demo(session, instance=obj.instance,
                                         normalize_name=_name_normalizer(), log=log)
            demo_org = result.org_code
    emit({"database": _safe_url(obj.url), "demo_org": demo_org,
          "municipalities": municipalities}, as_json,
         lambda d: f"Database ready: {d['database']} ({d['municipalities']} municipalities)"
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
    from procurement.services import imports, matching
    from procurement.services.common import organization_by_code

    if not file.is_file():
        fail(f"{file}: no such file.", error_code="file_not_found")
    mapping = _column_map(column_map)
    currency = _currency(currency)
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
                date_order=date_order, progress=report, currency=currency,
                mapping=mapping, save_mapping=mapping is not None,
                settings=obj.import_settings)
        if outcome.status == "imported":
            matching.run_matching(session, SYSTEM, org)
    data = _said(outcome.spend_json())
    message = _outcome_message(outcome, data)
    emit(data, as_json, lambda d: _import_text(d, message))
    if outcome.status == "refused":
        click.echo(f"Error: {message}", err=True)
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


def _said(data: dict[str, Any]) -> dict[str, Any]:
    """Give each issue its `message` in the CLI's language (the contract's ISSUE keys)."""
    from app.messages import cli_issue_message

    lang, gettext = cli_language()
    data["issues"] = [
        {**{key: issue.get(key) for key in ("sheet", "row", "column", "value", "code")},
         "message": cli_issue_message(issue, lang, gettext),
         **{key: value for key, value in issue.items()
            if key not in ("text", "params", "message", "message_fr")}}
        for issue in data["issues"]]
    return data


def _outcome_message(outcome: Any, data: dict[str, Any]) -> str:
    """The outcome's summary; for an unreadable file, why it was refused."""
    if outcome.status == "refused" and not outcome.columns and data["issues"]:
        message = str(data["issues"][0]["message"])
        data["message"] = message
        return message
    return str(outcome.message)


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
    from procurement.services import registry

    if not file.is_file():
        fail(f"{file}: no such file.", error_code="file_not_found")
    with domain_errors(), obj.session() as session:
        outcome = registry.import_registry(session, SYSTEM, file,
                                           settings=obj.import_settings)
    data = _said(outcome.suppliers_json())
    message = _outcome_message(outcome, data)
    emit(data, as_json, lambda d: _import_text(d, message)
         + "".join(f"\n  merge #{m['merge_id']}: row {m['row']} into supplier "
                   f"#{m['supplier_id']} ({m['supplier']}) on {m['matched_on']}, "
                   f"changed {', '.join(m['changed'])}" for m in d["merges"][:20]))
    if outcome.status == "refused":
        sys.exit(1)


@cli.command("undo-merge")
@click.argument("merge_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def undo_merge(obj: Context, merge_id: int, as_json: bool) -> None:
    """Undo a registry merge (its id is in the import's `merges`)."""
    from procurement.services import registry

    with domain_errors(), obj.session() as session:
        outcome = registry.undo_merge(session, SYSTEM, merge_id)
    emit(outcome.to_json(), as_json, lambda d: (
        f"Merge #{d['merge_id']} undone: supplier #{d['supplier_id']} got back "
        f"{', '.join(d['restored']) or 'nothing'}"
        + (f"; kept (changed since): {', '.join(d['kept'])}" if d["kept"] else "")
        + (f"; the merged record is supplier #{d['split_supplier_id']}"
           if d["split_supplier_id"] else "")))


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
        data = outcome.to_json(*cli_language())
        if sensitivity and outcome.proposal_id is not None:
            data["sensitivity"] = optimize_service.sensitivity_table(
                session, SYSTEM, outcome.proposal_id)
    emit(data, as_json, _optimize_text)
    if data["status"] not in {"optimal", "feasible"}:
        sys.exit(1)


def _read_scenario(path: Path | None) -> Any:
    """Read the scenario file's JSON; the scenario validator judges its content."""
    if path is None:
        return {}
    if not path.is_file():
        fail(f"{path}: no such scenario file.", error_code="file_not_found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path}: not valid JSON ({exc}).", error_code="invalid_scenario")


def _catalogue_gettext() -> Callable[[str], str]:
    """Return the English catalogue's gettext (French msgids to English)."""
    from app.i18n import catalogue_gettext

    found = catalogue_gettext("en")
    assert found is not None
    return found


def cli_language() -> tuple[str, Callable[[str], str]]:
    """Return the CLI's language (PROCURE_LANG: fr or en; English by default) and gettext."""
    import os

    from app.i18n import catalogue_gettext

    lang = os.environ.get("PROCURE_LANG", "en").strip().lower()[:2]
    gettext = catalogue_gettext("en") if lang == "en" else None
    return ("en", gettext) if gettext is not None else ("fr", str)


def _optimize_text(d: dict[str, Any]) -> str:
    lines = [f"Status: {d['status']}; proposal: {d['proposal_id']}; objective: {d['objective']}"]
    lines += [f"  binds: {b['explanation']}" for b in d["binding"]]
    lines += [f"  cannot hold: {i['explanation']}" for i in d["infeasibility"]]
    units = d.get("impact_units") or {}
    for key in ("social_economy_spending", "local_spending", "work_integration_hours",
                "jobs_fte_years"):
        if key in units:
            item = units[key]
            lines.append(f"  {key}: {item['before']} -> {item['after']} {item['unit']}")
    lines += [f"  lever {lever['lot']}: {lever['reason']}" for lever in d.get("levers", [])
              if lever["lever"] != "none"]
    lines += [f"  warning: {w['message']}" for w in d.get("warnings", [])]
    return "\n".join(lines)


@cli.command()
@click.option("--incumbents", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with columns name, neq (empty when not a registry supplier).")
@click.option("--categories", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with columns expense_category, description, category_code.")
@click.option("--capabilities", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with columns name, categories (codes separated by ';') and neq or "
                   "siret; scores the capabilities that make a supplier award-eligible.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def evaluate(obj: Context, incumbents: Path | None, categories: Path | None,
             capabilities: Path | None, as_json: bool) -> None:
    """Measure matching quality on a labelled set (the project's, or yours)."""
    from procurement.services.evaluation import evaluation_report

    with domain_errors():
        data = evaluation_report(incumbents=incumbents, categories=categories,
                                 capabilities=capabilities)
    emit(data, as_json, _evaluate_text)


def _capability_text(caps: dict[str, Any]) -> str:
    text = f"precision {caps['precision']:.3f}, recall {caps['recall']:.3f}"
    if "recall_with_activity" in caps:
        text += (f", recall {caps['recall_with_activity']:.3f} on the "
                 f"{caps['pairs_with_activity']} of {caps['pairs']} true pairs with activity "
                 "evidence")
    return f"{text} (n={caps['n']})"


def _evaluate_text(d: dict[str, Any]) -> str:
    parts = []
    if "incumbents" in d:
        parts.append(f"incumbents: precision {d['incumbents']['precision']:.3f}, recall "
                     f"{d['incumbents']['recall']:.3f} (n={d['incumbents']['n']})")
    if "categories" in d:
        cats = d["categories"]
        text = f"categories: accuracy {cats['accuracy']:.3f} (n={cats['n']})"
        if "held_out" in cats:
            text += (f"; in-sample {cats['in_sample']['accuracy']:.3f} "
                     f"(n={cats['in_sample']['n']}), held out "
                     f"{cats['held_out']['accuracy']:.3f} (n={cats['held_out']['n']})")
        parts.append(text)
    caps = d["capabilities"]
    scope = "in-sample " if "held_out" in caps else ""
    text = f"capabilities (award-eligible): {scope}{_capability_text(caps)}"
    if "held_out" in caps:
        text += f"; held out: {_capability_text(caps['held_out'])}"
    parts.append(text)
    return "; ".join(parts)


@cli.command()
@click.argument("proposal_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "ocds", "pdf"]),
              required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None,
              help="Language of the workbook and the PDF (default: PROCURE_LANG, else fr).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def export(obj: Context, proposal_id: int, fmt: str, output: Path, lang: str | None,
           as_json: bool) -> None:
    """Export a proposal."""
    import os

    from procurement.services.exports import export_proposal

    chosen = lang or os.environ.get("PROCURE_LANG", "fr").strip().lower()[:2]
    chosen = chosen if chosen in ("fr", "en") else "fr"
    gettext = _catalogue_gettext() if chosen == "en" else None
    with domain_errors(), obj.session() as session:
        result = export_proposal(session, SYSTEM, proposal_id, fmt, lang=chosen,
                                 gettext=gettext)
    try:
        output.write_bytes(result.content)
    except OSError as exc:
        fail(f"{output}: could not be written ({exc.strerror or exc}); choose another path.",
             error_code="output_not_writable")
    emit({"proposal_id": proposal_id, "format": fmt, "path": str(output),
          "bytes": len(result.content), "mimetype": result.mimetype}, as_json,
         lambda d: f"Wrote {d['path']} ({d['bytes']} bytes).")


@cli.command("set-target")
@click.option("--org", "org_code", required=True, help="Municipality code (MAMH mcode).")
@click.option("--share", required=True, help="Target share of spending, e.g. 0.2 for 20 %.")
@click.option("--year", required=True, help="The fiscal year by which to reach it, e.g. 2028.")
@click.option("--fiscal-year-start", "start_month", default=None,
              help="First month of the fiscal year (1 = calendar year, as in Quebec).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def set_target(obj: Context, org_code: str, share: str, year: str, start_month: str | None,
               as_json: bool) -> None:
    """Set the council's target share to the social economy and its year (audited)."""
    from procurement.services import targets
    from procurement.services.common import organization_by_code

    with domain_errors(), obj.session() as session:
        org = organization_by_code(session, org_code)
        targets.set_target(session, SYSTEM, org, share=share, year=year,
                           fiscal_year_start_month=start_month)
        years = [y.to_json() for y in targets.years_for(session, SYSTEM, org)]
        data = {"org": org.code, "target_share": org.se_target_share,
                "target_year": org.se_target_year,
                "fiscal_year_start_month": org.fiscal_year_start_month, "years": years}
    emit(data, as_json, lambda d: f"{d['org']}: target {d['target_share']:.0%} by "
         f"{d['target_year']}; " + ", ".join(f"{y['year']}: {y['share']:.1%}" for y in d["years"]))


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


@cli.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES), help="The account's role.")
@click.option("--org", "org_code", required=True, help="Municipality code (MAMH mcode).")
@click.option("--name", default="", help="Name shown in the pages (default: the e-mail).")
@click.option("--locale", default="fr", type=click.Choice(["fr", "en"]))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def create_user(obj: Context, email: str, role: str, org_code: str, name: str, locale: str,
                as_json: bool) -> None:
    """Create an account (the first administrator too).

    The password is read from stdin when stdin is not a terminal (e.g. `printf '%s'
    "$PASSWORD" | procure create-user ...`); otherwise a random password is generated
    and printed once (never stored in clear): hand it to the person over a safe channel.
    """
    from procurement.users import create_account

    password = None
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n") or None
    with domain_errors(), obj.session() as session:
        user, generated = create_account(session, SYSTEM, email=email, role=role,
                                         organization_code=org_code, password=password,
                                         name=name, locale=locale)
        data = {"user_id": user.id, "email": user.email, "role": user.role,
                "organization": org_code.strip(), "password": generated}
    emit(data, as_json, lambda d: f"Account {d['email']} ({d['role']}) created in "
         f"municipality {d['organization']}."
         + (f"\nGenerated password (shown once): {d['password']}" if d["password"] else ""))


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
    full = outcome.to_json(*cli_language())
    data = {
        "proposal_id": outcome.proposal_id,
        "status": outcome.solution.status,
        "social_economy_share_before": kpis.get("social_economy_share_before",
                                                summary.baseline_social_economy_share),
        "social_economy_share_after": kpis.get("social_economy_share_after"),
        "kpis": kpis,
        "allocations": outcome.allocations,
        **{key: full[key] for key in ("impact_units", "levers", "warnings", "fiscal_year")},
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
        message = (f"the command failed unexpectedly ({type(exc).__name__}: {exc}). "
                   "Nothing was changed; please report this message to your IT support.")
        click.echo(f"Error: {message}", err=True)
        if JSON_FLAG in sys.argv[1:]:
            click.echo(error_json("internal_error", message))
        sys.exit(70)


if __name__ == "__main__":
    main()
