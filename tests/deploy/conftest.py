"""Deploy tests: one `chalice package` per session (it is the slow part), shared by all."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local import deploy_template
from local.deploy_template import Package

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
CODE_URI = f"s3://roomlinks-artifacts-{ACCOUNT}-{REGION}/dev/code-test.zip"

_facts: dict[str, str] = {}


@dataclass(frozen=True)
class Packaged:
    package: Package
    sam: dict[str, Any]
    cfn: dict[str, Any]
    cfn_path: Path
    seconds: float

    def resource(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.sam["Resources"][name]
        return found

    def functions(self) -> dict[str, dict[str, Any]]:
        return {
            name: body
            for name, body in self.sam["Resources"].items()
            if body["Type"] == "AWS::Serverless::Function"
        }


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    started = time.monotonic()
    base = tmp_path_factory.mktemp("deploy")
    package = deploy_template.package("dev", base / "dev")
    seconds = time.monotonic() - started
    sam = package.template()
    cfn = deploy_template.cloudformation_template(
        sam, code_uri=CODE_URI, parameters={"Stage": "dev"}, region=REGION
    )
    cfn_path = base / "cloudformation.json"
    cfn_path.write_text(json.dumps(cfn, indent=2), encoding="utf-8")
    _facts["package"] = (
        f"deployment.zip {package.zip_bytes} bytes ({package.zip_bytes / 1e6:.2f} MB), "
        f"{package.stripped_entries} test and bytecode files left out; packaged in {seconds:.1f} s"
    )
    return Packaged(package, sam, cfn, cfn_path, seconds)


@pytest.fixture(scope="session")
def deploy_facts() -> dict[str, str]:
    """Figures the session prints at its end (zip size, deploy timings)."""
    return _facts


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _facts:
        terminalreporter.section("deploy")
        for key, value in sorted(_facts.items()):
            terminalreporter.write_line(f"{key}: {value}")
