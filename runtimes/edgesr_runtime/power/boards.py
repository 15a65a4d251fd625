"""Which Jetson rails add up to the board total, per board (shared by the INA3221 and tegrastats meters).

The on-module INA3221 monitors differ per board. On some boards one rail already is the module
input (Nano ``POM_5V_IN``, Xavier NX / Orin NX / Orin Nano ``VDD_IN``); on AGX Xavier there is no
input rail, so the total is the sum of its six supply rails. Nothing here measures the carrier
board: an external meter at the barrel jack reads more.
"""

import os

# (model substrings, board name, alternatives). Each alternative is a tuple of rails to add up; the
# first alternative whose rails are all present wins. Checked in order, so specific names go first.
BOARD_TOTALS = (
    (("orin nano", "orin nx"), "Jetson Orin NX / Orin Nano", (("VDD_IN",),)),
    (("agx orin",), "Jetson AGX Orin", (
        ("VDD_IN",),
        ("VDD_GPU_SOC", "VDD_CPU_CV", "VIN_SYS_5V0", "VDDQ_VDD2_1V8AO"),
        ("VDD_GPU_SOC", "VDD_CPU_CV", "VIN_SYS_5V0"),
    )),
    (("xavier nx",), "Jetson Xavier NX", (("VDD_IN",),)),
    (("agx xavier", "jetson-agx", "jetson agx"), "Jetson AGX Xavier", (
        ("GPU", "CPU", "SOC", "CV", "VDDRQ", "SYS5V"),
    )),
    (("tx2", "quill"), "Jetson TX2", (("VDD_IN",),)),
    (("nano",), "Jetson Nano", (("POM_5V_IN",), ("VDD_IN",))),
)

# Rails that are the module input wherever they appear, for boards not in the table.
INPUT_RAILS = ("VDD_IN", "POM_5V_IN")


# Where the board model can be read, in order. Docker masks /sys/firmware (and with it the device tree
# behind /proc/device-tree); the SoC bus's ``machine`` attribute (the device-tree model, filled in by the
# kernel's soc driver) is not masked, so it still names the board inside a container.
MODEL_SOURCES = ("proc/device-tree/model", "sys/firmware/devicetree/base/model", "sys/devices/soc0/machine")

# Set this to the board's model string when none of MODEL_SOURCES is readable.
BOARD_ENV = "EDGESR_BOARD"

UNKNOWN_MODEL = ("board model unknown (none of /%s readable: inside Docker /sys/firmware is masked; "
                 "set %s, e.g. %s='Jetson AGX Xavier')" % (", /".join(MODEL_SOURCES), BOARD_ENV, BOARD_ENV))


def read_board_model(root="/", environ=None):
    """The board model: $EDGESR_BOARD, else the first readable of MODEL_SOURCES; None when none is."""
    override = (os.environ if environ is None else environ).get(BOARD_ENV, "").strip()
    if override:
        return override
    for rel in MODEL_SOURCES:
        path = os.path.join(root, rel)
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        text = text.replace("\x00", "").strip()
        if text:
            return text
    return None


def board_total(model, rail_names):
    """Pick the rails whose sum is the board total: returns ``(rails, board_name, note)``.

    ``note`` explains a fallback (unknown board, or a table entry whose rails were not all found).
    """
    present = set(rail_names)
    board, why = None, UNKNOWN_MODEL if not model else "board %r is not in the table" % (model,)
    lowered = (model or "").lower()
    for needles, name, alternatives in BOARD_TOTALS:
        if any(n in lowered for n in needles):
            board = name
            for rails in alternatives:
                if all(r in present for r in rails):
                    note = None
                    if rails != alternatives[0]:
                        note = "%s: %s not all found, total = %s" % (
                            name, "+".join(alternatives[0]), "+".join(rails))
                    return rails, board, note
            why = "%s: expected rails %s not found" % (name, "+".join(alternatives[0]))
            break
    for rail in INPUT_RAILS:
        if rail in present:
            return (rail,), board, "%s: using input rail %s" % (why, rail)
    rails = tuple(rail_names)
    return rails, board, "%s: total = sum of all rails (%s), may double count" % (why, "+".join(rails))


def total_label(rails):
    """``VDD_IN`` for one rail, ``sum(GPU+CPU+...)`` for several."""
    return rails[0] if len(rails) == 1 else "sum(%s)" % "+".join(rails)
