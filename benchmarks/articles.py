"""A deterministic benchmark corpus: news-like articles in English and French, lead images.

Nothing is downloaded: text comes from sentence templates filled with names, places and
figures from a seeded generator, so every run measures the same 300–2,000-word articles,
and the lead image is a 1600×1067 JPEG with sky, hills, texture and a subject, so the
encoder and the saliency crop see photo-like content rather than a flat colour.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

#: Side of the benchmark's lead images: a common 3:2 news photo as published online.
IMAGE_SIZE = (1600, 1067)

_WORDS = {
    "en": {
        "people": [
            "Maria Lopez",
            "James Okafor",
            "Helen Brandt",
            "Tom Reilly",
            "Aisha Khan",
            "Peter Novak",
            "Sarah Mitchell",
            "David Chen",
            "Laura Bianchi",
            "Omar Haddad",
        ],
        "roles": [
            "the finance minister",
            "the mayor",
            "the company's chief executive",
            "a spokesman",
            "the union leader",
            "an economist at the central bank",
            "the head coach",
            "a senior diplomat",
            "the health secretary",
            "an opposition lawmaker",
        ],
        "orgs": [
            "the European Commission",
            "Northwind Energy",
            "the World Health Organization",
            "City Council",
            "the Federal Reserve",
            "United Rail",
            "the Premier League",
            "Harbor Bank",
            "the Ministry of Defence",
            "Greenfield Motors",
        ],
        "places": [
            "London",
            "Manchester",
            "Brussels",
            "New York",
            "Berlin",
            "Nairobi",
            "Toronto",
            "Sydney",
            "Dublin",
            "Lisbon",
        ],
        "topics": [
            "the budget",
            "the new rail line",
            "interest rates",
            "the election",
            "the vaccine rollout",
            "the transfer window",
            "the trade agreement",
            "wage negotiations",
            "the flood defences",
            "the housing plan",
        ],
        "headlines": [
            "{org} under pressure as {topic} divides {place}",
            "{person} defends {topic} after week of criticism",
            "{place} braces for {topic} as talks stall",
            "What {topic} means for households in {place}",
            "{org} announces review of {topic}",
        ],
        "sentences": [
            "{person}, {role}, said on {day} that {topic} would be decided within {n} weeks.",
            "Officials in {place} estimate the cost at {n} million, well above earlier figures.",
            "{org} declined to comment on the report but promised a statement by {day}.",
            "\u201cWe have listened carefully, and we will act,\u201d {person} told reporters "
            "in {place}.",
            "Critics argue that {topic} favours large groups at the expense of smaller ones.",
            "The announcement follows {n} months of negotiations between {org} and its partners.",
            "Analysts expect {topic} to weigh on growth in {place} through the end of the year.",
            "According to figures released on {day}, {n} per cent of residents back the plan.",
            "{person} warned that delays could cost {org} its place among the market leaders.",
            "Opposition groups in {place} have called for a public inquiry into {topic}.",
            "The decision is expected to be confirmed at a meeting of {org} next {day}.",
            "Supporters say {topic} will create {n} thousand jobs over the next decade.",
        ],
        "days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "sources": ["Northern Echo", "Daily Ledger", "City Times", "Wire Service"],
    },
    "fr": {
        "people": [
            "Claire Dubois",
            "Jean Martin",
            "Sophie Lefèvre",
            "Karim Benali",
            "Élise Moreau",
            "Luc Garnier",
            "Nadia Haddad",
            "Pierre Lambert",
            "Inès Roussel",
            "Marc Fontaine",
        ],
        "roles": [
            "la ministre de l\u2019Économie",
            "le maire",
            "le directeur général du groupe",
            "une porte-parole",
            "le secrétaire général du syndicat",
            "un économiste",
            "l\u2019entraîneur",
            "un diplomate de haut rang",
            "le ministre de la Santé",
            "une députée de l\u2019opposition",
        ],
        "orgs": [
            "la Commission européenne",
            "la SNCF",
            "l\u2019Organisation mondiale de la santé",
            "le conseil municipal",
            "la Banque de France",
            "Airbus",
            "la Ligue 1",
            "le Crédit Mutuel",
            "le ministère des Armées",
            "Renault",
        ],
        "places": [
            "Paris",
            "Lyon",
            "Marseille",
            "Bordeaux",
            "Lille",
            "Toulouse",
            "Nantes",
            "Strasbourg",
            "Montréal",
            "Bruxelles",
        ],
        "topics": [
            "la réforme des retraites",
            "le budget",
            "la nouvelle ligne de TGV",
            "les taux d\u2019intérêt",
            "les élections municipales",
            "la campagne de vaccination",
            "le mercato",
            "l\u2019accord commercial",
            "les négociations salariales",
            "le plan logement",
        ],
        "headlines": [
            "{org} sous pression alors que {topic} divise {place}",
            "{person} défend {topic} après une semaine de critiques",
            "À {place}, {topic} inquiète les habitants",
            "Ce que {topic} change pour les ménages de {place}",
            "{org} annonce un réexamen de {topic}",
        ],
        "sentences": [
            "{person}, {role}, a affirmé {day} que {topic} serait tranché d\u2019ici {n} semaines.",
            "À {place}, les services estiment le coût à {n} millions d\u2019euros, bien "
            "au-delà des prévisions.",
            "{org} n\u2019a pas souhaité commenter le rapport mais promet une déclaration {day}.",
            "« Nous avons écouté attentivement, et nous agirons », a déclaré {person} à {place}.",
            "Les opposants estiment que {topic} avantage les grands groupes au détriment "
            "des petits.",
            "L\u2019annonce intervient après {n} mois de négociations entre {org} et ses "
            "partenaires.",
            "Selon les analystes, {topic} pèsera sur la croissance à {place} jusqu\u2019à la "
            "fin de l\u2019année.",
            "D\u2019après les chiffres publiés {day}, {n} % des habitants soutiennent le projet.",
            "{person} a prévenu que tout retard pourrait coûter cher à {org}.",
            "L\u2019opposition réclame à {place} une commission d\u2019enquête sur {topic}.",
            "La décision devrait être confirmée lors d\u2019une réunion de {org} {day} prochain.",
            "Ses partisans assurent que {topic} créera {n}000 emplois en dix ans.",
        ],
        "days": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "sources": ["Le Courrier", "La Dépêche du Soir", "LCI", "Agence Info"],
    },
}


@dataclass(frozen=True)
class Article:
    """One benchmark input: raw text as a scraper would hand it over, and its images."""

    key: str
    language: str
    words: int
    content: str
    images: list[str] = field(default_factory=list)


def _fill(template: str, words: dict[str, list[str]], rng: random.Random) -> str:
    """One template with its slots drawn from the language's vocabulary."""
    sentence = template.format(
        person=rng.choice(words["people"]),
        role=rng.choice(words["roles"]),
        org=rng.choice(words["orgs"]),
        place=rng.choice(words["places"]),
        topic=rng.choice(words["topics"]),
        day=rng.choice(words["days"]),
        n=rng.randint(2, 95),
    )
    return sentence[0].upper() + sentence[1:]


def article(index: int, language: str, target_words: int, seed: int = 7) -> Article:
    """A scraped-text article (``Title|Source`` line, paragraphs) of about ``target_words``."""
    rng = random.Random(f"{seed}:{language}:{index}:{target_words}")
    words = _WORDS[language]
    headline = _fill(rng.choice(words["headlines"]), words, rng)
    paragraphs: list[str] = []
    count = 0
    while count < target_words:
        sentences = [_fill(rng.choice(words["sentences"]), words, rng) for _ in range(3)]
        paragraph = " ".join(sentences[: rng.randint(2, 3)])
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    source = rng.choice(words["sources"])
    content = f"{headline}|{source}\n\n" + "\n\n".join(paragraphs) + "\n"
    return Article(f"{language}-{index:04d}", language, count, content)


def text_corpus(size: int, seed: int = 7) -> list[Article]:
    """``size`` articles alternating English and French, 300–2,000 words, mean about 1,150."""
    rng = random.Random(seed)
    return [
        article(index, ("en", "fr")[index % 2], rng.randint(300, 2000), seed)
        for index in range(size)
    ]


def lead_image(seed: int) -> bytes:
    """A photo-like 1600×1067 JPEG: graded sky, hills, grain and a bright off-centre subject."""
    rng = np.random.default_rng(seed)
    width, height = IMAGE_SIZE
    y = np.linspace(0.0, 1.0, height)[:, None, None]
    sky_top, sky_bottom = rng.uniform(60, 140, 3), rng.uniform(150, 235, 3)
    pixels = np.broadcast_to(sky_top + (sky_bottom - sky_top) * y, (height, width, 3)).copy()
    x = np.linspace(0.0, 1.0, width)
    for layer in range(3):
        ridge = 0.55 + 0.1 * layer + 0.06 * np.sin(x * rng.uniform(4, 12) + rng.uniform(0, 6))
        below = np.arange(height)[:, None] / height > ridge[None, :]
        pixels[below] = rng.uniform(20, 120, 3) + 25 * layer
    pixels += rng.normal(0.0, 9.0, (height, width, 1))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    cx, cy = int(width * rng.uniform(0.25, 0.75)), int(height * rng.uniform(0.35, 0.6))
    radius = int(rng.uniform(90, 180))
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(230, 90, 40))
    draw.rectangle((cx - radius // 3, cy, cx + radius // 3, cy + 2 * radius), fill=(40, 40, 60))
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
