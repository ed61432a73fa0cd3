import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Follower",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", models.EmailField(max_length=254, verbose_name="indirizzo email")),
                ("email_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_digest_at", models.DateTimeField(blank=True, null=True)),
                ("marks", models.JSONField(blank=True, default=dict)),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="followers",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name": "iscritto", "verbose_name_plural": "iscritti"},
        ),
        migrations.CreateModel(
            name="Follow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("comune", "comune"),
                            ("zona", "zona omogenea"),
                            ("obiettivo", "obiettivo del piano"),
                            ("missione", "missione del piano"),
                            ("misura", "misura PNRR"),
                            ("attuatore", "soggetto attuatore"),
                        ],
                        max_length=10,
                    ),
                ),
                ("key", models.CharField(max_length=40)),
                ("label", models.CharField(blank=True, max_length=300)),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "follower",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="follows", to="follow.follower"
                    ),
                ),
            ],
            options={
                "verbose_name": "elemento seguito",
                "verbose_name_plural": "elementi seguiti",
                "constraints": [
                    models.UniqueConstraint(fields=("follower", "kind", "key"), name="follow_unique_target")
                ],
            },
        ),
    ]
