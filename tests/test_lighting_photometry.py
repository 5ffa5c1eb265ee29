"""Photometry: point-source illuminance on the ground and on facades, and the fast grid.

Reference values are computed independently here (explicit formulas, loops) and from the
worked figure in DOMAIN.md ("Lighting").
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.analysis.lighting import photometry
from sjobo_geo.analysis.lighting.photometry import (
    GridInfo,
    LightingError,
    cutoff_radius,
    horizontal_illuminance,
    illuminance_grid,
    intensity_from_flux,
    vertical_illuminance,
)


@pytest.fixture
def rng():
    return np.random.default_rng(13201)


def random_lamps(rng, n, extent=200.0):
    xy = rng.uniform(0, extent, (n, 2))
    h = rng.uniform(4, 10, n)
    intensity = rng.uniform(300, 2500, n)
    return xy, h, intensity


def reference_sum(lxy, h, intensity, pxy, distribution):
    """Σ over lamps by an explicit loop: I·h/d³ (isotropic) or I₀·h²/d⁴ (Lambertian)."""
    out = np.zeros(len(pxy))
    for (x, y), hh, i in zip(lxy, h, intensity, strict=True):
        d = np.sqrt((pxy[:, 0] - x) ** 2 + (pxy[:, 1] - y) ** 2 + hh**2)
        out += i * hh / d**3 if distribution == "isotropic" else i * hh**2 / d**4
    return out


def cell_centres(info: GridInfo) -> np.ndarray:
    xs, ys = info.cell_centers()
    gx, gy = np.meshgrid(xs, ys)
    return np.c_[gx.ravel(), gy.ravel()]


# ---- flux -> intensity --------------------------------------------------------------------


def test_intensity_from_flux_lambertian_and_isotropic():
    assert intensity_from_flux(3000) == pytest.approx(954.93, abs=0.01)  # DOMAIN: ≈ 955 cd
    assert intensity_from_flux(3000, distribution="isotropic") == pytest.approx(
        3000 / (2 * math.pi))
    out = intensity_from_flux(np.array([0.0, 3000.0, 8000.0]))
    np.testing.assert_allclose(out, [0.0, 3000 / math.pi, 8000 / math.pi])
    assert out.shape == (3,)


def test_lambertian_flux_reaches_the_ground():
    # all of a downward Lambertian lamp's flux lands on the ground: ∫ E dA = π·I₀ = Φ
    i0 = intensity_from_flux(3000)
    grid, info = illuminance_grid([[0.0, 0.0]], 5.0, i0, bounds=(-500, -500, 500, 500),
                                  cell_size=1.0, distribution="lambertian", cutoff_lux=1e-6)
    assert grid.sum() * info.cell_size**2 == pytest.approx(3000, rel=2e-4)


# ---- horizontal illuminance ---------------------------------------------------------------


@pytest.mark.parametrize("distribution", ["isotropic", "lambertian"])
def test_directly_below_is_i_over_h_squared(distribution):
    e = horizontal_illuminance([[10.0, 20.0]], 6.0, 900.0, [[10.0, 20.0]],
                               distribution=distribution)
    assert e[0] == pytest.approx(900.0 / 36.0, rel=1e-15)


@pytest.mark.parametrize("distribution", ["isotropic", "lambertian"])
def test_doubling_height_quarters_nadir_illuminance(distribution):
    e1 = horizontal_illuminance([[0, 0]], 4.0, 1000.0, [[0, 0]], distribution=distribution)
    e2 = horizontal_illuminance([[0, 0]], 8.0, 1000.0, [[0, 0]], distribution=distribution)
    assert e2[0] == pytest.approx(e1[0] / 4, rel=1e-14)


def test_isotropic_equals_sum_of_i_h_over_d_cubed(rng):
    lxy, h, intensity = random_lamps(rng, 60)
    pxy = rng.uniform(-20, 220, (500, 2))
    expected = reference_sum(lxy, h, intensity, pxy, "isotropic")
    for chunk in (photometry.DEFAULT_CHUNK, 97, 1):  # the blocking does not change the sum
        got = horizontal_illuminance(lxy, h, intensity, pxy, chunk=chunk)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_lambertian_equals_sum_of_i0_h2_over_d4(rng):
    lxy, h, intensity = random_lamps(rng, 60)
    pxy = rng.uniform(-20, 220, (500, 2))
    got = horizontal_illuminance(lxy, h, intensity, pxy, distribution="lambertian", chunk=1000)
    np.testing.assert_allclose(got, reference_sum(lxy, h, intensity, pxy, "lambertian"),
                               rtol=1e-12, atol=0)


def test_scalar_height_and_intensity_broadcast(rng):
    lxy, _, _ = random_lamps(rng, 5)
    pxy = rng.uniform(0, 200, (7, 2))
    np.testing.assert_array_equal(horizontal_illuminance(lxy, 5.0, 800.0, pxy),
                                  horizontal_illuminance(lxy, np.full(5, 5.0),
                                                         np.full(5, 800.0), pxy))


@pytest.mark.parametrize("distribution", ["isotropic", "lambertian"])
def test_symmetry_equal_horizontal_distance_equal_lux(distribution):
    angles = np.linspace(0, 2 * np.pi, 13)
    pxy = np.c_[100 + 12 * np.cos(angles), 50 + 12 * np.sin(angles)]
    e = horizontal_illuminance([[100.0, 50.0]], 7.0, 1200.0, pxy, distribution=distribution)
    np.testing.assert_allclose(e, e[0], rtol=1e-12)
    assert e[0] < 1200.0 / 49.0


def test_superposition(rng):
    lxy, h, intensity = random_lamps(rng, 2)
    pxy = rng.uniform(0, 200, (50, 2))
    both = horizontal_illuminance(lxy, h, intensity, pxy)
    each = sum(horizontal_illuminance(lxy[i:i + 1], h[i:i + 1], intensity[i:i + 1], pxy)
               for i in range(2))
    np.testing.assert_allclose(both, each, rtol=1e-14)


def test_domain_worked_figure():
    # DOMAIN.md: 3,000 lm Lambertian, I0 ≈ 955 cd, 5 m: ≈38 lx below, 1.5 lx at 10 m, 0.4 at 15 m
    i0 = intensity_from_flux(3000, distribution="lambertian")
    e = horizontal_illuminance([[0, 0]], 5.0, i0, [[0, 0], [10, 0], [0, 15]],
                               distribution="lambertian")
    assert round(e[0]) == 38
    assert round(e[1], 1) == 1.5
    assert round(e[2], 1) == 0.4


def test_maintenance_factor_scales(rng):
    lxy, h, intensity = random_lamps(rng, 10)
    pxy = rng.uniform(0, 200, (30, 2))
    for distribution in ("isotropic", "lambertian"):
        full = horizontal_illuminance(lxy, h, intensity, pxy, distribution=distribution)
        kept = horizontal_illuminance(lxy, h, intensity, pxy, distribution=distribution,
                                      maintenance_factor=0.8)
        np.testing.assert_allclose(kept, 0.8 * full, rtol=1e-14)


def test_no_lamps_or_no_points_give_zeros():
    np.testing.assert_array_equal(horizontal_illuminance(np.zeros((0, 2)), [], [], [[1, 2]]),
                                  [0.0])
    assert horizontal_illuminance([[0, 0]], 5, 100, np.zeros((0, 2))).shape == (0,)


# ---- vertical illuminance -----------------------------------------------------------------


def test_vertical_facing_and_behind():
    # lamp 4.5 m up, wall point 3 m away at 1.5 m: 3 m above, seen at 45° (sin θ = 1/√2)
    e = vertical_illuminance([[0, 0]], 4.5, 300.0, [[3, 0], [3, 0]], [[-1, 0], [1, 0]])
    assert e[0] == pytest.approx(300 * math.sin(math.pi / 4) / 18, rel=1e-14)
    assert e[1] == 0.0


def test_vertical_known_value_with_angle_phi():
    # DOMAIN: E_v = I(θ)·sin θ·cos φ / d². Lamp at (0, 0, 6), point (4, 3, 1.5): horizontal
    # distance 5, height 4.5; wall normal along -x, φ between normal and (-4, -3)/5: cos φ = 0.8
    d2 = 25 + 4.5**2
    sin_t, cos_t = 5 / math.sqrt(d2), 4.5 / math.sqrt(d2)
    e_iso = vertical_illuminance([[0, 0]], 6.0, 500.0, [[4, 3]], [[-1, 0]])
    assert e_iso[0] == pytest.approx(500 * sin_t * 0.8 / d2, rel=1e-13)
    e_lam = vertical_illuminance([[0, 0]], 6.0, 500.0, [[4, 3]], [[-2, 0]],  # not unit: scaled
                                 distribution="lambertian", maintenance_factor=0.9)
    assert e_lam[0] == pytest.approx(0.9 * 500 * cos_t * sin_t * 0.8 / d2, rel=1e-13)


def test_vertical_lamp_below_or_at_point_height():
    args = ([[0, 0]], 1.0, 100.0, [[2, 0]], [[-1, 0]])
    # a bollard below the point: both distributions emit nothing upward
    assert vertical_illuminance(*args, point_height=1.5)[0] == 0.0
    assert vertical_illuminance(*args, point_height=1.5, distribution="lambertian")[0] == 0.0
    # at the same height: isotropic I(90°) = I hits the wall head on, Lambertian I₀·cos 90° = 0
    assert vertical_illuminance(*args, point_height=1.0)[0] == pytest.approx(100 / 4)
    assert vertical_illuminance(*args, point_height=1.0, distribution="lambertian")[0] == 0.0
    # lower points on the same wall are lit
    assert vertical_illuminance(*args, point_height=0.5)[0] > 0


def test_vertical_lamp_at_the_point_and_in_the_plane():
    e = vertical_illuminance([[0, 0], [0, 5]], [1.5, 4.0], 100.0, [[0, 0]], [[1, 0]],
                             point_height=1.5)
    assert e[0] == 0.0  # one lamp at the point itself, one in the wall's plane


def test_vertical_per_point_heights_and_superposition(rng):
    lxy, h, intensity = random_lamps(rng, 8)
    pxy = rng.uniform(0, 200, (20, 2))
    normals = rng.normal(size=(20, 2))
    z = rng.uniform(0, 3, 20)
    both = vertical_illuminance(lxy, h, intensity, pxy, normals, point_height=z, chunk=7)
    each = sum(vertical_illuminance(lxy[i:i + 1], h[i:i + 1], intensity[i:i + 1], pxy,
                                    normals, point_height=z) for i in range(8))
    np.testing.assert_allclose(both, each, rtol=1e-13)


# ---- the grid -----------------------------------------------------------------------------


@pytest.mark.parametrize("distribution", ["isotropic", "lambertian"])
def test_grid_within_truncation_bound(rng, distribution):
    lxy, h, intensity = random_lamps(rng, 40)
    lxy = lxy - 20  # some lamps outside the bounds
    cutoff = 0.01
    grid, info = illuminance_grid(lxy, h, intensity, bounds=(0, 0, 160, 120), cell_size=2.0,
                                  distribution=distribution, maintenance_factor=0.8,
                                  cutoff_lux=cutoff)
    assert info.shape == (60, 80) and grid.shape == info.shape
    exact = horizontal_illuminance(lxy, h, intensity, cell_centres(info),
                                   distribution=distribution,
                                   maintenance_factor=0.8).reshape(info.shape)
    # documented bound: never above the exact, below it by at most cutoff × lamps left out
    radius = cutoff_radius(h, intensity, cutoff, distribution=distribution,
                           maintenance_factor=0.8)
    ra, rb, ca, cb = photometry._windows(lxy, radius, 0.0, 0.0, 2.0, 60, 80)
    rows, cols = np.indices(info.shape)
    inside = ((rows[..., None] >= ra) & (rows[..., None] < rb) & (cols[..., None] >= ca)
              & (cols[..., None] < cb) & (radius >= 0))
    left_out = (~inside).sum(axis=-1)
    diff = exact - grid
    assert (diff >= -1e-12 * exact).all()
    assert (diff <= cutoff * left_out + 1e-12).all()
    # and in practice far below it (the bound counts every lamp): a tenth of a lux here, with
    # 1,000 lamps per km² (measured 0.106 isotropic, 0.071 Lambertian)
    assert diff.max() < 0.15
    covered = left_out == 0
    np.testing.assert_allclose(grid[covered], exact[covered], rtol=1e-12)


def test_grid_orientation_row_zero_is_south():
    grid, info = illuminance_grid([[99.0, 49.0]], 5.0, 1000.0, bounds=(0, 0, 100, 50),
                                  cell_size=2.0)
    assert np.unravel_index(grid.argmax(), grid.shape) == (24, 49)  # north-east corner
    xs, ys = info.cell_centers()
    assert (xs[49], ys[24]) == (99.0, 49.0)
    assert info.bounds == (0.0, 0.0, 100.0, 50.0)
    assert info.geotransform == (0.0, 2.0, 0.0, 50.0, 0.0, -2.0)


def test_grid_whole_cells_cover_the_bounds():
    _, info = illuminance_grid(np.zeros((0, 2)), [], [], bounds=(0, 0, 10.5, 10_000),
                               cell_size=2.0)
    assert info.shape == (5000, 6)
    assert info.bounds == (0.0, 0.0, 12.0, 10_000.0)


def test_lamp_on_a_cell_centre_is_finite():
    grid, _ = illuminance_grid([[5.0, 5.0]], 4.0, 640.0, bounds=(0, 0, 10, 10), cell_size=1.0,
                               maintenance_factor=0.5)
    assert np.isfinite(grid).all()
    assert grid[4, 4] == grid[4, 5] == grid[5, 4] == grid[5, 5]  # (5, 5) is a cell corner
    grid, _ = illuminance_grid([[5.5, 5.5]], 4.0, 640.0, bounds=(0, 0, 10, 10), cell_size=1.0,
                               maintenance_factor=0.5)
    assert grid[5, 5] == pytest.approx(0.5 * 640 / 16, rel=1e-15)  # the nadir
    assert np.isfinite(grid).all()


def test_lamp_outside_bounds_lights_the_edge():
    grid, info = illuminance_grid([[-5.0, 25.0]], 8.0, 2000.0, bounds=(0, 0, 50, 50),
                                  cell_size=1.0)
    assert grid[25, 0] > 10
    assert grid[:, 0].min() > 0
    exact = horizontal_illuminance([[-5.0, 25.0]], 8.0, 2000.0, cell_centres(info))
    near = exact.reshape(grid.shape) >= 0.01
    np.testing.assert_allclose(grid[near], exact.reshape(grid.shape)[near], rtol=1e-12)
    # a lamp beyond its cutoff radius from the grid changes nothing
    far, info = illuminance_grid([[-5000.0, 25.0]], 8.0, 2000.0, bounds=(0, 0, 50, 50))
    assert not far.any() and info.n_lamps_used == 0


def test_no_lamps_gives_zeros():
    grid, info = illuminance_grid(np.zeros((0, 2)), [], [], bounds=(0, 0, 30, 20),
                                  cell_size=2.0)
    assert grid.shape == (10, 15) and not grid.any()
    assert info.n_lamps == info.n_lamps_used == info.pairs_evaluated == 0


def test_grid_mask_skips_lamps_and_sets_nan(rng):
    lxy, h, intensity = random_lamps(rng, 30, extent=300)
    kwargs = dict(bounds=(0, 0, 300, 300), cell_size=3.0, distribution="lambertian")
    full, info = illuminance_grid(lxy, h, intensity, **kwargs)
    mask = np.zeros(info.shape, dtype=bool)
    mask[10:20, 5:60] = True  # a path
    part, pinfo = illuminance_grid(lxy, h, intensity, mask=mask, **kwargs)
    np.testing.assert_array_equal(part[mask], full[mask])
    assert np.isnan(part[~mask]).all()
    assert pinfo.masked and pinfo.n_lamps_used < info.n_lamps_used


def test_grid_float32_and_small_blocks_agree(rng, monkeypatch):
    lxy, h, intensity = random_lamps(rng, 25)
    kwargs = dict(bounds=(0, 0, 200, 200), cell_size=2.0, cutoff_lux=1e-4)
    ref, _ = illuminance_grid(lxy, h, intensity, **kwargs)
    f32, _ = illuminance_grid(lxy, h, intensity, dtype=np.float32, **kwargs)
    assert f32.dtype == np.float32
    np.testing.assert_allclose(f32, ref, rtol=1e-5)
    monkeypatch.setattr(photometry, "_GRID_CHUNK", 37)  # windows split into bands of rows
    small, info = illuminance_grid(lxy, h, intensity, **kwargs)
    np.testing.assert_allclose(small, ref, rtol=1e-13)


def test_cutoff_radius_is_where_the_lamp_falls_to_the_cutoff():
    h, i = np.array([4.0, 10.0]), np.array([955.0, 2500.0])
    for distribution in ("isotropic", "lambertian"):
        r = cutoff_radius(h, i, 0.01, distribution=distribution, maintenance_factor=0.8)
        e = [horizontal_illuminance([[0, 0]], hh, ii, [[rr, 0]], distribution=distribution,
                                    maintenance_factor=0.8)[0]
             for hh, ii, rr in zip(h, i, r, strict=True)]
        np.testing.assert_allclose(e, 0.01, rtol=1e-9)
    assert cutoff_radius(5.0, 0.1, 0.01)[()] == -1.0  # 0.004 lx below it already


# ---- validation ---------------------------------------------------------------------------


GOOD = dict(lamp_xy=[[0.0, 0.0]], lamp_height=5.0, lamp_intensity_cd=100.0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(lamp_xy=[0.0, 0.0, 1.0]), "shape"),
        (dict(lamp_xy=[[0.0, np.nan]]), "NaN"),
        (dict(lamp_height=0.0), "above 0"),
        (dict(lamp_height=-3.0), "above 0"),
        (dict(lamp_height=[5.0, 6.0]), "one per lamp"),
        (dict(lamp_height=np.inf), "infinite"),
        (dict(lamp_intensity_cd=-1.0), "0 or more"),
        (dict(lamp_intensity_cd="bright"), "numeric"),
        (dict(distribution="cosine"), "not known"),
        (dict(maintenance_factor=1.5), "maintenance_factor"),
        (dict(maintenance_factor=0), "maintenance_factor"),
        (dict(chunk=0), "chunk"),
    ],
)
def test_bad_input_horizontal(change, message):
    kwargs = {**GOOD, "points_xy": [[1.0, 1.0]], **change}
    with pytest.raises(LightingError, match=message) as exc:
        horizontal_illuminance(**kwargs)
    assert isinstance(exc.value, ValueError) and isinstance(exc.value, SjoboGeoError)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(points_xy=[[1.0, np.inf]]), "infinite"),
        (dict(normals_xy=[[0.0, 0.0]]), "zero-length"),
        (dict(normals_xy=[[1.0, 0.0], [0.0, 1.0]]), "one per point"),
        (dict(point_height=-1.0), "0 or more"),
    ],
)
def test_bad_input_vertical(change, message):
    kwargs = {**GOOD, "points_xy": [[1.0, 1.0]], "normals_xy": [[1.0, 0.0]], **change}
    with pytest.raises(LightingError, match=message):
        vertical_illuminance(**kwargs)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(bounds=(0, 0, 0, 10)), "xmax > xmin"),
        (dict(bounds=(0, 0, 10)), "bounds"),
        (dict(bounds=None), "bounds"),
        (dict(cell_size=0), "cell_size"),
        (dict(cutoff_lux=0), "cutoff_lux"),
        (dict(cutoff_lux=np.nan), "cutoff_lux"),
        (dict(mask=np.ones((5, 5))), "boolean"),
        (dict(mask=np.ones((4, 5), dtype=bool)), "shape"),
        (dict(dtype=np.int32), "dtype"),
        (dict(lamp_height=[0.0]), "above 0"),
    ],
)
def test_bad_input_grid(change, message):
    kwargs = {**GOOD, "bounds": (0, 0, 10, 10), "cell_size": 2.0, **change}
    with pytest.raises(LightingError, match=message):
        illuminance_grid(**kwargs)


def test_bad_flux():
    with pytest.raises(LightingError, match="flux"):
        intensity_from_flux(-3000)
    with pytest.raises(LightingError, match="not known"):
        intensity_from_flux(3000, distribution="spot")


# ---- the package ----------------------------------------------------------------------------


def test_lazy_api_and_docstring_examples():
    import sjobo_geo.analysis.lighting as lighting

    assert lighting.horizontal_illuminance is horizontal_illuminance
    assert lighting.illuminance_grid is illuminance_grid
    assert lighting.vertical_illuminance is vertical_illuminance
    assert lighting.intensity_from_flux is intensity_from_flux
    result = doctest.testmod(photometry, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0
