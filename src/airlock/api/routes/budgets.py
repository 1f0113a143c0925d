"""Byte and token budgets over HTTP: list them with what is used now, and set one."""

from __future__ import annotations

from fastapi import APIRouter

from airlock.api.auth import ActorDep, AirlockDep
from airlock.api.openapi import errors
from airlock.api.schemas import BudgetIn, BudgetOut
from airlock.budgets.limits import Budget
from airlock.render.units import parse_bytes, parse_duration

router = APIRouter(prefix="/budgets", tags=["budgets"])


@router.get("", response_model=list[BudgetOut], responses=errors(401))
def list_budgets(airlock: AirlockDep, actor: ActorDep) -> list[BudgetOut]:
    """Every budget, its limit and what is counted against it now (in readable units too);
    ``leased``: the part of it the output gateway's workers hold on lease, not yet spent."""
    leased = airlock.budget_leased(actor)
    return [BudgetOut.of(b, used, leased.get(b.key, 0)) for b, used in airlock.budget_usage(actor)]


@router.post("", response_model=BudgetOut, responses=errors(400, 401, 403, 413))
def set_budget(body: BudgetIn, airlock: AirlockDep, actor: ActorDep) -> BudgetOut:
    """Set (or replace) one budget; admins only. An enclave budget that would let a protected
    model leave faster than the configured floor is refused (403)."""
    limit = body.limit if isinstance(body.limit, int) else parse_bytes(body.limit)
    budget = Budget(body.scope, body.subject, limit, parse_duration(body.window))
    airlock.set_budget(actor, budget)
    return BudgetOut.of(budget, 0)
