"""The configuration rules on their own: connectors, settings waiting for a push, stale push results."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chargegrid.domain import station_config as sc

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def test_configure_updates_the_evse_of_the_same_number_or_adds_one() -> None:
    configuration = sc.register_configuration(
        None, [{"evseId": 2, "connectors": [{"maxAmp": 32, "connectorType": "TESLA", "phase": 3}]}]
    )
    updated = sc.configure_connectors(
        configuration,
        [{"connectorId": 2, "maxAmp": 16}, {"connectorId": 1, "connectorType": "Type2", "maxAmp": 11}],
    )
    assert updated["evses"] == [
        {"evseId": 1, "connectors": [{"connectorType": "Type2", "maxAmp": 11}]},
        {"evseId": 2, "connectors": [{"maxAmp": 16, "connectorType": "TESLA", "phase": 3}]},
    ]
    assert configuration["evses"][0]["connectors"][0]["maxAmp"] == 32  # the input is not changed
    assert sc.connector_ids(updated) == [1, 2]
    with pytest.raises(ValueError, match="connectorId 0"):
        sc.configure_connectors(updated, [{"connectorId": 0}])


def test_register_without_evses_keeps_the_configured_ones() -> None:
    configuration = {"evses": [{"evseId": 1, "connectors": []}]}
    assert sc.register_configuration(configuration, None) == configuration


def test_a_setting_waits_until_its_push_is_answered_for_the_current_value() -> None:
    settings, results = sc.add_settings(None, None, {"A": "1", "B": "true"}, NOW)
    assert sc.settings_to_push(settings, results) == {"A": "1", "B": "true"}
    results = sc.record_setting_result(settings, results, "A", "1", sc.ACCEPTED, NOW) or results
    assert sc.settings_to_push(settings, results) == {"B": "true"}
    # The operator changes B while its old value is on the way: that answer must not count.
    settings, results = sc.add_settings(settings, results, {"B": "false"}, NOW)
    assert sc.record_setting_result(settings, results, "B", "true", sc.ACCEPTED, NOW) is None
    assert sc.settings_to_push(settings, results) == {"B": "false"}


def test_station_answers_map_to_four_outcomes() -> None:
    assert sc.setting_outcome("RebootRequired") == sc.REBOOT_REQUIRED
    assert sc.setting_outcome("UnknownVariable") == sc.NOT_SUPPORTED
    assert sc.setting_outcome("Weird") == sc.REJECTED
    assert sc.setting_value(True) == "true" and sc.setting_value(30) == "30"
