"""The moved tables take core's names; their content types follow the models, so audit rows, admin log entries
and permissions (and the groups and users holding them) keep pointing at organisations, memberships and
invitations.

The table renames keep every row, key and sequence: PostgreSQL's foreign keys (from participation's tables
and the consultations' audience M2M table) and identity sequences follow a renamed table (their names keep the
`participation_` prefix, which nothing reads: Django finds a sequence with pg_get_serial_sequence), and SQLite
(3.31 or later for Django 5.2) rewrites the references in the other tables' schema.
tests/core/test_migrations.py proves it on both."""

from django.db import migrations

MOVED = ("organisation", "membership", "invitation")


def _move_content_types(apps, schema_editor, *, source: str, destination: str) -> None:
    """Relabel each moved model's content type from `source` to `destination` (the row and its id stay).

    A content type for `destination` may already exist when `post_migrate` ran while both apps' states held
    the model (a partial `migrate core 0002`): then everything pointing at the old one moves onto it and the
    old one goes, so no audit row is left on a content type that `remove_stale_contenttypes` would delete."""
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    AuditEntry = apps.get_model("core", "AuditEntry")
    LogEntry = apps.get_model("admin", "LogEntry")
    for model in MOVED:
        old = ContentType.objects.using(db).filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.using(db).filter(app_label=destination, model=model).first()
        if new is None:
            old.app_label = destination
            old.save(using=db, update_fields=["app_label"])
            continue
        AuditEntry.objects.using(db).filter(target_type=old).update(target_type=new)
        LogEntry.objects.using(db).filter(content_type=old).update(content_type=new)
        for permission in Permission.objects.using(db).filter(content_type=old):
            twin = Permission.objects.using(db).filter(content_type=new, codename=permission.codename).first()
            if twin is None:
                permission.content_type = new
                permission.save(using=db, update_fields=["content_type"])
                continue
            twin.group_set.add(*permission.group_set.all())
            twin.user_set.add(*permission.user_set.all())
            permission.delete()
        old.delete()


def content_types_to_core(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="participation", destination="core")


def content_types_to_participation(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="core", destination="participation")


class Migration(migrations.Migration):
    dependencies = [
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_organisations_from_participation"),
        ("participation", "0003_organisations_to_core"),
    ]

    operations = [
        migrations.AlterModelTable(name="organisation", table=None),
        migrations.AlterModelTable(name="membership", table=None),
        migrations.AlterModelTable(name="invitation", table=None),
        migrations.RunPython(content_types_to_core, content_types_to_participation),
    ]
