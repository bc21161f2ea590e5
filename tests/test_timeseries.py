import numpy as np
import pytest

from dlbook.timeseries import make_windows, naive_forecast, window_anchors


def test_windows_match_a_plain_loop():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(50, 3))
    targets = rng.normal(size=50)
    lookback, horizon, rate, stride = 12, 5, 3, 2
    x, y, anchors = make_windows(
        features,
        targets,
        lookback=lookback,
        horizon=horizon,
        sampling_rate=rate,
        stride=stride,
        start=4,
        end=40,
    )
    expected_x, expected_y, expected_t = [], [], []
    for t in range(4 + lookback - 1, 40 - horizon, stride):
        expected_x.append(features[t - lookback + rate : t + 1 : rate])
        expected_y.append(targets[t + horizon])
        expected_t.append(t)
    assert x.shape == (len(expected_t), lookback // rate, 3)
    np.testing.assert_array_equal(x, np.stack(expected_x))
    np.testing.assert_array_equal(y, np.array(expected_y))
    np.testing.assert_array_equal(anchors, np.array(expected_t))


def test_windows_stay_inside_their_block():
    series = np.arange(100, dtype=float)
    x, y, anchors = make_windows(series, series, lookback=10, horizon=5, start=20, end=60)
    assert x.min() >= 20 and y.max() <= 59
    # The newest reading of each window is the anchor itself.
    np.testing.assert_array_equal(x[:, -1, 0], anchors)
    np.testing.assert_array_equal(y, anchors + 5)


def test_window_anchors_empty_when_block_too_short():
    assert window_anchors(0, 10, lookback=8, horizon=5).size == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lookback": 10, "horizon": 1, "sampling_rate": 3},
        {"lookback": 0, "horizon": 1},
        {"lookback": 4, "horizon": -1},
        {"lookback": 4, "horizon": 1, "end": 500},
    ],
)
def test_make_windows_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        make_windows(np.zeros((20, 2)), np.zeros(20), **kwargs)


def test_make_windows_rejects_misaligned_targets():
    with pytest.raises(ValueError, match="targets"):
        make_windows(np.zeros((20, 2)), np.zeros(19), lookback=4, horizon=1)


def test_naive_forecasts():
    series = np.arange(100) * 10
    anchors = np.array([30, 40])
    np.testing.assert_array_equal(naive_forecast(series, anchors, horizon=24), [300, 400])
    # Same phase of the last complete day: t + 6 - 24.
    np.testing.assert_array_equal(naive_forecast(series, anchors, horizon=6, season=24), [120, 220])
    # For a 24-step horizon and a daily season both baselines agree.
    np.testing.assert_array_equal(
        naive_forecast(series, anchors, horizon=24, season=24),
        naive_forecast(series, anchors, horizon=24),
    )
    with pytest.raises(ValueError):
        naive_forecast(series, np.array([3]), horizon=2, season=24)
