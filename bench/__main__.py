"""make bench: every benchmark, each printing its ratios."""
from bench import automations, board, cold_start, contacts_api, email_send, import_rows, run_controls

contacts_api.main([])
import_rows.main(["--rows", "500"])
board.main([])
cold_start.main([])
automations.main(["all", "--contacts", "1000", "--n", "10"])
email_send.main(["--messages", "100"])
run_controls.main([])
