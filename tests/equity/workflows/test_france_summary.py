"""The national summary: exact allocation under capacity and the Dask run."""

from __future__ import annotations

import math

import pytest

from equity.distributed import dask_client, run_on_dask
from equity.workflows import (
    DiagnoseRequest,
    InvalidRequest,
    TerritoryRequest,
    open_territory,
    run_diagnosis,
)
from equity.workflows.france import (
    FranceRequest,
    departement_summary,
    france_map,
    france_summary,
)


def test_one_departement_row_has_real_values():
    row = departement_summary("61")
    assert (row["name"], row["region"], row["population"]) == ("Orne", "Normandie", 275_201)
    # 50 advisors of the Orne's own permanences; the border offer adds its counted share.
    own = 50 * 600
    assert row["advisors"] == 50.0 and row["capacity_persons"] > own
    found = run_diagnosis(
        open_territory(TerritoryRequest(departement="61")), DiagnoseRequest()
    ).findings()
    assert row["capacity_persons"] == pytest.approx(found["capacity_persons"])
    assert row["served_persons"] == pytest.approx(found["served_persons"])
    assert row["served_persons"] <= row["capacity_persons"] + 1e-6
    assert row["unserved_persons"] == pytest.approx(row["persons_in_need"] - row["served_persons"])
    needed = 0.9 * row["persons_in_need"] - row["served_persons"]
    assert row["extra_advisors"] == max(0, math.ceil(needed / 600))


def test_summary_on_a_local_dask_cluster_matches_the_sequential_run(tmp_path):
    codes = ["61", "53", "2A"]
    progress = []
    # One in-process worker: CPython 3.11's parser is not thread-safe (ast.literal_eval
    # of opening hours in two threads at once fails), so parallel runs use processes.
    with dask_client(workers=1, processes=False) as client:
        on_dask = france_summary(
            FranceRequest(share=0.5),
            codes,
            runner=lambda task, items: run_on_dask(
                task, items, client, lambda done, total, _: progress.append((done, total))
            ),
        )
    sequential = france_summary(FranceRequest(share=0.5), codes)
    assert list(on_dask["code"]) == ["2A", "53", "61", "FR"]
    assert progress[-1] == (3, 3) and len(progress) == 3
    assert on_dask.drop(columns="travel_model").equals(sequential.drop(columns="travel_model"))
    total = on_dask.iloc[-1]
    assert total["population"] == 275_201 + 305_468 + 168_306
    assert total["advisors"] == 50 + 19 + 8
    assert total["extra_advisors"] == on_dask["extra_advisors"].iloc[:-1].sum()
    assert france_map(on_dask, tmp_path / "france.png").stat().st_size > 10_000


def test_invalid_share_is_refused_in_french():
    with pytest.raises(InvalidRequest, match="part visée"):
        FranceRequest(share=1.5)
