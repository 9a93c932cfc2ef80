"""Reads alongside: aggregates queued for one helper thread with its own connection while the caller works."""

import threading
from concurrent.futures import Future

from kaohe.core.storage.db import db


class _Task:
    __slots__ = ("read", "priority", "started", "future")

    def __init__(self, read, priority):
        self.read, self.priority, self.started, self.future = read, priority, False, Future()

    def run(self):
        try:
            self.future.set_result(self.read())
        except BaseException as error:  # handed to whoever waits, as it is
            self.future.set_exception(error)


class Reads:
    """Reads run by one helper thread on a connection of its own while this thread works.

    sqlite3 and psycopg2 let other threads run while a query executes, so two connections keep
    both cores of a small server busy; more threads than that only slow each other down. The
    helper takes queued reads by priority (lower first, then in order); a thread that waits for
    a read the helper has not started runs it itself, and while the helper is busy with the one
    it waits for, it runs the others queued. Outside a transaction only, since another
    connection would not see this one's uncommitted rows (`alongside` false: each read runs
    when it is waited for).
    """

    def __init__(self, alongside):
        self.alongside = alongside
        self._lock = threading.Lock()
        self._queue = []
        self._helper = None

    def submit(self, read, priority=1):
        task = _Task(read, priority)
        if not self.alongside:
            return task
        with self._lock:
            self._queue.append(task)
            self._queue.sort(key=lambda t: t.priority)  # stable: in order within a priority
            if self._helper is None:
                self._helper = threading.Thread(target=self._help, name="kaohe-reads", daemon=True)
                self._helper.start()
        return task

    def _take(self, task=None):
        """Claim `task`, or the first queued task when None; the task claimed, or None."""
        with self._lock:
            if task is None:
                task = self._queue[0] if self._queue else None
            if task is None or task.started:
                return None
            task.started = True
            if task in self._queue:
                self._queue.remove(task)
            return task

    def _help(self):
        try:
            while True:
                with self._lock:
                    if not self._queue:
                        self._helper = None
                        return
                task = self._take()
                if task is not None:
                    task.run()
        finally:
            if not db.is_closed():
                db.close()

    def wait(self, task):
        """The task's result: run here if nobody has started it, else the others meanwhile."""
        if self._take(task) is not None:
            task.run()
        while not task.future.done():
            other = self._take()
            if other is None:
                break
            other.run()
        return task.future.result()
