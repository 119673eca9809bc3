"""Reverse ETL: due actions leave the warehouse for their destinations (CONTRACT C8)."""
