"""Django's createsuperuser, but `--noinput` with DJANGO_SUPERUSER_PASSWORD validates the password too
(the stock command sets it unchecked). Day-to-day accounts are made with `add_user` (SPEC §5)."""

import os

from django.contrib.auth import password_validation
from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password:
            fields = {
                name: options.get(name) or os.environ.get(f"DJANGO_SUPERUSER_{name.upper()}")
                for name in (self.UserModel.USERNAME_FIELD, *self.UserModel.REQUIRED_FIELDS)
            }
            try:
                password_validation.validate_password(password, self.UserModel(**fields))
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
        return super().handle(*args, **options)
