"""Text as one Arrow array, and integer codes for it in the sorted order of its distinct
values, worked out by Arrow.

Person ids and other text columns are grouped and joined on integer codes throughout ingest
and scoring; pandas' sorted ``factorize`` makes a Python object per distinct value and sorts
them in Python, which at millions of rows costs seconds. Here one Arrow dictionary encoding
finds the distinct values and only those are sorted (not at all when they come out sorted).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def arrow_text(values: object) -> pa.Array:
    """Text (an object array, a pandas string array or Series) as one Arrow ``large_string``
    array, the storage of pandas' ``str`` columns (missing values null).

    >>> import numpy as np
    >>> arrow_text(np.array(["a", np.nan], dtype=object)).to_pylist()
    ['a', None]
    """
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def text_buffers(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The value boundaries (``len(text) + 1`` offsets into the bytes: value ``i`` is
    ``data[ends[i]:ends[i + 1]]``) and the bytes of a string or large string array, as NumPy
    views of its buffers, nothing copied; a missing value is empty here.

    >>> ends, data = text_buffers(pa.array(["ab", "", "c"]).slice(1))
    >>> ends.tolist(), bytes(data[ends[0]:ends[-1]])
    ([2, 2, 3], b'c')
    """
    width = np.int64 if pa.types.is_large_string(text.type) else np.int32
    _, offsets, data = text.buffers()
    ends = np.frombuffer(offsets, dtype=width)[text.offset:text.offset + len(text) + 1] if len(text) \
        else np.zeros(1, dtype=width)
    return ends, np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)


def ascending(text: pa.Array | pa.ChunkedArray, strictly: bool = False) -> bool:
    """Whether ``text`` (with no missing value) is in ascending byte order: each value at least
    (``strictly``: above) the one before. One pass, as extracts keyed by id often come: what
    a sort or a hash of every value would tell, for nothing like their cost.

    >>> ascending(pa.array(["a", "a", "b"])), ascending(pa.array(["a", "a", "b"]), strictly=True)
    (True, False)
    """
    if len(text) < 2:
        return True
    if text.null_count:
        return False
    compare = pc.less if strictly else pc.less_equal
    return bool(pc.all(compare(text[:-1], text[1:])).as_py())


def sort_order(text: pa.Array) -> np.ndarray:
    """The positions of ``text`` in ascending (byte) order, ties in their order: Arrow's stable
    sort, skipped when the text is in order already, as extracts keyed by id often come (one
    pass, against 0.6 s to sort two million record ids).

    >>> sort_order(pa.array(["b", "a", "c"])).tolist(), sort_order(pa.array(["a", "a", "b"])).tolist()
    ([1, 0, 2], [0, 1, 2])
    """
    if ascending(text):
        return np.arange(len(text), dtype=np.int64)
    return np.asarray(pc.sort_indices(text), dtype=np.int64)


def sorted_codes(text: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Each value's place among the distinct values of ``text`` sorted (-1: missing), and
    those distinct values, sorted (what pandas' ``factorize(sort=True)`` gives).

    >>> codes, distinct = sorted_codes(pa.array(["P2", None, "P1", "P2"]))
    >>> codes.tolist(), distinct.to_pylist()
    ([1, -1, 0, 1], ['P1', 'P2'])
    """
    encoded = pc.dictionary_encode(text)
    dictionary = encoded.dictionary
    order = sort_order(dictionary)
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # what a missing value (index -1) looks up
    codes = rank[np.asarray(pc.fill_null(encoded.indices, -1), dtype=np.int64)]
    return codes, dictionary.take(pa.array(order))


def positions_of(ids: pa.Array, wanted: pa.Array) -> np.ndarray:
    """The position in ``ids`` of each of ``wanted`` (-1: not there, or missing; an id there
    more than once: its last place), hashing only ``wanted``: for a few ids among millions,
    far cheaper than hashing the millions.

    >>> positions_of(pa.array(["a", "b", "c"]), pa.array(["c", "z", None, "a"])).tolist()
    [2, -1, -1, 0]
    """
    distinct = pc.unique(wanted)
    place = np.full(len(distinct) + 1, -1, dtype=np.int64)  # the last: what a missing value looks up
    found = np.asarray(pc.fill_null(pc.index_in(ids, value_set=distinct), -1), dtype=np.int64)
    held_at = np.flatnonzero(found >= 0)
    place[found[held_at]] = held_at
    return place[np.asarray(pc.fill_null(pc.index_in(wanted, value_set=distinct), -1), dtype=np.int64)]
