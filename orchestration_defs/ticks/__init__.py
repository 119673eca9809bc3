"""When journeys tick: the tick clock, one job and one schedule per journey."""
