"""The panel's pages: model views for the data, and the scheme, result, dashboard and plugin pages."""
