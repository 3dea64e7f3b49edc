"""Who may see a NIK in clear (UU PDP No. 27/2022: purpose limitation, data minimisation).

Every response carries the NIK masked. In clear it goes only to:

* ``admin``: ministry staff who handle data-subject requests and investigations;
* ``operator`` of the participant's own office: they verify the person at the counter, correct
  the record, and put prospective KUR debtors into SIKP, which needs the NIK.

Never to ``auditor`` (they audit the trail of reads, they do not need identities), trainers,
credit officers or banks (the credit flow works on participant ids; a bank checks SLIK with the
NIK the debtor gives it). A clear read must state its purpose and is written to the audit log.
"""

from __future__ import annotations

from typing import Literal, get_args

#: why a NIK is read in clear; stored with each read in the audit log
NikReadPurpose = Literal[
    "identity_verification", "record_correction", "kur_submission", "data_subject_request"
]
NIK_READ_PURPOSES: tuple[str, ...] = get_args(NikReadPurpose)

NIK_CLEAR_READ_ROLES: frozenset[str] = frozenset({"admin", "operator"})
#: roles that read every office's participants (the rest only their token's office)
OFFICE_WIDE_ROLES: frozenset[str] = frozenset({"admin", "auditor"})


def may_read_nik(roles: frozenset[str], actor_office: str | None, participant_office: str) -> bool:
    if "admin" in roles:
        return True
    return (
        "operator" in roles
        and actor_office is not None
        and actor_office.casefold() == participant_office.casefold()
    )


def may_know_participant(
    roles: frozenset[str], actor_office: str | None, participant_office: str
) -> bool:
    """Whether the actor may learn anything of a participant (id, office, name): office-wide
    roles, or staff of the participant's own office. Everyone else is answered as if the
    participant did not exist (UU PDP: purpose limitation across BP3MI offices)."""
    if roles & OFFICE_WIDE_ROLES:
        return True
    return actor_office is not None and actor_office.casefold() == participant_office.casefold()
