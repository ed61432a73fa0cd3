"""The comune filter of the project list reads its places from one index alone.

`/progetti/?comune=…` keeps the projects with an own place in the comune: one uncorrelated `IN` per
provenance (`pnrr.selectors._located`), each `SELECT project_id FROM pnrr_place WHERE istat_code = … AND
dataset = …`. Through the ISTAT code's index each read every place of the comune from the table and kept
those of its dataset (Milano: 2,753 places, 127 table pages, twice: 0.6 ms each on the national data). An
index on `(istat_code, dataset)` carrying `project_id` answers each with an index-only scan of its own
places (0.15 ms).

It replaces the ISTAT code's `varchar_pattern_ops` index that Django adds beside a `db_index` text column for
`LIKE 'x%'` lookups, which no query of ours makes (the plain index on the code stays, as the model declares
it): an import writes as many place index entries as before.

PostgreSQL only, as 0005 to 0008 (SQLite has no included columns and no pattern index).
"""

from django.db import migrations

NAME = "pnrr_place_istat_dataset"
LIKE = "pnrr_place_istat_code_06a7f907_like"  # Django's name for the column's pattern index
PATTERN = '"istat_code" varchar_pattern_ops'


def covering(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    columns = '"istat_code", "dataset"'
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "pnrr_place" ({columns}) INCLUDE ("project_id")'
    )
    schema_editor.execute(f'DROP INDEX IF EXISTS "{LIKE}"')


def pattern(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{LIKE}" ON "pnrr_place" ({PATTERN})')
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [
        ("pnrr", "0008_project_list_total_includes_pnrr_amount"),
    ]

    operations = [
        migrations.RunPython(covering, pattern, elidable=False),
    ]
