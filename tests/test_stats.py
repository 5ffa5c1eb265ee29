"""Tests of sjobo_geo.analysis.stats: kernel density, Gi* (against esda), FDR, Mann-Kendall,
classes."""

from __future__ import annotations

import math
import statistics
import warnings
from itertools import combinations

import numpy as np
import pytest
import scipy.stats

from sjobo_geo import stats
from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.analysis.stats import StatsError

# ---- helpers -------------------------------------------------------------------------------


def _grid_points(nrows: int, ncols: int, cell: float = 10.0,
                 x0: float = 370_000.0, y0: float = 6_400_000.0) -> np.ndarray:
    """Cell centres in row-major order (row = y index), SWEREF-like coordinates."""
    xs, ys = np.meshgrid(x0 + np.arange(ncols) * cell, y0 + np.arange(nrows) * cell)
    return np.column_stack([xs.ravel(), ys.ravel()])


def _esda_zs(values: np.ndarray, points: np.ndarray, distance: float) -> np.ndarray:
    """esda's Gi* z-scores with a binary DistanceBand (islands warn: caught here)."""
    from esda.getisord import G_Local
    from libpysal.weights import DistanceBand

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "not fully connected" / islands
        w = DistanceBand(points, distance, binary=True)
        return G_Local(values, w, transform="B", star=True, permutations=0).Zs


def _esda_cardinalities(points: np.ndarray, distance: float) -> np.ndarray:
    """Number of neighbours (self not counted) of each point in libpysal's DistanceBand."""
    from libpysal.weights import DistanceBand

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        w = DistanceBand(points, distance, binary=True)
    return np.array([w.cardinalities[i] for i in w.id_order])


# ---- kernel density ------------------------------------------------------------------------

BOUNDS = (0.0, 0.0, 2000.0, 1500.0)


def test_grid_shape_and_centres():
    assert stats.grid_shape(BOUNDS, 10) == (150, 200)
    assert stats.grid_shape((0, 0, 105, 100), 10) == (10, 11)  # partial column kept
    x, y = stats.grid_centres(BOUNDS, 10)
    assert x[0] == 5.0 and y[0] == 5.0 and x[-1] == 1995.0 and y[-1] == 1495.0


@pytest.mark.parametrize("method", ["exact", "fft"])
def test_kde_integrates_to_sum_of_weights(method):
    rng = np.random.default_rng(0)
    pts = rng.normal([1000, 750], 120, (400, 2))
    w = rng.uniform(0.5, 3.0, 400)
    grid = stats.kde(pts, w, 40.0, 10.0, BOUNDS, method=method)
    assert grid.shape == (150, 200)
    assert grid.sum() * 100.0 == pytest.approx(w.sum(), rel=1e-3)


def test_kde_single_point_is_the_analytic_gaussian():
    h, cs = 30.0, 10.0
    p = np.array([[1003.0, 747.0]])
    grid = stats.kde(p, None, h, cs, BOUNDS, method="exact")
    x, y = stats.grid_centres(BOUNDS, cs)
    d2 = (x[None, :] - 1003.0) ** 2 + (y[:, None] - 747.0) ** 2
    expected = np.exp(-d2 / (2 * h * h)) / (2 * math.pi * h * h)
    # the windowed exact sum stops at 8 h (exp(-32) of the peak); the matrix product does not
    np.testing.assert_allclose(grid, expected, rtol=1e-12, atol=1e-13 * expected.max())
    from sjobo_geo.analysis.stats import _kde_exact_gaussian, _kde_exact_window

    full = _kde_exact_gaussian(p, np.ones(1), h, cs, BOUNDS, 150, 200)  # flushes < 1e-140
    np.testing.assert_allclose(full, expected, rtol=1e-12, atol=1e-135 * expected.max())
    window = _kde_exact_window(p, np.ones(1), h, cs, BOUNDS, 150, 200, "gaussian")
    np.testing.assert_allclose(window, expected, rtol=1e-12, atol=1e-13 * expected.max())
    # the binned/FFT surface: same mass, same peak to within 1 %
    fast = stats.kde(p, None, h * 2, cs, BOUNDS, method="fft")
    exact = stats.kde(p, None, h * 2, cs, BOUNDS, method="exact")
    assert np.abs(fast - exact).max() <= 0.01 * exact.max()


def test_kde_orientation_row0_is_south():
    # a point in the north-east quadrant peaks at a high row and a high column
    p = np.array([[1702.0, 1303.0]])
    for method in ("exact", "fft"):
        grid = stats.kde(p, None, 60.0, 10.0, BOUNDS, method=method)
        r, c = np.unravel_index(np.argmax(grid), grid.shape)
        assert (r, c) == (130, 170)  # the cell centred at (1705, 1305)
        assert grid[-20:, -50:].sum() > 100 * grid[:20, :50].sum()
    # south-west point: low row, low column
    grid = stats.kde([[105.0, 95.0]], None, 30.0, 10.0, BOUNDS)
    r, c = np.unravel_index(np.argmax(grid), grid.shape)
    assert (r, c) == (9, 10)


@pytest.mark.parametrize(("kernel", "bandwidth"), [("gaussian", 50.0), ("quartic", 120.0)])
def test_kde_fft_within_one_percent_of_exact(kernel, bandwidth):
    rng = np.random.default_rng(1)
    pts = np.vstack([rng.normal([600, 500], 80, (300, 2)),
                     rng.normal([1400, 1000], 150, (500, 2)),
                     rng.uniform([0, 0], [2000, 1500], (200, 2))])
    w = rng.integers(1, 4, pts.shape[0]).astype(float)
    exact = stats.kde(pts, w, bandwidth, 10.0, BOUNDS, kernel=kernel, method="exact")
    fast = stats.kde(pts, w, bandwidth, 10.0, BOUNDS, kernel=kernel, method="fft")
    assert np.abs(fast - exact).max() <= 0.01 * exact.max()
    busy = exact > 0.1 * exact.max()
    assert (np.abs(fast - exact)[busy] / exact[busy]).max() < 0.01
    assert fast.sum() == pytest.approx(exact.sum(), rel=1e-3)
    auto = stats.kde(pts, w, bandwidth, 10.0, BOUNDS, kernel=kernel)
    assert np.abs(auto - exact).max() <= 0.01 * exact.max()


@pytest.mark.parametrize("bandwidth", [6.0, 22.9, 45.0])
def test_kde_binned_within_one_percent_of_exact(bandwidth):
    # a few thousand clustered points, weighted, some outside the bounds; bandwidths of
    # 0.6 to 4.5 cells, where "auto" would otherwise sum exactly
    rng = np.random.default_rng(4)
    pts = np.vstack([rng.normal([600, 500], 25, (1500, 2)),
                     rng.normal([1400, 1000], 150, (1500, 2)),
                     rng.uniform([-100, -100], [2100, 1600], (1000, 2))])
    w = rng.integers(1, 4, pts.shape[0]).astype(float)
    exact = stats.kde(pts, w, bandwidth, 10.0, BOUNDS, method="exact")
    binned = stats.kde(pts, w, bandwidth, 10.0, BOUNDS, method="binned")
    dense = exact > 0.01 * exact.max()
    rel = np.abs(binned - exact)[dense] / exact[dense]
    assert rel.max() <= 0.01
    assert binned.sum() == pytest.approx(exact.sum(), rel=1e-4)
    # the binned surface is not the exact one (else this test could not fail)
    assert rel.max() > 1e-7


def test_kde_binned_per_point_error_bound():
    # one point between lattice nodes: off by at most (|ux^2 - 1| + |uy^2 - 1|) / 3200 of its
    # own contribution at (ux, uy) bandwidths, the documented bound
    h, cs = 20.0, 10.0
    p = np.array([[1000.37, 700.61]])
    exact = stats.kde(p, None, h, cs, BOUNDS, method="exact")
    binned = stats.kde(p, None, h, cs, BOUNDS, method="binned")
    x, y = stats.grid_centres(BOUNDS, cs)
    ux, uy = (x[None, :] - p[0, 0]) / h, (y[:, None] - p[0, 1]) / h
    bound = (np.abs(ux**2 - 1) + np.abs(uy**2 - 1)) / 3200 * 1.01
    near = (ux**2 + uy**2) < 25  # beyond 5 h the exact value is below 4e-6 of the peak
    assert (np.abs(binned - exact)[near] <= bound[near] * exact[near] + 1e-18).all()
    assert np.abs(binned - exact)[near].max() > 0  # the point was moved


def test_kde_auto_bins_many_points_with_a_narrow_bandwidth():
    from sjobo_geo.analysis.stats import _kde_auto_method

    # 300,000 points, bandwidth 2.3 cells: no FFT (ratio < 5); the binned sum is cheaper
    assert _kde_auto_method(300_000, 23.0, 10.0, 172, 108, "gaussian") == "binned"
    # a handful of points: the exact sum
    assert _kde_auto_method(50, 23.0, 10.0, 172, 108, "gaussian") == "exact"
    # the quartic kernel is never binned this way
    assert _kde_auto_method(300_000, 23.0, 10.0, 172, 108, "quartic") == "exact"
    with pytest.raises(StatsError, match="gaussian"):
        stats.kde([[0.0, 0.0]], None, 10.0, 1.0, BOUNDS, kernel="quartic", method="binned")


def test_kde_binned_strips_equal_one_lattice(monkeypatch):
    from sjobo_geo.analysis import stats as mod

    rng = np.random.default_rng(6)
    pts = rng.normal([1000, 750], 300, (3000, 2))
    whole = stats.kde(pts, None, 15.0, 10.0, BOUNDS, method="binned")
    monkeypatch.setattr(mod, "_BIN_STRIP_NODES", 20_000)  # many strips of node rows
    strips = stats.kde(pts, None, 15.0, 10.0, BOUNDS, method="binned")
    np.testing.assert_allclose(strips, whole, rtol=1e-10, atol=1e-14 * whole.max())


def test_kde_quartic_kernel():
    radius, cs = 100.0, 10.0
    p = np.array([[1000.0, 700.0]])
    grid = stats.kde(p, [2.0], radius, cs, BOUNDS, kernel="quartic", method="exact")
    x, y = stats.grid_centres(BOUNDS, cs)
    d2 = (x[None, :] - 1000.0) ** 2 + (y[:, None] - 700.0) ** 2
    expected = np.where(d2 < radius**2, 2 * 3 / (math.pi * radius**2)
                        * (1 - d2 / radius**2) ** 2, 0.0)
    np.testing.assert_allclose(grid, expected, rtol=1e-12, atol=1e-300)
    assert grid.sum() * cs * cs == pytest.approx(2.0, rel=5e-3)
    # many points: interior mass is the sum of weights for both paths
    rng = np.random.default_rng(2)
    pts = rng.uniform([500, 400], [1500, 1100], (300, 2))
    for method in ("exact", "fft"):
        g = stats.kde(pts, None, 150.0, cs, BOUNDS, kernel="quartic", method=method)
        assert g.sum() * cs * cs == pytest.approx(300.0, rel=2e-3)


def test_kde_weights_none_and_edges():
    rng = np.random.default_rng(3)
    pts = rng.uniform(500, 1000, (50, 2))
    a = stats.kde(pts, None, 40.0, 10.0, BOUNDS)
    b = stats.kde(pts, np.ones(50), 40.0, 10.0, BOUNDS)
    np.testing.assert_allclose(a, b)
    # a point on the corner keeps about a quarter of its mass: no renormalisation at edges
    corner = stats.kde([[0.0, 0.0]], None, 50.0, 10.0, BOUNDS, method="exact")
    assert corner.sum() * 100 == pytest.approx(0.25, abs=0.01)
    # a point outside the bounds still contributes the part of its kernel inside
    outside = stats.kde([[-30.0, 700.0]], None, 50.0, 10.0, BOUNDS, method="exact")
    assert 0.2 < outside.sum() * 100 < 0.4
    fast = stats.kde([[-30.0, 700.0]], None, 50.0, 10.0, BOUNDS, method="fft")
    assert np.abs(fast - outside).max() <= 0.01 * outside.max()
    # no points, or only zero weights: an empty surface
    assert not stats.kde(np.empty((0, 2)), None, 40.0, 10.0, BOUNDS).any()
    assert not stats.kde(pts, np.zeros(50), 40.0, 10.0, BOUNDS).any()


def test_bandwidth_rules_on_known_data():
    x = np.arange(1.0, 21.0)  # 1..20
    y = np.concatenate([np.zeros(10), np.full(10, 10.0)])
    pts = np.column_stack([x, y])
    n = 20
    sd_x = statistics.stdev(x)
    q = statistics.quantiles(x, n=4, method="inclusive")  # = numpy's linear percentiles
    a_x = min(sd_x, (q[2] - q[0]) / 1.34)
    sd_y = statistics.stdev(y)
    a_y = min(sd_y, 10.0 / 1.34)
    assert stats.bandwidth_rule(pts, "scott") == pytest.approx(
        np.mean([1.059 * a_x, 1.059 * a_y]) * n ** -0.2)
    assert stats.bandwidth_rule(pts, "silverman") == pytest.approx(
        np.mean([0.9 * a_x, 0.9 * a_y]) * n ** -0.2)
    # hand values: sd_x = 5.9161 < IQR_x / 1.34 = (15.25 - 5.75) / 1.34 = 7.0896;
    # sd_y = 5.1299 < 10 / 1.34 = 7.4627
    assert a_x == pytest.approx(5.9160798) and a_y == pytest.approx(5.1298918)
    assert stats.bandwidth_rule(pts) == pytest.approx(1.059 * (5.9160798 + 5.1298918) / 2
                                                      * 20 ** -0.2)
    # IQR 0 on an axis falls back to the standard deviation
    pts2 = np.column_stack([x, np.r_[np.zeros(17), 1.0, 2.0, 3.0]])
    sd_y2 = statistics.stdev(pts2[:, 1])
    assert stats.bandwidth_rule(pts2, "silverman") == pytest.approx(
        np.mean([0.9 * a_x, 0.9 * sd_y2]) * n ** -0.2)


# ---- Gi* against esda ---------------------------------------------------------------------


def test_gi_star_matches_esda_on_irregular_points_with_islands():
    rng = np.random.default_rng(4)
    pts = rng.uniform(0, 1000, (600, 2))
    pts[5] = pts[6]  # two units at the same place (not neighbours in libpysal)
    pts[7] = [5000.0, 5000.0]  # an island: no neighbour but itself
    pts[8] = [-4000.0, 100.0]  # another island
    y = rng.poisson(3, 600).astype(float)
    y[7] = 9.0
    for distance in (45.0, 80.0, 150.0):
        ref = _esda_zs(y, pts, distance)
        z = stats.gi_star(y, pts, distance)
        np.testing.assert_allclose(z, ref, rtol=0, atol=1e-6)
    # the island's z from the formula with W_i = 1
    n, mean, s = y.size, y.mean(), y.std()
    z7 = (y[7] - mean) / (s * math.sqrt((n - 1) / (n - 1)))
    assert stats.gi_star(y, pts, 80.0)[7] == pytest.approx(z7)


@pytest.mark.parametrize("distance", [10.0, 25.0, 10 * math.sqrt(2), 20.0, 55.0])
def test_gi_star_matches_esda_on_a_grid(distance):
    rng = np.random.default_rng(5)
    pts = _grid_points(40, 50)
    y = rng.poisson(2, pts.shape[0]).astype(float)
    ref = _esda_zs(y, pts, distance)
    np.testing.assert_allclose(stats.gi_star(y, pts, distance, method="grid"), ref, atol=1e-6)
    np.testing.assert_allclose(stats.gi_star(y, pts, distance, method="tree"), ref, atol=1e-6)


def test_gi_star_partial_grid_and_gi_star_grid():
    rng = np.random.default_rng(6)
    nrows, ncols = 30, 40
    pts = _grid_points(nrows, ncols)
    y = rng.poisson(2, pts.shape[0]).astype(float)
    keep = rng.uniform(size=pts.shape[0]) > 0.3  # cells outside the district removed
    keep[ncols * 10 + 10] = True
    ref = _esda_zs(y[keep], pts[keep], 25.0)
    z = stats.gi_star(y[keep], pts[keep], 25.0, method="grid")
    np.testing.assert_allclose(z, ref, atol=1e-6)
    grid = np.where(keep, y, np.nan).reshape(nrows, ncols)
    z2d = stats.gi_star_grid(grid, 10.0, 25.0)
    assert np.isnan(z2d[~keep.reshape(nrows, ncols)]).all()
    np.testing.assert_allclose(z2d.ravel()[keep], ref, atol=1e-6)
    # large neighbourhoods take the FFT path: still exact to 1e-6
    ref = _esda_zs(y[keep], pts[keep], 95.0)
    np.testing.assert_allclose(stats.gi_star(y[keep], pts[keep], 95.0), ref, atol=1e-6)


def test_gi_star_lattice_and_tree_agree_at_exact_band_ties():
    # 12.3 m cells, band 24.6 m: pairs two cells apart are exactly at the band, and 2 x 12.3
    # rounds a hair above 24.6 on some pairs and not on others. Both paths include them all.
    rng = np.random.default_rng(12)
    nrows, ncols, cell, band = 40, 30, 12.3, 24.6
    pts = _grid_points(nrows, ncols, cell=cell)
    y = rng.poisson(2, pts.shape[0]).astype(float)
    z_grid = stats.gi_star(y, pts, band, method="grid")
    z_tree = stats.gi_star(y, pts, band, method="tree")
    np.testing.assert_allclose(z_grid, z_tree, rtol=0, atol=1e-9)
    np.testing.assert_allclose(stats.gi_star_grid(y.reshape(nrows, ncols), cell, band).ravel(),
                               z_tree, rtol=0, atol=1e-9)
    # the neighbourhood is the full disk of radius 2 cells: 13 cells in the interior
    inner = _esda_cardinalities(pts, band * (1 + stats.BAND_RTOL))
    assert inner.reshape(nrows, ncols)[2:-2, 2:-2].min() == 12  # 13 with the cell itself
    # libpysal compares without tolerance and keeps an arbitrary share of the ties; with the
    # band widened by BAND_RTOL (no pair lies in between) it has exactly our neighbours
    assert (_esda_cardinalities(pts, band) < inner).any()
    ref = _esda_zs(y, pts, band * (1 + stats.BAND_RTOL))
    np.testing.assert_allclose(z_tree, ref, rtol=0, atol=1e-6)
    np.testing.assert_allclose(z_grid, ref, rtol=0, atol=1e-6)


def test_gi_star_grid_stencil_is_clipped_to_the_grid():
    import tracemalloc

    rng = np.random.default_rng(13)
    nrows, ncols, cell = 15, 20, 10.0
    counts = rng.poisson(2, (nrows, ncols)).astype(float)
    pts = _grid_points(nrows, ncols, cell=cell)
    # the stencil never has more offsets than can occur on the grid
    for band in (25.0, 150.0, 2e4, 5e4):
        stencil = stats.neighbour_stencil(cell, band, grid_shape=(nrows, ncols))
        assert stencil.shape[0] <= 2 * nrows - 1 and stencil.shape[1] <= 2 * ncols - 1
        assert stencil[stencil.shape[0] // 2, stencil.shape[1] // 2]
    assert stats.neighbour_stencil(cell, 5e4, grid_shape=(nrows, ncols)).all()
    # a band of 150 m is taller than the grid (140 m) but narrower than it (190 m)
    assert stats.neighbour_stencil(cell, 150.0, grid_shape=(nrows, ncols)).shape == (29, 31)
    assert stats.neighbour_stencil(cell, 150.0).shape == (31, 31)
    # memory does not grow with the band (unclipped, 2e4 m took 638 MB)
    tracemalloc.start()
    try:
        stats.gi_star_grid(counts, cell, 2e4)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000
    for band in (150.0, 5e4):
        z_tree = stats.gi_star(counts.ravel(), pts, band, method="tree")
        np.testing.assert_allclose(stats.gi_star_grid(counts, cell, band).ravel(), z_tree,
                                   rtol=0, atol=1e-9)
        np.testing.assert_allclose(stats.gi_star(counts.ravel(), pts, band, method="grid"),
                                   z_tree, rtol=0, atol=1e-9)
    # everyone is everyone's neighbour: no variance, NaN on both paths
    assert np.isnan(stats.gi_star_grid(counts, cell, 5e4)).all()
    # at 150 m the corners (and only cells near them) still miss the opposite corners
    z150 = stats.gi_star_grid(counts, cell, 150.0)
    assert np.isfinite(z150[[0, 0, -1, -1], [0, -1, 0, -1]]).all() and np.isnan(z150[7, 10])


def test_gi_star_grid_island_and_coincident_option():
    # an isolated cell in a sparse lattice is an island: W_i = 1
    grid = np.full((20, 20), np.nan)
    grid[:5, :5] = np.arange(25.0).reshape(5, 5) % 4
    grid[18, 18] = 7.0
    z2d = stats.gi_star_grid(grid, 10.0, 15.0)
    y = grid[~np.isnan(grid)]
    n = y.size
    assert z2d[18, 18] == pytest.approx((7.0 - y.mean()) / y.std())
    # coincident points: not neighbours by default (libpysal), neighbours on request
    pts = np.array([[0.0, 0.0], [0.0, 0.0], [100.0, 0.0], [200.0, 0.0], [300.0, 0.0]])
    vals = np.array([4.0, 2.0, 1.0, 0.0, 3.0])
    z_default = stats.gi_star(vals, pts, 50.0)
    np.testing.assert_allclose(z_default, _esda_zs(vals, pts, 50.0), atol=1e-6)
    z_co = stats.gi_star(vals, pts, 50.0, coincident_neighbours=True)
    n, mean, s = 5, vals.mean(), vals.std()
    expected0 = (6.0 - 2 * mean) / (s * math.sqrt(2 * (n - 2) / (n - 1)))
    assert z_co[0] == pytest.approx(expected0)
    assert z_co[2] == pytest.approx(z_default[2])


def test_planted_clusters_are_found_where_they_are():
    rng = np.random.default_rng(7)
    nrows, ncols = 60, 60
    lam = np.full((nrows, ncols), 2.0)
    lam[40:46, 10:16] = 8.0  # hot: rows 40-45 (north), columns 10-15 (west)
    lam[5:15, 45:55] = 0.0  # cold: an empty block in the south-east
    counts = rng.poisson(lam).astype(float)
    z2d = stats.gi_star_grid(counts, 10.0, 25.0)
    labels = stats.hotspot_classes(z2d.ravel(), None).reshape(nrows, ncols)
    hot = np.char.startswith(labels, "hot")
    cold = np.char.startswith(labels, "cold")
    assert hot[41:45, 11:15].all() and labels[42, 12] == "hot 99%"
    assert cold[7:13, 47:53].all()
    # FDR allows a few false discoveries among many true ones (here 1 stray hot cell)
    near_hot = np.zeros_like(hot)
    near_hot[37:49, 7:19] = True  # the block plus the 25 m neighbourhood reach
    near_cold = np.zeros_like(cold)
    near_cold[2:18, 42:58] = True
    assert hot[near_hot].sum() >= 0.95 * hot.sum()
    assert cold[near_cold].sum() >= 0.95 * cold.sum()
    assert not (hot & near_cold).any() and not (cold & near_hot).any()
    # same answer from points through gi_star
    pts = _grid_points(nrows, ncols)
    np.testing.assert_allclose(stats.gi_star(counts.ravel(), pts, 25.0), z2d.ravel())


def test_uniform_random_points_give_no_hotspots_after_fdr():
    total_grid = total_points = 0
    for seed in range(4):
        rng = np.random.default_rng(100 + seed)
        counts = rng.poisson(2.0, (70, 70)).astype(float)
        z = stats.gi_star_grid(counts, 10.0, 25.0).ravel()
        total_grid += int((stats.hotspot_classes(z, None) != "not significant").sum())
        pts = rng.uniform(0, 2000, (3000, 2))
        vals = rng.poisson(3.0, 3000).astype(float)
        z = stats.gi_star(vals, pts, 100.0)
        total_points += int((stats.hotspot_classes(z, None) != "not significant").sum())
    # 4 x 4900 cells and 4 x 3000 points: at most a handful of false discoveries
    assert total_grid <= 5 and total_points <= 5


def test_gi_star_permutation_agrees_with_esda():
    from esda.getisord import G_Local
    from libpysal.weights import DistanceBand

    rng = np.random.default_rng(8)
    pts = rng.uniform(0, 1000, (300, 2))
    y = rng.poisson(3, 300).astype(float)
    pts[:15] = rng.uniform(0, 120, (15, 2))
    y[:15] += 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # esda: "alternative" changes
        warnings.simplefilter("ignore", RuntimeWarning)  # esda's z_sim where sd_sim = 0
        w = DistanceBand(pts, 90.0, binary=True)
        ref = G_Local(y, w, transform="B", star=True, permutations=999, seed=1, n_jobs=1)
    z, p = stats.gi_star_permutation(y, pts, 90.0, alternative="directed", seed=1)
    np.testing.assert_allclose(z, ref.Zs, atol=1e-6)
    # islands: p = 1 here; esda compares y_i / sum(y) with a zero lag and reports 0.001
    island = stats.gi_star(y, pts, 90.0) == stats.gi_star(y, pts, 0.001)
    assert island.sum() >= 1 and (p[island] == 1.0).all()
    # different random draws: agreement up to Monte Carlo error (sd <= 0.016 at R = 999)
    d = (p - ref.p_sim)[~island]
    # (the draws are shared by all units, as in esda, so the mean over units varies by a few
    # thousandths between seeds)
    assert np.abs(d).mean() < 0.015 and abs(d.mean()) < 0.01
    assert np.abs(d).max() < 0.08
    assert np.corrcoef(p[~island], ref.p_sim[~island])[0, 1] > 0.98
    assert (p[:10] <= 0.002).all()


def test_gi_star_permutation_against_exact_enumeration():
    # unit 0 has 3 neighbours among 9 units; enumerate all C(8, 3) neighbour sets
    pts = np.array([[0, 0], [10, 0], [0, 10], [10, 10], [100, 0], [200, 0], [300, 0],
                    [400, 0], [500, 0]], dtype=float)
    y = np.array([5.0, 4.0, 3.0, 4.0, 1.0, 0.0, 2.0, 1.0, 0.0])
    obs = y[1] + y[2] + y[3]
    others = y[1:]
    sums = np.array([sum(c) for c in combinations(others, 3)])
    exact_greater = (sums >= obs).mean()
    exact_lesser = (sums <= obs).mean()
    reps = 19_999
    _, p_g = stats.gi_star_permutation(y, pts, 15.0, permutations=reps, seed=3,
                                       alternative="greater")
    _, p_l = stats.gi_star_permutation(y, pts, 15.0, permutations=reps, seed=3,
                                       alternative="lesser")
    _, p_2 = stats.gi_star_permutation(y, pts, 15.0, permutations=reps, seed=3)
    _, p_d = stats.gi_star_permutation(y, pts, 15.0, permutations=reps, seed=3,
                                       alternative="directed")
    tol = 4 * math.sqrt(0.25 / reps) + 1 / reps
    assert p_g[0] == pytest.approx(exact_greater, abs=tol)
    assert p_l[0] == pytest.approx(exact_lesser, abs=tol)
    np.testing.assert_allclose(p_2, np.minimum(1, 2 * np.minimum(p_g, p_l)))
    assert p_d[0] == pytest.approx(min(p_g[0], 1 - p_g[0] + 2 / (reps + 1)), abs=1e-12)
    # islands (units 4..8 have no neighbour within 15 m) get p = 1
    assert (p_2[4:] == 1.0).all()
    # seeded: reproducible; another seed differs
    _, again = stats.gi_star_permutation(y, pts, 15.0, permutations=reps, seed=3)
    np.testing.assert_array_equal(again, p_2)
    _, other = stats.gi_star_permutation(y, pts, 15.0, permutations=999, seed=4)
    assert other[0] != p_2[0]


def test_permutation_draws_are_uniform_subsets():
    # values 1, 2, 4, ... identify each neighbour set by its sum: P(sum >= t) for every t
    # pins down the whole distribution of drawn sets, which must be uniform over C(6, 3)
    from sjobo_geo.analysis.stats import _permutation_p

    y = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
    reps = 20_000
    for unit in (0, 3, 6):  # i's own position among the drawn indices varies
        sums = np.array([sum(s) for s in combinations(np.delete(y, unit), 3)])
        c = np.zeros(7, dtype=np.int64)
        c[unit] = 3
        for k, t in enumerate(np.unique(sums)):
            obs = np.zeros(7)
            obs[unit] = t
            p = _permutation_p(y, obs, c, reps, np.random.default_rng(k), "greater")
            share = (p[unit] * (reps + 1) - 1) / reps
            assert share == pytest.approx((sums >= t).mean(), abs=0.015)


def test_gi_star_permutation_on_a_grid_is_fast_and_sane():
    rng = np.random.default_rng(9)
    counts = rng.poisson(1.0, (100, 100)).astype(float)
    counts[60:66, 60:66] += 5
    pts = _grid_points(100, 100)
    z, p = stats.gi_star_permutation(counts.ravel(), pts, 25.0, permutations=199, seed=0,
                                     alternative="folded")
    np.testing.assert_allclose(z, stats.gi_star(counts.ravel(), pts, 25.0))
    assert p.shape == (10_000,) and ((p > 0) & (p <= 1)).all()
    assert p.reshape(100, 100)[61:65, 61:65].max() <= 0.01


# ---- FDR and classes ----------------------------------------------------------------------


def test_fdr_hand_computed():
    # sorted 0.005 0.01 0.03 0.04 0.2 vs k/5 * 0.05 = 0.01 0.02 0.03 0.04 0.05 -> k = 4
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.2])
    np.testing.assert_array_equal(stats.fdr(p, 0.05), [True, True, True, True, False])
    # step-up: 0.02 > 0.0125 and 0.03 > 0.025, but 0.035 <= 0.0375 rejects all three
    p = np.array([0.9, 0.035, 0.02, 0.03])
    np.testing.assert_array_equal(stats.fdr(p, 0.05), [False, True, True, True])
    np.testing.assert_array_equal(stats.fdr([0.02, 0.03], 0.01), [False, False])
    # NaN is not a test (m = 4 here, as above)
    p = np.array([0.9, np.nan, 0.035, 0.02, 0.03])
    np.testing.assert_array_equal(stats.fdr(p, 0.05), [False, False, True, True, True])
    q = stats.fdr_adjust(p)
    assert np.isnan(q[1])
    # q = min over j >= k of m p_(j) / j: 0.035 * 4 / 3 for the three small ones
    np.testing.assert_allclose(q[[0, 2, 3, 4]], [0.9, 0.14 / 3, 0.14 / 3, 0.14 / 3])


def test_fdr_matches_scipy():
    rng = np.random.default_rng(10)
    p = np.concatenate([rng.uniform(size=900), rng.uniform(0, 0.002, 100)])
    rng.shuffle(p)
    if hasattr(scipy.stats, "false_discovery_control"):
        ref = scipy.stats.false_discovery_control(p)
        np.testing.assert_allclose(stats.fdr_adjust(p), ref, rtol=1e-12)
        for alpha in (0.01, 0.05, 0.1):
            np.testing.assert_array_equal(stats.fdr(p, alpha), ref <= alpha)
    assert stats.fdr(p, 0.05).sum() >= 95


def test_fdr_and_fdr_adjust_agree_at_exact_ties():
    # p_(70) = 0.035 = 0.05 * 70 / 100: alpha k / m and p m / k round to opposite sides
    p = np.array([0.035] * 70 + [0.9] * 30)
    ref = scipy.stats.false_discovery_control(p)
    np.testing.assert_array_equal(stats.fdr_adjust(p), ref)
    assert stats.fdr(p, 0.05).sum() == 70
    np.testing.assert_array_equal(stats.fdr(p, 0.05), stats.fdr_adjust(p) <= 0.05)
    np.testing.assert_array_equal(stats.fdr(p, 0.05), ref <= 0.05)
    # random p-values with many ties, some exactly at the step-up boundary alpha k / m
    rng = np.random.default_rng(14)
    for trial in range(200):
        m = int(rng.integers(2, 300))
        levels = np.round(rng.uniform(0, 0.2, int(rng.integers(1, 8))), 3)
        p = rng.choice(np.r_[levels, rng.uniform(size=3)], m)
        if trial % 2:  # force a tie at the boundary: k copies of alpha k / m
            k = int(rng.integers(1, m + 1))
            p[:k] = 0.05 * k / m
            rng.shuffle(p)
        ref = scipy.stats.false_discovery_control(p)
        q = stats.fdr_adjust(p)
        np.testing.assert_array_equal(q, ref)
        for alpha in (0.01, 0.05, 0.1):
            np.testing.assert_array_equal(stats.fdr(p, alpha), q <= alpha)
            np.testing.assert_array_equal(stats.fdr(p, alpha), ref <= alpha)
        # ties share one q and one decision
        for v in np.unique(p):
            assert np.unique(q[p == v]).size == 1


def test_hotspot_classes():
    z = np.array([4.0, 2.2, 1.8, 0.3, -1.8, -2.2, -4.0, np.nan])
    p = stats.p_from_z(z)
    labels = stats.hotspot_classes(z, p, alpha=0.1, fdr=False)
    assert labels.tolist() == ["hot 99%", "hot 95%", "hot 90%", "not significant",
                               "cold 90%", "cold 95%", "cold 99%", "not significant"]
    labels = stats.hotspot_classes(z, None, alpha=0.05, fdr=False)
    assert labels.tolist()[:4] == ["hot 99%", "hot 95%", "not significant", "not significant"]
    # BH on these 7 tests (NaN is not one) keeps all six at their levels ...
    labels = stats.hotspot_classes(z, p, alpha=0.1, fdr=True)
    assert labels.tolist() == ["hot 99%", "hot 95%", "hot 90%", "not significant",
                               "cold 90%", "cold 95%", "cold 99%", "not significant"]
    # ... but among 20 more null units only |z| = 4 (p = 6e-5) survives
    z2 = np.r_[z, np.zeros(20)]
    labels = stats.hotspot_classes(z2, stats.p_from_z(z2), alpha=0.1, fdr=True)
    assert labels[:8].tolist() == ["hot 99%", "not significant", "not significant",
                                   "not significant", "not significant", "not significant",
                                   "cold 99%", "not significant"]
    assert (labels[8:] == "not significant").all()
    assert stats.hotspot_classes([3.0], [0.002], alpha=0.005, fdr=False)[0] == "hot 99.5%"


# ---- Mann-Kendall and emerging hot spots --------------------------------------------------


def test_mann_kendall_hand_case():
    s, var = stats.mann_kendall_s([[1.0, 2.0, 3.0, 4.0]])
    assert s[0] == 6 and var[0] == pytest.approx(4 * 3 * 13 / 18)
    res = stats.mann_kendall([1.0, 2.0, 3.0, 4.0])
    assert res.tau[0] == 1.0
    assert res.z[0] == pytest.approx(5 / math.sqrt(4 * 3 * 13 / 18))
    # ties: [1, 1, 2] -> S = 2, Var = (3*2*11 - 2*1*9) / 18
    s, var = stats.mann_kendall_s([[1.0, 1.0, 2.0]])
    assert s[0] == 2 and var[0] == pytest.approx((66 - 18) / 18)
    res = stats.mann_kendall([[3.0, 3.0, 3.0, 3.0]])
    assert res.z[0] == 0.0 and res.p[0] == 1.0


def test_mann_kendall_matches_kendalltau():
    rng = np.random.default_rng(11)
    series = np.vstack([
        np.arange(12.0),
        -np.arange(12.0) + rng.normal(0, 2, 12),
        rng.normal(0, 1, 12),
        rng.integers(0, 4, 12).astype(float),  # many ties
        np.r_[np.zeros(6), np.ones(6)],
        rng.poisson(3, 12) + 0.5 * np.arange(12),
    ])
    res = stats.mann_kendall(series, continuity=False)
    t = np.arange(12)
    for row, tau, p, z in zip(series, res.tau, res.p, res.z, strict=True):
        ref = scipy.stats.kendalltau(t, row, method="asymptotic")
        assert tau == pytest.approx(ref.statistic, abs=1e-12)
        assert p == pytest.approx(ref.pvalue, rel=1e-9)
        assert np.sign(z) == np.sign(ref.statistic)
    corrected = stats.mann_kendall(series)
    assert (corrected.p >= res.p - 1e-15).all()  # continuity correction is conservative


def _bins(pattern: str) -> tuple[list[float], list[float]]:
    """'H' significant hot, 'C' significant cold, '.' not significant -> z and p rows."""
    z = {"H": 3.0, "C": -3.0, ".": 0.5}
    p = {"H": 0.001, "C": 0.001, ".": 0.6}
    return [z[c] for c in pattern], [p[c] for c in pattern]


EMERGING = {
    "..........": "no pattern",
    ".........H": "new hot spot",
    "........HH": "consecutive hot spot",
    ".......HHH": "consecutive hot spot",
    "..H....H.H": "sporadic hot spot",
    "..C....HHH": "oscillating hot spot",
    ".........C": "new cold spot",
    ".......CCC": "consecutive cold spot",
    "C.C......C": "sporadic cold spot",
    "HH.......C": "oscillating cold spot",
    "HHHHHHHHH.": "historical hot spot",
    "CCCCCCCCC.": "historical cold spot",
    "HHHHHH....": "no pattern",
}


def test_emerging_hotspots_on_constructed_series():
    keys = list(EMERGING)
    zs, ps = zip(*(_bins(k) for k in keys), strict=True)
    labels = stats.emerging_hotspots(np.array(zs), np.array(ps), fdr=False)
    assert dict(zip(keys, labels.tolist(), strict=True)) == EMERGING


def test_emerging_hotspots_trend_classes():
    steps = np.arange(10.0)
    z = np.vstack([
        2.5 + 0.5 * steps,  # hot throughout, rising: intensifying
        8.0 - 0.5 * steps,  # hot throughout, falling: diminishing
        3.0 + 0.3 * np.tile([1.0, -1.0], 5),  # hot throughout, no trend: persistent
        -(2.5 + 0.5 * steps),  # cold, more and more: intensifying cold
        -(8.0 - 0.5 * steps),  # cold, weakening: diminishing cold
        -(3.0 + 0.3 * np.tile([1.0, -1.0], 5)),  # persistent cold
        np.r_[0.5, 3.0 + 0.5 * steps[1:]],  # 9 of 10 hot (90 %) and rising: intensifying
    ])
    p = stats.p_from_z(z)
    labels = stats.emerging_hotspots(z, p)  # FDR per step over 7 units keeps all of these
    assert labels.tolist() == ["intensifying hot spot", "diminishing hot spot",
                               "persistent hot spot", "intensifying cold spot",
                               "diminishing cold spot", "persistent cold spot",
                               "intensifying hot spot"]
    # FDR matters: a lone p = 0.04 among many null units is not significant
    z2 = np.zeros((50, 10)) + 0.1
    p2 = np.full((50, 10), 0.9)
    z2[0, -1], p2[0, -1] = 2.05, 0.04
    assert stats.emerging_hotspots(z2, p2, fdr=False)[0] == "new hot spot"
    assert stats.emerging_hotspots(z2, p2)[0] == "no pattern"


# ---- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda: stats.kde([[0, 0, 0]], None, 10, 1, BOUNDS),
    lambda: stats.kde([[np.nan, 0]], None, 10, 1, BOUNDS),
    lambda: stats.kde([[0, 0]], [-1.0], 10, 1, BOUNDS),
    lambda: stats.kde([[0, 0]], [1.0, 2.0], 10, 1, BOUNDS),
    lambda: stats.kde([[0, 0]], None, 0, 1, BOUNDS),
    lambda: stats.kde([[0, 0]], None, 10, -1, BOUNDS),
    lambda: stats.kde([[0, 0]], None, 10, 1, (10, 0, 0, 10)),
    lambda: stats.kde([[0, 0]], None, 10, 1, (0, 0, 10)),
    lambda: stats.kde([[0, 0]], None, 10, 1, BOUNDS, kernel="epanechnikov"),
    lambda: stats.kde([[0, 0]], None, 10, 1, BOUNDS, method="magic"),
    lambda: stats.kde([[0, 0]], None, 10, 0.01, (0, 0, 1e6, 1e6)),
    lambda: stats.bandwidth_rule([[0, 0]]),
    lambda: stats.bandwidth_rule([[1, 1], [1, 1]]),
    lambda: stats.bandwidth_rule([[0, 0], [1, 1]], rule="ruleofthumb"),
    lambda: stats.gi_star([1, 2, 3], [[0, 0], [1, 1]], 5),
    lambda: stats.gi_star([1, 1, 1], [[0, 0], [1, 1], [2, 2]], 5),
    lambda: stats.gi_star([1, 2], [[0, 0], [1, 1]], 5),
    lambda: stats.gi_star([1, np.inf, 3], [[0, 0], [1, 1], [2, 2]], 5),
    lambda: stats.gi_star([1, 2, 3], [[0, 0], [1, 1], [2, 2]], 0),
    lambda: stats.gi_star([1, 2, 3], [[0, 0], [1, 1], [2, 2.5]], 5, method="grid"),
    lambda: stats.gi_star([1, 2, 3], [[0, 0], [1, 1], [2, 2]], 5, method="kdtree"),
    lambda: stats.gi_star_grid(np.ones(5), 10, 20),
    lambda: stats.gi_star_grid([[1, np.inf], [2, 3]], 10, 20),
    lambda: stats.gi_star_permutation([1, 2, 3], [[0, 0], [1, 1], [2, 2]], 5,
                                      permutations=0),
    lambda: stats.gi_star_permutation([1, 2, 3], [[0, 0], [1, 1], [2, 2]], 5,
                                      alternative="sideways"),
    lambda: stats.fdr([0.1, 1.5]),
    lambda: stats.fdr([0.1, 0.2], alpha=0),
    lambda: stats.hotspot_classes([1.0, 2.0], [0.1]),
    lambda: stats.hotspot_classes([1.0], [0.1], alpha=0.7),
    lambda: stats.mann_kendall([[1.0, 2.0]]),
    lambda: stats.mann_kendall([[1.0, np.nan, 2.0]]),
    lambda: stats.emerging_hotspots(np.zeros((2, 5)), np.zeros((2, 4))),
])
def test_bad_input_raises_stats_error(call):
    with pytest.raises(StatsError) as info:
        call()
    assert isinstance(info.value, ValueError) and isinstance(info.value, SjoboGeoError)
