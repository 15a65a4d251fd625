"""The initial weights of a from-scratch run: the one-layer eSR families start as their authors' code starts them.

The eSR families' published training code draws each filter from a Xavier-normal distribution
(gain 1) and then sets every filter's centre tap (first input channel) to 1, so each output channel
starts as "copy the LR pixel" plus noise, every channel in play for the max / softmax from the first
step. Measured for eSR-MAX_s2_K3_C2 on T91 (docs/training.md): Set14 30.66 dB after 500 steps with
it, 29.31 dB with PyTorch's default initialisation (30.86 and 30.84 dB after 4000). Other modules
keep the initialisation their constructor gives them.
"""

from torch import nn

from edgesr.models.registry import parse_model_id

CENTRE_TAP_FAMILIES = ("eSR-MAX", "eSR-TM", "eSR-TR", "eSR-CNN")


def centre_tap_init(module):
    """Xavier-normal (gain 1) for every conv of ``module.filter``, then its centre tap of input channel 0 set to 1."""
    for layer in module.filter.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.xavier_normal_(layer.weight, gain=1.0)
            kernel_h, kernel_w = layer.weight.shape[2:]
            layer.weight.data[:, 0, kernel_h // 2, kernel_w // 2] = 1.0
    return module


def initialise(module, architecture):
    """Re-draw ``module``'s weights the way its family's authors did (from the global torch RNG); the
    family name, or None when the module keeps its constructor's initialisation."""
    config = parse_model_id(str(architecture))
    if config is not None and config.family in CENTRE_TAP_FAMILIES:
        centre_tap_init(module)
        return config.family
    return None
