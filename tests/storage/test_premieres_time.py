"""Reading a premiere's time the way showrunners type it, in their time zone (pipeline/premiere)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.premiere import BadTime, UnknownZone, find_zone, next_week, parse_when, suggest_zones

PARIS = find_zone("Europe/Paris")
# 2026-11-25 18:00 in Paris (UTC+1 in winter)
NOW = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "expected_utc"),
    [
        ("2026-12-01 20:00", datetime(2026, 12, 1, 19, 0, tzinfo=UTC)),
        ("2026-12-01T20:00:30", datetime(2026, 12, 1, 19, 0, 30, tzinfo=UTC)),
        ("01/12/2026 20h", datetime(2026, 12, 1, 19, 0, tzinfo=UTC)),
        ("20:00", datetime(2026, 11, 25, 19, 0, tzinfo=UTC)),  # later today
        ("17:00", datetime(2026, 11, 26, 16, 0, tzinfo=UTC)),  # passed today: tomorrow
        ("tomorrow 21:30", datetime(2026, 11, 26, 20, 30, tzinfo=UTC)),
        ("demain 21h30", datetime(2026, 11, 26, 20, 30, tzinfo=UTC)),
        ("Demain à 9h05", datetime(2026, 11, 26, 8, 5, tzinfo=UTC)),
        ("2026-07-01 20:00", None),  # summer is UTC+2: past, checked below
    ],
)
def test_times_as_typed(typed: str, expected_utc: datetime | None) -> None:
    if expected_utc is None:
        with pytest.raises(BadTime) as caught:
            parse_when(typed, PARIS, NOW)
        assert caught.value.code == "past"
        return
    assert parse_when(typed, PARIS, NOW) == expected_utc


def test_summer_time_and_the_clocks_that_skip() -> None:
    assert parse_when("2027-07-01 20:00", PARIS, NOW) == datetime(2027, 7, 1, 18, 0, tzinfo=UTC)
    with pytest.raises(BadTime) as caught:  # 02:30 does not exist on the night clocks go forward
        parse_when("2027-03-28 02:30", PARIS, NOW)
    assert caught.value.code == "gap"
    # weekly: 20:00 stays 20:00 across the change
    before = parse_when("2027-03-25 20:00", PARIS, NOW)
    assert next_week(before, PARIS).astimezone(PARIS).hour == 20


@pytest.mark.parametrize("typed", ["soon", "25:00", "2026-02-30 20:00", "20", ""])
def test_unreadable_times(typed: str) -> None:
    with pytest.raises(BadTime) as caught:
        parse_when(typed, PARIS, NOW)
    assert caught.value.code == "unreadable"


def test_zones_any_case_unknown_refused_and_recent_first() -> None:
    assert find_zone("europe/paris").key == "Europe/Paris"
    assert find_zone("utc").key == "UTC"
    for bad in ("Mars/Olympus", "", "x" * 80):
        with pytest.raises(UnknownZone):
            find_zone(bad)
    assert "Europe/Paris" in suggest_zones("par", ["America/Montreal"])[:3]
    assert suggest_zones("mont", ["America/Montreal"])[0] == "America/Montreal"
    assert suggest_zones("", ["America/Montreal"])[:2] == ["America/Montreal", "UTC"]
    assert len(suggest_zones("a", [])) == 25
