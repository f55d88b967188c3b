"""make bench: every benchmark, each printing its ratios."""
from bench import board, cold_start, contacts_api, import_rows, sms_pipeline

contacts_api.main([])
import_rows.main(["--rows", "500"])
board.main([])
sms_pipeline.main(["--texts", "500", "--single", "50", "--inbound", "30"])
cold_start.main([])
