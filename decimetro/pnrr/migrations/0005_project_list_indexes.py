"""Indexes of the project list's orders (keyset pages: an index range instead of a sort of every project).

The amounts sort nulls last both ways (`pnrr.selectors.project_order`); PostgreSQL can read such an order from
an index only if the index says `DESC NULLS LAST`, which SQLite refuses in an index. So those two are raw SQL
on PostgreSQL only, outside the model state (a table SQLite remakes would try to rebuild them); the title's
is an ordinary model index.
"""

from django.db import migrations, models

AMOUNT_INDEXES = {
    "pnrr_project_list_pnrr": "fin_pnrr",
    "pnrr_project_list_total": "fin_totale",
}


def create_amount_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in AMOUNT_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "pnrr_project" ("{column}" DESC NULLS LAST, "id")'
        )


def drop_amount_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in AMOUNT_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("pnrr", "0004_measure_payments"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="project",
            index=models.Index(models.F("title"), models.F("id"), name="pnrr_project_list_title"),
        ),
        migrations.RunPython(create_amount_indexes, drop_amount_indexes, elidable=False),
    ]
