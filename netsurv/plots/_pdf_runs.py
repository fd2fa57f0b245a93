"""Collections of many paths written to PDF in runs: the same bytes, a fraction of the time.

matplotlib's PDF renderer draws a collection without shared offsets (a waterfall's bars, a
spider plot's polylines) one path at a time through the generic
:meth:`~matplotlib.backend_bases.RendererBase.draw_path_collection`: for every path it sets up
a graphics context, compares it with the current PDF state (:meth:`RendererPdf.check_gc`,
which emits the colour and line-width operators that changed) and writes the path and its
paint operator.  With 100,000 bars that Python work takes seconds per figure, although the
state changes only where the colour does.

:class:`PolyCollection` and :class:`LineCollection` here draw the same way, except that the
paths are cut into *runs* of equal properties (face, edge and hatch colour, line width and
style, antialiasing, URL).  A path whose properties equal the previous one's leaves the PDF
state as it is, so matplotlib writes for it only its path operators
(:meth:`PdfFile.pathOperations`, matplotlib's C++ path writer, with its clipping and
simplification) and the paint operator of the state: these are written here directly.  The
first path of a run is drawn by matplotlib itself (the state changes and their operators are
matplotlib's), with what it writes recorded: the state after a path depends only on the
path's properties, so the operators of a change from properties A to B are the same each
time, and later runs that start with a change already seen reuse them (the renderer's state
object is brought up to date, writing nothing, before matplotlib draws again and at the
end).  PDF content streams are deflated as they are written, and deflate's output does not
depend on how its input is cut, so the file is byte-for-byte the one matplotlib writes.  Everything
else (other backends, offsets, per-path transforms, hatches, sketches, transparent edges,
the disabled drawing of ``bbox_inches="tight"``) goes through matplotlib unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib import collections as mcoll
from matplotlib.backend_bases import RendererBase
from matplotlib.backends import backend_pdf
from matplotlib.backends.backend_pdf import RendererPdf
from matplotlib.transforms import IdentityTransform

__all__ = ["LineCollection", "PolyCollection", "draw_in_runs"]

#: Whether this matplotlib has what the runs are written with (its private PDF helpers and
#: the ``hatchcolors`` parameter of :meth:`RendererBase.draw_path_collection`, 3.11 has both);
#: otherwise every collection is drawn by matplotlib itself (the same bytes, slower).
SUPPORTED = (
    hasattr(backend_pdf, "_fill")
    and hasattr(backend_pdf, "pdfRepr")
    and "hatchcolors" in inspect.signature(RendererBase.draw_path_collection).parameters
)


class PolyCollection(mcoll.PolyCollection):
    """A :class:`matplotlib.collections.PolyCollection` written to PDF in runs (same bytes).

    The class keeps matplotlib's name: SVG group ids are made from it.

    Examples
    --------
    >>> import numpy as np
    >>> bars = PolyCollection(np.zeros((3, 4, 2)), facecolors=["red", "red", "blue"])
    >>> len(bars.get_paths()), type(bars).__mro__[1].__module__
    (3, 'matplotlib.collections')
    """

    def draw(self, renderer: Any) -> None:
        """Draw as matplotlib does, PDF paths in runs (:func:`draw_in_runs`)."""
        super().draw(_in_runs(self, renderer))

    # rasterising (and agg filters) are left to matplotlib's draw, which has them
    draw._supports_rasterization = True  # type: ignore[attr-defined]


class LineCollection(mcoll.LineCollection):
    """A :class:`matplotlib.collections.LineCollection` written to PDF in runs (same bytes).

    The class keeps matplotlib's name: SVG group ids are made from it.

    Examples
    --------
    >>> import numpy as np
    >>> lines = LineCollection([np.zeros((2, 2)), np.ones((3, 2))], colors=["k", "k"])
    >>> len(lines.get_segments())
    2
    """

    def draw(self, renderer: Any) -> None:
        """Draw as matplotlib does, PDF paths in runs (:func:`draw_in_runs`)."""
        super().draw(_in_runs(self, renderer))

    # rasterising (and agg filters) are left to matplotlib's draw, which has them
    draw._supports_rasterization = True  # type: ignore[attr-defined]


class _RunsRenderer:
    """``renderer`` with :func:`draw_in_runs` as its ``draw_path_collection``; every other
    attribute is the renderer's own."""

    def __init__(self, renderer: Any, pdf: RendererPdf) -> None:
        self._wrapped = renderer
        self._pdf = pdf

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)

    def draw_path_collection(self, *args: Any, **kwargs: Any) -> None:
        draw_in_runs(self._pdf, *args, **kwargs)


def _in_runs(artist: mcoll.Collection, renderer: Any) -> Any:
    """The renderer to draw a collection with: wrapped when it writes PDF now (not
    rasterising, no agg filter, not the disabled drawing that measures a tight bounding
    box)."""
    if not SUPPORTED or artist.get_rasterized() or artist.get_agg_filter() is not None:
        return renderer
    if getattr(renderer, "_rasterizing", False) or getattr(renderer, "_raster_depth", 0):
        return renderer
    pdf = renderer if isinstance(renderer, RendererPdf) else getattr(renderer, "_renderer", None)
    if not isinstance(pdf, RendererPdf) or type(pdf).draw_path is not RendererPdf.draw_path:
        return renderer
    if {"draw_path", "draw_path_collection"} & set(vars(pdf)):  # _draw_disabled's no-ops
        return renderer
    return _RunsRenderer(renderer, pdf)


def draw_in_runs(
    pdf: RendererPdf,
    gc: Any,
    master_transform: Any,
    paths: Sequence[Any],
    all_transforms: Sequence[Any],
    offsets: Any,
    offset_trans: Any,
    facecolors: Any,
    edgecolors: Any,
    linewidths: Any,
    linestyles: Sequence[Any],
    antialiaseds: Any,
    urls: Sequence[Any],
    offset_position: Any,
    *,
    hatchcolors: Any = None,
) -> None:
    """:meth:`RendererPdf.draw_path_collection`, writing runs of paths of equal properties
    at once (the same bytes); collections it does not cover are drawn by matplotlib.

    Parameters
    ----------
    pdf
        The PDF renderer.
    gc, master_transform, paths, all_transforms, offsets, offset_trans, facecolors, \
edgecolors, linewidths, linestyles, antialiaseds, urls, offset_position, hatchcolors
        As :meth:`matplotlib.backend_bases.RendererBase.draw_path_collection`.
    """
    props = _Properties(
        facecolors=facecolors,
        edgecolors=edgecolors,
        linewidths=linewidths,
        linestyles=linestyles,
        antialiaseds=antialiaseds,
        urls=urls,
        hatchcolors=[] if hatchcolors is None else hatchcolors,
    )
    codes = _property_codes(gc, paths, all_transforms, offsets, offset_trans, props)
    if codes is None or pdf.file.currentstream is None:
        pdf.draw_path_collection(
            gc,
            master_transform,
            paths,
            all_transforms,
            offsets,
            offset_trans,
            facecolors,
            edgecolors,
            linewidths,
            linestyles,
            antialiaseds,
            urls,
            offset_position,
            hatchcolors=hatchcolors,
        )
        return
    _Runs(pdf, gc, master_transform, paths, offsets, offset_trans, offset_position, props).draw(
        codes
    )


@dataclass(frozen=True)
class _Properties:
    """The per-path property sequences of a collection (each cycled over the paths)."""

    facecolors: Any
    edgecolors: Any
    linewidths: Any
    linestyles: Sequence[Any]
    antialiaseds: Any
    urls: Sequence[Any]
    hatchcolors: Any

    def at(self, i: int) -> dict[str, Any]:
        """Path ``i``'s properties as one-element sequences (cycled as matplotlib does)."""
        return {name: _at(values, i) for name, values in vars(self).items()}

    def numeric(self) -> tuple[Any, ...]:
        """The sequences compared path by path (line styles and URLs: one for all)."""
        return (
            self.facecolors,
            self.edgecolors,
            self.hatchcolors,
            self.linewidths,
            self.antialiaseds,
        )


class _Runs:
    """One collection written in runs (:func:`draw_in_runs`)."""

    def __init__(
        self,
        pdf: RendererPdf,
        gc: Any,
        master_transform: Any,
        paths: Sequence[Any],
        offsets: Any,
        offset_trans: Any,
        offset_position: Any,
        props: _Properties,
    ) -> None:
        self.pdf, self.gc, self.paths, self.props = pdf, gc, paths, props
        self.master = master_transform
        self.offsets, self.offset_trans = offsets, offset_trans
        self.offset_position = offset_position
        self.transform = IdentityTransform() + master_transform  # as _iter_collection_raw_paths
        self.paint: dict[int, bytes] = {}  # per property code: the paint operator's line
        self.changes: dict[tuple[int, int], bytes] = {}  # operators of a change A -> B

    def draw(self, codes: np.ndarray) -> None:
        """Write every path, in order, run by run."""
        n = len(self.paths)
        heads = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist()]
        ends = [*heads[1:], n]
        synced = prev = prev_head = -1  # -1: the state before the collection
        out = []
        for head, end in zip(heads, ends, strict=True):
            code = int(codes[head])
            change = self.changes.get((prev, code))
            if change is None:
                if synced != prev:
                    self._matplotlib(prev_head)  # the state object back to prev's
                written = self._matplotlib(head)
                synced = code
                if code not in self.paint:
                    self.paint[code] = (
                        backend_pdf._fill([backend_pdf.pdfRepr(self.pdf.gc.paint())]) + b"\n"
                    )
                own = self._paths_bytes(head, head + 1, code)
                if prev >= 0 and written.endswith(own):
                    self.changes[prev, code] = written[: len(written) - len(own)]
                out.append(written)
            else:
                out += [change, self._paths_bytes(head, head + 1, code)]
            out.append(self._paths_bytes(head + 1, end, code))
            prev, prev_head = code, head
        if synced != prev:
            self._matplotlib(prev_head)
        self.pdf.file.write(b"".join(out))

    def _matplotlib(self, i: int) -> bytes:
        """Path ``i`` drawn by matplotlib; what it writes is returned, not written."""
        file = self.pdf.file
        stream, recorder = file.currentstream, _Recorder()
        file.currentstream = recorder
        try:
            RendererBase.draw_path_collection(
                self.pdf,
                self.gc,
                self.master,
                [self.paths[i]],
                [],
                self.offsets,
                self.offset_trans,
                offset_position=self.offset_position,
                **self.props.at(i),
            )
        finally:
            file.currentstream = stream
        return b"".join(recorder.chunks)

    def _paths_bytes(self, start: int, end: int, code: int) -> bytes:
        """The content-stream bytes of paths ``start:end`` (of property ``code``) in their
        state, as :meth:`RendererPdf.draw_path` writes each (``PdfFile.writePath``, then the
        paint operator); without a fill colour matplotlib clips to the page and simplifies."""
        clip = _face(self.props.facecolors, start) is None
        box = (0.0, 0.0, self.pdf.file.width * 72, self.pdf.file.height * 72) if clip else None
        paint = self.paint[code]
        operations = self.pdf.file.pathOperations
        transform = self.transform
        parts = []
        for path in self.paths[start:end]:
            ops = operations(path, transform, box, simplify=path.should_simplify if clip else False)
            parts.append(backend_pdf._fill([backend_pdf.pdfRepr(x) for x in ops]) + b"\n" + paint)
        return b"".join(parts)


class _Recorder:
    """Stands in for a PDF content stream: keeps what is written."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.chunks.append(data)


def _at(values: Any, i: int) -> Any:
    """The property of path ``i`` as a one-element sequence (cycled as matplotlib does)."""
    return values[i % len(values) : i % len(values) + 1] if len(values) else values


def _face(facecolors: Any, i: int) -> Any:
    """The fill colour of path ``i`` as :meth:`RendererBase._iter_collection` yields it."""
    if not len(facecolors):
        return None
    fc = facecolors[i % len(facecolors)]
    return None if fc is not None and len(fc) == 4 and fc[3] == 0 else fc


def _property_codes(
    gc: Any,
    paths: Sequence[Any],
    all_transforms: Sequence[Any],
    offsets: Any,
    offset_trans: Any,
    props: _Properties,
) -> np.ndarray | None:
    """A code per path, equal for paths of equal properties, or None when the collection is
    not one this module writes (then matplotlib draws it)."""
    n = len(paths)
    if n < 2 or len(all_transforms) or len(offsets) > 1:
        return None  # matplotlib may reuse paths as PDF XObjects, or translate each
    if len(offsets) and (np.asarray(offset_trans.transform(offsets)) != 0).any():
        return None  # one offset, not (0, 0): every path translated
    if not (len(props.facecolors) or len(props.edgecolors) or len(props.hatchcolors)):
        return None  # nothing drawn
    if gc.get_hatch() is not None or gc.get_sketch_params() is not None:
        return None
    if len(props.linestyles) > 1 or len(props.urls) > 1:
        return None
    ec = np.asarray(props.edgecolors, dtype=float)
    if len(ec) and (ec.ndim != 2 or (ec[:, 3] == 0).any()):
        return None  # a transparent edge keeps the previous one's colour in matplotlib
    columns = [np.zeros((n, 1))]
    for values in props.numeric():
        if len(values):
            v = np.asarray(values, dtype=float)
            columns.append(v[np.arange(n) % len(v)].reshape(n, -1))
    table = np.hstack(columns)
    if not np.isfinite(table).all():
        return None  # NaN differs from itself: matplotlib would see a change at every path
    _, codes = np.unique(table, axis=0, return_inverse=True)
    return codes.ravel()
