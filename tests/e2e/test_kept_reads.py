"""Read models kept between requests: never another municipality's, never older than a write.

The dashboard, the proposal page and a proposal's API answer are computed once per version
of the data they show (`procurement.data_versions`) and served again to the next readers
of the same municipality. These tests write and read back, by the API, by the pages and
past the application (as the job worker, another process, does).
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from procurement import data_versions
from procurement.db import transaction, update_by_id
from procurement.models import (
    DataVersion,
    IncumbentMatch,
    Organization,
    Proposal,
    PurchaseLine,
    Supplier,
    utcnow,
)


@pytest.fixture(autouse=True)
def _forget_kept_reads() -> None:
    data_versions.KEPT.clear()


def sign_in(client: FlaskClient, user_id: int) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)


def versions(app: Flask) -> dict[str, int]:
    with app.extensions["db_factory"]() as session:
        return {scope: int(version) for scope, version in session.execute(
            select(DataVersion.scope, DataVersion.version)).all()}


def moved(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {scope for scope, version in after.items() if before.get(scope) != version}


def work_count(page: str, anchor: str) -> int:
    """Return the count shown next to the work-waiting link to `anchor`."""
    found = re.search(rf'href="{re.escape(anchor)}"[^<]*</a> <span class="count">(\d+)<', page)
    assert found, anchor
    return int(found.group(1))


def test_the_api_answer_changes_with_the_write_that_follows_it(client: FlaskClient,
                                                               world: Any):
    a = world.a
    url = f"/api/proposals/{a.draft_id}"
    first = client.get(url, headers=a.headers("auditor")).json
    assert client.get(url, headers=a.headers("finance")).json == first  # kept, same answer
    assert first["status"] == "draft"
    submitted = client.post(f"{url}/submit", headers=a.headers("purchaser"),
                            json={"version": first["version"]})
    assert submitted.status_code == 200
    after = client.get(url, headers=a.headers("auditor")).json
    assert after["status"] == "submitted"
    assert after["version"] == first["version"] + 1
    # The same content as the answer to the write (one schema, one dump).
    assert after == submitted.json


def test_a_kept_answer_is_never_served_to_another_municipality(client: FlaskClient,
                                                               world: Any):
    a, b = world.a, world.b
    own = client.get(f"/api/proposals/{a.submitted_id}", headers=a.headers("auditor"))
    assert own.status_code == 200
    for role in ("auditor", "admin"):
        stranger = client.get(f"/api/proposals/{a.submitted_id}", headers=b.headers(role))
        assert stranger.status_code == 404
    sign_in(client, a.users["auditor"])
    assert a.marker in client.get("/").get_data(as_text=True)
    assert client.get(f"/proposals/{a.submitted_id}").status_code == 200
    sign_in(client, b.users["auditor"])
    dashboard = client.get("/").get_data(as_text=True)
    assert a.marker not in dashboard and b.marker in dashboard
    assert client.get(f"/proposals/{a.submitted_id}").status_code == 404


def test_the_dashboard_shows_a_match_decision_at_once(client: FlaskClient, world: Any):
    a = world.a
    sign_in(client, a.users["purchaser"])
    before = client.get("/").get_data(as_text=True)
    assert client.get("/").get_data(as_text=True) == before  # kept: the same page
    waiting = work_count(before, "/matching/incumbents")
    assert waiting >= 1
    decided = client.post(f"/api/matches/incumbents/{a.match_id}",
                          headers=a.headers("purchaser"), json={"decision": "reject"})
    assert decided.status_code == 200
    after = client.get("/").get_data(as_text=True)
    assert work_count(after, "/matching/incumbents") == waiting - 1


def test_the_proposal_page_shows_a_submission_at_once_with_each_readers_token(
        make_app: Any, make_world: Any):
    app = make_app(WTF_CSRF_ENABLED=True)
    world = make_world(app)
    a = world.a
    pages = []
    for _ in range(2):  # two readers of the same role: two sessions, two tokens
        with app.test_client() as reader:
            sign_in(reader, a.users["purchaser"])
            html = reader.get(f"/proposals/{a.draft_id}").get_data(as_text=True)
            tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', html))
            assert len(tokens) == 1 and "csrf-mark" not in html
            # The kept content's form takes the reader's own token.
            submitted = reader.post(f"/proposals/{a.draft_id}/submit",
                                    data={"csrf_token": tokens.pop(), "version": 1})
            pages.append((html, submitted.status_code))
    assert pages[0][1] == 302  # the first reader submitted
    assert "Soumettre aux finances" in pages[0][0]
    # The second reader read after the submission: the draft's form is gone.
    assert "Soumettre aux finances" not in pages[1][0]


def spending(page: str) -> str:
    """Return the total of imported spending the dashboard shows."""
    found = re.search(r'Dépenses importées</h2>\s*<p class="big">([^<]+)</p>', page)
    assert found
    return found.group(1)


def test_the_dashboard_shows_an_import_and_its_withdrawal_at_once(client: FlaskClient,
                                                                 world: Any):
    a = world.a
    sign_in(client, a.users["auditor"])
    before = spending(client.get("/").get_data(as_text=True))
    text = ("Date,Fournisseur,Description,Montant\n"
            "2024-01-15,Entretien Plus,Entretien ménager,1000.00\n")
    answer = client.post("/api/imports", headers=a.headers("purchaser"),
                         content_type="multipart/form-data",
                         data={"file": (io.BytesIO(text.encode()), "janvier.csv")})
    assert answer.json["status"] == "imported", answer.json
    imported = spending(client.get("/").get_data(as_text=True))
    assert imported != before
    withdrawn = client.post(f"/api/imports/{answer.json['import_id']}/withdraw",
                            headers=a.headers("purchaser"), json={"reason": "test"})
    assert withdrawn.status_code == 200
    assert spending(client.get("/").get_data(as_text=True)) == before


def test_writes_of_another_process_move_the_versions_the_app_reads(app: Flask,
                                                                   client: FlaskClient,
                                                                   world: Any):
    """The worker writes through a session factory of its own: the kept reads see it."""
    a = world.a
    url = f"/api/proposals/{a.submitted_id}"
    assert client.get(url, headers=a.headers("auditor")).json["decision_comment"] is None
    worker = app.extensions["db_factory"]  # the same rules as any factory of the project
    with transaction(worker) as session:
        session.execute(update(Proposal).where(Proposal.id == a.submitted_id)
                        .values(decision_comment="written by the worker"))
    assert client.get(url, headers=a.headers("auditor")).json["decision_comment"] == \
        "written by the worker"


def test_each_kind_of_write_moves_the_version_of_its_table_and_municipality(
        app: Flask, world: Any):
    a, b = world.a, world.b
    factory = app.extensions["db_factory"]
    start = versions(app)
    with transaction(factory) as session:  # a row changed through the session
        session.get(IncumbentMatch, a.match_id).status = "rejected"
    assert moved(start, step := versions(app)) == {f"incumbent_match:{a.id}"}
    with transaction(factory) as session:  # a bulk UPDATE limited to one municipality
        session.execute(update(PurchaseLine).where(PurchaseLine.organization_id == b.id)
                        .values(department="X"))
    assert moved(step, step2 := versions(app)) == {f"purchase_line:{b.id}"}
    with transaction(factory) as session:  # a bulk UPDATE of unknown municipalities
        session.execute(update(PurchaseLine).where(PurchaseLine.amount > 0)
                        .values(department="Y"))
    assert moved(step2, step3 := versions(app)) == {"purchase_line:*"}
    with transaction(factory) as session:  # past the session: the driver's cursor
        line_id = session.scalar(select(PurchaseLine.id).limit(1))
        update_by_id(session, "purchase_line", ("department",), [("Z", line_id)])
    assert moved(step3, step4 := versions(app)) == {"purchase_line:*"}
    with transaction(factory) as session:  # the shared registry
        session.get(Supplier, world.supplier_ids[0]).name = "Coop renommée"
    assert moved(step4, step5 := versions(app)) == {"supplier"}
    with transaction(factory) as session:  # a stamp no kept read shows moves nothing
        supplier = session.get(Supplier, world.supplier_ids[0])
        supplier.updated_at = utcnow()
    with factory() as session:  # a rolled back write moves nothing
        session.get(Organization, a.id).name = "Jamais"
        session.flush()
        session.rollback()
    assert versions(app) == step5


def test_a_decision_taken_again_moves_no_version(client: FlaskClient, app: Flask,
                                                 world: Any):
    a = world.a
    url = f"/api/matches/incumbents/{a.match_id}"
    assert client.post(url, headers=a.headers("purchaser"),
                       json={"decision": "confirm"}).status_code == 200
    first = versions(app)
    assert client.post(url, headers=a.headers("purchaser"),
                       json={"decision": "confirm"}).status_code == 200
    # Who and when are stamped again (the match API shows them); nothing a kept read
    # shows changed: the lines were linked already, the match was confirmed already.
    assert versions(app) == first
    assert client.post(url, headers=a.headers("purchaser"),
                       json={"decision": "reject"}).status_code == 200
    assert moved(first, versions(app)) == {f"incumbent_match:{a.id}",
                                           f"purchase_line:{a.id}"}


def test_a_kept_read_cannot_depend_on_a_table_that_moves_no_version() -> None:
    with pytest.raises(ValueError, match="audit_event"):
        data_versions.scopes_of(1, ("proposal", "audit_event"))


def test_each_database_starts_its_versions_at_a_number_of_its_own(tmp_path: Any) -> None:
    """Two databases (or one created again) never give the same keys: a process serving
    both never answers one's readers with the other's read models."""
    from procurement.db import make_engine, make_session_factory, upgrade_database

    starts = []
    for name in ("one", "two"):
        url = f"sqlite:///{tmp_path}/{name}.db"
        upgrade_database(url)
        engine = make_engine(url)
        with make_session_factory(engine)() as session:
            starts.append(data_versions.read_versions(session, (data_versions.ANY,)))
        engine.dispose()
    assert starts[0] != starts[1]
    assert all(start[0] > 0 for start in starts)


def test_the_kept_reads_stay_within_their_budget(app: Flask) -> None:
    computed: list[str] = []

    def page(key: str, length: int) -> Any:
        def compute() -> str:
            computed.append(key)
            return key[0] * length
        return compute

    with app.extensions["db_factory"]() as session:
        scopes = data_versions.scopes_of(1, ("proposal",))
        kept = data_versions.KeptReads(size=3)
        for key in ("a", "b", "c", "a"):  # "a" read again: kept, and now the newest
            kept.get(session, key, scopes, page(key, 10))
        assert computed == ["a", "b", "c"]
        kept.get(session, "d", scopes, page("d", 10))  # a fourth: "b", the oldest, goes
        kept.get(session, "b", scopes, page("b", 10))
        assert computed == ["a", "b", "c", "d", "b"]
        computed.clear()
        kept = data_versions.KeptReads(size=100, max_bytes=4000)
        for key in ("big", "big"):  # over an eighth of the budget: never kept
            assert kept.get(session, key, scopes, page(key, 600)) == "b" * 600
        assert computed == ["big", "big"]
        for n in range(11):  # ten of 400 fill the budget: the eleventh drops the first
            kept.get(session, f"p{n}", scopes, page(f"p{n}", 400))
        kept.get(session, "p1", scopes, page("p1", 400))
        kept.get(session, "p0", scopes, page("p0", 400))
        assert computed[-1] == "p0" and computed.count("p1") == 1
