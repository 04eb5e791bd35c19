"""The modules that geo.render replaced still give the same objects to old imports."""

import geo.exports
import geo.maps
import geo.print_maps
import geo.render
import geo.report
from geo.render import style


def test_old_modules_reexport_the_render_package():
    for module in (geo.maps, geo.print_maps, geo.report, geo.exports):
        for name in module.__all__:
            new = getattr(geo.render, name, None)
            if new is not None:
                assert getattr(module, name) is new, f"{module.__name__}.{name}"
    assert geo.maps.commune_map is geo.render.commune_map
    assert geo.print_maps.PrintMapSpec is geo.render.PrintMapSpec
    assert geo.report.build_pack is geo.render.build_pack
    assert geo.exports.export_csv_fr is geo.render.export_csv_fr


def test_catchment_colours_have_one_definition():
    assert geo.print_maps.CATCHMENT_COLORS is style.CATCHMENT_COLORS
    colors = style.catchment_colors([30, 20, 20, float("nan")])
    assert colors == {20.0: style.CATCHMENT_COLORS[0], 30.0: style.CATCHMENT_COLORS[1]}
