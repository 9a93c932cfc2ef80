"""Work a request waits for, such as a preview, on a few threads of its own with a time limit.

A preview runs the rule sets in the server's process (it reuses the rows it read, see
core/scoring/engine.py), so it cannot be stopped the way a recalculation's process is. It runs
on one of PREVIEW_THREADS daemon threads instead of the request's: past its time limit the
request is answered with what happened, and a rule set that never finishes holds one of these
threads, not a server thread. Once all of them are held, previews are refused at once.
"""

import queue
import threading

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import say
from kaohe.core.storage.db import db

PREVIEW_THREADS = 2
_free = threading.BoundedSemaphore(PREVIEW_THREADS)


class TooSlow(KaoheError):
    """The work did not finish within its time limit (it may still be running)."""


def run_bounded(function, seconds, what="预览"):
    """`function()`'s result, computed on a thread of its own; TooSlow after `seconds`.

    The thread opens its own database connection. A KaoheError it raises is raised here.
    """
    free = _free
    if not free.acquire(blocking=False):
        raise TooSlow(say("{what}暂不可用：此前的{threads}次{what}超过时限后仍未结束（某个规则集可能卡住了）"
            "，请检查方案的规则集，或重启服务后再试",
            what=what, threads=PREVIEW_THREADS))
    answers = queue.Queue(maxsize=1)

    def work():
        try:
            db.connect(reuse_if_open=True)
            answers.put((True, function()))
        except BaseException as error:  # handed to the waiting request, whatever it was
            answers.put((False, error))
        finally:
            if not db.is_closed():
                db.close()
            free.release()

    threading.Thread(target=work, name="kaohe-preview", daemon=True).start()
    try:
        done, value = answers.get(timeout=seconds)
    except queue.Empty:
        raise TooSlow(say("{what}超过 {seconds:g} 秒仍未完成，已放弃；某个规则集可能卡住了。"
            "请检查方案的规则集，或调整时限（KAOHE_RULESET_SECONDS）",
            what=what, seconds=seconds)) from None
    if not done:
        raise value
    return value
