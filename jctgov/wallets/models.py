"""Wallet users, keyed by checksummed address, and Sign-In with Ethereum nonces."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from eth_utils import to_checksum_address

STEWARDS_GROUP = "stewards"


class UserManager(BaseUserManager["User"]):
    def get_or_create_for_address(self, address: str) -> User:
        """The wallet user of ``address`` (checksummed), created without a usable password."""
        address = to_checksum_address(address)
        user, _ = self.get_or_create(address=address, defaults={"password": make_password(None)})
        return user

    def create_user(self, address: str, password: str | None = None, **extra) -> User:
        user = self.model(address=to_checksum_address(address), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, address: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(address, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A wallet. Wallet users have no password; staff may set one for the Django admin."""

    address = models.CharField(max_length=42, unique=True)
    display_name = models.CharField(max_length=64, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)

    USERNAME_FIELD = "address"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(address__regex=r"^0x[0-9a-fA-F]{40}$"),
                name="user_address_is_hex40",
            )
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def is_steward(self) -> bool:
        cached = getattr(self, "_is_steward", None)
        if cached is None:
            cached = self.groups.filter(name=STEWARDS_GROUP).exists()
            self._is_steward = cached
        return cached


class SiweNonce(models.Model):
    """A single-use sign-in nonce bound to one browser session; valid for 10 minutes."""

    nonce = models.CharField(max_length=64, unique=True)
    session_key = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.nonce
