"""make bench: every benchmark, each printing its ratios."""
from bench import board, cold_start, contacts_api, import_rows, run_controls

contacts_api.main([])
import_rows.main(["--rows", "500"])
board.main([])
cold_start.main([])
run_controls.main([])
