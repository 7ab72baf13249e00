"""`make doctor` passes on a good environment and names the fix for each kind of broken one."""

from __future__ import annotations

import doctor  # tools/doctor.py
import pytest

from helpers import data, env


def test_a_good_environment_passes(capsys):
    assert doctor.main() == 0
    out = capsys.readouterr().out
    assert "All checks passed" in out and "FIX" not in out
    for name, _ in doctor.CHECKS:
        assert f"ok  {name}" in out


def test_a_differing_pin_is_reported_with_its_fix(monkeypatch, tmp_path):
    fake = tmp_path / "requirements.txt"
    fake.write_text("numpy==0.0.1\n", encoding="utf-8")
    real = env.inspect_env
    monkeypatch.setattr(env, "inspect_env", lambda: real(fake))
    ok, what, fix = doctor.check_pins()
    assert not ok and "1 package(s) differ" in what and "numpy" in what and "make clean-venv venv" in fix


def test_an_altered_data_file_is_reported_with_its_fix(monkeypatch, tmp_path):
    altered = tmp_path / "online_shoppers_intention.csv"
    altered.write_bytes(data.SESSIONS_FILE.read_bytes().replace(b"\n", b"\r\n"))
    monkeypatch.setattr(data, "SESSIONS_FILE", altered)
    ok, what, fix = doctor.check_data()
    assert not ok and "DIFFERS" in what and "git checkout" in fix


@pytest.mark.parametrize("version", [(3, 10), (3, 14)])
def test_an_unsupported_python_is_reported(monkeypatch, version):
    monkeypatch.setattr(doctor.sys, "version_info", (*version, 0, "final", 0))
    ok, _, fix = doctor.check_python()
    assert not ok and "3.11, 3.12 or 3.13" in fix
