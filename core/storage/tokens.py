"""API tokens: issue a random token for an account, keep only its SHA-256 digest, verify it in constant time."""

import hashlib
import hmac
import secrets

from kaohe.core.domain.errors import NotFound
from kaohe.core.domain.sentences import say
from kaohe.core.storage.models import User

# Tokens start with this mark so that a secret scanner (or a person) can tell one in a log or a file.
PREFIX = "kh_"


def digest(token):
    """The SHA-256 digest of a token, as stored in `User.token_hash`."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user):
    """Give `user` a new token and return it; the previous token stops working at once.

    Only the digest is stored, so the token can be shown this once and never again.
    """
    token = PREFIX + secrets.token_urlsafe(32)
    User.update(token_hash=digest(token)).where(User.id == user.id).execute()
    user.token_hash = digest(token)
    return token


def revoke_token(user):
    """Take away `user`'s token; return whether there was one."""
    had = bool(user.token_hash)
    User.update(token_hash=None).where(User.id == user.id).execute()
    user.token_hash = None
    return had


def user_for_token(token):
    """The account a presented token belongs to, or None (inactive accounts are returned too)."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    wanted = digest(token)
    user = User.get_or_none(User.token_hash == wanted)
    if user is None or not hmac.compare_digest(user.token_hash.encode("ascii"), wanted.encode("ascii")):
        return None
    return user


def get_user(username):
    user = User.get_or_none(User.username == username)
    if user is None:
        raise NotFound(say("没有用户「{username}」", username=username))
    return user
