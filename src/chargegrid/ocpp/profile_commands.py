"""Raising a charger's security profile as each OCPP version does it: 1.6 ChangeConfiguration
`SecurityProfile` (Security Whitepaper ed. 2; the charger reconnects at the new level by itself); 2.x a
network connection profile for the new level on a free configuration slot (SetNetworkProfile), that slot
put first in `OCPPCommCtrlr.NetworkConfigurationPriority` (SetVariables), and a Reset when idle so the
station reconnects through it (2.0.1 A05)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from chargegrid.ocpp.commands import (
    ChangeConfiguration,
    Command,
    GetConfiguration,
    Outcome,
    Reset,
    SetNetworkProfile,
    SetVariables,
    VariableValue,
)
from chargegrid.ocpp.versions import OcppVersion

PRIORITY_KEY = "OCPPCommCtrlr.NetworkConfigurationPriority"
ACCEPTED = frozenset({"Accepted", "RebootRequired", "Scheduled"})

Execute = Callable[[Command], Awaitable[Outcome]]


@dataclass(frozen=True)
class Step:
    action: str
    outcome: Outcome

    @property
    def accepted(self) -> bool:
        return self.outcome.status.value in ACCEPTED


def free_slot(priority: str | None) -> tuple[int, str]:
    """A configuration slot the station's priority list does not use, and the list with it first."""
    used = [int(part) for part in (priority or "").split(",") if part.strip().isdigit()]
    slot = max(used, default=0) + 1
    return slot, ",".join(str(s) for s in (slot, *used))


async def raise_profile(execute: Execute, version: OcppVersion, profile: int, csms_url: str) -> list[Step]:
    """Send the steps in order; stop at the first one the charger does not accept."""
    if version is OcppVersion.v16:
        outcome = await execute(ChangeConfiguration(key="SecurityProfile", value=str(profile)))
        return [Step("ChangeConfiguration", outcome)]
    read = await execute(GetConfiguration(keys=(PRIORITY_KEY,)))
    steps = [Step("GetVariables", read)]  # the slots in use, so the new profile takes a free one
    if not steps[0].accepted:
        return steps
    known = {item["key"]: item.get("value") for item in read.payload.get("configurationKey", [])}
    slot, priority = free_slot(known.get(PRIORITY_KEY))
    commands: tuple[tuple[str, Command], ...] = (
        (
            "SetNetworkProfile",
            SetNetworkProfile(configuration_slot=slot, csms_url=csms_url, security_profile=profile),
        ),
        (
            "SetVariables",
            SetVariables(
                items=(
                    VariableValue(
                        component="OCPPCommCtrlr", variable="NetworkConfigurationPriority", value=priority
                    ),
                )
            ),
        ),
        ("Reset", Reset(hard=False)),
    )
    for action, command in commands:
        step = Step(action, await execute(command))
        steps.append(step)
        if not step.accepted:
            break
    return steps


def configured(steps: list[Step]) -> bool:
    """The charger holds the new level (it will use it on its next connection): 1.6 accepted the key,
    2.x accepted the profile and the priority (its Reset only makes that happen sooner)."""
    return any(step.action in ("ChangeConfiguration", "SetVariables") and step.accepted for step in steps)
