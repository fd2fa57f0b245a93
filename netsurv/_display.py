"""How a result shows itself: a short plain-text print (``repr``, in the style of R's print
methods) and an HTML view for notebooks (``_repr_html_``), both rendered from one description.

A result class inherits :class:`Displayable` and describes itself in ``_view()`` as a
:class:`View`: a headline, then lines of text and tables (DataFrames).  Numbers are formatted
here, once, as R's ``format`` does (each column to a few significant digits, p-values as
``format.pval``), so every result reads alike; no result writes HTML by hand, and every piece of
user text reaches the page escaped.  Views show aggregates only: nothing patient-level.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Columns formatted as p-values (R's ``format.pval``) wherever they appear.
P_COLUMNS = frozenset({"p", "pv", "p_value", "Pr(>|z|)", "p_search", "p_adjusted", "logrank p"})
#: Widest line of a text table before its columns wrap into blocks.
WIDTH = 120
#: Smallest p-value printed as a number (R's ``.Machine$double.eps``).
_P_FLOOR = 2.220446049250313e-16
_MAX_DECIMALS = 8


@dataclass(frozen=True)
class Table:
    """A DataFrame to show, with how to format it.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows to show (the view shows at most ``max_rows`` of them).
    caption : str
        A line printed above the table ("" for none).
    digits : int
        Significant digits of floating-point columns (R's ``digits``).
    index : bool
        Whether to show the index (row names).
    max_rows : int
        Rows shown; the rest are counted in a line under the table.
    """

    frame: pd.DataFrame
    caption: str = ""
    digits: int = 4
    index: bool = True
    max_rows: int = 12


Block = str | Table


@dataclass(frozen=True)
class View:
    """What a result shows: ``<kind: headline>``, then lines of text and tables in order.

    ``html_blocks``, when given, is what the notebook view shows instead of ``blocks`` (e.g. a
    whole table where the text view has a few lines).
    """

    kind: str
    headline: str
    blocks: Sequence[Block] = ()
    html_blocks: Sequence[Block] | None = None

    def text(self) -> str:
        """The plain-text rendering (the result's ``repr``)."""
        out = [f"<{self.kind}: {self.headline}>"]
        for block in self.blocks:
            if isinstance(block, Table):
                if out[-1] != "":
                    out.append("")
                if block.caption:
                    out.append(block.caption)
                shown = format_frame(block.frame.iloc[: block.max_rows], digits=block.digits)
                if len(shown.columns) == 0 or len(shown) == 0:
                    out.append("(none)")
                else:
                    out.extend(x.rstrip() for x in _to_text(shown, index=block.index).splitlines())
                more = len(block.frame) - block.max_rows
                if more > 0:
                    out.append(f"... {more} more rows")
                out.append("")
            else:
                out.extend(wrap(block))
        while out[-1] == "":
            out.pop()
        return "\n".join(out)

    def html(self) -> str:
        """The notebook rendering (the result's ``_repr_html_``): every text escaped."""
        parts = [
            '<div class="netsurv-result">',
            f"<p><strong>{_esc(self.kind)}</strong>: {_esc(self.headline)}</p>",
        ]
        lines: list[str] = []

        def flush() -> None:
            if lines:
                parts.append("<p>" + "<br>".join(_esc(x) for x in lines) + "</p>")
                lines.clear()

        for block in self.blocks if self.html_blocks is None else self.html_blocks:
            if isinstance(block, Table):
                flush()
                if block.caption:
                    parts.append(f"<p><em>{_esc(block.caption)}</em></p>")
                shown = format_frame(block.frame.iloc[: block.max_rows], digits=block.digits)
                parts.append(
                    shown.to_html(escape=True, border=0, index=block.index, na_rep="")
                    if len(shown) and len(shown.columns)
                    else "<p>(none)</p>"
                )
                more = len(block.frame) - block.max_rows
                if more > 0:
                    parts.append(f"<p>... {more} more rows</p>")
            elif block:
                lines.append(block)
        flush()
        parts.append("</div>")
        return "\n".join(parts)


class Displayable:
    """Mixin giving a result its ``repr`` and ``_repr_html_`` from its :meth:`_view`.

    A dataclass that inherits it must say ``repr=False`` (else ``dataclasses`` writes its own
    ``__repr__`` over this one).
    """

    def _view(self) -> View:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self._view().text()

    def _repr_html_(self) -> str:
        return self._view().html()


# ---------------------------------------------------------------------------- numbers
def format_frame(frame: pd.DataFrame, *, digits: int = 4) -> pd.DataFrame:
    """The frame with every value as display text, column by column as R's ``format``.

    Floating-point columns get the fewest decimals that show each value to ``digits``
    significant digits (scientific notation when that needs more than 8 decimals); columns
    holding whole numbers print as integers; p-value columns (:data:`P_COLUMNS`) as R's
    ``format.pval`` (``<2e-16`` below machine precision); missing numbers as ``NA``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"coef": [0.017045, -0.513219], "n": [138.0, 90.0],
    ...                    "p": [0.06459, 1e-20], "group": ["sex=1", None]})
    >>> format_frame(df, digits=4)
           coef    n       p  group
    0   0.01705  138  0.0646  sex=1
    1  -0.51322   90  <2e-16
    """
    out = {}
    for col in frame.columns:
        s = frame[col]
        if str(col) in P_COLUMNS and pd.api.types.is_numeric_dtype(s):
            out[col] = format_p(s.to_numpy(dtype=float), digits=max(digits - 1, 1))
        elif pd.api.types.is_bool_dtype(s):
            out[col] = [str(bool(v)) for v in s]
        elif pd.api.types.is_numeric_dtype(s):
            out[col] = format_numbers(s.to_numpy(dtype=float), digits=digits)
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[col] = ["" if pd.isna(v) else str(pd.Timestamp(v).date()) for v in s]
        else:
            out[col] = [_text(v, digits) for v in s]
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def format_numbers(x: np.ndarray, *, digits: int = 4) -> list[str]:
    """Numbers as text with common decimals (R ``format(x, digits=)``); NA, Inf as R.

    Examples
    --------
    >>> format_numbers(np.array([0.5, 0.0123456, np.nan, np.inf]), digits=3)
    ['0.5000', '0.0123', 'NA', 'Inf']
    >>> format_numbers(np.array([3.0, 12.0]))
    ['3', '12']
    >>> format_numbers(np.array([1e-14, 0.39]))
    ['1.000e-14', '3.900e-01']
    """
    x = np.asarray(x, dtype=float)
    finite = x[np.isfinite(x)]
    if finite.size and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 1e15):
        body = [f"{v:.0f}" for v in x]
    else:
        dec = _decimals(finite, digits)
        body = [f"{v:.{digits - 1}e}" if dec is None else f"{v:.{dec}f}" for v in x]
    return [_special(v) or b for v, b in zip(x, body, strict=True)]


def format_p(p: np.ndarray, *, digits: int = 3) -> list[str]:
    """p-values as R's ``format.pval``: ``digits`` significant digits, ``<2e-16`` below eps.

    Examples
    --------
    >>> format_p(np.array([0.0008574, 0.5, 1e-20, 3e-7, np.nan]))
    ['0.000857', '0.500000', '<2e-16', '3.00e-07', 'NA']
    """
    p = np.asarray(p, dtype=float)
    tiny = p < _P_FLOOR
    small = (p < 1e-4) & ~tiny
    plain = np.isfinite(p) & ~tiny & ~small
    dec = _decimals(p[plain], digits)
    out = []
    for v, t, s in zip(p, tiny, small, strict=True):
        if np.isnan(v):
            out.append("NA")
        elif t:
            out.append("<2e-16")
        elif s:
            out.append(f"{v:.{digits - 1}e}")
        else:
            out.append(f"{v:.{dec if dec is not None else digits}f}")
    return out


def signif(x: float, digits: int = 3) -> str:
    """One number to ``digits`` significant digits, as text (R ``signif``; NA, Inf as R).

    Examples
    --------
    >>> signif(0.60312), signif(14.1234, 4), signif(float("nan")), signif(4.0)
    ('0.603', '14.12', 'NA', '4')
    """
    return format_numbers(np.array([x], dtype=float), digits=digits)[0]


def pvalue(p: float, digits: int = 3) -> str:
    """One p-value as text (R ``format.pval``).

    Examples
    --------
    >>> pvalue(0.0008574), pvalue(1e-30)
    ('0.000857', '<2e-16')
    """
    return format_p(np.array([p], dtype=float), digits=digits)[0]


def top_counts(values: pd.Series, *, limit: int = 6) -> str:
    """``"a 3, b 2, ..."``: the most frequent values with their counts (ties in value order).

    Examples
    --------
    >>> top_counts(pd.Series(["SSA", "PRRT", "SSA", "mTOR"]))
    'SSA 2, PRRT 1, mTOR 1'
    """
    vc = values.value_counts(dropna=True)
    vc = vc.iloc[np.lexsort((vc.index.astype(str), -vc.to_numpy()))]
    shown = [f"{k} {int(n)}" for k, n in vc.iloc[:limit].items()]
    if len(vc) > limit:
        shown.append(f"... ({len(vc) - limit} more)")
    return ", ".join(shown)


def _decimals(finite: np.ndarray, digits: int) -> int | None:
    """Common decimals showing each value to ``digits`` significant digits; None: scientific."""
    v = np.abs(finite[finite != 0])
    if not v.size:
        return 0
    if v.max() >= 1e15:
        return None
    need = np.clip(digits - 1 - np.floor(np.log10(v)), 0, None).astype(int)
    if need.max() > _MAX_DECIMALS:
        return None
    trimmed = [
        len(f"{a:.{d}f}".rstrip("0").partition(".")[2]) for a, d in zip(v, need, strict=True)
    ]
    return int(max(trimmed))


def _special(v: float) -> str | None:
    if np.isnan(v):
        return "NA"
    if np.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    return None


def _text(v: object, digits: int) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, float | np.floating):
        return signif(float(v), digits)
    return str(v)


def _to_text(shown: pd.DataFrame, *, index: bool) -> str:
    """Cells right-aligned as R prints a matrix; columns wrap in blocks past :data:`WIDTH`."""
    text = shown.to_string(index=index, justify="right")
    if max(map(len, text.splitlines())) > WIDTH:
        text = shown.to_string(index=index, justify="right", line_width=WIDTH)
    return text


def wrap(line: str, width: int = WIDTH) -> list[str]:
    """A line of text as lines of at most ``width`` characters (continuations indented by two
    spaces; a single word longer than that stays whole).

    Examples
    --------
    >>> wrap("note: " + "x" * 10 + " y", width=12)
    ['note:', '  xxxxxxxxxx', '  y']
    >>> wrap("")
    ['']
    """
    return textwrap.wrap(
        line, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
    ) or [""]


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def rows_view(kind: str, what: str, summary: pd.DataFrame, n_rows: int, n_aside: int) -> View:
    """The view of a long result table with its attrition: how many rows, how many set aside,
    and its count ``summary`` (no row of the table itself: rows name patients).

    Examples
    --------
    >>> import pandas as pd
    >>> print(rows_view("LesionResponse", "lesion readings",
    ...                 pd.DataFrame({"criterion": ["recist1.1"], "stable": [3]}), 3, 1).text())
    <LesionResponse: 3 lesion readings, 1 row set aside (see .attrition)>
    <BLANKLINE>
       criterion stable
    0  recist1.1      3
    """
    aside = f"{n_aside} row{'s' if n_aside != 1 else ''} set aside (see .attrition)"
    return View(kind, f"{n_rows} {what}, {aside}", [Table(summary)])
