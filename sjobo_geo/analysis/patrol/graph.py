"""The walk graph as patrols use it: a symmetric sparse matrix of edge lengths (metres).

:class:`RouteGraph` is built once from the area's networkx walk graph and shared by the
candidate stops, the routes, the patrol areas and the week's schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.patrol._errors import PatrolError
from sjobo_geo.core.crs import to_area_crs

if TYPE_CHECKING:
    import networkx as nx
    from scipy.sparse import csr_matrix

__all__ = ["RouteGraph"]


@dataclass
class RouteGraph:
    """A networkx walk graph as a symmetric sparse matrix of edge lengths (metres).

    ``nodes`` holds the graph's node ids in matrix order, ``xy`` their coordinates, ``index``
    maps an id to its row and ``component`` is True for the nodes of the largest connected
    component. Parallel edges keep the shortest length; every edge is walkable both ways.
    """

    graph: Any
    nodes: np.ndarray
    index: dict[Any, int]
    xy: np.ndarray
    matrix: csr_matrix
    component: np.ndarray

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph | nx.Graph) -> RouteGraph:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        nodes = np.array(list(graph.nodes), dtype=object)
        index = {n: i for i, n in enumerate(nodes)}
        if len(nodes) == 0:
            raise PatrolError("the walk graph has no nodes")
        data = graph.nodes(data=True)
        xy = np.array([(d.get("x", np.nan), d.get("y", np.nan)) for _, d in data], float)
        edges = [(index[u], index[v], float(d.get("length", 0.0)))
                 for u, v, d in graph.edges(data=True) if u != v]
        n = len(nodes)
        if edges:
            e = np.array(edges)
            rows, cols, w = e[:, 0].astype(np.int64), e[:, 1].astype(np.int64), e[:, 2]
        else:
            rows = cols = np.zeros(0, np.int64)
            w = np.zeros(0)
        # both directions; shortest of parallel edges (sort by length, keep the first)
        r = np.concatenate([rows, cols])
        c = np.concatenate([cols, rows])
        ww = np.maximum(np.concatenate([w, w]), 1e-3)  # csgraph drops explicit zeros
        order = np.lexsort((ww, c, r))
        r, c, ww = r[order], c[order], ww[order]
        first = np.ones(len(r), bool)
        first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        matrix = coo_matrix((ww[first], (r[first], c[first])), shape=(n, n)).tocsr()
        _, labels = connected_components(matrix, directed=False)
        main = np.bincount(labels).argmax()
        return cls(graph, nodes, index, xy, matrix, labels == main)

    @property
    def crs(self) -> Any:
        """The CRS of the node coordinates (osmnx keeps it in ``graph.graph["crs"]``), or None.

        Examples
        --------
        >>> import networkx as nx
        >>> g = nx.MultiDiGraph(crs="EPSG:3067")
        >>> _ = g.add_edge(1, 2, length=10.0)
        >>> RouteGraph.from_graph(g).crs
        'EPSG:3067'
        """
        return getattr(self.graph, "graph", {}).get("crs")

    def to_graph_crs(self, frame: Any, what: str) -> Any:
        """``frame`` in the graph's CRS: as it is, reprojected, or refused.

        The graph's CRS stands for the area's (the walk graph is the area's, projected).
        Reprojected when both CRSs are known and differ; refused
        (:class:`~sjobo_geo._errors.CRSError`, naming both) when only the graph has one,
        or when only the frame has one and it is not metric. A hand-built graph without a
        CRS and a frame without one are taken to share one metric plane.

        Examples
        --------
        >>> import geopandas as gpd
        >>> import networkx as nx
        >>> g = nx.MultiDiGraph(crs="EPSG:3067")
        >>> _ = g.add_edge(1, 2, length=10.0)
        >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([24.94], [60.17]), crs=4326)
        >>> RouteGraph.from_graph(g).to_graph_crs(pts, "the units").crs.to_epsg()
        3067
        """
        if self.crs is None and getattr(frame, "crs", None) is None:
            return frame
        return to_area_crs(frame, self.crs, what, target="the walk graph")

    def edge_geometry(self, u: Any, v: Any) -> np.ndarray:
        """Coordinates (k × 2) of the shortest edge from node ``u`` to ``v`` (either way)."""
        g = self.graph
        best = None
        for a, b, flip in ((u, v, False), (v, u, True)):
            if not g.has_edge(a, b):
                continue
            datas = g[a][b].values() if g.is_multigraph() else [g[a][b]]
            for d in datas:
                length = float(d.get("length", 0.0))
                if best is None or length < best[0]:
                    best = (length, d.get("geometry"), flip)
        if best is None:
            raise PatrolError(f"no edge between {u} and {v}")
        _, geom, flip = best
        if geom is None:
            return self.xy[[self.index[u], self.index[v]]]
        coords = np.asarray(geom.coords)[:, :2]
        if flip:
            coords = coords[::-1]
        # make sure the piece runs from u to v (osmnx stores reversed edges' geometry)
        pu = self.xy[self.index[u]]
        if np.hypot(*(coords[0] - pu)) > np.hypot(*(coords[-1] - pu)):
            coords = coords[::-1]
        return coords
