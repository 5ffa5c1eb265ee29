"""Sun elevation, to tell whether a report was made after dark.

NOAA's solar position approximation (Spencer's series for the declination and the equation of
time; accurate to a few tenths of a degree, plenty to tell day from dark), vectorised.
"""

from __future__ import annotations

import numpy as np

#: Sun elevation (degrees) below which it counts as dark: -0.833 is sunset and sunrise
#: (refraction and the sun's radius), when street lighting switches on.
DARK_BELOW_DEG = -0.833


def sun_elevation(utc: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Sun elevation in degrees.

    Parameters
    ----------
    utc : numpy.ndarray of datetime64
        Times in UTC (NaT gives NaN).
    lat, lon : numpy.ndarray
        Position in degrees (WGS84).

    Returns
    -------
    numpy.ndarray of float

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array(["2025-06-21T11:00"], dtype="datetime64[m]")
    >>> float(sun_elevation(t, np.array([57.75]), np.array([12.94]))[0]) > 50
    True
    """
    t = np.asarray(utc, dtype="datetime64[s]")
    valid = ~np.isnat(t)
    seconds = np.where(valid, t.astype("int64"), 0).astype("float64")
    day_start = np.floor(seconds / 86400.0) * 86400.0
    year_start = (t.astype("datetime64[Y]").astype("datetime64[s]").astype("int64")
                  .astype("float64"))
    doy = (day_start - year_start) / 86400.0  # 0-based day of year
    hours = (seconds - day_start) / 3600.0
    gamma = 2 * np.pi / 365.0 * (doy + (hours - 12) / 24)
    decl, eqtime = _solar_terms(gamma)
    true_solar_min = hours * 60 + eqtime + 4 * np.asarray(lon, dtype=float)
    hour_angle = np.radians(true_solar_min / 4 - 180)
    phi = np.radians(np.asarray(lat, dtype=float))
    cos_zenith = np.sin(phi) * np.sin(decl) + np.cos(phi) * np.cos(decl) * np.cos(hour_angle)
    elevation = 90 - np.degrees(np.arccos(np.clip(cos_zenith, -1, 1)))
    return np.where(valid, elevation, np.nan)


def _solar_terms(gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Declination (radians) and equation of time (minutes) for the fractional year
    ``gamma`` (radians): Spencer's series, as NOAA uses them."""
    decl = (0.006918 - 0.399912 * np.cos(gamma) + 0.070257 * np.sin(gamma)
            - 0.006758 * np.cos(2 * gamma) + 0.000907 * np.sin(2 * gamma)
            - 0.002697 * np.cos(3 * gamma) + 0.00148 * np.sin(3 * gamma))
    eqtime = 229.18 * (0.000075 + 0.001868 * np.cos(gamma) - 0.032077 * np.sin(gamma)
                       - 0.014615 * np.cos(2 * gamma) - 0.040849 * np.sin(2 * gamma))
    return decl, eqtime


def sunrise_sunset(day_of_year: np.ndarray, lat: float, lon: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Sunrise and sunset in hours UTC (sun 0.833° below the horizon), per day of year.

    Examples
    --------
    >>> import numpy as np
    >>> rise, sett = sunrise_sunset(np.array([172]), 57.72, 12.94)  # Borås, midsummer
    >>> bool(1.5 < rise[0] < 2.5 and 19.5 < sett[0] < 20.5)
    True
    """
    gamma = 2 * np.pi / 365 * (np.asarray(day_of_year, dtype=float) - 1)
    decl, eqtime = _solar_terms(gamma)
    phi = np.radians(lat)
    cos_h = ((np.cos(np.radians(90.833)) - np.sin(phi) * np.sin(decl))
             / (np.cos(phi) * np.cos(decl)))
    ha = np.degrees(np.arccos(np.clip(cos_h, -1, 1)))
    noon = 720 - 4 * lon - eqtime  # minutes UTC
    return (noon - 4 * ha) / 60, (noon + 4 * ha) / 60
