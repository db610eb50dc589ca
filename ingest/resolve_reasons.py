"""Plain-word reasons for each link, from splink's waterfall terms.

splink scores a pair as the sum of one match weight per comparison (plus a common-name
adjustment on exact name matches): the same terms its waterfall chart draws. Here the largest
terms (by size, for or against) become a sentence an analyst can read out at a MATAC:
"surname exact (+8.1); dob day/month swapped (+5.2); postcode differs (-2.0)".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.resolve_model import ComparisonSpec

# A common-name adjustment this large (in bits) is worth saying out loud.
_TF_NOTE_BITS = 1.0


def _term_labels(gamma: pd.Series, spec: ComparisonSpec, tf_adjustment: np.ndarray) -> np.ndarray:
    """The plain label of the level each pair reached, noting common/rare name matches."""
    labels = gamma.map(spec.labels_by_gamma()).fillna(spec.name).to_numpy(dtype=object)
    common = tf_adjustment <= -_TF_NOTE_BITS
    rare = tf_adjustment >= _TF_NOTE_BITS
    labels = np.where(common, labels + ", common name", labels)
    return np.where(rare, labels + ", rare name", labels)


def _term_table(predictions: pd.DataFrame, specs: list[ComparisonSpec]) -> pd.DataFrame:
    """Per comparison: the level reached (gamma), its weight and any common-name adjustment,
    rounded to the 0.1 bit the reasons show."""
    n = len(predictions)
    columns: dict[str, np.ndarray] = {}
    for spec in specs:
        tf_column = f"mw_tf_adj_{spec.name}"
        tf = predictions[tf_column].fillna(0.0).to_numpy(dtype=float) \
            if tf_column in predictions else np.zeros(n)
        weight = predictions[f"mw_{spec.name}"].fillna(0.0).to_numpy(dtype=float) + tf
        columns[f"gamma_{spec.name}"] = predictions[f"gamma_{spec.name}"].to_numpy()
        columns[f"w_{spec.name}"] = weight.round(1)
        columns[f"tf_{spec.name}"] = tf.round(1)
    return pd.DataFrame(columns)


def waterfall_terms(table: pd.DataFrame, specs: list[ComparisonSpec]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(labels, weights) from a ``_term_table``: one column per comparison, weights
    including any term-frequency adjustment, as splink's waterfall chart adds them up."""
    n = len(table)
    labels = np.empty((n, len(specs)), dtype=object)
    weights = np.zeros((n, len(specs)), dtype=float)
    for index, spec in enumerate(specs):
        weights[:, index] = table[f"w_{spec.name}"].to_numpy(dtype=float)
        labels[:, index] = _term_labels(table[f"gamma_{spec.name}"], spec,
                                        table[f"tf_{spec.name}"].to_numpy(dtype=float))
    return labels, weights


def predictions_reasons(predictions: pd.DataFrame, specs: list[ComparisonSpec],
                        max_terms: int) -> np.ndarray:
    """The reasons text of every scored pair (splink columns gamma_*, mw_*, mw_tf_adj_*).

    Pairs share a handful of patterns, so the text is built once per distinct pattern and
    shared: a million links cost a few thousand strings, not millions.
    """
    table = _term_table(predictions, specs)
    if table.empty:
        return np.array([], dtype=object)
    codes = table.groupby(list(table.columns), sort=False, dropna=False).ngroup().to_numpy()
    distinct = table.drop_duplicates().reset_index(drop=True)
    labels, weights = waterfall_terms(distinct, specs)
    return reasons_text(labels, weights, max_terms)[codes]


def reasons_text(labels: np.ndarray, weights: np.ndarray, max_terms: int) -> np.ndarray:
    """The ``max_terms`` largest terms per row, largest first, as 'label (+w.w); ...'.

    Terms with no weight (a field missing on either record) are left out.

    >>> labels = np.array([["surname exact", "dob missing", "postcode differs"]], dtype=object)
    >>> weights = np.array([[8.14, 0.0, -2.0]])
    >>> reasons_text(labels, weights, 3)[0]
    'surname exact (+8.1); postcode differs (-2.0)'
    """
    n, width = weights.shape
    if n == 0:
        return np.array([], dtype=object)
    order = np.argsort(-np.abs(weights), axis=1, kind="stable")[:, :max_terms]
    rows = np.arange(n)[:, None]
    top_labels = labels[rows, order]
    top_weights = weights[rows, order]
    text = np.full(n, "", dtype=object)
    for k in range(order.shape[1]):
        present = np.abs(top_weights[:, k]) >= 0.05
        weight_text = np.char.mod("%+.1f", top_weights[:, k]).astype(object)
        term = top_labels[:, k] + " (" + weight_text + ")"
        separator = np.where(text == "", "", "; ")
        text = np.where(present, text + separator + term, text)
    return np.where(text == "", "no evidence either way", text)


def prefix_reasons(reasons: pd.Series, prefix: pd.Series) -> pd.Series:
    """Put a decisive reason (PNC, analyst) in front of the splink terms."""
    has_prefix = prefix.fillna("") != ""
    return reasons.where(~has_prefix, prefix + "; " + reasons)


def split_evidence(reasons: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The terms of each reasons text, split into evidence for (positive weight) and against
    (negative weight), each as 'label (+w.w); ...'; decisive words (no weight) count for.

    >>> split_evidence(pd.Series(["surname exact (+8.1); dob differs (-20.0); sex same (+1.0)"]))
    (array(['surname exact (+8.1); sex same (+1.0)'], dtype=object), array(['dob differs (-20.0)'], dtype=object))
    """
    terms = reasons.fillna("").astype(str).str.split("; ")
    pros, cons = [], []
    for parts in terms:
        against = [p for p in parts if p.endswith(")") and "(-" in p]
        pros.append("; ".join(p for p in parts if p and p not in against) or "none")
        cons.append("; ".join(against) or "none")
    return np.array(pros, dtype=object), np.array(cons, dtype=object)
