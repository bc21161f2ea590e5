"""Synthetic date-normalisation data: human-readable dates paired with ISO 8601 strings.

The task (translate ``"the 3rd of March 2002"`` into ``"2002-03-03"``) is the book's small,
fully controlled sequence-to-sequence problem. :func:`make_dates` draws dates uniformly from
1950-01-01 to 2049-12-31 and writes each in a randomly chosen format and language; the same
seed always gives the same list.

Two families of formats exist. :data:`DATE_FORMATS` are the everyday ones (5 to 30
characters). :data:`LONG_DATE_FORMATS` spell the day out as an ordinal word inside a
sentence (about 35 to 75 characters); the attention chapter uses them to see how accuracy
changes with input length (``make_dates(n, seed, style="long")``).

Numeric formats do not depend on the language; each uses its own separator so that the
order of day and month is never ambiguous (``/`` month first, ``.`` day first). Two-digit
years are unambiguous because every year lies in 1950..2049.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Sequence

#: The languages :func:`make_dates` can write: English, German, French, Spanish.
DATE_LANGUAGES = ("en", "de", "fr", "es")

#: Everyday formats (the default, ``style="short"``), with an English example of each.
DATE_FORMATS = (
    "full",  # Sunday, March 3, 2002
    "ordinal",  # the 3rd of March 2002
    "medium",  # March 3, 2002
    "abbreviated",  # mar 3 2002
    "numeric_us",  # 03/03/02   (month/day/two-digit year)
    "numeric_us_long",  # 3/3/2002   (month/day/year)
    "numeric_eu",  # 03.03.2002 (day.month.year)
)

#: Verbose formats (``style="long"``), with an English example of each.
LONG_DATE_FORMATS = (
    "verbose",  # on the third day of March in the year 2002
    "verbose_weekday",  # on Sunday, the third day of March in the year 2002
)

_NUMERIC = frozenset({"numeric_us", "numeric_us_long", "numeric_eu"})
FIRST_YEAR, LAST_YEAR = 1950, 2049

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
}
_MONTHS_SHORT = {
    "en": "jan feb mar apr may jun jul aug sep oct nov dec",
    "de": "Jan. Feb. März Apr. Mai Juni Juli Aug. Sept. Okt. Nov. Dez.",
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",
    "es": "ene. feb. mar. abr. may. jun. jul. ago. sept. oct. nov. dic.",
}
_WEEKDAYS = {  # Monday first, as datetime.date.weekday()
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
}
# Ordinal words for days 1..31, in the form used by the verbose templates below.
_ORDINALS = {
    "en": "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth "
    "twenty-first twenty-second twenty-third twenty-fourth twenty-fifth twenty-sixth "
    "twenty-seventh twenty-eighth twenty-ninth thirtieth thirty-first",
    # dative, as in "am dritten Tag"
    "de": "ersten zweiten dritten vierten fünften sechsten siebten achten neunten zehnten "
    "elften zwölften dreizehnten vierzehnten fünfzehnten sechzehnten siebzehnten "
    "achtzehnten neunzehnten zwanzigsten einundzwanzigsten zweiundzwanzigsten "
    "dreiundzwanzigsten vierundzwanzigsten fünfundzwanzigsten sechsundzwanzigsten "
    "siebenundzwanzigsten achtundzwanzigsten neunundzwanzigsten dreißigsten "
    "einunddreißigsten",
    "fr": "premier deuxième troisième quatrième cinquième sixième septième huitième neuvième "
    "dixième onzième douzième treizième quatorzième quinzième seizième dix-septième "
    "dix-huitième dix-neuvième vingtième vingt-et-unième vingt-deuxième vingt-troisième "
    "vingt-quatrième vingt-cinquième vingt-sixième vingt-septième vingt-huitième "
    "vingt-neuvième trentième trente-et-unième",
    # masculine, shortened before a noun ("el tercer día")
    "es": "primer segundo tercer cuarto quinto sexto séptimo octavo noveno décimo undécimo "
    "duodécimo decimotercer decimocuarto decimoquinto decimosexto decimoséptimo "
    "decimoctavo decimonoveno vigésimo vigésimo_primer vigésimo_segundo vigésimo_tercer "
    "vigésimo_cuarto vigésimo_quinto vigésimo_sexto vigésimo_séptimo vigésimo_octavo "
    "vigésimo_noveno trigésimo trigésimo_primer",
}


def _words(table: dict[str, str], language: str) -> list[str]:
    return [w.replace("_", " ") for w in table[language].split()]


def _english_suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def format_date(date: _dt.date, fmt: str, language: str = "en") -> str:
    """Write one date in one of :data:`DATE_FORMATS` or :data:`LONG_DATE_FORMATS`.

    >>> import datetime
    >>> format_date(datetime.date(2002, 3, 3), "ordinal")
    'the 3rd of March 2002'
    >>> format_date(datetime.date(2002, 3, 3), "full", "de")
    'Sonntag, 3. März 2002'
    """
    if language not in DATE_LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose from {DATE_LANGUAGES}")
    d, m, y = date.day, date.month, date.year
    if fmt == "numeric_us":
        return f"{m:02d}/{d:02d}/{y % 100:02d}"
    if fmt == "numeric_us_long":
        return f"{m}/{d}/{y}"
    if fmt == "numeric_eu":
        return f"{d:02d}.{m:02d}.{y}"

    month = _words(_MONTHS, language)[m - 1]
    mon = _words(_MONTHS_SHORT, language)[m - 1]
    weekday = _words(_WEEKDAYS, language)[date.weekday()]
    nth = _words(_ORDINALS, language)[d - 1]
    fr_day = "1er" if d == 1 else str(d)
    templates = {
        "en": {
            "full": f"{weekday}, {month} {d}, {y}",
            "ordinal": f"the {d}{_english_suffix(d)} of {month} {y}",
            "medium": f"{month} {d}, {y}",
            "abbreviated": f"{mon} {d} {y}",
            "verbose": f"on the {nth} day of {month} in the year {y}",
            "verbose_weekday": f"on {weekday}, the {nth} day of {month} in the year {y}",
        },
        "de": {
            "full": f"{weekday}, {d}. {month} {y}",
            "ordinal": f"der {d}. {month} {y}",
            "medium": f"{d}. {month} {y}",
            "abbreviated": f"{d}. {mon} {y}",
            "verbose": f"am {nth} Tag des Monats {month} im Jahr {y}",
            "verbose_weekday": f"am {weekday}, dem {nth} Tag des Monats {month} im Jahr {y}",
        },
        "fr": {
            "full": f"{weekday} {fr_day} {month} {y}",
            "ordinal": f"le {fr_day} {month} {y}",
            "medium": f"{fr_day} {month} {y}",
            "abbreviated": f"{fr_day} {mon} {y}",
            "verbose": f"le {nth} jour du mois de {month} de l'an {y}",
            "verbose_weekday": f"le {weekday}, {nth} jour du mois de {month} de l'an {y}",
        },
        "es": {
            "full": f"{weekday}, {d} de {month} de {y}",
            "ordinal": f"el {d} de {month} de {y}",
            "medium": f"{d} de {month} de {y}",
            "abbreviated": f"{d} {mon} {y}",
            "verbose": f"el {nth} día del mes de {month} del año {y}",
            "verbose_weekday": f"el {weekday}, {nth} día del mes de {month} del año {y}",
        },
    }[language]
    try:
        return templates[fmt]
    except KeyError:
        known = ", ".join(DATE_FORMATS + LONG_DATE_FORMATS)
        raise ValueError(f"unknown date format {fmt!r}; known formats: {known}") from None


def make_dates(
    n: int,
    seed: int = 0,
    *,
    formats: Sequence[str] | None = None,
    languages: Sequence[str] = DATE_LANGUAGES,
    style: str = "short",
) -> list[tuple[str, str]]:
    """Generate ``n`` (human-readable date, ISO date) pairs.

    Parameters
    ----------
    n : int
        Number of pairs.
    seed : int, default 0
        The same seed (with the same other arguments) gives the same list.
    formats : sequence of str, optional
        Names from :data:`DATE_FORMATS` and/or :data:`LONG_DATE_FORMATS`. Overrides ``style``.
    languages : sequence of str, default ("en", "de", "fr", "es")
        Languages to write worded formats in (numeric formats are language-independent).
    style : {"short", "long", "mixed"}, default "short"
        ``"short"``: :data:`DATE_FORMATS`; ``"long"``: :data:`LONG_DATE_FORMATS` (verbose
        sentences such as ``"on the third day of March in the year 2002"``); ``"mixed"``: both.

    Returns
    -------
    list of (str, str)
        ``(human_readable, iso)`` pairs; ``iso`` is ``YYYY-MM-DD`` and parses with
        :meth:`datetime.date.fromisoformat`. Each pair draws a date uniformly from
        1950-01-01..2049-12-31, a format and a language uniformly from the choices.

    Examples
    --------
    >>> pairs = make_dates(3, seed=1)
    >>> pairs == make_dates(3, seed=1)
    True
    """
    if n < 0:
        raise ValueError("n must be non-negative")
    if formats is None:
        by_style = {
            "short": DATE_FORMATS,
            "long": LONG_DATE_FORMATS,
            "mixed": DATE_FORMATS + LONG_DATE_FORMATS,
        }
        if style not in by_style:
            raise ValueError(f"style must be one of {sorted(by_style)}")
        formats = by_style[style]
    formats = tuple(formats)
    languages = tuple(languages)
    unknown = [f for f in formats if f not in DATE_FORMATS + LONG_DATE_FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown or no formats {unknown}; choose from {DATE_FORMATS}")
    bad_lang = [lang for lang in languages if lang not in DATE_LANGUAGES]
    if bad_lang or not languages:
        raise ValueError(f"unknown or no languages {bad_lang}; choose from {DATE_LANGUAGES}")

    rng = random.Random(seed)
    first = _dt.date(FIRST_YEAR, 1, 1).toordinal()
    last = _dt.date(LAST_YEAR, 12, 31).toordinal()
    pairs = []
    for _ in range(n):
        date = _dt.date.fromordinal(rng.randint(first, last))
        fmt = formats[rng.randrange(len(formats))]
        language = languages[rng.randrange(len(languages))]
        pairs.append((format_date(date, fmt, language), date.isoformat()))
    return pairs
