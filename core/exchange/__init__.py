"""Exchange formats: import files, exports, and the notification and award documents."""
