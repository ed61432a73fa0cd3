"""Unambiguous names: the PNRR's missions and components are `PnrrMission` and `PnrrComponent`, beside the
plan's `Mission` and `Component`. The tables are renamed; the rows and their keys stay.

Their content types and permissions are renamed too. `manage.py migrate` already renames the content types
(contenttypes injects a `RenameContentType` after each `RenameModel`), but not the permissions' codenames, so
`post_migrate` would add a second set (`add_pnrrmission` beside `add_mission`, the latter held by any group
that had it). The step below is idempotent, so it also works where the injection does not happen (a
`MigrationExecutor` in tests)."""

from django.db import migrations

RENAMED = {"mission": "pnrrmission", "component": "pnrrcomponent"}
ACTIONS = ("add", "change", "delete", "view")


def _rename(apps, schema_editor, *, backwards: bool) -> None:
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for old_name, new_name in RENAMED.items():
        if backwards:
            old_name, new_name = new_name, old_name
        content_type = ContentType.objects.using(db).filter(app_label="pnrr", model=old_name).first()
        if content_type is not None:
            if ContentType.objects.using(db).filter(app_label="pnrr", model=new_name).exists():
                continue  # a stale twin: leave both, as RenameContentType does (remove_stale_contenttypes)
            content_type.model = new_name
            content_type.save(using=db, update_fields=["model"])
        content_type = ContentType.objects.using(db).filter(app_label="pnrr", model=new_name).first()
        if content_type is None:
            continue
        permissions = Permission.objects.using(db).filter(content_type=content_type)
        for action in ACTIONS:  # the names ("Can add missione PNRR") stay: the verbose names did not change
            if not permissions.filter(codename=f"{action}_{new_name}").exists():
                permissions.filter(codename=f"{action}_{old_name}").update(codename=f"{action}_{new_name}")


def rename_forwards(apps, schema_editor):
    _rename(apps, schema_editor, backwards=False)


def rename_backwards(apps, schema_editor):
    _rename(apps, schema_editor, backwards=True)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("pnrr", "0002_import_speed"),
    ]

    operations = [
        # Component first. The other way round cannot be unapplied: undoing the mission's rename, Django looks
        # its related component up by the new name (`pnrrcomponent`) in a state where it has the old one.
        migrations.RenameModel(old_name="Component", new_name="PnrrComponent"),
        migrations.RenameModel(old_name="Mission", new_name="PnrrMission"),
        migrations.RunPython(rename_forwards, rename_backwards),
    ]
