"""Writing the generated tables as CSV or Parquet, all columns as text (ids are strings).

pyarrow writes both formats: it is fast at the 2-million-row scale and byte-stable for a
given input, which the determinism guarantee (same seed, same files) relies on. CSV values
are never quoted; the generator never produces commas, quotes or line breaks in a value, and
pyarrow refuses to write one if it ever did, so a bug cannot silently shift columns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

FORMATS = ("csv", "parquet")


def to_arrow(frame: pd.DataFrame, columns: list[str]) -> pa.Table:
    """Exactly ``columns``, in order, as nullable strings (None/NaN -> empty cell)."""
    arrays = []
    for name in columns:
        values = frame[name].to_numpy(dtype=object, na_value=None) if len(frame) else np.zeros(0, dtype=object)
        arrays.append(pa.array(values, type=pa.string(), from_pandas=True))
    return pa.Table.from_arrays(arrays, names=list(columns))


def write_table(frame: pd.DataFrame, columns: list[str], out_dir: Path, stem: str, fmt: str) -> Path:
    """Write one table as ``out_dir/stem.csv`` or ``.parquet``; returns the path."""
    table = to_arrow(frame, columns)
    path = out_dir / f"{stem}.{fmt}"
    if fmt == "csv":
        options = pa_csv.WriteOptions(include_header=True, quoting_style="none")
        pa_csv.write_csv(table, path, write_options=options)
    else:
        pq.write_table(table, path, compression="zstd")
    return path
