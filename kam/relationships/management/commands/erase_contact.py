"""`kam erase-contact ID [--by USERNAME]`: erase a contact's personal data on their request."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from kam.org.models import User
from kam.relationships.erasure import services as erasure
from kam.relationships.models import Contact


class Command(BaseCommand):
    help = (
        "Replace a contact's personal data (name, phones, e-mail, WeChat, notes, and the words that "
        "name them in the customer's free text) with a marker, keeping their place in the org chart, "
        "their roles and levels. Logged in the audit trail without the values. Cannot be undone."
    )

    def add_arguments(self, parser):
        parser.add_argument("contact_id", type=int)
        parser.add_argument("--by", help="Username of the administrator the erasure is recorded under.")

    def handle(self, *args, contact_id: int, by: str | None = None, **options):
        contact = Contact.objects.filter(pk=contact_id).first()
        if contact is None:
            raise CommandError(f"No contact with id {contact_id}.")
        user = None
        if by:
            user = User.objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"No user {by!r}.")
        try:
            result = erasure.erase_contact(contact, by=user)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Contact {contact_id} erased: now {result.marker}; {result.rows_rewritten} rows of text "
                f"rewritten, {result.log_entries_redacted} audit entries redacted."
            )
        )
