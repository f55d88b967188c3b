"""make bench: every benchmark, each printing its ratios."""
from bench import cold_start, contacts_api

contacts_api.main([])
cold_start.main([])
