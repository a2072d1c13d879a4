"""Page contents kept between requests: rendered once per version of the data they show.

A page's content (its `content` block) is the same for every reader of a municipality
with the same role and language, except the CSRF token of its forms: it is rendered with a
mark in place of the token, kept under the versions of the tables it shows
(`procurement.data_versions`), and each reader gets it with their own token. The frame
around it (the reader's name, their municipalities, messages) is rendered per request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable

from flask import current_app, g
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.auth import current_actor
from app.database import get_session
from procurement.data_versions import KEPT, scopes_of
from procurement.services.overview import own_organization_id

#: Stands for the request's CSRF token in kept HTML (drawn per process: no page holds it).
_CSRF_MARK = f"csrf-mark-{uuid.uuid4().hex}"


def kept_content(name: str, tables: tuple[str, ...], render: Callable[[], str],
                 *key: Hashable) -> Markup:
    """Return the HTML `render` gives, rendered once per version of `tables` for the
    reader's municipality, role and language, and kept for the next readers.

    `key`: what else the content depends on (the proposal, the query's filters); `render`
    must depend on nothing else of the request or the reader.
    """
    org_id = own_organization_id(current_actor())
    full = ("page", name, org_id, current_user.role, str(get_locale()), *key)
    html = KEPT.get(get_session(), full, scopes_of(org_id, tables),
                    lambda: _render_with_mark(render))
    return Markup(html.replace(_CSRF_MARK, generate_csrf()) if _CSRF_MARK in html else html)


def _render_with_mark(render: Callable[[], str]) -> str:
    """Render with the mark as the request's CSRF token (flask-wtf keeps it in `g`)."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    had, token = field in g, g.get(field)
    setattr(g, field, _CSRF_MARK)
    try:
        return str(render())
    finally:
        if had:
            setattr(g, field, token)
        else:
            g.pop(field, None)
