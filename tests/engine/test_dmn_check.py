"""Deploy refuses a UNIQUE decision table whose rules overlap (SpiffWorkflow would take the first)."""

import pytest

from webapp.engine.definitions import DefinitionError, deploy, read_directory
from webapp.engine.dmn_check import parse_cell


def test_adjacent_bands_meet_only_where_both_include_the_boundary():
    excellent, good = parse_cell(">= 85"), parse_cell("70 <= ? < 85")
    assert not excellent.meets(good)
    assert parse_cell("<= 85").meets(excellent)
    assert parse_cell("85").meets(excellent) and not parse_cell("85").meets(good)
    assert parse_cell('"excellent"') == frozenset({"excellent"})
    assert parse_cell("? not in ('a', 'b')") is None  # not understood: never reported


def test_moving_one_band_without_its_neighbour_is_refused(app):
    files = read_directory(app.config["BPMN_DIR"])
    lowered = files["evaluation_grade.dmn"].replace("<text>&gt;= 85</text>", "<text>&gt;= 80</text>")
    with pytest.raises(DefinitionError, match=r"evaluation_grade.dmn · evaluation_grade（考核等级）：.*规则 3（.*）与规则 4（.*）可能同时匹配"):
        deploy({**files, "evaluation_grade.dmn": lowered})
    both = lowered.replace("<text>70 &lt;= ? &lt; 85</text>", "<text>70 &lt;= ? &lt; 80</text>")
    assert deploy({**files, "evaluation_grade.dmn": both}).version == 2
