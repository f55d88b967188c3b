"""make bench: every benchmark, each printing its ratios."""
from bench import automations, board, cold_start, contacts_api, email_send, import_rows, run_controls, sms_pipeline

contacts_api.main([])
import_rows.main(["--rows", "500"])
board.main([])
sms_pipeline.main(["--texts", "500", "--single", "50", "--inbound", "30"])
cold_start.main([])
automations.main(["all", "--contacts", "1000", "--n", "10"])
email_send.main(["--messages", "100"])
run_controls.main([])
