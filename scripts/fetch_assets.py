"""Fetch the vendored browser assets (Apache ECharts) and verify them against a checksum.

    python3 scripts/fetch_assets.py                    # download from the npm registry
    python3 scripts/fetch_assets.py --from echarts-5.6.0.tgz   # offline: a copied tarball

Reads ``scripts/assets.sha256`` (name, version, SHA-256, URL), downloads each tarball (or
takes the given file), refuses it unless its SHA-256 matches, and extracts the minified
bundle and its licence into ``src/fanzha/web/static/vendor/`` (git-ignored). The desk serves
it from its own ``/static``: nothing is fetched by a browser or at run time. Standard library
only, so it runs before the virtual environment exists.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKSUMS = ROOT / "scripts" / "assets.sha256"
VENDOR = ROOT / "src" / "fanzha" / "web" / "static" / "vendor"
# Files taken out of each package: tarball member -> file name under vendor/.
MEMBERS = {
    "echarts": {
        "package/dist/echarts.min.js": "echarts.min.js",
        "package/LICENSE": "echarts.LICENSE.txt",
        "package/NOTICE": "echarts.NOTICE.txt",
    }
}


class AssetError(Exception):
    """A tarball that cannot be fetched, does not match its checksum or lacks a file."""


def read_checksums(path: Path) -> list[tuple[str, str, str, str]]:
    """(name, version, sha256, url) per non-comment line of the checksum file."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 4:
            raise AssetError(f"{path}:{number}: expected 'name version sha256 url'")
        name, version, digest, url = parts
        entries.append((name, version, digest.lower(), url))
    return entries


def download(url: str) -> bytes:
    """The body at ``url`` (60 s timeout)."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return bytes(response.read())
    except OSError as exc:
        raise AssetError(
            f"cannot download {url}: {exc} (offline? copy the tarball here and run "
            f"scripts/fetch_assets.py --from FILE)"
        ) from exc


def verify(data: bytes, expected: str, origin: str) -> None:
    """Raise unless ``data`` has the SHA-256 ``expected``."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise AssetError(f"{origin}: SHA-256 {actual} does not match the pinned {expected}")


def extract(name: str, data: bytes, target: Path) -> list[Path]:
    """Write the package's wanted members into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member, filename in MEMBERS[name].items():
            source = tar.extractfile(member)
            if source is None:
                raise AssetError(f"{name}: the tarball has no {member}")
            path = target / filename
            path.write_bytes(source.read())
            written.append(path)
    return written


def fetch(local: Path | None) -> None:
    """Install every asset of the checksum file."""
    for name, version, digest, url in read_checksums(CHECKSUMS):
        data = local.read_bytes() if local else download(url)
        verify(data, digest, str(local or url))
        for path in extract(name, data, VENDOR):
            print(f"{name} {version}: {path.relative_to(ROOT)}")  # noqa: T201 - a set-up script
        (VENDOR / f"{name}.version").write_text(f"{version} {digest}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="local", type=Path, help="a tarball already downloaded")
    args = parser.parse_args()
    try:
        fetch(args.local)
    except (AssetError, OSError, tarfile.TarError, KeyError) as exc:
        sys.exit(f"fetch_assets: {exc}")


if __name__ == "__main__":
    main()
