"""Charging profiles with the store: send, remember what each charger accepted, clear, re-send after a boot.

- `ProfileKeeper.set` checks a profile against the charger (its stored rate units, the transaction of a
  TxProfile), sends `SetChargingProfile` and answers the outcome; nothing is sent when a check fails.
- A listener on `Commands` remembers every accepted SetChargingProfile / SetLimit and forgets every
  accepted clear, whichever face sent them, and keeps the rate units a charger reports in its
  configuration (GetConfiguration of ChargingScheduleAllowedChargingRateUnit / SmartChargingCtrlr.RateUnit).
- After a boot: OCPP 1.6 and 2.0.1 both say a charger keeps its profiles across reboots, but a charger
  that lost them cannot tell a 1.6 central system. So on 1.6 the server re-sends its stored station-wide
  and TxDefault profiles after every accepted boot (the same id replaces the same profile: harmless);
  on 2.x it asks GetChargingProfiles first and re-sends only when the station answers NoProfiles.
  TxProfiles are never re-sent: their transaction ended with the reboot.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from chargegrid.domain.charging_profiles import (
    ChargingProfile,
    ProfileRefused,
    Purpose,
    check_unit,
    constant_limit_profile,
)
from chargegrid.ocpp.commands import (
    ClearChargingProfile,
    ClearLimit,
    CommandRun,
    GetChargingProfiles,
    GetConfiguration,
    Outcome,
    OutcomeStatus,
    SetChargingProfile,
    SetLimit,
    UnsupportedCommand,
)
from chargegrid.ocpp.dialects.v16 import LIMIT_PROFILE_BASE
from chargegrid.services import Services
from chargegrid.store import Db
from chargegrid.store import charging_profiles as store
from chargegrid.store import transactions as tx_store
from chargegrid.store.batched_reads import BatchedReader
from chargegrid.store.models import Transaction

log = logging.getLogger("chargegrid.smart_charging")

# Configuration keys (1.6, and 2.x as GetConfiguration names them) that list the accepted rate units.
RATE_UNIT_KEYS = ("ChargingScheduleAllowedChargingRateUnit", "SmartChargingCtrlr.RateUnit")
KEPT = (SetChargingProfile, SetLimit, ClearLimit, ClearChargingProfile, GetConfiguration)
CLEARED = (OutcomeStatus.Accepted, OutcomeStatus.Unknown)  # Unknown: the charger had none: nor do we


class ProfileKeeper:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._tasks: set[asyncio.Task[None]] = set()
        # After a boot storm every accepted charger asks at once: one query for all of them.
        self._restorable = BatchedReader(services.db, store.restorable)

    # ---- what the faces and the load manager call --------------------------------------------

    async def set(
        self, charge_point_id: str, connector: int, profile: ChargingProfile, *, actor: str | None = None
    ) -> Outcome:
        """Send `profile`; raises `ProfileRefused` (nothing sent) when the charger cannot take it."""
        charger_tx_id = None
        async with self.services.db() as db:
            check_unit(profile, await store.rate_units(db, charge_point_id))
            if profile.transaction_id is not None:
                tx = await tx_store.get(db, profile.transaction_id)
                if tx is None or tx.charge_point_id != charge_point_id or tx.stop_time is not None:
                    raise ProfileRefused(
                        "transactionId",
                        f"transaction {profile.transaction_id} is not running on {charge_point_id!r}",
                    )
                if tx.connector_id != connector:
                    raise ProfileRefused(
                        "connectorId",
                        f"transaction {tx.id} runs on connector {tx.connector_id}, not {connector}",
                    )
                charger_tx_id = tx.charger_transaction_id
        command = SetChargingProfile(
            connector=connector, profile=profile, charger_transaction_id=charger_tx_id
        )
        return await self.services.commands.execute(charge_point_id, command, actor=actor)

    async def send(
        self,
        charge_point_id: str,
        connector: int,
        profile: ChargingProfile,
        charger_transaction_id: str | None,
        *,
        actor: str | None = None,
    ) -> Outcome:
        """Send a profile the caller built and checked itself (the load manager knows its transactions)."""
        command = SetChargingProfile(
            connector=connector, profile=profile, charger_transaction_id=charger_transaction_id
        )
        return await self.services.commands.execute(charge_point_id, command, actor=actor)

    async def open_transaction(self, charge_point_id: str, connector: int) -> Transaction | None:
        async with self.services.db() as db:
            return await tx_store.open_on_connector(db, charge_point_id, connector)

    async def installed(self, charge_point_id: str) -> list[dict[str, Any]]:
        async with self.services.db() as db:
            rows = await store.listed(db, charge_point_id, store.INSTALLED)
        return [{"connectorId": r.connector, "chargingProfile": r.profile} for r in rows]

    async def reported(self, charge_point_id: str) -> list[dict[str, Any]]:
        async with self.services.db() as db:
            rows = await store.listed(db, charge_point_id, store.REPORTED)
        return [
            {
                "connectorId": r.connector,
                "chargingLimitSource": r.limit_source,
                "chargingProfile": r.profile["chargingProfile"],
                "requestId": r.profile.get("requestId"),
            }
            for r in rows
        ]

    async def reported_for(self, charge_point_id: str, request_id: int) -> list[dict[str, Any]]:
        return [r for r in await self.reported(charge_point_id) if r.get("requestId") == request_id]

    # ---- listeners ----------------------------------------------------------------------------

    async def on_command(self, run: CommandRun) -> None:
        """Keep the store in step with what chargers accepted, whoever sent the command."""
        command, outcome, cp_id = run.command, run.outcome, run.charge_point_id
        if not isinstance(command, KEPT):
            return

        async def keep(db: Db) -> None:
            if isinstance(command, SetChargingProfile) and outcome.status is OutcomeStatus.Accepted:
                await store.record_installed(db, cp_id, command.connector, command.profile)
            elif isinstance(command, SetLimit) and outcome.status is OutcomeStatus.Accepted:
                profile = constant_limit_profile(LIMIT_PROFILE_BASE + command.connector, command.limit)
                await store.record_installed(db, cp_id, command.connector, profile)
            elif isinstance(command, ClearLimit) and outcome.status in CLEARED:
                purpose = Purpose.TxDefaultProfile.value
                await store.forget_installed(
                    db, cp_id, connector=command.connector, purpose=purpose, stack_level=0
                )
            elif isinstance(command, ClearChargingProfile) and outcome.status in CLEARED:
                await store.forget_installed(
                    db,
                    cp_id,
                    profile_id=command.profile_id,
                    connector=command.connector,
                    purpose=command.purpose.value if command.purpose else None,
                    stack_level=command.stack_level,
                )
            elif isinstance(command, GetConfiguration) and outcome.status.succeeded:
                for item in outcome.payload.get("configurationKey") or []:
                    if item.get("key") in RATE_UNIT_KEYS and item.get("value"):
                        await store.set_rate_units(db, cp_id, str(item["value"]))

        # Group-committed with other chargers' writes: a site's re-allocation stores many profiles at once.
        await self.services.edge.writer.run(cp_id, keep)

    async def on_transaction_ended(self, tx: Transaction) -> None:
        async with self.services.db() as db:
            await store.forget_transaction_profiles(db, tx.charge_point_id, tx.id)
            await db.commit()

    async def on_boot(self, charge_point_id: str) -> None:
        session = self.services.registry.get(charge_point_id)
        if session is None or session.registration_status != "Accepted":
            return
        # Never from inside the boot handler: the boot answer must be on the wire before our CALLs.
        task = asyncio.create_task(self._after_boot(charge_point_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _after_boot(self, charge_point_id: str) -> None:
        try:
            await asyncio.sleep(0.05)
            keep = await self._restorable.get(charge_point_id)
            if not keep:
                return
            try:
                asked = await self.services.commands.execute(
                    charge_point_id, GetChargingProfiles(), actor="smart-charging"
                )
            except UnsupportedCommand:
                pass  # its version cannot say what it kept (1.6): re-send them
            else:
                if asked.status is not OutcomeStatus.NoProfiles:
                    return  # it kept them (or cannot say): nothing to restore
            for connector, data in keep:
                profile = ChargingProfile.model_validate(data)
                command = SetChargingProfile(connector=connector, profile=profile)
                await self.services.commands.execute(charge_point_id, command, actor="smart-charging")
            log.info("re-sent %d charging profile(s) to %r after its boot", len(keep), charge_point_id)
        except Exception:
            log.exception("re-sending charging profiles to %r failed", charge_point_id)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
