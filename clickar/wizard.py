"""The small core both wizards share (registration/, renewal/): ordered steps, each one done
when its check on the draft holds. A step may be visited once every step before it is done;
anything later sends the customer to the first unfinished one.

What is not shared, on purpose: the drafts. Registration keeps one draft per browser;
renewal keeps one per contract and term, and a draft whose renewal was cancelled elsewhere
counts as none. Their guards read different things (renewal also the database and the
renewal window), so each wizard keeps its own draft() and view guard (docs/ARCHITECTURE.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping


@dataclass(frozen=True)
class Steps:
    order: tuple[str, ...]
    done: Mapping[str, Callable[[dict], bool]]  # every step but the last: is it done in this draft?

    def first_unfinished(self, draft: dict) -> str:
        """The step a customer must do next (the last step when all others are done)."""
        for step in self.order[:-1]:
            if not self.done[step](draft):
                return step
        return self.order[-1]

    def may_visit(self, draft: dict, step: str) -> bool:
        return self.order.index(step) <= self.order.index(self.first_unfinished(draft))
