"""Input checks of a placement run: every problem listed in one French error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equity.placement import PlacementInfeasible, PlacementSettings, solve_placement
from equity.placement.problem import prepare_instance
from geo import defaults


def small_inputs():
    times = pd.DataFrame(
        [[5.0, 12.0, 30.0], [25.0, 8.0, np.nan]],
        index=["d0", "d1"],
        columns=["e0", "c0", "c1"],
    )
    weight = pd.Series([100.0, 50.0], index=times.index)
    population = pd.Series([80.0, 40.0], index=times.index)
    existing = pd.Series([2], index=["e0"])
    group = pd.Series(["g0", "g0", "g1"], index=times.columns)
    return times, weight, population, existing, group


def test_instance_holds_the_validated_arrays():
    times, weight, population, existing, group = small_inputs()
    inst = prepare_instance(
        times, weight, population, existing, group, PlacementSettings(k=1, forced=("c1",))
    )
    assert inst.site_ids == ["e0", "c0", "c1"]
    assert inst.existing.tolist() == [0]
    assert inst.candidates.tolist() == [1, 2]
    assert inst.forced.tolist() == [1]
    assert np.isinf(inst.times[1, 2])
    assert inst.cand_group == ["g0", "g1"]
    # Capacity is a fixed number of persons per advisor, not total need ÷ advisors
    # (which made the headline move with the number of new advisors).
    assert inst.capacity_per_advisor() == defaults.CAPACITY_PERSONS_PER_ADVISOR == 600.0
    assert prepare_instance(
        times, weight, population, existing, group, PlacementSettings(k=5, forced=("c1",))
    ).capacity_per_advisor() == pytest.approx(600.0)


def test_bad_data_lists_every_problem_in_one_error():
    times, weight, population, existing, group = small_inputs()
    times.iloc[0, 1] = -1.0
    weight = weight.drop("d1")
    population.iloc[0] = np.nan
    existing = pd.Series([0, 1], index=["e0", "zz"])
    with pytest.raises(ValueError) as err:
        solve_placement(
            times, weight, population, existing, group, PlacementSettings(k=-1, objective="x")
        )
    message = str(err.value)
    assert not isinstance(err.value, PlacementInfeasible)
    for fragment in (
        "Objectif inconnu « x »",
        "k doit être ≥ 0",
        "valeurs négatives",
        "Poids (besoin) : valeur absente pour 1 point(s) de demande.",
        "Population : valeurs manquantes ou négatives.",
        "Sites existants absents de la matrice : zz.",
        "Le nombre de conseillers des sites existants doit être > 0.",
    ):
        assert fragment in message


def test_conflicting_constraints_are_listed_together():
    times, weight, population, existing, group = small_inputs()
    # A site model: the capacity model could give both advisors to the one candidate.
    settings = PlacementSettings(
        k=2,
        objective="coverage",
        forced=("c0", "e0"),
        excluded=("c0",),
        max_per_group={"g0": 0},
    )
    with pytest.raises(PlacementInfeasible) as err:
        prepare_instance(times, weight, population, existing, group, settings)
    message = str(err.value)
    assert message.startswith("Placement impossible : ")
    assert "à la fois imposé(s) et exclu(s) : c0" in message
    assert "inconnu(s) ou déjà existant(s) : e0" in message
    assert "2 nouveaux sites demandés pour 1 sites candidats disponibles" in message
    assert "EPCI « g0 » : 2 sites imposés > maximum 0" in message
