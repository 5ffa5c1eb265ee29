"""Offline HTML maps: every script and stylesheet inlined from locally installed npm packages.

A page written by folium loads Leaflet, jQuery, Bootstrap, Font Awesome and the plugins'
JavaScript and CSS from CDNs, so without a network it is blank. In offline mode each of those
``<script src>`` and ``<link rel="stylesheet">`` tags is replaced by the content of the same
file taken from npm packages that ``sjobo-geo assets install`` (:func:`install_assets`) puts in
:data:`sjobo_geo.settings.assets_folder`. ``assets.json`` beside this module pins the packages
and maps each CDN URL to a file.

Inside inlined CSS, images referenced with ``url(...)`` become ``data:`` URIs. Fonts are
embedded once each, in the smallest format available (woff2 where there is one), and
registered with the browser's ``FontFace`` API by a small script placed right after the
stylesheet: Font Awesome declares every font file under three family names (v6, v5 and v4
compatibility), and plain ``data:`` URIs in each ``@font-face`` rule would embed each file
three times. Leaflet is told its default marker images as ``data:`` URIs too (it would
otherwise derive their location from its stylesheet, which no longer names a file).

The assets are never committed to git; install them with::

    sjobo-geo assets install

which runs ``npm install --prefix FOLDER --no-audit --no-fund --no-save --ignore-scripts
PACKAGE@VERSION ...`` for the pinned packages.
"""

from __future__ import annotations

import base64
import functools
import html as html_lib
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo import settings
from sjobo_geo._errors import AssetsMissingError, SjoboGeoError

if TYPE_CHECKING:
    import folium

__all__ = [
    "INSTALL_COMMAND",
    "assets_installed",
    "inline_assets",
    "install_assets",
    "missing_assets",
    "npm_install_command",
    "pinned_packages",
    "save_map",
    "url_map",
]

logger = logging.getLogger(__name__)

#: What to tell a user whose offline assets are missing.
INSTALL_COMMAND = "sjobo-geo assets install"

_MANIFEST = Path(__file__).with_name("assets.json")
_NPM_TIMEOUT = 900.0  # seconds; a first install takes a few seconds on a normal connection

_MIME = {
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".cur": "image/x-icon",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
}

# Preference among the formats of one @font-face rule: smallest first.
_FONT_RANK = {
    "woff2": 0,
    "woff": 1,
    "truetype": 2,
    "ttf": 2,
    "opentype": 3,
    "otf": 3,
    "svg": 4,
    "embedded-opentype": 5,
    "eot": 5,
}

# CSS @font-face descriptors and the matching keys of the FontFace constructor.
_FONT_DESCRIPTORS = {
    "font-style": "style",
    "font-weight": "weight",
    "font-stretch": "stretch",
    "unicode-range": "unicodeRange",
    "font-feature-settings": "featureSettings",
    "font-display": "display",
    "ascent-override": "ascentOverride",
    "descent-override": "descentOverride",
    "line-gap-override": "lineGapOverride",
    "size-adjust": "sizeAdjust",
}

# Top-level tokens of an HTML page: comments, whole script and style elements (so that their
# bodies are never searched for tags), and link tags.
_TOKEN_RE = re.compile(
    r"<!--.*?-->"
    r"|<script\b(?P<script_attrs>[^>]*)>(?P<script_body>.*?)</script\s*>"
    r"|<style\b(?P<style_attrs>[^>]*)>(?P<style_body>.*?)</style\s*>"
    r"|<link\b(?P<link_attrs>[^>]*)>",
    re.IGNORECASE | re.DOTALL,
)
_ATTR_RE = re.compile(r"""([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_CSS_URL_RE = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s"']*))\s*\)""", re.IGNORECASE)
_FONT_SRC_RE = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s"']*))\s*\)"""
    r"""(?:\s*format\(\s*["']?([^"')]*)["']?\s*\))?""",
    re.IGNORECASE,
)
_FONT_FACE_RE = re.compile(r"@font-face\s*\{(?P<body>[^{}]*)\}", re.IGNORECASE)
_IMPORT_RE = re.compile(r"@import\b", re.IGNORECASE)
# Pages nested in a page as base64 data URIs (folium.IFrame popups, branca figures).
_DATA_HTML_RE = re.compile(r"data:text/html(?:;[\w.+-]+=[\w.+-]+)*;base64,([A-Za-z0-9+/]+=*)")


# --------------------------------------------------------------------------------------------
# The manifest
# --------------------------------------------------------------------------------------------


@functools.cache
def _manifest() -> dict[str, Any]:
    with _MANIFEST.open(encoding="utf-8") as f:
        return json.load(f)


def pinned_packages() -> dict[str, str]:
    """Return the pinned npm packages of the offline assets.

    Returns
    -------
    dict of str to str
        Package name to exact version, e.g. ``{"leaflet": "1.9.3", ...}``.
    """
    return dict(_manifest()["npm"])


def url_map() -> dict[str, str]:
    """Return the mapping from CDN URL to local asset.

    Returns
    -------
    dict of str to str
        Normalised URL (``https://``, no surrounding spaces) to an asset spec:
        ``"npm:PACKAGE/PATH"`` (inside ``FOLDER/node_modules``), ``"folium:PATH"`` (inside
        the installed folium package) or ``"builtin:NAME"`` (generated here).
    """
    return {_normalize_url(url): spec for url, spec in _manifest()["urls"].items()}


def npm_install_command(folder: Path | None = None, *, npm: str = "npm") -> list[str]:
    """Return the npm command that installs the pinned offline assets.

    Parameters
    ----------
    folder : pathlib.Path, optional
        Install folder; defaults to :data:`sjobo_geo.settings.assets_folder`.
    npm : str, default "npm"
        The npm executable.

    Returns
    -------
    list of str
        The command line, one argument an item.
    """
    folder = _assets_folder(folder)
    specs = [f"{name}@{version}" for name, version in pinned_packages().items()]
    return [
        npm,
        "install",
        "--prefix",
        str(folder),
        "--no-audit",
        "--no-fund",
        "--no-save",
        "--ignore-scripts",
        *specs,
    ]


def _assets_folder(folder: Path | str | None) -> Path:
    return Path(folder if folder is not None else settings.assets_folder).expanduser()


def _normalize_url(url: str) -> str:
    url = html_lib.unescape(url.strip())
    if url.startswith("//"):
        return "https:" + url
    if url[:7].lower() == "http://":
        return "https://" + url[7:]
    if url[:8].lower() == "https://":
        return "https://" + url[8:]
    return url


def _is_external(url: str) -> bool:
    url = url.strip().lower()
    return url.startswith(("http://", "https://", "//"))


def _strip_query(url: str) -> str:
    return re.split(r"[?#]", url, maxsplit=1)[0]


# --------------------------------------------------------------------------------------------
# Installing
# --------------------------------------------------------------------------------------------


def missing_assets(folder: Path | None = None) -> list[str]:
    """List what is missing from an offline asset folder.

    Parameters
    ----------
    folder : pathlib.Path, optional
        Install folder; defaults to :data:`sjobo_geo.settings.assets_folder`.

    Returns
    -------
    list of str
        One line for each pinned package that is absent or at another version, and for each
        mapped file that does not exist. Empty when everything is installed.
    """
    folder = _assets_folder(folder)
    modules = folder / "node_modules"
    problems = []
    for name, version in pinned_packages().items():
        package_json = modules / name / "package.json"
        try:
            found = json.loads(package_json.read_text(encoding="utf-8")).get("version")
        except (OSError, ValueError):
            problems.append(f"{name}@{version}: not installed")
            continue
        if found != version:
            problems.append(f"{name}@{version}: version {found} installed")
    for spec in sorted(set(_manifest()["urls"].values())):
        if spec.startswith("npm:") and not (modules / spec[4:]).is_file():
            problems.append(f"{spec[4:]}: file missing")
    return problems


def assets_installed(folder: Path | None = None) -> bool:
    """Tell whether the offline map assets are installed.

    Parameters
    ----------
    folder : pathlib.Path, optional
        Install folder; defaults to :data:`sjobo_geo.settings.assets_folder`.

    Returns
    -------
    bool
        True when every pinned npm package is installed at its pinned version and every
        mapped file exists.
    """
    return not missing_assets(folder)


def install_assets(folder: Path | None = None, *, npm: str = "npm", force: bool = False) -> Path:
    """Install the offline map assets (pinned npm packages) into a folder.

    Runs ``npm install --prefix FOLDER --no-audit --no-fund --no-save --ignore-scripts
    PACKAGE@VERSION ...``, showing npm's own output. Nothing is done when the pinned versions
    are already installed (so a second call is quick and needs no network), unless `force`.

    Parameters
    ----------
    folder : pathlib.Path, optional
        Install folder (created if needed); defaults to
        :data:`sjobo_geo.settings.assets_folder` (``$SJOBO_GEO_ASSETS`` or
        ``~/.cache/sjobo-geo/assets``).
    npm : str, default "npm"
        The npm executable, a name looked up on ``PATH`` or a path.
    force : bool, default False
        Run npm even when the assets look installed (repairs a damaged install).

    Returns
    -------
    pathlib.Path
        The install folder.

    Raises
    ------
    sjobo_geo._errors.AssetsMissingError
        npm is not found, fails, or leaves files missing.
    """
    folder = _assets_folder(folder)
    if not force and assets_installed(folder):
        logger.info("offline map assets already installed in %s", folder)
        return folder
    executable = shutil.which(npm)
    if executable is None:
        raise AssetsMissingError(
            f"npm was not found (looked for {npm!r}), so the offline map assets cannot be "
            f"installed into {folder}. Install Node.js with npm (e.g. `apt-get install -y "
            f"nodejs npm`), then run `{INSTALL_COMMAND}`."
        )
    command = npm_install_command(folder, npm=executable)
    shown = " ".join(npm_install_command(folder, npm=npm))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AssetsMissingError(
            f"cannot create the offline assets folder {folder}: {exc}. Choose another folder "
            f"with SJOBO_GEO_ASSETS, then run `{INSTALL_COMMAND}`."
        ) from exc
    logger.info("installing offline map assets: %s", shown)
    try:
        completed = subprocess.run(command, check=False, timeout=_NPM_TIMEOUT)
    except (OSError, subprocess.SubprocessError) as exc:
        raise AssetsMissingError(
            f"npm could not be run ({exc}). Command: {shown}. Check that npm works and the "
            f"npm registry is reachable, then run `{INSTALL_COMMAND}` again."
        ) from exc
    if completed.returncode != 0:
        raise AssetsMissingError(
            f"npm failed with exit code {completed.returncode} while installing the offline "
            f"map assets (its messages are above). Command: {shown}. Check that the npm "
            f"registry is reachable, then run `{INSTALL_COMMAND}` again."
        )
    problems = missing_assets(folder)
    if problems:
        raise AssetsMissingError(
            f"npm finished but offline map assets are still missing in {folder}: "
            + "; ".join(problems)
            + f". Run `{INSTALL_COMMAND}` again (it runs: {shown})."
        )
    return folder


# --------------------------------------------------------------------------------------------
# Inlining
# --------------------------------------------------------------------------------------------


def _awesome_rotate_css() -> str:
    # folium's leaflet.awesome.rotate.css: one class per whole degree, used by Icon(angle=...).
    return "".join(f".fa-rotate-{n}{{transform:rotate({n}deg)}}" for n in range(1, 361))


_BUILTINS = {"awesome-rotate-css": _awesome_rotate_css}


def _leaflet_default_icon(leaflet_js: Path) -> str:
    # Leaflet finds its default marker images by reading the URL of a CSS background and
    # stripping "marker-icon.png" from it; that fails once the CSS holds data: URIs, and
    # plain markers would then ask for ./marker-icon.png. Give it the images as data: URIs.
    images = leaflet_js.parent / "images"
    urls = {}
    for option, name in (
        ("iconUrl", "marker-icon.png"),
        ("iconRetinaUrl", "marker-icon-2x.png"),
        ("shadowUrl", "marker-shadow.png"),
    ):
        if not (images / name).is_file():
            raise AssetsMissingError(
                f"offline map asset {images / name} is missing (Leaflet's default marker). "
                f"Install the offline assets with `{INSTALL_COMMAND}`."
            )
        urls[option] = _data_uri(images / name)
    return f"L.Icon.Default.imagePath = '';\nL.Icon.Default.mergeOptions({json.dumps(urls)});"


# Scripts to run right after an inlined file, given that file's path.
_EPILOGUES = {"npm:leaflet/dist/leaflet.js": _leaflet_default_icon}


@dataclass
class _Asset:
    """One resolved asset: its text, and the file (if any) its relative URLs start from."""

    spec: str
    text: str
    path: Path | None


@dataclass
class _Inliner:
    """State of one page being inlined (nested pages get their own)."""

    folder: Path
    urls: dict[str, str]
    seen: set[str] = field(default_factory=set)
    fonts: dict[Path, int] = field(default_factory=dict)

    # ---------------------------------------------------------------------------- resolving

    def missing(self, path: Path, what: str) -> AssetsMissingError:
        return AssetsMissingError(
            f"offline map asset {path} is missing (needed for {what}). Install the offline "
            f"assets with `{INSTALL_COMMAND}` (npm packages into {self.folder}; the folder is "
            f"settings.assets_folder, or $SJOBO_GEO_ASSETS)."
        )

    def spec_path(self, spec: str, what: str) -> Path | None:
        kind, _, rest = spec.partition(":")
        if kind == "npm":
            return self.folder / "node_modules" / rest
        if kind == "folium":
            found = importlib.util.find_spec("folium")
            if found is None or not found.submodule_search_locations:
                raise AssetsMissingError(f"folium is not installed (needed for {what})")
            return Path(next(iter(found.submodule_search_locations))) / rest
        if kind == "builtin" and rest in _BUILTINS:
            return None
        raise SjoboGeoError(f"bad asset spec {spec!r} for {what} in {_MANIFEST}")

    def load(self, spec: str, what: str) -> _Asset:
        path = self.spec_path(spec, what)
        if path is None:
            return _Asset(spec, _BUILTINS[spec.partition(":")[2]](), None)
        try:
            return _Asset(spec, path.read_text(encoding="utf-8"), path)
        except FileNotFoundError:
            raise self.missing(path, what) from None
        except UnicodeDecodeError as exc:
            raise SjoboGeoError(f"offline map asset {path} is not UTF-8 text: {exc}") from exc

    def resolve_file(self, url: str, base: Path | None, what: str) -> Path:
        """Find the local file of a URL met inside CSS (relative to `base`, or mapped)."""
        if _is_external(url):
            spec = self.urls.get(_strip_query(_normalize_url(url)))
            if spec is None:
                raise SjoboGeoError(
                    f"{what} refers to {url}, which has no offline copy in {_MANIFEST.name}; "
                    "an offline page must not load anything from the web"
                )
            path = self.spec_path(spec, url)
            if path is None:
                raise SjoboGeoError(f"{url} maps to {spec}, which is not a file")
        elif base is None:
            raise SjoboGeoError(f"{what} refers to {url}, relative to nothing")
        else:
            path = (base.parent / _strip_query(html_lib.unescape(url))).resolve()
        if not path.is_file():
            raise self.missing(path, f"{url} in {what}")
        return path

    # ---------------------------------------------------------------------------- HTML

    def page(self, html: str) -> str:
        html = _DATA_HTML_RE.sub(self.nested_page, html)
        html = _TOKEN_RE.sub(self.token, html)
        _check_offline(html)
        return html

    def nested_page(self, match: re.Match[str]) -> str:
        try:
            nested = base64.b64decode(match.group(1), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return match.group(0)
        inlined = _Inliner(self.folder, self.urls).page(nested)
        if inlined == nested:
            return match.group(0)
        encoded = base64.b64encode(inlined.encode("utf-8")).decode("ascii")
        return match.group(0)[: match.start(1) - match.start(0)] + encoded

    def token(self, match: re.Match[str]) -> str:
        if match.group("script_attrs") is not None:
            attrs = _parse_attrs(match.group("script_attrs"))
            src = attrs.get("src")
            if src is None or match.group("script_body").strip():
                return match.group(0)
            return self._once(match, src, attrs, self.script)
        if match.group("link_attrs") is not None:
            attrs = _parse_attrs(match.group("link_attrs"))
            href = attrs.get("href")
            rel = (attrs.get("rel") or "").lower().split()
            if href is None or "stylesheet" not in rel:
                return match.group(0)
            return self._once(match, href, attrs, self.stylesheet)
        return match.group(0)

    def _once(self, match: re.Match[str], url: str, attrs: dict[str, str | None],
              inline: Any) -> str:
        """The tag inlined by ``inline`` the first time its asset appears, a comment after;
        tags of URLs without an offline copy stay as they are."""
        spec = self.urls.get(_normalize_url(url))
        if spec is None:
            return match.group(0)
        if spec in self.seen:
            return f"<!-- sjobo-geo: {spec} inlined above -->"
        self.seen.add(spec)
        return inline(spec, url, attrs)

    def script(self, spec: str, url: str, attrs: dict[str, str | None]) -> str:
        asset = self.load(spec, url)
        body = asset.text
        if spec in _EPILOGUES and asset.path is not None:
            body += f"\n/* sjobo-geo: offline fix-ups */\n{_EPILOGUES[spec](asset.path)}"
        body = re.sub(r"</(script)", r"<\\/\1", body, flags=re.IGNORECASE)
        kind = attrs.get("type")
        type_attr = f' type="{html_lib.escape(kind)}"' if kind else ""
        return f"<script{type_attr}>/* sjobo-geo: {spec} */\n{body}\n</script>"

    def stylesheet(self, spec: str, url: str, attrs: dict[str, str | None]) -> str:
        asset = self.load(spec, url)
        css, faces, new_fonts = self.css(asset)
        css = re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)
        media = attrs.get("media")
        media_attr = f' media="{html_lib.escape(media)}"' if media else ""
        out = f"<style{media_attr}>/* sjobo-geo: {spec} */\n{css}\n</style>"
        if faces:
            out += _font_script(faces, new_fonts)
        return out

    # ---------------------------------------------------------------------------- CSS

    def css(self, asset: _Asset) -> tuple[str, list[tuple[str, int, dict[str, str]]], dict]:
        if _IMPORT_RE.search(asset.text):
            raise SjoboGeoError(f"offline map asset {asset.spec} uses @import, not supported")
        faces: list[tuple[str, int, dict[str, str]]] = []
        new_fonts: dict[int, bytes] = {}

        def font_face(match: re.Match[str]) -> str:
            face = self.font_face(match.group("body"), asset, new_fonts)
            if face is None:
                return match.group(0)
            faces.append(face)
            family = face[0].replace("*/", "")
            return f"/* @font-face {family!r}: registered by the script below */"

        css = _FONT_FACE_RE.sub(font_face, asset.text)

        def url(match: re.Match[str]) -> str:
            ref = next(g for g in match.groups() if g is not None)
            if not ref or ref.startswith(("#", "data:", "about:")):
                return match.group(0)
            path = self.resolve_file(ref, asset.path, asset.spec)
            return f'url("{_data_uri(path)}")'

        return _CSS_URL_RE.sub(url, css), faces, new_fonts

    def font_face(
        self, body: str, asset: _Asset, new_fonts: dict[int, bytes]
    ) -> tuple[str, int, dict[str, str]] | None:
        declarations = _declarations(body)
        family = declarations.get("font-family", "").strip().strip("\"'")
        candidates: list[tuple[int, int, str]] = []
        for name, value in _declaration_list(body):
            if name != "src":
                continue
            for m in _FONT_SRC_RE.finditer(value):
                ref = next(g for g in m.groups()[:3] if g is not None)
                fmt = (m.group(4) or _extension(ref)).lower()
                candidates.append((_FONT_RANK.get(fmt, 9), len(candidates), ref))
        if not family or not candidates:
            return None
        candidates.sort()
        if candidates[0][2].startswith("data:"):
            return None  # already embedded in the stylesheet
        resolvable = [c for c in candidates if not _is_external(c[2]) or self._mapped(c[2])]
        ref = (resolvable or candidates)[0][2]
        path = self.resolve_file(ref, asset.path, f"@font-face {family!r} in {asset.spec}")
        if path not in self.fonts:
            self.fonts[path] = len(self.fonts)
            new_fonts[self.fonts[path]] = path.read_bytes()
        descriptors = {
            _FONT_DESCRIPTORS[name]: value.strip()
            for name, value in declarations.items()
            if name in _FONT_DESCRIPTORS
        }
        return family, self.fonts[path], descriptors

    def _mapped(self, url: str) -> bool:
        return _strip_query(_normalize_url(url)) in self.urls


def _parse_attrs(text: str) -> dict[str, str | None]:
    attrs: dict[str, str | None] = {}
    for m in _ATTR_RE.finditer(text):
        value = next((g for g in m.groups()[1:] if g is not None), None)
        attrs.setdefault(m.group(1).lower(), None if value is None else html_lib.unescape(value))
    return attrs


def _declaration_list(body: str) -> list[tuple[str, str]]:
    """Split a CSS declaration block on ``;`` outside quotes and parentheses."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(body):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == ";" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    out = []
    for part in parts:
        name, colon, value = part.partition(":")
        if colon:
            out.append((name.strip().lower(), value.strip()))
    return out


def _declarations(body: str) -> dict[str, str]:
    return dict(_declaration_list(body))


def _extension(url: str) -> str:
    return Path(_strip_query(url)).suffix.lstrip(".")


def _data_uri(path: Path) -> str:
    mime = _MIME.get(path.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _font_script(faces: list[tuple[str, int, dict[str, str]]], new_fonts: dict[int, bytes]) -> str:
    data = "".join(
        f'F[{index}]=d("{base64.b64encode(blob).decode("ascii")}");'
        for index, blob in sorted(new_fonts.items())
    )
    rules = json.dumps([[family, index, desc] for family, index, desc in faces])
    rules = rules.replace("</", "<\\/")
    return (
        "<script>/* sjobo-geo: fonts of the stylesheet above, embedded once each */\n"
        "(function(){var F=window.__sjoboGeoFonts=window.__sjoboGeoFonts||{};"
        "function d(s){var b=atob(s),a=new Uint8Array(b.length);"
        "for(var i=0;i<b.length;i++)a[i]=b.charCodeAt(i);return a.buffer;}"
        f"{data}"
        f"{rules}.forEach(function(r){{try{{document.fonts.add("
        "new FontFace(r[0],F[r[1]].slice(0),r[2]));}catch(e){"
        'console.error("sjobo-geo: font "+r[0]+": "+e);}});})();\n'
        "</script>"
    )


def _check_offline(html: str) -> None:
    """Raise if a script, stylesheet or CSS import of the page still points at the web."""
    for match in _TOKEN_RE.finditer(html):
        if match.group("script_attrs") is not None:
            src = _parse_attrs(match.group("script_attrs")).get("src")
            if src and _is_external(src):
                raise SjoboGeoError(
                    f"the offline page still loads the script {src}, which has no offline "
                    f"copy in {_MANIFEST.name}; an offline page must not load anything from "
                    "the web (leave out the element that needs it, or save the map online)"
                )
        elif match.group("link_attrs") is not None:
            href = _parse_attrs(match.group("link_attrs")).get("href")
            if href and _is_external(href):
                raise SjoboGeoError(
                    f"the offline page still links {href}, which has no offline copy in "
                    f"{_MANIFEST.name}; an offline page must not load anything from the web"
                )
        elif match.group("style_body") is not None:
            for imported in re.finditer(
                r"@import\s+(?:url\()?\s*[\"']?([^\"')\s;]+)",
                match.group("style_body"),
                re.IGNORECASE,
            ):
                if _is_external(imported.group(1)):
                    raise SjoboGeoError(
                        f"the offline page still imports the stylesheet {imported.group(1)}; "
                        "an offline page must not load anything from the web"
                    )


def inline_assets(html: str, folder: Path | None = None) -> str:
    """Make an HTML page self-contained: inline its CDN scripts and stylesheets.

    Every ``<script src="URL"></script>`` and ``<link rel="stylesheet" href="URL">`` whose
    URL is mapped in ``assets.json`` is replaced by an inline ``<script>`` or ``<style>``
    holding the file from the installed npm packages (or from folium). A file met a second
    time (e.g. jQuery from two CDNs) is inlined only once. In inlined CSS, ``url(...)``
    references are resolved against the CSS file and become ``data:`` URIs; fonts are
    embedded once each, in their smallest format (woff2 where available), and registered
    through the ``FontFace`` API. ``</script`` inside JavaScript is escaped. Pages nested as
    base64 ``data:text/html`` URIs (folium ``IFrame`` popups) are inlined too.

    Tile layers are not touched: an offline map should use ``tiles=None``.

    Parameters
    ----------
    html : str
        A page, e.g. ``folium.Map.get_root().render()``.
    folder : pathlib.Path, optional
        Where the assets were installed; defaults to :data:`sjobo_geo.settings.assets_folder`.

    Returns
    -------
    str
        The self-contained page.

    Raises
    ------
    sjobo_geo._errors.AssetsMissingError
        A mapped file is missing: the message names it and says to run
        ``sjobo-geo assets install``.
    sjobo_geo._errors.SjoboGeoError
        A script, stylesheet or CSS reference to ``http(s)://`` remains that has no offline
        copy (the message names its URL).
    """
    return _Inliner(_assets_folder(folder), url_map()).page(html)


# --------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------


def render_map(m: folium.Map, *, offline: bool) -> str:
    """A folium map as one HTML page (a string), self-contained when `offline`; the page
    that :func:`save_map` writes, for embedding in another page."""
    page = m.get_root().render()
    return inline_assets(page) if offline else page


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool) -> Path:
    """Write a folium map as an HTML page, self-contained when `offline`.

    Parameters
    ----------
    m : folium.Map
        The map (any folium element: its root figure is rendered).
    path : str or os.PathLike
        The HTML file to write (its folder is created if needed). The file is written to a
        temporary file in the same folder, then moved into place, so a reader never sees a
        half-written page.
    offline : bool
        Inline every script and stylesheet from the installed assets (see
        :func:`inline_assets`); the map should then have no web tile layer (``tiles=None``).

    Returns
    -------
    pathlib.Path
        `path`.

    Raises
    ------
    sjobo_geo._errors.AssetsMissingError
        Offline and the assets are not installed (run ``sjobo-geo assets install``).
    sjobo_geo._errors.SjoboGeoError
        Offline and the page needs a script or stylesheet with no offline copy.
    """
    path = Path(path)
    page = render_map(m, offline=offline)
    from sjobo_geo.core.files import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
        os.chmod(tmp, 0o644)
    return path
