"""The audit log: changes to schemes, parameters and publications are recorded, and tampering shows."""

import threading

import pytest

from kaohe.core.domain.errors import KaoheError
from kaohe.core.runs import results
from kaohe.core.runs.store import recalculate
from kaohe.core.storage import audit, schemes
from kaohe.core.storage import db as dbmod
from kaohe.core.storage.models import AuditLog
from tests import factories as f


def scheme_entries():
    """The entries about schemes, parameters and runs (the fixture's data changes are logged too)."""
    from kaohe.core.storage.changes import NAMES
    return AuditLog.select().where(AuditLog.object_type.not_in(list(NAMES))).order_by(AuditLog.id)


@pytest.fixture
def scheme(database, registry):
    kh = f.unit("KH", "开化县")
    f.unit("CS", "常山县")
    zb = f.publication("SZB", "provincial", "专报信息")
    f.adoption(f.item([kh], "2025-03-02"), zb, "2025-03-10")
    return schemes.create_scheme(registry, "市政府系统", 2025, ["provincial"], author="王主任")


def test_scheme_parameter_and_publication_changes_are_recorded_with_old_and_new(scheme, registry):
    schemes.set_param(registry, scheme, "provincial.adoption.provincial.full", "12",
                      author="张科长", reason="省级全文采用提高到12分")
    run = recalculate(registry, scheme, "2025-03", author="张科长").run
    results.publish(run, "李处长")

    created, changed, published = list(scheme_entries())
    assert (created.actor, created.action, created.object_type, created.object_id) == \
        ("王主任", "scheme.create", "scheme", str(scheme.id))
    assert created.new == {"name": "市政府系统", "year": 2025, "rulesets": ["provincial"],
                           "units": ["CS", "KH"]}
    assert (changed.actor, changed.action) == ("张科长", "parameters.save")
    assert changed.summary == "考核方案「市政府系统」第2版参数：省级全文采用提高到12分"
    [path] = changed.new
    assert path.endswith("provincial.params.adoption.provincial.full") and list(changed.old) == [path]
    assert changed.new[path] == "12.00" and changed.old[path] != "12.00"
    assert (published.actor, published.action, published.object_id) == \
        ("李处长", "run.publish", str(run.id))
    assert published.old == {"published": False}
    assert published.new == {"published": True, "period": "2025-03"}
    assert audit.verify_chain() is None
    assert [e.id for e in audit.entries(object_type="scheme")] == [changed.id, created.id]


def test_a_refused_change_records_nothing(scheme, registry):
    version = schemes.current_version(scheme)
    with pytest.raises(KaoheError, match="参数没有变化"):
        schemes.save_config(registry, scheme, version.config, author="张科长", reason="再存一次")
    assert scheme_entries().count() == 1


def _tamper(entry_id, **values):
    """Change an entry behind the program's back, as someone with database access could."""
    AuditLog.update(**values).where(AuditLog.id == entry_id).execute()


def test_editing_an_entry_is_detected_at_that_entry(scheme, registry):
    for n in range(3):
        schemes.set_param(registry, scheme, "provincial.adoption.provincial.full", str(10 + n),
                          author="张科长", reason=f"第{n}次调整")
    entries = list(AuditLog.select().order_by(AuditLog.id))
    _tamper(entries[2].id, actor="别人")
    broken = audit.verify_chain()
    assert broken.entry_id == entries[2].id
    assert str(broken) == f"审计日志第 {entries[2].id} 条的内容与摘要不符（记录被改动过）"


def test_rewriting_an_entry_with_a_fresh_hash_breaks_the_next_link(scheme, registry):
    for n in range(3):
        schemes.set_param(registry, scheme, "provincial.adoption.provincial.full", str(10 + n),
                          author="张科长", reason=f"第{n}次调整")
    entries = list(AuditLog.select().order_by(AuditLog.id))
    forged = entries[1]
    forged.new = {"provincial.adoption.provincial.full": "99"}
    forged.hash = audit.entry_hash(forged, forged.prev_hash)
    forged.save()
    broken = audit.verify_chain()
    assert broken.entry_id == entries[2].id
    assert "衔接不上" in broken.reason


def test_deleting_an_entry_is_detected(scheme, registry):
    for n in range(3):
        schemes.set_param(registry, scheme, "provincial.adoption.provincial.full", str(10 + n),
                          author="张科长", reason=f"第{n}次调整")
    entries = list(AuditLog.select().order_by(AuditLog.id))
    AuditLog.delete().where(AuditLog.id == entries[1].id).execute()
    assert audit.verify_chain().entry_id == entries[2].id


def test_entries_written_at_once_from_two_connections_form_one_chain(database):
    errors = []

    def writer(name):
        try:
            for n in range(15):
                audit.record(name, "account.update", "user", n, new={"n": n})
        except Exception as error:  # reported below; a thread's exception would be lost
            errors.append(error)
        finally:
            dbmod.db.close()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditLog.select().count() == 30
    assert audit.verify_chain() is None
    assert len({e.prev_hash for e in AuditLog.select()}) == 30  # no two entries share a parent


def test_entries_written_many_at_once_hash_and_read_back_as_entries_written_one_by_one(database):
    """record_many encodes each value once and puts the hashed body together from the texts:
    what it stores must read back as plain(value) and verify, for every kind of value an entry
    may hold (dates, amounts, tuples, text keys and others, quotes and Chinese text)."""
    import datetime
    from decimal import Decimal
    values = [
        None, {}, {"no": "2025-0001", "units": ["KH", "CS"], "submitted_on": datetime.date(2025, 3, 8)},
        {"amount": Decimal("12.50"), "at": datetime.datetime(2025, 3, 20, 8, 0, 5, 12),
         "pair": ("a", 1), "nested": {"b": [1, {"c": None}], "a": True}, "x": 1.5},
        {"title": '引号"与\\反斜杠\n换行', "tags": []}, {1: "int key", 10: "ten", 2: "two"},
        {"set": {"b", "a"}}, [{"z": 1, "a": 2}], "文本", 7,
        {"no": "N1", "negative": False, "flag": True, "count": -3, "none": None, "codes": ("A", "B"),
         "empty": [], "day": datetime.date(2025, 1, 2), "big": 10 ** 20, "ratio": 0.1},
        {"no": "N2", "mixed": ["A", 1], "inner": [["x"]], "amount": Decimal("-0.50")},
    ]
    entries = [{"actor": "录入员", "action": "item.create", "object_type": "item", "object_id": n,
                "summary": f"导入新增稿件「{n}」", "old": values[-1 - n % len(values)],
                "new": values[n % len(values)], "source": "import: 稿件.csv" if n % 2 else "",
                "batch": "b1" if n % 3 else "", "units": ["KH", "CS"][: n % 3],
                "item": f"N{n}" if n % 4 else ""}
               for n in range(len(values) * 2)]
    with dbmod.db.atomic():
        audit.record_many(entries)
    stored = list(AuditLog.select().order_by(AuditLog.id))
    assert len(stored) == len(entries)
    for entry, given in zip(stored, entries):
        assert entry.old == audit.plain(given["old"]) and entry.new == audit.plain(given["new"])
        assert entry.hash == audit.entry_hash(entry, entry.prev_hash)
    assert audit.verify_chain() is None
    audit.record("管理员", "scheme.create", "scheme", 1, new={"name": "市政府系统"})
    assert audit.verify_chain() is None
