"""Plotting helpers shared by the chapters: one style, training curves and more.

Each concern lives in its own module; the commonly used functions are re-exported here.
"""

from dlbook.plot.curves import plot_history
from dlbook.plot.style import BOOK_STYLE, use_book_style

__all__ = ["BOOK_STYLE", "plot_history", "use_book_style"]
