"""The database session store, reading a session in one plain statement.

Every signed-in request reads its session first. Django's store reads it through the ORM
(`Session.objects.get(...)`), which builds and compiles the query on each request: about as long
again as the database takes to answer. The statement never changes, so it is written out here;
the rest (decoding, saving, expiry, cycling the key) is Django's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        """The session row if it exists and has not expired, as Django's store reads it."""
        model = self.model
        alias = router.db_for_read(model) or "default"
        connection = connections[alias]
        quote = connection.ops.quote_name
        meta = model._meta
        columns = {field.name: str(field.column) for field in meta.concrete_fields}
        key, data, expires = (quote(columns[name]) for name in ("session_key", "session_data", "expire_date"))
        session_key: str = self.session_key or ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {data} FROM {quote(meta.db_table)} WHERE {key} = %s AND {expires} > %s",
                [session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        session = model(session_key=session_key, session_data=row[0])
        session._state.adding = False
        session._state.db = alias
        return session
