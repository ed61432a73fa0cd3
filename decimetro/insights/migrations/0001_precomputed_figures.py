from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="PrecomputedFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=64, unique=True)),
                ("name", models.CharField(max_length=40)),
                ("version", models.TextField()),
                ("payload", models.BinaryField()),
                ("built_at", models.DateTimeField(auto_now=True, db_index=True)),
            ],
        ),
    ]
