"""Importing the app must not touch the network or AWS: Lambda cold starts pay for it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

PROBE = """
import json, socket, sys
def refuse(*args, **kwargs):
    raise AssertionError("network touched at import time")
socket.socket.connect = refuse
socket.create_connection = refuse
import app
print(json.dumps({
    "boto3": "boto3" in sys.modules,
    "botocore": "botocore" in sys.modules,
    "icalendar": "icalendar" in sys.modules,
    "requests": "requests" in sys.modules,
    "routes": sorted(app.app.routes),
}))
"""


def test_importing_app_loads_no_aws_sdk_and_opens_no_connection() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT)},
    )
    loaded = json.loads(out.stdout)
    assert loaded["boto3"] is False
    assert loaded["botocore"] is False
    assert loaded["icalendar"] is False
    assert "/v1/hooks/{source}" in loaded["routes"]
