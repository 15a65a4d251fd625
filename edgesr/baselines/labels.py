"""The label of a reference architecture: its family and scale, plus the arguments that differ from the paper's."""


def label(family, scale, arguments, defaults):
    changed = "".join("_%s%s" % (k, v) for k, v in sorted(arguments.items()) if defaults.get(k) != v)
    return "%s_s%d%s" % (family, scale, changed)
