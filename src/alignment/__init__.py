"""Alignment: one shared, trusted view of the revenue funnel for sales and marketing teams."""

__version__ = "0.1.0"
