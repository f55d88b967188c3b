"""The HTTP edge shared by every Chalice app: body parsing, validation, auth and error mapping."""
