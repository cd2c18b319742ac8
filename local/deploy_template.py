"""Build a stage's deployable artefacts: merge template, Chalice package, lean zip, CFN template.

``package()`` is what ``make package`` and ``make deploy`` run:

1. ``merge_template()``: ``infra/template.yaml`` with the one bookings table definition
   (``infra/bookings-table.json``, shared with ``local/aws.py``) put into ``BookingsTable``.
2. ``chalice package --stage STAGE --merge-template merge-template.json build/STAGE``
   (Chalice's documented way, topics/cfn.rst): the SAM template ``sam.json`` and
   ``deployment.zip``.
3. Fragments of the merge template that Chalice had nothing to merge into (a function
   app.py does not define yet) are dropped with a warning instead of breaking the template.
4. ``deployment.zip`` is rewritten without the dependencies' own test suites (e.g.
   ``icalendar/tests``), which a Lambda never reads, and deterministically (sorted entries,
   fixed timestamps), so an unchanged app gives the same bytes and a no-op deploy.

``cloudformation_template()`` then expands the SAM template with aws-sam-translator, the
library behind CloudFormation's own ``AWS::Serverless`` transform, so the template that is
linted, tested against moto and deployed is one and the same plain CloudFormation document.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from local.aws import bookings_table

PROJECT_DIR = Path(__file__).resolve().parent.parent
INFRA_TEMPLATE = PROJECT_DIR / "infra" / "template.yaml"
TABLE_RESOURCE = "BookingsTable"

# Top-level entries of the zip that are the app (or Chalice's runtime), never stripped.
APP_ENTRIES = frozenset({"app.py", "chalicelib", "chalice"})
# Directory names that hold a dependency's own tests or caches (caches are stripped everywhere).
STRIPPED_DIRS = frozenset({"tests", "test", "__pycache__"})
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class PackageError(RuntimeError):
    """chalice package failed, or its output is not what the deployment needs."""


# ---------------------------------------------------------------- CloudFormation YAML


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form intrinsics (!Ref, !Sub, !GetAtt, ...)."""


def _intrinsic(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    return construct


_FUNCTIONS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "GetAtt",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
)
_TAGS = {"!Ref": "Ref", "!Condition": "Condition"} | {f"!{fn}": f"Fn::{fn}" for fn in _FUNCTIONS}
for _tag, _name in _TAGS.items():
    _CfnLoader.add_constructor(_tag, _intrinsic(_name))


def load_cfn_yaml(text: str) -> dict[str, Any]:
    loaded = yaml.load(text, Loader=_CfnLoader)  # a SafeLoader subclass
    if not isinstance(loaded, dict):
        raise PackageError("a CloudFormation template must be a mapping")
    return loaded


# ---------------------------------------------------------------- merge template


def merge_template(template_file: Path = INFRA_TEMPLATE) -> dict[str, Any]:
    """infra/template.yaml with the shared bookings table definition put in place."""
    template = load_cfn_yaml(template_file.read_text(encoding="utf-8"))
    table = template["Resources"][TABLE_RESOURCE]["Properties"]
    shared = bookings_table().properties
    overlap = sorted(set(shared) & set(table))
    if overlap:
        raise PackageError(
            f"{template_file.name} sets {', '.join(overlap)} of {TABLE_RESOURCE}: "
            "those come from infra/bookings-table.json only"
        )
    table.update(json.loads(json.dumps(shared)))
    return template


def prune_fragments(template: dict[str, Any]) -> list[str]:
    """Drop merge fragments Chalice generated nothing for; returns their logical ids."""
    resources: dict[str, Any] = template["Resources"]
    orphans = sorted(name for name, body in resources.items() if "Type" not in body)
    for name in orphans:
        del resources[name]
    return orphans


# ---------------------------------------------------------------- the zip


def _is_stripped(name: str) -> bool:
    parts = PurePosixPath(name).parts
    if name.endswith(".pyc") or "__pycache__" in parts[:-1]:
        # Bytecode of whatever machine packaged it (the app's too): it would make the zip, and
        # so the deploy, depend on which tests ran before, and it names local paths.
        return True
    if not parts or parts[0] in APP_ENTRIES:
        return False
    return any(part in STRIPPED_DIRS for part in parts[:-1])


def lean_zip(source: Path, target: Path) -> list[str]:
    """Copy ``source`` to ``target`` without dependency tests; deterministic bytes."""
    removed: list[str] = []
    with zipfile.ZipFile(source) as original:
        entries = sorted(original.infolist(), key=lambda info: info.filename)
        tmp = target.with_suffix(".tmp")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as lean:
            for info in entries:
                if _is_stripped(info.filename):
                    removed.append(info.filename)
                    continue
                copy = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
                copy.external_attr = info.external_attr
                copy.compress_type = zipfile.ZIP_DEFLATED
                lean.writestr(copy, original.read(info), compresslevel=9)
    tmp.replace(target)
    return removed


# ---------------------------------------------------------------- package


@dataclass(frozen=True)
class Package:
    stage: str
    directory: Path
    sam_template: Path
    zip_path: Path
    zip_bytes: int
    stripped_entries: int
    pruned_fragments: tuple[str, ...]

    @property
    def code_sha256(self) -> str:
        return hashlib.sha256(self.zip_path.read_bytes()).hexdigest()

    def template(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.sam_template.read_text(encoding="utf-8"))
        return loaded


def _chalice_command() -> list[str]:
    script = Path(sys.executable).parent / "chalice"
    if script.exists():
        return [str(script)]
    found = shutil.which("chalice")
    if found is None:
        raise PackageError("chalice is not installed (make install)")
    return [found]


def package(stage: str, out_dir: Path, *, project_dir: Path = PROJECT_DIR) -> Package:
    """Run the whole packaging for ``stage`` into ``out_dir`` (emptied first)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = out_dir.parent / f".{out_dir.name}.merge"
    work.mkdir(parents=True, exist_ok=True)
    merge_file = work / "merge-template.json"
    merge_file.write_text(json.dumps(merge_template(), indent=2) + "\n", encoding="utf-8")
    command = [
        *_chalice_command(),
        "--project-dir",
        str(project_dir),
        "package",
        "--stage",
        stage,
        "--merge-template",
        str(merge_file),
        str(out_dir),
    ]
    # chalice package wants a region although the template takes it from AWS::Region.
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise PackageError(f"chalice package failed:\n{done.stdout}{done.stderr}")
    shutil.move(str(merge_file), out_dir / "merge-template.json")
    shutil.rmtree(work, ignore_errors=True)

    sam_path = out_dir / "sam.json"
    sam: dict[str, Any] = json.loads(sam_path.read_text(encoding="utf-8"))
    pruned = prune_fragments(sam)
    for name in pruned:
        print(
            f"warning: app.py defines no {name!r}; its settings in infra/template.yaml wait "
            "for it (dropped from this package)",
            file=sys.stderr,
        )
    sam_path.write_text(json.dumps(sam, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    zip_path = out_dir / "deployment.zip"
    removed = lean_zip(zip_path, zip_path)
    return Package(
        stage=stage,
        directory=out_dir,
        sam_template=sam_path,
        zip_path=zip_path,
        zip_bytes=zip_path.stat().st_size,
        stripped_entries=len(removed),
        pruned_fragments=tuple(pruned),
    )


def load_package(stage: str, directory: Path) -> Package:
    """A package built earlier (``--package-dir``): checks it holds what deploy needs."""
    sam_path, zip_path = directory / "sam.json", directory / "deployment.zip"
    if not sam_path.exists() or not zip_path.exists():
        raise PackageError(f"{directory} holds no sam.json and deployment.zip")
    return Package(
        stage=stage,
        directory=directory,
        sam_template=sam_path,
        zip_path=zip_path,
        zip_bytes=zip_path.stat().st_size,
        stripped_entries=0,
        pruned_fragments=(),
    )


# ---------------------------------------------------------------- SAM -> CloudFormation


def cloudformation_template(
    sam: dict[str, Any], *, code_uri: str, parameters: dict[str, str], region: str
) -> dict[str, Any]:
    """The SAM template as plain CloudFormation, its functions' code at ``code_uri``.

    Managed policy names are never looked up (every function runs as AppRole), so the
    translation needs no AWS call.
    """
    import boto3
    from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
    from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]
    from samtranslator.utils.py27hash_fix import (  # type: ignore[import-untyped]
        to_py27_compatible_template,
        undo_mark_unicode_str_in_template,
    )

    template = json.loads(json.dumps(sam))
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = code_uri
    values: dict[str, Any] = dict(parameters)
    to_py27_compatible_template(template, values)
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    transformed = translator.translate(
        template, parameter_values=values, get_managed_policy_map=dict
    )
    result: dict[str, Any] = json.loads(json.dumps(undo_mark_unicode_str_in_template(transformed)))
    return result


def template_body(template: dict[str, Any]) -> str:
    """Canonical JSON: the same template always gives the same bytes (no-op detection)."""
    return json.dumps(template, sort_keys=True, separators=(",", ":"))
