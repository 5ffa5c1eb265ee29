"""Spatial statistics for hot spots: kernel density, Getis-Ord Gi*, FDR, emerging hot spots.

Everything here works on plain NumPy arrays of projected coordinates in metres (SWEREF 99 TM,
EPSG:3006, in this project); nothing reads files or geometries. NumPy and SciPy are the only
imports; PySAL (esda, libpysal) is used only by the tests and benchmarks, to check that
:func:`gi_star` reproduces ``esda.G_Local(..., star=True).Zs``.

Contents
--------
Kernel density
    :func:`kde`, :func:`grid_shape`, :func:`grid_centres`, :func:`bandwidth_rule`,
    :data:`BIN_NODES_PER_BANDWIDTH`.
Local hot spots
    :func:`gi_star`, :func:`gi_star_grid`, :func:`gi_star_permutation`, :func:`p_from_z`,
    :func:`neighbour_stencil`, :data:`BAND_RTOL`.
Multiple testing and classes
    :func:`fdr`, :func:`fdr_adjust`, :func:`hotspot_classes`.
Trends
    :func:`mann_kendall`, :func:`mann_kendall_s`, :func:`emerging_hotspots`.

References
----------
.. [BH95] Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate: a
   practical and powerful approach to multiple testing. J. R. Stat. Soc. B 57(1), 289-300.
.. [GO92] Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use of
   distance statistics. Geographical Analysis 24(3), 189-206.
.. [OG95] Ord, J. K. and Getis, A. (1995). Local spatial autocorrelation statistics:
   distributional issues and an application. Geographical Analysis 27(4), 286-306.
.. [A95] Anselin, L. (1995). Local indicators of spatial association - LISA. Geographical
   Analysis 27(2), 93-115 (conditional permutation).
.. [K75] Kendall, M. G. (1975). Rank Correlation Methods, 4th ed. Griffin (Mann-Kendall
   test; Mann, H. B. (1945), Econometrica 13, 245-259).
.. [S86] Silverman, B. W. (1986). Density Estimation for Statistics and Data Analysis.
   Chapman & Hall (eq. 3.31 and the biweight kernel, eq. 4.5).
.. [Sc92] Scott, D. W. (1992). Multivariate Density Estimation. Wiley.
.. [W94] Wand, M. P. (1994). Fast computation of multivariate kernel estimators. J. Comput.
   Graph. Stat. 3(4), 433-445 (linear binning + FFT).
.. [ESRI] Esri, ArcGIS Pro documentation: "How Emerging Hot Spot Analysis works" and "How Hot
   Spot Analysis (Getis-Ord Gi*) works" (pro.arcgis.com, tool-reference/space-time-pattern-
   mining/learnmoreemerging.htm and spatial-statistics/h-how-hot-spot-analysis-getis-ord-gi-
   spatial-stati.htm).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage, signal, special

from sjobo_geo._errors import SjoboGeoError

__all__ = [
    "BAND_RTOL",
    "BIN_NODES_PER_BANDWIDTH",
    "StatsError",
    "MannKendallResult",
    "bandwidth_rule",
    "emerging_hotspots",
    "fdr",
    "fdr_adjust",
    "gi_star",
    "gi_star_grid",
    "gi_star_permutation",
    "grid_centres",
    "grid_shape",
    "hotspot_classes",
    "kde",
    "mann_kendall",
    "mann_kendall_s",
    "neighbour_stencil",
    "p_from_z",
]


class StatsError(ValueError, SjoboGeoError):
    """Input to a statistic is invalid (wrong shape, non-finite, out of range, degenerate)."""


# ---- validation helpers -------------------------------------------------------------------


def _points(points_xy: ArrayLike, name: str = "points_xy") -> NDArray[np.float64]:
    try:
        pts = np.asarray(points_xy, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{name} must be numeric coordinates, shape (n, 2): {exc}") from None
    if pts.ndim == 1 and pts.size == 0:
        pts = pts.reshape(0, 2)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise StatsError(f"{name} must have shape (n, 2) (x, y in metres); got {pts.shape}")
    if not np.isfinite(pts).all():
        bad = int(np.flatnonzero(~np.isfinite(pts).all(axis=1))[0])
        raise StatsError(f"{name} has a non-finite coordinate at row {bad}: {pts[bad]}")
    return pts


def _positive(value: float, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise StatsError(f"{name} must be a positive number of metres; got {value!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise StatsError(f"{name} must be a positive finite number of metres; got {value!r}")
    return v


def _alpha(alpha: float, name: str = "alpha") -> float:
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise StatsError(f"{name} must be a number in (0, 1); got {alpha!r}") from None
    if not 0.0 < a < 1.0:
        raise StatsError(f"{name} must be in (0, 1); got {alpha!r}")
    return a


def _values(values: ArrayLike, n: int | None, name: str = "values") -> NDArray[np.float64]:
    try:
        y = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{name} must be numeric: {exc}") from None
    if y.ndim != 1:
        raise StatsError(f"{name} must be one-dimensional; got shape {y.shape}")
    if n is not None and y.size != n:
        raise StatsError(f"{name} has {y.size} entries but there are {n} points")
    if not np.isfinite(y).all():
        bad = int(np.flatnonzero(~np.isfinite(y))[0])
        raise StatsError(f"{name} has a non-finite entry at index {bad}: {y[bad]}")
    return y


# ---- kernel density -----------------------------------------------------------------------

_MAX_CELLS = 50_000_000
#: Gaussian kernel sampled out to this many standard deviations in the FFT path
#: (the mass beyond 6 sigma in 2D is exp(-18) ~ 1.5e-8).
_GAUSS_TRUNCATE = 6.0
#: ... and out to 8 standard deviations in the windowed exact sum (exp(-32) ~ 1.3e-14 of
#: the kernel's peak is left out).
_GAUSS_WINDOW = 8.0
#: method="auto" uses the binned/FFT path only when bandwidth / cell_size is at least this
#: (worst-case error of the binned estimate below 1 % of the peak; see :func:`kde`).
_FFT_MIN_RATIO = {"gaussian": 5.0, "quartic": 12.0}
_KERNELS = ("gaussian", "quartic")


def _bounds(bounds: ArrayLike) -> tuple[float, float, float, float]:
    try:
        b = tuple(float(v) for v in bounds)  # type: ignore[union-attr, arg-type]
    except (TypeError, ValueError):
        raise StatsError(f"bounds must be (xmin, ymin, xmax, ymax); got {bounds!r}") from None
    if len(b) != 4 or not all(math.isfinite(v) for v in b):
        raise StatsError(f"bounds must be four finite numbers (xmin, ymin, xmax, ymax); "
                         f"got {bounds!r}")
    xmin, ymin, xmax, ymax = b
    if not (xmax > xmin and ymax > ymin):
        raise StatsError(f"bounds must have xmax > xmin and ymax > ymin; got {b}")
    return xmin, ymin, xmax, ymax


def grid_shape(bounds: ArrayLike, cell_size: float) -> tuple[int, int]:
    """Number of rows and columns of the grid that :func:`kde` returns.

    ``ncols = ceil((xmax - xmin) / cell_size)`` and ``nrows = ceil((ymax - ymin) /
    cell_size)`` (a tolerance of 1e-9 cell absorbs rounding, so a width of exactly k cells
    gives k columns). When the extent is not a whole number of cells the last row/column
    reaches past ``ymax``/``xmax``; the grid always starts exactly at (xmin, ymin).

    Returns
    -------
    (nrows, ncols) : tuple of int
    """
    xmin, ymin, xmax, ymax = _bounds(bounds)
    cs = _positive(cell_size, "cell_size")
    ncols = max(1, math.ceil((xmax - xmin) / cs - 1e-9))
    nrows = max(1, math.ceil((ymax - ymin) / cs - 1e-9))
    return nrows, ncols


def grid_centres(bounds: ArrayLike, cell_size: float) -> tuple[NDArray, NDArray]:
    """Coordinates of the cell centres of the :func:`kde` grid.

    Returns
    -------
    x : ndarray, shape (ncols,)
        ``xmin + (c + 0.5) * cell_size`` for column ``c`` (west to east).
    y : ndarray, shape (nrows,)
        ``ymin + (r + 0.5) * cell_size`` for row ``r`` (south to north: row 0 is the
        southern edge).
    """
    xmin, ymin, _, _ = _bounds(bounds)
    cs = _positive(cell_size, "cell_size")
    nrows, ncols = grid_shape(bounds, cs)
    return xmin + (np.arange(ncols) + 0.5) * cs, ymin + (np.arange(nrows) + 0.5) * cs


def kde(
    points_xy: ArrayLike,
    weights: ArrayLike | None,
    bandwidth: float,
    cell_size: float,
    bounds: ArrayLike,
    *,
    kernel: str = "gaussian",
    method: str = "auto",
) -> NDArray[np.float64]:
    r"""Kernel density surface in points (or weight) per square metre on a regular grid.

    .. math::

        f(\mathbf{c}) = \sum_k w_k \, K(\lVert \mathbf{c} - \mathbf{x}_k \rVert)

    evaluated at every cell centre :math:`\mathbf{c}`, with

    * ``kernel="gaussian"``: :math:`K(d) = \exp(-d^2 / 2h^2) / (2\pi h^2)`, ``bandwidth`` =
      :math:`h`, the standard deviation in metres along each axis;
    * ``kernel="quartic"`` (biweight, the kernel of ArcGIS's Kernel Density, [S86]_ eq. 4.5):
      :math:`K(d) = \frac{3}{\pi R^2}(1 - d^2/R^2)^2` for :math:`d < R`, else 0;
      ``bandwidth`` = :math:`R`, the search radius in metres.

    Both kernels integrate to 1, so :math:`\sum f \cdot \text{cell\_size}^2 \approx \sum_k
    w_k` when all kernel mass lies inside the grid.

    Parameters
    ----------
    points_xy : array_like, shape (n, 2)
        x (east) and y (north) in metres. Points outside ``bounds`` still contribute the part
        of their kernel that falls inside.
    weights : array_like, shape (n,), or None
        Non-negative weight of each point; None means 1 for every point.
    bandwidth : float
        Gaussian standard deviation or quartic radius, in metres (see above).
        :func:`bandwidth_rule` gives a data-driven default.
    cell_size : float
        Side of the square cells in metres.
    bounds : (xmin, ymin, xmax, ymax)
        Extent of the grid in the points' CRS; see :func:`grid_shape` for the cell count.
    kernel : {"gaussian", "quartic"}
    method : {"auto", "exact", "fft", "binned"}
        ``"exact"`` sums every kernel at every cell centre, chunked over points, by the
        cheaper of: a window of cells around each point (all cells within :math:`R` for the
        quartic kernel - exact; within 8 h for the Gaussian, which leaves out less than
        1.3e-14 of the kernel's peak; cost O(n (reach / cell)^2)), or, for the Gaussian, a
        product of separable factors, ``(w * Gy).T @ Gx`` with :math:`G_{k,c} = \exp(-(x_c
        - x_k)^2 / 2h^2)` (factors below 1e-140 set to 0; cost O(n * nrows * ncols) in
        BLAS).
        ``"fft"`` is the binned approximation of [W94]_: each point's weight is split
        bilinearly ("linear binning") between the four nearest cell centres of a grid padded
        by the kernel's reach (6 h for the Gaussian, R for the quartic), which is then
        convolved (:func:`scipy.signal.fftconvolve`) with the kernel
        sampled at the cell offsets. For the Gaussian the sampled kernel's variance is
        reduced by ``cell_size**2 / 6`` per axis, the variance that linear binning adds on
        average (a tent of half-width one cell); this halves the typical error and lowers
        the worst case. The binned estimate differs from the exact one by at most about 1 %
        of the surface's peak when ``bandwidth >= 5 * cell_size`` (Gaussian; 0.7 % for
        one point in the worst sub-cell position, about 0.05 % for many points) or ``>= 12 *
        cell_size`` (quartic); relative errors are larger far out in the kernel tails,
        where the density itself is small.
        ``"binned"`` (Gaussian only) keeps the kernel exact but moves the points: each
        point's weight is split bilinearly between the four nearest nodes of a fine lattice
        with spacing ``bandwidth / 20`` (:data:`BIN_NODES_PER_BANDWIDTH`), whatever the
        cell size, and the nodes are summed exactly by the separable product ``Gy.T @ B @
        Gx`` (B the lattice of binned weights; cost O(nodes * ncols + nrows * ncols * rows
        of nodes), independent of n once binned). Linear binning is exact for a linear
        function, so a point at u bandwidths (u_x, u_y on the axes) from a cell centre is
        off by at most ``(|u_x**2 - 1| + |u_y**2 - 1|) / 3200`` of its own contribution
        there (the interpolation error ``step**2 / 8 * |K''|`` on each axis): 0.06 % at the
        point, 0.34 % at 3 bandwidths, where the kernel is down to 1 % of its peak. Where
        the density is above 1 % of its maximum the relative error is about 0.1 % on
        clustered points (tested: at most 1 %); the total mass is kept to 1e-6.
        ``"auto"`` uses ``"fft"`` when its ratio holds and it is the cheapest; otherwise
        the cheaper of ``"exact"`` and (Gaussian) ``"binned"``: with many points (hundreds
        of thousands on a town) and a bandwidth of a few cells, binning is tens of times
        faster than the exact sum.

    Returns
    -------
    ndarray, shape (nrows, ncols), float64
        Density per square metre. **Row 0 is the SOUTH edge**: cell ``[r, c]`` is centred at
        ``(xmin + (c + 0.5) * cell_size, ymin + (r + 0.5) * cell_size)`` (see
        :func:`grid_centres`), so the array is "origin lower", as for
        ``matplotlib.pyplot.imshow(grid, origin="lower", extent=...)``. A north-up raster
        (GeoTIFF, PNG overlay) needs ``numpy.flipud(grid)``.

    Notes
    -----
    Edges: the part of a kernel that falls outside the grid is lost, not renormalised (no
    edge correction), so the total mass ``grid.sum() * cell_size**2`` is below ``sum(w)``
    when points lie within a few bandwidths of the boundary. This is the usual behaviour of
    GIS kernel density tools; pad ``bounds`` by 3 h (Gaussian) or R (quartic) if the total
    must be kept. The value at a cell is the density at its centre (not the cell's mean).

    Raises
    ------
    StatsError
        Bad shapes, non-finite or negative input, unknown kernel/method, or a grid of more
        than 50 million cells.

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.random.default_rng(0).normal(500.0, 40.0, (100_000, 2))
    >>> exact = kde(pts[:2000], None, 20.0, 10.0, (0, 0, 1000, 1000), method="exact")
    >>> binned = kde(pts[:2000], None, 20.0, 10.0, (0, 0, 1000, 1000), method="binned")
    >>> busy = exact > 0.01 * exact.max()
    >>> bool((abs(binned - exact)[busy] / exact[busy]).max() < 0.01)
    True
    >>> surface = kde(pts, None, 20.0, 10.0, (0, 0, 1000, 1000))  # "auto": binned here
    >>> round(float(surface.sum() * 10.0**2))
    100000
    """
    pts = _points(points_xy)
    n = pts.shape[0]
    if weights is None:
        w = np.ones(n)
    else:
        w = _values(weights, n, "weights")
        if (w < 0).any():
            raise StatsError(f"weights must be non-negative; index {int(np.argmin(w))} is "
                             f"{w.min()}")
    h = _positive(bandwidth, "bandwidth")
    cs = _positive(cell_size, "cell_size")
    b = _bounds(bounds)
    if kernel not in _KERNELS:
        raise StatsError(f"kernel must be one of {_KERNELS}; got {kernel!r}")
    if method not in ("auto", "exact", "fft", "binned"):
        raise StatsError(f"method must be 'auto', 'exact', 'fft' or 'binned'; got {method!r}")
    if method == "binned" and kernel != "gaussian":
        raise StatsError("method='binned' is for the gaussian kernel (the quartic kernel is "
                         "not separable); use 'exact' or 'fft'")
    nrows, ncols = grid_shape(b, cs)
    if nrows * ncols > _MAX_CELLS:
        raise StatsError(f"the grid would have {nrows} x {ncols} cells (more than "
                         f"{_MAX_CELLS:,}); use a larger cell_size or smaller bounds")
    keep = w > 0
    if not keep.all():
        pts, w = pts[keep], w[keep]
    if pts.shape[0] == 0:
        return np.zeros((nrows, ncols))
    if method == "auto":
        method = _kde_auto_method(pts.shape[0], h, cs, nrows, ncols, kernel)
    if method == "exact":
        return _kde_exact(pts, w, h, cs, b, nrows, ncols, kernel)
    if method == "binned":
        return _kde_binned(pts, w, h, cs, b, nrows, ncols)
    return _kde_fft(pts, w, h, cs, b, nrows, ncols, kernel)


def _kde_reach(h: float, cs: float, kernel: str) -> int:
    """Half-width in cells of the sampled kernel of the FFT path."""
    if kernel == "gaussian":
        return max(1, math.ceil(_GAUSS_TRUNCATE * h / cs))
    return max(1, math.ceil(h / cs))


def _kde_exact_costs(n: int, h: float, cs: float, nrows: int, ncols: int,
                     kernel: str) -> tuple[float, float]:
    """Rough costs (ns) of the windowed and (Gaussian only) matrix-product exact sums."""
    reach = _GAUSS_WINDOW * h if kernel == "gaussian" else h
    window = 12.0 * n * (2 * (math.ceil(reach / cs) + 1) + 1) ** 2
    if kernel != "gaussian":
        return window, math.inf
    # BLAS matmul (~8 flop per ns on 2 cores) plus exp of n * (nrows + ncols)
    return window, n * nrows * ncols / 8.0 + 20.0 * n * (nrows + ncols)


def _kde_auto_method(n: int, h: float, cs: float, nrows: int, ncols: int, kernel: str) -> str:
    costs = {"exact": min(_kde_exact_costs(n, h, cs, nrows, ncols, kernel))}
    if kernel == "gaussian":
        costs["binned"] = _kde_binned_cost(n, h, cs, nrows, ncols)
    if h / cs >= _FFT_MIN_RATIO[kernel]:
        pad = _kde_reach(h, cs, kernel)
        big = (nrows + 2 * pad) * (ncols + 2 * pad)
        costs["fft"] = 3.0 * big * math.log2(big) + 10.0 * n
    return min(costs, key=costs.__getitem__)


#: method="binned": lattice nodes per bandwidth (node spacing h / 20), which bounds the
#: binning error of one point at (u_x, u_y) bandwidths by (|u_x**2 - 1| + |u_y**2 - 1|) / 3200
#: of its contribution.
BIN_NODES_PER_BANDWIDTH = 20.0
#: ... and at most this many lattice nodes are held at once (a strip of node rows at a time).
_BIN_STRIP_NODES = 4_000_000


def _bin_lattice(h: float, cs: float, nrows: int, ncols: int) -> tuple[float, int, int]:
    """Node spacing and the largest node counts (x, y) of the binned method's lattice: the
    grid widened by the 8 h window on each side."""
    step = h / BIN_NODES_PER_BANDWIDTH
    reach = _GAUSS_WINDOW * h
    return (step, math.ceil((ncols * cs + 2 * reach) / step) + 2,
            math.ceil((nrows * cs + 2 * reach) / step) + 2)


def _kde_binned_cost(n: int, h: float, cs: float, nrows: int, ncols: int) -> float:
    """Rough cost (ns) of :func:`_kde_binned`: binning, the two products and the factors."""
    _, nbx, nby = _bin_lattice(h, cs, nrows, ncols)
    return (40.0 * n + (nbx * nby * ncols + nby * nrows * ncols) / 8.0
            + 20.0 * (nbx * ncols + nby * nrows) + 2.0 * nbx * nby)


def _kde_binned(pts, w, h, cs, b, nrows, ncols) -> NDArray[np.float64]:
    """Gaussian KDE of the points linearly binned onto a lattice of spacing h / 20, the
    lattice summed exactly as ``Gy.T @ B @ Gx``."""
    xmin, ymin = b[0], b[1]
    reach = _GAUSS_WINDOW * h
    # points farther than 8 h from the grid add less than exp(-32) of their peak: left out,
    # as in the windowed exact sum
    inside = ((pts[:, 0] > xmin - reach) & (pts[:, 0] < xmin + ncols * cs + reach)
              & (pts[:, 1] > ymin - reach) & (pts[:, 1] < ymin + nrows * cs + reach))
    pts, w = pts[inside], w[inside]
    out = np.zeros((nrows, ncols))
    if pts.shape[0] == 0:
        return out
    step = h / BIN_NODES_PER_BANDWIDTH
    x0 = math.floor(pts[:, 0].min() / step) * step
    y0 = math.floor(pts[:, 1].min() / step) * step
    fx = (pts[:, 0] - x0) / step
    fy = (pts[:, 1] - y0) / step
    i0 = np.floor(fx).astype(np.int64)
    j0 = np.floor(fy).astype(np.int64)
    u, v = fx - i0, fy - j0
    nbx, nby = int(i0.max()) + 2, int(j0.max()) + 2
    xc = xmin + (np.arange(ncols) + 0.5) * cs
    yc = ymin + (np.arange(nrows) + 0.5) * cs

    def factors(nodes: NDArray, centres: NDArray) -> NDArray:
        g = np.exp(-0.5 * ((centres[None, :] - nodes[:, None]) / h) ** 2)
        g[g < 1e-140] = 0.0  # subnormal products slow BLAS down (see _kde_exact_gaussian)
        return g

    gx = factors(x0 + np.arange(nbx) * step, xc)  # (nbx, ncols)
    # node rows in strips, so that a fine lattice over a large extent never needs more than
    # _BIN_STRIP_NODES nodes of memory at once
    strip = max(2, _BIN_STRIP_NODES // nbx)
    order = np.argsort(j0, kind="stable") if nby > strip else None
    if order is not None:
        i0, j0, u, v, w = i0[order], j0[order], u[order], v[order], w[order]
    for s0 in range(0, nby, strip):
        s1 = min(nby, s0 + strip)
        # the points that bin onto node rows s0..s1-1: j0 in [s0 - 1, s1 - 1]
        lo, hi = ((int(np.searchsorted(j0, s0 - 1, side="left")),
                   int(np.searchsorted(j0, s1 - 1, side="right")))
                  if order is not None else (0, j0.size))
        ii, jj, uu, vv, ww = i0[lo:hi], j0[lo:hi] - s0, u[lo:hi], v[lo:hi], w[lo:hi]
        rows = s1 - s0
        binned = np.zeros(rows * nbx)
        for dj, di, frac in ((0, 0, (1 - vv) * (1 - uu)), (0, 1, (1 - vv) * uu),
                             (1, 0, vv * (1 - uu)), (1, 1, vv * uu)):
            r = jj + dj
            ok = (r >= 0) & (r < rows)
            binned += np.bincount(r[ok] * nbx + ii[ok] + di, weights=(ww * frac)[ok],
                                  minlength=rows * nbx)
        gy = factors(y0 + np.arange(s0, s1) * step, yc)  # (rows, nrows)
        out += gy.T @ (binned.reshape(rows, nbx) @ gx)
    out *= 1.0 / (2.0 * math.pi * h * h)
    return out


def _kde_exact(pts, w, h, cs, b, nrows, ncols, kernel) -> NDArray[np.float64]:
    window, matmul = _kde_exact_costs(pts.shape[0], h, cs, nrows, ncols, kernel)
    if matmul < window:
        return _kde_exact_gaussian(pts, w, h, cs, b, nrows, ncols)
    return _kde_exact_window(pts, w, h, cs, b, nrows, ncols, kernel)


def _kde_exact_gaussian(pts, w, h, cs, b, nrows, ncols) -> NDArray[np.float64]:
    xmin, ymin = b[0], b[1]
    xc = xmin + (np.arange(ncols) + 0.5) * cs
    yc = ymin + (np.arange(nrows) + 0.5) * cs
    out = np.zeros((nrows, ncols))
    chunk = max(1, 2_000_000 // max(nrows, ncols))
    for s in range(0, pts.shape[0], chunk):
        p = pts[s:s + chunk]
        gx = np.exp(-0.5 * ((xc[None, :] - p[:, :1]) / h) ** 2)
        gy = np.exp(-0.5 * ((yc[None, :] - p[:, 1:]) / h) ** 2)
        # factors below 1e-140 (beyond ~25 h) are set to 0: their products would be
        # subnormal numbers, which slow BLAS down several times, and they are far below
        # double precision relative to any cell the point reaches
        gx[gx < 1e-140] = 0.0
        gy[gy < 1e-140] = 0.0
        out += (gy * w[s:s + chunk, None]).T @ gx
    out *= 1.0 / (2.0 * math.pi * h * h)
    return out


def _kde_exact_window(pts, w, h, cs, b, nrows, ncols, kernel) -> NDArray[np.float64]:
    """Sum each kernel over the cells within its reach (R, or 8 h for the Gaussian)."""
    xmin, ymin = b[0], b[1]
    reach = _GAUSS_WINDOW * h if kernel == "gaussian" else h
    inside = ((pts[:, 0] > xmin - reach) & (pts[:, 0] < xmin + ncols * cs + reach)
              & (pts[:, 1] > ymin - reach) & (pts[:, 1] < ymin + nrows * cs + reach))
    pts, w = pts[inside], w[inside]
    m = math.ceil(reach / cs) + 1
    offs = np.arange(-m, m + 1)
    width = offs.size
    r2 = reach * reach
    total = np.zeros(nrows * ncols)
    chunk = max(1, 1_000_000 // (width * width))
    for s in range(0, pts.shape[0], chunk):
        p = pts[s:s + chunk]
        cols = np.floor((p[:, 0] - xmin) / cs).astype(np.int64)[:, None] + offs
        rows = np.floor((p[:, 1] - ymin) / cs).astype(np.int64)[:, None] + offs
        dx = xmin + (cols + 0.5) * cs - p[:, :1]
        dy = ymin + (rows + 0.5) * cs - p[:, 1:]
        d2 = dy[:, :, None] ** 2 + dx[:, None, :] ** 2
        ok = ((d2 < r2) & ((rows >= 0) & (rows < nrows))[:, :, None]
              & ((cols >= 0) & (cols < ncols))[:, None, :])
        d2 = d2[ok]
        if kernel == "gaussian":
            kv = np.exp(-0.5 * d2 / (h * h))
        else:
            kv = (1.0 - d2 / r2) ** 2
        kv *= np.broadcast_to(w[s:s + chunk, None, None], ok.shape)[ok]
        flat = rows[:, :, None] * ncols + cols[:, None, :]
        total += np.bincount(flat[ok], weights=kv, minlength=nrows * ncols)
    norm = 1.0 / (2.0 * math.pi * h * h) if kernel == "gaussian" else 3.0 / (math.pi * r2)
    return total.reshape(nrows, ncols) * norm


def _kde_fft(pts, w, h, cs, b, nrows, ncols, kernel) -> NDArray[np.float64]:
    xmin, ymin = b[0], b[1]
    pad = _kde_reach(h, cs, kernel)
    er, ec = nrows + 2 * pad, ncols + 2 * pad
    # linear binning onto the centres of the padded grid
    fx = (pts[:, 0] - xmin) / cs - 0.5 + pad
    fy = (pts[:, 1] - ymin) / cs - 0.5 + pad
    near = (fx > -1) & (fx < ec) & (fy > -1) & (fy < er)
    fx, fy, wn = fx[near], fy[near], w[near]
    i0 = np.floor(fx).astype(np.int64)
    j0 = np.floor(fy).astype(np.int64)
    u = fx - i0
    v = fy - j0
    binned = np.zeros(er * ec)
    for dj, di, frac in ((0, 0, (1 - v) * (1 - u)), (0, 1, (1 - v) * u),
                         (1, 0, v * (1 - u)), (1, 1, v * u)):
        jj, ii = j0 + dj, i0 + di
        ok = (jj >= 0) & (jj < er) & (ii >= 0) & (ii < ec)
        binned += np.bincount(jj[ok] * ec + ii[ok], weights=(wn * frac)[ok],
                              minlength=er * ec)
    binned = binned.reshape(er, ec)
    offs = np.arange(-pad, pad + 1) * cs
    if kernel == "gaussian":
        var = h * h - cs * cs / 6.0
        if var < 0.5 * h * h:  # too coarse a grid for the correction to make sense
            var = h * h
        g = np.exp(-0.5 * offs * offs / var)
        kern = np.outer(g, g) / (2.0 * math.pi * var)
    else:
        d2 = offs[:, None] ** 2 + offs[None, :] ** 2
        r2 = h * h
        kern = np.where(d2 < r2, (1.0 - d2 / r2) ** 2, 0.0) * (3.0 / (math.pi * r2))
    out = signal.fftconvolve(binned, kern, mode="valid")
    np.maximum(out, 0.0, out=out)  # FFT round-off can leave -1e-20 where the density is 0
    return out


def bandwidth_rule(points_xy: ArrayLike, rule: str = "scott") -> float:
    r"""Rule-of-thumb kernel bandwidth in metres.

    .. math::

        h = c \cdot A \cdot n^{-1/5}, \qquad A = \min\left(s, \frac{\mathrm{IQR}}{1.34}
        \right)

    with :math:`c = 1.059` (``"scott"``, [Sc92]_) or :math:`c = 0.9` (``"silverman"``,
    [S86]_ eq. 3.31), :math:`s` the sample standard deviation (ddof = 1) and IQR the
    interquartile range (linear interpolation, :func:`numpy.percentile`). These are the
    one-dimensional normal-reference rules (as in DOMAIN.md); for 2D points the rule is
    applied to x and to y separately and **the mean of the two bandwidths** is returned. If
    an axis has IQR = 0 (more than half the points share a coordinate), that axis uses
    :math:`A = s`. The value is the Gaussian standard deviation for ``kde(kernel=
    "gaussian")``; for the quartic kernel a radius of about 2.5 times it gives a similar
    smoothing.

    Parameters
    ----------
    points_xy : array_like, shape (n, 2), n >= 2
    rule : {"scott", "silverman"}

    Returns
    -------
    float

    Raises
    ------
    StatsError
        Fewer than two points, an unknown rule, or all points at one location.
    """
    pts = _points(points_xy)
    factors = {"scott": 1.059, "silverman": 0.9}
    if rule not in factors:
        raise StatsError(f"rule must be 'scott' or 'silverman'; got {rule!r}")
    n = pts.shape[0]
    if n < 2:
        raise StatsError(f"bandwidth_rule needs at least 2 points; got {n}")
    sd = pts.std(axis=0, ddof=1)
    q75, q25 = np.percentile(pts, [75, 25], axis=0)
    iqr = (q75 - q25) / 1.34
    a = np.where(iqr > 0, np.minimum(sd, iqr), sd)
    h = float(np.mean(factors[rule] * a * n ** -0.2))
    if not h > 0:
        raise StatsError("all points are at the same location; no bandwidth can be derived")
    return h


# ---- Getis-Ord Gi* ------------------------------------------------------------------------


def _gi_z(y: NDArray, sums: NDArray, card: NDArray) -> NDArray[np.float64]:
    """Gi* z-scores from neighbourhood sums (self included) and neighbourhood sizes."""
    n = y.size
    mean = y.mean()
    s = y.std()  # population standard deviation, as esda: sqrt(mean(y**2) - mean**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        den = s * np.sqrt(card * (n - card) / (n - 1.0))
        z = (sums - card * mean) / den
    z[den == 0] = np.nan
    return z


def _check_gi_values(y: NDArray) -> None:
    if y.size < 3:
        raise StatsError(f"Gi* needs at least 3 units; got {y.size}")
    if np.ptp(y) == 0:
        raise StatsError(f"values are all equal ({y[0]}); Gi* is undefined without variation")


#: Relative tolerance of the distance band: a pair at distance ``d`` is a neighbour when
#: ``d <= distance * (1 + BAND_RTOL)``. Both Gi* paths (lattice and k-d tree) use it, so
#: a pair at exactly the band distance (two cells of 12.3 m against a band of 24.6 m) is
#: inside on both, whichever way the coordinates and the product 2 x 12.3 happen to round.
#: 1e-9 of the band is far above that rounding (1e-9 m near 7e6 m for bands of a metre
#: or more) and far below any real difference of distances between map units.
BAND_RTOL = 1e-9


def _band_reach(distance: float) -> float:
    """The inclusive neighbourhood radius: ``distance`` plus the tolerance :data:`BAND_RTOL`."""
    return distance * (1.0 + BAND_RTOL)


def neighbour_stencil(
    cell_size: float,
    distance: float,
    *,
    grid_shape: tuple[int, int] | None = None,
) -> NDArray[np.bool_]:
    """The disk of lattice offsets that are neighbours on a grid (the Gi* lattice stencil).

    Cell offset ``(di, dj)`` is in the stencil when ``(di**2 + dj**2) * cell_size**2 <=
    (distance * (1 + BAND_RTOL))**2`` (:data:`BAND_RTOL`: the same inclusive tolerance as
    the k-d tree path of :func:`gi_star`, so exact ties are inside on both paths). The
    stencil is centred: offset (0, 0) is the middle cell.

    Parameters
    ----------
    cell_size : float
        Lattice spacing in metres.
    distance : float
        Neighbourhood radius in metres.
    grid_shape : (nrows, ncols), optional
        Shape of the grid the stencil will be used on. Offsets that cannot occur on it
        (``|di| >= nrows`` or ``|dj| >= ncols``) are dropped, so the stencil has at most
        ``(2 nrows - 1) x (2 ncols - 1)`` cells whatever the band: a band wider than the
        grid makes every cell a neighbour of every other, nothing more. Without it the
        stencil grows with ``(distance / cell_size)**2``.

    Returns
    -------
    ndarray of bool, shape (2 a + 1, 2 b + 1)
        True for the neighbour offsets; rows are the first grid axis.

    Examples
    --------
    >>> neighbour_stencil(10.0, 10.0).astype(int)
    array([[0, 1, 0],
           [1, 1, 1],
           [0, 1, 0]])
    >>> neighbour_stencil(10.0, 5e4, grid_shape=(2, 3)).shape
    (3, 5)
    """
    cs = _positive(cell_size, "cell_size")
    d = _positive(distance, "distance")
    reach = _band_reach(d)
    m = int(reach // cs) + 1
    mr = mc = m
    if grid_shape is not None:
        nrows, ncols = (int(v) for v in grid_shape)
        if nrows < 1 or ncols < 1:
            raise StatsError(f"grid_shape must be two positive integers; got {grid_shape!r}")
        mr, mc = min(m, nrows - 1), min(m, ncols - 1)
    # squared offsets in whole cells, compared with the squared band in cells: exact
    # integers on the left, so the decision does not depend on how k * cell_size rounds
    di = np.arange(-mr, mr + 1, dtype=np.float64)
    dj = np.arange(-mc, mc + 1, dtype=np.float64)
    t = di[:, None] ** 2 + dj[None, :] ** 2 <= (reach / cs) ** 2
    keep_r = t.any(axis=1)
    keep_c = t.any(axis=0)
    return t[keep_r][:, keep_c]


def _grid_sums(v0: NDArray, present: NDArray, template: NDArray) -> tuple[NDArray, NDArray]:
    """Box/disk sums of ``v0`` and of ``present`` over ``template`` (zero outside)."""
    k = template.astype(np.float64)
    if template.sum() <= 64:
        sums = ndimage.correlate(v0, k, mode="constant", cval=0.0)
        card = ndimage.correlate(present.astype(np.float64), k, mode="constant", cval=0.0)
    else:
        sums = signal.fftconvolve(v0, k, mode="same")
        card = signal.fftconvolve(present.astype(np.float64), k, mode="same")
        vals = v0[present]
        if np.all(vals == np.round(vals)) and np.abs(vals).sum() < 2.0**50:
            sums = np.rint(sums)  # integer counts: remove FFT round-off exactly
    return sums, np.rint(card)


def gi_star_grid(values_2d: ArrayLike, cell_size: float, distance: float) -> NDArray:
    """Getis-Ord Gi* z-scores for the cells of a regular grid (fast path of :func:`gi_star`).

    Same statistic and neighbourhood rule as :func:`gi_star` for points at the cell centres:
    two cells are neighbours when the distance between their centres is ``<= distance *
    (1 + BAND_RTOL)`` (:data:`BAND_RTOL`; exact ties are inside) and every cell is its own
    neighbour. Sums over the disk-shaped neighbourhood (:func:`neighbour_stencil`, clipped
    to the grid, so at most (2 nrows - 1) x (2 ncols - 1) offsets however wide the band)
    are computed by direct correlation (:func:`scipy.ndimage.correlate`, neighbourhoods of
    up to 64 cells) or FFT convolution; cost O(cells) or O(cells log cells).

    Parameters
    ----------
    values_2d : array_like, shape (nrows, ncols)
        Value (e.g. number of reports) per cell. ``NaN`` marks a cell that is not part of
        the study area (outside the district, a lake): it is neither a unit nor anyone's
        neighbour, exactly as if its point were left out of :func:`gi_star`.
    cell_size : float
        Cell side in metres (square cells).
    distance : float
        Neighbourhood radius in metres (inclusive).

    Returns
    -------
    ndarray, shape (nrows, ncols)
        z-scores, NaN where ``values_2d`` is NaN (and where a neighbourhood covers every
        unit, so that Gi* has no variance). Orientation is that of the input.
    """
    try:
        v = np.array(values_2d, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"values_2d must be a numeric 2D array: {exc}") from None
    if v.ndim != 2:
        raise StatsError(f"values_2d must be two-dimensional; got shape {v.shape}")
    cs = _positive(cell_size, "cell_size")
    d = _positive(distance, "distance")
    present = ~np.isnan(v)
    if np.isinf(v).any():
        raise StatsError("values_2d has an infinite entry (use NaN for cells outside the area)")
    y = v[present]
    _check_gi_values(y)
    v[~present] = 0.0
    sums, card = _grid_sums(v, present, neighbour_stencil(cs, d, grid_shape=v.shape))
    out = np.full(v.shape, np.nan)
    out[present] = _gi_z(y, sums[present], card[present])
    return out


class _Lattice(NamedTuple):
    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    shape: tuple[int, int]
    cell: float


def _lattice(pts: NDArray) -> _Lattice | None:
    """Detect points on (a subset of) a square lattice, one point per node; else None."""
    n = pts.shape[0]
    steps = []
    for a in (0, 1):
        u = np.unique(pts[:, a])
        if u.size > 1:
            steps.append(float(np.diff(u).min()))
    if not steps:
        return None
    cell = min(steps)
    idx = []
    for a in (0, 1):
        c = pts[:, a]
        lo = c.min()
        k = (c - lo) / cell
        ki = np.rint(k)
        if np.abs(k - ki).max() > 1e-6:
            return None
        idx.append(ki.astype(np.int64))
    cols, rows = idx
    shape = (int(rows.max()) + 1, int(cols.max()) + 1)
    size = shape[0] * shape[1]
    if size > max(4 * n, 4096):
        return None  # too sparse a subset: the tree path uses less memory
    counts = np.bincount(rows * shape[1] + cols, minlength=size)
    if counts.max() > 1:
        return None  # coincident points: leave them to the tree path's explicit rule
    return _Lattice(rows, cols, shape, cell)


def _tree_sums(y: NDArray, pts: NDArray, distance: float,
               coincident: bool) -> tuple[NDArray, NDArray]:
    from scipy.spatial import cKDTree

    n = y.size
    tree = cKDTree(pts)
    sample = pts[:: max(1, n // 256)]
    reach = _band_reach(distance)  # the lattice path's inclusive tolerance (BAND_RTOL)
    k_est = float(np.mean(tree.query_ball_point(sample, reach, return_length=True)))
    chunk = int(max(256, min(n, 4_000_000 / max(k_est, 1.0))))
    sums = y.copy()
    card = np.ones(n)
    for s in range(0, n, chunk):
        sub = cKDTree(pts[s:s + chunk])
        res = sub.sparse_distance_matrix(tree, reach, output_type="ndarray")
        i = res["i"].astype(np.int64) + s
        j = res["j"].astype(np.int64)
        # libpysal's DistanceBand keeps only pairs at distance > 0: coincident points are
        # not neighbours there (and the self pair is added back by G_Local's star=True).
        keep = (i != j) if coincident else (res["v"] > 0)
        i, j = i[keep], j[keep]
        sums += np.bincount(i, weights=y[j], minlength=n)
        card += np.bincount(i, minlength=n)
    return sums, card


def _neighbour_sums(y: NDArray, pts: NDArray, distance: float, method: str,
                    coincident: bool) -> tuple[NDArray, NDArray]:
    if method not in ("auto", "grid", "tree"):
        raise StatsError(f"method must be 'auto', 'grid' or 'tree'; got {method!r}")
    lat = _lattice(pts) if method in ("auto", "grid") else None
    if method == "grid" and lat is None:
        raise StatsError("method='grid' needs points on a square lattice (one point per "
                         "node, equal spacing in x and y); use method='tree'")
    if lat is None:
        return _tree_sums(y, pts, distance, coincident)
    v = np.zeros(lat.shape)
    present = np.zeros(lat.shape, dtype=bool)
    v[lat.rows, lat.cols] = y
    present[lat.rows, lat.cols] = True
    sums, card = _grid_sums(v, present,
                             neighbour_stencil(lat.cell, distance, grid_shape=lat.shape))
    return sums[lat.rows, lat.cols], card[lat.rows, lat.cols]


def gi_star(
    values: ArrayLike,
    points_xy: ArrayLike,
    distance: float,
    *,
    method: str = "auto",
    coincident_neighbours: bool = False,
) -> NDArray[np.float64]:
    r"""Getis-Ord Gi* z-scores with a binary distance band that includes each unit itself.

    For unit :math:`i` with value :math:`y_i`, binary weights :math:`w_{ij} = 1` when
    :math:`d_{ij} \le` ``distance`` or :math:`j = i` (else 0), :math:`W_i = \sum_j w_{ij}`
    (the neighbourhood size, self included), :math:`n` units, :math:`\bar y` the mean and
    :math:`s^2 = \frac1n \sum_j y_j^2 - \bar y^2` the population variance ([OG95]_, eq. 2.3
    with binary weights, :math:`\sum_j w_{ij}^2 = W_i`):

    .. math::

        z_i = \frac{\sum_j w_{ij} y_j - \bar y W_i}
                   {s \sqrt{W_i (n - W_i) / (n - 1)}}

    This equals esda's ``G_Local(values, DistanceBand(points_xy, distance, binary=True),
    transform="B", star=True).Zs`` (esda 2.9 writes it as :math:`(G_i - E[G_i]) /
    \sqrt{V[G_i]}` with :math:`G_i = \sum_j w_{ij} y_j / \sum_j y_j`, :math:`E = W_i / n`,
    :math:`V = W_i (n - W_i) / ((n-1) n^2) \cdot s^2 / \bar y^2`, and sets the diagonal of a
    binary W to 1 for ``star=True``); the tests check agreement to 1e-6. The form above
    does not divide by :math:`\bar y`, so it also holds for values with a negative mean
    (where esda's z flips sign). Positive z: high values cluster (hot spot); negative z:
    low values cluster (cold spot). Use :func:`p_from_z` for normal p-values or
    :func:`gi_star_permutation` for pseudo p-values, then :func:`fdr` /
    :func:`hotspot_classes`.

    Neighbour rule (as libpysal 4.14's ``DistanceBand``): pairs with Euclidean distance
    ``<= distance * (1 + BAND_RTOL)``, :data:`BAND_RTOL` = 1e-9, so a pair at exactly
    ``distance`` is inside whatever the rounding of its coordinates (two cells of 12.3 m
    against a band of 24.6 m). libpysal compares without a tolerance and so splits such
    ties by rounding (on a 12.3 m lattice it keeps about half of the pairs at 24.6 m); the
    two agree whenever no pair lies within 1e-9 of the band, and always with a
    ``DistanceBand`` of ``distance * (1 + BAND_RTOL)``. libpysal drops pairs at distance 0, so two
    units at the **same location are not neighbours** of each other by default;
    ``coincident_neighbours=True`` counts them (advisable when several units share a
    point). A unit with no other unit within ``distance`` (an "island") has :math:`W_i = 1`.

    Methods: if the points lie on a square lattice (any subset of one, one point per node,
    lattice not more than 4 times larger than the point count) the neighbourhood sums are
    disk convolutions on the lattice (:func:`gi_star_grid`; about 20 ms for 100,000
    cells); otherwise a k-d tree (:meth:`scipy.spatial.cKDTree.sparse_distance_matrix`,
    chunked) and ``numpy.bincount``. Both use the same inclusive tolerance, so they give
    the same neighbours (the lattice path decides on whole cells, :func:`neighbour_stencil`
    clipped to the lattice, so its cost does not grow with the band).

    Parameters
    ----------
    values : array_like, shape (n,)
        Value per unit (e.g. reports per grid cell). Not all equal; n >= 3.
    points_xy : array_like, shape (n, 2)
        Unit locations in metres (e.g. cell centres).
    distance : float
        Neighbourhood radius in metres (ArcGIS: "distance band", fixed distance).
    method : {"auto", "grid", "tree"}
        ``"auto"`` detects a lattice; ``"grid"`` requires one; ``"tree"`` never uses it.
    coincident_neighbours : bool
        Count units at distance 0 as neighbours (not libpysal's rule).

    Returns
    -------
    ndarray, shape (n,)
        z-scores; NaN for a unit whose neighbourhood contains every unit (:math:`W_i = n`,
        zero variance).

    Raises
    ------
    StatsError
        Bad shapes, non-finite input, fewer than 3 units or constant values.
    """
    pts = _points(points_xy)
    y = _values(values, pts.shape[0])
    d = _positive(distance, "distance")
    _check_gi_values(y)
    sums, card = _neighbour_sums(y, pts, d, method, coincident_neighbours)
    return _gi_z(y, sums, card)


_ALTERNATIVES = ("two-sided", "directed", "folded", "greater", "lesser")


def gi_star_permutation(
    values: ArrayLike,
    points_xy: ArrayLike,
    distance: float,
    *,
    permutations: int = 999,
    seed: int | None = 0,
    alternative: str = "two-sided",
    method: str = "auto",
    coincident_neighbours: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Gi* z-scores with conditional-permutation pseudo p-values.

    Conditional randomisation ([A95]_; esda's ``crand``): unit :math:`i` keeps its own value
    and its :math:`c_i = W_i - 1` neighbours are replaced by :math:`c_i` values drawn without
    replacement from the other :math:`n - 1` units, ``permutations`` times. With binary
    weights the permuted statistic only depends on the drawn sum, so the test compares the
    observed neighbour sum :math:`L_i = \sum_{j \ne i} w_{ij} y_j` with the permuted sums
    :math:`L_i^{(r)}`. Let :math:`R` = ``permutations``, :math:`n_\ge = \#\{r: L^{(r)}_i \ge
    L_i\}`, :math:`n_\le = \#\{r: L^{(r)}_i \le L_i\}`:

    * ``"two-sided"`` (default): :math:`\min(1, 2 (\min(n_\ge, n_\le) + 1) / (R + 1))`,
      the doubled one-sided pseudo p-value (appropriate for :func:`hotspot_classes`,
      whose levels are two-sided like ArcGIS's);
    * ``"directed"``: :math:`(\min(n_\ge, R - n_\ge) + 1) / (R + 1)`, esda 2.9's default
      for ``G_Local.p_sim`` (one-sided in the direction of the data; esda warns that it is
      too small by a factor of about 2);
    * ``"folded"``: :math:`(\#\{r: |L^{(r)}_i - \bar L_i| \ge |L_i - \bar L_i|\} + 1) / (R
      + 1)` with :math:`\bar L_i` the mean of the permuted sums (esda's ``"folded"``);
    * ``"greater"`` / ``"lesser"``: :math:`(n_\ge + 1)/(R+1)` / :math:`(n_\le + 1)/(R+1)`.

    The smallest attainable p-value is :math:`1/(R+1)` (``"two-sided"``: :math:`2/(R+1)`).
    With a false discovery rate over many units this is a hard floor: Benjamini-Hochberg
    can only reject when some :math:`p_{(k)} \le \alpha k / m`, so with :math:`m =`
    100,000 cells and R = 999 nothing can be significant unless about 4 % of the cells are
    hot spots. Use :func:`p_from_z` (normal p-values, as ArcGIS does) for fine grids, or R
    of at least :math:`2m / (\alpha k)` for k expected hot cells.

    esda's ``"two-sided"`` (a percentile construction) is not reproduced. Islands
    (:math:`c_i = 0`) get p = 1: nothing is permuted, so there is no evidence.

    Vectorised draw: every permutation :math:`r` draws one random ordered sample of
    :math:`k = \max_i c_i + 1` distinct unit indices (shared by all units, as esda shares
    its permutation table); for unit :math:`i` the first :math:`c_i` indices are used, or,
    if :math:`i` is among them, the first :math:`c_i + 1` minus :math:`i` - a uniform
    :math:`c_i`-subset of the other units either way. Prefix sums of the drawn values make
    each :math:`L^{(r)}_i` an O(1) look-up: time O(n R), memory O(R k + 4 M) (chunked), far
    below esda's O(n R k) loop. Results are reproducible for a given ``seed``
    (:func:`numpy.random.default_rng`), but not equal to esda's draws.

    Parameters
    ----------
    values, points_xy, distance, method, coincident_neighbours
        As for :func:`gi_star`.
    permutations : int
        Number of permutations R (>= 1; 999 gives a smallest p of 0.001, 9999 of 0.0001).
    seed : int or None
    alternative : {"two-sided", "directed", "folded", "greater", "lesser"}

    Returns
    -------
    z : ndarray, shape (n,)
        As :func:`gi_star`.
    p_sim : ndarray, shape (n,)
        Pseudo p-values.
    """
    pts = _points(points_xy)
    y = _values(values, pts.shape[0])
    d = _positive(distance, "distance")
    _check_gi_values(y)
    if alternative not in _ALTERNATIVES:
        raise StatsError(f"alternative must be one of {_ALTERNATIVES}; got {alternative!r}")
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) \
            or permutations < 1:
        raise StatsError(f"permutations must be a positive integer; got {permutations!r}")
    sums, card = _neighbour_sums(y, pts, d, method, coincident_neighbours)
    z = _gi_z(y, sums, card)
    c = card.astype(np.int64) - 1
    p = _permutation_p(y, sums - y, c, int(permutations), np.random.default_rng(seed),
                       alternative)
    return z, p


def _permutation_p(y: NDArray, obs: NDArray, c: NDArray, reps: int,
                   rng: np.random.Generator, alternative: str) -> NDArray[np.float64]:
    n = y.size
    p = np.ones(n)
    kmax = int(c.max())
    if kmax == 0:
        return p
    k1 = kmax + 1  # <= n since c <= n - 1
    if reps * n <= 4_000_000:  # few units: shuffle whole rows at once
        ids = rng.permuted(np.broadcast_to(np.arange(n), (reps, n)), axis=1)[:, :k1]
    else:
        ids = np.empty((reps, k1), dtype=np.int64)
        for r in range(reps):
            ids[r] = rng.choice(n, size=k1, replace=False)
    prefix = np.zeros((reps, k1 + 1))
    np.cumsum(y[ids], axis=1, out=prefix[:, 1:])
    # draws where unit u itself is among the first c_u indices: use c_u + 1 minus u
    pos = np.tile(np.arange(k1), reps)
    perm = np.repeat(np.arange(reps), k1)
    unit = ids.ravel()
    hit = pos < c[unit]
    cu, cp = unit[hit], perm[hit]
    cval = prefix[cp, c[cu] + 1] - y[cu]
    order = np.argsort(cu, kind="stable")
    cu, cp, cval = cu[order], cp[order], cval[order]
    chunk = max(1, 4_000_000 // reps)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        sims = prefix[:, c[s:e]].T.copy()  # (units, reps)
        a, b = np.searchsorted(cu, [s, e])
        sims[cu[a:b] - s, cp[a:b]] = cval[a:b]
        o = obs[s:e, None]
        if alternative == "folded":
            mu = sims.mean(axis=1, keepdims=True)
            extreme = (np.abs(sims - mu) >= np.abs(o - mu)).sum(axis=1)
            p[s:e] = (extreme + 1.0) / (reps + 1.0)
            continue
        n_ge = (sims >= o).sum(axis=1)
        if alternative == "greater":
            p[s:e] = (n_ge + 1.0) / (reps + 1.0)
        elif alternative == "directed":
            p[s:e] = (np.minimum(n_ge, reps - n_ge) + 1.0) / (reps + 1.0)
        else:
            n_le = (sims <= o).sum(axis=1)
            if alternative == "lesser":
                p[s:e] = (n_le + 1.0) / (reps + 1.0)
            else:
                p[s:e] = np.minimum(1.0, 2.0 * (np.minimum(n_ge, n_le) + 1.0) / (reps + 1.0))
    p[c == 0] = 1.0
    return p


def p_from_z(z: ArrayLike, *, two_sided: bool = True) -> NDArray[np.float64]:
    r"""Normal p-values of z-scores: :math:`2\,\Phi(-|z|)` (two-sided, the ArcGIS Gi*
    convention) or :math:`\Phi(-|z|)`. NaN stays NaN."""
    zz = np.asarray(z, dtype=np.float64)
    p = special.ndtr(-np.abs(zz))
    return 2.0 * p if two_sided else p


# ---- multiple testing and classes ---------------------------------------------------------


def _p_array(p_values: ArrayLike) -> NDArray[np.float64]:
    try:
        p = np.asarray(p_values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"p-values must be numeric: {exc}") from None
    ok = ~np.isnan(p)
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        raise StatsError("p-values must lie in [0, 1] (NaN means 'not tested')")
    return p


def fdr(p_values: ArrayLike, alpha: float = 0.05) -> NDArray[np.bool_]:
    r"""Benjamini-Hochberg false discovery rate control ([BH95]_): which tests to reject.

    Sort the :math:`m` p-values, :math:`p_{(1)} \le \dots \le p_{(m)}`, find the largest
    :math:`k` with :math:`p_{(k)} \le \alpha k / m` and reject the tests with
    :math:`p \le p_{(k)}` (none if there is no such k; the step-up procedure). This keeps
    the expected share of false discoveries among the rejections at most :math:`\alpha` for
    independent or positively dependent tests (the setting of Gi* on overlapping
    neighbourhoods, as in ArcGIS's "Apply False Discovery Rate (FDR) Correction").

    The comparison is made on the adjusted p-values of :func:`fdr_adjust`, i.e. as
    :math:`p_{(k)} \cdot (m / k) \le \alpha` in floating point, so that ``fdr(p, a) ==
    (fdr_adjust(p) <= a)`` and ``== (scipy.stats.false_discovery_control(p) <= a)`` hold
    exactly, also at ties such as seventy p-values of 0.035 out of 100 at
    :math:`\alpha` = 0.05 (all rejected; :math:`\alpha k / m` and :math:`p\,m/k` round
    differently, so comparing the one but reporting the other could disagree there).

    Parameters
    ----------
    p_values : array_like, any shape
        NaN entries are not tests: never rejected and not counted in :math:`m`.
    alpha : float in (0, 1)

    Returns
    -------
    ndarray of bool, same shape as ``p_values``

    Examples
    --------
    >>> fdr([0.001, 0.02, 0.04, 0.5], alpha=0.05)
    array([ True,  True, False, False])
    >>> int(fdr([0.035] * 70 + [0.9] * 30, alpha=0.05).sum())
    70
    """
    a = _alpha(alpha)
    q = fdr_adjust(p_values)
    return ~np.isnan(q) & (np.where(np.isnan(q), 2.0, q) <= a)


def fdr_adjust(p_values: ArrayLike) -> NDArray[np.float64]:
    r"""Benjamini-Hochberg adjusted p-values (q-values).

    :math:`q_{(k)} = \min_{j \ge k} \min(1, p_{(j)} \cdot (m / j))`, computed in that
    order (``m / j`` first), as ``scipy.stats.false_discovery_control`` does, so the values
    equal scipy's bit for bit and ``fdr(p, a) == (fdr_adjust(p) <= a)`` (:func:`fdr` is
    defined through them). Tied p-values get the same q. NaN stays NaN and is not counted in
    :math:`m`.

    Parameters
    ----------
    p_values : array_like, any shape

    Returns
    -------
    ndarray of float, same shape as ``p_values``

    Examples
    --------
    >>> fdr_adjust([0.01, 0.04, 0.03, 0.5]).round(4)
    array([0.04  , 0.0533, 0.0533, 0.5   ])
    """
    p = _p_array(p_values)
    flat = p.ravel()
    valid = ~np.isnan(flat)
    out = np.full(flat.shape, np.nan)
    m = int(valid.sum())
    if m:
        idx = np.flatnonzero(valid)
        order = np.argsort(flat[idx], kind="stable")
        ps = flat[idx][order]
        # m / j first, then the product: the rounding of scipy's false_discovery_control
        q = np.minimum.accumulate((ps * (m / np.arange(1, m + 1)))[::-1])[::-1]
        out[idx[order]] = np.minimum(q, 1.0)
    return out.reshape(p.shape)


_LEVELS = (0.01, 0.05, 0.10)


def hotspot_classes(
    z: ArrayLike,
    p: ArrayLike | None,
    alpha: float = 0.05,
    fdr: bool = True,
) -> NDArray[np.str_]:
    """Hot/cold spot class per unit, in the manner of ArcGIS's Gi_Bin field.

    A unit is significant at level :math:`L` when its p-value passes :math:`L`
    (Benjamini-Hochberg at level :math:`L` over all units when ``fdr=True``, ArcGIS's FDR
    option; otherwise ``p <= L``). The levels are 0.01, 0.05 and 0.10 - those not above
    ``alpha`` - plus ``alpha`` itself if it is none of them. Each unit gets the strictest
    level it passes, with the sign of z:

    ========================= ============================================
    label                     meaning
    ========================= ============================================
    ``"hot 99%"``             z > 0, significant at 0.01 (ArcGIS Gi_Bin 3)
    ``"hot 95%"``             z > 0, at 0.05 but not 0.01 (Gi_Bin 2)
    ``"hot 90%"``             z > 0, at 0.10 but not 0.05 (Gi_Bin 1); only with alpha >= 0.1
    ``"not significant"``     none of the levels, z = 0, or z/p NaN (Gi_Bin 0)
    ``"cold 90%"`` ... ``"cold 99%"``  the same with z < 0
    ========================= ============================================

    So the default ``alpha=0.05`` gives the 99 % and 95 % classes only; ``alpha=0.1`` gives
    ArcGIS's full seven-class map. Because BH is monotone in its level, a unit in "hot 99%"
    also passes 0.05 and 0.10. Other alpha values give labels such as ``"hot 98%"``.

    Parameters
    ----------
    z : array_like, shape (n,)
        Gi* z-scores (the sign gives hot or cold).
    p : array_like, shape (n,), or None
        p-values (normal or pseudo); None means two-sided normal p-values of ``z``
        (:func:`p_from_z`).
    alpha : float in (0, 0.5]
    fdr : bool
        Apply the Benjamini-Hochberg correction at each level.

    Returns
    -------
    ndarray of str, shape (n,)
    """
    a = _alpha(alpha)
    if a > 0.5:
        raise StatsError(f"alpha must be at most 0.5; got {alpha}")
    zz = np.asarray(z, dtype=np.float64)
    if zz.ndim != 1:
        raise StatsError(f"z must be one-dimensional; got shape {zz.shape}")
    pp = p_from_z(zz) if p is None else _p_array(p)
    if pp.shape != zz.shape:
        raise StatsError(f"z and p must have the same shape; got {zz.shape} and {pp.shape}")
    levels = sorted({lv for lv in _LEVELS if lv <= a + 1e-12} | {a}, reverse=True)
    labels = np.full(zz.shape, "not significant", dtype="<U16")
    valid = ~(np.isnan(zz) | np.isnan(pp))
    for lv in levels:  # loosest first; stricter levels overwrite
        sig = _fdr_mask(pp, lv) if fdr else (np.where(valid, pp, 2.0) <= lv)
        sig &= valid
        conf = f"{100 * (1 - lv):.10g}%"
        labels[sig & (zz > 0)] = f"hot {conf}"
        labels[sig & (zz < 0)] = f"cold {conf}"
    return labels


_fdr_mask = fdr  # hotspot_classes has a parameter named fdr


# ---- trends and emerging hot spots --------------------------------------------------------


class MannKendallResult(NamedTuple):
    """Result of :func:`mann_kendall`, one entry per unit."""

    tau: NDArray[np.float64]
    """Kendall's tau-b between time and the series (as ``scipy.stats.kendalltau``)."""
    z: NDArray[np.float64]
    """Normal score of S (with continuity correction unless disabled)."""
    p: NDArray[np.float64]
    """Two-sided p-value, :math:`2\\Phi(-|z|)`."""


def _series(series_2d: ArrayLike, name: str) -> NDArray[np.float64]:
    try:
        x = np.asarray(series_2d, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{name} must be numeric: {exc}") from None
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise StatsError(f"{name} must be 2D (rows = units, columns = time steps); "
                         f"got shape {x.shape}")
    if x.shape[1] < 3:
        raise StatsError(f"{name} needs at least 3 time steps; got {x.shape[1]}")
    return x


def mann_kendall_s(series_2d: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Mann-Kendall S and its variance under no trend, per row ([K75]_).

    .. math::

        S = \sum_{i<j} \operatorname{sign}(x_j - x_i), \qquad
        \operatorname{Var}(S) = \frac{T(T-1)(2T+5) - \sum_g t_g(t_g-1)(2t_g+5)}{18}

    for :math:`T` time steps, :math:`t_g` the size of the g-th group of tied values.
    Vectorised over rows: O(units x T^2) with a loop over T.

    Returns
    -------
    s, var_s : ndarray, shape (units,)
    """
    s, var, _ = _mk(_series(series_2d, "series_2d"))
    return s, var


def _mk(x: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """S, Var(S) and the number of tied pairs n1 for each row of x."""
    if np.isnan(x).any():
        raise StatsError("series_2d contains NaN; fill or drop missing time steps first")
    t = x.shape[1]
    s = np.zeros(x.shape[0])
    ties = np.zeros(x.shape[0])
    n1 = np.zeros(x.shape[0])
    for i in range(t):
        s += np.sign(x[:, i + 1:] - x[:, i:i + 1]).sum(axis=1)
        cnt = (x == x[:, i:i + 1]).sum(axis=1)  # size of x_i's tie group
        ties += (cnt - 1) * (2 * cnt + 5)  # sum over elements of f(t)/t, f(t)=t(t-1)(2t+5)
        n1 += (cnt - 1) / 2.0
    var = (t * (t - 1) * (2 * t + 5) - ties) / 18.0
    return s, var, n1


def mann_kendall(series_2d: ArrayLike, *, continuity: bool = True) -> MannKendallResult:
    r"""Mann-Kendall trend test for each row (unit) of a units x time-steps array.

    With S and Var(S) from :func:`mann_kendall_s`,

    .. math::

        z = \frac{S - \operatorname{sign}(S)}{\sqrt{\operatorname{Var}(S)}}
        \quad(\text{continuity correction; } z = S / \sqrt{\operatorname{Var}(S)}
        \text{ with } \texttt{continuity=False}),\qquad p = 2\,\Phi(-|z|),

    :math:`\tau_b = S / \sqrt{n_0 (n_0 - n_1)}`, :math:`n_0 = T(T-1)/2`, :math:`n_1 =
    \sum_g t_g(t_g-1)/2` (tau-b between the time index and the series). With
    ``continuity=False`` tau and p equal ``scipy.stats.kendalltau(range(T), x,
    method="asymptotic")``. A constant row has z = 0, p = 1, tau = NaN. Positive tau/z:
    increasing. ArcGIS's emerging hot spot analysis applies this test to each location's
    series of Gi* z-scores.

    Parameters
    ----------
    series_2d : array_like, shape (units, T), T >= 3 (1D is one unit)
    continuity : bool

    Returns
    -------
    MannKendallResult
        Named tuple ``(tau, z, p)`` of arrays of shape (units,).
    """
    x = _series(series_2d, "series_2d")
    s, var, n1 = _mk(x)
    t = x.shape[1]
    n0 = t * (t - 1) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = s / np.sqrt(n0 * (n0 - n1))
        num = s - np.sign(s) if continuity else s
        z = np.where(var > 0, num / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    return MannKendallResult(tau, z, p_from_z(z))


def emerging_hotspots(
    z_series: ArrayLike,
    p_series: ArrayLike,
    *,
    alpha: float = 0.05,
    fdr: bool = True,
) -> NDArray[np.str_]:
    """Emerging hot spot class per unit from its series of Gi* results (after [ESRI]_).

    Input: for each unit (row) and time step (column, oldest first) a Gi* z-score and
    p-value. A bin is a **significant hot** (cold) bin when ``p <= alpha`` (after a
    Benjamini-Hochberg correction over the units of each time step when ``fdr=True``, as
    ArcGIS applies FDR to each time slice) and z > 0 (z < 0). NaN z or p: not significant
    (and z = 0 in the trend). The **trend** is the Mann-Kendall test
    (:func:`mann_kendall`, continuity-corrected) of the unit's z-scores: significantly
    increasing/decreasing when its p <= ``alpha``. "90 %" below means the share of all
    T time steps, ``>= 0.9`` (so with T < 10 every step must be significant). Rules for hot
    spots, checked in this order (cold spots: swap hot/cold and increasing/decreasing):

    ``"intensifying hot spot"``
        hot in >= 90 % of the steps, including the final step; significant increasing
        trend of z.
    ``"diminishing hot spot"``
        hot in >= 90 % of the steps, including the final step; significant decreasing trend.
    ``"persistent hot spot"``
        hot in >= 90 % of the steps, including the final step; no significant trend.
    ``"historical hot spot"``
        hot in >= 90 % of the steps but not in the final step, and the final step is not a
        significant cold bin (then the cold rules apply: "oscillating cold spot").
    ``"new hot spot"``
        hot in the final step and in no earlier step, with no significant (hot or cold) bin
        before it.
    ``"consecutive hot spot"``
        a single uninterrupted run of >= 2 hot steps ending at the final step, no
        significant bin before the run, and hot in < 90 % of the steps.
    ``"oscillating hot spot"``
        hot in the final step, a significant cold bin in some earlier step, hot in < 90 %
        of the steps.
    ``"sporadic hot spot"``
        hot in the final step, hot also before the final run (on-again, off-again), never
        a significant cold bin, hot in < 90 % of the steps.
    ``"no pattern"``
        none of the above (e.g. not significant in the final step and never >= 90 % hot
        or cold).

    ArcGIS does not say how overlapping definitions are resolved; here "new" and
    "consecutive" require that no earlier bin was significant at all (an earlier cold bin
    makes the unit "oscillating", as in R's sfdep), "persistent" requires the final step
    (otherwise it is "historical"), and a significant final step takes precedence over
    "historical". ArcGIS also requires at least 10 time steps for the cube; this function
    needs 3 (the Mann-Kendall test has little power with so few).

    Parameters
    ----------
    z_series, p_series : array_like, shape (units, T)
    alpha : float in (0, 1)
        Significance level of the bins and of the trend.
    fdr : bool
        Apply Benjamini-Hochberg per time step to ``p_series`` (pass False if the p-values
        are already corrected).

    Returns
    -------
    ndarray of str, shape (units,)
    """
    a = _alpha(alpha)
    z = _series(z_series, "z_series")
    p = _p_array(_series(p_series, "p_series"))
    if z.shape != p.shape:
        raise StatsError(f"z_series and p_series must have the same shape; got {z.shape} and "
                         f"{p.shape}")
    valid = ~(np.isnan(z) | np.isnan(p))
    if fdr:
        sig = np.column_stack([_fdr_mask(p[:, t], a) for t in range(p.shape[1])])
    else:
        sig = np.where(valid, p, 2.0) <= a
    sig &= valid
    zf = np.where(np.isnan(z), 0.0, z)
    hot = sig & (zf > 0)
    cold = sig & (zf < 0)
    mk = mann_kendall(zf)
    up = (mk.p <= a) & (mk.z > 0)
    down = (mk.p <= a) & (mk.z < 0)
    labels = np.full(z.shape[0], "no pattern", dtype="<U24")
    steps = z.shape[1]
    tpos = np.arange(steps)[None, :]
    for kind, this, other, rising, falling in (("hot", hot, cold, up, down),
                                               ("cold", cold, hot, down, up)):
        frac = this.mean(axis=1)
        mostly = frac >= 0.9 - 1e-12
        final = this[:, -1]
        run = np.cumprod(this[:, ::-1], axis=1).sum(axis=1)  # trailing run length
        before = tpos < (steps - run)[:, None]
        sig_before = (sig & before).any(axis=1)
        other_before = (other & before).any(axis=1)
        rules = [
            (mostly & final & rising, "intensifying"),
            (mostly & final & falling, "diminishing"),
            (mostly & final & ~rising & ~falling, "persistent"),
            (mostly & ~final & ~other[:, -1], "historical"),
            (~mostly & final & ~sig_before & (run == 1), "new"),
            (~mostly & final & ~sig_before & (run >= 2), "consecutive"),
            (~mostly & final & other_before, "oscillating"),
            (~mostly & final & sig_before & ~other_before, "sporadic"),
        ]
        for mask, name in rules:
            labels[mask & (labels == "no pattern")] = f"{name} {kind} spot"
    return labels
