"""Time-series forecasting helpers: sliding windows and naive baselines.

A forecasting problem asks: given the readings up to time :math:`t`, what will a target be at
time :math:`t + h`? Every function here is phrased in terms of the *anchor* :math:`t`, the last
time step a model is allowed to see. Keeping the anchor explicit makes two mistakes hard to
make: letting a window peek past its split boundary, and comparing a model with a baseline on
different samples. Series are split in time with :func:`dlbook.splits.chronological_split`.
"""

from __future__ import annotations

import numpy as np


def window_anchors(
    start: int, end: int, *, lookback: int, horizon: int, stride: int = 1
) -> np.ndarray:
    """Anchors :math:`t` whose whole window and target lie inside ``[start, end)``.

    A window needs ``lookback`` steps up to and including :math:`t`, and the target sits at
    :math:`t + h`, so

    .. math::

        \\text{start} + \\text{lookback} - 1 \\le t \\le \\text{end} - 1 - h .
    """
    if lookback < 1 or horizon < 0 or stride < 1:
        raise ValueError(
            f"need lookback >= 1, horizon >= 0 and stride >= 1, got {lookback}, {horizon}, {stride}"
        )
    if not 0 <= start <= end:
        raise ValueError(f"need 0 <= start <= end, got start={start}, end={end}")
    first, last = start + lookback - 1, end - 1 - horizon
    return np.arange(first, last + 1, stride, dtype=np.int64)


def make_windows(
    features: np.ndarray,
    targets: np.ndarray,
    *,
    lookback: int,
    horizon: int,
    sampling_rate: int = 1,
    stride: int = 1,
    start: int = 0,
    end: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn a series into supervised pairs (recent past, future target).

    For an anchor :math:`t` the pair is

    .. math::

        x_t = \\bigl(f_{t-L+r},\\, f_{t-L+2r},\\, \\dots,\\, f_t\\bigr), \\qquad
        y_t = g_{t+h},

    with :math:`L` = ``lookback``, :math:`r` = ``sampling_rate`` and :math:`h` = ``horizon``.
    The newest reading :math:`f_t` is always in the window.

    Parameters
    ----------
    features : array of shape (T, F)
        One row of inputs per time step (a 1-D array is read as a single feature).
    targets : array of shape (T,) or (T, K)
        What to forecast, aligned with ``features``.
    lookback : int
        How many time steps the window covers; a multiple of ``sampling_rate``.
    horizon : int
        How far ahead the target is, in time steps.
    sampling_rate : int
        Keep one reading every ``sampling_rate`` steps inside the window.
    stride : int
        Distance between consecutive anchors.
    start, end : int
        Only time steps in ``[start, end)`` are used, for inputs *and* targets, so that windows
        never cross a split boundary.

    Returns
    -------
    x : array of shape (N, lookback // sampling_rate, F)
    y : array of shape (N,) or (N, K)
    anchors : int array of shape (N,)
        The anchor :math:`t` of each pair; ``targets[anchors]`` is the persistence forecast.
    """
    features = np.asarray(features)
    targets = np.asarray(targets)
    if features.ndim == 1:
        features = features[:, None]
    if features.ndim != 2:
        raise ValueError(f"features must have shape (T, F), got {features.shape}")
    if len(targets) != len(features):
        raise ValueError(f"{len(features)} feature rows but {len(targets)} targets")
    if sampling_rate < 1 or lookback % sampling_rate:
        raise ValueError(
            f"lookback ({lookback}) must be a positive multiple of sampling_rate ({sampling_rate})"
        )
    end = len(features) if end is None else end
    if end > len(features):
        raise ValueError(f"end={end} is past the series of length {len(features)}")
    anchors = window_anchors(start, end, lookback=lookback, horizon=horizon, stride=stride)
    offsets = np.arange(-lookback + sampling_rate, 1, sampling_rate)  # (W,), ends at 0
    index = anchors[:, None] + offsets[None, :]  # (N, W)
    x = features[index]  # (N, W, F)
    y = targets[anchors + horizon]  # (N,) or (N, K)
    return x, y, anchors


def naive_forecast(
    series: np.ndarray, anchors: np.ndarray, *, horizon: int, season: int | None = None
) -> np.ndarray:
    """The common-sense forecast: tomorrow looks like today.

    Without ``season`` it is the persistence forecast :math:`\\hat y_{t+h} = y_t`. With a
    period :math:`s` (24 for hourly data with a daily cycle) it repeats the latest complete
    cycle, :math:`\\hat y_{t+h} = y_{t+h-ks}` with :math:`k = \\lceil h / s \\rceil`, the
    reading at the same phase of the cycle that the forecaster has already seen.
    """
    series = np.asarray(series)
    anchors = np.asarray(anchors, dtype=np.int64)
    if horizon < 0:
        raise ValueError(f"horizon must be >= 0, got {horizon}")
    if season is None:
        source = anchors
    else:
        if season < 1:
            raise ValueError(f"season must be a positive number of steps, got {season}")
        cycles = max(1, -(-horizon // season))  # ceil(h / s), at least one cycle back
        source = anchors + horizon - cycles * season
    if source.size and (source.min() < 0 or anchors.max() >= len(series)):
        raise ValueError("an anchor (or its seasonal look-up) falls outside the series")
    return series[source]
