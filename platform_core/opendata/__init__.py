"""Open data: aggregate figures per village and month, as CSV and JSON (docs/pages.md).

The core's ``tiers`` dataset and the enabled plugins' ``township_open_datasets``,
checked column by column and value by value so that no personal data is published.
"""
