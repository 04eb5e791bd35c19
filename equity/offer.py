"""The existing offer: which sites count as help, and how much help each gives.

The choice is the user's and is carried into every result (:meth:`Offer.describe_fr`).
By default only the conseiller numérique permanences count, with their advisor
counts; France services (general digital help, not advisors), libraries with public
internet, data·inclusion structures and user-added sites can be switched in. A
site without a known number of advisors counts as one advisor-equivalent in
capacity-aware measures.

Services of neighbouring départements within :data:`geo.defaults.BORDER_KM` of the
border are part of the territory's sites (``outside_territory`` True, ``outside_label``
« hors <département> »); they count in accessibility with the share of their capacity
that serves the territory (``territory_share``), never in the territory's own advisors.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.defaults import OFFER_TYPES
from geo.formatting import format_number_fr, plural_fr
from geo.sites import SITE_TYPES

__all__ = [
    "DEFAULT_OFFER_TYPES",
    "UNKNOWN_ADVISORS_EQUIVALENT",
    "Offer",
    "select_offer",
]

DEFAULT_OFFER_TYPES: tuple[str, ...] = OFFER_TYPES
#: Advisor-equivalents given to a site whose advisor count is unknown.
UNKNOWN_ADVISORS_EQUIVALENT = 1.0


@dataclass(frozen=True)
class Offer:
    """Sites counted as existing help.

    Attributes
    ----------
    sites : geopandas.GeoDataFrame
        The selected sites, indexed by ``site_id``, with ``advisors`` (known count,
        or :data:`UNKNOWN_ADVISORS_EQUIVALENT`).
    site_types : tuple of str
        Site types included.
    libraries_with_internet_only : bool
        Whether libraries without public internet were left out.
    """

    sites: gpd.GeoDataFrame
    site_types: tuple[str, ...]
    libraries_with_internet_only: bool = True

    @property
    def outside(self) -> pd.Series:
        """True for the sites across the border."""
        return self.sites["outside_territory"].astype(bool)

    @property
    def n_advisors(self) -> float:
        """Advisors of the territory's own sites (the border's are not the territory's)."""
        return float(self.sites.loc[~self.outside, "advisors"].sum())

    @property
    def n_advisors_outside(self) -> float:
        """Advisors of the sites across the border that count in accessibility."""
        return float(self.sites.loc[self.outside, "advisors"].sum())

    @property
    def counted_advisors(self) -> pd.Series:
        """Advisors per site counted for the territory (a border site's shared part)."""
        return (self.sites["advisors"] * self.sites["territory_share"]).rename("advisors")

    def describe_fr(self) -> str:
        """French one-liner naming what counts as existing help."""
        counts = self.sites.loc[~self.outside, "site_type"].value_counts()
        parts = [f"{SITE_TYPES.get(t, t)} ({counts.get(t, 0)})" for t in self.site_types]
        text = "Offre existante : " + ", ".join(parts)
        if self.outside.any():
            label = self.sites.loc[self.outside, "outside_label"].iloc[0]
            n_out, advisors = int(self.outside.sum()), self.n_advisors_outside
            text += (
                f", plus {n_out} {plural_fr(n_out, 'lieu')} {label} "
                f"({format_number_fr(advisors)} {plural_fr(advisors, 'conseiller')}, capacité "
                "partagée avec leur département)"
            )
        known = self.sites["n_advisors"].astype(float).fillna(0) > 0
        if not known.all():
            n_unknown = int((~known).sum())
            counted = plural_fr(
                n_unknown, "lieu sans conseiller compté", "lieux sans conseiller comptés"
            )
            text += f" ; {n_unknown} {counted} chacun pour un équivalent conseiller"
        return text

    def per_advisor_help_fr(self) -> str:
        """What « Habitants par conseiller » divides by, for the metric's help.

        Places without a known advisor (France services, town halls…) count for one
        advisor each, so adding them to the offer lowers the figure.
        """
        text = (
            f"Population ÷ {format_number_fr(self.n_advisors)} conseillers des lieux comptés "
            "du territoire"
        )
        own = self.sites.loc[~self.outside]
        unknown = int((own["n_advisors"].astype(float).fillna(0) <= 0).sum())
        if unknown:
            counted = plural_fr(
                unknown,
                "lieu sans conseiller connu compté",
                "lieux sans conseiller connu comptés chacun",
            )
            text += f", dont {unknown} {counted} pour un"
        return text + "."

    def to_dict(self) -> dict[str, object]:
        return {
            "site_types": list(self.site_types),
            "n_sites": len(self.sites),
            "n_advisors": self.n_advisors,
            "n_sites_outside": int(self.outside.sum()),
            "n_advisors_outside": self.n_advisors_outside,
            "libraries_with_internet_only": self.libraries_with_internet_only,
            "description": self.describe_fr(),
        }


def select_offer(
    sites: gpd.GeoDataFrame,
    site_types: tuple[str, ...] = DEFAULT_OFFER_TYPES,
    libraries_with_internet_only: bool = True,
    removed: tuple[str, ...] = (),
) -> Offer:
    """Select the sites that count as existing help.

    Parameters
    ----------
    sites : geopandas.GeoDataFrame
        The territory's sites (``site_id``, ``site_type``, ``n_advisors``...).
    site_types : tuple of str
        Types that count (keys of :data:`geo.sites.SITE_TYPES`).
    libraries_with_internet_only : bool
        Keep only libraries with public internet (Wi-Fi) when libraries count, unless
        an advisor is placed there.
    removed : tuple of str
        Site ids taken out (e.g. a post whose funding stops).

    Raises
    ------
    ValueError
        Unknown site type, or no site left.
    """
    unknown = [t for t in site_types if t not in SITE_TYPES]
    if unknown:
        raise ValueError(
            f"Type(s) de lieu inconnu(s) : {', '.join(unknown)} ; "
            f"types possibles : {', '.join(SITE_TYPES)}."
        )
    chosen = sites[sites["site_type"].isin(site_types) & ~sites["site_id"].isin(removed)]
    if libraries_with_internet_only:
        has_internet = chosen["public_internet"].map(lambda v: v is True or v == 1)
        # A library where an advisor is placed counts, internet access or not.
        staffed = chosen["n_advisors"].astype(float).fillna(0) > 0
        no_internet = (chosen["site_type"] == "library") & ~has_internet.astype(bool) & ~staffed
        chosen = chosen[~no_internet]
    if chosen.empty:
        raise ValueError("Aucun lieu ne compte comme offre existante avec ces choix.")
    chosen = chosen.set_index("site_id", drop=False)
    chosen.index.name = None
    advisors = chosen["n_advisors"].astype(float)
    # Site tables made before the border offer (or by a scenario) lack the border columns.
    defaults = {"outside_territory": False, "territory_share": 1.0, "outside_label": None}
    missing = {k: v for k, v in defaults.items() if k not in chosen}
    chosen = chosen.assign(**missing)
    chosen = chosen.assign(
        advisors=np.where(advisors.notna() & (advisors > 0), advisors, UNKNOWN_ADVISORS_EQUIVALENT),
        outside_territory=chosen["outside_territory"].fillna(False).astype(bool),
        territory_share=chosen["territory_share"].astype(float).fillna(1.0),
    )
    return Offer(chosen, tuple(site_types), libraries_with_internet_only)
