"""The report's "where" question over the configured regions: the city/regency first
(skipped when there is only one), then its kecamatan, as buttons; a kecamatan, village or
city typed at either question is understood with typos, "di luar daerah" too, and a name
two regions share asks which one. Text that names no known place is kept as typed and the
report goes to the chosen region, or to the default one.

Pure: it reads and changes a draft's answers and says what the driver does next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.messages import Button
from bot.places import Found, Place, PlaceFinder
from bot.regions import Regions
from bot.texts import text

# Draft keys: the region chosen at the first question, and the places a typed name may mean.
CHOSEN, CHOICES = "_place_region", "_place_choices"
OUTSIDE_AREA = "luar daerah"  # the statistics' name for a place outside every region
REGIONS_VALUE, OUTSIDE_VALUE = "regions", "out"
MAX_PLACE_WORDS = 5  # "di desa Naras, Pariaman Utara": longer is a story, not a place

Next = Literal["done", "ask", "free"]


@dataclass(frozen=True)
class Outcome:
    """done: answered, go on; ask: show this question again (its state changed, `note`
    says why); free: keep the typed text as the answer (its region is set already)."""

    next: Next
    note: str | None = None


class PlaceQuestion:
    def __init__(self, regions: Regions, action: str) -> None:
        self.regions = regions
        self.finder = PlaceFinder(regions)
        self.action = action  # the flow's button prefix

    def prompt(self, prompt: dict[str, str], answers: dict[str, Any], lang: str) -> str:
        choices = answers.get(CHOICES)
        if choices:
            return text("place_which", lang, name=str(choices[0][2]))
        region = self._chosen(answers)
        if region is None:
            return text("place_region", lang, question=prompt[lang].split("?")[0] + "?")
        if self.regions.many:
            return f"{self.regions.get(region).name}: {prompt[lang]}"
        return prompt[lang]

    def buttons(self, answers: dict[str, Any], lang: str) -> list[tuple[Button, ...]]:
        act = f"{self.action}:place"
        choices = answers.get(CHOICES)
        if choices:
            return [
                (Button(f"{kecamatan} — {self.regions.get(region).name}", f"{act}:c{number}"),)
                for number, (region, kecamatan, _) in enumerate(choices)
            ]
        region_id = self._chosen(answers)
        rows: list[tuple[Button, ...]]
        if region_id is None:
            rows = [
                (Button(region.name, f"{self.action}:region:{region.id}"),)
                for region in self.regions.regions
            ]
            rows.append((Button(text("place_outside_all", lang), f"{act}:{OUTSIDE_VALUE}"),))
            return rows
        region = self.regions.get(region_id)
        rows = [(Button(p, f"{act}:{n}"),) for n, p in enumerate(region.places)]
        if self.regions.many:
            rows.append((Button(text("place_other_region", lang), f"{act}:{REGIONS_VALUE}"),))
        else:
            outside = text("place_outside_one", lang, region=region.name)
            rows.append((Button(outside, f"{act}:{OUTSIDE_VALUE}"),))
        return rows

    def pressed_region(self, answers: dict[str, Any], region_id: str) -> Outcome:
        if not self.regions.many or region_id not in {r.id for r in self.regions.regions}:
            return Outcome("ask")
        answers.pop(CHOICES, None)
        answers[CHOSEN] = region_id
        return Outcome("ask")

    def pressed(self, step: str, answers: dict[str, Any], value: str, lang: str) -> Outcome:
        if value == OUTSIDE_VALUE:
            self._outside(step, answers, lang)
            return Outcome("done")
        if value == REGIONS_VALUE:
            self.back(answers)
            return Outcome("ask")
        choices = answers.get(CHOICES) or []
        if value.startswith("c") and value[1:].isdigit() and int(value[1:]) < len(choices):
            region, kecamatan, name = choices[int(value[1:])]
            self._answer(step, answers, Place(str(region), str(kecamatan), str(name)))
            return Outcome("done")
        region_id = self._chosen(answers)
        if region_id is None or not value.isdigit():
            return Outcome("ask")  # an old or forged button: the question again
        places = self.regions.get(region_id).places
        if int(value) >= len(places):
            return Outcome("ask")
        kecamatan = places[int(value)]
        self._answer(step, answers, Place(region_id, kecamatan, kecamatan))
        return Outcome("done")

    def typed(self, step: str, answers: dict[str, Any], typed: str, lang: str) -> Outcome:
        found: Found = self.finder.find(typed, within=self._chosen(answers))
        if found.outside:
            self._outside(step, answers, lang)
            return Outcome("done")
        places = found.places
        if len(places) == 1 and places[0].kecamatan is not None:
            self._answer(step, answers, places[0])
            return Outcome("done")
        if len(places) == 1:  # a city/regency: now its kecamatan
            answers.pop(CHOICES, None)
            answers[CHOSEN] = places[0].region
            name = self.regions.get(places[0].region).name
            return Outcome("ask", text("place_now_kecamatan", lang, region=name))
        if places:
            answers[CHOICES] = [
                [p.region, p.kecamatan or "", p.name] for p in places if p.kecamatan is not None
            ]
            if not answers[CHOICES]:  # several cities matched equally: choose among them
                answers.pop(CHOICES)
            return Outcome("ask")
        # No known place: kept as typed, for the chosen region or the default one.
        answers.pop(CHOICES, None)
        answers["region"] = self._chosen(answers) or self.regions.default_id
        answers.pop("area", None)
        return Outcome("free")

    def names_place(self, answers: dict[str, Any], typed: str) -> bool:
        """Whether a short message is clearly a known place, or "outside": the answer to
        this question even if it came while another answer was still open."""
        if len(typed.split()) > MAX_PLACE_WORDS:
            return False
        found = self.finder.find(typed, within=self._chosen(answers))
        return found.outside or (len(found.places) == 1 and found.places[0].kecamatan is not None)

    def back(self, answers: dict[str, Any]) -> bool:
        """Back inside the question (from the kecamatan to the region); False: nothing to undo."""
        if answers.pop(CHOICES, None):
            return True
        return self.regions.many and answers.pop(CHOSEN, None) is not None

    def forget(self, answers: dict[str, Any]) -> None:
        """The question is left: it starts afresh next time."""
        answers.pop(CHOICES, None)
        answers.pop(CHOSEN, None)

    def chosen(self, answers: dict[str, Any]) -> str | None:
        """The region whose kecamatan are asked now (None: the city/regency is asked)."""
        return self._chosen(answers)

    def _chosen(self, answers: dict[str, Any]) -> str | None:
        if not self.regions.many:
            return self.regions.default_id
        chosen = answers.get(CHOSEN)
        return chosen if isinstance(chosen, str) else None

    def _answer(self, step: str, answers: dict[str, Any], place: Place) -> None:
        region = self.regions.get(place.region)
        kecamatan = place.kecamatan or ""
        shown = kecamatan if place.name == kecamatan else f"{place.name} ({kecamatan})"
        if self.regions.many:
            shown = f"{shown}, {region.name}"
        answers[step] = shown
        answers["region"] = region.id
        answers["area"] = kecamatan
        self.forget(answers)

    def _outside(self, step: str, answers: dict[str, Any], lang: str) -> None:
        if self.regions.many:
            answers[step] = text("place_outside_all", "id")
        else:
            answers[step] = text("place_outside_one", "id", region=self.regions.default.name)
        answers["region"] = self.regions.default_id
        answers["area"] = OUTSIDE_AREA
        self.forget(answers)
