"""Synthetic police force generator: contract-shaped extracts with ground truth.

``generate_force`` writes people, incidents, involvements, measures and referrals in the shape
of DATA_CONTRACT.md, plus ``ground_truth_people`` and ``ground_truth_perpetrators``, which say
which records are one real person and which perpetrators a good ranking must surface. All
names, dates and places are invented.
"""

from synth.generate import GenerationSummary, generate_force

__all__ = ["GenerationSummary", "generate_force"]
