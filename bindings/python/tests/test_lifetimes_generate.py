"""kehu.lifetimes.generate_data, .datasets and the heterogeneity / repeat-purchase plots: the
layouts of lifetimes' own generators and loaders, parameter recovery from generated data,
seeding, and the plotted densities against their closed forms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kehu import _native
from kehu.lifetimes import BetaGeoBetaBinomFitter, BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter, datasets, plotting
from kehu.lifetimes import generate_data as gen

BG = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)
PNBD = dict(r=0.553, alpha=10.578, s=0.606, beta=11.669)
BB = dict(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)


def _layout(df: pd.DataFrame) -> tuple:
    return list(df.columns), df.index.name, type(df.index).__name__, str(df.index.dtype), {c: str(t) for c, t in df.dtypes.items()}


@pytest.fixture(scope="module")
def lifetimes_generate():
    return pytest.importorskip("lifetimes.generate_data")


@pytest.mark.parametrize(
    "name, args",
    [
        ("beta_geometric_nbd_model", (30, *BG.values())),
        ("modified_beta_geometric_nbd_model", (30, *BG.values())),
        ("pareto_nbd_model", (30, *PNBD.values())),
        ("beta_geometric_beta_binom_model", (6, *BB.values())),
    ],
)
def test_generator_layouts_are_lifetimes(lifetimes_generate, name, args):
    np.random.seed(0)
    theirs = getattr(lifetimes_generate, name)(*args, size=5)
    ours = getattr(gen, name)(*args, size=5)
    assert _layout(ours) == _layout(theirs)
    pd.testing.assert_index_equal(ours.index, theirs.index)
    # One observation length per customer, as given.
    np.testing.assert_array_equal(ours.iloc[:, 2].to_numpy(), theirs.iloc[:, 2].to_numpy())


def test_transactional_layout_is_lifetimes(lifetimes_generate, monkeypatch):
    # lifetimes 0.11 builds this frame with DataFrame.append, removed in pandas 2: its layout is
    # taken by running it with pandas 1's append restored (a concat in which the empty starting
    # frame sets no dtype, as pandas 1 did).
    def append(self, other):
        frames = [f for f in (self, other) if len(f)]
        return pd.concat(frames) if frames else self

    monkeypatch.setattr(pd.DataFrame, "append", append, raising=False)
    np.random.seed(0)
    theirs = lifetimes_generate.beta_geometric_nbd_model_transactional_data(30, 0.5, 4.4, 0.79, 2.4, size=4)
    ours = gen.beta_geometric_nbd_model_transactional_data(30, 0.5, 4.4, 0.79, 2.4, size=4)
    assert _layout(ours) == _layout(theirs)
    assert type(ours.index) is pd.RangeIndex


def test_transactions_follow_the_simulated_histories():
    np.random.seed(5)
    T = np.arange(10.0, 60.0)
    tx = gen.beta_geometric_nbd_model_transactional_data(T, 0.5, 4.4, 0.79, 2.4, observation_period_end="2020-06-30", freq="W", size=len(T))
    end = pd.Timestamp("2020-06-30")
    first = tx.groupby("customer_id")["date"].min()
    # The first purchase T units before the end; every purchase within the observation.
    expected = end - pd.to_timedelta(T, unit="W")
    assert (first.to_numpy() == expected.to_numpy()).all()
    assert (tx["date"] <= end).all()
    assert list(first.index) == list(range(len(T)))
    assert tx["customer_id"].is_monotonic_increasing
    # The same seed's summaries (the core draws each customer the same way): repeats and recency.
    np.random.seed(5)
    summary = gen.beta_geometric_nbd_model(T, 0.5, 4.4, 0.79, 2.4, size=len(T))
    repeats = tx.groupby("customer_id").size() - 1
    np.testing.assert_array_equal(repeats.to_numpy(), summary["frequency"].to_numpy())
    last = (tx.groupby("customer_id")["date"].max() - first) / pd.Timedelta(1, unit="W")
    np.testing.assert_allclose(last.to_numpy(), summary["recency"].to_numpy(), rtol=0, atol=1e-6)


def test_same_numpy_seed_same_data_other_seed_other_data():
    np.random.seed(42)
    a = gen.pareto_nbd_model(20, *PNBD.values(), size=300)
    np.random.seed(42)
    b = gen.pareto_nbd_model(20, *PNBD.values(), size=300)
    pd.testing.assert_frame_equal(a, b)
    np.random.seed(43)
    c = gen.pareto_nbd_model(20, *PNBD.values(), size=300)
    assert not np.array_equal(a["lambda"].to_numpy(), c["lambda"].to_numpy())
    # Consecutive calls draw new seeds from numpy's generator.
    np.random.seed(42)
    gen.pareto_nbd_model(20, *PNBD.values(), size=300)
    d = gen.pareto_nbd_model(20, *PNBD.values(), size=300)
    assert not np.array_equal(a["lambda"].to_numpy(), d["lambda"].to_numpy())


def test_summaries_are_consistent_with_the_latent_draws():
    np.random.seed(7)
    df = gen.modified_beta_geometric_nbd_model(np.linspace(5, 50, 2000), *BG.values(), size=2000)
    assert (df["recency"] <= df["T"]).all()
    assert ((df["frequency"] > 0) == (df["recency"] > 0)).all()
    assert set(df["alive"].unique()) <= {0.0, 1.0}
    assert ((df["p"] > 0) & (df["p"] < 1) & (df["lambda"] > 0)).all()
    # Only the first `size` lengths of a longer T are used (lifetimes' generate_new_data).
    assert gen.beta_geometric_nbd_model(np.array([3.0, 4.0, 5.0]), *BG.values(), size=2)["T"].tolist() == [3.0, 4.0]
    bb = gen.beta_geometric_beta_binom_model(np.full(500, 8), *BB.values(), size=500)
    assert (bb["recency"] <= bb["n_periods"]).all() and (bb["frequency"] <= bb["recency"]).all()
    assert gen.beta_geometric_nbd_model(30, *BG.values(), size=0).shape == (0, 6)


def _check_recovered(model, true: dict, n_se: float = 4.0) -> None:
    """Every estimate within `n_se` of its standard errors of the true value."""
    est, se = model.params_, model.standard_errors_
    for name, value in true.items():
        assert abs(est[name] - value) < n_se * se[name], f"{name}: {est[name]} ± {se[name]} vs {value}"


def test_fitting_generated_bgnbd_recovers_the_parameters():
    np.random.seed(11)
    T = np.random.uniform(20, 60, 15000)
    df = gen.beta_geometric_nbd_model(T, *BG.values(), size=len(T))
    fit = BetaGeoFitter().fit(df["frequency"], df["recency"], df["T"])
    _check_recovered(fit, BG)
    # 15,000 customers pin the purchase-rate shapes r and α to within 5% (their standard errors
    # are 2–3%; a and b, strongly correlated, are only held to their 4 standard errors above).
    assert abs(fit.params_["r"] / BG["r"] - 1) < 0.05 and abs(fit.params_["alpha"] / BG["alpha"] - 1) < 0.05


def test_fitting_generated_mbgnbd_and_pareto_recovers_the_parameters():
    np.random.seed(12)
    T = np.random.uniform(20, 60, 10000)
    df = gen.modified_beta_geometric_nbd_model(T, *BG.values(), size=len(T))
    _check_recovered(ModifiedBetaGeoFitter().fit(df["frequency"], df["recency"], df["T"]), BG)
    df = gen.pareto_nbd_model(T, *PNBD.values(), size=len(T))
    _check_recovered(ParetoNBDFitter().fit(df["frequency"], df["recency"], df["T"]), PNBD)


def test_fitting_generated_bgbb_recovers_the_parameters():
    np.random.seed(13)
    df = gen.beta_geometric_beta_binom_model(6, *BB.values(), size=20000)
    rows = df.groupby(["frequency", "recency", "n_periods"]).size().rename("weights").reset_index()
    fit = BetaGeoBetaBinomFitter().fit(rows["frequency"], rows["recency"], rows["n_periods"], rows["weights"])
    _check_recovered(fit, BB)


def test_bad_parameters_are_typed_errors():
    cases = [
        (lambda: gen.beta_geometric_nbd_model(30, -0.2, 4.4, 0.8, 2.4, size=3), "VALUE_INVALID_PARAMETER"),
        (lambda: gen.pareto_nbd_model(30, 0.5, float("nan"), 0.6, 11.7, size=3), "VALUE_INVALID_PARAMETER"),
        (lambda: gen.beta_geometric_beta_binom_model(6, 1.2, 0.0, 0.66, 2.8, size=3), "VALUE_INVALID_PARAMETER"),
        (lambda: gen.beta_geometric_nbd_model(30, 0.2, 4.4, 0.8, 2.4, size=-1), "VALUE_INVALID_OPTION"),
        (lambda: gen.beta_geometric_nbd_model(0, 0.2, 4.4, 0.8, 2.4, size=3), "VALUE_INVALID_DATA"),
        (lambda: gen.modified_beta_geometric_nbd_model(-5.0, 0.2, 4.4, 0.8, 2.4, size=3), "VALUE_INVALID_DATA"),
        (lambda: gen.beta_geometric_beta_binom_model(6.5, 1.2, 0.75, 0.66, 2.8, size=3), "VALUE_INVALID_DATA"),
        (lambda: gen.beta_geometric_nbd_model([10.0, 20.0], 0.2, 4.4, 0.8, 2.4, size=3), "VALUE_INVALID_DATA"),
        (lambda: gen.beta_geometric_nbd_model_transactional_data(float("nan"), 0.2, 4.4, 0.8, 2.4, size=2), "VALUE_INVALID_DATA"),
    ]
    for call, code in cases:
        with pytest.raises(_native.ValueModelError) as info:
            call()
        assert info.value.code == code
        assert isinstance(info.value, ValueError)


def test_generate_for_a_fitted_fitter():
    np.random.seed(21)
    T = np.random.uniform(20, 60, 3000)
    df = gen.beta_geometric_nbd_model(T, *BG.values(), size=len(T))
    fit = BetaGeoFitter().fit(df["frequency"], df["recency"], df["T"])
    new = fit.generate_new_data(size=50)  # lifetimes' fitter method, over the core's generator
    assert list(new.columns) == ["frequency", "recency", "T", "lambda", "p", "alive"]
    np.testing.assert_array_equal(new["T"].to_numpy(), T[:50])
    np.random.seed(22)
    people = gen.beta_geometric_beta_binom_model(np.repeat([4, 6, 9], 1000), *BB.values(), size=3000)
    rows = people.groupby(["frequency", "recency", "n_periods"]).size().rename("weights").reset_index()
    bb = BetaGeoBetaBinomFitter().fit(rows["frequency"], rows["recency"], rows["n_periods"], rows["weights"])
    # The fit keeps the weights (as lifetimes' BG/BB fitter does): the rows repeated by them.
    np.testing.assert_array_equal(bb.data["weights"], rows["weights"])
    new = bb.generate_new_data(size=int(rows["weights"].iloc[0]) + 1)
    assert new["n_periods"].tolist() == [rows["n_periods"].iloc[0]] * (len(new) - 1) + [rows["n_periods"].iloc[1]]
    assert len(gen._generate_for(bb, size=3000)) == 3000
    with pytest.raises(_native.ValueModelError) as info:
        gen._generate_for(BetaGeoFitter(), size=1)
    assert info.value.code == "VALUE_INVALID_OPTION"


@pytest.fixture(scope="module")
def lifetimes_datasets():
    pytest.importorskip("lifetimes")
    try:
        import lifetimes.datasets as theirs
    except ImportError:
        # lifetimes' loaders need pkg_resources (setuptools), absent from some environments:
        # compare with pandas reading the same files, which is all lifetimes' loaders do.
        return None
    return theirs


@pytest.mark.parametrize(
    "loader, filename",
    [
        ("load_donations", "donations.csv"),
        ("load_cdnow_summary", "cdnow_customers_summary.csv"),
        ("load_transaction_data", "example_transactions.csv"),
        ("load_cdnow_summary_data_with_monetary_value", None),
    ],
)
def test_datasets_are_lifetimes_frames(lifetimes_datasets, loader, filename):
    ours = getattr(datasets, loader)()
    if lifetimes_datasets is not None:
        expected = getattr(lifetimes_datasets, loader)()
    elif filename is not None:
        expected = pd.read_csv(datasets._datasets_dir() / filename)
    else:
        expected = pd.read_csv(datasets._datasets_dir() / "cdnow_customers_summary_with_transactions.csv")
        expected.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
        expected = expected.set_index("customer_id")
    pd.testing.assert_frame_equal(ours, expected)
    assert len(ours) > 0


def test_load_dataset_passes_read_csv_options(lifetimes_datasets):
    df = datasets.load_dataset("cdnow_customers_summary.csv", usecols=["ID", "frequency"])
    assert list(df.columns) == ["ID", "frequency"] and len(df) == 2357


def test_datasets_without_lifetimes_say_how_to_get_them(monkeypatch):
    monkeypatch.setattr(datasets.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match="pip install lifetimes"):
        datasets.load_cdnow_summary()


@pytest.fixture(scope="module")
def fitted_bg():
    np.random.seed(31)
    T = np.random.uniform(20, 60, 4000)
    df = gen.beta_geometric_nbd_model(T, *BG.values(), size=len(T))
    return BetaGeoFitter().fit(df["frequency"], df["recency"], df["T"])


@pytest.fixture()
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot

    yield pyplot
    pyplot.close("all")


def _gamma_pdf(x: float, r: float, alpha: float) -> float:
    return math.exp(r * math.log(alpha) + (r - 1) * math.log(x) - alpha * x - math.lgamma(r))


def _beta_pdf(x: float, a: float, b: float) -> float:
    return math.exp((a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)))


def test_transaction_rate_heterogeneity_is_the_gamma_density(plt, fitted_bg):
    ax = plotting.plot_transaction_rate_heterogeneity(fitted_bg, suptitle="rates", color="k")
    r, alpha = fitted_bg.params_["r"], fitted_bg.params_["alpha"]
    x, y = ax.lines[0].get_xydata().T
    assert len(x) == 100 and x[0] == 0.0
    for i in (1, 10, 50, 99):
        assert abs(y[i] - _gamma_pdf(x[i], r, alpha)) <= 1e-12 * _gamma_pdf(x[i], r, alpha)
    assert ax.get_title() == "mean: {:.3f}, var: {:.3f}".format(r / alpha, r / alpha**2)
    assert ax.figure._suptitle.get_text() == "rates"
    assert ax.get_xlabel() == "Transaction Rate" and ax.get_ylabel() == "Density"
    stats = pytest.importorskip("scipy.stats")
    assert abs(x[-1] - stats.gamma(r, scale=1 / alpha).ppf(0.99)) < 1e-9 * x[-1]


def test_dropout_heterogeneity_is_the_beta_density(plt, fitted_bg):
    ax = plotting.plot_dropout_rate_heterogeneity(fitted_bg)
    a, b = fitted_bg.params_["a"], fitted_bg.params_["b"]
    x, y = ax.lines[0].get_xydata().T
    for i in (1, 30, 70, 99):
        assert abs(y[i] - _beta_pdf(x[i], a, b)) <= 1e-12 * _beta_pdf(x[i], a, b)
    assert ax.get_title() == "mean: {:.3f}, var: {:.3f}".format(a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1)))
    assert ax.figure._suptitle.get_text() == "Heterogeneity in Dropout Probability"
    stats = pytest.importorskip("scipy.stats")
    assert abs(x[-1] - stats.beta(a, b).ppf(0.99)) < 1e-9


def test_heterogeneity_of_models_without_it_is_a_typed_error(plt):
    np.random.seed(41)
    df = gen.pareto_nbd_model(30, *PNBD.values(), size=3000)
    pnbd = ParetoNBDFitter().fit(df["frequency"], df["recency"], df["T"])
    assert plotting.plot_transaction_rate_heterogeneity(pnbd) is not None
    with pytest.raises(_native.ValueModelError) as info:
        plotting.plot_dropout_rate_heterogeneity(pnbd)
    assert info.value.code == "VALUE_INVALID_OPTION"
    df = gen.beta_geometric_beta_binom_model(6, *BB.values(), size=3000)
    rows = df.groupby(["frequency", "recency", "n_periods"]).size().rename("weights").reset_index()
    bb = BetaGeoBetaBinomFitter().fit(rows["frequency"], rows["recency"], rows["n_periods"], rows["weights"])
    with pytest.raises(_native.ValueModelError) as info:
        plotting.plot_transaction_rate_heterogeneity(bb)
    assert info.value.code == "VALUE_INVALID_OPTION"


def test_expected_repeat_purchases_plot(plt, fitted_bg):
    ax = plotting.plot_expected_repeat_purchases(fitted_bg, label="BG/NBD")
    solid, dashed = ax.lines
    max_T = float(fitted_bg.data["T"].max())
    x, y = solid.get_xydata().T
    assert x[0] == 0.0 and x[-1] == max_T and dashed.get_xydata()[-1, 0] == pytest.approx(1.5 * max_T, rel=1e-15)
    np.testing.assert_allclose(y, fitted_bg.expected_number_of_purchases_up_to_time(x), rtol=1e-15)
    assert y[0] == 0.0 and np.all(np.diff(y) > 0)
    assert solid.get_color() == dashed.get_color() and dashed.get_linestyle() == "--"
    assert ax.get_title() == "Expected Number of Repeat Purchases per Customer"
    assert ax.get_legend().get_texts()[0].get_text() == "BG/NBD"
    _, ax2 = plt.subplots()
    assert plotting.plot_expected_repeat_purchases(fitted_bg, ax=ax2, color="red") is ax2
    assert ax2.lines[1].get_color() == "red"


def test_transactional_dates_beyond_nanoseconds_are_an_error_not_wrapped():
    ok = gen.beta_geometric_nbd_model_transactional_data(30, 0.5, 4.4, 0.79, 2.4, observation_period_end="2262-01-01", size=3)
    assert ok["date"].max() <= pd.Timestamp("2262-01-01")
    with pytest.raises(_native.ValueModelError) as e:
        gen.beta_geometric_nbd_model_transactional_data(30, 0.5, 4.4, 0.79, 2.4, observation_period_end="2300-01-01", size=3)
    assert e.value.code == "VALUE_INVALID_OPTION" and "1677" in str(e.value)
