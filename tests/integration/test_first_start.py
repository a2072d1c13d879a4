"""A real municipality starts without the demo: `procure init`, then `procure create-user`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import select

from app.cli import cli
from procurement.db import make_engine, make_session_factory
from procurement.models import Organization, User
from procurement.users import authenticate


def run(instance: Path, *args: str, stdin: str = "") -> Result:
    env = {"PROCURE_INSTANCE": str(instance), "DATABASE_URL": "",
           "PROCURE_PARSE_IN_SUBPROCESS": "false"}
    return CliRunner().invoke(cli, list(args), env=env, input=stdin, catch_exceptions=False)


def test_init_loads_the_municipalities_and_create_user_makes_the_first_accounts(
        tmp_path: Path) -> None:
    started = run(tmp_path, "init", "--json")
    assert started.exit_code == 0, started.output
    data = json.loads(started.stdout)
    assert data["demo_org"] is None and data["municipalities"] > 1000

    chosen = run(tmp_path, "create-user", "Admin@Rimouski.example", "--role", "admin",
                 "--org", "10043", "--json", stdin="a-long-secret-password\n")
    assert chosen.exit_code == 0, chosen.output
    admin = json.loads(chosen.stdout)
    assert admin["email"] == "admin@rimouski.example" and admin["password"] is None

    printed = run(tmp_path, "create-user", "achats@rimouski.example", "--role", "purchaser",
                  "--org", "10043", "--json")
    assert printed.exit_code == 0, printed.output
    one_time = json.loads(printed.stdout)["password"]
    assert isinstance(one_time, str) and len(one_time) >= 12

    factory = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'procurement.db'}"))
    with factory() as session:
        org = session.scalar(select(Organization).where(Organization.code == "10043"))
        assert org is not None and org.name == "Rimouski"
        assert authenticate(session, "admin@rimouski.example", "a-long-secret-password")
        user = authenticate(session, "achats@rimouski.example", one_time)
        assert user is not None and user.organization_id == org.id and user.role == "purchaser"
        assert session.scalar(select(User).where(User.email == "achats@rimouski.example"))


def test_create_user_refuses_an_unknown_municipality_and_a_short_password(
        tmp_path: Path) -> None:
    assert run(tmp_path, "init").exit_code == 0
    unknown = run(tmp_path, "create-user", "a@b.example", "--role", "admin", "--org", "99999")
    assert unknown.exit_code == 1 and "99999" in unknown.stderr
    short = run(tmp_path, "create-user", "a@b.example", "--role", "admin", "--org", "10043",
                stdin="short\n")
    assert short.exit_code == 1 and "password" in short.stderr
