"""Heavier reference SR architectures to compare the zoo against, written from their papers (luma in/out).

They come untrained (``has_weights = False``): ``edgesr train --model 'edgesr.baselines:edsr_baseline?scale=2'``
makes a run that every other command takes. Factories follow the model-spec contract of
``edgesr.models.source``: ``edgesr.baselines:edsr_baseline?scale=3``, ``edgesr.baselines:window_attention_sr``.
"""

from edgesr.baselines.edsr import EDSR, edsr_baseline
from edgesr.baselines.window_attention import WindowAttentionSR, window_attention_sr

__all__ = ["EDSR", "WindowAttentionSR", "edsr_baseline", "window_attention_sr"]
