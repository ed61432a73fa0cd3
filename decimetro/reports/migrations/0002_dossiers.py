from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_export_slots"),
    ]

    operations = [
        migrations.CreateModel(
            name="Dossier",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=20)),
                ("key", models.CharField(max_length=60)),
                ("version", models.CharField(max_length=64)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "in preparazione"),
                            ("ready", "pronto"),
                            ("failed", "non riuscito"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("pdf", models.BinaryField(blank=True, default=b"")),
                ("pages", models.PositiveIntegerField(default=0)),
                ("message", models.TextField(blank=True, default="")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "dossier PDF",
                "verbose_name_plural": "dossier PDF",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "key", "version"), name="reports_dossier_unique_version"
                    )
                ],
            },
        ),
    ]
