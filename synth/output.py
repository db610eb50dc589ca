"""Writing the generated tables as CSV or Parquet, all columns as text (ids are strings).

pyarrow writes both formats: it is fast at the 2-million-row scale and byte-stable for a
given input, which the determinism guarantee (same seed, same files) relies on. CSV values
are never quoted; the generator never produces commas, quotes or line breaks in a value, and
pyarrow refuses to write one if it ever did, so a bug cannot silently shift columns.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

FORMATS = ("csv", "parquet")


def to_arrow(frame: pd.DataFrame, columns: list[str]) -> pa.Table:
    """Exactly ``columns``, in order, as nullable strings (None/NaN -> empty cell)."""
    arrays = []
    for name in columns:
        column = frame[name]
        if isinstance(column.dtype, pd.StringDtype):
            # Arrow-backed strings (pandas' default) convert without a copy.
            arrays.append(pa.array(column, type=pa.string()))
        else:
            values = column.to_numpy(dtype=object, na_value=None)
            arrays.append(pa.array(values, type=pa.string(), from_pandas=True))
    return pa.Table.from_arrays(arrays, names=list(columns))


def write_table(frame: pd.DataFrame, columns: list[str], out_dir: Path, stem: str, fmt: str) -> Path:
    """Write one table as ``out_dir/stem.csv`` or ``.parquet``; returns the path."""
    table = to_arrow(frame, columns)
    path = out_dir / f"{stem}.{fmt}"
    if fmt == "csv":
        # pyarrow quotes header names whatever the style; write a plain header ourselves.
        options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
        with path.open("wb") as handle:
            handle.write((",".join(columns) + "\n").encode("utf-8"))
            pa_csv.write_csv(table, handle, write_options=options)
    else:
        pq.write_table(table, path, compression="zstd")
    return path
