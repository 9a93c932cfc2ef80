"""kaohe-water: a county water bureau's scheme (水利系统政务信息考核) as a Kaohe plugin."""

__version__ = "1.0.0"
