"""Tasks: to-dos with due times in a time zone, recurrence, reminders and an iCalendar feed."""
