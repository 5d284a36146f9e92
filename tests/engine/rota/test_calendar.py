from datetime import date, datetime

from pimm.engine.rota.calendar import french_subdivision, generate_shifts
from pimm.engine.rota.model import OnCallLine


def test_alsace_moselle_has_good_friday_and_st_stephen():
    line = OnCallLine("l", categories=("weeknight", "holiday_day", "holiday_night"))
    lyon = generate_shifts((line,), date(2027, 3, 26), date(2027, 3, 26), "69")
    metz = generate_shifts((line,), date(2027, 3, 26), date(2027, 3, 26), "57")
    strasbourg = generate_shifts((line,), date(2027, 12, 26), date(2027, 12, 26), "67")
    assert [s.category for s in lyon] == ["weeknight"]  # Good Friday is a working day in Lyon
    assert [s.category for s in metz] == ["holiday_day", "holiday_night"]
    # 26/12/2027 is a Sunday, a holiday in Alsace: holiday categories win over weekend ones
    assert [s.category for s in strasbourg] == ["holiday_day", "holiday_night"]
    assert french_subdivision("68") == "6AE"
    assert french_subdivision("974") == "974"
    assert french_subdivision("69") is None


def test_categories_and_times_over_a_week():
    line = OnCallLine("l")
    shifts = generate_shifts((line,), date(2027, 3, 1), date(2027, 3, 7), "69")  # Mon..Sun
    assert [s.category for s in shifts] == ["weeknight"] * 5 + [
        "weekend_day",
        "weekend_night",
        "weekend_day",
        "weekend_night",
    ]
    first = shifts[0]
    assert (first.start, first.end) == (datetime(2027, 3, 1, 18, 30), datetime(2027, 3, 2, 8, 30))
    sat_day = shifts[5]
    assert (sat_day.start, sat_day.end) == (
        datetime(2027, 3, 6, 8, 30),
        datetime(2027, 3, 6, 18, 30),
    )


def test_line_only_gets_the_periods_it_covers():
    nights_only = OnCallLine("n", categories=("weeknight", "weekend_night"))
    shifts = generate_shifts((nights_only,), date(2027, 3, 1), date(2027, 3, 7), "69")
    assert len(shifts) == 7
    assert all(s.is_night for s in shifts)
