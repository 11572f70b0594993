"""fastact train / fastact score on .npy, .npz and .csv data."""
import numpy as np
import pytest

from fastact import cli
from fastact.linear_model import load


def dataset(n=400, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) > 0).astype(int)
    return X, y


def test_train_then_score_from_csv_with_string_labels(tmp_path, capsys):
    X, y = dataset()
    labels = np.array(["no", "yes"])[y]
    path = tmp_path / "data.csv"
    with open(path, "w") as f:
        f.write("a,b,label,c,d\n")
        for row, lab in zip(X, labels):
            f.write("%.17g,%.17g,%s,%.17g,%.17g\n" % (row[0], row[1], lab, row[2], row[3]))
    model = tmp_path / "model.npz"
    assert cli.main(["train", str(path), "--target", "label", "--epochs", "3", "-o", str(model)]) == 0
    err = capsys.readouterr().err
    assert "epoch 1/3" in err and "epoch 3/3" in err
    features = tmp_path / "features.npy"
    np.save(features, X[:, [0, 1, 2, 3]])
    out = tmp_path / "scores.npy"
    assert cli.main(["score", str(model), str(features), "--kind", "label", "-o", str(out)]) == 0
    assert "rows/s" in capsys.readouterr().out
    pred = np.load(out)
    assert (pred == labels).mean() > 0.95
    assert list(load(model).classes_) == ["no", "yes"]


def test_train_from_npy_column_and_npz_arrays(tmp_path):
    X, y = dataset(seed=1)
    table = tmp_path / "table.npy"
    np.save(table, np.column_stack([X, y]))
    model = tmp_path / "m.npz"
    assert cli.main(["train", str(table), "--target", "-1", "--model", "perceptron", "-o", str(model)]) == 0
    data = tmp_path / "data.npz"
    np.savez(data, X=X, y=y)
    model2 = tmp_path / "m2.npz"
    assert cli.main(["train", str(data), "--target", "y", "-o", str(model2)]) == 0
    out = tmp_path / "p.npy"
    assert cli.main(["score", str(model2), str(data), "-o", str(out)]) == 0
    proba = np.load(out)
    assert proba.shape == (400, 2) and proba.dtype == np.float32
    assert ((proba[:, 1] > 0.5) == y).mean() > 0.95


@pytest.mark.parametrize("argv_tail, message", [
    (["--target", "nope"], "no column 'nope'"),
    (["--target", "label", "--epochs", "0"], "expected a positive integer"),
])
def test_train_reports_bad_arguments(tmp_path, capsys, argv_tail, message):
    path = tmp_path / "d.csv"
    path.write_text("a,label\n1.0,0\n2.0,1\n")
    with pytest.raises(SystemExit) as exc:
        cli.main(["train", str(path)] + argv_tail + ["-o", str(tmp_path / "m.npz")])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_score_rejects_an_unknown_file_type(tmp_path, capsys):
    X, y = dataset()
    data = tmp_path / "data.npz"
    np.savez(data, X=X, y=y)
    model = tmp_path / "m.npz"
    cli.main(["train", str(data), "--target", "y", "-o", str(model)])
    with pytest.raises(SystemExit):
        cli.main(["score", str(model), str(tmp_path / "data.parquet"), "-o", str(tmp_path / "s.npy")])
    assert "must be a .npy, .npz or .csv file" in capsys.readouterr().err
