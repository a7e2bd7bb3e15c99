"""Wheel build hook: builds the web app (``web/`` → ``src/javumbo/webapp``) into the wheel, the
way JupyterLab ships its front end, so ``javumbo serve`` serves the page wherever it is installed.

Editable installs skip it (the app is served from the source tree, which ``make run`` builds).
``JAVUMBO_SKIP_WEB_BUILD=1`` skips it too, shipping whatever build is already there.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class WebAppBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        if os.environ.get("JAVUMBO_SKIP_WEB_BUILD") == "1":
            return
        root = Path(self.root)
        spec = importlib.util.spec_from_file_location(
            "build_webapp", root / "tools" / "build_webapp.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.build(root)
