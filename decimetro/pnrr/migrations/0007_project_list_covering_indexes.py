"""The amount orders' indexes of the project list (0005) carry the columns the list filters on most.

`/progetti/` picks its page's keys in a subquery that reads only the filter and order columns
(`pnrr.selectors._rows`). With `submeasure_id`, `implementing_body_id` and `provenance` included in the index
of its default order, PostgreSQL answers that subquery with an index-only scan: a measure of many small
projects (M1C1I1.04: 11,590 index entries before its 26th project) costs 1.8 ms instead of reading every
skipped project's row (9 to 11 ms). Same names, same key columns: the same plans elsewhere, and an import pays
for no extra index (the included columns only widen the two index entries).

PostgreSQL only, as 0005 (SQLite has no included columns; its list stays correct, one query the same).
"""

from django.db import migrations

COLUMNS = {"pnrr_project_list_pnrr": "fin_pnrr", "pnrr_project_list_total": "fin_totale"}
INCLUDED = '"submeasure_id", "implementing_body_id", "provenance"'


def _recreate(schema_editor, *, include: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in COLUMNS.items():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        extra = f" INCLUDE ({INCLUDED})" if include else ""
        key = f'"{column}" DESC NULLS LAST, "id"'
        schema_editor.execute(f'CREATE INDEX "{name}" ON "pnrr_project" ({key}){extra}')


def covering(apps, schema_editor):
    _recreate(schema_editor, include=True)


def plain(apps, schema_editor):
    _recreate(schema_editor, include=False)


class Migration(migrations.Migration):
    dependencies = [
        ("pnrr", "0006_project_list_filter_indexes"),
    ]

    operations = [
        migrations.RunPython(covering, plain, elidable=False),
    ]
