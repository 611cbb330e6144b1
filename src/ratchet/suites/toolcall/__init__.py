"""`toolcall`: choose one function among several and call it with the right arguments.

Built in: 60 function schemas in 10 domains (weather, calendar, messaging, files, music, smart
home, banking, shop, travel, maths), 20 requests each, written from verb phrases and five
phrasing styles with values spelt as people spell them. The answer is one JSON call; the verifier
compares calls after normalising argument order, types and spellings (`calls`).

Distribution shift: music and smart-home requests, and every request in the "narrative" style,
are test-only, so test holds domains and phrasings that train and dev never show.

    from ratchet.suites.toolcall import ToolCallSuite, load_toolcall_file
    suite = load_toolcall_file("my_tools.json")      # or --suite toolcall:my_tools.json
"""

from ratchet.suites.toolcall.calls import normalise_call, parse_call
from ratchet.suites.toolcall.suite import HELD_OUT_DOMAINS, HELD_OUT_STYLES, ToolCallSuite, candidate_prefix
from ratchet.suites.toolcall.userfile import load_toolcall_file

__all__ = [
    "HELD_OUT_DOMAINS",
    "HELD_OUT_STYLES",
    "ToolCallSuite",
    "candidate_prefix",
    "load_toolcall_file",
    "normalise_call",
    "parse_call",
]
