"""The rules of SPEC §4 and §5.1 that the DuckDB and Polars scripts share with tsos.

Both scripts read the files of `tsos demo --scale` (fixed headers, UTF-8, `;`, no quotes); they
are a yardstick, not a second importer, so they recognise nothing else.
"""

import argparse
import calendar
from datetime import date, timedelta

# SPEC §5.1: a role by word stem, first match wins in this order; anything else is "other"
# and dropped. Matched against the label lower-cased with ё → е.
ROLE_STEMS = [
    ("teachers", "учител|педагог|преподават|teacher"),
    ("students", "обучающ|ученик|учащ|школьник|student"),
    ("parents", "родител|законн|parent"),
]

# SPEC §5.1: the spellings of a confirmed account (lower-cased, trimmed).
CONFIRMED_YES = ["да", "yes", "true", "1", "+", "подтверждена", "approved"]

MYSCHOOL_COLUMNS = ["ID", "Роль", "ИНН ОО", "Подтвержденная УЗ", "Дата последней авторизации"]
SFERUM_COLUMNS = ["Идентификатор", "Тип пользователя", "ИНН организации", "Последняя активность"]


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the month's end."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def windows(as_of: date) -> tuple[date, date]:
    """SPEC §4 at date D: My School counts a confirmed account whose last login is on or after
    the first date returned (the 365 days ending on D); Sferum a user whose last activity is
    strictly after the second (D minus 12 calendar months). Later than D still counts."""
    return as_of - timedelta(days=364), months_before(as_of, 12)


def parse_args(engine: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=f"Per-school indicators of SPEC §6 with {engine}, straight from the two "
        "per-user CSVs of `tsos demo --scale`. Writes id,platform,role,registered,confirmed,"
        "active for every (school, platform, role) with users; confirmed is empty for Sferum."
    )
    parser.add_argument("--myschool", required=True, help="myschool.csv")
    parser.add_argument("--sferum", required=True, help="sferum.csv")
    parser.add_argument("--as-of", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    parser.add_argument("--out", required=True, help="the CSV to write")
    return parser.parse_args()
