"""The execution tools are bounded in time and say where a chapter stopped."""

from __future__ import annotations

import nbformat
import notebooks  # tools/notebooks.py
import pytest


def _notebook(path, *sources):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    notebook.metadata["kernelspec"] = dict(notebooks.KERNELSPEC)
    nbformat.write(notebook, path)
    return path


def test_a_cell_over_its_time_limit_stops_the_run_and_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(notebooks, "CELL_TIMEOUT", 3)
    path = _notebook(tmp_path / "slow.ipynb", "x = 1", "import time\ntime.sleep(60)", "y = 2")
    expected = r"slow\.ipynb stopped in cell 1 \(begins 'import time'\).*no answer within 3 s"
    with pytest.raises(notebooks.ExecutionFailed, match=expected):
        notebooks.execute(path, path)


def test_an_error_names_the_cell(tmp_path):
    path = _notebook(tmp_path / "broken.ipynb", "x = 1", "raise ValueError('the reason')")
    with pytest.raises(notebooks.ExecutionFailed, match=r"broken\.ipynb stopped in cell 1 .*the reason"):
        notebooks.execute(path, path)


def test_every_chapter_has_a_budget():
    for source in notebooks.sources():
        assert source.stem[:2] in notebooks.BUDGET_SECONDS, f"{source.stem} has no time budget"


def test_measure_reports_time_memory_cpu_and_the_slowest_cells(tmp_path):
    source = tmp_path / "99_demo.py"
    busy = "start = time.process_time()\nwhile time.process_time() - start < 1.0:\n    pass"
    source.write_text(f"# %%\nimport time\n\n# %%\ntime.sleep(0.5)\n\n# %% [markdown]\n# text\n\n# %%\n{busy}\n",
                      encoding="utf-8")
    cells = []
    seconds, peak_mb, cpu = notebooks.measure(source, cells)
    assert [index for _, index, _ in cells] == [0, 1, 3]  # code cells only, in order
    assert cells[1][0] >= 0.5 and cells[1][2] == "time.sleep(0.5)" and cells[1][0] > cells[0][0]
    assert seconds >= cells[1][0] + cells[2][0] and 10 < peak_mb < 2_000
    assert cpu >= 1.0  # the busy cell's second of CPU is counted; the sleep's half second need not be


def test_kernel_messages_are_awaited_in_short_slices_up_to_the_same_deadline(monkeypatch):
    """A wait that misses its wake-up costs one slice, not the whole time limit; the limit itself still holds."""
    import asyncio
    import time
    from queue import Empty

    monkeypatch.setattr(notebooks, "POLL_SLICE", 0.05)
    waits = []

    async def late(channel, timeout=None):  # the message is found by the third wait
        waits.append(timeout)
        if len(waits) < 3:
            await asyncio.sleep(timeout)
            raise Empty
        return {"msg": channel}

    assert asyncio.run(notebooks._sliced(late)("shell", timeout=None)) == {"msg": "shell"}
    assert waits == [0.05, 0.05, 0.05]

    waits.clear()

    async def never(channel, timeout=None):
        waits.append(timeout)
        await asyncio.sleep(timeout)
        raise Empty

    start = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(notebooks._sliced(never)("shell", timeout=0.12))
    assert 0.12 <= time.monotonic() - start < 1.0
    assert len(waits) == 3 and waits[:2] == [0.05, 0.05] and 0 < waits[2] <= 0.05


def test_the_client_is_patched_once_and_keeps_its_behaviour():
    from jupyter_client.channels import AsyncZMQSocketChannel

    notebooks._poll_in_slices()
    patched = AsyncZMQSocketChannel.get_msg
    notebooks._poll_in_slices()
    assert AsyncZMQSocketChannel.get_msg is patched and patched.sliced
