"""Path importance: how much of the walking between places passes along each path.

:func:`edge_betweenness` estimates the edge betweenness of the walk graph from sampled
sources (Brandes & Pich 2007); the lighting analysis scales it to an importance between
:data:`IMPORTANCE_FLOOR` and 1 per path, a factor of a gap's exposure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sjobo_geo.core.area import Area

__all__ = ["BETWEENNESS_SAMPLES", "IMPORTANCE_FLOOR", "edge_betweenness", "path_importance"]

# --------------------------------------------------------------------------------------
# settings

#: Sampled sources for the edge betweenness (Brandes' approximation).
BETWEENNESS_SAMPLES = 256
#: Importance of a path nobody passes through on a shortest route (dead ends, courtyards).
IMPORTANCE_FLOOR = 0.1


# --------------------------------------------------------------------------------------
# betweenness


def edge_betweenness(graph: Any, *, n_samples: int | None = BETWEENNESS_SAMPLES, seed: int = 0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edge betweenness of the undirected walk graph from ``n_samples`` sampled sources.

    Brandes' algorithm with sampled sources (Brandes & Pich 2007), shortest paths by
    ``length`` (scipy's Dijkstra). For each source the shortest-path tree is built and each
    tree edge counts the targets beyond it (subtree sizes, accumulated level by level, all
    sources at once). With real-valued lengths ties are rare; a tie is credited to one
    shortest path instead of being split.

    Parameters
    ----------
    graph : networkx graph
        Nodes with edges carrying ``length`` (metres); direction and parallel edges are
        ignored (the shortest parallel edge counts).
    n_samples : int or None, default 256
        Sampled sources; None or ``n_samples >= nodes`` uses every node (exact).
    seed : int, default 0
        Seed of the source sample.

    Returns
    -------
    lo, hi : numpy.ndarray
        Node ids of each undirected edge (``lo < hi`` in the node order of ``graph``; use
        them as a pair key).
    betweenness : numpy.ndarray
        Shortest paths through each edge per ordered node pair, estimated as
        ``n / n_samples × (count over the sampled sources)`` divided by ``n·(n − 1)``.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.path_graph(3)  # 0 - 1 - 2
    >>> nx.set_edge_attributes(g, 1.0, "length")
    >>> lo, hi, bet = edge_betweenness(g, n_samples=None)
    >>> [(int(a), int(b), round(float(x), 3)) for a, b, x in zip(lo, hi, bet)]
    [(0, 1, 0.667), (1, 2, 0.667)]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    nodes = np.array(list(graph.nodes))
    n = len(nodes)
    if n < 2 or graph.number_of_edges() == 0:
        return nodes[:0], nodes[:0], np.zeros(0)
    pos = {node: i for i, node in enumerate(nodes.tolist())}
    uvl = np.array([(pos[u], pos[v], float(d.get("length", 1.0) or 1.0))
                    for u, v, d in graph.edges(data=True)], dtype=np.float64)
    a = np.minimum(uvl[:, 0], uvl[:, 1]).astype(np.int64)
    b = np.maximum(uvl[:, 0], uvl[:, 1]).astype(np.int64)
    ok = a != b
    a, b, length = a[ok], b[ok], np.maximum(uvl[ok, 2], 1e-6)
    order = np.lexsort((length, b, a))
    a, b, length = a[order], b[order], length[order]
    first = np.concatenate([[True], (a[1:] != a[:-1]) | (b[1:] != b[:-1])])
    a, b, length = a[first], b[first], length[first]
    keys = a * n + b
    adj = coo_matrix((np.concatenate([length, length]), (np.concatenate([a, b]),
                                                          np.concatenate([b, a]))),
                     shape=(n, n)).tocsr()
    rng = np.random.default_rng(seed)
    sources = (np.arange(n) if n_samples is None or n_samples >= n
               else np.sort(rng.choice(n, size=int(n_samples), replace=False)))
    ks = len(sources)
    _, pred = dijkstra(adj, directed=True, indices=sources, return_predecessors=True)
    has = pred >= 0
    flat_pred = np.where(has, pred + (np.arange(ks) * n)[:, None], -1).ravel()
    # depth in the shortest-path tree by pointer jumping (log2(depth) rounds)
    depth = has.ravel().astype(np.int64)
    anc = flat_pred.copy()
    while (anc >= 0).any():
        live = np.flatnonzero(anc >= 0)
        new_depth = depth.copy()
        new_depth[live] += depth[anc[live]]
        new_anc = anc.copy()
        new_anc[live] = anc[anc[live]]
        depth, anc = new_depth, new_anc
    # subtree sizes, deepest level first
    size = np.ones(ks * n)
    member = np.flatnonzero(depth > 0)
    member = member[np.argsort(-depth[member], kind="stable")]
    levels = depth[member]
    cuts = np.flatnonzero(np.diff(levels)) + 1
    for chunk in np.split(member, cuts):
        np.add.at(size, flat_pred[chunk], size[chunk])
    child = member % n
    parent = flat_pred[member] % n
    lo, hi = np.minimum(child, parent), np.maximum(child, parent)
    eid = np.searchsorted(keys, lo * n + hi)
    counts = np.bincount(eid, weights=size[member], minlength=len(keys))
    bet = counts * (n / ks) / (n * (n - 1))
    return nodes[a], nodes[b], bet


def path_importance(area: Area, path_index: np.ndarray, *, n_samples: int | None, seed: int,
                    floor: float) -> tuple[np.ndarray, np.ndarray]:
    """(betweenness, importance) of ``area.paths`` rows; importance = floor + (1 − floor) ×
    min(1, betweenness / its 99th percentile over the edges).

    ``n_samples`` and ``seed`` as for :func:`edge_betweenness`.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> area = load_area("sample")
    >>> bet, imp = path_importance(area, np.arange(3), n_samples=64, seed=0, floor=0.1)
    >>> bool(((imp >= 0.1) & (imp <= 1)).all())
    True
    """
    paths = area.layers["paths"]
    lo, hi, bet = edge_betweenness(area.graph, n_samples=n_samples, seed=seed)
    out = np.zeros(len(path_index))
    if len(bet) and len(path_index):
        ids = np.sort(np.asarray(list(area.graph.nodes)))
        n = len(ids)

        def pos(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            j = np.clip(np.searchsorted(ids, values), 0, n - 1)
            return j, ids[j] == values

        (a, _), (b, _) = pos(lo), pos(hi)
        ekey = np.minimum(a, b) * n + np.maximum(a, b)
        order = np.argsort(ekey)
        ekey, ebet = ekey[order], bet[order]
        (u, uok) = pos(paths["u"].to_numpy()[path_index])
        (v, vok) = pos(paths["v"].to_numpy()[path_index])
        pkey = np.minimum(u, v) * n + np.maximum(u, v)
        j = np.clip(np.searchsorted(ekey, pkey), 0, len(ekey) - 1)
        found = uok & vok & (ekey[j] == pkey)
        out = np.where(found, ebet[j], 0.0)
    ref = float(np.percentile(bet, 99)) if len(bet) and bet.max() > 0 else 0.0
    scaled = np.minimum(1.0, out / ref) if ref > 0 else np.zeros_like(out)
    return out, floor + (1.0 - floor) * scaled
