"""NIK keeping: a keyed digest for de-duplication, a sealed copy for allowed readers."""

from __future__ import annotations

import pytest

from purna_registration.adapters.nik_vault import NikVault, NikVaultError
from purna_registration.domain.access import may_read_nik

pytestmark = pytest.mark.unit

NIK = "5202064107900003"


def test_the_digest_is_keyed_and_stable() -> None:
    vault = NikVault("a-secret-of-enough-length")
    assert vault.digest(NIK) == vault.digest(NIK)
    assert len(vault.digest(NIK)) == 64
    assert vault.digest(NIK) != NikVault("another-secret-entirely").digest(NIK)
    assert vault.digest(NIK) != vault.digest("5202064107900004")


def test_a_sealed_nik_opens_only_with_its_key() -> None:
    vault = NikVault("a-secret-of-enough-length")
    sealed = vault.seal(NIK)
    assert NIK.encode() not in sealed
    assert vault.seal(NIK) != sealed  # a fresh nonce each time
    assert vault.open(sealed) == NIK
    with pytest.raises(NikVaultError):
        NikVault("another-secret-entirely").open(sealed)


def test_who_may_read_a_nik_in_clear() -> None:
    assert may_read_nik(frozenset({"admin"}), None, "NTB")
    assert may_read_nik(frozenset({"operator"}), "NTB", "NTB")
    assert not may_read_nik(frozenset({"operator"}), "NTT", "NTB")
    assert not may_read_nik(frozenset({"operator"}), None, "NTB")
    assert not may_read_nik(frozenset({"auditor"}), None, "NTB")
    assert not may_read_nik(frozenset({"credit_officer", "trainer", "bank"}), "NTB", "NTB")
