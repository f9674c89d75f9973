"""Micro-batching: concurrent callers share one model through one worker thread and one batched generate.

A web server receives requests concurrently, but the copywriter is one model in memory: running requests
one by one wastes the batch dimension, and running them in parallel threads makes them fight over the
same cores and weights. So every caller puts its request on a queue, and a single worker thread owns
the model: it takes what has queued up (waiting a few milliseconds for more), runs one
`PromoGen.generate` per campaign/n/seed group with all of the group's users (telling it where each
request's users start, so that `variety` compares copy within a request only), and hands each caller its
own deliveries back. Requests marked `solo` (batch jobs, whose resumability needs each batch's copy to
depend on that batch alone) run through the same worker but are never merged with others.
"""

from __future__ import annotations

import json
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from .pipeline import PromoGen
from .types import Campaign, UserHistory


@dataclass
class _Request:
    campaign: Campaign
    users: list[UserHistory]
    n_candidates: int | None
    seed: int | None
    solo: bool
    future: Future = field(default_factory=Future)

    def key(self) -> tuple:
        """Requests with the same key can share one generate call."""
        if self.solo:
            return ("solo", id(self))
        return (json.dumps(self.campaign.to_dict(), sort_keys=True), self.n_candidates, self.seed)


class MicroBatcher:
    """Owns `pg`; `submit` queues a request and returns a Future of its deliveries (in user order)."""

    def __init__(self, pg: PromoGen, max_users: int = 64, wait_s: float = 0.01):
        self.pg = pg
        self.max_users = max_users
        self.wait_s = wait_s
        self.calls = 0  # batched generate calls made, for /healthz and the load report
        self._queue: queue.Queue[_Request | None] = queue.Queue()
        self._closed = False
        self._worker = threading.Thread(target=self._run, name="promogen-microbatch", daemon=True)
        self._worker.start()

    def submit(
        self,
        campaign: Campaign,
        users: list[UserHistory],
        n_candidates: int | None = None,
        seed: int | None = None,
        solo: bool = False,
    ) -> Future:
        if self._closed:  # no worker would ever answer it
            raise RuntimeError("the micro-batcher is closed")
        request = _Request(campaign, list(users), n_candidates, seed, solo)
        self._queue.put(request)
        return request.future

    def close(self) -> None:
        self._closed = True
        self._queue.put(None)
        self._worker.join(timeout=10)

    def _collect(self, first: _Request) -> list[_Request]:
        """The first request plus whatever arrives within `wait_s`, up to `max_users` users."""
        taken, users = [first], len(first.users)
        while users < self.max_users:
            try:
                nxt = self._queue.get(timeout=self.wait_s)
            except queue.Empty:
                break
            if nxt is None:
                self._queue.put(None)  # let the loop see the stop signal after this round
                break
            taken.append(nxt)
            users += len(nxt.users)
        return taken

    def _run(self) -> None:
        while (first := self._queue.get()) is not None:
            groups: dict[tuple, list[_Request]] = {}
            for request in self._collect(first):
                groups.setdefault(request.key(), []).append(request)
            for group in groups.values():
                self._generate(group)

    def _generate(self, group: list[_Request]) -> None:
        # A caller that gave up (its future cancelled) is dropped: setting a cancelled future's result
        # would raise here and stop the worker, and with it every later request.
        group = [r for r in group if r.future.set_running_or_notify_cancel()]
        if group:
            self._answer(group)

    def _answer(self, group: list[_Request]) -> None:
        head = group[0]
        users = [u for r in group for u in r.users]
        try:
            self.calls += 1
            deliveries = self.pg.generate(
                head.campaign,
                users,
                n_candidates=head.n_candidates,
                seed=head.seed,
                requests=[len(r.users) for r in group],
            )
        except Exception as exc:
            if len(group) > 1:  # one request may be the cause: each runs alone, so only its caller fails
                for request in group:
                    self._answer([request])
            else:  # handed to the caller, who reports it
                head.future.set_exception(exc)
            return
        start = 0
        for request in group:
            request.future.set_result(deliveries[start : start + len(request.users)])
            start += len(request.users)
