"""What every API module shares: the blueprint class, the actor, commits and pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint
from flask_smorest import pagination as smorest_pagination
from flask_smorest.pagination import PaginationParameters
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.routing import IntegerConverter

from app.api.schemas import MAX_ID
from app.auth import current_actor
from app.database import get_session
from procurement.models import Organization
from procurement.permissions import Actor
from procurement.services import overview
from procurement.services.overview import Page

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_OFFSET = 2**31  # beyond any real list; a farther page is simply empty
MAX_PAGE = 10_000_000  # times MAX_PAGE_SIZE stays below MAX_OFFSET


def _bounded_pagination_schema(first: int, page_size: int, max_page_size: int) -> Any:
    """flask-smorest's page arguments with an upper bound on `page` too (422, documented)."""
    base_schema = _smorest_pagination_schema(first, page_size, max_page_size)

    class BoundedPaginationParametersSchema(base_schema):  # type: ignore[misc, valid-type]
        page = ma.fields.Integer(load_default=first,
                                 validate=ma.validate.Range(min=1, max=MAX_PAGE))

    return BoundedPaginationParametersSchema


# Every paginated endpoint builds its page arguments with this factory.
_smorest_pagination_schema = smorest_pagination._pagination_parameters_schema_factory
smorest_pagination._pagination_parameters_schema_factory = _bounded_pagination_schema


class IdConverter(IntegerConverter):
    """A database id in a URL (`<id:name>`): 1 to 2**31 - 1, anything else is a 404."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


class ApiParser(FlaskParser):
    """Webargs parser that also reads a multipart body's fields and files together."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req: Any, schema: Any) -> Any:
        """Return the form fields and the files of a multipart body as one mapping."""
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose arguments may come from a multipart form."""

    ARGUMENTS_PARSER = ApiParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }

    def _set_pagination_metadata(self, page_params: Any, result: Any,
                                 headers: Any) -> tuple[Any, Any]:
        """Answer X-Pagination (JSON) and X-Total-Count with every page."""
        result, headers = super()._set_pagination_metadata(page_params, result, headers)
        headers["X-Total-Count"] = str(page_params.item_count)
        return result, headers

    def _document_pagination_metadata(self, spec: Any, resp_doc: dict[str, Any]) -> None:
        """Document the page headers as what travels: text, and a whole number."""
        resp_doc.setdefault("headers", {}).update({
            self.PAGINATION_HEADER_NAME: {
                "description": "JSON object: total, total_pages, first_page, last_page, "
                               "page, previous_page, next_page",
                "schema": {"type": "string"}},
            "X-Total-Count": {"description": "Number of items in the whole list",
                              "schema": {"type": "integer", "minimum": 0}},
        })


def actor() -> Actor:
    """Return the acting user; an account attached to no municipality reaches nothing (404)."""
    acting = current_actor()
    overview.own_organization_id(acting)
    return acting


def session() -> Any:
    """Return this request's database session."""
    return get_session()


def organization() -> Organization:
    """Return the acting user's municipality."""
    return overview.actor_organization(get_session(), current_actor())


def commit() -> None:
    """Commit the request's transaction (the change and its audit event together)."""
    get_session().commit()


class Window(TypedDict):
    """The slice of a list a service returns: at most `limit` items after `offset`."""

    limit: int
    offset: int


def page_window(pagination: PaginationParameters) -> Window:
    """Return the service's limit and offset for the requested page."""
    return {"limit": pagination.page_size, "offset": min(pagination.first_item, MAX_OFFSET)}


def page_items(pagination: PaginationParameters, page: Page[Any]) -> list[Any]:
    """Tell flask-smorest the total (X-Pagination header) and return the page's items."""
    pagination.item_count = page.total
    return page.items


def instance_path() -> str:
    """Return the instance folder (uploads waiting for a confirmation live there)."""
    return str(current_app.config["INSTANCE_PATH"])


def instance_path_obj() -> Path:
    """Return the instance folder as a path."""
    return Path(instance_path())
