"""Tiny user-model factories for the model-spec tests: one that keeps the contract, and ways to break it."""

import torch
from torch import nn


class TinyShuffle(nn.Module):
    """One 3×3 convolution to scale² channels and a pixel shuffle (a 'trained' module: fixed seed)."""

    def __init__(self, scale):
        super().__init__()
        self.scale = scale
        self.conv = nn.Conv2d(1, scale * scale, 3, padding=1)
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x):
        return self.shuffle(self.conv(x))


def tiny(scale=2, seed=0):
    """A deterministic TinyShuffle (so its weights and hence its bundles' resume key are stable)."""
    torch.manual_seed(seed)
    return TinyShuffle(scale)


def tiny_untrained(scale=2):
    module = TinyShuffle(scale)
    module.has_weights = False
    return module


def no_scale():
    """A module without a scale attribute (the spec must give ?scale=)."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.PixelShuffle(2))


def rgb_output(scale=2):
    """Three output channels: breaks the luma contract."""
    module = nn.Sequential(nn.Conv2d(1, 3 * scale * scale, 3, padding=1), nn.PixelShuffle(scale))
    module.scale = scale
    return module


def wrong_scale():
    """Claims ×3 but upsamples ×2."""
    module = tiny(2)
    module.scale = 3
    return module


def not_a_module():
    return "a string"


def labelled_like_the_zoo():
    module = tiny(2)
    module.model_id = "eSR-MAX_s2_K3_C2"
    return module
