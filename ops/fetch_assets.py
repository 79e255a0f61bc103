"""Front-end files from their npm packages, pinned and checked: each package's tarball comes from the npm
registry, is verified against the sha512 integrity the registry published for that version (written
here), and the one file the portal serves is extracted into static_vendor/ (not in git). Run by the
Makefile before anything serves or tests pages; does nothing when the files are already there.

    python ops/fetch_assets.py            # fetch what is missing
    python ops/fetch_assets.py --check    # exit 1 if a file is missing
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static_vendor"
REGISTRY = "https://registry.npmjs.org"

# (package, version, integrity of its tarball, file in the package, name served under /static/vendor/)
ASSETS = [
    (
        "plotly.js-basic-dist-min",
        "4.1.1",
        "sha512-1oNF8PeQx2hv/y7tqEVWKD3JGwn/MGEMQ8mL9HUwsaqG9FGy/OU5FHUHvzqbqxN4mnwZGI9abTiE775C4kkjMQ==",
        "package/plotly-basic.min.js",
        "plotly-basic.min.js",
    ),
]


def tarball_url(package: str, version: str) -> str:
    return f"{REGISTRY}/{package}/-/{package.rsplit('/', 1)[-1]}-{version}.tgz"


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch(package: str, version: str, integrity: str, member: str, target: Path) -> None:
    with urllib.request.urlopen(tarball_url(package, version), timeout=120) as reply:  # noqa: S310 (a fixed https address)
        data = reply.read()
    if integrity_of(data) != integrity:
        raise SystemExit(f"{package}@{version}: tarball does not match its pinned integrity; nothing written")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        content = archive.extractfile(member)
        if content is None:
            raise SystemExit(f"{package}@{version}: {member} is not in the package")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(content.read())
        partial.replace(target)
    stamp(target).write_text(integrity)
    print(f"{package}@{version} → {target}")


def stamp(target: Path) -> Path:
    """Beside each file, the integrity of the tarball it came from: a new pin fetches again."""
    return target.with_name(target.name + ".integrity")


def current(integrity: str, target: Path) -> bool:
    return target.exists() and stamp(target).exists() and stamp(target).read_text() == integrity


def main(argv: list[str]) -> int:
    missing = [asset for asset in ASSETS if not current(asset[2], VENDOR / asset[4])]
    if "--check" in argv:
        for asset in missing:
            print(f"missing: static_vendor/{asset[4]} ({asset[0]}@{asset[1]}); run `python ops/fetch_assets.py`", file=sys.stderr)
        return 1 if missing else 0
    for package, version, integrity, member, name in missing:
        fetch(package, version, integrity, member, VENDOR / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
