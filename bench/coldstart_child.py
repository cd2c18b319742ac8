"""One cold start, in a fresh interpreter: ``python -m bench.coldstart_child app|baseline``.

Prints JSON: seconds to import the app and to answer its first request in-process. The
baseline is a bare Chalice app that imports boto3 and creates one client, the usual floor.
"""

from __future__ import annotations

import json
import sys
import time

STARTED = time.perf_counter()


def app_first_webhook() -> dict[str, float]:
    import app as roomlinks

    imported = time.perf_counter()
    from chalice.test import Client

    with Client(roomlinks.app, stage_name="local") as client:
        answer = client.http.post(
            "/v1/hooks/zapier",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {sys.argv[3]}"},
            body=sys.argv[2],
        )
    assert answer.status_code == 200, answer.body
    return {"import": imported - STARTED, "first": time.perf_counter() - STARTED}


def baseline_first_request() -> dict[str, float]:
    import boto3
    from chalice.app import Chalice

    bare = Chalice(app_name="baseline")
    client = boto3.client("dynamodb")

    @bare.route("/")
    def index() -> dict[str, str]:
        return {"client": client.meta.service_model.service_name}

    imported = time.perf_counter()
    from chalice.test import Client

    with Client(bare) as test_client:
        assert test_client.http.get("/").status_code == 200
    return {"import": imported - STARTED, "first": time.perf_counter() - STARTED}


if __name__ == "__main__":
    timings = app_first_webhook() if sys.argv[1] == "app" else baseline_first_request()
    print(json.dumps(timings))
