"""Standalone HTML of a folium map: Leaflet inlined, nothing fetched from the internet.

Leaflet's script and stylesheet are vendored in ``geo/assets``; folium's other default
resources (jQuery, Bootstrap, Font Awesome, awesome-markers) are left out, so a map
built with :func:`geo.render.interactive.commune_map` opens anywhere, offline.
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import folium

from geo.settings import ASSETS_DIR

__all__ = ["map_to_html", "remote_references"]

_FOLIUM_DEFAULTS = dict([*folium.Map.default_js, *folium.Map.default_css])
_RESOURCE_TAG = re.compile(
    r'<script src="(?P<js>[^"]*)"></script>|<link rel="stylesheet" href="(?P<css>[^"]*)"\s*/?>'
)
_JQUERY_USE = re.compile(r"(?<![\w$])\$(\(|\.ajax)")


def _leaflet_css() -> str:
    css = (ASSETS_DIR / "leaflet.css").read_text(encoding="utf-8")
    # Comments only hold links to browser bug trackers: drop them from the page.
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)

    def to_data_uri(match: re.Match) -> str:
        png = (ASSETS_DIR / match.group(1)).read_bytes()
        return f'url("data:image/png;base64,{base64.b64encode(png).decode("ascii")}")'

    return re.sub(r"url\(images/([\w-]+\.png)\)", to_data_uri, css)


def _leaflet_js() -> str:
    js = (ASSETS_DIR / "leaflet.js").read_text(encoding="utf-8")
    # The source map is not vendored: drop the comment so no file is requested.
    return re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", js)


class _RemoteReferenceFinder(HTMLParser):
    """Collect src/href attributes pointing outside the document (script bodies are skipped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.remote: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "href") and value and _is_remote(value):
                self.remote.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.remote += re.findall(r"@import[^;]*|url\(\s*['\"]?(?:https?:)?//[^)]*\)", data)


def _is_remote(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://", "//"))


def remote_references(document: str) -> list[str]:
    """List the external resources an HTML document would load.

    Parameters
    ----------
    document : str
        HTML text.

    Returns
    -------
    list of str
        ``src``/``href`` attributes with an absolute or protocol-relative URL, and CSS
        ``@import`` or remote ``url()`` in ``<style>`` blocks. Text inside scripts (for
        instance a tile URL template) is not counted.
    """
    finder = _RemoteReferenceFinder()
    finder.feed(document)
    finder.close()
    return finder.remote


def map_to_html(m: folium.Map) -> str:
    """Render a folium map as a standalone HTML document that needs no internet.

    Leaflet's script and stylesheet (vendored in ``geo/assets``) are inlined, with the
    stylesheet's images as data URIs; folium's other default resources (jQuery,
    Bootstrap, Font Awesome, awesome-markers) are left out.

    Parameters
    ----------
    m : folium.Map
        Map to render; it must not use features needing the left-out libraries
        (``folium.Popup``, ``folium.Icon``, jQuery-based plugins).

    Returns
    -------
    str
        Complete HTML document.

    Raises
    ------
    ValueError
        If the map needs jQuery or awesome-markers, or if any external script,
        stylesheet or other resource reference remains.
    """
    document = m.get_root().render()
    inlined = {
        "leaflet": f"<script>{_leaflet_js()}</script>",
        "leaflet_css": f"<style>{_leaflet_css()}</style>",
    }
    url_keys = {url: key for key, url in _FOLIUM_DEFAULTS.items()}

    def replace(match: re.Match) -> str:
        key = url_keys.get(match.group("js") or match.group("css"))
        if key is None:
            return match.group(0)
        return inlined.get(key, "")

    scripts_only = _RESOURCE_TAG.sub("", document)
    if _JQUERY_USE.search(scripts_only) or "L.AwesomeMarkers" in scripts_only:
        raise ValueError(
            "map uses jQuery or awesome-markers (folium.Popup, folium.Icon or a plugin), "
            "which are not available offline; use GeoJsonPopup and CircleMarker instead"
        )
    # French users read kilometres only: drop Leaflet's imperial scale.
    document = document.replace("L.control.scale()", "L.control.scale({imperial: false})")
    standalone = _RESOURCE_TAG.sub(replace, document)
    remote = remote_references(standalone)
    if remote:
        raise ValueError(f"external resources remain in the map HTML: {remote}")
    return standalone
