import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Development only: create the 'admin' superuser once and print its generated password."

    def handle(self, *args, **opts):
        if not settings.DEBUG:
            self.stdout.write("DJANGO_DEBUG is off: no demo superuser is created.")
            return
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write("Demo superuser 'admin' exists (password printed when it was created).")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "admin@example.invalid", password)
        self.stdout.write(self.style.SUCCESS(f"Demo superuser created: admin / {password}"))
