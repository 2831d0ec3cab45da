from django.core.management.base import BaseCommand, CommandError

from kam.org.models import User
from kam.org.services import issue_token


class Command(BaseCommand):
    help = "Issue a personal API token for a user; the token is printed once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        _token, raw = issue_token(user, name)
        self.stdout.write(raw)
