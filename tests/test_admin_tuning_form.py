"""The tuning form's errors land next to the input the clerk typed, even after rows are deleted."""

from kaohe.admin import tuning
from kaohe.core.storage.schemes import default_config
from kaohe.plugins.manager import build_registry


def test_an_error_after_a_deleted_override_row_is_shown_on_the_row_typed_in(tmp_path):
    registry = build_registry(plugins_dir=tmp_path / "none", entry_points=False)
    base = default_config(registry, ["provincial"])
    prefix = "p.provincial.publication_overrides"
    form = {
        f"{prefix}.0.publication": "政务工作交流", f"{prefix}.0.level": "provincial",
        f"{prefix}.0.form": "full", f"{prefix}.0.points": "30", f"{prefix}.0._delete": "on",
        f"{prefix}.1.publication": "昨日要情", f"{prefix}.1.level": "provincial",
        f"{prefix}.1.form": "full", f"{prefix}.1.points": "十分",
        f"{prefix}.2.publication": "专报信息", f"{prefix}.2.level": "city",
        f"{prefix}.2.form": "full", f"{prefix}.2.points": "10",
    }
    config, errors, _typed = tuning.check(registry, base, form)
    # row 0 was deleted, so the stored list's row 0 is the clerk's row 1
    assert config is None
    assert errors == {f"{prefix}.1.points": ["不是有效的数字"]}


def test_a_valid_form_keeps_the_rows_not_deleted(tmp_path):
    registry = build_registry(plugins_dir=tmp_path / "none", entry_points=False)
    base = default_config(registry, ["provincial"])
    prefix = "p.provincial.publication_overrides"
    form = {f"{prefix}.0.publication": "政务工作交流", f"{prefix}.0.level": "provincial",
            f"{prefix}.0.form": "full", f"{prefix}.0.points": "30", f"{prefix}.0._delete": "on",
            f"{prefix}.1.publication": "昨日要情", f"{prefix}.1.level": "provincial",
            f"{prefix}.1.form": "full", f"{prefix}.1.points": "12"}
    config, errors, _typed = tuning.check(registry, base, form)
    assert errors == {}
    assert config["rulesets"][0]["params"]["publication_overrides"] == [
        {"publication": "昨日要情", "level": "provincial", "form": "full", "points": "12.00"}]
