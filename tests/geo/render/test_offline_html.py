"""Standalone HTML: what needs internet is refused, remote references are found."""

import folium
import pytest

from geo.render import map_to_html, remote_references


def test_map_to_html_refuses_what_needs_internet():
    m = folium.Map(tiles=None)
    folium.Marker([48.0, 0.2], popup=folium.Popup("Le Mans")).add_to(m)
    with pytest.raises(ValueError, match="jQuery"):
        map_to_html(m)

    m = folium.Map(tiles=None)
    m.get_root().header.add_child(folium.JavascriptLink("https://example.org/plugin.js"))
    with pytest.raises(ValueError, match="external resources"):
        map_to_html(m)


def test_remote_references_ignores_script_text():
    page = (
        "<html><head><script>var a = '<a href=\"https://x.org\">';</script>"
        "<style>.a{background:url(https://x.org/a.png)}</style></head>"
        '<body><img src="//x.org/b.png"></body></html>'
    )
    assert remote_references(page) == ["url(https://x.org/a.png)", "//x.org/b.png"]
