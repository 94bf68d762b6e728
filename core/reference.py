"""Load the sourced reference facts (cities, batches, venues, brands, targets) into the database.

The file is a copy of the project's sourced reference (`core/reference/liaoning.json`), so an
installed copy of the product needs nothing outside the repository. Loading is idempotent: rows are
matched by natural key (slug, code, year) and updated. Null stays null: no figure is invented.
"""

import json
from pathlib import Path
from typing import Any

REFERENCE_FILE = Path(__file__).resolve().parent / "reference" / "liaoning.json"


def read_reference(path: Path = REFERENCE_FILE) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_reference(apps, data: dict[str, Any] | None = None) -> None:
    """Write the reference data. `apps` is a migration app registry or `django.apps.apps`."""
    data = data or read_reference()
    City = apps.get_model("venues", "City")
    Venue = apps.get_model("venues", "Venue")
    Batch = apps.get_model("exhibitions", "Batch")
    Brand = apps.get_model("exhibitions", "Brand")
    Target = apps.get_model("targets", "Target")

    cities = {}
    for order, row in enumerate(data["cities"], start=1):
        cities[row["slug"]], _ = City.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "gb_code": row.get("gb_code"),
                "name_zh": row.get("name_zh") or "",
                "name_en": row.get("name_en") or "",
                "kind": row.get("kind", "city"),
                "is_core": bool(row.get("is_core")),
                "sort_order": order,
            },
        )

    batches = {}
    for order, row in enumerate(data["batches"], start=1):
        batches[row["code"]], _ = Batch.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_zh": row.get("name_zh") or "",
                "name_en": row.get("name_en") or "",
                "counts_as_exhibition": bool(row["counts_as_exhibition"]),
                "description": row.get("description") or "",
                "sort_order": order,
            },
        )

    for row in data["venues"]:
        Venue.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name_zh": row.get("name_zh") or "",
                "name_en": row.get("name_en") or "",
                "city": cities[row["city"]],
                "kind": row.get("kind", "exhibition_centre"),
                "indoor_area_m2": row.get("indoor_area_m2"),
                "outdoor_area_m2": row.get("outdoor_area_m2"),
                "is_professional": bool(row.get("is_professional")),
                "area_verified": bool(row.get("area_verified")),
                "source": row.get("source") or "",
                "notes": row.get("notes") or "",
            },
        )

    for row in data.get("brands", []):
        Brand.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name_zh": row.get("name_zh") or "",
                "name_en": row.get("name_en") or "",
                "city": cities.get(row.get("city")),
                "batch": batches.get(row.get("batch")),
                "is_flagship": bool(row.get("flagship")),
                "typical_gross_area_m2": row.get("typical_gross_area_m2"),
                "typical_month": row.get("typical_month"),
                "source": row.get("source") or "",
                "notes": row.get("notes") or "",
            },
        )

    for row in data.get("targets", []):
        Target.objects.update_or_create(
            year=row["year"],
            defaults={
                "exhibitions": row["exhibitions"],
                "gross_area_m2": row["gross_area_m2"],
                "large_min_gross_area_m2": row["large_min_gross_area_m2"],
                "professional_venue_min_indoor_m2": row["professional_venue_min_indoor_m2"],
                "is_demo": False,
                "wording": row.get("wording") or "",
                "source": row.get("source") or "",
            },
        )
