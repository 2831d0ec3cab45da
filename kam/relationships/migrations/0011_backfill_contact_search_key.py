"""Every contact's search key written (kam.core.pinyin); on PostgreSQL a trigram index on it."""

from django.db import migrations

from kam.core.pinyin import backfill, trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0010_contact_search_key"),
    ]

    operations = [
        backfill("relationships", "Contact", ("name",)),
        *trigram_index("relationships_contact"),
    ]
