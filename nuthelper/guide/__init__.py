"""``guide``: a person at a terminal led from "I have a UPS" to a written and verified configuration.

``terminal`` asks (readline line editing and completion, defaults, ``<`` back), ``suggest`` offers
model names as the person types, ``flow`` holds the questions. See docs/user-guide.md, "guide".
"""

from nuthelper.guide.flow import Guide, GuideOptions
from nuthelper.guide.terminal import Quit, Terminal

__all__ = ["Guide", "GuideOptions", "Quit", "Terminal"]
