"""Wallet users created before this had an empty password field (which Django counts as
"usable"); give them the unusable marker, as new wallet users get."""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import migrations


def mark_unusable(apps, schema_editor):
    User = apps.get_model("wallets", "User")
    User.objects.filter(password="").update(password=UNUSABLE_PASSWORD_PREFIX)


class Migration(migrations.Migration):
    dependencies = [("wallets", "0001_initial")]

    operations = [migrations.RunPython(mark_unusable, migrations.RunPython.noop)]
