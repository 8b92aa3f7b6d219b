# Home Assistant 2026 aliases `voluptuous` to `probatio` at import time (homeassistant/__init__.py
# calls probatio's install_as_voluptuous). This stub tells mypy the same, so `import voluptuous as vol`
# type-checks as the module it really is at run time.
from probatio import *  # noqa: F403
