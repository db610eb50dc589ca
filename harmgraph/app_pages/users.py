"""Users (admin only): every local user with their role, add a user, disable or re-enable one."""

from __future__ import annotations

import streamlit as st

from harmgraph.access import ROLES
from harmgraph.accounts import AccountError, add_user, set_active, user_listing
from harmgraph.ui.chrome import current_view
from harmgraph.ui.format import human_headers, md

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
    added = st.form_submit_button("Add user", key="add_user_submit")
if added:
    try:
        with view.settings.open_store() as store:
            add_user(store, name, str(role), password or None, view.user)
        st.session_state["add_user_done"] = f"Added {md(name.strip())} as {role}."
        st.rerun()
    except AccountError as exc:
        st.error(str(exc))

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
