"""Council documents and data downloads composed from diagnostics and scenarios.

This module decides *what* goes into a print map, a council pack, an interactive
map, a GeoPackage or CSV files; :mod:`geo.print_maps`, :mod:`geo.report`,
:mod:`geo.maps` and :mod:`geo.exports` decide *how* it is drawn or written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import folium
import geopandas as gpd
import pandas as pd

from equity.council_pack import (
    GINI_CARD_NOTE_FR,
    SUMMARY_TITLE,
    calendar_pages,
    decisions_page,
    method_note,
    mobile_pages,
    n_places,
    sources_annex,
    summary_figures,
    summary_paragraphs,
)
from equity.csv_tables import CSV_HEADERS_FR, csv_table
from equity.decision_table import decision_sites, existing_sites
from equity.diagnostics import Diagnosis, demand_points
from equity.document_tables import (
    ZONE_NAMES_LISTED,
    comparison_note_fr,
    comparison_table,
    epci_table,
    zones_table,
)
from equity.mobile import MobileResult, next_monday
from equity.scenarios import (
    CURRENT_SITUATION,
    Scenario,
    compare,
    current_situation,
    evaluate,
)
from equity.underserved import UNDERSERVED_COLORS, underserved_category
from geo import exports, national
from geo.catchments import catchments
from geo.defaults import DEPARTEMENT_CODE, EXPORT_STEM_MAX_CHARS
from geo.formatting import format_date_fr, format_number_fr, format_percent_fr, plural_fr
from geo.jsonio import dumps_strict
from geo.render.classification import travel_time_bounds
from geo.render.interactive import DECISION_STYLE, commune_map
from geo.render.pack import (
    Cover,
    KeyFigures,
    MapPage,
    SummaryPage,
    TablePage,
    build_pack,
)
from geo.render.print_map import MarkerLayer, PrintMapSpec, map_source_line, render_print_map
from geo.territory import Territory
from geo.travel_time import TravelModel

__all__ = [
    "CSV_HEADERS_FR",
    "CURRENT_SITUATION",
    "MAP_FILE_NAMES_FR",
    "MAP_KINDS",
    "ORGANISATION",
    "WHAT",
    "ZONE_NAMES_LISTED",
    "MapKind",
    "ScenarioView",
    "comparison_note_fr",
    "comparison_table",
    "council_pack",
    "current_situation",
    "data_layers",
    "decision_layers",
    "decisions_of",
    "epci_table",
    "export",
    "export_stem",
    "interactive_map",
    "map_spec",
    "mobile_bases",
    "organisation",
    "travel_bounds",
    "view_scenario",
    "zones_table",
]

MapKind = Literal["situation", "need", "zones", "scenario", "mobile"]
MAP_KINDS: tuple[str, ...] = ("situation", "need", "zones", "scenario", "mobile")
WHAT: tuple[str, ...] = ("map", "pack", "html", "gpkg", "csv")
ORGANISATION = "Conseil départemental de la Sarthe — commission Développement numérique"
#: Source line of the pack's maps: the full sources and licences are in its annex.
_ANNEX = ["voir annexe"]
#: French words of the print-map file names (« …-carte-placement-A4-paysage.pdf »).
MAP_FILE_NAMES_FR: dict[str, str] = {
    "situation": "temps-acces",
    "need": "besoin",
    "zones": "zones-mal-desservies",
    "scenario": "placement",
    "mobile": "tournees",
}
ORIENTATIONS_FR: dict[str, str] = {"landscape": "paysage", "portrait": "portrait"}
_SOURCE_LAYERS = ("communes", "population", "ifn", "filosofi", "census", "cnfs_permanence")


@dataclass(frozen=True)
class ScenarioView:
    """A scenario (or the current situation) with everything needed to show it."""

    scenario: Scenario
    diagnosis: Diagnosis
    added_sites: gpd.GeoDataFrame
    catchments: gpd.GeoDataFrame

    @property
    def label(self) -> str:
        return self.scenario.name


def view_scenario(
    territory: Territory, scenario: Scenario, model: TravelModel | None = None
) -> ScenarioView:
    """Evaluate ``scenario`` and gather its layers (added sites, catchments)."""
    evaluated, diagnosis = evaluate(territory, scenario, model)
    added_ids = [a["site_id"] for a in scenario.changes.added]
    sites = diagnosis.offer.sites
    added = sites[sites["site_id"].isin(added_ids)]
    threshold = diagnosis.settings.threshold_min
    reach = catchments(
        sites.geometry,
        territory.communes,
        demand_points=demand_points(territory.communes),
        thresholds_min=(threshold,),
        model=diagnosis.travel_model,
    )
    union = reach[["threshold_min", "geometry"]].dissolve("threshold_min").reset_index()
    return ScenarioView(evaluated, diagnosis, added, union)


def _sources(territory: Territory) -> list[str]:
    """Short source lines for a map (label, publisher, vintage; licences in the annex)."""
    return [map_source_line(territory.sources[k]) for k in _SOURCE_LAYERS if k in territory.sources]


def organisation(territory: Territory) -> str:
    """« Conseil départemental de l'Orne — commission Développement numérique »."""
    return f"Conseil départemental {territory.of_departement} — commission Développement numérique"


def _territory_stem(territory: Territory, view: ScenarioView) -> str:
    """File stem of a view: the scenario's, after the département's for a non-default one.

    The default département's files keep their names; others start with the
    département's name and code (``orne-61-…``), so two départements never mix files.
    """
    stem = export_stem(view.label)
    if territory.departement_code == DEPARTEMENT_CODE:
        return stem
    ascii_name = unicodedata.normalize("NFKD", territory.departement_name)
    name = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name.encode("ascii", "ignore").decode())
    return f"{name.strip('-').lower()}-{territory.departement_code.lower()}-{stem}"


def _subtitle(view: ScenarioView, date: dt.date) -> str:
    threshold = view.diagnosis.settings.threshold_min
    return f"{view.label} — seuil {threshold:g} min — {format_date_fr(date)}"


def decisions_of(
    territory: Territory, view: ScenarioView, reference: ScenarioView | None = None
) -> gpd.GeoDataFrame:
    """The scenario's decisions (new sites and reinforcements), see :mod:`equity.decision_table`."""
    return decision_sites(
        territory.communes,
        view.diagnosis,
        view.added_sites,
        reference.diagnosis if reference is not None else None,
    )


def decision_layers(decisions: gpd.GeoDataFrame) -> list[MarkerLayer]:
    """Print-map layers of the decisions: one star colour per kind, as on screen."""
    layers = []
    for kind, (color, label) in DECISION_STYLE.items():
        part = decisions[decisions["kind"] == kind]
        if len(part):
            layers.append(MarkerLayer(part, label, "*", color, 10.0))
    return layers


def mobile_bases(sites: gpd.GeoDataFrame, mobile: MobileResult) -> gpd.GeoDataFrame:
    """The open ``sites`` that base the advisors of the tours (``mobile-<site id>``)."""
    ids = {str(a).removeprefix("mobile-") for a in mobile.circuits.get("advisor_id", [])}
    return sites[sites["site_id"].isin(ids)]


def travel_bounds(*views: ScenarioView) -> list[float]:
    """Travel-time class bounds shared by maps of ``views`` (the threshold is one bound)."""
    threshold = views[0].diagnosis.settings.threshold_min
    longest = max(float(v.diagnosis.communes["travel_time_min"].max()) for v in views)
    return travel_time_bounds(threshold, longest)


def map_spec(
    territory: Territory,
    view: ScenarioView,
    kind: MapKind,
    date: dt.date | None = None,
    mobile: MobileResult | None = None,
    *,
    reference: ScenarioView | None = None,
    bounds: Sequence[float] | None = None,
    sources: Sequence[str] | None = None,
) -> PrintMapSpec:
    """Print-map specification of one view of a scenario.

    ``situation``: travel time to the nearest open site; ``need``: need index;
    ``zones``: under-served zones ranked; ``scenario``: travel time with the new and
    reinforced advisors and the catchment of the open sites; ``mobile``: the bases,
    stops and circuits of the tours over the under-served communes (needs ``mobile``).
    Travel times are classed with the threshold as a bound; ``bounds`` (of
    :func:`travel_bounds`) gives two maps the same classes. ``sources`` replaces the
    source lines (e.g. « voir annexe » in the pack); ``reference`` explains decisions.
    """
    if kind not in MAP_KINDS:
        raise ValueError(f"Type de carte inconnu : {kind!r} ({', '.join(MAP_KINDS)}).")
    if kind == "mobile" and mobile is None:
        raise ValueError("La carte des tournées demande un programme de tournées mobiles.")
    date = date or dt.date.today()
    diagnosis = view.diagnosis
    threshold = diagnosis.settings.threshold_min
    communes = territory.communes.join(
        diagnosis.communes[["travel_time_min", "need_index", "underserved_reason"]]
    )
    communes["underserved_reason"] = underserved_category(communes["underserved_reason"])
    decisions = decisions_of(territory, view, reference)
    common = {
        "communes": communes,
        "subtitle": f"{territory.departement_name} ({territory.departement_code}) — "
        + _subtitle(view, date),
        "epci": territory.epci,
        "sources": list(sources) if sources is not None else _sources(territory),
        "travel_model": diagnosis.travel_model,
        "sites": existing_sites(diagnosis, view.added_sites),
        "marker_layers": decision_layers(decisions),
    }
    travel = {
        "column": "travel_time_min",
        "scheme": "user_defined",
        "user_bounds": list(bounds) if bounds is not None else travel_bounds(view),
        "legend_title": "Minutes jusqu'au lieu le plus proche",
    }
    if kind == "need":
        return PrintMapSpec(
            column="need_index",
            title="Besoin d'accompagnement numérique",
            legend_title="Indice de besoin (0 à 1, plus = plus de besoin)",
            **common,
        )
    if kind in ("zones", "mobile"):
        spec = {
            "column": "underserved_reason",
            "scheme": "categorical",
            "category_colors": UNDERSERVED_COLORS,
            "title": f"Communes et zones mal desservies ({threshold:g} min)",
            "legend_title": "Motif",
            "zones": diagnosis.zones,
        }
        if kind == "zones":
            return PrintMapSpec(**spec, **common)
        common["marker_layers"] = [
            *common["marker_layers"],
            MarkerLayer(
                mobile_bases(diagnosis.offer.sites, mobile),
                "Base d'une tournée",
                "s",
                "#0072B2",
                6.5,
            ),
            MarkerLayer(mobile.stops, "Arrêt de tournée mobile", "o", "#F0E442", 6.0),
        ]
        return PrintMapSpec(
            **spec
            | {
                "title": "Tournées mobiles des conseillers numériques",
                "legend_title": "Desserte par les lieux fixes",
                "zones": None,
            },
            circuits=mobile.circuits.rename(columns={"advisor_name": "advisor"}),
            **common,
        )
    if kind == "scenario":
        return PrintMapSpec(
            title="Nouveaux conseillers, renforts et temps d'accès",
            catchments=view.catchments,
            **travel,
            **common,
        )
    return PrintMapSpec(title="Temps d'accès à un lieu d'aide au numérique", **travel, **common)


def _offer_note(diagnosis: Diagnosis, decisions: pd.DataFrame | None) -> str:
    """Short note of the advisors' card (two lines); the method page names every type.

    Places are counted as on the summary page: a reinforcement joins its permanence.
    """
    outside = diagnosis.offer.outside
    places = n_places(diagnosis, decisions)
    text = f"dans {places} {plural_fr(places, 'lieu')}"
    if outside.any():
        label = diagnosis.offer.sites.loc[outside, "outside_label"].iloc[0]
        n_out = int(outside.sum())
        text += f", plus {n_out} {plural_fr(n_out, 'lieu')} {label} (capacité partagée)"
    return text + " ; détail dans la note de méthode"


def _key_figures(
    view: ScenarioView, reference: ScenarioView | None, decisions: pd.DataFrame | None = None
) -> KeyFigures:
    diagnosis = view.diagnosis
    head = diagnosis.headline()
    items = [
        ("Habitants", format_number_fr(head["population_total"]), "populations légales 2022"),
        ("Conseillers", format_number_fr(head["advisors"]), _offer_note(diagnosis, decisions)),
        ("Habitants par conseiller", format_number_fr(head["inhabitants_per_advisor"]), None),
    ]
    for threshold, row in diagnosis.coverage.iterrows():
        note = None
        if reference is not None and threshold in reference.diagnosis.coverage.index:
            before = reference.diagnosis.coverage.loc[threshold, "share_within"]
            note = f"situation actuelle : {format_percent_fr(before)}"
        items.append(
            (
                f"Population à moins de {threshold:g} min",
                format_percent_fr(row["share_within"]),
                note,
            )
        )
    items += [
        (
            "Gini des temps de trajet",
            format_number_fr(head["gini_travel_time"], 2),
            GINI_CARD_NOTE_FR,
        ),
        ("Communes mal desservies", format_number_fr(head["n_underserved_communes"]), None),
    ]
    return KeyFigures(f"Chiffres clés — {view.label}", items)


def _summary(
    territory: Territory,
    view: ScenarioView,
    reference: ScenarioView,
    decisions: pd.DataFrame,
    mobile: MobileResult | None,
    date: dt.date,
    bounds: Sequence[float],
) -> SummaryPage:
    spec = map_spec(
        territory, view, "scenario", date, reference=reference, bounds=bounds, sources=_ANNEX
    )
    # The current situation (no decision) gets a map of today's offer, not of « new » ones.
    spec.title = (
        "Où vont les nouveaux conseillers" if len(decisions) else "Lieux d'accompagnement actuels"
    )
    spec.n_town_labels = 6
    return SummaryPage(
        f"{SUMMARY_TITLE} — {view.label}",
        summary_paragraphs(
            decisions, reference.diagnosis, view.diagnosis, view.scenario.parameters, mobile
        ),
        summary_figures(reference.diagnosis, view.diagnosis, decisions),
        spec,
    )


def council_pack(
    territory: Territory,
    view: ScenarioView,
    path: Path,
    *,
    reference: ScenarioView | None = None,
    others: Sequence[ScenarioView] = (),
    mobile: MobileResult | None = None,
    paper: str = "A4",
    date: dt.date | None = None,
) -> Path:
    """The council pack PDF of one scenario, compared with the current situation.

    Pages: cover; the one-page summary for elected members (what, where, for whom, cost,
    before/after figures, one map); the table of decisions; key figures; maps before and
    after with the same classes; the tours (when ``mobile`` is given); tables; method;
    the annex of sources and licences (the maps say « Sources : voir annexe »).
    """
    date = date or dt.date.today()
    diagnosis = view.diagnosis
    before = reference or view
    decisions = decisions_of(territory, view, reference)
    bounds = travel_bounds(before, view)
    on_map = {"reference": reference, "bounds": bounds, "sources": _ANNEX}
    sections: list = [
        Cover(
            f"Conseillers numériques {national.in_departement(territory.departement_code)} : "
            "diagnostic et scénario de déploiement",
            _subtitle(view, date),
            date,
            organisation(territory),
        ),
        _summary(territory, view, before, decisions, mobile, date, bounds),
    ]
    if len(decisions):
        sections += decisions_page(decisions)
    sections += [
        _key_figures(view, reference, decisions),
        MapPage(map_spec(territory, before, "situation", date, **on_map)),
        MapPage(map_spec(territory, before, "zones", date, **on_map)),
    ]
    if len(view.added_sites):
        sections.append(MapPage(map_spec(territory, view, "scenario", date, **on_map)))
    if mobile is not None and len(mobile.circuits):
        sections.append(MapPage(map_spec(territory, view, "mobile", date, mobile, **on_map)))
        sections += mobile_pages(mobile)
        # The printable calendar of the cycle starting the Monday after the pack's date.
        sections += calendar_pages(territory, mobile, next_monday(date))
    threshold = diagnosis.settings.threshold_min
    sections.append(
        TablePage(
            "Équilibre par EPCI",
            epci_table(diagnosis),
            percent_columns=(f"Part à moins de {threshold:g} min",),
        )
    )
    if not diagnosis.zones.empty:
        sections.append(TablePage("Zones mal desservies, par priorité", zones_table(diagnosis)))
    compared = [v for v in (reference, view, *others) if v is not None]
    if len(compared) >= 2:
        comparison = compare(
            [v.scenario for v in compared[:4]], territory.communes["name"].to_dict()
        )
        table = comparison_table(comparison)
        sections.append(
            TablePage("Comparaison des scénarios", table, note=comparison_note_fr(table))
        )
    sections += [
        method_note(
            territory,
            diagnosis,
            reference.diagnosis if reference is not None else None,
            decisions,
        ),
        sources_annex(territory),
    ]
    return build_pack(sections, path, paper=paper, date=date)


def _html_notes(territory: Territory, view: ScenarioView, date: dt.date) -> list[str]:
    """Lines that travel with the offline map: scenario, date, travel model, sources."""
    model = view.diagnosis.travel_model
    travel = (
        f"Temps de trajet approximatifs : {model.label}."
        if model.is_approximate
        else f"Temps de trajet : {model.label}."
    )
    return [
        f"Scénario : {view.label} — seuil {view.diagnosis.settings.threshold_min:g} min.",
        f"Carte produite le {format_date_fr(date)} avec Maillage.",
        travel,
        "Sources : " + " ; ".join(_sources(territory)) + ".",
    ]


def interactive_map(
    territory: Territory,
    view: ScenarioView,
    reference: ScenarioView | None = None,
    date: dt.date | None = None,
) -> folium.Map:
    """Folium map of a scenario: travel time, decisions, open sites, catchment, notes.

    The title, scenario, date, travel model and sources are drawn in the map itself, so
    they stay with the file once it is shared.
    """
    communes = territory.communes.join(view.diagnosis.communes[["travel_time_min", "need_index"]])
    return commune_map(
        communes,
        "travel_time_min",
        title=f"{view.label} — temps d'accès à l'aide au numérique (min)",
        legend_title="Minutes",
        scheme="user_defined",
        user_bounds=travel_bounds(view),
        epci=territory.epci,
        sites=view.diagnosis.offer.sites,
        catchments=view.catchments,
        decisions=decisions_of(territory, view, reference),
        notes=_html_notes(territory, view, date or dt.date.today()),
        popup_columns={"population": "Population (2022)", "need_index": "Indice de besoin"},
    )


def data_layers(
    territory: Territory, view: ScenarioView, mobile: MobileResult | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """GeoPackage layers: communes with results, sites, added sites, catchments, zones, tours."""
    communes = territory.communes.drop(columns=["demand_x", "demand_y"]).join(
        view.diagnosis.communes[
            [
                "need_index",
                "persons_in_need",
                "nearest_site_id",
                "travel_time_min",
                "n_sites_within",
                "fca_ratio",
                "underserved",
                "underserved_reason",
                "zone_id",
            ]
        ]
    )
    layers = {
        "communes": communes,
        "sites": territory.sites,
        "sites_ouverts": view.diagnosis.offer.sites,
        "sites_recommandes": view.added_sites,
        "zones_desserte": view.catchments,
        "zones_mal_desservies": view.diagnosis.zones,
    }
    if mobile is not None:
        layers["arrets_mobiles"] = mobile.stops
        layers["tournees_mobiles"] = mobile.circuits
    return layers


def export(
    what: str,
    territory: Territory,
    view: ScenarioView,
    out_dir: Path,
    *,
    reference: ScenarioView | None = None,
    map_kind: str = "scenario",
    paper: str = "A4",
    orientation: str = "landscape",
    fmt: str = "pdf",
    mobile: MobileResult | None = None,
) -> list[Path]:
    """Write one kind of export for a scenario into ``out_dir``; return the files written.

    Raises
    ------
    ValueError
        Unknown ``what``, map kind, paper, orientation or format (French message).
    """
    if what not in WHAT:
        raise ValueError(f"Export inconnu : {what!r} ; choix : {', '.join(WHAT)}.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = _territory_stem(territory, view)
    if what == "map":
        spec = map_spec(territory, view, map_kind, mobile=mobile, reference=reference)
        name = f"{MAP_FILE_NAMES_FR[map_kind]}-{paper}-{ORIENTATIONS_FR[orientation]}"
        path = out_dir / f"{stem}-carte-{name}.{fmt}"
        return [render_print_map(spec, path, paper, orientation, fmt)]
    if what == "pack":
        return [
            council_pack(
                territory,
                view,
                out_dir / f"{stem}-dossier.pdf",
                reference=reference,
                mobile=mobile,
                paper=paper,
            )
        ]
    if what == "html":
        return [
            exports.export_html(
                interactive_map(territory, view, reference), out_dir / f"{stem}-carte.html"
            )
        ]
    if what == "gpkg":
        return [
            exports.export_geopackage(
                data_layers(territory, view, mobile), out_dir / f"{stem}.gpkg"
            )
        ]
    layers = data_layers(territory, view)
    if mobile is not None:
        mobile.schedule_csv(out_dir / f"{stem}-tournees.csv")
    # « outside_label » only repeats « Hors du département » (oui/non) as « hors Sarthe ».
    site_drop = ("lon", "lat", "opening_hours_json", "outside_label")
    written = [
        exports.export_csv_fr(csv_table(layers["communes"]), out_dir / f"{stem}-communes.csv"),
        exports.export_csv_fr(
            csv_table(layers["sites_ouverts"], site_drop), out_dir / f"{stem}-sites.csv"
        ),
        exports.export_csv_fr(csv_table(view.diagnosis.by_epci), out_dir / f"{stem}-epci.csv"),
        exports.export_csv_fr(
            csv_table(view.diagnosis.zones, ("code_insee",)),
            out_dir / f"{stem}-zones.csv",
        ),
    ]
    scenario_json = out_dir / f"{stem}-scenario.json"
    scenario_json.write_text(dumps_strict(view.scenario.to_dict()), encoding="utf-8")
    if mobile is not None:
        written.append(out_dir / f"{stem}-tournees.csv")
    return [*written, scenario_json]


def export_stem(name: str) -> str:
    """File-name stem of a scenario's exports: safe, bounded and unique per name.

    The readable part is the name in lower-case ASCII words, cut to
    :data:`geo.defaults.EXPORT_STEM_MAX_CHARS`; a short hash of the exact name follows,
    so « Plan A » and « plan-a » never overwrite each other's files.
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    readable = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
    readable = readable[:EXPORT_STEM_MAX_CHARS].strip("-") or "scenario"
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{readable}-{digest}"
