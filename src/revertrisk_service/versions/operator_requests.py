"""The bodies of the operator endpoints, declared apart so the route table can name them
without importing the gate."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PromoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=80)
    force: bool = False
    reason: str | None = Field(default=None, max_length=500)


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)
