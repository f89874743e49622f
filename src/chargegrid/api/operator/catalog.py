"""Every command name the operator API accepts, with its payload model and handler."""

from __future__ import annotations

from chargegrid.api.operator import motown_commands as motown
from chargegrid.api.operator import payloads as p
from chargegrid.api.operator import seed_commands as seed
from chargegrid.api.operator.context import Spec

COMMANDS: dict[str, Spec] = {
    # The seed's four.
    "Register": Spec(p.Register, seed.register, creates_station=True, needs_accepted=False),
    "Configure": Spec(p.Configure, seed.configure),
    "StopTransaction": Spec(p.StopTransaction, seed.stop_transaction),
    "UnlockConnector": Spec(p.UnlockConnector, seed.unlock_connector),
    # Motown's current names and additions.
    "AcceptChargingStation": Spec(p.Empty, seed.accept_charging_station, needs_accepted=False),
    "RequestStartTransaction": Spec(p.RequestStartTransaction, motown.start_transaction),
    "RequestStopTransaction": Spec(p.RequestStopTransaction, seed.request_stop_transaction),
    "RequestUnlockEvse": Spec(p.RequestUnlockEvse, seed.unlock_evse),
    "RequestResetChargingStation": Spec(p.RequestResetChargingStation, motown.reset),
    "RequestChangeAvailability": Spec(p.RequestChangeAvailability, motown.change_availability),
    "RequestChangeConfigurationItem": Spec(
        p.RequestChangeConfigurationItem, motown.change_configuration_item
    ),
    "RequestConfigurationItems": Spec(p.RequestConfigurationItems, motown.configuration_items),
    "RequestDataTransfer": Spec(p.RequestDataTransfer, motown.data_transfer),
    "RequestDiagnostics": Spec(p.RequestDiagnostics, motown.diagnostics),
    "RequestFirmwareUpdate": Spec(p.RequestFirmwareUpdate, motown.firmware_update),
    "RequestClearCache": Spec(p.Empty, motown.clear_cache),
    "RequestAuthorizationListVersion": Spec(p.Empty, motown.authorization_list_version),
    "RequestSendAuthorizationList": Spec(p.RequestSendAuthorizationList, motown.send_authorization_list),
    "RequestReserveNow": Spec(p.RequestReserveNow, motown.reserve_now),
    "RequestCancelReservation": Spec(p.RequestCancelReservation, motown.cancel_reservation),
    "UpdateChargingStationReservable": Spec(p.UpdateChargingStationReservable, motown.reservable),
    "PlaceChargingStation": Spec(p.Location, motown.place),
    "MoveChargingStation": Spec(p.Location, motown.place),
    "ImproveChargingStationLocation": Spec(p.Location, motown.improve_location),
    "SetChargingStationOpeningTimes": Spec(p.OpeningTimes, motown.set_opening_times),
    "AddChargingStationOpeningTimes": Spec(p.OpeningTimes, motown.add_opening_times),
}
