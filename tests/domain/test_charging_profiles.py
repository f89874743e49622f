"""The version-neutral charging profile: what it accepts, and every rule that refuses a bad one by name."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chargegrid.domain.charging_profiles import (
    ChargingProfile,
    ProfileRefused,
    Purpose,
    RateUnit,
    check_placement,
    check_unit,
    rate_units_from_text,
)


def profile(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": 7,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "startSchedule": "2030-01-31T18:00:00Z",
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}, {"startPeriod": 60, "limit": 10}],
        },
    }
    data.update(changes)
    return data


def schedule(**changes: Any) -> dict[str, Any]:
    return {**profile()["chargingSchedule"], **changes}


def test_a_good_profile_round_trips_as_camel_case_json() -> None:
    model = ChargingProfile.model_validate(profile())
    assert model.to_json()["chargingSchedule"][0]["chargingSchedulePeriod"][1] == {
        "startPeriod": 60,
        "limit": 10,
    }
    assert ChargingProfile.model_validate(model.to_json()) == model


def test_the_1_6_purpose_name_is_the_same_purpose() -> None:
    model = ChargingProfile.model_validate(profile(chargingProfilePurpose="ChargePointMaxProfile"))
    assert model.charging_profile_purpose is Purpose.ChargingStationMaxProfile


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        (
            {"chargingSchedule": schedule(chargingSchedulePeriod=[{"startPeriod": 5, "limit": 1}])},
            "startPeriod 0",
        ),
        (
            {
                "chargingSchedule": schedule(
                    chargingSchedulePeriod=[{"startPeriod": 0, "limit": 1}, {"startPeriod": 0, "limit": 2}]
                )
            },
            "increasing startPeriod",
        ),
        ({"chargingSchedule": schedule(chargingSchedulePeriod=[{"startPeriod": 0, "limit": -1}])}, "limit"),
        ({"chargingSchedule": schedule(chargingRateUnit="kW")}, "chargingRateUnit"),
        ({"chargingSchedule": schedule(minChargingRate=-2)}, "minChargingRate"),
        (
            {
                "chargingSchedule": schedule(
                    chargingSchedulePeriod=[{"startPeriod": 0, "limit": 6, "phaseToUse": 2}]
                )
            },
            "phaseToUse",
        ),
        ({"chargingProfileKind": "Recurring"}, "recurrencyKind"),
        ({"chargingProfileKind": "Relative"}, "startSchedule"),
        ({"chargingSchedule": schedule(startSchedule=None)}, "startSchedule"),
        ({"validFrom": "2030-02-01T00:00:00Z", "validTo": "2030-01-01T00:00:00Z"}, "validTo"),
        ({"transactionId": 3}, "transactionId"),
        ({"stackLevel": -1}, "stackLevel"),
        ({"chargingProfilePurpose": "Whatever"}, "chargingProfilePurpose"),
        ({"chargingSchedule": []}, "chargingSchedule"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_profiles_are_refused_naming_the_field(changes: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ChargingProfile.model_validate(profile(**changes))
    assert named in str(caught.value)


def test_placement_rules() -> None:
    tx = ChargingProfile.model_validate(profile(chargingProfilePurpose="TxProfile"))
    with pytest.raises(ProfileRefused, match="transactionId: a TxProfile needs a running transaction"):
        check_placement(tx, 1)
    check_placement(tx, 1, with_remote_start=True)
    with_tx = ChargingProfile.model_validate(profile(chargingProfilePurpose="TxProfile", transactionId=4))
    check_placement(with_tx, 1)
    with pytest.raises(ProfileRefused, match="connectorId"):
        check_placement(with_tx, 0)
    with pytest.raises(ProfileRefused, match="transactionId"):
        check_placement(with_tx, 1, with_remote_start=True)
    station = ChargingProfile.model_validate(profile(chargingProfilePurpose="ChargingStationMaxProfile"))
    check_placement(station, 0)
    with pytest.raises(ProfileRefused, match="connectorId"):
        check_placement(station, 2)
    external = ChargingProfile.model_validate(
        profile(chargingProfilePurpose="ChargingStationExternalConstraints")
    )
    with pytest.raises(ProfileRefused, match="can only read"):
        check_placement(external, 0)


def test_units_the_charger_supports() -> None:
    assert rate_units_from_text("Current") == {RateUnit.A}
    assert rate_units_from_text("Current,Power") == {RateUnit.A, RateUnit.W}
    assert rate_units_from_text("A, W") == {RateUnit.A, RateUnit.W}
    amps = ChargingProfile.model_validate(profile())
    check_unit(amps, None)
    check_unit(amps, frozenset({RateUnit.A}))
    with pytest.raises(ProfileRefused, match=r"chargingSchedule\.chargingRateUnit: this charger supports W"):
        check_unit(amps, frozenset({RateUnit.W}))
