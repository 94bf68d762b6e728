from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.roles import AdminRole, Role, parse_role
from core.services import user_set_role


class Command(BaseCommand):
    help = "Create or update a user with one role: staff, city_official, api_client, sysadmin, secadmin or auditor."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in (*Role, *AdminRole)])
        parser.add_argument("--city", help="city slug (required for city_official)")
        parser.add_argument("--password", help="set this password (otherwise the password is unusable)")

    def handle(self, *args, **opts):
        try:
            user = user_set_role(
                username=opts["username"],
                role=parse_role(opts["role"]),
                city_slug=opts["city"],
                password=opts["password"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(
            self.style.SUCCESS(f"{user.username}: {opts['role']}" + (f" ({opts['city']})" if opts["city"] else ""))
        )
