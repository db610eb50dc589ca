"""The incident timeline of one person: victims as lanes, points coloured by gravity."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
from plotly.graph_objects import Figure

from core.tables import ScoringTables

PERPETRATOR_ROLES = ("suspect", "offender")


def timeline_rows(incidents: pd.DataFrame, tables: ScoringTables, person_id: str) -> pd.DataFrame:
    """One row per (incident, other party) of ``person_id``'s incidents, with the lane name.

    The lane is the victim when the person is a suspect/offender, the suspect when the person
    is the victim, and 'no other party recorded' otherwise.
    """
    own = incidents[["incident_id", "occurred_at", "role", "offence", "label", "harm_days", "outcome",
                     "in_window"]]
    roles = tables.roles[tables.roles["incident_id"].isin(own["incident_id"])
                         & (tables.roles["person_id"] != person_id)]
    names = tables.persons.set_index("person_id")["display_name"]
    roles = roles.assign(lane=roles["person_id"].map(names).fillna("").astype(str) + " (" + roles["person_id"] + ")")
    rows = own.merge(roles[["incident_id", "role", "lane"]].rename(columns={"role": "other_role"}),
                     on="incident_id", how="left")
    as_perp = rows["role"].isin(PERPETRATOR_ROLES)
    wanted = (as_perp & (rows["other_role"] == "victim")) | (~as_perp & rows["other_role"].isin(PERPETRATOR_ROLES))
    kept = rows[wanted]
    alone = own[~own["incident_id"].isin(kept["incident_id"])].assign(other_role=pd.NA, lane="no other party recorded")
    out = pd.concat([kept, alone], ignore_index=True)
    out["harm_days"] = out["harm_days"].astype(float).fillna(0.0)
    return out.sort_values(["occurred_at", "incident_id"]).reset_index(drop=True)


def timeline_figure(rows: pd.DataFrame, as_of: pd.Timestamp, window_start: pd.Timestamp) -> Figure:
    """A scatter of incidents over time, one lane per victim, coloured by harm days."""
    lanes = rows.groupby("lane")["occurred_at"].min().sort_values().index.tolist()
    figure = px.scatter(
        rows, x="occurred_at", y="lane", color="harm_days", color_continuous_scale="YlOrRd",
        range_color=(0, max(365.0, float(rows["harm_days"].max() or 0))),
        hover_data={"incident_id": True, "label": True, "outcome": True, "role": True,
                    "harm_days": ":.0f", "lane": False, "occurred_at": "|%Y-%m-%d"},
        category_orders={"lane": lanes}, labels={"occurred_at": "", "lane": "", "harm_days": "harm days"},
    )
    figure.update_traces(marker={"size": 13, "line": {"width": 1, "color": "#333"}})
    figure.add_vrect(x0=window_start, x1=as_of, fillcolor="#4c78a8", opacity=0.07, line_width=0,
                     annotation_text="scoring window", annotation_position="top left")
    figure.update_layout(height=max(220, 70 + 42 * len(lanes)), margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return figure
