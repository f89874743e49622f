"""Charge tags: the paged list with search and filters (everyone), and create, edit (name, group,
expiry, blocked) and delete (operators and admins)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, tzinfo
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

from chargegrid.api.dependencies import ServicesDep
from chargegrid.events import audit
from chargegrid.store import charge_tags as tag_store
from chargegrid.store import console
from chargegrid.store.models import ChargeTag, utcnow
from chargegrid.ui import auth, forms
from chargegrid.ui.paging import read as paging_of
from chargegrid.ui.rendering import gettext_for, path_part, reader_of, render
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)


@router.get("/ui/tags")
async def list_page(
    request: Request,
    services: ServicesDep,
    q: str = "",
    state: str = "",
    deleted: str = "",
    page: str = "1",
    per: str = "",
    sort: str = "",
    dir: str = "",
) -> Response:
    viewer = await auth.viewer(request)
    paging = paging_of(page, per, sort, dir, console.TAG_SORTS, "id", desc=False)
    now = utcnow()
    async with services.db() as db:
        found = await console.tags(
            db, paging.order(console.TAG_SORTS, ChargeTag.tag_id), search=q.strip(), state=state, now=now
        )
    paging = paging.with_total(found.total)
    _ = gettext_for(request, viewer)
    filters = {"q": q, "state": state}
    context = {
        "title": N_("Charge tags"),
        "tags": [(tag, tag.expiry is not None and tag.expiry < now) for tag in found.rows],
        "filters": filters,
        "paging": paging,
        "params": {**filters, **paging.params()},
        "message": _("Tag %s deleted.") % deleted if deleted else None,
    }
    return render(request, "tags.html", context, viewer=viewer)


def _values(tag: ChargeTag | None, form: FormData | None = None, zone: tzinfo = UTC) -> dict[str, Any]:
    if form is not None:
        values: dict[str, Any] = {
            k: str(form.get(k) or "") for k in ("tag_id", "name", "parent_tag_id", "expiry")
        }
        values["blocked"] = forms.checkbox(form, "blocked")
        return values
    if tag is None:
        return {"tag_id": "", "name": "", "parent_tag_id": "", "expiry": "", "blocked": False}
    return {
        "tag_id": tag.tag_id,
        "name": tag.name or "",
        "parent_tag_id": tag.parent_tag_id or "",
        "expiry": tag.expiry.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if tag.expiry else "",
        "blocked": tag.blocked,
    }


def _changes(tag: ChargeTag) -> dict[str, Any]:
    """The tag's fields after the change, for the audit log."""
    expiry = tag.expiry.isoformat() if tag.expiry else None
    return {"name": tag.name, "parentTagId": tag.parent_tag_id, "expiry": expiry, "blocked": tag.blocked}


def _apply(tag: ChargeTag, form: FormData, zone: tzinfo, _: Callable[[str], str]) -> None:
    name = forms.text(form, "name", _("Name"), 200, _=_)
    parent = forms.text(form, "parent_tag_id", _("Group"), 50, _=_)
    expiry = forms.utc_datetime(form, "expiry", _("Expiry"), zone, _)
    tag.name, tag.parent_tag_id, tag.expiry = name, parent, expiry
    tag.blocked = forms.checkbox(form, "blocked")


def _form_page(
    request: Request, viewer: auth.Viewer, tag_id: str, values: dict[str, Any], error: str | None = None
) -> Response:
    is_new = not tag_id
    context = {
        "title": N_("New charge tag") if is_new else tag_id,
        "is_new": is_new,
        "tag_id": tag_id,
        "form": values,
        "error": error,
    }
    return render(request, "tag.html", context, viewer=viewer, status_code=400 if error else 200)


@router.get("/ui/tags/new")
async def new_page(request: Request) -> Response:
    viewer = await auth.viewer(request, need="operator")
    return _form_page(request, viewer, "", _values(None))


@router.post("/ui/tags/new")
async def create(request: Request, services: ServicesDep) -> Response:
    viewer = await auth.viewer(request, need="operator")
    form = await auth.checked_form(request)
    try:
        _ = gettext_for(request, viewer)
        tag_id = forms.text(form, "tag_id", _("Tag id"), 50, required=True, _=_) or ""
        async with services.db.begin() as db:
            if await tag_store.get_case_insensitive(db, tag_id) is not None:
                raise forms.FormError(
                    _("Tag %r already exists (tag ids ignore case): edit that one.") % tag_id
                )
            tag = ChargeTag(tag_id=tag_id)
            _apply(tag, form, reader_of(request, viewer).zone, gettext_for(request, viewer))
            db.add(tag)
            audit.record(db, viewer.caller, "charge_tag.create", target=tag_id, details=_changes(tag))
    except forms.FormError as exc:
        return _form_page(request, viewer, "", _values(None, form), str(exc))
    return RedirectResponse(f"/ui/tags?q={path_part(tag_id)}", status_code=303)


@router.get("/ui/tags/{tag_id}")
async def edit_page(request: Request, services: ServicesDep, tag_id: str) -> Response:
    viewer = await auth.viewer(request)
    async with services.db() as db:
        tag = await tag_store.get(db, tag_id)
    if tag is None:
        return _not_found(request, viewer, tag_id)
    return _form_page(request, viewer, tag_id, _values(tag, zone=reader_of(request, viewer).zone))


def _not_found(request: Request, viewer: auth.Viewer, tag_id: str) -> Response:
    context = {
        "title": N_("Not found"),
        "text": f"There is no charge tag {tag_id!r}: it may have been deleted.",
    }
    return render(request, "error.html", context, viewer=viewer, status_code=404)


@router.post("/ui/tags/{tag_id}")
async def save(request: Request, services: ServicesDep, tag_id: str) -> Response:
    viewer = await auth.viewer(request, need="operator")
    form = await auth.checked_form(request)
    try:
        async with services.db.begin() as db:
            tag = await tag_store.get(db, tag_id)
            if tag is None:
                return _not_found(request, viewer, tag_id)
            _apply(tag, form, reader_of(request, viewer).zone, gettext_for(request, viewer))
            audit.record(db, viewer.caller, "charge_tag.update", target=tag.tag_id, details=_changes(tag))
    except forms.FormError as exc:
        return _form_page(request, viewer, tag_id, _values(None, form), str(exc))
    return RedirectResponse(f"/ui/tags?q={path_part(tag_id)}", status_code=303)


@router.get("/ui/tags/{tag_id}/delete")
async def confirm_delete(request: Request, tag_id: str) -> Response:
    viewer = await auth.viewer(request, need="operator")
    context = {
        "title": N_("Delete charge tag"),
        "question": f"Delete charge tag {tag_id}? Chargers will no longer be able to start with it.",
        "action": f"/ui/tags/{path_part(tag_id)}/delete",
        "back": f"/ui/tags/{path_part(tag_id)}",
    }
    return render(request, "confirm.html", context, viewer=viewer)


@router.post("/ui/tags/{tag_id}/delete")
async def delete_tag(request: Request, services: ServicesDep, tag_id: str) -> Response:
    viewer = await auth.viewer(request, need="operator")
    await auth.checked_form(request)
    async with services.db.begin() as db:
        tag = await tag_store.get(db, tag_id)
        if tag is not None:
            await db.delete(tag)
            audit.record(db, viewer.caller, "charge_tag.delete", target=tag.tag_id)
    return RedirectResponse(f"/ui/tags?deleted={path_part(tag_id)}", status_code=303)
