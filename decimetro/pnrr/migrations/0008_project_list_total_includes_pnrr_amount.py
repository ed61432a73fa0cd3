"""The total-funding order's index of the project list (0005, covering since 0007) also carries the PNRR
amount.

`/progetti/?importo_min=…&ordina=-total` (an amount filter under the total order, with or without an
implementing body) picks its page's keys by walking `pnrr_project_list_total` and testing `fin_pnrr` on each
entry: the filter column was not in the index, so every entry walked read its project's row (468 rows for
the bench's "comune, ≥ 100,000 €" page on the national data). With `fin_pnrr` included the walk is an
index-only scan. Same name, same key columns: the same plans elsewhere, and an import pays for no extra
index (one more included column widens the entries).

PostgreSQL only, as 0005 and 0007.
"""

from django.db import migrations

NAME = "pnrr_project_list_total"
KEY = '"fin_totale" DESC NULLS LAST, "id"'
BEFORE = '"submeasure_id", "implementing_body_id", "provenance"'  # 0007
AFTER = f'{BEFORE}, "fin_pnrr"'


def _recreate(schema_editor, included: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')
    schema_editor.execute(f'CREATE INDEX "{NAME}" ON "pnrr_project" ({KEY}) INCLUDE ({included})')


def with_amount(apps, schema_editor):
    _recreate(schema_editor, AFTER)


def without_amount(apps, schema_editor):
    _recreate(schema_editor, BEFORE)


class Migration(migrations.Migration):
    dependencies = [
        ("pnrr", "0007_project_list_covering_indexes"),
    ]

    operations = [
        migrations.RunPython(with_amount, without_amount, elidable=False),
    ]
