"""Synthetic data with known truth, for demos, tests and benchmarks.

``generate_force`` writes people, incidents, involvements, measures and referrals in the shape
of docs/data-contract.md, plus ``ground_truth_people`` and ``ground_truth_perpetrators``, which
say which records are one real person and which perpetrators a good ranking must surface.
``synth.person_records`` makes fragmented person records alone, with the true person of each,
and scores a clustering against them (``pairwise_accuracy``), for entity-resolution tests and
benches. All names, dates and places are invented.
"""

from synth.generate import GenerationSummary, generate_force

__all__ = ["GenerationSummary", "generate_force"]
