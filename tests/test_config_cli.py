"""show_config(), the build switches it reports, and the command line."""
import io
import json
import os
import subprocess
import sys

import pytest

import fastact
from fastact import cli
from fastact._config import config


def test_show_config_names_version_openmp_threads_isa_and_flags():
    buf = io.StringIO()
    fastact.show_config(file=buf)
    text = buf.getvalue()
    c = config()
    assert fastact.__version__ in text
    assert ("yes (OpenMP" in text) == c["openmp"]
    assert "threads:        %d" % fastact.get_num_threads() in text
    assert "isa in use:     %s" % c["isa"] in text
    assert c["cflags"] in text and c["loop_cflags"] in text
    assert c["stream_min_bytes"] > 0 and "streaming:      outputs from" in text


def test_default_build_flags_are_portable():
    c = config()
    for flag in ("-ffast-math", "-Ofast", "-march=native"):
        if os.environ.get("FASTACT_NATIVE") != "1":
            assert flag not in c["cflags"] and flag not in c["loop_cflags"]
    assert "-ffp-contract=off" in c["loop_cflags"] or sys.platform == "win32"


def test_build_is_the_requested_variant():
    # CI exports FASTACT_OPENMP / FASTACT_DEBUG to the build and to pytest, so
    # the serial leg checks it really runs the serial extension.
    c = config()
    if os.environ.get("FASTACT_OPENMP") in ("0", "1"):
        assert c["openmp"] == (os.environ["FASTACT_OPENMP"] == "1")
    if "FASTACT_DEBUG" in os.environ:
        assert c["debug"] == (os.environ["FASTACT_DEBUG"] == "1")


def test_isa_in_use_is_compiled_in():
    c = config()
    assert c["isa"] in c["compiled_isas"]


@pytest.mark.parametrize("request_isa", ["baseline", "avx2", "avx512"])
def test_fastact_isa_forces_an_isa(request_isa):
    if request_isa not in config()["compiled_isas"]:
        pytest.skip("%s is not compiled into this build" % request_isa)
    code = "import fastact._ufuncs as u; print(u.isa())"
    env = dict(os.environ, FASTACT_ISA=request_isa)
    out = subprocess.run([sys.executable, "-W", "always", "-c", code], env=env, capture_output=True,
                         text=True, cwd=os.path.dirname(__file__))
    assert out.returncode == 0, out.stderr
    # a CPU without the ISA falls back, with a warning naming the request
    assert out.stdout.strip() == request_isa or "FASTACT_ISA=%r" % request_isa in out.stderr


def test_unknown_fastact_isa_is_a_clear_error():
    env = dict(os.environ, FASTACT_ISA="sse9")
    out = subprocess.run([sys.executable, "-c", "import fastact"], env=env, capture_output=True,
                         text=True, cwd=os.path.dirname(__file__))
    assert out.returncode != 0
    assert "FASTACT_ISA must be one of" in out.stderr


def test_demo_prints_every_activation_and_a_timing(capsys):
    assert cli.main(["demo", "--size", "2000", "--repeat", "1"]) == 0
    text = capsys.readouterr().out
    for name in cli.ACTIVATIONS:
        assert text.count(name) >= 3   # sample values, float32 and float64 timings
    assert "reference ms" in text


def test_cli_rejects_a_bad_size():
    with pytest.raises(SystemExit):
        cli.main(["demo", "--size", "0"])


def test_bench_prints_a_table_and_writes_json(tmp_path, capsys):
    import json
    path = tmp_path / "bench.json"
    assert cli.main(["bench", "--functions", "sigmoid,relu", "--sizes", "100,2e3",
                     "--dtypes", "float32", "--threads", "1", "--json", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "[4/4] relu float32 n=2000" in err          # progress
    assert "vs best peer" in out and "numpy" in out
    table = [line.split() for line in out.splitlines() if line.split()[:1] in (["sigmoid"], ["relu"])]
    assert len(table) == 4
    result = json.loads(path.read_text())
    assert [(r["function"], r["n"]) for r in result["rows"]] == [
        ("sigmoid", 100), ("relu", 100), ("sigmoid", 2000), ("relu", 2000)]
    for r in result["rows"]:
        assert r["fastact_s"] > 0 and r["copy_s"] > 0 and r["peers_s"]["numpy"] > 0


def test_bench_leaves_the_thread_settings_as_it_found_them():
    # torch.set_num_threads (a peer) also sets this thread's OpenMP count,
    # which is fastact's default
    from fastact import bench
    from fastact._openmp import _openmp_default
    before = (fastact.get_num_threads(), _openmp_default())
    bench.run(functions=("relu",), sizes=(64,), dtypes=("float32",), n_threads=1, progress=io.StringIO())
    assert (fastact.get_num_threads(), _openmp_default()) == before


def test_best_seconds_each_times_the_cheap_ones_more_often_in_turns(monkeypatch):
    """With max_rounds, a fn whose rounds are short is timed in more rounds
    (up to max_rounds, each_s in all); a slow one keeps `rounds`.  The
    rounds still take the fns in turns."""
    from fastact import bench
    log = []
    cheap = lambda: log.append("c")  # noqa: E731
    slow = lambda: log.append("s")  # noqa: E731
    # the plan: 10 calls a round at 1e-4 s each, 1 call at 0.02 s
    plan = {cheap: (10, 1e-4), slow: (1, 0.02)}
    monkeypatch.setattr(bench, "_calls_per_round", lambda fn, budget_s, rounds: plan[fn])
    best = bench.best_seconds_each([cheap, slow], rounds=3, max_rounds=8, each_s=0.05)
    assert len(best) == 2 and best[0] <= 1e-4 and best[1] <= 0.02
    # after the plan's round: 7 more of the cheap one (8 in all: 0.05 s
    # would take 50), 2 more of the slow one (3: max(rounds, 2))
    assert log.count("c") == 70 and log.count("s") == 2
    # in turns: the slow fn's rounds come between the cheap one's
    assert "".join(log).startswith("c" * 10 + "s" + "c" * 10 + "s" + "c" * 10 + "c")
    log.clear()
    bench.best_seconds_each([cheap, slow], rounds=3)    # without max_rounds: `rounds` each
    assert log.count("c") == 20 and log.count("s") == 2


def test_bench_notes_missing_peers(monkeypatch, capsys):
    from fastact import bench

    def missing(n_threads, restore):
        raise ImportError("No module named 'nothere'")

    monkeypatch.setitem(bench.PEERS, "nothere", missing)
    assert cli.main(["bench", "--functions", "step", "--sizes", "64", "--dtypes", "float64"]) == 0
    assert "note: nothere not installed" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["bench", "--functions", "gelu"],
    ["bench", "--sizes", "0"],
    ["bench", "--sizes", "1.5"],
    ["bench", "--dtypes", "float16"],
    ["bench", "--threads", "0"],
])
def test_bench_rejects_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit):
        cli.main(argv)
    assert "expected" in capsys.readouterr().err


def test_bench_learners_section(capsys, tmp_path):
    path = tmp_path / "learners.json"
    assert cli.main(["bench", "--learners", "--rows", "2000", "--dtypes", "float32",
                     "--json", str(path)]) == 0
    out = capsys.readouterr().out
    tasks = ["logistic sgd", "perceptron", "logistic minibatch", "default vs lbfgs"]
    for task in tasks:
        assert task in out
    rows = json.loads(path.read_text())["rows"]
    assert [r["task"] for r in rows] == tasks
    assert [r["epochs"] for r in rows] == [3, 3, 3, None]
    assert rows[0]["fastact_s_per_epoch"] > 0 and rows[0]["fastact_proba_s"] > 0
    assert 0.5 < rows[0]["fastact_accuracy"] <= 1.0


def test_bench_family_section(capsys, tmp_path):
    path = tmp_path / "family.json"
    assert cli.main(["bench", "--family", "--sizes", "5000", "--dtypes", "float32",
                     "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "family" in out and "mish" in out and "hardtanh" in out
    result = json.loads(path.read_text())
    rows = {r["function"]: r for r in result["rows"]}
    assert len(rows) == 21 and rows["silu"]["n"] == 5000
    assert all(r["fastact_forward_s"] > 0 and r["fastact_backward_s"] > 0 for r in rows.values())
    assert result["passes"] == 1 and "passes" not in out


def test_bench_family_passes_keep_each_times_best(monkeypatch):
    """--passes N: N passes over the functions, each time the best of them,
    one row per function; the NumPy composition in the first pass only."""
    from fastact import bench
    calls = []
    real = bench.best_seconds_each
    monkeypatch.setattr(bench, "best_seconds_each",
                        lambda fns, **kw: calls.append(len(fns)) or [0.5 / len(calls)] * len(fns))
    result = bench.run_family(2000, functions=("relu", "elu"), progress=io.StringIO(), passes=3)
    monkeypatch.setattr(bench, "best_seconds_each", real)
    rows = {r["function"]: r for r in result["rows"]}
    assert sorted(rows) == ["elu", "relu"] and result["passes"] == 3
    assert len(calls) == 6 and calls[0] == calls[2] + 1      # numpy's column in pass 1 only
    # elu then relu in each pass: calls 1-6 took 0.5 / k
    assert rows["elu"]["copy_s"] == 0.5 / 5 and rows["relu"]["fastact_forward_s"] == 0.5 / 6
    assert rows["relu"]["numpy_forward_s"] == 0.5 / 2
    assert "best of 3 passes" in bench.format_family(result)
