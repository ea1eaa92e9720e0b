"""fc.update_index: the DataFrame pandas reads from the CSV, logging, progress bars, threads."""
import logging
import os
import signal
import threading

import pandas as pd
import pytest

import flamecare as fc

BAD_CODES = ["frames_mismatch", "truncated", "not_scanimage", "no_sidecar", "bad_sidecar"]


def test_dataframe_equals_the_csv(corpus, tmp_path):
    root, good, bad = corpus
    df = fc.update_index(root, tmp_path / "ds", threads=2, progress=False)
    csv = tmp_path / "ds" / "raw_image_index.csv"
    pd.testing.assert_frame_equal(df, pd.read_csv(csv))
    assert list(df["id"]) == list(range(9))
    paths = sorted(str(p.relative_to(root)) for p in good + bad)
    assert sorted(df["image"]) == paths
    rows = df.set_index("image")
    for path in good:
        row = rows.loc[str(path.relative_to(root))]
        assert row["status"] == "usable" and row["imgarr_nframes"] == 6 and pd.isna(row["reason"])
        assert (row["channels"], row["height"], row["width"], row["dtype"]) == (2, 64, 64, "int16")
    for path, code in zip(bad, BAD_CODES):
        row = rows.loc[str(path.relative_to(root))]
        assert row["status"] == "unusable" and row["imgarr_nframes"] == -1
        assert row["reason"].startswith(code + ": "), row["reason"]
    summary = df.attrs["summary"]
    assert summary["csv"] == str(csv)
    assert (summary["found"], summary["added"], summary["screened"]) == (9, 9, 9)
    assert (summary["usable"], summary["unusable"], summary["missing"]) == (4, 5, 0)
    assert summary["unusable_by_reason"] == {code: 1 for code in BAD_CODES}

    again = fc.update_index(root, tmp_path / "ds", progress=False)
    pd.testing.assert_frame_equal(again, df)
    assert again.attrs["summary"]["screened"] == 0 and again.attrs["summary"]["added"] == 0


def test_warnings_go_to_the_flamecare_logger(corpus, tmp_path, caplog):
    root, _, bad = corpus
    with caplog.at_level(logging.WARNING, logger="flamecare"):
        fc.update_index(root, tmp_path / "ds", threads=2, progress=False)
    warnings = [r for r in caplog.records if r.name == "flamecare" and r.levelno == logging.WARNING]
    # A new datasets dir is announced first (a mistyped one would otherwise go unnoticed).
    assert warnings[0].getMessage() == f"no index in {tmp_path / 'ds'}: starting a new one"
    warnings = warnings[1:]
    assert len(warnings) == len(bad), [r.getMessage() for r in caplog.records]
    for path, code in zip(bad, BAD_CODES):
        assert any(path.name in r.getMessage() and code in r.getMessage() for r in warnings), path


def test_progress_bar(corpus, tmp_path, capfd):
    fc.update_index(corpus[0], tmp_path / "a", threads=2, progress=True)
    err = capfd.readouterr().err
    assert "screening" in err and "9/9" in err, err
    fc.update_index(corpus[0], tmp_path / "b", threads=2, progress=False)
    assert capfd.readouterr().err == ""


class ReadingHandler(logging.Handler):
    """Calls back into flamecare from a log record: the event delivery must allow it."""

    def __init__(self, path):
        super().__init__()
        self.path, self.frames = path, []

    def emit(self, record):
        self.frames.append(fc.read_raw(self.path).data.shape[0])


def test_concurrent_calls_with_worker_threads(corpus, tmp_path):
    """Two Python threads index at once, each with 2 worker threads reporting progress and
    warnings, while a log handler reads a stack through flamecare: no deadlock, right results."""
    root, good, bad = corpus
    handler = ReadingHandler(good[0])
    logger = logging.getLogger("flamecare")
    logger.addHandler(handler)
    results, errors = {}, []

    def index(name):
        try:
            for round_ in range(3):
                results[(name, round_)] = fc.update_index(root, tmp_path / f"{name}{round_}",
                                                          threads=2, progress=True)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    try:
        threads = [threading.Thread(target=index, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "update_index calls hung"
    finally:
        logger.removeHandler(handler)
    assert not errors, errors
    assert len(results) == 6
    for df in results.values():
        assert (df["status"] == "usable").sum() == len(good)
    # Per call: one warning per bad file, and one saying a new index is started (new dirs).
    assert handler.frames == [6] * (6 * (len(bad) + 1))


class InterruptingHandler(logging.Handler):
    """Sends Ctrl-C (SIGINT) to this process on the first warning, i.e. in mid-call."""

    def __init__(self):
        super().__init__()
        self.sent = False

    def emit(self, record):
        if not self.sent:
            self.sent = True
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_during_update_index_leaves_no_torn_index(corpus, tmp_path):
    """Ctrl-C in mid-call raises KeyboardInterrupt; the index is cancelled while screening
    (no CSV written) or, when screening had finished, written whole; never torn. A re-run
    completes it."""
    root, good, bad = corpus
    handler = InterruptingHandler()
    logger = logging.getLogger("flamecare")
    logger.addHandler(handler)
    # Python's own Ctrl-C handler, also when this runs as a background job (SIGINT ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            fc.update_index(root, tmp_path / "ds", threads=2, progress=False)
    finally:
        signal.signal(signal.SIGINT, previous)
        logger.removeHandler(handler)
    assert handler.sent
    csv = tmp_path / "ds" / "raw_image_index.csv"
    if csv.exists():
        df = pd.read_csv(csv)
        assert len(df) == len(good) + len(bad) and df["status"].notna().all()
    assert not list((tmp_path / "ds").glob("*.tmp-*"))
    df = fc.update_index(root, tmp_path / "ds", threads=2, progress=False)
    assert len(df) == len(good) + len(bad) and df["status"].notna().all()
