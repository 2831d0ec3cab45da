"""Every opportunity's search key written (kam.core.pinyin); on PostgreSQL a trigram index on it."""

from django.db import migrations

from kam.core.pinyin import backfill, trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0021_opportunity_search_key"),
    ]

    operations = [
        backfill("opportunities", "Opportunity", ("name",)),
        *trigram_index("opportunities_opportunity"),
    ]
