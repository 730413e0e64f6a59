"""Solara's front-end assets, kept locally so the dashboard works without internet.

A Solara page loads its JavaScript and CSS through the server's `/_solara/cdn/` proxy, which fetches
them from a public CDN. A workshop room may have no internet (and these development machines reach
no CDN), so `govsim dashboard --fetch-assets` fetches the same files once as npm packages
(`npm pack`, from the npm registry) into a cache, and the server is pointed at it with
SOLARA_ASSETS_PROXY_CACHE_DIR. Which packages: read from the installed solara's own templates, so
the list follows solara upgrades.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path


class AssetsUnavailable(RuntimeError):
    """The assets cannot be fetched (no npm, or npm failed)."""


# `{{cdn}}/requirejs@2.3.6/require.js` in solara's templates, `${this.getCdn()}/katex@0.16.9/dist/...`
# in its Vue components: an npm package spec (name@version-or-range) and a file in that package.
_CDN_REF = re.compile(
    r"(?:\{\{\s*cdn\s*\}\}|\$\{this\.getCdn\(\)\})/"
    r"(?P<spec>(?:@[\w.-]+/)?[\w.-]+@[\w.+-]+)/(?P<file>[\w./-]+)"
)
# `${this.getCdn()}/echarts@${version}/dist/echarts.js` with `const version = "5.4.0";` in the same
# component (solara's FigureEcharts): the version is read from the constant.
_CDN_REF_VAR = re.compile(
    r"\$\{this\.getCdn\(\)\}/(?P<name>(?:@[\w.-]+/)?[\w.-]+)@\$\{(?P<var>\w+)\}/(?P<file>[\w./-]+)"
)
_CONST = re.compile(r"""(?:const|let|var)\s+(?P<var>\w+)\s*=\s*["'](?P<value>[\w.+-]+)["']""")


def cache_dir() -> Path:
    """$GOVSIM_SOLARA_CDN, or ~/.cache/govsim/solara-cdn (about 140 MB once fetched)."""
    return Path(os.environ.get("GOVSIM_SOLARA_CDN")
                or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "govsim" / "solara-cdn")


def cdn_refs() -> dict[str, set[str]]:
    """npm package spec -> files that this solara's front end asks its /_solara/cdn/ proxy for."""
    import solara
    from solara.server import settings

    root = Path(solara.__file__).parent
    refs: dict[str, set[str]] = {}
    for path in root.rglob("*"):
        if path.suffix not in {".py", ".vue", ".j2", ".html", ".js"} or "website" in path.relative_to(root).parts:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        for m in _CDN_REF.finditer(text):
            refs.setdefault(m["spec"], set()).add(m["file"])
        consts = {c["var"]: c["value"] for c in _CONST.finditer(text)}
        for m in _CDN_REF_VAR.finditer(text):
            if m["var"] in consts:
                refs.setdefault(f"{m['name']}@{consts[m['var']]}", set()).add(m["file"])
    fontawesome = settings.assets.fontawesome_path.lstrip("/")  # "font-awesome@4.5.0/css/font-awesome.min.css"
    spec, _, file = fontawesome.partition("/")
    refs.setdefault(spec, set()).add(file)
    # The page template has both app bundles; the server picks one by ipyvue's major version.
    ipyvue_major = int(importlib.metadata.version("ipyvue").split(".")[0])
    unused = "@widgetti/solara-vuetify-app@" if ipyvue_major >= 3 else "@widgetti/solara-vuetify3-app@"
    return {s: files for s, files in refs.items() if not s.startswith(unused)}


def missing(cache: Path | None = None) -> list[str]:
    cache = cache or cache_dir()
    return sorted(spec for spec in cdn_refs() if not (cache / spec).is_dir())


def ensure(cache: Path | None = None) -> Path:
    """Fetch whatever the cache lacks; return the cache folder."""
    cache = cache or cache_dir()
    refs = cdn_refs()
    absent = sorted(spec for spec in refs if not (cache / spec).is_dir())
    if absent:
        _fetch_npm_packages(absent, cache)
    for spec, files in refs.items():
        for file in files:
            path = cache / spec / file
            # The CDN minifies on the fly: `require.min.js` is not in the npm package, `require.js` is.
            if not path.exists() and path.name.endswith(".min.js"):
                plain = path.with_name(path.name[: -len(".min.js")] + ".js")
                if plain.exists():
                    shutil.copyfile(plain, path)
    return cache


def _npm_name(spec: str) -> str:
    return spec.rsplit("@", 1)[0]


def _fetch_npm_packages(specs: list[str], cache: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsUnavailable(f"npm is needed to fetch Solara's front-end assets ({', '.join(specs)}); "
                                "install Node.js and npm (Debian: apt install npm)")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".fetch-") as tmp:
        try:
            out = subprocess.run([npm, "pack", "--json", "--pack-destination", tmp, *specs], cwd=tmp,
                                 capture_output=True, text=True, timeout=300, check=True).stdout
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise AssetsUnavailable(f"`npm pack {' '.join(specs)}` failed: {getattr(exc, 'stderr', '') or exc}") \
                from None
        tarballs = {entry["name"]: Path(tmp) / entry["filename"] for entry in json.loads(out)}
        for n, spec in enumerate(specs):
            staging = Path(tmp) / f"unpacked-{n}"
            with tarfile.open(tarballs[_npm_name(spec)]) as tar:
                members = []
                for member in tar.getmembers():  # drop the tarball's top folder ("package/")
                    _, _, rest = member.name.partition("/")
                    if rest:
                        member.name = rest
                        members.append(member)
                tar.extractall(staging, members=members, filter="data")
            target = cache / spec
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                staging.rename(target)  # all at once: a folder in the cache is a complete package
            except OSError:
                if not target.is_dir():
                    raise
