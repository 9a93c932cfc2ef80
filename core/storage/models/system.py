"""The installation's own tables: accounts, sessions and login failures, the audit log, schema versions."""


from peewee import (
    SQL,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from kaohe.core.domain.periods import now
from kaohe.core.storage.models.base import BaseModel, JSONField, choices
from kaohe.core.storage.models.data import Unit

ROLES = {
    "admin": "管理员",
    "clerk": "录入员",
    "reporter": "单位信息员",
    "viewer": "查阅者",
}


class User(BaseModel):
    """An account of the panel and the API. A `reporter` account is tied to one unit."""
    username = CharField(max_length=64, unique=True, verbose_name="用户名")
    password_hash = CharField(max_length=255, verbose_name="密码摘要")
    role = CharField(max_length=16, choices=choices(ROLES), verbose_name="角色")
    unit = ForeignKeyField(Unit, null=True, backref="users", on_delete="SET NULL",
                           verbose_name="所属单位")
    active = BooleanField(default=True, verbose_name="启用")
    token_hash = CharField(max_length=128, null=True, index=True)
    created_at = DateTimeField(default=now, verbose_name="创建时间")

    def __str__(self):
        return self.username


class SchemaVersion(BaseModel):
    """One applied schema version (core/storage/migrations.py); the highest is the database's version."""
    version = IntegerField(primary_key=True)
    description = CharField(max_length=200, default="")
    applied_at = DateTimeField(default=now)


class AuditLog(BaseModel):
    """One change to the data, schemes, parameters or accounts, chained to the entry before.

    `hash` is the SHA-256 of the entry's canonical JSON together with `prev_hash`, so altering or
    removing an entry breaks the chain from there on (core/storage/audit.py verifies it).
    `source` says from where (panel, import, api, command); `batch` groups an import's entries;
    `units` (codes between bars, `|C01|C02|`) and `item` (its number) are what the log is filtered by.
    `summary_words` (schema version 9) is how the summary was said (kaohe.core.domain.sentences
    words_of: its template and parameters), so that the panel in English can say it; NULL for a
    plain summary and for the entries written before version 9, which are shown as they are.
    """
    at = DateTimeField(default=now, index=True, verbose_name="时间")
    actor = CharField(max_length=100, default="", verbose_name="操作人")
    action = CharField(max_length=64, verbose_name="操作")
    object_type = CharField(max_length=64, verbose_name="对象类型")
    object_id = CharField(max_length=64, default="", verbose_name="对象")
    summary = TextField(default="", verbose_name="说明")
    summary_words = JSONField(null=True, verbose_name="说明的句子")
    old = JSONField(null=True, verbose_name="原值")
    new = JSONField(null=True, verbose_name="新值")
    source = CharField(max_length=200, default="", constraints=[SQL("DEFAULT ''")], verbose_name="来源")
    batch = CharField(max_length=32, default="", index=True, constraints=[SQL("DEFAULT ''")],
                      verbose_name="批次")
    units = CharField(max_length=500, default="", constraints=[SQL("DEFAULT ''")], verbose_name="单位")
    item = CharField(max_length=64, default="", index=True, constraints=[SQL("DEFAULT ''")],
                     verbose_name="稿件")
    prev_hash = CharField(max_length=64, verbose_name="前一条摘要")
    hash = CharField(max_length=64, unique=True, verbose_name="摘要")


class LoginFailure(BaseModel):
    """One failed login to the panel: which username, from which client, when (for throttling)."""
    at = DateTimeField(default=now, index=True)
    username = CharField(max_length=64, index=True)
    client = CharField(max_length=64, index=True)


class EndedSession(BaseModel):
    """A panel session ended by logging out: its cookie no longer opens the panel.

    Kept for as long as a session cookie is valid (PERMANENT_SESSION_LIFETIME), then forgotten.
    """
    session = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, backref="ended_sessions", on_delete="CASCADE")
    ended_at = DateTimeField(default=now, index=True)
