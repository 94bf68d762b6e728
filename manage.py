#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Commands that only read and write source files (no requests served, no data, no secrets) also run
# on a bare developer checkout: without DJANGO_DEBUG they would meet the production refusal of the
# development secret key (config/settings.py), which is meant for a server that starts.
SOURCE_ONLY_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in SOURCE_ONLY_COMMANDS and "DJANGO_SECRET_KEY" not in os.environ:
        os.environ.setdefault("DJANGO_DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
