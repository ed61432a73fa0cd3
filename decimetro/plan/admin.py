from django.contrib import admin

from decimetro.plan.models import Edition

admin.site.register(Edition)
