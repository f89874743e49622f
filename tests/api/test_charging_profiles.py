"""Charging profiles end to end: version-neutral JSON in, each version's shape on the wire of real
`ocpp`-library chargers (1.6 and 2.0.1), the store of installed/reported profiles, every clear variant."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.api.helpers import is16, now, start_transaction
from tests.support.chargers import connected
from tests.support.server import RunningServer


# The store's queries run on both databases in the two tests marked BOTH_DATABASES; the rest (wire
# shapes) on SQLite only, which keeps this file well under a minute.
@pytest.fixture
def db_kind() -> str:
    return "sqlite"


BOTH_DATABASES = pytest.mark.parametrize("db_kind", ["sqlite", "postgresql"])

SCHEDULE = {
    "startSchedule": "2030-01-28T00:00:00Z",
    "duration": 86400,
    "chargingRateUnit": "A",
    "chargingSchedulePeriod": [
        {"startPeriod": 0, "limit": 16, "numberPhases": 3},
        {"startPeriod": 3600, "limit": 8.5},
    ],
    "minChargingRate": 6,
}
TX_DEFAULT = {
    "id": 11,
    "stackLevel": 1,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Recurring",
    "recurrencyKind": "Weekly",
    "validFrom": "2030-01-01T00:00:00Z",
    "validTo": "2031-01-01T00:00:00Z",
    "chargingSchedule": SCHEDULE,
}
STATION_MAX = {
    "id": 12,
    "stackLevel": 0,
    "chargingProfilePurpose": "ChargingStationMaxProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": {
        "startSchedule": "2030-01-28T00:00:00Z",
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 22000}],
    },
}
TX_RELATIVE = {
    "id": 13,
    "stackLevel": 2,
    "chargingProfilePurpose": "TxProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10}],
    },
}


def wire_profile(charger: Any) -> tuple[int, dict[str, Any]]:
    wire = charger.rec.last("SetChargingProfile")
    if is16(charger):
        return wire["connector_id"], wire["cs_charging_profiles"]
    return wire["evse_id"], wire["charging_profile"]


async def stop_transaction(charger: Any, tx: int | str) -> None:
    if is16(charger):
        await charger.call(call16.StopTransaction(meter_stop=2000, timestamp=now(), transaction_id=tx))
        return
    await charger.call(
        call201.TransactionEvent(
            event_type="Ended",
            timestamp=now(),
            trigger_reason="StopAuthorized",
            seq_no=1,
            transaction_info={"transaction_id": tx, "stopped_reason": "Local"},
            evse={"id": 1, "connector_id": 1},
        )
    )


@BOTH_DATABASES
async def test_profiles_of_every_purpose_and_kind_on_the_wire(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        answer = await api.post("/API/ChargingProfiles/CP1/1", json=TX_DEFAULT)
        assert answer.json() == {"status": "Accepted", "chargingProfileId": 11}
        connector, profile = wire_profile(charger)
        assert connector == 1
        assert profile["stack_level"] == 1
        assert profile["charging_profile_purpose"] == "TxDefaultProfile"
        assert profile["charging_profile_kind"] == "Recurring"
        assert profile["recurrency_kind"] == "Weekly"
        assert profile["valid_from"].startswith("2030-01-01T00:00:00")
        assert profile["valid_to"].startswith("2031-01-01T00:00:00")
        schedule = profile["charging_schedule"] if is16(charger) else profile["charging_schedule"][0]
        assert schedule["start_schedule"].startswith("2030-01-28T00:00:00")
        assert schedule["duration"] == 86400
        assert schedule["charging_rate_unit"] == "A"
        assert schedule["min_charging_rate"] == 6
        assert schedule["charging_schedule_period"] == [
            {"start_period": 0, "limit": 16, "number_phases": 3},
            {"start_period": 3600, "limit": 8.5},
        ]
        if is16(charger):
            assert profile["charging_profile_id"] == 11
        else:
            assert profile["id"] == 11 and schedule["id"] == 1

        assert (await api.post("/API/ChargingProfiles/CP1/0", json=STATION_MAX)).json()[
            "status"
        ] == "Accepted"
        connector, profile = wire_profile(charger)
        assert connector == 0
        expected = "ChargePointMaxProfile" if is16(charger) else "ChargingStationMaxProfile"
        assert profile["charging_profile_purpose"] == expected
        assert profile["charging_profile_kind"] == "Absolute"

        # A second profile with the same purpose and stack level on the connector replaces the first.
        replacing = {**TX_DEFAULT, "id": 14}
        assert (await api.post("/API/ChargingProfiles/CP1/1", json=replacing)).json()["status"] == "Accepted"
        listed = (await api.get("/API/ChargingProfiles/CP1")).json()
        assert [(p["connectorId"], p["chargingProfile"]["id"]) for p in listed["installed"]] == [
            (0, 12),
            (1, 14),
        ]
        assert listed["installed"][1]["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][
            1
        ] == {
            "startPeriod": 3600,
            "limit": 8.5,
        }

        # A rejected profile is not recorded as installed.
        charger.rec.answers["SetChargingProfile"] = "Rejected"
        rejected = await api.post("/API/ChargingProfiles/CP1/2", json={**TX_DEFAULT, "id": 15})
        assert rejected.json()["status"] == "Rejected"
        listed = (await api.get("/API/ChargingProfiles/CP1")).json()
        assert [p["chargingProfile"]["id"] for p in listed["installed"]] == [12, 14]


async def test_bad_profiles_are_400_naming_the_field_and_nothing_is_sent(
    server: RunningServer, charger: Any
) -> None:
    bad_periods = {
        **SCHEDULE,
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 5}, {"startPeriod": 0, "limit": 6}],
    }
    cases = [
        ({**TX_DEFAULT, "chargingSchedule": bad_periods}, "increasing startPeriod"),
        (
            {
                **TX_DEFAULT,
                "chargingSchedule": {**SCHEDULE, "chargingSchedulePeriod": [{"startPeriod": 0, "limit": -1}]},
            },
            "limit",
        ),
        ({**TX_DEFAULT, "chargingSchedule": {**SCHEDULE, "chargingRateUnit": "kW"}}, "chargingRateUnit"),
        (TX_RELATIVE, "transactionId"),  # a TxProfile needs a running transaction
        ({**STATION_MAX}, "connectorId"),  # station-wide profile on connector 1
        ({**TX_DEFAULT, "stackLevel": -1}, "stackLevel"),
    ]
    async with server.api() as api:
        for body, field in cases:
            answer = await api.post("/API/ChargingProfiles/CP1/1", json=body)
            assert answer.status_code == 400, (body, answer.text)
            assert field in answer.json()["detail"], answer.json()
        assert (await api.post("/API/ChargingProfiles/CP1/x", json=TX_DEFAULT)).status_code == 400
        assert (await api.post("/API/ChargingProfiles/CP1/1", content=b"{nope")).status_code == 400
    assert charger.rec.received == []


async def test_a_unit_the_charger_does_not_support_is_refused(server: RunningServer, charger: Any) -> None:
    key = "ChargingScheduleAllowedChargingRateUnit" if is16(charger) else "SmartChargingCtrlr.RateUnit"
    if is16(charger):
        charger.config = {**charger.config, key: "Current"}
    else:
        charger.variables = {**charger.variables, key: "A"}
    async with server.api() as api:
        # Before the server knows, the charger judges.
        assert (await api.post("/API/ChargingProfiles/CP1/0", json=STATION_MAX)).json()[
            "status"
        ] == "Accepted"
        assert (await api.get(f"/API/GetConfiguration/CP1/{key}")).status_code == 200
        sent = len(charger.rec.received)
        answer = await api.post("/API/ChargingProfiles/CP1/0", json=STATION_MAX)
        assert answer.status_code == 400
        assert answer.json()["field"] == "chargingSchedule.chargingRateUnit"
        assert "supports A" in answer.json()["detail"]
        assert len(charger.rec.received) == sent
        assert (await api.post("/API/ChargingProfiles/CP1/1", json=TX_DEFAULT)).json()["status"] == "Accepted"


async def test_tx_profile_for_the_running_transaction(server: RunningServer, charger: Any) -> None:
    await server.add_tag("TAG1")
    tx = await start_transaction(charger, 1, "TAG1")
    async with server.api() as api:
        answer = await api.post("/API/ChargingProfiles/CP1/1", json=TX_RELATIVE)
        assert answer.json()["status"] == "Accepted", answer.text
        _, profile = wire_profile(charger)
        assert profile["transaction_id"] == tx  # 1.6: our id; 2.x: the station's own
        assert profile["charging_profile_kind"] == "Relative"
        schedule = profile["charging_schedule"] if is16(charger) else profile["charging_schedule"][0]
        assert "start_schedule" not in schedule
        installed = (await api.get("/API/ChargingProfiles/CP1")).json()["installed"]
        assert [p["chargingProfile"]["chargingProfilePurpose"] for p in installed] == ["TxProfile"]
        wrong = await api.post("/API/ChargingProfiles/CP1/1", json={**TX_RELATIVE, "transactionId": 999})
        assert wrong.status_code == 400 and "transactionId" in wrong.json()["detail"]

        await stop_transaction(charger, tx)
        # The TxProfile ended with its transaction.
        for _ in range(50):
            if not (await api.get("/API/ChargingProfiles/CP1")).json()["installed"]:
                break
            await asyncio.sleep(0.05)
        assert (await api.get("/API/ChargingProfiles/CP1")).json()["installed"] == []


async def test_remote_start_with_a_tx_profile(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        answer = await api.post(
            "/API/RemoteStartTransaction/CP1/1/TAG1", json={"chargingProfile": TX_RELATIVE}
        )
        assert answer.json() == {"status": "Accepted"}
        action = "RemoteStartTransaction" if is16(charger) else "RequestStartTransaction"
        profile = charger.rec.last(action)["charging_profile"]
        assert profile["charging_profile_purpose"] == "TxProfile"
        assert "transaction_id" not in profile
        refused = await api.post(
            "/API/RemoteStartTransaction/CP1/1/TAG1", json={"chargingProfile": TX_DEFAULT}
        )
        assert refused.status_code == 400 and "chargingProfilePurpose" in refused.json()["detail"]
        # Without a body it is the seed's plain remote start.
        assert (await api.post("/API/RemoteStartTransaction/CP1/1/TAG1")).json() == {"status": "Accepted"}
        assert "charging_profile" not in charger.rec.last(action)


@BOTH_DATABASES
async def test_every_clear_variant_on_the_wire(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        for connector, body in ((1, TX_DEFAULT), (0, STATION_MAX), (2, {**TX_DEFAULT, "id": 21})):
            assert (await api.post(f"/API/ChargingProfiles/CP1/{connector}", json=body)).json()[
                "status"
            ] == "Accepted"

        def installed_ids(listing: dict[str, Any]) -> list[int]:
            return [p["chargingProfile"]["id"] for p in listing["installed"]]

        assert (await api.delete("/API/ChargingProfiles/CP1?id=21")).json() == {"status": "Accepted"}
        wire = charger.rec.last("ClearChargingProfile")
        assert wire == ({"id": 21} if is16(charger) else {"charging_profile_id": 21})
        assert installed_ids((await api.get("/API/ChargingProfiles/CP1")).json()) == [12, 11]

        answer = await api.delete(
            "/API/ChargingProfiles/CP1?connector=1&purpose=TxDefaultProfile&stackLevel=1"
        )
        assert answer.json() == {"status": "Accepted"}
        wire = charger.rec.last("ClearChargingProfile")
        criteria = {"charging_profile_purpose": "TxDefaultProfile", "stack_level": 1}
        if is16(charger):
            assert wire == {"connector_id": 1, **criteria}
        else:
            assert wire == {"charging_profile_criteria": {"evse_id": 1, **criteria}}
        assert installed_ids((await api.get("/API/ChargingProfiles/CP1")).json()) == [12]

        # The 1.6 name of the station-wide purpose works on both, and goes out in the version's words.
        answer = await api.delete("/API/ChargingProfiles/CP1?purpose=ChargePointMaxProfile")
        assert answer.json() == {"status": "Accepted"}
        wire = charger.rec.last("ClearChargingProfile")
        if is16(charger):
            assert wire == {"charging_profile_purpose": "ChargePointMaxProfile"}
        else:
            assert wire == {
                "charging_profile_criteria": {"charging_profile_purpose": "ChargingStationMaxProfile"}
            }
        assert installed_ids((await api.get("/API/ChargingProfiles/CP1")).json()) == []

        charger.rec.answers["ClearChargingProfile"] = "Unknown"
        assert (await api.delete("/API/ChargingProfiles/CP1")).json() == {"status": "Unknown"}
        assert charger.rec.last("ClearChargingProfile") == {}

        for query in ("purpose=Nope", "id=-1", "stackLevel=x", "purpose=ChargingStationExternalConstraints"):
            assert (await api.delete(f"/API/ChargingProfiles/CP1?{query}")).status_code == 400, query


async def test_set_and_clear_limit_are_profiles_the_server_keeps(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        assert (await api.get("/API/SetChargingLimit/CP1/1/16A")).json() == {"status": "Accepted"}
        installed = (await api.get("/API/ChargingProfiles/CP1")).json()["installed"]
        assert installed[0]["connectorId"] == 1
        profile = installed[0]["chargingProfile"]
        assert profile["id"] == 9001 and profile["chargingProfilePurpose"] == "TxDefaultProfile"
        assert profile["chargingSchedule"][0]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 16.0}]
        assert (await api.get("/API/ClearChargingLimit/CP1/1")).json() == {"status": "Accepted"}
        assert (await api.get("/API/ChargingProfiles/CP1")).json()["installed"] == []


async def test_composite_schedule(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        answer = await api.get("/API/CompositeSchedule/CP1/1?duration=600&unit=A")
        assert answer.json()["status"] == "Accepted"
        wire = charger.rec.last("GetCompositeSchedule")
        key = "connector_id" if is16(charger) else "evse_id"
        assert wire == {key: 1, "duration": 600, "charging_rate_unit": "A"}
        assert (await api.get("/API/CompositeSchedule/CP1/1?unit=kW")).status_code == 400


async def test_what_a_2x_station_reports(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        if is16(charger):
            refused = await api.get("/API/ChargingProfiles/CP1?refresh=true")
            assert refused.status_code == 400 and "2.x only" in refused.json()["detail"]
            return
        charger.reported_profiles = [
            (
                1,
                {
                    "id": 77,
                    "stack_level": 0,
                    "charging_profile_purpose": "TxDefaultProfile",
                    "charging_profile_kind": "Absolute",
                    "charging_schedule": [
                        {
                            "id": 1,
                            "start_schedule": "2030-01-01T00:00:00Z",
                            "charging_rate_unit": "W",
                            "charging_schedule_period": [{"start_period": 0, "limit": 7000}],
                        }
                    ],
                },
            ),
            (
                0,
                {
                    "id": 78,
                    "stack_level": 0,
                    "charging_profile_purpose": "ChargingStationMaxProfile",
                    "charging_profile_kind": "Relative",
                    "charging_schedule": [
                        {
                            "id": 1,
                            "charging_rate_unit": "A",
                            "charging_schedule_period": [{"start_period": 0, "limit": 32}],
                        }
                    ],
                },
            ),
        ]
        listing = (await api.get("/API/ChargingProfiles/CP1?refresh=true")).json()
        assert listing["refresh"] == "Accepted"
        assert charger.rec.last("GetChargingProfiles")["charging_profile"] == {}
        reported = sorted(
            (p["connectorId"], p["chargingProfile"]["id"], p["chargingLimitSource"])
            for p in listing["reported"]
        )
        assert reported == [(0, 78, "CSO"), (1, 77, "CSO")]
        assert listing["installed"] == []
        # A newer request's report replaces the older one.
        charger.reported_profiles = charger.reported_profiles[:1]
        listing = (await api.get("/API/ChargingProfiles/CP1?refresh=true")).json()
        assert [p["chargingProfile"]["id"] for p in listing["reported"]] == [77]
        charger.reported_profiles = []
        listing = (await api.get("/API/ChargingProfiles/CP1?refresh=true")).json()
        assert listing["refresh"] == "NoProfiles"


async def test_profiles_are_resent_after_a_reboot_that_lost_them(
    server: RunningServer, protocol: str
) -> None:
    await server.add_charge_point("CP1")
    async with connected(server, "CP1", protocol) as charger, server.api() as api:
        assert (await api.post("/API/ChargingProfiles/CP1/1", json=TX_DEFAULT)).json()["status"] == "Accepted"
        assert (await api.post("/API/ChargingProfiles/CP1/0", json=STATION_MAX)).json()[
            "status"
        ] == "Accepted"
    async with connected(server, "CP1", protocol) as charger:  # a new connection and boot: a reboot
        await server.wait_for(lambda: charger.rec.actions().count("SetChargingProfile") >= 2)
        ids = sorted(
            (p.get("charging_profile_id") or p.get("id"))
            for p in (
                (payload.get("cs_charging_profiles") or payload.get("charging_profile"))
                for action, payload in charger.rec.received
                if action == "SetChargingProfile"
            )
        )
        assert ids == [11, 12]
        if not is16(charger):
            assert charger.rec.actions()[0] == "GetChargingProfiles"  # asked first: it answered NoProfiles
    if protocol == "ocpp2.0.1":
        # A 2.x station that kept them (it reports profiles) gets nothing re-sent.
        kept = {
            "id": 11,
            "stack_level": 1,
            "charging_profile_purpose": "TxDefaultProfile",
            "charging_profile_kind": "Relative",
            "charging_schedule": [
                {
                    "id": 1,
                    "charging_rate_unit": "A",
                    "charging_schedule_period": [{"start_period": 0, "limit": 16}],
                }
            ],
        }
        async with connected(server, "CP1", protocol, boot=False) as charger:
            charger.reported_profiles = [(1, kept)]
            await charger.boot()
            await server.wait_for(lambda: "GetChargingProfiles" in charger.rec.actions())
            await asyncio.sleep(0.3)
            assert "SetChargingProfile" not in charger.rec.actions()
