"""LeadPilot domain library: logic, data access, events and schemas shared by every function."""
