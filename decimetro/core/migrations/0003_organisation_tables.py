"""The moved tables take core's names; their content types (audit rows, permissions) follow the models."""

from django.db import migrations

MOVED = ("organisation", "membership", "invitation")


def relabel_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        old = ContentType.objects.using(db).filter(app_label="participation", model=model).first()
        if old is None:
            continue
        new = ContentType.objects.using(db).filter(app_label="core", model=model).first()
        if new is None:
            old.app_label = "core"
            old.save(update_fields=["app_label"])


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="core", model__in=MOVED).update(app_label="participation")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_organisations_from_participation"),
        ("participation", "0003_organisations_to_core"),
    ]

    operations = [
        migrations.AlterModelTable(name="organisation", table=None),
        migrations.AlterModelTable(name="membership", table=None),
        migrations.AlterModelTable(name="invitation", table=None),
        migrations.RunPython(relabel_content_types, restore_content_types),
    ]
