import io
import json

import pytest

from jiesu.nlp.location import Gazetteer, PolygonIndex

CSV = """code,name,level,parent_code,aliases
430102,芙蓉区,district,,
430103,天心区,district,,
430102001,五一街道,street,430102,五一路街道
430102002,定王台街道,street,430102,
430103001,坡子街街道,street,430103,坡子街
430102001001,新华社区,community,430102001,
430102002001,新华社区,community,430102002,
430102002002,乔庄社区,community,430102002,
430102002002-01,乔庄社区第一网格,grid,430102002002,乔庄一网格
"""


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_csv(io.StringIO(CSV))


def test_full_address_resolves_down_to_the_grid(gaz):
    m = gaz.resolve("长沙市芙蓉区定王台街道乔庄社区第一网格3栋")
    assert (m.district.code, m.street.code, m.community.code, m.grid.code) == (
        "430102",
        "430102002",
        "430102002002",
        "430102002002-01",
    )
    assert m.grid.name == "乔庄社区第一网格"
    assert m.confidence == 1.0
    assert m.deepest is m.grid


def test_parents_disambiguate_a_shared_name(gaz):
    m = gaz.resolve("定王台街道新华社区路灯坏了")
    assert m.community.code == "430102002001" and m.confidence == 1.0
    alone = gaz.resolve("新华社区路灯坏了")
    assert alone.community.name == "新华社区"
    assert alone.confidence < 0.5  # two 新华社区: a coin toss, and the operator is told so


def test_aliases_and_everyday_short_forms(gaz):
    assert gaz.resolve("坡子街那边").street.code == "430103001"
    assert gaz.resolve("五一路街道办事处门口").street.code == "430102001"
    assert gaz.resolve("定王台街道办事处").street.code == "430102002"
    m = gaz.resolve("乔庄一网格")
    assert m.grid.code == "430102002002-01"
    assert m.district.code == "430102"  # parents filled in from the hierarchy
    assert 0 < m.confidence < 1  # named only at the lowest level


def test_contradicting_mentions_lower_confidence(gaz):
    m = gaz.resolve("天心区乔庄社区")  # 乔庄社区 is in 芙蓉区
    assert m is not None and m.confidence <= 0.5


def test_no_place_named(gaz):
    assert gaz.resolve("我家楼下噪音扰民") is None


def test_bad_gazetteer_rows_are_rejected():
    with pytest.raises(ValueError, match="unknown level"):
        Gazetteer.from_csv(io.StringIO("code,name,level,parent_code\n1,甲区,city,\n"))
    with pytest.raises(ValueError, match="parent"):
        Gazetteer.from_csv(io.StringIO("code,name,level,parent_code\n1,甲街道,street,9\n"))


def _square(x0, y0, size):
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {  # a community 0..10 with a hole 4..6 (a lake)
            "type": "Feature",
            "properties": {"code": "C1", "name": "乔庄社区"},
            "geometry": {"type": "Polygon", "coordinates": [_square(0, 0, 10), _square(4, 4, 2)]},
        },
        {  # a grid inside it: the smaller area wins
            "type": "Feature",
            "properties": {"code": "G1", "name": "第一网格"},
            "geometry": {"type": "Polygon", "coordinates": [_square(0, 0, 3)]},
        },
        {  # two islands
            "type": "Feature",
            "properties": {"code": "M1"},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [[_square(20, 0, 2)], [_square(30, 0, 2)]],
            },
        },
        {  # a triangle: not axis-aligned, so the bbox alone would be wrong
            "type": "Feature",
            "properties": {"code": "T1"},
            "geometry": {"type": "Polygon", "coordinates": [[[40, 0], [50, 0], [40, 10], [40, 0]]]},
        },
    ],
}


@pytest.fixture(scope="module")
def polys() -> PolygonIndex:
    return PolygonIndex.from_geojson(json.loads(json.dumps(GEOJSON)))


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (1, 1, "G1"),
        (8, 8, "C1"),
        (5, 5, None),  # in the hole
        (21, 1, "M1"),
        (31, 1, "M1"),
        (25, 1, None),  # between the islands
        (41, 1, "T1"),
        (49, 9, None),  # inside the triangle's bbox, outside the triangle
        (-5, -5, None),
        (100, 100, None),
    ],
)
def test_locate(polys, lon, lat, code):
    assert polys.locate(lat, lon) == code


def test_geojson_file_and_validation(tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(GEOJSON), encoding="utf-8")
    assert len(PolygonIndex.from_geojson(path)) == 4
    with pytest.raises(ValueError):
        PolygonIndex.from_geojson({"type": "Feature"})
    bad = {"type": "FeatureCollection", "features": [{"properties": {}, "geometry": {}}]}
    with pytest.raises(ValueError, match="code"):
        PolygonIndex.from_geojson(bad)
    assert (
        PolygonIndex.from_geojson({"type": "FeatureCollection", "features": []}).locate(0, 0)
        is None
    )


def test_many_grids_stay_fast():
    features = [
        {
            "type": "Feature",
            "properties": {"code": f"g{i}-{j}"},
            "geometry": {"type": "Polygon", "coordinates": [_square(i * 0.01, j * 0.01, 0.01)]},
        }
        for i in range(100)
        for j in range(100)
    ]
    ix = PolygonIndex.from_geojson({"type": "FeatureCollection", "features": features})
    assert ix.locate(0.333, 0.555) == "g55-33"  # lat, lon
