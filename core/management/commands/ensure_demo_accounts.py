from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.roles import AdminRole, Role
from core.services import user_set_role

# Development only: one account per role, all with this published password (it passes the password
# policy: 10+ characters, 3 of 4 character classes, not common, not like a username).
DEMO_PASSWORD = "Demo-Expo-2468"
DEMO_ACCOUNTS = (  # username, role, city slug
    ("staff", Role.STAFF, None),
    ("dalian-official", Role.CITY_OFFICIAL, "dalian"),
    ("shenyang-official", Role.CITY_OFFICIAL, "shenyang"),
    ("api-client", Role.API_CLIENT, None),
    ("sysadmin", AdminRole.SYSADMIN, None),
    ("secadmin", AdminRole.SECADMIN, None),
    ("auditor", AdminRole.AUDITOR, None),
)


class Command(BaseCommand):
    help = (
        "Development only (DJANGO_DEBUG on): create one demo account per role (staff, two city officials, "
        f"an API client and the three administrators), all with the password {DEMO_PASSWORD}, and list them. "
        "Existing accounts are left as they are."
    )

    def handle(self, *args, **opts):
        if not settings.DEBUG:
            raise CommandError(
                "DJANGO_DEBUG is off: demo accounts (with a published password) are created only in development. "
                "Create real accounts with `manage.py add_user NAME --role ROLE --password …`."
            )
        existing = set(
            get_user_model()
            .objects.filter(username__in=[name for name, _, _ in DEMO_ACCOUNTS])
            .values_list("username", flat=True)
        )
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for username, role, city in DEMO_ACCOUNTS:
            if username not in existing:
                user_set_role(username=username, role=role, city_slug=city, password=DEMO_PASSWORD)
            note = "exists, left as it is" if username in existing else "created"
            self.stdout.write(f"  {username:<18} {role.value}{f' ({city})' if city else ''}: {note}")
