"""Silence pyspark's import-time warning about pandas 3, once, before anything imports it.

With the ``spark`` extra installed, pandera imports ``pyspark.pandas`` whenever it is imported
itself, and pyspark 4 then warns on every command that it does not fully support pandas 3.
Nothing here uses pyspark's pandas API; resolution on Spark only moves strings and numbers
through Arrow, which tests compare with DuckDB's pair by pair. Import this module before
pandera (``ingest.validate``, ``scoring.catalogue``) and before pyspark.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                        category=FutureWarning)
