"""make bench: every benchmark, each printing its ratios."""
from bench import board, cold_start, contacts_api, email_send, import_rows

contacts_api.main([])
import_rows.main(["--rows", "500"])
board.main([])
cold_start.main([])
email_send.main(["--messages", "100"])
