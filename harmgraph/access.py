"""Who may do what: the one permission table for every role, page and action.

Pages are the file names (without ``.py``) under ``app_pages/``; actions are the things a
page or command does that need more than seeing the page. A page or action not listed for a
role is refused (default deny), so a new page stays hidden until it is added here.

>>> can("matac_chair", "record_matac_decision"), can("analyst", "record_matac_decision")
(True, False)
>>> can("detective", "export"), can("detective", "network")
(False, True)
>>> can_see("detective", "candidates"), can_see("detective", "profile")
(False, True)
>>> can("nobody", "export")
False
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("analyst", "matac_chair", "detective", "admin", "loader")

# The pages of the app (app_pages/<name>.py).
PAGE_NAMES = ("candidates", "profile", "victims", "network", "quality", "review", "matac", "evidence",
              "users", "audit")
# What a role may do beyond seeing a page.
ACTIONS = {
    "view_person": "open one person's profile (logged)",
    "network": "explore one person's network",
    "export": "export a ranked list (CSV, Excel, printable pack), with a reason",
    "quarantine_download": "download the quarantined rows (raw input values)",
    "record_matac_decision": "record a MATAC decision about a person",
    "refer_to_matac": "record a partner agency's referral of a person to the MATAC",
    "share": "write the pseudonymised list for multi-agency sharing",
    "manage_users": "add, disable and re-enable users",
    "view_audit": "read and verify the access log",
    "decide_identity": "decide an identity review item: link (same person) or unlink (two people)",
    # What the command line does beyond the app's pages (harmgraph/cli_common.py checks these).
    "view_list": "see the ranked lists, the MATAC history and cohort, and the evidence figures",
    "load": "load an extract into the store (ingest, demo)",
    "review_retention": "list the records past their review date (ids only)",
    "sync": "copy the whole store into Neo4j (sync, or neo4j-admin import files)",
}


@dataclass(frozen=True)
class Permissions:
    """The pages a role sees and the actions it may take."""

    pages: frozenset[str]
    actions: frozenset[str]


PERMISSIONS: dict[str, Permissions] = {
    # Builds the lists, works the data: every data page and export, who is who (the identity
    # review queue), the partner agencies' referrals it receives; no MATAC decisions, no users.
    "analyst": Permissions(
        pages=frozenset({"candidates", "profile", "victims", "network", "quality", "review", "matac", "evidence"}),
        actions=frozenset({"view_person", "network", "export", "quarantine_download", "share",
                           "decide_identity", "view_list", "load", "refer_to_matac"})),
    # Chairs the MATAC meeting: the lists and profiles, and the only role that records decisions.
    "matac_chair": Permissions(
        pages=frozenset({"candidates", "profile", "victims", "network", "matac", "evidence"}),
        actions=frozenset({"view_person", "network", "export", "record_matac_decision", "refer_to_matac",
                           "view_list"})),
    # Works one case: one person's profile and network, never the force-wide list or an export.
    "detective": Permissions(
        pages=frozenset({"profile", "network"}),
        actions=frozenset({"view_person", "network"})),
    # Runs the system: users, the access log, data quality; no person-level pages.
    "admin": Permissions(
        pages=frozenset({"quality", "users", "audit"}),
        actions=frozenset({"manage_users", "view_audit", "quarantine_download", "load",
                           "review_retention", "sync"})),
    # The account a scheduled load runs as: loads, and sees what the load quarantined; nothing else.
    "loader": Permissions(
        pages=frozenset({"quality"}),
        actions=frozenset({"load"})),
}


def can(role: str | None, action: str) -> bool:
    """Whether ``role`` may take ``action`` (a key of ACTIONS); unknown roles may do nothing."""
    permissions = PERMISSIONS.get(role or "")
    return permissions is not None and action in permissions.actions


def can_see(role: str | None, page: str) -> bool:
    """Whether ``role`` sees ``page`` (an app_pages file name without .py) in the navigation."""
    permissions = PERMISSIONS.get(role or "")
    return permissions is not None and page in permissions.pages


def pages_for(role: str | None) -> tuple[str, ...]:
    """The pages ``role`` sees, in PAGE_NAMES order.

    >>> pages_for("detective")
    ('profile', 'network')
    """
    return tuple(page for page in PAGE_NAMES if can_see(role, page))


def check_role(role: str) -> str:
    """``role`` if it is one of ROLES, else a ValueError naming the roles."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role
