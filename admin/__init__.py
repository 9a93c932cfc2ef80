"""The Flask-Admin panel."""
