"""The dispatch asset: where due actions leave the warehouse."""
