"""Sign-in by username and password (Django's ModelBackend), with the signed-in user of each
request read in one statement compiled once per process.

Every signed-in request loads its user. The ORM's `get(pk=…)` builds and compiles that query each
time (about as long as the database takes to answer it); `kam.core.statements` keeps its SQL and
`kam.core.loaded` makes the record from the row, every field read, as the ORM would."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from kam.core import loaded
from kam.core.statements import id_rows, read_alias


@functools.cache
def _fields() -> tuple[str, ...]:
    return tuple(field.attname for field in get_user_model()._meta.concrete_fields)


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        fields = _fields()
        rows = id_rows(
            "signed-in user",
            model,
            lambda ids: model._default_manager.filter(pk__in=ids).order_by().values_list(*fields),
            [pk],
        )
        if not rows:
            return None
        (user,) = loaded.records(model, rows, fields, db=read_alias(model))
        return user if self.user_can_authenticate(user) else None
