"""Prerequisites banner: summary and details from the real catalogue on temporary folders."""

from __future__ import annotations

from rvc import paths
from rvc.prerequisites import check_all
from tabs import banner


def test_all_missing_summary_counts_each_group():
    statuses = check_all()
    summary = banner.summary_markdown(statuses)
    assert summary.startswith(f"⚠️ {len(statuses)} of {len(statuses)} prerequisite files are missing")
    for group in ("embedder", "predictor", "pretrained"):
        count = sum(status.group == group for status in statuses)
        assert count > 0
    assert "pitch predictor 1 of 1" in summary


def test_details_show_fix_for_missing_and_location_for_present():
    paths.rmvpe_path().parent.mkdir(parents=True)
    paths.rmvpe_path().write_bytes(b"weights")
    summary, details = banner.refresh()
    rows = details.splitlines()[2:]
    assert len(rows) == len(check_all())
    rmvpe_row = next(row for row in rows if "`rmvpe.pt`" in row)
    assert rmvpe_row.startswith("| ✅ |") and str(paths.rmvpe_path()) in rmvpe_row
    missing_rows = [row for row in rows if row.startswith("| ❌ |")]
    assert len(missing_rows) == len(rows) - 1
    assert all("python -m rvc download" in row for row in missing_rows)
    assert "pitch predictor" not in summary


def test_all_present_summary():
    for status in check_all():
        status.path.parent.mkdir(parents=True, exist_ok=True)
        status.path.write_bytes(b"w")
    statuses = check_all()
    assert banner.summary_markdown(statuses) == f"✅ All {len(statuses)} prerequisite files are present."
