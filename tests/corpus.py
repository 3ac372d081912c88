"""Generated articles for integration tests: several topics and languages, each one unique."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = [
    (
        "Le gouvernement présente son budget {n}",
        "Le premier ministre a présenté mardi le budget numéro {n} devant le parlement. Les "
        "députés de l'opposition dénoncent une politique injuste, tandis que le président "
        "défend des choix nécessaires avant les élections.\n\nLe vote des députés aura lieu "
        "la semaine prochaine à l'Assemblée nationale, où le gouvernement ne dispose pas de "
        "majorité absolue.",
    ),
    (
        "Striker scores twice as United win cup tie {n}",
        "The striker scored twice as United beat City in the cup on Saturday, match {n} of the "
        "season. The coach praised his players after the game and said the team must keep "
        "winning in the league.\n\nThe final will be played in May, and the players hope the "
        "injury list will be short by then.",
    ),
    (
        "Shares rise as bank profits beat forecasts {n}",
        "Shares in the bank rose on Tuesday after it reported annual profits of {n} billion "
        "dollars. Investors welcomed the growth in sales, and economists expect interest rates "
        "to stay low as inflation eases.\n\nThe company said the market for its business "
        "remains strong despite higher oil prices.",
    ),
    (
        "Les troupes reprennent l'offensive {n}",
        "Les combats ont repris jeudi sur la ligne de front, au jour {n} de la guerre. L'armée "
        "affirme que ses troupes ont repoussé une attaque, tandis que les soldats ennemis "
        "poursuivent leur offensive.\n\nLes négociations pour un cessez-le-feu restent au point "
        "mort, selon un diplomate présent aux pourparlers de paix.",
    ),
    (
        "New software update for phones raises privacy fears {n}",
        "The technology company released software update {n} for its phones on Monday. Users "
        "said the update changes how data from the device is shared online.\n\nResearchers "
        "and scientists warned that the internet giant collects more data than its users "
        "know, and called for new rules on digital privacy.",
    ),
    (
        "Hospitals struggle as flu virus spreads {n}",
        "Hospitals reported {n} new patients with the flu virus this week, and doctors warned "
        "of a long epidemic. Nurses said the health service is under strain.\n\nThe disease "
        "spreads fast in winter, and medical experts urge people to get the vaccine.",
    ),
]


def write_articles(directory: Path, count: int, start: int = 0) -> list[Path]:
    """Write ``count`` distinct plain-text articles to ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(start, start + count):
        headline, body = TEMPLATES[n % len(TEMPLATES)]
        path = directory / f"article-{n:04d}.txt"
        path.write_text(f"{headline.format(n=n)}\n\n{body.format(n=n)}\n", "utf-8")
        paths.append(path)
    return paths
