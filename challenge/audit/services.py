"""Writing the organizers' audit log: one record per organizer action, with the changes it made.
A leaf: every area's writers call it, and it imports nothing of theirs."""

from __future__ import annotations

from datetime import datetime

from django.db import models

from challenge.audit.models import AuditEntry


def record_audit(*, actor, action: str, target: str = "", year=None, obj=None, **details) -> AuditEntry:
    """One audit record; `obj` is the object acted on (the log links to it). Changes are
    recorded as `changes={field: [old, new]}` (see audit_changes)."""
    return AuditEntry.objects.create(
        actor=actor, action=action, target=(target or (str(obj) if obj is not None else ""))[:300], year=year,
        target_type=obj._meta.model_name if obj is not None else "", target_id=obj.pk if obj is not None else None,
        details=details,
    )


def audit_changes(*, before: dict, after: dict, prefix: str = "") -> dict[str, list]:
    """{field: [old, new]} for every field of `after` whose value differs from `before`."""
    return {f"{prefix}{name}": [display_value(before.get(name)), display_value(value)]
            for name, value in after.items() if before.get(name) != value}


LONG_TEXT = 200


def display_value(value) -> str | bool | int | float | None:
    """A value as the log shows it, JSON-storable: times in UTC to the minute, objects by name,
    long texts cut (the object's page has the whole text)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, str) and len(value) > LONG_TEXT:
        return value[:LONG_TEXT] + "…"
    return value
