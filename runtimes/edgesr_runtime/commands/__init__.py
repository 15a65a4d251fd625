"""The device command line's commands, one module each: ``bench``, ``sweep``, ``check`` (``build-engine`` is
``edgesr_runtime.build_engine``); ``options`` holds the argument groups they share with ``edgesr``'s CLI."""
