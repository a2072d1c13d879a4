"""The shared registry of social economy suppliers, and the spending categories."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from app.api import base
from app.api.schemas import (
    CategorySchema,
    SupplierCategoriesSchema,
    SupplierDetailSchema,
    SupplierFilterSchema,
    SupplierPatchSchema,
    SupplierSchema,
    UndoneMergeSchema,
)
from app.auth import require
from procurement.services import overview, registry, registry_search

suppliers = base.ApiBlueprint("suppliers", __name__, url_prefix="/api/suppliers",
                              description="Registry of social economy suppliers.")
categories = base.ApiBlueprint("categories", __name__, url_prefix="/api/categories",
                               description="Spending categories of the taxonomy.")


@suppliers.route("")
class SupplierList(MethodView):
    @require("read")
    @suppliers.arguments(SupplierFilterSchema, location="query")
    @suppliers.response(200, SupplierSchema(many=True))
    @suppliers.paginate(page_size=base.PAGE_SIZE, max_page_size=base.MAX_PAGE_SIZE)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> Any:
        """Search the registry: words of the name, an identifier or the activity (accents
        and case ignored), category, evidence, type, legal form, MRC, region, locality."""
        text = filters.pop("q", None)
        page = registry_search.search_suppliers(
            base.session(), base.actor(), registry_search.RegistryFilters(text=text, **filters),
            **base.page_window(pagination_parameters))
        return base.page_items(pagination_parameters, page)


@suppliers.route("/<id:supplier_id>")
class SupplierItem(MethodView):
    @require("read")
    @suppliers.response(200, SupplierDetailSchema)
    def get(self, supplier_id: int) -> Any:
        """Return one registry supplier with its categories."""
        return overview.supplier(base.session(), base.actor(), supplier_id)

    @require("registry.edit")
    @suppliers.arguments(SupplierPatchSchema)
    @suppliers.response(200, SupplierDetailSchema)
    def patch(self, changes: dict[str, Any], supplier_id: int) -> Any:
        """Change a supplier's capacity, service area, flags or impact scores (administrators)."""
        supplier = registry.update_supplier(base.session(), base.actor(), supplier_id, changes)
        base.commit()
        return supplier


@suppliers.route("/<id:supplier_id>/categories")
class SupplierCategories(MethodView):
    @require("registry.edit")
    @suppliers.arguments(SupplierCategoriesSchema)
    @suppliers.response(200, SupplierDetailSchema)
    def put(self, body: dict[str, Any], supplier_id: int) -> Any:
        """Confirm the categories a supplier serves (replaces the inferred ones)."""
        supplier = registry.set_supplier_categories(base.session(), base.actor(), supplier_id,
                                                    body["categories"])
        base.commit()
        return supplier


@suppliers.route("/merges/<id:merge_id>/undo")
class SupplierMergeUndo(MethodView):
    @require("registry.edit")
    @suppliers.response(200, UndoneMergeSchema)
    def post(self, merge_id: int) -> Any:
        """Undo a registry merge: the supplier gets its facts back (administrators)."""
        outcome = registry.undo_merge(base.session(), base.actor(), merge_id)
        base.commit()
        return outcome.to_json()


@categories.route("")
class CategoryList(MethodView):
    @require("read")
    @categories.response(200, CategorySchema(many=True))
    def get(self) -> Any:
        """List the spending categories."""
        return overview.categories(base.session(), base.actor())
