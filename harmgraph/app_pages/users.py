"""Users (admin only): every local user with their role, add a user, disable or re-enable one."""

from __future__ import annotations

import streamlit as st

from harmgraph.access import ROLES
from core.errors import HarmgraphError
from harmgraph.accounts import add_user, grant_forces, set_active, user_listing
from harmgraph.ui.chrome import current_view
from harmgraph.ui.format import human_headers, md

FORCES_LABEL = "Forces seen (codes separated by ;, blank: every force)"
FORCES_HELP = ("In a regional store: the user sees only the people holding a record of these forces "
               "(docs/access.md, force scope).")


def force_codes(text: str) -> tuple[str, ...]:
    """The force codes typed in a box, e.g. 'NBR; CLE' (checked when the user is saved)."""
    return tuple(code.strip() for code in text.split(";") if code.strip())


view = current_view()
st.title("Users")
if not view.can("manage_users"):
    st.error(f"The {view.role} role may not manage users.")
    st.stop()

with view.settings.open_store() as store:
    listing = user_listing(store)
st.dataframe(listing, hide_index=True, width="stretch", key="users_table",
             column_config=human_headers(
                 listing.columns, created_at=st.column_config.DatetimeColumn("Created", format="YYYY-MM-DD HH:mm"),
                 updated_at=st.column_config.DatetimeColumn("Updated", format="YYYY-MM-DD HH:mm")))

st.subheader("Add a user")
# The form keeps what was typed when a check fails (a short password, a taken name), and is
# emptied only once the user is added: clear_on_submit would empty it either way.
added_message = st.session_state.pop("add_user_done", None)
if added_message:
    for key in ("new_user_name", "new_user_role", "new_user_password"):
        st.session_state.pop(key, None)
    st.success(added_message)
with st.form("add_user"):
    name = st.text_input("User name (the e-mail address, for single sign-on)", key="new_user_name")
    role = st.selectbox("Role", ROLES, key="new_user_role")
    password = st.text_input("First password (blank: single sign-on only)", type="password",
                             key="new_user_password")
    forces = st.text_input(FORCES_LABEL, key="new_user_forces", help=FORCES_HELP)
    added = st.form_submit_button("Add user", key="add_user_submit")
if added:
    try:
        with view.settings.open_store() as store:
            add_user(store, name, str(role), password or None, view.user, forces=force_codes(forces))
        st.session_state["add_user_done"] = f"Added {md(name.strip())} as {role}."
        st.rerun()
    except HarmgraphError as exc:
        st.error(md(str(exc)))

st.subheader("Disable or re-enable")
if len(listing):
    left, right = st.columns([3, 1])
    chosen = left.selectbox("User", listing["name"], key="toggle_user")
    active = bool(listing.set_index("name").at[chosen, "active"]) if chosen else False
    if right.button("Disable" if active else "Re-enable", key="toggle_user_button") and chosen:
        if chosen == view.name and active:
            st.error("You cannot disable your own account.")
        else:
            with view.settings.open_store() as store:
                set_active(store, str(chosen), not active, view.user)
            st.rerun()

st.subheader("Forces seen")
if len(listing):
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    scoped = left.selectbox("User", listing["name"], key="scope_user")
    codes = middle.text_input(FORCES_LABEL, key="scope_forces", help=FORCES_HELP)
    if right.button("Set", key="scope_submit") and scoped:
        try:
            with view.settings.open_store() as store:
                account = grant_forces(store, str(scoped), force_codes(codes), view.user)
            st.success(f"{md(account.name)} now sees {account.scope}.")
        except HarmgraphError as exc:
            st.error(md(str(exc)))
