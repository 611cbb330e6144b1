"""The word-problem templates, eight for each difficulty from two to six steps."""

from ratchet.suites.gsm.template import Template
from ratchet.suites.gsm.templates.long import FIVE_STEPS, SIX_STEPS
from ratchet.suites.gsm.templates.medium import FOUR_STEPS
from ratchet.suites.gsm.templates.short import THREE_STEPS, TWO_STEPS

TEMPLATES: tuple[Template, ...] = TWO_STEPS + THREE_STEPS + FOUR_STEPS + FIVE_STEPS + SIX_STEPS

__all__ = ["TEMPLATES"]
