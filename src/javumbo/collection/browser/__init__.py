"""The card browser: rows of a search in cards or notes mode, Anki's columns and sort orders,
saved searches and the sidebar's items."""

from javumbo.collection.browser.columns import COLUMNS, ColumnError, Mode
from javumbo.collection.browser.table import BrowserPage, BrowserRow, browse_page, page_ids

__all__ = ["COLUMNS", "BrowserPage", "BrowserRow", "ColumnError", "Mode", "browse_page", "page_ids"]
