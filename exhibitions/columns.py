"""Spreadsheet columns shared by import and export: export headers equal import headers,
so an exported file re-imports unchanged.

Each header is "中文 / English"; on import the full header, either half or the field name is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text | int | date | bool | batch | city | venue | status | organizer | brand | id

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"


COLUMNS: tuple[Column, ...] = (
    Column("id", "编号", "ID", "id"),
    Column("external_ref", "外部编号", "External reference"),
    Column("name_zh", "展会名称（中文）", "Name (Chinese)"),
    Column("name_en", "展会名称（英文）", "Name (English)"),
    Column("batch", "批次", "Batch", "batch"),
    Column("city", "城市", "City", "city"),
    Column("venue", "展馆", "Venue", "venue"),
    Column("start_date", "开始日期", "Start date", "date"),
    Column("end_date", "结束日期", "End date", "date"),
    Column("gross_area_m2", "展览面积（平方米）", "Gross area (m²)", "int"),
    Column("net_area_m2", "展出面积（平方米）", "Net area (m²)", "int"),
    Column("status", "状态", "Status", "status"),
    Column("organizer", "主办单位", "Organiser", "organizer"),
    Column("brand", "品牌", "Brand", "brand"),
    Column("edition", "届次", "Edition", "int"),
    Column("is_international", "国际性", "International", "bool"),
    Column("is_independent_brand", "自主品牌", "Independent brand", "bool"),
    Column("is_green", "绿色展会", "Green", "bool"),
    Column("is_digital", "数字化", "Digital", "bool"),
    Column("is_flagship", "国家级名片", "Flagship", "bool"),
    Column("is_outbound", "出境展", "Outbound", "bool"),
    Column("destination_country", "目的国", "Destination country"),
    Column("is_belt_and_road", "一带一路", "Belt and Road", "bool"),
    Column("is_rcep", "RCEP", "RCEP", "bool"),
    Column("exhibitors", "展商数量", "Exhibitors", "int"),
    Column("visitors", "观众人次", "Visitors", "int"),
    Column("notes", "备注", "Notes"),
)
HEADERS: list[str] = [c.header for c in COLUMNS]
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}


def _norm(text: str) -> str:
    return "".join(str(text).split()).lower().replace("（", "(").replace("）", ")")


HEADER_LOOKUP: dict[str, Column] = {}
for _c in COLUMNS:
    for _alias in (_c.header, _c.zh, _c.en, _c.key):
        HEADER_LOOKUP.setdefault(_norm(_alias), _c)


def column_for_header(header) -> Column | None:
    if header is None:
        return None
    return HEADER_LOOKUP.get(_norm(header))
