"""More indexes of the project list (issue 15: every filter and order of `/progetti/` without a scan).

PostgreSQL only, raw SQL outside the model state, as in 0005 (SQLite refuses these index kinds, and would
rebuild every declared index when it remakes the table; each index is paid by every import):

- the ascending amount orders (`?ordina=amount`, `?ordina=total`): nulls last both ways, so the descending
  indexes of 0005 cannot be read backwards for them (that would put the nulls first and the ids backwards);
- trigram GIN indexes (`pg_trgm`) on the three columns the text filter searches, on the very expressions
  Django writes for `icontains` (`UPPER(col::text) LIKE UPPER('%…%')`), so that "contains" is an index
  lookup instead of reading every project;
- the same on the implementing bodies' name (`?attuatore=`): besides the lookup, its statistics give the
  planner the share of bodies a name matches (without them it guessed 5 bodies for "comune", which has 7,368,
  and sorted their 24,491 projects instead of walking the amount index: 220 ms against 11).

Those statistics of an expression index exist only after the table's next ANALYZE: the migration runs it on
the two tables (an existing national database otherwise kept the bad plan, 57 ms against 2, until autovacuum
came by; an import ANALYZEs the tables it writes).
"""

from django.db import migrations

INDEXES = {  # name: (table, definition)
    "pnrr_project_list_pnrr_asc": ("pnrr_project", 'btree ("fin_pnrr" ASC NULLS LAST, "id")'),
    "pnrr_project_list_total_asc": ("pnrr_project", 'btree ("fin_totale" ASC NULLS LAST, "id")'),
    "pnrr_project_title_trgm": ("pnrr_project", 'gin (UPPER("title"::text) gin_trgm_ops)'),
    "pnrr_project_synthesis_trgm": ("pnrr_project", 'gin (UPPER("synthesis") gin_trgm_ops)'),
    "pnrr_project_cup_trgm": ("pnrr_project", 'gin (UPPER("cup"::text) gin_trgm_ops)'),
    "pnrr_body_name_trgm": ("pnrr_implementingbody", 'gin (UPPER("name"::text) gin_trgm_ops)'),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Trusted in PostgreSQL 13+ (the database owner may create it); the search app creates it too.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, definition) in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING {definition}')
    for table in sorted({table for table, _definition in INDEXES.values()}):
        schema_editor.execute(f'ANALYZE "{table}"')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("pnrr", "0005_project_list_indexes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
